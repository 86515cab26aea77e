"""The workflow as data: stages, transitions and their guards (SPEC §3)."""

from rectify.states.stages import (
    CLOSED_STAGES,
    KINDS,
    OPEN_STAGES,
    PROBLEM_TYPES,
    STAGE_LABELS,
    STAGES,
    Stage,
)
from rectify.states.transitions import TRANSITIONS, TransitionSpec

__all__ = [
    "CLOSED_STAGES",
    "KINDS",
    "OPEN_STAGES",
    "PROBLEM_TYPES",
    "STAGE_LABELS",
    "STAGES",
    "Stage",
    "TRANSITIONS",
    "TransitionSpec",
]
