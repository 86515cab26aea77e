"""The demo's one statement of its own: clearing the demo county's organizations and their cases."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from rectify.store.month_end import drop_cases
from rectify.store.tables import (
    case_t,
    event_t,
    extension_t,
    measure_problem_t,
    measure_t,
    objection_t,
    org_t,
    people_t,
    person_t,
    problem_t,
    progress_t,
    secretary_t,
    supervision_t,
    verification_t,
)

__all__ = ["delete_orgs", "foreign_rows", "org_count"]


def org_count_query(county: str) -> sa.Select[Any]:
    return sa.select(sa.func.count()).select_from(org_t).where(org_t.c.county == county)


def foreign_queries(county: str, codes: Sequence[str], names: Sequence[str]) -> tuple[sa.Select[Any], sa.Select[Any]]:
    """The two counts :func:`foreign_rows` reads (the light path runs them compiled, with the demo's values)."""
    orgs = sa.select(sa.func.count()).select_from(org_t).where(
        sa.not_(sa.and_(org_t.c.county == county, org_t.c.code.in_(codes))))
    people = sa.select(sa.func.count()).select_from(people_t).where(
        people_t.c.registered.is_(True), people_t.c.name.not_in(names),
        sa.not_(people_t.c.scope.startswith(county, autoescape=True)))
    return orgs, people


def org_count(conn: Connection, county: str) -> int:
    """Organizations registered in ``county``."""
    return int(conn.execute(org_count_query(county)).scalar_one())


def foreign_rows(conn: Connection, county: str, codes: Sequence[str], names: Sequence[str]) -> tuple[int, int]:
    """(organizations, registered people) that are not the demo's: other codes or counties, other names
    outside the demo county's scope."""
    orgs, people = foreign_queries(county, codes, names)
    return int(conn.execute(orgs).scalar_one()), int(conn.execute(people).scalar_one())


def delete_orgs(conn: Connection, county: str, codes: Sequence[str]) -> None:
    """Deletes the organizations of ``county`` with these codes, their cases and all recorded on them."""
    mine = sa.and_(org_t.c.county == county, org_t.c.code.in_(codes))
    orgs = sa.select(org_t.c.id).where(mine).scalar_subquery()
    cases = sa.select(case_t.c.id).where(case_t.c.org_id.in_(orgs)).scalar_subquery()
    measures = sa.select(measure_t.c.id).where(measure_t.c.case_id.in_(cases)).scalar_subquery()
    conn.execute(sa.delete(measure_problem_t).where(measure_problem_t.c.measure_id.in_(measures)))
    for t in (event_t, extension_t, verification_t, progress_t, secretary_t, person_t, measure_t, problem_t,
              supervision_t, objection_t):
        conn.execute(sa.delete(t).where(t.c.case_id.in_(cases)))
    drop_cases(conn, cases)  # their month-end snapshots (derived data, no foreign key)
    conn.execute(sa.delete(case_t).where(case_t.c.org_id.in_(orgs)))
    conn.execute(sa.delete(org_t).where(mine))
