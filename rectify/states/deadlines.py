"""Task due dates and warning lights (SPEC §4): the one place the ledger and the reminders both read.

Everything here is a pure function of plain values, so it serves a streamed query row as well as a
loaded case, with no object built per row.
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from rectify.config import LightsConfig, PolicyConfig
from rectify.states.stages import NO_DUE_STAGES, Stage
from rectify.states.tasks import (
    DEADLINE_WINDOW,
    MEASURE_WINDOW,
    SIDE_WINDOW,
    TASK_WINDOW,
    SideTask,
    current_task,
    light_reason,
    secretary_task,
    task_due,
    task_of,
)
from rectify.states.tracks import VILLAGE_ACTIONS
from rectify.states.workdays import WorkCalendar


class Light(StrEnum):
    green = "green"
    yellow = "yellow"
    orange = "orange"
    red = "red"


LIGHT_LABELS: dict[str, str] = {"green": "绿", "yellow": "黄", "orange": "橙", "red": "红"}
LIGHT_ORDER: dict[str, int] = {"green": 0, "yellow": 1, "orange": 2, "red": 3}


def default_deadline(identified_on: date, policy: PolicyConfig) -> date:
    """31 December of the identification year, or identified + min days if that is later."""
    if policy.default_deadline == "year_end":
        year_end = date(identified_on.year, 12, 31)
        return max(year_end, identified_on + timedelta(days=policy.min_deadline_days))
    return identified_on + timedelta(days=int(policy.default_deadline))


# 销号批复 is due this many days after 公示 ends (SPEC §4: verification + 公示 days + 7).
STRIKE_OFF_DUE_DAYS = 7


def stage_due(stage: str, *, cycle_start: date, deadline: date, rectified_on: date | None,
              policy: PolicyConfig, publicity_until: date | None = None,
              calendar: WorkCalendar | None = None) -> date | None:
    """The due date of the stage's current task (``rectify.states.tasks``); None for closed cases.

    In ``rectified`` the task is 组织验收 until a verification passes, then 销号批复 after the 公示. With a
    ``calendar`` a due date on a rest day moves to the next working day (``[calendar] roll_to_working_day``)."""
    if stage == Stage.rectified and publicity_until is not None:
        due: date | None = publicity_until + timedelta(days=STRIKE_OFF_DUE_DAYS)
    else:
        due = task_due(stage, cycle_start=cycle_start, deadline=deadline, rectified_on=rectified_on, policy=policy)
    return calendar.next_working(due) if calendar is not None else due


def share_left(start: date, due: date, as_of: date) -> float:
    """Share of the window start → due still left on ``as_of`` (negative when overdue)."""
    span = (due - start).days
    left = (due - as_of).days
    if span <= 0:
        return 1.0 if left >= 0 else -1.0
    return left / span


def light_for(share: float, lights: LightsConfig) -> Light:
    if share < 0:
        return Light.red
    if share <= lights.orange:
        return Light.orange
    if share <= lights.yellow:
        return Light.yellow
    return Light.green


def case_light(stage: str, *, stage_since: date, stage_due_on: date | None, cycle_start: date,
               deadline: date, as_of: date, lights: LightsConfig, open_measure_due: date | None = None,
               side: SideTask | None = None) -> Light | None:
    """The worse of the task window and the conversion-deadline window (and a task beside the stage's); red
    when an open measure is overdue; None for closed cases."""
    return light_and_window(stage, stage_since=stage_since, stage_due_on=stage_due_on, cycle_start=cycle_start,
                            deadline=deadline, as_of=as_of, lights=lights, open_measure_due=open_measure_due,
                            side=side)[0]


def case_task(stage: str, *, stage_due_on: date | None, deadline: date, as_of: date, in_publicity: bool = False,
              side: SideTask | None = None) -> tuple[str, str, date | None]:
    """当前待办 (code, label, due day): the stage's task, or the task beside it (the 第一书记 track's) when that
    one is due first and its window has begun on ``as_of``; empty and None for closed cases."""
    code, label = current_task(stage, in_publicity=in_publicity)
    due = next_due(stage, stage_due_on=stage_due_on, deadline=deadline)
    if side is not None and due is not None and side.due < due and as_of >= side.start:
        return side.code, side.label, side.due
    return code, label, due


def measure_overdue(stage: str, open_measure_due: date | None, as_of: date) -> bool:
    """Whether an open case has a measure not done whose due date (``open_measure_due``: the earliest of the
    open ones) is before ``as_of``: the case is then red, whatever its windows say."""
    return open_measure_due is not None and open_measure_due < as_of and stage not in NO_DUE_STAGES


def light_and_window(stage: str, *, stage_since: date, stage_due_on: date | None, cycle_start: date,
                     deadline: date, as_of: date, lights: LightsConfig,
                     open_measure_due: date | None = None,
                     side: SideTask | None = None) -> tuple[Light | None, str | None]:
    """(light, which window gives it: ``measure``, ``task``, ``side`` or ``deadline``); on a tie the task is
    named, it is the one the person can act on. An overdue open measure makes the case red (window ``measure``).
    A case waiting for verification no longer counts its conversion deadline. ``side``: a task beside the
    stage's (the 第一书记 track's), its own window, named when it is strictly the worse."""
    if stage in NO_DUE_STAGES:
        return None, None
    if open_measure_due is not None and open_measure_due < as_of:
        return Light.red, MEASURE_WINDOW
    worst, window = (light_for(share_left(cycle_start, deadline, as_of), lights), DEADLINE_WINDOW) \
        if stage != Stage.rectified else (Light.green, DEADLINE_WINDOW)
    if stage_due_on is not None:
        own = light_for(share_left(stage_since, stage_due_on, as_of), lights)
        if LIGHT_ORDER[own] >= LIGHT_ORDER[worst]:
            worst, window = own, TASK_WINDOW
    if side is not None:
        own = light_for(share_left(side.start, side.due, as_of), lights)
        if LIGHT_ORDER[own] > LIGHT_ORDER[worst]:
            worst, window = own, SIDE_WINDOW
    return worst, window


def plain_day(value: Any) -> date | None:
    """A date as a driver gives it (ISO text on SQLite when a subquery hides its type)."""
    return date.fromisoformat(value[:10]) if isinstance(value, str) and value else value or None


def row_side(row: Any, policy: PolicyConfig) -> SideTask | None:
    """The 第一书记 track's task (:func:`rectify.states.tasks.secretary_task`) of a row that carries stage, deadline
    and, when it has them, sec_term_until, sec_vacant_since and vsec_action (a query row or a rebuilt case)."""
    term_until = getattr(row, "sec_term_until", None)
    vacant_since = getattr(row, "sec_vacant_since", None)
    if term_until is None and vacant_since is None:
        return None
    return secretary_task(row.stage, term_until=plain_day(term_until), vacant_since=plain_day(vacant_since),
                          deadline=plain_day(row.deadline),  # type: ignore[arg-type]
                          policy=policy, village_chosen=getattr(row, "vsec_action", None) in VILLAGE_ACTIONS)


def row_light(row: Any, as_of: date, lights: LightsConfig, policy: PolicyConfig | None = None) -> Light | None:
    """:func:`case_light` of a query row that carries stage, stage_since, stage_due, cycle_start, deadline (and,
    when it has one, open_measure_due); with ``policy``, the 第一书记 track's task too (:func:`row_side`)."""
    return case_light(row.stage, stage_since=row.stage_since, stage_due_on=row.stage_due,
                      cycle_start=row.cycle_start, deadline=row.deadline, as_of=as_of, lights=lights,
                      open_measure_due=getattr(row, "open_measure_due", None),
                      side=row_side(row, policy) if policy is not None else None)


