"""Table handles and the statements every path shares, built once; no state machine imported here.

The read side (show, list, ledger) imports this and not the engine, so a read command does not pay
for loading the workflow machine.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from rectify.errors import NotFound
from rectify.states.stages import CLOSED_STAGES
from rectify.workflow.persistence.models import (
    Case,
    CasePerson,
    CaseProblem,
    DeadlineExtension,
    Event,
    Installation,
    Measure,
    MeasureProblem,
    Organization,
    Person,
    ProgressReport,
    SecretaryAssignment,
    Verification,
)

case_t = Case.__table__  # type: ignore[attr-defined]
org_t = Organization.__table__  # type: ignore[attr-defined]
problem_t = CaseProblem.__table__  # type: ignore[attr-defined]
measure_t = Measure.__table__  # type: ignore[attr-defined]
measure_problem_t = MeasureProblem.__table__  # type: ignore[attr-defined]
person_t = CasePerson.__table__  # type: ignore[attr-defined]
secretary_t = SecretaryAssignment.__table__  # type: ignore[attr-defined]
progress_t = ProgressReport.__table__  # type: ignore[attr-defined]
verification_t = Verification.__table__  # type: ignore[attr-defined]
extension_t = DeadlineExtension.__table__  # type: ignore[attr-defined]
event_t = Event.__table__  # type: ignore[attr-defined]
people_t = Person.__table__  # type: ignore[attr-defined]  # the registry (person_t: people on a case)
installation_t = Installation.__table__  # type: ignore[attr-defined]

CASE_WITH_ORG = sa.select(case_t, org_t.c.name.label("org_name"), org_t.c.code.label("org_code")).join(
    org_t, org_t.c.id == case_t.c.org_id)
CASE_BY_ID = CASE_WITH_ORG.where(case_t.c.id == sa.bindparam("id"))
OPEN_CASE_BY_CODE = CASE_WITH_ORG.where(org_t.c.code == sa.bindparam("code"), case_t.c.stage.not_in(CLOSED_STAGES))
BUMP = sa.update(case_t).where(case_t.c.id == sa.bindparam("_id"), case_t.c.version == sa.bindparam("_version"))
INSERTS = {t: sa.insert(t) for t in (org_t, case_t, problem_t, measure_t, person_t, secretary_t, progress_t,
                                     verification_t, extension_t, event_t)}


MAX_CASE_ID = 2**31 - 1


def resolve(conn: Connection, ref: str | int) -> sa.Row[Any]:
    """A case by number, or the open case of the organization with that code.

    A number names a case when such a case exists; otherwise (and always for numbers too long to be
    a case number, like the 12-digit village codes) it is taken as an organization code.
    """
    text = str(ref).strip()
    if text.isdigit() and int(text) <= MAX_CASE_ID:
        row = conn.execute(CASE_BY_ID, {"id": int(text)}).one_or_none()
        if row is not None:
            return row
    row = conn.execute(OPEN_CASE_BY_CODE, {"code": text}).one_or_none()
    if row is not None:
        return row
    org = conn.execute(sa.select(org_t.c.id, org_t.c.name).where(org_t.c.code == text)).one_or_none()
    if org is not None:
        last = conn.execute(sa.select(case_t.c.id, case_t.c.stage).where(case_t.c.org_id == org.id)
                            .order_by(case_t.c.id.desc()).limit(1)).one_or_none()
        hint = f"；它最近的案例是 {last.id}（{last.stage}），请用案例编号" if last is not None else ""
        raise NotFound(f"组织 {text}（{org.name}）没有在办的整顿案例{hint}")
    raise NotFound(f"找不到案例或组织 {text}")
