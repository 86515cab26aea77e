"""Tasks (待办事项, SPEC §4): the next thing due on a case, its due rule and the role that acts on it.

A task is one entry of :data:`TASKS`: the stage in which it is current, its code and label, who acts on it
(a role of SPEC §12, and the people on the case who hold it), and its due rule. The due date is computed
once, when the task starts (a stage move or an extension), and stored on the case (``stage_due``), so a
later policy change does not move a date already given. Adding a task (销号批复, 回头看) is one entry.

The monthly progress report (月度进展) recurs beside the stage's task; :func:`report_period` gives its
due day (``monthly_report_day`` of the next month).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from rectify.config import PolicyConfig
from rectify.states.roles import Role
from rectify.states.stages import Stage

TYPE_CHECKING = False
if TYPE_CHECKING:  # a frozen dataclass to the type checker
    from dataclasses import dataclass
else:  # the same, without loading dataclasses on a read (issue 29)
    from rectify.frozen import dataclass


@dataclass(frozen=True, slots=True)
class DueFacts:
    """What a due rule may read of a case: plain dates, from a stored row or a folded history."""

    cycle_start: date
    deadline: date
    rectified_on: date | None


DueRule = Callable[[DueFacts, PolicyConfig], date]


@dataclass(frozen=True, slots=True)
class TaskSpec:
    code: str
    label: str  # 当前待办, as the officer says it
    stage: str  # the stage in which this is the case's current task
    role: str  # the role that acts on it (rectify.states.roles.Role)
    due: DueRule
    # The people on the case (their case roles) who are the task's role: its reminders go to them,
    # copied to the officer in charge.
    notify: tuple[str, ...] = ("officer",)


def _verify_due(f: DueFacts, p: PolicyConfig) -> date:
    """Application + verify_due_days, at most deadline + verify_due_days."""
    return min(f.rectified_on or f.deadline, f.deadline) + timedelta(days=p.verify_due_days)


TASKS: tuple[TaskSpec, ...] = (
    TaskSpec("plan", "制定整顿方案", Stage.identified, Role.county_officer,
             lambda f, p: f.cycle_start + timedelta(days=p.ledger_due_days), ("officer", "township_cadre")),
    TaskSpec("assign_secretary", "选派第一书记", Stage.ledger_created, Role.county_officer,
             lambda f, p: f.cycle_start + timedelta(days=p.secretary_due_days), ("officer",)),
    TaskSpec("apply", "完成整改并申请验收", Stage.secretary_assigned, Role.township_leader,
             lambda f, p: f.deadline, ("township_leader", "township_cadre", "secretary")),
    TaskSpec("verify", "组织验收", Stage.rectified, Role.county_verifier, _verify_due, ("officer",)),
)
BY_STAGE: dict[str, TaskSpec] = {str(t.stage): t for t in TASKS}
BY_CODE: dict[str, TaskSpec] = {t.code: t for t in TASKS}

PROGRESS_TASK = "progress"
PROGRESS_LABEL = "报送月度进展"
PROGRESS_NOTIFY: tuple[str, ...] = ("secretary", "township_leader", "township_cadre")
STRIKE_OFF_TASK = "strike_off"
STRIKE_OFF_LABEL = "销号批复"  # in rectified, once a verification has passed: 公示, then the county's approval
MEASURE_TASK = "measure"
MEASURE_LABEL = "完成整改措施"
LOOK_BACK_TASK = "look_back"
LOOK_BACK_LABEL = "回头看"
LOOK_BACK_NOTIFY: tuple[str, ...] = ("officer", "township_leader", "township_cadre")
DEADLINE_TASK = "deadline"
DEADLINE_LABEL = "完成整顿转化"
# Who hears of the conversion deadline: the people working on the case.
DEADLINE_NOTIFY: tuple[str, ...] = ("township_leader", "township_cadre", "secretary")
# The 第一书记 track's tasks beside the stage's (SPEC §3, §4): a term ending before the 转化时限 (延期 or 轮换, due
# on the term's last day, its window the ``secretary_due_days`` before it), and a 第一书记 recalled with no one
# sent in his place in stage 3 (补派, due ``secretary_due_days`` after the recall).
SECRETARY_TERM_TASK = "secretary_term"
SECRETARY_TERM_LABEL = "第一书记延期或轮换"  # the term ends before the 转化时限
SECRETARY_VACANT_TASK = "secretary_vacant"
SECRETARY_VACANT_LABEL = "第一书记空缺"  # recalled, no one sent in his place
SECRETARY_TASK_STAGES: tuple[str, ...] = (Stage.identified, Stage.ledger_created, Stage.secretary_assigned)
SECRETARY_NOTIFY: tuple[str, ...] = ("officer", "township_leader")
# County leaders (县级联系领导) hear only of what is overdue, and get the monthly 专报.
LEADER = "county_leader"
OFFICER = "officer"


@dataclass(frozen=True, slots=True)
class SideTask:
    """A task beside the stage's: its code, label, the start of its window and its due day."""

    code: str
    label: str
    start: date
    due: date


