"""The read side: one case in full, its history, and filtered lists — plain dicts with stable English keys."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import sqlalchemy as sa

from rectify.config import Config
from rectify.states.deadlines import days_left, next_due, row_light
from rectify.states.stages import CLOSED_STAGES, STAGE_LABELS
from rectify.workflow.persistence import Database
from rectify.workflow.persistence.tables import (
    case_t,
    event_t,
    extension_t,
    measure_t,
    org_t,
    person_t,
    problem_t,
    progress_t,
    resolve,
    secretary_t,
    verification_t,
)


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _rows(result: Any) -> list[dict[str, Any]]:
    return [{k: _iso(v) for k, v in r._mapping.items()} for r in result]


def status(row: Any, as_of: date, config: Config) -> dict[str, Any]:
    """Light, days left and next due date of one case row on ``as_of``."""
    light = row_light(row, as_of, config.lights)
    return {
        "light": light.value if light else None,
        "days_left": days_left(row.stage, stage_due_on=row.stage_due, deadline=row.deadline, as_of=as_of),
        "next_due": _iso(next_due(row.stage, stage_due_on=row.stage_due, deadline=row.deadline)),
    }


def show_case(db: Database, ref: str | int, *, as_of: date, config: Config) -> dict[str, Any]:
    with db.connect() as s:
        row = resolve(s, ref)
        cid = row.id
        org = s.execute(sa.select(org_t).where(org_t.c.id == row.org_id)).one()
        case = {k: _iso(v) for k, v in row._mapping.items()
                if k not in ("org_name", "org_code", "created_at", "updated_at")}
        case["stage_label"] = STAGE_LABELS[row.stage]
        case.update(status(row, as_of, config))
        case["as_of"] = as_of.isoformat()
        case["organization"] = {k: _iso(v) for k, v in org._mapping.items() if k not in ("id", "created_at")}
        case["problems"] = _rows(s.execute(sa.select(problem_t.c.code, problem_t.c.text)
                                           .where(problem_t.c.case_id == cid).order_by(problem_t.c.id)))
        case["measures"] = _rows(s.execute(
            sa.select(measure_t.c.seq, measure_t.c.text, measure_t.c.owner, measure_t.c.due_on, measure_t.c.done_on)
            .where(measure_t.c.case_id == cid).order_by(measure_t.c.seq)))
        case["people"] = _rows(s.execute(
            sa.select(person_t.c.role, person_t.c.name, person_t.c.unit, person_t.c.email, person_t.c.phone)
            .where(person_t.c.case_id == cid).order_by(person_t.c.role)))
        case["secretaries"] = _rows(s.execute(
            sa.select(secretary_t.c.name, secretary_t.c.kind, secretary_t.c.unit, secretary_t.c.since,
                      secretary_t.c.until, secretary_t.c.email, secretary_t.c.phone, secretary_t.c.end_reason)
            .where(secretary_t.c.case_id == cid).order_by(secretary_t.c.since, secretary_t.c.id)))
        case["progress_reports"] = _rows(s.execute(
            sa.select(progress_t.c.reported_on, progress_t.c.note, progress_t.c.actor)
            .where(progress_t.c.case_id == cid).order_by(progress_t.c.reported_on, progress_t.c.id)))
        case["verifications"] = _rows(s.execute(
            sa.select(verification_t.c.verified_on, verification_t.c.verifier, verification_t.c.score,
                      verification_t.c.satisfied, verification_t.c.basic, verification_t.c.dissatisfied,
                      verification_t.c.passed, verification_t.c.reasons)
            .where(verification_t.c.case_id == cid).order_by(verification_t.c.id)))
        case["extensions"] = _rows(s.execute(
            sa.select(extension_t.c.old_deadline, extension_t.c.new_deadline, extension_t.c.reason,
                      extension_t.c.approved_by)
            .where(extension_t.c.case_id == cid).order_by(extension_t.c.id)))
    return case


def case_history(db: Database, ref: str | int) -> list[dict[str, Any]]:
    with db.connect() as s:
        row = resolve(s, ref)
        events = s.execute(sa.select(event_t).where(event_t.c.case_id == row.id).order_by(event_t.c.id))
        return [{
            "case_id": e.case_id, "at": e.at.isoformat(), "actor": e.actor, "action": e.action,
            "from_stage": e.from_stage, "to_stage": e.to_stage, "reason": e.reason,
            "detail": json.loads(e.detail) if e.detail else {},
        } for e in events]


def list_cases(db: Database, *, as_of: date, config: Config, county: str | None = None,
               township: str | None = None, kind: str | None = None, stage: str | None = None,
               year: int | None = None, open_only: bool = False, light: str | None = None,
               supervised: bool | None = None) -> list[dict[str, Any]]:
    q = (sa.select(case_t.c.id, case_t.c.stage, case_t.c.identified_on, case_t.c.deadline, case_t.c.stage_since,
                   case_t.c.stage_due, case_t.c.cycle_start, case_t.c.cycle, case_t.c.supervised, case_t.c.version,
                   org_t.c.code, org_t.c.name, org_t.c.kind, org_t.c.county, org_t.c.township)
         .join(org_t, org_t.c.id == case_t.c.org_id)
         .order_by(case_t.c.deadline, org_t.c.county, org_t.c.township, case_t.c.id))
    for col, value in ((org_t.c.county, county), (org_t.c.township, township), (org_t.c.kind, kind),
                       (case_t.c.stage, stage), (case_t.c.year, year), (case_t.c.supervised, supervised)):
        if value is not None:
            q = q.where(col == value)
    if open_only:
        q = q.where(case_t.c.stage.not_in(CLOSED_STAGES))
    out = []
    with db.connect() as s:
        for r in s.execute(q):
            st = status(r, as_of, config)
            if light is not None and st["light"] != light:
                continue
            out.append({
                "case_id": r.id, "org_code": r.code, "org_name": r.name, "kind": r.kind, "county": r.county,
                "township": r.township, "stage": r.stage, "identified_on": r.identified_on.isoformat(),
                "deadline": r.deadline.isoformat(), "cycle": r.cycle, "supervised": r.supervised,
                "version": r.version, **st,
            })
    return out


def list_orgs(db: Database, *, county: str | None = None, township: str | None = None,
              kind: str | None = None) -> list[dict[str, Any]]:
    open_case = (sa.select(case_t.c.id).where(case_t.c.org_id == org_t.c.id, case_t.c.stage.not_in(CLOSED_STAGES))
                 .correlate(org_t).scalar_subquery())
    q = sa.select(org_t.c.code, org_t.c.name, org_t.c.kind, org_t.c.county, org_t.c.township,
                  open_case.label("open_case")).order_by(org_t.c.county, org_t.c.township, org_t.c.code)
    for col, value in ((org_t.c.county, county), (org_t.c.township, township), (org_t.c.kind, kind)):
        if value is not None:
            q = q.where(col == value)
    with db.connect() as s:
        return _rows(s.execute(q))
