"""What a step returns: the case, the move, and the line the CLI prints (and the web shows) about it."""

from __future__ import annotations

from dataclasses import dataclass

from rectify.states.stages import STAGE_LABELS
from rectify.states.transitions import ACTION_LABELS


def stage_text(stage: str) -> str:
    """A stage in words (已建台账): what a person reads; the code is for JSON and for what is typed."""
    return STAGE_LABELS.get(stage, stage)


@dataclass(frozen=True, init=False)
class Outcome:
    case_id: int
    org_name: str
    action: str
    from_stage: str
    to_stage: str
    message: str = ""

    def __init__(self, case_id: int, org_name: str, action: str, from_stage: str, to_stage: str,
                 message: str = "") -> None:
        # the fields in one write (a frozen dataclass's own __init__ sets each through object.__setattr__)
        self.__dict__.update(case_id=case_id, org_name=org_name, action=action, from_stage=from_stage,
                             to_stage=to_stage, message=message)

    def describe(self) -> str:
        head = f"整顿对象 {self.case_id}（{self.org_name}）"
        if self.from_stage != self.to_stage:
            head += f"：{stage_text(self.from_stage)} → {stage_text(self.to_stage)}"
        else:
            head += f"：{ACTION_LABELS.get(self.action, self.action)}，当前阶段：{stage_text(self.to_stage)}"
        return head + (f"。{self.message}" if self.message else "")
