"""The verification thresholds (SPEC §3): when an inspection passes, for the engine and the importer."""

from __future__ import annotations

from rectify.config import VerificationConfig


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


def score_passes(score: int | None, rules: VerificationConfig) -> bool:
    """A score alone (an imported row without survey counts) passes at or above ``pass_score``."""
    return score is not None and score >= rules.pass_score
