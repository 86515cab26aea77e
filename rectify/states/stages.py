"""Stages, organization kinds and the ten standard problem types, as the Party statistics form names them."""

from __future__ import annotations

from enum import StrEnum


class Stage(StrEnum):
    identified = "identified"
    ledger_created = "ledger_created"
    secretary_assigned = "secretary_assigned"
    rectified = "rectified"
    verified = "verified"
    withdrawn = "withdrawn"


STAGES: tuple[Stage, ...] = tuple(Stage)

STAGE_LABELS: dict[str, str] = {
    Stage.identified: "已确定",
    Stage.ledger_created: "已建台账",
    # The long middle stage (eight months of 整改, with the 第一书记 in post): named for what it is to an officer.
    Stage.secretary_assigned: "整改中",
    Stage.rectified: "已整改",
    Stage.verified: "已验收销号",
    Stage.withdrawn: "已撤销",
}

# What sheets and ledgers written before called a stage (read on import, never written).
FORMER_STAGE_LABELS: dict[str, str] = {"已选派书记": Stage.secretary_assigned,
                                       "已选派第一书记": Stage.secretary_assigned}

OPEN_STAGES: tuple[str, ...] = (
    Stage.identified,
    Stage.ledger_created,
    Stage.secretary_assigned,
    Stage.rectified,
)
# A case in one of these stages no longer counts as the organization's open case; it has no light,
# no next due date and no days left.
CLOSED_STAGES: tuple[str, ...] = (Stage.verified, Stage.withdrawn)
# The ledger's orders (SPEC §6): ``place`` (default) puts open cases first, then county → 乡镇 → organization
# code; ``deadline`` goes by 转化时限, then county → 乡镇 → code. Each ends on the case number.
LEDGER_ORDERS: dict[str, str] = {"place": "乡镇", "deadline": "时限"}
NO_DUE_STAGES: frozenset[str] = frozenset(map(str, CLOSED_STAGES))
# Stages in which the plan is under way, so a monthly progress report is expected.
PROGRESS_STAGES: tuple[str, ...] = (Stage.ledger_created, Stage.secretary_assigned)

KINDS: dict[str, str] = {
    "village": "村",
    "community": "社区",
    "soe": "国有企业",
    "agency": "机关",
    "institution": "事业单位",
    "private": "非公企业",
    "social": "社会组织",
}

PROBLEM_TYPES: dict[str, str] = {
    "P01": "班子配备不齐、书记长期缺职、工作处于停滞状态",
    "P02": "书记不胜任现职、工作不在状态",
    "P03": "班子不团结、内耗严重",
    "P04": "组织制度形同虚设、不开展党组织活动",
    "P05": "换届选举拉票贿选问题突出",
    "P06": "宗族宗教和黑恶势力干扰渗透严重",
    "P07": "村务居务财务公开和民主管理混乱",
    "P08": "社会治安问题和信访矛盾纠纷集中",
    "P09": "无固定办公活动场所及便民服务设施",
    "P10": "服务意识差、服务能力弱、群众意见大",
}
# The statistics form's wording of the ten types (SPEC §2); the importer reads these too, and "属于…的".
PROBLEM_OFFICIAL: dict[str, str] = {
    "P01": "党组织班子配备不齐、书记长期缺职、工作处于停滞状态",
    "P02": "党组织书记不胜任现职、工作不在状态、严重影响班子整体战斗力",
    "P03": "班子不团结、内耗严重、工作不能正常开展",
    "P04": "组织制度形同虚设、不开展党组织活动",
    "P05": "换届选举拉票贿选问题突出",
    "P06": "宗族宗教和黑恶势力干扰渗透严重",
    "P07": "村务居务财务公开和民主管理混乱",
    "P08": "社会治安问题和信访矛盾纠纷集中",
    "P09": "无固定办公活动场所及便民服务设施",
    "P10": "党组织服务意识差、服务能力弱、群众意见大",
}
OTHER_PROBLEM = "other"

# The leadership tracks (SPEC §2): each runs on its own; recording one never ends another's term.
SECRETARY_KINDS: dict[str, str] = {"first": "第一书记", "village": "村党组织书记", "work_team": "驻村工作队员"}
FIRST_SECRETARY, VILLAGE_SECRETARY, WORK_TEAM = "first", "village", "work_team"

ROLE_LABELS: dict[str, str] = {
    "officer": "县委组织部经办人",
    "county_leader": "县级联系领导",
    "township_leader": "乡镇包村领导",
    "township_cadre": "包村干部",
    "secretary": "第一书记",
}
