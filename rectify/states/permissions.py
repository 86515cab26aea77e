"""Who may take each step (SPEC §12), as data beside the transitions, and the scope every change must lie in.

The engine asks :func:`refusal` before each change, inside the change's transaction; a step absent from
:data:`WHO_MAY` is open to no registered person (an unregistered, legacy actor is never checked).
"""

from __future__ import annotations

from rectify.states.roles import LEVEL_NAMES, ROLE_NAMES, Level, Role

TYPE_CHECKING = False
if TYPE_CHECKING:  # a frozen dataclass to the type checker
    from dataclasses import dataclass, field
else:  # the same, without loading dataclasses on a read (issue 29)
    from rectify.frozen import dataclass, field

R = Role
_COUNTY = frozenset({R.county_officer})
_FIELD = frozenset({R.county_officer, R.township_leader, R.township_cadre, R.first_secretary})
_SIGNS = frozenset({R.county_officer, R.city_supervisor})

# Steps that are not moves of the machine: registering organizations (one by one or in bulk).
ORG_ACTION = "add_org"
ORG_IMPORT_ACTION = "org_import"
CASE_IMPORT_ACTION = "import"

# step → roles that may take it. Auditor and admin appear nowhere: they take no case step.
WHO_MAY: dict[str, frozenset[str]] = {
    "open": _COUNTY,
    CASE_IMPORT_ACTION: _COUNTY,
    "plan": _COUNTY,
    "revise_plan": _COUNTY,
    "assign_secretary": _COUNTY,
    "replace_secretary": _COUNTY,
    "recall_secretary": _COUNTY,
    "extend_term": _COUNTY,
    "village_secretary": _COUNTY,
    "village_secretary_assigned": _COUNTY,
    "work_team": _COUNTY,
    "complete_measure": _FIELD,
    "report_progress": _FIELD,
    "mark_rectified": frozenset({R.township_leader, R.township_cadre}),
    "verify": frozenset({R.county_verifier}),
    "fail_verification": frozenset({R.county_verifier}),
    "objection": frozenset({R.county_officer, R.county_approver}),
    "dismiss_objection": frozenset({R.county_officer, R.county_approver}),
    "uphold_objection": frozenset({R.county_officer, R.county_approver}),
    "strike_off": frozenset({R.county_approver}),
    "withdraw": frozenset({R.county_officer, R.county_approver}),
    "extend": frozenset({R.county_officer, R.county_approver}),
    "supervise": _SIGNS,
    "unsupervise": _SIGNS,
    "escalate": _SIGNS,
    "look_back": frozenset({R.county_officer, R.county_verifier}),
    ORG_ACTION: _COUNTY,
    ORG_IMPORT_ACTION: _COUNTY,
}

# Why a step is kept to its roles, in the officer's words: 张三（乡镇包村领导）不能验收：验收须由县级验收组成员进行.
_WHY: dict[str, str] = {
    "mark_rectified": "整改完成须由乡镇包村领导或包村干部申报",
    "verify": "验收须由县级验收组成员进行",
    "fail_verification": "验收须由县级验收组成员进行",
    "objection": "公示异议由县委组织部经办人或审批人登记",
    "dismiss_objection": "公示异议由县委组织部经办人或审批人处理",
    "uphold_objection": "公示异议由县委组织部经办人或审批人处理",
    "strike_off": "销号须由县委组织部审批人批复",
    "withdraw": "撤销须由县委组织部经办人或审批人办理",
    "extend": "延期须由县委组织部经办人或审批人办理",
    "supervise": "挂牌督办由县委组织部经办人（县级）或市委组织部督导（市级）办理",
    "unsupervise": "摘牌由挂牌的县委组织部经办人（县级）或市委组织部督导（市级）办理",
    "escalate": "督办升级（督促、约谈、通报）由县委组织部经办人或市委组织部督导办理",
    "look_back": "回头看由县委组织部经办人或县级验收组成员记录",
    "complete_measure": "整顿措施由县委组织部经办人、乡镇或第一书记填报",
    "report_progress": "月度进展由县委组织部经办人、乡镇或第一书记填报",
}

# The level of a supervision sign each role hangs, and so the one role that may take it down.
SIGN_LEVEL: dict[str, str] = {R.county_officer: Level.county, R.city_supervisor: Level.city}
# The level whose inspection a person's role stands for: a sign comes down only after an inspection
# by a registered person of the level that hung it (a city sign after the city's inspection).
INSPECTOR_LEVEL: dict[str, str] = {
    R.county_officer: Level.county, R.county_verifier: Level.county, R.county_approver: Level.county,
    R.city_supervisor: Level.city,
}


