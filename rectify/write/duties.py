"""Separation of duties where the procedure names a second person (SPEC §12, issue 26).

An extension's approver is a registered, active ``county_approver`` of the case's county other than the
requester; a supervised case is withdrawn by a county approver, and a city sign also needs the city
supervisor who covers the county (``--approved-by``). Checked when the signer is registered (no registry:
the legacy mode, where nobody's role is known).
"""

from __future__ import annotations

from typing import Any

from rectify.states.permissions import Actor, parse_scope
from rectify.states.roles import ROLE_NAMES, Role
from rectify.store.cases import CaseStore
from rectify.store.people import find_person


def _registered(store: CaseStore, name: str, role: str, county: str, township: str) -> str | None:
    """Why ``name`` is not an active registered person of ``role`` covering the place, or None."""
    row = find_person(store.conn, name) if name else None
    label = ROLE_NAMES[role]
    if row is None or not row.registered or row.name != name:
        return f"{name or '（未填）'} 不是已登记的{label}"
    if not row.active:
        return f"{name} 已停用"
    if row.role != role:
        return f"{name} 是{ROLE_NAMES.get(row.role, row.role)}，不是{label}"
    counties, own_township = parse_scope(row.scope or "")
    person = Actor(name=row.name, role=row.role, counties=counties, township=own_township)
    if not person.sees(county, township):
        return f"{name} 的范围是 {person.scope_text}，不含 {county}"
    return None


def extension_approver(store: CaseStore, actor: Actor, row: Any, approved_by: str) -> dict[str, Any]:
    if actor.role is None:
        return {}
    county, township = store.place_of(row)
    if approved_by == actor.name:
        return {"second_person_problem": f"批准人 {approved_by} 就是申请延期的人，须由另一位县委组织部审批人批准"}
    problem = _registered(store, approved_by, Role.county_approver, county, "")
    return {"second_person_problem": f"批准人{problem}" if problem else None}


def supervised_withdrawal(store: CaseStore, actor: Actor, row: Any, approved_by: str) -> dict[str, Any]:
    if actor.role is None or not row.supervised:
        return {}
    if actor.role != Role.county_approver:
        return {"second_person_problem": "挂牌督办中的整顿对象须由县委组织部审批人撤销"}
    if row.supervision_level != "city":
        return {}
    county, _ = store.place_of(row)
    problem = _registered(store, approved_by, Role.city_supervisor, county, "")
    return {"second_person_problem": f"市级挂牌督办须经市委组织部督导同意（--approved-by）：{problem}"
            if problem else None}
