"""The read side's statements: one case with everything recorded on it, its events, filtered lists.

Each function returns driver rows; shaping them into the product's dicts is the read side's job.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Result

from rectify.errors import NotFound
from rectify.states.permissions import Actor
from rectify.states.stages import CLOSED_STAGES
from rectify.store.ledger import filter_clauses
from rectify.store.scope import within_scope
from rectify.store.tables import (
    case_t,
    event_t,
    extension_t,
    measure_problem_t,
    measure_t,
    objection_t,
    org_t,
    person_t,
    problem_t,
    progress_t,
    resolve,
    secretary_t,
    supervision_t,
    verification_t,
)

__all__ = ["case_events", "case_parts", "case_rows", "case_rows_select", "org_row", "org_rows", "resolve_seen"]

_LINK = measure_problem_t
# Each problem's measures, and how many are still open: a problem is 销号 when it has measures, all done.
_PROBLEM_MEASURES = (sa.select(sa.func.count()).select_from(_LINK)
                     .where(_LINK.c.problem_id == problem_t.c.id).correlate(problem_t).scalar_subquery())
_PROBLEM_OPEN = (sa.select(sa.func.count()).select_from(_LINK.join(measure_t, measure_t.c.id == _LINK.c.measure_id))
                 .where(_LINK.c.problem_id == problem_t.c.id, measure_t.c.done_on.is_(None))
                 .correlate(problem_t).scalar_subquery())
_MEASURE_PROBLEMS = (sa.select(sa.func.aggregate_strings(problem_t.c.code, ","))
                     .select_from(_LINK.join(problem_t, problem_t.c.id == _LINK.c.problem_id))
                     .where(_LINK.c.measure_id == measure_t.c.id).correlate(measure_t).scalar_subquery())

# What show lists under a case, in the order it shows them.
_PARTS: dict[str, sa.Select[Any]] = {
    "problems": sa.select(problem_t.c.code, problem_t.c.text, _PROBLEM_MEASURES.label("measures"),
                          _PROBLEM_OPEN.label("open_measures"))
    .where(problem_t.c.case_id == sa.bindparam("case_id")).order_by(problem_t.c.id),
    "measures": sa.select(measure_t.c.seq, measure_t.c.text, measure_t.c.owner, measure_t.c.due_on,
                          measure_t.c.done_on, measure_t.c.owner_unit, measure_t.c.owner_email,
                          _MEASURE_PROBLEMS.label("problems"))
    .where(measure_t.c.case_id == sa.bindparam("case_id")).order_by(measure_t.c.seq),
    "people": sa.select(person_t.c.role, person_t.c.name, person_t.c.unit, person_t.c.email, person_t.c.phone)
    .where(person_t.c.case_id == sa.bindparam("case_id")).order_by(person_t.c.role),
    "secretaries": sa.select(secretary_t.c.name, secretary_t.c.kind, secretary_t.c.unit, secretary_t.c.since,
                             secretary_t.c.until, secretary_t.c.email, secretary_t.c.phone, secretary_t.c.end_reason,
                             secretary_t.c.term_until, secretary_t.c.preexisting, secretary_t.c.action,
                             secretary_t.c.source)
    .where(secretary_t.c.case_id == sa.bindparam("case_id")).order_by(secretary_t.c.since, secretary_t.c.id),
    "progress_reports": sa.select(progress_t.c.reported_on, progress_t.c.note, progress_t.c.actor)
    .where(progress_t.c.case_id == sa.bindparam("case_id")).order_by(progress_t.c.reported_on, progress_t.c.id),
    "verifications": sa.select(verification_t.c.verified_on, verification_t.c.verifier, verification_t.c.score,
                               verification_t.c.satisfied, verification_t.c.basic, verification_t.c.dissatisfied,
                               verification_t.c.passed, verification_t.c.reasons, verification_t.c.members,
                               verification_t.c.score_sheet, verification_t.c.grade, verification_t.c.signed_by)
    .where(verification_t.c.case_id == sa.bindparam("case_id")).order_by(verification_t.c.id),
    "objections": sa.select(objection_t.c.raised_on, objection_t.c.text, objection_t.c.raised_by,
                            objection_t.c.decision, objection_t.c.decided_on, objection_t.c.decided_by,
                            objection_t.c.note)
    .where(objection_t.c.case_id == sa.bindparam("case_id")).order_by(objection_t.c.id),
    "extensions": sa.select(extension_t.c.old_deadline, extension_t.c.new_deadline, extension_t.c.reason,
                            extension_t.c.approved_by)
    .where(extension_t.c.case_id == sa.bindparam("case_id")).order_by(extension_t.c.id),
    "supervisions": sa.select(supervision_t.c.level, supervision_t.c.unit, supervision_t.c.matter,
                              supervision_t.c.due_on, supervision_t.c.hung_on, supervision_t.c.hung_by,
                              supervision_t.c.taken_down_on, supervision_t.c.inspected_by,
                              supervision_t.c.inspected_on, supervision_t.c.down_reason, supervision_t.c.taken_down_by)
    .where(supervision_t.c.case_id == sa.bindparam("case_id")).order_by(supervision_t.c.id),
    # The organization listed again after this case (a 反弹 or a later year's listing).
    "later_listings": sa.select(case_t.c.id, case_t.c.year, case_t.c.identified_on)
    .where(case_t.c.previous_case_id == sa.bindparam("case_id")).order_by(case_t.c.id),
}
_ORG = sa.select(org_t).where(org_t.c.id == sa.bindparam("id"))
_ORG_BY_CODE = sa.select(org_t.c.id, org_t.c.county, org_t.c.township).where(org_t.c.code == sa.bindparam("code"))
_EVENTS = sa.select(event_t).where(event_t.c.case_id == sa.bindparam("case_id")).order_by(event_t.c.id)


def org_row(conn: Connection, org_id: int) -> sa.Row[Any]:
    return conn.execute(_ORG, {"id": org_id}).one()


def resolve_seen(conn: Connection, ref: str | int, reader: Actor | None) -> tuple[sa.Row[Any], sa.Row[Any]]:
    """The case named ``ref`` and its organization, if ``reader`` may see it.

    A case or organization outside the reader's scope is not found, with the very line an unknown
    one gets: the refusal tells nothing about other counties.
    """
    unknown = NotFound(f"找不到整顿对象或组织 {str(ref).strip()}")
    try:
        row = resolve(conn, ref, reader.sees if reader is not None else None)
    except NotFound:
        org = conn.execute(_ORG_BY_CODE, {"code": str(ref).strip()}).one_or_none()
        if reader is not None and org is not None and not reader.sees(org.county, org.township):
            raise unknown from None
        raise
    org = org_row(conn, row.org_id)
    if reader is not None and not reader.sees(org.county, org.township):
        raise unknown
    return row, org


def case_parts(conn: Connection, case_id: int) -> dict[str, list[sa.Row[Any]]]:
    """Problems, measures, people, secretaries, progress reports, verifications and extensions of a case."""
    return {name: list(conn.execute(q, {"case_id": case_id})) for name, q in _PARTS.items()}


def case_events(conn: Connection, case_id: int) -> Result[Any]:
    return conn.execute(_EVENTS, {"case_id": case_id})


def open_measure_due() -> Any:
    """The earliest due date of the case's measures not done (NULL when none): past it, the case is red."""
    return (sa.select(sa.func.min(measure_t.c.due_on))
            .where(measure_t.c.case_id == case_t.c.id, measure_t.c.done_on.is_(None))
            .correlate(case_t).scalar_subquery())


