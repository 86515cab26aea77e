"""The verification rules (SPEC §3): when an inspection passes, its 等次 and 满意率, for the engine and the importer."""

from __future__ import annotations

from enum import StrEnum

from rectify.config import VerificationConfig


class Grade(StrEnum):
    """验收等次: 合格 and 基本合格 pass (the case goes to 公示), 不合格 takes fail_verification."""

    good = "good"
    basic = "basic"
    fail = "fail"


GRADE_LABELS: dict[str, str] = {Grade.good: "合格", Grade.basic: "基本合格", Grade.fail: "不合格"}


def verification_shortfalls(score: int, satisfied: int, basic: int, dissatisfied: int,
                            rules: VerificationConfig) -> list[str]:
    """What makes an inspection fail, in the officer's words; empty when it passes."""
    reasons = []
    total = satisfied + basic + dissatisfied
    if score < rules.pass_score:
        reasons.append(f"验收得分 {score} 低于 {rules.pass_score} 分")
    if total > 0 and dissatisfied / total > rules.max_dissatisfied_share:
        reasons.append(f"不满意率 {dissatisfied / total:.0%} 超过 {rules.max_dissatisfied_share:.0%}")
    return reasons


def satisfaction_rate(satisfied: int, basic: int, dissatisfied: int) -> float | None:
    """满意率 = (满意 + 基本满意) / 测评人数, to 0.1 % (as printed, so a ledger read back gives the same value);
    None when nobody was surveyed."""
    total = satisfied + basic + dissatisfied
    return None if total == 0 else round((satisfied + basic) / total, 3)


def grade(score: int, satisfied: int, basic: int, dissatisfied: int, rules: VerificationConfig) -> Grade:
    """不合格 below the thresholds; 合格 at or above ``pass_score`` with 满意率 ≥ ``good_satisfaction``;
    基本合格 between (it passes, and the case goes to 公示 all the same)."""
    if verification_shortfalls(score, satisfied, basic, dissatisfied, rules):
        return Grade.fail
    rate = satisfaction_rate(satisfied, basic, dissatisfied)
    return Grade.good if rate is None or rate >= rules.good_satisfaction else Grade.basic


def percent(rate: float | None) -> str:
    """满意率 as the ledger prints it: 95.7%."""
    return "" if rate is None else f"{rate * 100:.1f}%"


def score_passes(score: int | None, rules: VerificationConfig) -> bool:
    """A score alone (an imported row without survey counts) passes at or above ``pass_score``."""
    return score is not None and score >= rules.pass_score
