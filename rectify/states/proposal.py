"""The :class:`Proposal` a guard reads: the case as loaded plus the officer's input (no database).

Its own module so the guards of every part of the procedure (``guards.py``, ``consolidation.py``) can
read it without importing one another; :mod:`rectify.states.guards` re-exports it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Proposal"]


@dataclass
class Proposal:
    """The light object the shared state machine moves; one per operation, never one per stored row."""

    state: str
    facts: dict[str, Any]
    inputs: dict[str, Any]
    missing: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # the guards behind ``missing``, in the same order

    def get(self, key: str) -> Any:
        return self.inputs.get(key)