def next_due(stage: str, *, stage_due_on: date | None, deadline: date) -> date | None:
    """The current task's due date (待办时限); None for closed cases."""
    if stage in NO_DUE_STAGES:
        return None
    return stage_due_on or deadline


def days_left(stage: str, *, stage_due_on: date | None, deadline: date, as_of: date) -> int | None:
    """Days to the current task's due date (待办剩余天数); negative when overdue, None for closed cases."""
    due = next_due(stage, stage_due_on=stage_due_on, deadline=deadline)
    return None if due is None else (due - as_of).days


def deadline_days(stage: str, *, deadline: date, as_of: date) -> int | None:
    """Days to the conversion deadline (距转化时限); None for closed cases."""
    return None if stage in NO_DUE_STAGES else (deadline - as_of).days


def light_reason_of(stage: str, *, stage_since: date, stage_due_on: date | None, cycle_start: date,
                    deadline: date, as_of: date, lights: LightsConfig,
                    open_measure_due: date | None = None, side: SideTask | None = None) -> tuple[Light | None, str]:
    """(light, 预警原因) of one case on ``as_of``."""
    light, window = light_and_window(stage, stage_since=stage_since, stage_due_on=stage_due_on,
                                     cycle_start=cycle_start, deadline=deadline, as_of=as_of, lights=lights,
                                     open_measure_due=open_measure_due, side=side)
    spec = task_of(stage)
    return light, light_reason(light, window, task=spec.code if spec else None,
                               task_left=days_left(stage, stage_due_on=stage_due_on, deadline=deadline, as_of=as_of),
                               deadline_left=deadline_days(stage, deadline=deadline, as_of=as_of),
                               measure_late=(as_of - open_measure_due).days if open_measure_due else None,
                               side=side, side_left=(side.due - as_of).days if side is not None else None)