def may(trigger: str, role: str | None) -> bool:
    """Whether a person of ``role`` may take ``trigger``; ``None`` (an unregistered, legacy actor) always may."""
    if role is None:
        return True
    allowed = WHO_MAY.get(trigger)
    return allowed is not None and role in allowed


@dataclass(frozen=True)
class Actor:
    """Who signs a change or reads: a registered person, or (no registry yet) a bare name with no limits.

    ``role`` None means unregistered: legacy mode, no role or scope applies. ``counties`` empty with a
    role means every county (an admin with scope ``*``).
    """

    name: str
    unit: str = ""
    role: str | None = None
    counties: tuple[str, ...] = ()
    township: str | None = None
    # The OS login that ran the command (操作员), recorded beside the person on every event; not who acts.
    operator: str = field(default="", compare=False)

    @property
    def signature(self) -> str:
        """How the history names the signer: 县委组织部 张三."""
        return f"{self.unit} {self.name}" if self.unit else self.name

    @property
    def who(self) -> str:
        """How a refusal names the actor: 张三（乡镇包村领导）."""
        if self.role is None:
            return self.name
        return f"{self.name}（{ROLE_NAMES.get(self.role, self.role)}）"

    @property
    def scope_text(self) -> str:
        if not self.counties:
            return "全部县"
        text = "、".join(self.counties)
        return f"{text}{self.township}" if self.township else text

    def sees(self, county: str, township: str) -> bool:
        if self.role is None or not self.counties:
            return True
        if county not in self.counties:
            return False
        return self.township is None or township == self.township


def parse_scope(scope: str) -> tuple[tuple[str, ...], str | None]:
    """``青山县`` / ``青山县/城关镇`` / ``青山县,绿水县`` / ``*`` → (counties, township)."""
    text = scope.strip()
    if text in ("", "*"):
        return (), None
    county, sep, township = text.partition("/")
    if sep:
        return (county.strip(),), township.strip() or None
    parts = [p.strip() for p in text.replace("，", ",").replace("、", ",").split(",")]
    return tuple(p for p in parts if p), None


def role_refusal(actor: Actor, trigger: str, label: str) -> str | None:
    """One line saying why ``actor`` may not take ``trigger`` at all, or None when the role allows it."""
    if may(trigger, actor.role):
        return None
    why = _WHY.get(trigger)
    if why is None:
        allowed = WHO_MAY.get(trigger, frozenset())
        names = "、".join(ROLE_NAMES[r] for r in ROLE_NAMES if r in allowed)
        why = f"此操作须由{names}进行" if names else "此操作不由本系统人员办理"
    return f"{actor.who}不能{label}：{why}"


def scope_refusal(actor: Actor, county: str, township: str) -> str | None:
    """One line saying the organization lies outside ``actor``'s scope, or None when it lies within."""
    if actor.sees(county, township):
        return None
    place = f"{county}{township}" if actor.township is not None else county
    return f"{actor.name} 的范围是 {actor.scope_text}，不能操作 {place} 的整顿对象"


def hang_refusal(actor: Actor, level: str) -> str | None:
    """A registered signer hangs only the sign of its own level (a county officer cannot hang a city sign)."""
    if actor.role is None:
        return None
    mine = SIGN_LEVEL.get(actor.role)
    if mine == level:
        return None
    label = LEVEL_NAMES.get(level, level)
    who = "市委组织部督导" if level == Level.city else "县委组织部经办人"
    return f"{actor.who}不能挂{label}牌：{label}挂牌由{who}办理"


def sign_refusal(actor: Actor, level: str) -> str | None:
    """Only the level that hung a supervision sign takes it down (a sign of no recorded level: either)."""
    if actor.role is None or not level:
        return None
    mine = SIGN_LEVEL.get(actor.role)
    if mine == level:
        return None
    label = LEVEL_NAMES.get(level, level)
    return f"{actor.who}不能摘牌：这是{label}挂牌，只能由挂牌的{label}摘牌"


def inspector_refusal(name: str, role: str | None, active: bool, sign_level: str) -> str | None:
    """Why ``name`` cannot be the inspector a 摘牌 needs, or None; ``role`` None: not in the registry."""
    label = LEVEL_NAMES.get(sign_level, sign_level)
    if role is None:
        return f"检查人 {name} 未登记，摘牌须经登记的{label}人员检查（rectify people add）"
    if not active:
        return f"检查人 {name} 已停用"
    level = INSPECTOR_LEVEL.get(role)
    if sign_level and level != sign_level:
        return (f"检查人 {name}（{ROLE_NAMES.get(role, role)}）不是{label}人员：{label}挂牌须经{label}检查后"
                f"才能摘牌")
    if level is None:
        return f"检查人 {name}（{ROLE_NAMES.get(role, role)}）不是县级或市级组织部门人员"
    return None
