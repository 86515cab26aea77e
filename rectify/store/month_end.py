"""The statements of the month-end snapshots (SPEC §6.2): each case's folded state at the end of a month in which
it changed (``case_snapshot``), read beside the case's fixed facts, and the events dated after it.

A past day then folds, per case, its latest snapshot of the current format dated by the day and only the events
dated after that snapshot and by the day (:mod:`rectify.reports.month_end`). The rows are derived data: a
missing or deleted one only makes its case fold from the start. A back-dated event deletes its case's rows from
its business date on (:func:`drop_from`), in the step's own transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Result

from rectify.store.ledger import LedgerFilter
from rectify.store.snapshot import _driver, cases_select, events_select, ranks_places
from rectify.store.tables import case_t, event_t, org_t, snapshot_t

__all__ = ["case_id_bounds", "cases_with_state", "cases_with_state_select", "chunk_to_fill", "drop_cases",
           "drop_from", "drop_other_formats", "events_after", "events_after_select", "latest_of_case", "write"]

_FIRST = date(1, 1, 1)


def _latest(case_id: Any, as_of: date, fmt: str) -> Any:
    """The day of the case's latest snapshot of format ``fmt`` dated by ``as_of`` (NULL: none)."""
    s = snapshot_t.alias("latest")
    return (sa.select(sa.func.max(s.c.month_end))
            .where(s.c.case_id == case_id, s.c.month_end <= as_of, s.c.fmt == fmt)
            .scalar_subquery())


def cases_with_state(conn: Connection, f: LedgerFilter, as_of: date, fmt: str,
                     case_id: int | None = None) -> Result[Any]:
    """:func:`rectify.store.snapshot.snapshot_cases`'s tuples, each followed by the ``state`` of the case's latest
    snapshot of format ``fmt`` dated by ``as_of`` (NULL: none)."""
    return _driver(conn, cases_with_state_select(f, as_of, fmt, case_id,  # type: ignore[no-any-return]
                                                 ranked=ranks_places(conn.dialect.name)))


def cases_with_state_select(f: LedgerFilter, as_of: date, fmt: str, case_id: int | None = None,
                            ranked: bool = True) -> sa.Select[Any]:
    """The latest snapshot's state is one backward look-up in the (case, month end) key, a scalar subquery."""
    s = snapshot_t.alias("latest")
    state = (sa.select(s.c.state).where(s.c.case_id == case_t.c.id, s.c.month_end <= as_of, s.c.fmt == fmt)
             .order_by(s.c.month_end.desc()).limit(1).scalar_subquery())
    return cases_select(f, as_of, case_id, ranked).add_columns(state.label("state"))


def events_after(conn: Connection, f: LedgerFilter, as_of: date, fmt: str,
                 case_id: int | None = None) -> Result[Any]:
    """:func:`rectify.store.snapshot.snapshot_events`'s tuples, only those dated after the case's latest snapshot
    of format ``fmt`` dated by ``as_of`` (every one of a case without)."""
    return _driver(conn, events_after_select(f, as_of, fmt, case_id))  # type: ignore[no-any-return]


def events_after_select(f: LedgerFilter, as_of: date, fmt: str, case_id: int | None = None) -> sa.Select[Any]:
    return events_select(f, as_of, None, case_id).where(
        event_t.c.happened_on > sa.func.coalesce(_latest(case_t.c.id, as_of, fmt), _FIRST))


def latest_of_case(case_id: Any) -> Any:
    """The day of the case's latest snapshot, any format (what a step reads with the case, :mod:`.cases`)."""
    s = snapshot_t.alias("snap")
    return sa.select(sa.func.max(s.c.month_end)).where(s.c.case_id == case_id).scalar_subquery()


_INSERTS = {"sqlite": sqlite.insert(snapshot_t).on_conflict_do_nothing(),
            "postgresql": postgresql.insert(snapshot_t).on_conflict_do_nothing()}
_DROP_FROM = sa.delete(snapshot_t).where(snapshot_t.c.case_id == sa.bindparam("case_id"),
                                         snapshot_t.c.month_end >= sa.bindparam("day"))


def write(conn: Connection, rows: Sequence[tuple[int, date, str, str]]) -> None:
    """``(case_id, month_end, state, fmt)`` rows, in one executemany. A row another fill wrote meanwhile (two
    schedulers on one PostgreSQL database) is left as it is: both folded the same history."""
    if rows:
        conn.execute(_INSERTS[conn.dialect.name],
                     [{"case_id": c, "month_end": m, "state": s, "fmt": f} for c, m, s, f in rows])


def drop_from(conn: Connection, case_id: int, day: date) -> None:
    """The case's snapshots dated on or after ``day``: an event dated ``day`` was recorded after them."""
    conn.execute(_DROP_FROM, {"case_id": case_id, "day": day})


def drop_other_formats(conn: Connection, fmt: str) -> int:
    """Every snapshot of another format (a changed state or policy): never read, so dropped before a fill."""
    return int(conn.execute(sa.delete(snapshot_t).where(snapshot_t.c.fmt != fmt)).rowcount or 0)


def drop_cases(conn: Connection, case_ids: Iterable[int] | Any) -> None:
    """The snapshots of these cases (ids or a subquery), as their cases are deleted."""
    conn.execute(sa.delete(snapshot_t).where(snapshot_t.c.case_id.in_(case_ids)))


def case_id_bounds(conn: Connection) -> tuple[int, int] | None:
    low, high = conn.execute(sa.select(sa.func.min(case_t.c.id), sa.func.max(case_t.c.id))).one()
    return None if low is None else (int(low), int(high))


def chunk_to_fill(conn: Connection, ids: tuple[int, int], until: date, fmt: str) -> tuple[list[Any], list[Any]]:
    """What a fill of the cases with ids in ``ids`` (inclusive) reads: ``(id, org name, month_end, state)`` of each
    case listed by ``until`` with its latest snapshot of format ``fmt`` (NULLs: none), by id, its rows locked
    against a step on PostgreSQL; and :func:`events_after` of those cases, by case, business date and id."""
    in_chunk = case_t.c.id.between(*ids)
    cases = (sa.select(case_t.c.id, org_t.c.name, snapshot_t.c.month_end, snapshot_t.c.state)
             .join(org_t, org_t.c.id == case_t.c.org_id)
             .outerjoin(snapshot_t, sa.and_(snapshot_t.c.case_id == case_t.c.id,
                                            snapshot_t.c.month_end == _latest(case_t.c.id, until, fmt)))
             .where(in_chunk, case_t.c.identified_on <= until)
             .order_by(case_t.c.id)
             .with_for_update(of=case_t))
    events = events_select(LedgerFilter(), until, None).where(
        in_chunk, event_t.c.happened_on > sa.func.coalesce(_latest(case_t.c.id, until, fmt), _FIRST))
    return [tuple(r) for r in conn.execute(cases)], [tuple(r) for r in conn.execute(events)]
