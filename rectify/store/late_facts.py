"""The verification facts of the cases in a late stage, for the ledger's spreadsheets (issue 26): the team, the
survey, the 公示, the approver and the 文号 — what a re-imported ledger must carry for such a case to stand.

The ledger query gives one row per case from the case's own columns; these facts live in the passed verification,
the ``verify`` and ``strike_off`` events (or, for an imported case, its ``import`` event), so they are looked up
here for a batch of cases at a time.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from rectify.store.tables import case_t, event_t, verification_t

# The order of the facts of one case (rectify.reports.ledger_sheets.FACT_COLUMNS).
FACT_KEYS = ("verifier", "verification_team", "satisfied", "basic", "dissatisfied", "publicity_from",
             "publicity_until", "approver", "strike_off_doc")
_ACTIONS = ("verify", "strike_off", "import")


def _detail(text: str | None) -> dict[str, Any]:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def late_stage_facts(conn: Connection, case_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """By case id: its latest passed verification's facts, the end of its 公示, who approved the 销号, the 文号."""
    ids = sorted(set(case_ids))
    if not ids:
        return {}
    out: dict[int, dict[str, Any]] = {}
    for v in conn.execute(sa.select(verification_t).where(verification_t.c.case_id.in_(ids),
                                                          verification_t.c.passed.is_(True))
                          .order_by(verification_t.c.case_id, verification_t.c.verified_on, verification_t.c.id)):
        out[v.case_id] = {"verifier": v.verifier, "verification_team": v.members, "satisfied": v.satisfied,
                          "basic": v.basic, "dissatisfied": v.dissatisfied, "publicity_from": v.verified_on}
    held: dict[int, Any] = {}
    for row in conn.execute(sa.select(case_t.c.id, case_t.c.strike_off_doc, case_t.c.publicity_until)
                            .where(case_t.c.id.in_(ids))):
        out.setdefault(row.id, {})["strike_off_doc"] = row.strike_off_doc or ""
        held[row.id] = row.publicity_until  # a 公示 under way; cleared by the 销号
    for e in conn.execute(sa.select(event_t.c.case_id, event_t.c.action, event_t.c.actor, event_t.c.detail)
                          .where(event_t.c.case_id.in_(ids), event_t.c.action.in_(_ACTIONS))
                          .order_by(event_t.c.id)):
        _event(out.setdefault(e.case_id, {}), e.action, e.actor, _detail(e.detail))
    for case_id, until in held.items():
        if until is not None:
            out[case_id]["publicity_until"] = until
    return out


def _event(facts: dict[str, Any], action: str, actor: str, detail: dict[str, Any]) -> None:
    if action == "verify" and detail.get("passed"):
        facts["publicity_until"] = detail.get("publicity_until")
        facts.pop("approver", None)  # a later verification (after an objection, a new cycle) starts over
    elif action == "strike_off":
        facts["approver"] = actor
    elif action == "import":
        imported = detail.get("verification") or {}
        if isinstance(imported, dict) and imported:
            start, until = (list(imported.get("publicity") or []) + [None, None])[:2]
            facts["publicity_from"] = start or facts.get("publicity_from")
            facts["publicity_until"] = until
            facts["approver"] = imported.get("approver") or ""
