"""The statements of the snapshots (SPEC §6.2): the cases and their history up to a day, and the latest dates.

A snapshot is rebuilt from the append-only history (:mod:`rectify.reports.snapshot`); these statements
give it the cases' fixed facts (organization, problems) and their events up to the end of the as-of day,
optionally only those recorded by an instant (``--known-on``), both ordered by case so they merge in one pass.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Result

from rectify.store.ledger import ITEM, PAIR, LedgerFilter, case_select
from rectify.store.tables import (
    case_t,
    event_t,
    measure_t,
    org_t,
    problem_t,
    progress_t,
    secretary_t,
    verification_t,
)

__all__ = ["latest_dates", "ranks_places", "snapshot_cases", "snapshot_events"]


def _place_only(f: LedgerFilter) -> LedgerFilter:
    """The filter's place, kind and reader: stage, year and open/all are judged on the rebuilt state."""
    return replace(f, stage=None, light=None, year=None, open_only=False)


def _driver(conn: Connection, q: sa.Select[Any]) -> Any:
    """The statement's rows as the driver's plain tuples (no Row objects, no type processing): what a rebuild of
    100,000 cases reads. SQLite gives dates as ISO text; PostgreSQL streams through a server-side cursor."""
    compiled = q.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.construct_params()
    args = tuple(params[k] for k in compiled.positiontup or ()) if compiled.positional else params
    if conn.dialect.name == "postgresql":
        return conn.execution_options(stream_results=True, max_row_buffer=5000).exec_driver_sql(str(compiled), args)
    return conn.exec_driver_sql(str(compiled), args).cursor


def snapshot_cases(conn: Connection, f: LedgerFilter, as_of: date, case_id: int | None = None) -> Result[Any]:
    """(id, detail, year, code, name, kind, county, township, poor_village, problems, place_rank) tuples: the
    fixed facts of every case listed by ``as_of`` within the filter's place, by case id.

    ``place_rank`` is the case's place in the ledger's order after the deadline (county, township, code,
    id) by the database's own collation, so a rebuilt ledger sorts as the ledger query does; on SQLite it is 0
    (:func:`ranks_places`): there the place's own values sort in Python as the database sorts them."""
    return _driver(conn, cases_select(f, as_of, case_id, ranked=ranks_places(conn.dialect.name)))  # type: ignore[no-any-return]


def ranks_places(dialect: str) -> bool:
    """Whether the case rows carry their ``place_rank``: not on SQLite, whose text columns sort by their bytes
    (BINARY), the order of Python's ``str`` (code points), so the rebuild sorts by the place's values instead of
    a window over every case (about half of the cases statement's time)."""
    return dialect != "sqlite"


def cases_select(f: LedgerFilter, as_of: date, case_id: int | None = None, ranked: bool = True) -> sa.Select[Any]:
    """The statement of :func:`snapshot_cases` (the month-end snapshots add their columns to it)."""
    prob = (
        sa.select(
            problem_t.c.case_id,
            sa.func.aggregate_strings(problem_t.c.code + PAIR + problem_t.c.text, ITEM).label("problems"),
        )
        .group_by(problem_t.c.case_id)
        .subquery("prob")
    )
    q = (
        case_select(_place_only(f), case_t.c.id, case_t.c.detail, case_t.c.year, org_t.c.code, org_t.c.name,
                    org_t.c.kind, org_t.c.county, org_t.c.township, org_t.c.poor_village, prob.c.problems,
                    sa.func.row_number().over(order_by=(org_t.c.county, org_t.c.township, org_t.c.code,
                                                        case_t.c.id)).label("place_rank")
                    if ranked else sa.literal(0).label("place_rank"))
        .outerjoin(prob, prob.c.case_id == case_t.c.id)
        .where(case_t.c.identified_on <= as_of)
        .order_by(case_t.c.id)
    )
    if case_id is not None:
        q = q.where(case_t.c.id == case_id)
    return q


def snapshot_events(conn: Connection, f: LedgerFilter, as_of: date, recorded_by: datetime | None,
                    case_id: int | None = None) -> Result[Any]:
    """(case_id, action, to_stage, happened_on, detail) tuples of every event dated by ``as_of`` (and
    recorded by ``recorded_by``), by case, business date and id: the order the snapshot folds them in.

    ``to_stage`` is NULL for an event that did not move the case (a progress report dated after a stage move
    recorded late must not move the case back)."""
    return _driver(conn, events_select(f, as_of, recorded_by, case_id))  # type: ignore[no-any-return]


def events_select(f: LedgerFilter, as_of: date, recorded_by: datetime | None,
                  case_id: int | None = None) -> sa.Select[Any]:
    """The statement of :func:`snapshot_events`."""
    moved_to = sa.case((event_t.c.from_stage == event_t.c.to_stage, sa.null()), else_=event_t.c.to_stage)
    q = (
        case_select(_place_only(f), event_t.c.case_id, event_t.c.action, moved_to, event_t.c.happened_on,
                    event_t.c.detail)
        .join(event_t, event_t.c.case_id == case_t.c.id)
        .where(event_t.c.happened_on <= as_of, case_t.c.identified_on <= as_of)
        .order_by(event_t.c.case_id, event_t.c.happened_on, event_t.c.id)
    )
    if recorded_by is not None:
        q = q.where(event_t.c.at <= recorded_by)
    if case_id is not None:
        q = q.where(event_t.c.case_id == case_id)
    return q


# The latest business date of each dated column, and (last) the latest instant a case was changed.
LATEST_DATES = sa.select(*(
    sa.select(sa.func.max(col)).scalar_subquery()
    for col in (
        event_t.c.happened_on, case_t.c.identified_on, case_t.c.stage_since, case_t.c.rectified_on,
        case_t.c.verified_on, case_t.c.last_progress_on, measure_t.c.done_on, secretary_t.c.since,
        secretary_t.c.until, progress_t.c.reported_on, verification_t.c.verified_on, case_t.c.updated_at,
    )
))


def latest_dates(conn: Connection) -> tuple[date | None, datetime | None]:
    """The latest business date anything stored carries, and the latest instant a change was recorded.

    When the first is on or before the as-of day and the second before the known-on day ends, the
    current tables are the snapshot, and the ledger may read them directly.
    """
    row = conn.execute(LATEST_DATES).one()
    days = [d if isinstance(d, date) or d is None else date.fromisoformat(str(d)[:10]) for d in row[:-1]]
    known = [d for d in days if d is not None]
    at = row[-1]
    if isinstance(at, str):
        at = datetime.fromisoformat(at)
    return (max(known) if known else None), at