def secretary_task(stage: str, *, term_until: date | None, vacant_since: date | None, deadline: date,
                   policy: PolicyConfig, village_chosen: bool = False) -> SideTask | None:
    """The 第一书记 track's task of an open case, from plain values: ``term_until`` the term end of the 第一书记
    in post (None: no one in post, or no term), ``vacant_since`` the day the last one left when no one is in
    post (None: in post, or never sent), ``village_chosen`` a village secretary 选配/调整 in post (under
    ``secretary_rule = "either"`` that satisfies stage 3, so a vacancy asks for nothing)."""
    if stage not in SECRETARY_TASK_STAGES:
        return None
    window = timedelta(days=policy.secretary_due_days)
    if term_until is not None and vacant_since is None and term_until < deadline:
        return SideTask(SECRETARY_TERM_TASK, SECRETARY_TERM_LABEL, term_until - window, term_until)
    if vacant_since is not None and stage == Stage.secretary_assigned and not (
            policy.secretary_rule == "either" and village_chosen):
        return SideTask(SECRETARY_VACANT_TASK, SECRETARY_VACANT_LABEL, vacant_since, vacant_since + window)
    return None


def task_of(stage: str) -> TaskSpec | None:
    """The stage's current task; None for closed cases."""
    return BY_STAGE.get(stage)


def current_task(stage: str, *, in_publicity: bool = False) -> tuple[str, str]:
    """(code, label) of the case's current task: the stage's, except 销号批复 once a verification has passed
    (the case stays in rectified through its 公示); empty for closed cases."""
    if in_publicity and stage == Stage.rectified:
        return STRIKE_OFF_TASK, STRIKE_OFF_LABEL
    spec = BY_STAGE.get(stage)
    return (spec.code, spec.label) if spec is not None else ("", "")


SIDE_LABELS: dict[str, str] = {SECRETARY_TERM_TASK: SECRETARY_TERM_LABEL, SECRETARY_VACANT_TASK: SECRETARY_VACANT_LABEL}


def task_label(code: str | None) -> str:
    if code == PROGRESS_TASK:
        return PROGRESS_LABEL
    if code == DEADLINE_TASK:
        return DEADLINE_LABEL
    if code == LOOK_BACK_TASK:
        return LOOK_BACK_LABEL
    if code == STRIKE_OFF_TASK:
        return STRIKE_OFF_LABEL
    if code == MEASURE_TASK:
        return MEASURE_LABEL
    if code in SIDE_LABELS:
        return SIDE_LABELS[code]
    spec = BY_CODE.get(code or "")
    return spec.label if spec else ""


def task_due(stage: str, *, cycle_start: date, deadline: date, rectified_on: date | None,
             policy: PolicyConfig) -> date | None:
    """The due date of the stage's task, fixed when the task starts; None for closed cases."""
    spec = BY_STAGE.get(stage)
    if spec is None:
        return None
    return spec.due(DueFacts(cycle_start, deadline, rectified_on), policy)


# -- the monthly progress report ------------------------------------------------------------------


def _report_day(year: int, month: int, day: int) -> date:
    if month > 12:
        year, month = year + 1, month - 12
    if month < 1:
        year, month = year - 1, month + 12
    return date(year, month, day)


def report_period(as_of: date, day: int, roll: Callable[[date], date] | None = None) -> tuple[date, date, date]:
    """(previous due, current due, month start): the report for a month is due on ``day`` of the next month,
    or, with ``roll`` (the working-day calendar's), the first working day from it.

    The current period is the one whose due day is the first on or after ``as_of``; a report dated
    after the previous due day counts for it.
    """
    at = roll or _same
    this_month = at(_report_day(as_of.year, as_of.month, day))
    if as_of <= this_month:
        prev, due = at(_report_day(as_of.year, as_of.month - 1, day)), this_month
        nominal_month = as_of.month
    else:
        prev, due = this_month, at(_report_day(as_of.year, as_of.month + 1, day))
        nominal_month = as_of.month + 1
    return prev, due, _report_day(as_of.year, nominal_month - 1, 1)


def _same(day: date) -> date:
    return day


def acting_roles(kind: str, task: str) -> tuple[str, ...]:
    """The people on the case (case roles) who act on an item about ``task``: its reminders go to them."""
    if task == PROGRESS_TASK:
        return PROGRESS_NOTIFY
    if task == LOOK_BACK_TASK:
        return LOOK_BACK_NOTIFY
    if task in SIDE_LABELS:
        return SECRETARY_NOTIFY
    spec = BY_CODE.get(task)
    return spec.notify if spec is not None else DEADLINE_NOTIFY


# -- the warning light's reason ----------------------------------------------------------------------

TASK_WINDOW = "task"
DEADLINE_WINDOW = "deadline"
MEASURE_WINDOW = "measure"  # an open measure past its due date
SIDE_WINDOW = "side"  # a task beside the stage's (the 第一书记 track's, :func:`secretary_task`)


def light_reason(light: str | None, window: str | None, *, task: str | None, task_left: int | None,
                 deadline_left: int | None, measure_late: int | None = None, side: SideTask | None = None,
                 side_left: int | None = None) -> str:
    """预警原因: which window gives the light, in the officer's words (empty for green and closed cases).

    ``measure_late``: the days the earliest open measure is past its due date (the ``measure`` window);
    ``side``/``side_left``: the task beside the stage's and the days left to it (the ``side`` window)."""
    if light is None or light == "green" or window is None:
        return ""
    if window == MEASURE_WINDOW:
        return f"整改措施逾期未完成（最早一项已逾期 {measure_late} 天）"
    if window == SIDE_WINDOW and side is not None:
        what, left = f"待办「{side.label}」", side_left
    elif window == TASK_WINDOW:
        what, left = f"待办「{task_label(task)}」", task_left
    else:
        what, left = "转化时限", deadline_left
    if left is None:
        return ""
    if left < 0:
        return f"{what}已逾期 {-left} 天"
    if left == 0:
        return f"{what}今天到期"
    return f"{what}仅剩 {left} 天"