def secretary_columns() -> tuple[Any, ...]:
    """The 第一书记 track's task needs (reports/cases.py ``status``): the term end of the 第一书记 in post, the day
    the last one left while no one is (第一书记空缺), the village secretary in post's 选配/调整."""
    def track(kind: str, *more: Any) -> tuple[Any, ...]:
        return (secretary_t.c.case_id == case_t.c.id, secretary_t.c.kind == kind, *more)

    def last(col: Any, kind: str) -> Any:
        return (sa.select(col).where(*track(kind, secretary_t.c.until.is_(None)))
                .order_by(secretary_t.c.id.desc()).limit(1).correlate(case_t).scalar_subquery())

    in_post = sa.exists(sa.select(secretary_t.c.id).where(*track("first", secretary_t.c.until.is_(None)))
                        .correlate(case_t))
    left = sa.select(sa.func.max(secretary_t.c.until)).where(*track("first")).correlate(case_t).scalar_subquery()
    return (last(secretary_t.c.term_until, "first").label("sec_term_until"),
            sa.case((in_post, None), else_=left).label("sec_vacant_since"),
            last(secretary_t.c.action, "village").label("vsec_action"))


def case_rows_select() -> sa.Select[Any]:
    """:func:`case_rows` before its filter."""
    return (sa.select(case_t.c.id, case_t.c.stage, case_t.c.identified_on, case_t.c.deadline, case_t.c.stage_since,
                      case_t.c.stage_due, case_t.c.cycle_start, case_t.c.cycle, case_t.c.supervised,
                      case_t.c.version, org_t.c.code, org_t.c.name, org_t.c.kind, org_t.c.county, org_t.c.township,
                      open_measure_due().label("open_measure_due"), *secretary_columns())
            .join(org_t, org_t.c.id == case_t.c.org_id)
            .order_by(case_t.c.deadline, org_t.c.county, org_t.c.township, case_t.c.id))


def case_rows(conn: Connection, *, county: str | None = None, township: str | None = None,
              kind: str | None = None, stage: str | None = None, year: int | None = None,
              supervised: bool | None = None, open_only: bool = False, reader: Actor | None = None) -> Result[Any]:
    """Cases with their organization, by deadline, county, township and number, within ``reader``'s scope."""
    q = case_rows_select()
    for _, clause in filter_clauses(county=county, township=township, kind=kind, stage=stage, year=year,
                                    supervised=supervised, open_only=open_only, reader=reader):
        q = q.where(clause)
    return conn.execute(q)


def org_rows(conn: Connection, *, county: str | None = None, township: str | None = None,
             kind: str | None = None, reader: Actor | None = None) -> Result[Any]:
    """Organizations with the number of their open case, if any, within ``reader``'s scope."""
    open_case = (sa.select(case_t.c.id).where(case_t.c.org_id == org_t.c.id, case_t.c.stage.not_in(CLOSED_STAGES))
                 .correlate(org_t).scalar_subquery())
    q = sa.select(org_t.c.code, org_t.c.name, org_t.c.kind, org_t.c.county, org_t.c.township,
                  open_case.label("open_case")).order_by(org_t.c.county, org_t.c.township, org_t.c.code)
    for col, value in ((org_t.c.county, county), (org_t.c.township, township), (org_t.c.kind, kind)):
        if value is not None:
            q = q.where(col == value)
    return conn.execute(within_scope(q, reader))
