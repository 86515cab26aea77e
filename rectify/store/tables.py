"""Table handles and the statements every path shares, built once; no state machine imported here.

The read side (show, list, ledger) imports this and not the engine, so a read command does not pay
for loading the workflow machine.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from rectify.errors import NotFound, Refused
from rectify.states.stages import CLOSED_STAGES
from rectify.store import schema

# Core tables generated from the SQLModel classes (schema_gen.py): no SQLModel, pydantic or ORM loaded.
case_t: Any = schema.rectification_case
org_t: Any = schema.organization
problem_t: Any = schema.case_problem
measure_t: Any = schema.measure
measure_problem_t: Any = schema.measure_problem
person_t: Any = schema.case_person
secretary_t: Any = schema.secretary_assignment
progress_t: Any = schema.progress_report
verification_t: Any = schema.verification
extension_t: Any = schema.deadline_extension
event_t: Any = schema.case_event
people_t: Any = schema.person  # the registry (person_t: people on a case)
installation_t: Any = schema.installation
supervision_t: Any = schema.supervision
objection_t: Any = schema.objection
sign_in_t: Any = schema.sign_in  # web sign-in attempts (SPEC §13)
screening_round_t: Any = schema.screening_round
screening_entry_t: Any = schema.screening_entry
submission_t: Any = schema.report_submission
evidence_t: Any = schema.evidence_file  # 佐证材料 (SPEC §14)
snapshot_t: Any = schema.case_snapshot  # month-end snapshots (derived; reports/month_end.py)

CASE_WITH_ORG = sa.select(case_t, org_t.c.name.label("org_name"), org_t.c.code.label("org_code")).join(
    org_t, org_t.c.id == case_t.c.org_id)
CASE_BY_ID = CASE_WITH_ORG.where(case_t.c.id == sa.bindparam("id"))
OPEN_CASE_BY_CODE = CASE_WITH_ORG.where(org_t.c.code == sa.bindparam("code"), case_t.c.stage.not_in(CLOSED_STAGES))
BUMP = sa.update(case_t).where(case_t.c.id == sa.bindparam("_id"), case_t.c.version == sa.bindparam("_version"))
INSERTS = {t: sa.insert(t) for t in (org_t, case_t, problem_t, measure_t, person_t, secretary_t, progress_t,
                                     verification_t, extension_t, event_t, supervision_t, objection_t)}


MAX_CASE_ID = 2**31 - 1


Sees = Callable[[str, str], bool]  # whether the reader may see a (county, township)


def _visible(conn: Connection, org_id: int, sees: Sees | None) -> bool:
    if sees is None:
        return True
    place = conn.execute(sa.select(org_t.c.county, org_t.c.township).where(org_t.c.id == org_id)).one()
    return sees(place.county, place.township)


def _refuse_ambiguous(conn: Connection, text: str, case: sa.Row[Any], sees: Sees | None) -> None:
    """``5`` is refused when it is case 5 and also the code of another organization (issue 17) that the
    reader may see: an organization out of their scope makes nothing ambiguous."""
    org = conn.execute(sa.select(org_t.c.id, org_t.c.name).where(org_t.c.code == text)).one_or_none()
    if org is not None and org.id != case.org_id and _visible(conn, org.id, sees):
        raise Refused(f"「{text}」既是整顿对象编号 {case.id}（{case.org_name}），也是组织代码 {text}（{org.name}），"
                      f"无法确定所指；请写 case:{text} 或 org:{text}")


def _parse_ref(ref: str | int) -> tuple[str, str]:
    text = str(ref).strip()
    kind, _, rest = text.partition(":")
    only = kind.lower() if rest and kind.lower() in ("case", "org") else ""
    return only, (rest.strip() if only else text)


def unknown_ref(ref: str | int) -> NotFound:
    """What an unknown reference reads: the very line a case or organization out of the reader's scope gets."""
    only, text = _parse_ref(ref)
    return NotFound(f"找不到整顿对象 {text}" if only == "case" else f"找不到整顿对象或组织 {text}")


def resolve(conn: Connection, ref: str | int, sees: Sees | None = None) -> sa.Row[Any]:
    """A case by number, or the open case of the organization with that code.

    A number names a case when such a case exists; otherwise (and always for numbers too long to be
    a case number, like the 12-digit village codes) it is taken as an organization code. A number that is
    a case and also another organization's code is refused as ambiguous; ``case:5`` and ``org:5`` say which.
    With ``sees``, a case or organization out of the reader's scope is as if it did not exist (SPEC §12).
    """
    only, text = _parse_ref(ref)
    if only != "org" and text.isdigit() and len(text) <= 10 and int(text) <= MAX_CASE_ID:
        row = conn.execute(CASE_BY_ID, {"id": int(text)}).one_or_none()
        if row is not None and not _visible(conn, row.org_id, sees):
            row = None
        if row is not None and not only:
            _refuse_ambiguous(conn, text, row, sees)
        if row is not None or only == "case":
            if row is None:
                raise unknown_ref(ref)
            return row
    row = conn.execute(OPEN_CASE_BY_CODE, {"code": text}).one_or_none()
    if row is not None and _visible(conn, row.org_id, sees):
        return row
    org = conn.execute(sa.select(org_t.c.id, org_t.c.name).where(org_t.c.code == text)).one_or_none()
    if org is not None and _visible(conn, org.id, sees):
        last = conn.execute(sa.select(case_t.c.id, case_t.c.stage).where(case_t.c.org_id == org.id)
                            .order_by(case_t.c.id.desc()).limit(1)).one_or_none()
        hint = f"；它最近的整顿对象是 {last.id}（{last.stage}），请用整顿对象编号" if last is not None else ""
        raise NotFound(f"组织 {text}（{org.name}）没有在办的整顿对象{hint}")
    raise NotFound(f"找不到整顿对象或组织 {text}")
