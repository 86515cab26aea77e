"""排查 (SPEC §15) as data: its steps in order, who may take each, the 研判 outcomes, the hard criteria.

A county's screening round runs 自查 → 乡镇复查 → 县级核查 (with a 群众满意度 survey) → 研判 → the 县委常委会
decision that fixes the 名单 → the listing that opens the cases. Until the decision every finding may be
recorded or corrected; the decision closes them. The share listed per township is guidance, never a quota.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from rectify.states.roles import ROLE_NAMES, Role
from rectify.states.steps import CHOICE, DATE, INTEGER, LONGTEXT, PROBLEMS, TEXT, Input, _i

R = Role


@dataclass(frozen=True)
class ScreeningStep:
    code: str
    label: str  # what the officer calls it: 乡镇复查
    roles: frozenset[str]
    before_decision: bool = True  # recorded only while the 名单 is not yet fixed
    after_decision: bool = False  # taken only once it is
    inputs: tuple[Input, ...] = ()  # what the step asks, as the case steps declare theirs (the web's forms)
    per_org: bool = False  # on one organization of the register (else on the county's round)

    @property
    def name(self) -> str:
        return self.code


# 研判 outcomes: codes in English, the officers' words beside them.
LISTED, NOT_LISTED, PENDING = "listed", "not_listed", "pending"
OUTCOMES: dict[str, str] = {LISTED: "列入", NOT_LISTED: "不列入", PENDING: "待定"}

_ON = _i("on", DATE, "日期", help="默认今天")
_FINDING = (_i("problems", PROBLEMS, "软弱涣散情形", multiple=True,
               help="每行一项：P01–P10，可写具体表现，如 P03:三会一课不落实；不填即未发现"),
            _i("note", LONGTEXT, "说明"), _ON)
_FIELD = frozenset({R.county_officer, R.township_leader, R.township_cadre, R.first_secretary})
STEPS: tuple[ScreeningStep, ...] = (
    ScreeningStep("start", "开始年度排查", frozenset({R.county_officer}),
                  inputs=(_i("on", DATE, "开始日期", help="默认今天"),)),
    ScreeningStep("self_check", "登记支部自查", _FIELD, inputs=_FINDING, per_org=True),
    ScreeningStep("township_review", "登记乡镇复查", frozenset({R.township_leader, R.township_cadre}), inputs=_FINDING,
                  per_org=True),
    ScreeningStep("county_check", "登记县级核查", frozenset({R.county_officer, R.county_verifier}), per_org=True,
                  inputs=(_i("respondents", INTEGER, "参与测评人数"), _i("satisfied", INTEGER, "满意"),
                          _i("basic", INTEGER, "基本满意"), _i("dissatisfied", INTEGER, "不满意"),
                          _i("vacant_since", DATE, "书记空缺起始日期", help="书记在岗不填"),
                          _i("on", DATE, "核查日期", help="默认今天"))),
    ScreeningStep("judge", "研判", frozenset({R.county_officer}), per_org=True,
                  inputs=(_i("outcome", CHOICE, "研判结果", True, choices=OUTCOMES),
                          _i("reason", LONGTEXT, "理由", help="不列入符合硬性情形的组织时必填"),
                          _i("on", DATE, "研判日期", help="默认今天"))),
    ScreeningStep("decide", "登记县委常委会确定名单", frozenset({R.county_officer, R.county_approver}),
                  inputs=(_i("on", DATE, "会议日期", help="默认今天"),
                          _i("meeting", TEXT, "会议名称", help="如 县委常委会第5次会议（会议名称、文号至少填一项）"),
                          _i("doc", TEXT, "文号", help="如 青组通〔2026〕8号"))),
    ScreeningStep("list", "按名单列入整顿", frozenset({R.county_officer}), before_decision=False,
                  after_decision=True),
)
BY_CODE: dict[str, ScreeningStep] = {s.code: s for s in STEPS}


# The findings recorded by a finding step: where each stage of the screening keeps its problems.
FINDING_STAGES: dict[str, str] = {"self_check": "自查", "township_review": "乡镇复查"}


def step_refusal(step: str, role: str | None, who: str, *, decided: bool) -> str | None:
    """One line saying why ``who`` may not take ``step`` now, or None. ``role`` None: unregistered, unchecked."""
    spec = BY_CODE[step]
    if role is not None and role not in spec.roles:
        names = "、".join(ROLE_NAMES[r] for r in ROLE_NAMES if r in spec.roles)
        return f"{who}不能{spec.label}：此步骤须由{names}办理"
    if decided and not spec.after_decision:
        return f"无法{spec.label}：县委常委会已确定名单，排查结果不再更改"
    if not decided and not spec.before_decision:
        return f"无法{spec.label}：县委常委会尚未确定名单（rectify screening decide）"
    return None


def satisfaction(respondents: int | None, satisfied: int | None, basic: int | None) -> float | None:
    """满意率 = (满意 + 基本满意) / 参与测评人数; None without a survey."""
    if not respondents:
        return None
    return ((satisfied or 0) + (basic or 0)) / respondents


def months_between(since: date, on: date) -> int:
    """Whole months from ``since`` to ``on`` (a vacancy from 1-15 is 6 months on 7-15)."""
    months = (on.year - since.year) * 12 + on.month - since.month
    return months - (1 if on.day < since.day else 0)


def hard_criteria(*, rate: float | None, vacant_since: date | None, on: date, weak_satisfaction: float,
                  vacancy_months: int) -> list[str]:
    """The hard criteria an organization meets on ``on``, in words; not listing it then needs a reason."""
    met = []
    if rate is not None and rate < weak_satisfaction:
        met.append(f"群众满意率 {rate:.0%}，低于 {weak_satisfaction:.0%}")
    if vacant_since is not None and months_between(vacant_since, on) > vacancy_months:
        met.append(f"书记空缺 {months_between(vacant_since, on)} 个月，超过 {vacancy_months} 个月")
    return met


def share_note(listed: int, total: int, share_range: tuple[float, ...]) -> str:
    """The listed share of a township beside the guidance range, in words (never a refusal: 不得平均摊派)."""
    if not total:
        return ""
    share = listed / total
    lo, hi = share_range[0], share_range[-1]
    if share < lo:
        return f"低于参考区间 {lo:.0%}–{hi:.0%}"
    if share > hi:
        return f"高于参考区间 {lo:.0%}–{hi:.0%}"
    return f"在参考区间 {lo:.0%}–{hi:.0%} 内"
