"""The escalation ladder (SPEC §3, §5): 提醒 → 督促 → 约谈 → 通报 → 挂牌, as data, and its order.

提醒 is what the reminders already do, and 挂牌 is ``supervise``; the steps between are recorded by
``case escalate``, each dated and signed. A case's ``escalation_step`` is the highest step reached.
"""

from __future__ import annotations

from enum import StrEnum


class Step(StrEnum):
    remind = "remind"
    urge = "urge"
    talk = "talk"
    notify = "notify"
    sign = "sign"


# The ladder, bottom to top.
LADDER: tuple[Step, ...] = (Step.remind, Step.urge, Step.talk, Step.notify, Step.sign)
STEP_LABELS: dict[str, str] = {
    Step.remind: "提醒",
    Step.urge: "督促",
    Step.talk: "约谈",
    Step.notify: "通报",
    Step.sign: "挂牌",
}
# The steps ``case escalate`` records; 提醒 comes from the reminders, 挂牌 from ``supervise``.
RECORDED_STEPS: tuple[Step, ...] = (Step.urge, Step.talk, Step.notify)
# A step may be skipped only when it is implicit: the reminders (提醒) are always sent.
IMPLICIT_STEPS: frozenset[str] = frozenset({Step.remind})


def parse_step(text: str) -> str | None:
    """A step's code from its code or its Chinese word (督促 or urge); None when it is neither."""
    value = text.strip()
    for code, label in STEP_LABELS.items():
        if value in (code, label):
            return code
    return None


def step_label(code: str | None) -> str:
    return STEP_LABELS.get(code or "", "")


def _rank(code: str | None) -> int:
    """Where a step stands on the ladder; nothing recorded yet stands at 提醒."""
    return LADDER.index(Step(code)) if code else 0


def escalation_refusal(reached: str | None, step: str) -> str | None:
    """Why ``step`` may not follow ``reached``, in the officer's words, or None when it is the next rung."""
    here, there = _rank(reached), _rank(step)
    if there == 0:
        return None
    if there <= here and reached:
        return f"督办已升级到「{step_label(reached)}」，不能再「{step_label(step)}」（升级只能逐级向上）"
    below = LADDER[there - 1]
    if there - 1 > here and below not in IMPLICIT_STEPS:
        return f"「{step_label(step)}」前须先「{step_label(below)}」（提醒 → 督促 → 约谈 → 通报 → 挂牌）"
    return None
