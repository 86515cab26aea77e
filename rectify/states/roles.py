"""The roles of SPEC §12: who a registered person is in the procedure. Codes in English, labels in Chinese."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    county_officer = "county_officer"
    county_verifier = "county_verifier"
    county_approver = "county_approver"
    township_leader = "township_leader"
    township_cadre = "township_cadre"
    first_secretary = "first_secretary"
    city_supervisor = "city_supervisor"
    auditor = "auditor"
    admin = "admin"


ROLE_NAMES: dict[str, str] = {
    Role.county_officer: "县委组织部经办人",
    Role.county_verifier: "县级验收组成员",
    Role.county_approver: "县委组织部审批人",
    Role.township_leader: "乡镇包村领导",
    Role.township_cadre: "包村干部",
    Role.first_secretary: "第一书记",
    Role.city_supervisor: "市委组织部督导",
    Role.auditor: "审计（只读）",
    Role.admin: "系统管理员",
}

# Roles whose scope is a list of counties rather than one county or county/township.
MULTI_COUNTY_ROLES: frozenset[str] = frozenset({Role.city_supervisor, Role.auditor})
# Roles that take no step on a case.
READ_ONLY_ROLES: frozenset[str] = frozenset({Role.auditor, Role.admin})


class Level(StrEnum):
    """Who hung a supervision sign (挂牌督办): the city or the county."""

    city = "city"
    county = "county"


LEVEL_NAMES: dict[str, str] = {Level.city: "市级", Level.county: "县级"}

# What a person named on a case is there, for people created on the fly from a plan (registered = false).
CASE_ROLE_NAMES: dict[str, str] = {
    "county_leader": "县级联系领导",
    "township_leader": "乡镇包村领导",
    "township_cadre": "包村干部",
    "first_secretary": "第一书记",
    "village_secretary": "选配书记",
    "measure_owner": "措施责任人",
}
# The scope an admin may have: every county.
ALL_COUNTIES = "*"
