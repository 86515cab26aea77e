"""排查 (SPEC §15) as data: its steps in order, who may take each, the 研判 outcomes, the hard criteria.

A county's screening round runs 自查 → 乡镇复查 → 县级核查 (with a 群众满意度 survey) → 研判 → the 县委常委会
decision that fixes the 名单 → the listing that opens the cases. Until the decision every finding may be
recorded or corrected; the decision closes them. The share listed per township is guidance, never a quota.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from rectify.states.roles import ROLE_NAMES, Role

R = Role


@dataclass(frozen=True)
class ScreeningStep:
    code: str
    label: str  # what the officer calls it: 乡镇复查
    roles: frozenset[str]
    before_decision: bool = True  # recorded only while the 名单 is not yet fixed
    after_decision: bool = False  # taken only once it is


_FIELD = frozenset({R.county_officer, R.township_leader, R.township_cadre, R.first_secretary})
STEPS: tuple[ScreeningStep, ...] = (
    ScreeningStep("start", "开始年度排查", frozenset({R.county_officer})),
    ScreeningStep("self_check", "登记支部自查", _FIELD),
    ScreeningStep("township_review", "登记乡镇复查", frozenset({R.township_leader, R.township_cadre})),
    ScreeningStep("county_check", "登记县级核查", frozenset({R.county_officer, R.county_verifier})),
    ScreeningStep("judge", "研判", frozenset({R.county_officer})),
    ScreeningStep("decide", "登记县委常委会确定名单", frozenset({R.county_officer, R.county_approver})),
    ScreeningStep("list", "按名单列入整顿", frozenset({R.county_officer}), before_decision=False,
                  after_decision=True),
)
BY_CODE: dict[str, ScreeningStep] = {s.code: s for s in STEPS}

# 研判 outcomes: codes in English, the officers' words beside them.
LISTED, NOT_LISTED, PENDING = "listed", "not_listed", "pending"
OUTCOMES: dict[str, str] = {LISTED: "列入", NOT_LISTED: "不列入", PENDING: "待定"}

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
