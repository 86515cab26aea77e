"""The statements of ``rectify stats``: the lean streamed case query and the aggregates of the form."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from rectify.states.stages import OTHER_PROBLEM, Stage
from rectify.workflow.persistence.ledger import LedgerFilter, case_select
from rectify.workflow.persistence.tables import case_t, org_t, person_t, problem_t, secretary_t


def lean_cases(s: Connection, f: LedgerFilter) -> Iterator[Any]:
    """The few columns the counts and lights need, one row per case, in the ledger's order, streamed."""
    lean = case_select(
        f,
        case_t.c.id,
        case_t.c.stage,
        case_t.c.stage_since,
        case_t.c.stage_due,
        case_t.c.cycle_start,
        case_t.c.deadline,
        case_t.c.supervised,
        org_t.c.code,
        org_t.c.name,
        org_t.c.kind,
        org_t.c.county,
        org_t.c.township,
    ).order_by(case_t.c.deadline, org_t.c.county, org_t.c.township, org_t.c.code, case_t.c.id)
    return iter(s.execute(lean.execution_options(yield_per=2000)))


def problem_counts(s: Connection, f: LedgerFilter) -> dict[str, int]:
    """Cases per problem code, withdrawn cases not counted."""
    return dict(
        s.execute(
            case_select(f, problem_t.c.code, sa.func.count(sa.distinct(problem_t.c.case_id)))
            .join(problem_t, problem_t.c.case_id == case_t.c.id)
            .where(case_t.c.stage != Stage.withdrawn)
            .group_by(problem_t.c.code)
        ).all()
    )


def form_counts(s: Connection, f: LedgerFilter, kind: str | None) -> dict[str, Any]:
    """The figures of one row of the Party form (all kinds, or one); withdrawn cases are not counted."""
    counted = case_t.c.stage != Stage.withdrawn
    scope = counted if kind is None else sa.and_(counted, org_t.c.kind == kind)
    main = s.execute(
        case_select(
            f,
            sa.func.count().label(Stage.identified.value),
            sa.func.coalesce(sa.func.sum(sa.case((org_t.c.poor_village.is_(True), 1), else_=0)), 0).label("poor"),
            sa.func.coalesce(sa.func.sum(sa.case((case_t.c.stage == Stage.verified, 1), else_=0)), 0).label(
                "converted"
            ),
            sa.func.count(sa.distinct(sa.func.nullif(case_t.c.helping_unit, ""))).label("units"),
        ).where(scope)
    ).one()
    problems: dict[str, Any] = dict(
        s.execute(
            case_select(f, problem_t.c.code, sa.func.count(sa.distinct(problem_t.c.case_id)))
            .join(problem_t, problem_t.c.case_id == case_t.c.id)
            .where(scope, problem_t.c.code != OTHER_PROBLEM)
            .group_by(problem_t.c.code)
        ).all()
    )
    # Per track: first, work_team, and the village track by action (village:选配, village:调整).
    secretaries: dict[str, Any] = {
        kind if kind != "village" else f"{kind}:{action}": n
        for kind, action, n in s.execute(
            case_select(f, secretary_t.c.kind, secretary_t.c.action, sa.func.count())
            .join(secretary_t, secretary_t.c.case_id == case_t.c.id)
            .where(scope)
            .group_by(secretary_t.c.kind, secretary_t.c.action)
        ).all()
    }
    # The village secretary at listing: 缺配 (missing) / 需调整 (adjust).
    at_listing: dict[str, Any] = dict(
        s.execute(
            case_select(f, case_t.c.village_secretary_status, sa.func.count())
            .where(scope, case_t.c.village_secretary_status != "")
            .group_by(case_t.c.village_secretary_status)
        ).all()
    )
    leaders = s.execute(
        case_select(f, sa.func.count(sa.distinct(person_t.c.name)))
        .join(
            person_t,
            sa.and_(
                person_t.c.case_id == case_t.c.id,
                person_t.c.role == "county_leader",
                person_t.c.name != "",
            ),
        )
        .where(scope)
    ).scalar_one()
    return {
        Stage.identified.value: int(main.identified),
        "poor": int(main.poor),
        "converted": int(main.converted),
        "units": int(main.units),
        "problems": {code: int(n) for code, n in problems.items()},
        "secretaries": {k: int(n) for k, n in secretaries.items()},
        "at_listing": {k: int(n) for k, n in at_listing.items()},
        "leaders": int(leaders),
    }
