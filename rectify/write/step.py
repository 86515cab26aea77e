"""The public step primitive: what a step module sees of the engine, and what every step returns.

A step (``write/verification.py``, ``supervision.py``, ``consolidation.py``, ``secretaries.py``, ``plan.py``,
``evidence.py``) builds its inputs and its ``apply``/``facts`` closures and hands them to
:meth:`Steps.run_step`, the one path of every change (who may, load, guard, apply, version-checked update,
event) and gets an :class:`Outcome` back (:mod:`rectify.write.outcome`, re-exported here).
:class:`rectify.write.engine.Workflow` is the one implementation; the step modules import this module,
never the engine, so the engine can import them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any, Protocol

from sqlalchemy.engine import Row

from rectify import validation
from rectify.clock import Clock
from rectify.config import Config
from rectify.states.guards import Proposal
from rectify.states.permissions import Actor
from rectify.store import Database
from rectify.store.cases import CaseStore
from rectify.store.tables import people_t
from rectify.validation import limit
from rectify.write.outcome import Outcome, stage_text

__all__ = ["Apply", "Facts", "Outcome", "Steps", "person_name", "stage_text"]

Apply = Callable[[CaseStore, Row[Any], Proposal], dict[str, Any]]
Facts = Callable[[CaseStore, Row[Any]], dict[str, Any]]


def person_name(name: str, what: str) -> str:
    """A person's name as the people registry holds it (its length, one line)."""
    return validation.text(name, f"{what}姓名", max_len=limit(people_t, "name"))


class Steps(Protocol):
    """The engine as a step module uses it (:class:`rectify.write.engine.Workflow`)."""

    db: Database
    config: Config
    person: Actor
    clock: Clock

    @property
    def actor(self) -> str: ...

    def today(self) -> date: ...

    def check_may(self, trigger: str, label: str) -> None:
        """Refuses (a :class:`rectify.errors.Refused` with a ``role`` reason) if the actor may not take the step."""

    def run_step(self, ref: str | int, trigger: str | Callable[[Row[Any]], str], inputs: dict[str, Any], *,
                 apply: Apply, facts: Facts | None = None, expected_version: int | None = None, reason: str = "",
                 message: Callable[[Proposal], str] | None = None) -> Outcome:
        """The one path of every step, in one transaction; see :meth:`rectify.write.engine.Workflow.run_step`."""

    def record_event(self, store: CaseStore, case_id: int, action: str, from_stage: str | None,
                     to_stage: str | None, reason: str = "", detail: dict[str, Any] | None = None,
                     at: datetime | None = None, on: date | None = None) -> int:
        """Appends to the case's history, signed by the actor; returns the event's id."""
