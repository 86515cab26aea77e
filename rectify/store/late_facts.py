"""The verification facts of the cases in a late stage, for the ledger's spreadsheets (issue 26): the team, the
survey, the 公示, the approver and the 文号 — what a re-imported ledger must carry for such a case to stand.

The ledger query gives one row per case from the case's own columns; these facts live in the passed verification,
the ``verify`` and ``strike_off`` events (or, for an imported case, its ``import`` event), so they are looked up
here for a batch of cases at a time.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from rectify.store.plain import fold_late_facts
from rectify.store.tables import case_t, event_t, verification_t

# The order of the facts of one case (rectify.reports.ledger_sheets.FACT_COLUMNS).
FACT_KEYS = ("verifier", "verification_team", "satisfied", "basic", "dissatisfied", "publicity_from",
             "publicity_until", "approver", "strike_off_doc")
_ACTIONS = ("verify", "strike_off", "import")
_IDS: sa.BindParameter[Any] = sa.bindparam("ids", expanding=True)

# The three statements of a batch (the light read path runs them compiled: rectify.store.prepared).
VERIFICATIONS = (sa.select(verification_t).where(verification_t.c.case_id.in_(_IDS), verification_t.c.passed.is_(True))
                 .order_by(verification_t.c.case_id, verification_t.c.verified_on, verification_t.c.id))
HELD = sa.select(case_t.c.id, case_t.c.strike_off_doc, case_t.c.publicity_until).where(case_t.c.id.in_(_IDS))
EVENTS = (sa.select(event_t.c.case_id, event_t.c.action, event_t.c.actor, event_t.c.detail)
          .where(event_t.c.case_id.in_(_IDS), event_t.c.action.in_(_ACTIONS)).order_by(event_t.c.id))


def late_stage_facts(conn: Connection, case_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """By case id: its latest passed verification's facts, the end of its 公示, who approved the 销号, the 文号."""
    ids = sorted(set(case_ids))
    if not ids:
        return {}
    return fold_late_facts(conn.execute(VERIFICATIONS, {"ids": ids}), conn.execute(HELD, {"ids": ids}),
                           conn.execute(EVENTS, {"ids": ids}))
