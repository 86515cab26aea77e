"""What the store's readers share that needs no SQLAlchemy: the ledger's filter and column order, the
aggregated strings' separators and the reader's scope in words.

:mod:`rectify.store.ledger` and :mod:`rectify.store.scope` re-export these; a read command on the DB-API
(:mod:`rectify.store.light`) imports them from here.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from rectify.states.permissions import Actor

TYPE_CHECKING = False
if TYPE_CHECKING:  # a frozen dataclass to the type checker
    from dataclasses import dataclass
else:  # the same, without loading dataclasses on a read (issue 29)
    from rectify.frozen import dataclass

__all__ = ["ITEM", "LEDGER_KEYS", "MEASURE_FIELDS", "PAIR", "LedgerFilter", "default_sqlite_path", "fold_late_facts",
           "limited", "resolve_url", "scope_text", "selects_all"]

PAIR = "\x1f"  # between a problem's code and text inside the aggregated string
ITEM = "\x1e"  # between problems

# The columns of ledger_query, in order: the row source unpacks the driver's tuples by position.
LEDGER_KEYS = (
    "id", "stage", "identified_on", "deadline", "stage_since", "stage_due", "cycle_start", "cycle", "version",
    "detail", "helping_unit", "verified_on", "score", "withdrawn_reason", "supervised", "supervision_reason",
    "measures_total", "measures_done", "last_progress_on", "org_code", "org_name", "kind", "county", "township",
    "problems", "county_leader", "township_cadre", "sec_name", "sec_unit", "sec_kind", "progress_note",
    "n_extensions", "n_failed", "supervision_level", "escalation_step", "look_backs", "earlier_years",
    # issue 12: each measure (MEASURE_FIELDS joined by PAIR, measures by ITEM), the first secretary's term
    # end, the village secretary in post and its action (选配/调整), the village secretary at listing.
    "measure_items", "sec_term_until", "vsec_name", "vsec_action", "village_status",
    "grade", "satisfaction", "struck_off_on",
    # issue 27: the day the last 第一书记 left, while no one is in post (第一书记空缺).
    "sec_vacant_since",
)
# One measure in ``measure_items``: seq, text, 责任人, unit, due (ISO), done (ISO or "").
MEASURE_FIELDS = ("seq", "text", "owner", "owner_unit", "due_on", "done_on")


def limited(reader: Actor | None) -> bool:
    """Whether ``reader`` sees less than everything."""
    return reader is not None and reader.role is not None and bool(reader.counties)


def scope_text(reader: Actor | None) -> str:
    """The scope as the registry writes it: ``青山县``, ``青山县/城关镇``, ``青山县,绿水县``; empty for no limit."""
    if reader is None or not limited(reader):
        return ""
    counties = ",".join(reader.counties)
    return f"{counties}/{reader.township}" if reader.township is not None else counties


@dataclass(frozen=True)
class LedgerFilter:
    county: str | None = None
    township: str | None = None
    kind: str | None = None
    stage: str | None = None
    light: str | None = None
    year: int | None = None
    open_only: bool = False
    # Who reads: only cases in their scope (SPEC §12); None or an unlimited actor sees every case.
    reader: Actor | None = None
    # The order of the rows (states.stages.LEDGER_ORDERS), not a filter: it selects nothing.
    sort: str = "place"

    def describe(self) -> dict[str, Any]:
        out = {k: v for k, v in self.__dict__.items() if k not in ("reader", "sort") and v not in (None, False)}
        if limited(self.reader):
            out["scope"] = scope_text(self.reader)
        return out


def selects_all(f: LedgerFilter) -> bool:
    """Whether the SQL part of ``f`` keeps every case (the light is not SQL: it filters the rows afterwards)."""
    return (all(v is None for v in (f.county, f.township, f.kind, f.stage, f.year)) and not f.open_only
            and not limited(f.reader))


def default_sqlite_path() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("rectify", appauthor=False)) / "rectify.sqlite"


def resolve_url(url: str | None) -> str:
    """``--db`` accepts a SQLAlchemy URL or a plain file path (taken as SQLite)."""
    if not url:
        return f"sqlite:///{default_sqlite_path()}"
    if "://" not in url:
        return f"sqlite:///{Path(url).expanduser().resolve()}"
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url[len("postgresql://"):]
    if url.startswith("postgres://"):
        return "postgresql+psycopg://" + url[len("postgres://"):]
    return url


def fold_late_facts(verifications: Iterable[Any], held: Iterable[Any],
                    events: Iterable[Any]) -> dict[int, dict[str, Any]]:
    """A late stage's verification facts by case id (:func:`rectify.store.late_facts.late_stage_facts`), folded
    from the rows of its three statements — through SQLAlchemy or on the light read path alike."""
    out: dict[int, dict[str, Any]] = {}
    for v in verifications:
        out[v.case_id] = {"verifier": v.verifier, "verification_team": v.members, "satisfied": v.satisfied,
                          "basic": v.basic, "dissatisfied": v.dissatisfied, "publicity_from": v.verified_on}
    until: dict[int, Any] = {}
    for row in held:
        out.setdefault(row.id, {})["strike_off_doc"] = row.strike_off_doc or ""
        until[row.id] = row.publicity_until  # a 公示 under way; cleared by the 销号
    for e in events:
        facts = out.setdefault(e.case_id, {})
        if e.action == "strike_off":  # its detail is not read: not decoded
            facts["approver"] = e.actor
        else:
            _late_event(facts, e.action, _detail(e.detail))
    for case_id, day in until.items():
        if day is not None:
            out[case_id]["publicity_until"] = day
    return out


def _detail(text: str | None) -> dict[str, Any]:
    import json  # here, not at import: the ledger's table reads no event

    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _late_event(facts: dict[str, Any], action: str, detail: dict[str, Any]) -> None:
    """A ``verify`` or ``import`` event's part of the facts (a ``strike_off``'s is its actor)."""
    if action == "verify" and detail.get("passed"):
        facts["publicity_until"] = detail.get("publicity_until")
        facts.pop("approver", None)  # a later verification (after an objection, a new cycle) starts over
    elif action == "import":
        imported = detail.get("verification") or {}
        if isinstance(imported, dict) and imported:
            start, end = (list(imported.get("publicity") or []) + [None, None])[:2]
            facts["publicity_from"] = start or facts.get("publicity_from")
            facts["publicity_until"] = end
            facts["approver"] = imported.get("approver") or ""
