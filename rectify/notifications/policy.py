"""The reminder sweep (SPEC §5) as a pure function: (as-of date, case rows, policy) → items.

No clock, no database. Due dates come from ``rectify.states.deadlines`` (the one place they are
computed); this module only decides which of them deserve a mail today.

Every rule fires on a *window*, not on one exact day, and names the item by the nominal day of the
window (``offset_days``): the 7-day reminder is due on any day 7 > days left > 3, the weekly overdue
alert on any day of its week. So a sweep that did not run on the exact day (scheduler down, cron
skipped) still sends the item on the next sweep, and the outbox's unique key makes sure it is sent
only once.

Decisions (documented in the README):

- stage reminders are for the current stage's due date, deadline reminders for the conversion
  deadline; where the two coincide (``secretary_assigned``: the stage is due at the deadline) one
  ``deadline`` item is made. A ``rectified`` case only waits for verification, so its conversion
  deadline no longer counts (as for its warning light).
- every item names its task (``rectify.states.tasks``): the stage's task for ``stage_due`` items,
  ``deadline`` for the conversion deadline, ``progress`` for the monthly report.
- the progress-report reminder is for cases whose plan is under way: stages ``ledger_created`` and
  ``secretary_assigned``. The report for a month is due by ``monthly_report_day`` of the next month
  (:func:`rectify.states.tasks.report_period`); a report dated after the previous due day counts.
  Reminders at the reminder offsets before that day, then weekly overdue alerts until a report comes
  (the previous period's, while the next one runs).
- a struck-off case in its 巩固期 gets a ``look_back`` reminder for its next scheduled 回头看 (the case's
  ``next_look_back_on``) in the same windows as a stage reminder, and weekly once it is overdue; it goes
  to the officer in charge and the township cadre.
- county leaders get a monthly 专报 (``brief``): one item per open case, on the first sweep of a month.
- escalation goes to the county supervisors, and also to the city supervisors when the case is under
  listed supervision, from day ``escalate_after_days`` overdue, then every ``overdue_repeat_days``.
- the 第一书记 track's tasks (第一书记延期或轮换, 第一书记空缺) climb the same ladder as a stage's task
  (:func:`secretary_sweep`): reminders, weekly overdue alerts (the county leader copied), escalation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from operator import attrgetter, itemgetter
from typing import Any, NamedTuple

from rectify.config import PolicyConfig
from rectify.states.deadlines import next_due
from rectify.states.stages import OPEN_STAGES, PROGRESS_STAGES, Stage
from rectify.states.tasks import (
    BY_STAGE,
    DEADLINE_TASK,
    LOOK_BACK_TASK,
    MEASURE_TASK,
    PROGRESS_TASK,
    report_period,
    secretary_task,
)
from rectify.states.tracks import VILLAGE_ACTIONS

OPEN_FOR_REMINDERS: tuple[str, ...] = OPEN_STAGES

# Item kinds, in the order a digest lists them.
KINDS: tuple[str, ...] = ("escalation", "overdue", "stage_due", "deadline", "progress", "look_back", "brief",
                          "measure_overdue", "measure_due")
KIND_LABELS: dict[str, str] = {
    "escalation": "逾期督办事项",
    "overdue": "逾期未办事项",
    "stage_due": "近期应办事项",
    "deadline": "转化时限临近",
    "progress": "月度进展报送",
    "look_back": "回头看",
    "brief": "联系整顿对象月度专报",
    "measure_overdue": "整改措施逾期",
    "measure_due": "整改措施时限临近",
}
MEASURE_KINDS: tuple[str, ...] = ("measure_overdue", "measure_due")
# Who hears of an item: the people on the case, or the supervisors.
CASE_PEOPLE = "case"
COUNTY = "county"
CITY = "city"
OWNER = "owner"  # a measure's 责任人 (and the officer in charge, who is copied)
MEASURE_STAGE = "measure#{seq}"  # a measure item's ``stage`` key: one item per measure and window


@dataclass(frozen=True, slots=True)
class CaseRow:
    """What the sweep needs of one case; a query row with these attributes serves as well."""

    case_id: int
    stage: str
    stage_since: date
    stage_due: date | None
    cycle_start: date
    deadline: date
    supervised: bool = False
    last_progress_on: date | None = None
    supervision_level: str = ""  # city|county while a sign is up (挂牌督办)


class Item(NamedTuple):
    """One reminder or alert; a named tuple because a national sweep makes tens of thousands."""

    case_id: int
    kind: str
    stage: str
    due_on: date
    offset_days: int  # nominal days before due (negative: days overdue) that names the window
    days_left: int  # actual days left on the as-of date (negative when overdue)
    audience: str  # CASE_PEOPLE, COUNTY or CITY
    task: str = ""  # the task it is about (rectify.states.tasks): a task code, "deadline" or "progress"


_OPEN = frozenset(map(str, OPEN_FOR_REMINDERS))
_PROGRESS = frozenset(map(str, PROGRESS_STAGES))
_RECTIFIED = str(Stage.rectified)
_VERIFIED = str(Stage.verified)
_KIND_RANK = {kind: rank for rank, kind in enumerate(KINDS)}


def _order(item: Item) -> tuple[int, int, date, str]:
    return (item.case_id, _KIND_RANK[item.kind], item.due_on, item.audience)


_READ = ("case_id", "stage", "stage_due", "deadline", "supervised", "last_progress_on", "cycle_start")


def _reader(row: object) -> Callable[[Any], tuple[Any, ...]]:
    """Reads what the sweep needs of a row in one call.

    Named tuples and query rows (``_fields``) are read by position: a query row's attribute lookup
    costs several times its index lookup, and a sweep reads ~7 fields of every open case.
    """
    fields = getattr(row, "_fields", None)
    if isinstance(fields, tuple) and all(name in fields for name in _READ):
        return itemgetter(*(fields.index(name) for name in _READ))
    return attrgetter(*_READ)


def sweep(as_of: date, rows: Iterable[CaseRow], policy: PolicyConfig, *, brief: bool = False,
          roll: Callable[[date], date] | None = None) -> list[Item]:
    """Every item due on ``as_of`` for ``rows``; deterministic order (case, kind, due date, audience).

    One pass over tens of thousands of rows: the policy is read once (the reminder windows become a
    table indexed by days left), each row in one call (rows of one type are read the same way: all
    ``CaseRow`` or all from one query), days are counted on ordinals and items built as tuples. Rows in
    ascending case order (as ``candidate_query`` returns them) need no global sort; any other order is.

    The rules, per open case:

    - reminders: a task's due date (or the deadline) ``d`` days ahead is in the window of the smallest
      reminder offset ≥ ``d`` (windows (next smaller offset, offset]; the smallest one runs down to the
      due day), named by it;
    - overdue ``n`` days: an ``overdue`` alert named by the start of its week (day 1, 1+repeat, …), and
      from day ``escalate_after_days`` an ``escalation`` named the same way, to the county (and to the
      city when the case is under listed supervision);
    - progress: in ``PROGRESS_STAGES``, the monthly report (:func:`_progress`), for a case under 挂牌督办
      also to the supervisors of the sign's level (city or county); a 巩固期 case:
      :func:`_look_back_item`;
    - ``brief``: one ``brief`` item per open case (the county leaders' monthly 专报);
    - ``roll``: the working-day calendar's move of a due day off a rest day (the monthly report's).
    """
    windows = _windows(policy)
    repeat = max(policy.overdue_repeat_days, 1)
    esc_first = policy.escalate_after_days
    periods = _periods(as_of, policy.monthly_report_day, roll)
    month_start = as_of.replace(day=1)
    as_of_ord = as_of.toordinal()
    open_stages, progress_stages, rectified, tasks = _OPEN, _PROGRESS, _RECTIFIED, BY_STAGE
    new = tuple.__new__
    out: list[Item] = []
    add = out.append
    row_type: type | None = None
    read: Callable[[Any], tuple[Any, ...]] = attrgetter(*_READ)
    prev = None
    ordered = True
    for row in rows:
        if type(row) is not row_type:
            row_type, read = type(row), _reader(row)
        case_id, stage, stage_due, deadline, supervised, last_progress_on, cycle_start = read(row)
        if stage not in open_stages:
            if (look := _look_back_item(row, case_id, stage, as_of_ord, windows, repeat)) is not None:
                ordered, prev = ordered and (prev is None or case_id > prev), case_id
                add(look)
            continue
        if ordered and prev is not None and not case_id > prev:
            ordered = False
        prev = case_id
        first = len(out)
        task = tasks[stage].code if stage in tasks else ""
        _due_items(add, case_id, stage, _dues(stage == rectified, stage, stage_due, deadline, task), supervised,
                   as_of_ord, windows, repeat, esc_first)
        if stage in progress_stages:
            n = len(out)
            _progress(out, case_id, stage, last_progress_on, cycle_start, periods, as_of_ord, windows, repeat)
            if supervised and len(out) > n:  # 挂牌督办: the monthly report goes to the 督办单位's level too
                add(out[-1]._replace(audience=CITY if getattr(row, "supervision_level", "") == "city" else COUNTY))
        if brief:
            left = (stage_due or deadline).toordinal() - as_of_ord
            add(new(Item, (case_id, "brief", stage, month_start, 0, left, CASE_PEOPLE, task)))
        if len(out) - first > 1:
            out[first:] = sorted(out[first:], key=_order)
    if not ordered:
        out.sort(key=_order)
    return out


def _due_items(add: Callable[[Item], None], case_id: int, stage: str, dues: tuple[tuple[str, date, str], ...],
               supervised: bool, as_of_ord: int, windows: list[int], repeat: int, esc_first: int) -> None:
    """A case's reminders (a due date within a window) and overdue alerts, escalated from ``esc_first`` days."""
    new = tuple.__new__
    for kind, due, what in dues:
        left = due.toordinal() - as_of_ord
        if left >= 0:
            if left < len(windows):
                add(new(Item, (case_id, kind, stage, due, windows[left], left, CASE_PEOPLE, what)))
            continue
        over = -left
        start = 1 + (over - 1) // repeat * repeat
        add(new(Item, (case_id, "overdue", stage, due, -start, left, CASE_PEOPLE, what)))
        if over >= esc_first:
            esc = esc_first + (over - esc_first) // repeat * repeat
            add(new(Item, (case_id, "escalation", stage, due, -esc, left, COUNTY, what)))
            if supervised:
                add(new(Item, (case_id, "escalation", stage, due, -esc, left, CITY, what)))


def _windows(policy: PolicyConfig) -> list[int]:
    """The reminder window of each number of days left (index), up to the largest offset."""
    offsets = sorted(set(policy.reminder_offsets))
    if not offsets or offsets[-1] < 0:
        return []
    return [next(o for o in offsets if o >= d) for d in range(offsets[-1] + 1)]


def _dues(rectified: bool, stage: str, stage_due: date | None, deadline: date,
          task: str) -> tuple[tuple[str, date, str], ...]:
    """(kind, due date, task) of what a case is reminded of: its task's due date and the conversion deadline
    (once when they are the same day); a rectified case only of its verification (or strike-off)."""
    if rectified:
        due_on = next_due(stage, stage_due_on=stage_due, deadline=deadline)
        return (("stage_due", due_on, task),) if due_on else ()
    if stage_due is None or stage_due == deadline:
        return (("deadline", deadline, task if stage_due is not None else DEADLINE_TASK),)
    return (("stage_due", stage_due, task), ("deadline", deadline, DEADLINE_TASK))


def _periods(as_of: date, day: int, roll: Callable[[date], date] | None = None,
             ) -> tuple[tuple[date, date, date], tuple[date, date, date]]:
    """The current and the previous report periods: (due day before it, its due day, its month's start)."""
    current = report_period(as_of, day, roll)
    return current, report_period(current[0], day, roll)


def _progress(out: list[Item], case_id: int, stage: str, last: date | None, cycle_start: date,
              periods: tuple[tuple[date, date, date], tuple[date, date, date]], as_of_ord: int,
              windows: list[int], repeat: int) -> None:
    """The monthly report: a reminder before the current period's due day, or weekly overdue alerts for
    the previous period's while none has come. A case listed after a period's month owes no report for it."""
    (after, due, _), (prev_after, prev_due, _) = periods
    if cycle_start < prev_due.replace(day=1) and (last is None or last <= prev_after):
        over = as_of_ord - prev_due.toordinal()
        if over > 0:
            start = 1 + (over - 1) // repeat * repeat
            out.append(Item(case_id, "progress", stage, prev_due, -start, -over, CASE_PEOPLE, PROGRESS_TASK))
            return
    left = due.toordinal() - as_of_ord
    if cycle_start < due.replace(day=1) and (last is None or last <= after) and left < len(windows):
        out.append(Item(case_id, "progress", stage, due, windows[left], left, CASE_PEOPLE, PROGRESS_TASK))


def _look_back_item(row: Any, case_id: int, stage: str, as_of_ord: int, windows: list[int],
                    repeat: int) -> Item | None:
    """The reminder of a struck-off case's next 回头看: in its reminder window, then weekly while overdue."""
    due = getattr(row, "next_look_back_on", None) if stage == _VERIFIED else None
    if due is None:
        return None
    left = due.toordinal() - as_of_ord
    if left >= 0:
        return Item(case_id, "look_back", stage, due, windows[left], left, CASE_PEOPLE, LOOK_BACK_TASK) \
            if left < len(windows) else None
    start = 1 + (-left - 1) // repeat * repeat
    return Item(case_id, "look_back", stage, due, -start, left, CASE_PEOPLE, LOOK_BACK_TASK)


def horizon(as_of: date, policy: PolicyConfig) -> date:
    """Cases whose stage or deadline is after this date cannot have a reminder or alert today."""
    return as_of + timedelta(days=max(policy.reminder_offsets, default=0))


def progress_cutoff(as_of: date, policy: PolicyConfig, roll: Callable[[date], date] | None = None) -> date:
    """Cases whose last report is after this date need no progress reminder today (:func:`_progress`): the
    current period's opening due day, since a report after it counts for the period (the previous period's
    overdue alert asks for none after the due day before that)."""
    (after, _, _), (prev_after, _, _) = _periods(as_of, policy.monthly_report_day, roll)
    return max(after, prev_after)


def listed_before(as_of: date, policy: PolicyConfig, roll: Callable[[date], date] | None = None) -> date:
    """Cases with no report that were listed on or after this date need no progress reminder today
    (:func:`_progress`): the first of the current due day's month, since a case listed in it owes no report yet."""
    (_, due, _), (_, prev_due, _) = _periods(as_of, policy.monthly_report_day, roll)
    return max(due, prev_due).replace(day=1)


def candidate_args(as_of: date, policy: PolicyConfig, roll: Callable[[date], date] | None = None, *,
                   brief: bool = False) -> dict[str, Any]:
    """What a sweep asks its reader for (``SweepReader.candidates``): the open cases that may have an item on
    ``as_of`` (every open case for the month's first sweep, ``brief``), and the struck-off ones with a 回头看 due."""
    return {"stages": OPEN_FOR_REMINDERS, "progress_stages": PROGRESS_STAGES,
            "horizon": date.max if brief else horizon(as_of, policy),
            "progress_cutoff": progress_cutoff(as_of, policy, roll),
            "listed_before": listed_before(as_of, policy, roll)}


def _date(value: Any) -> date | None:
    """A date as the driver gives it (text on SQLite when a subquery hides its type)."""
    return date.fromisoformat(value[:10]) if isinstance(value, str) else value


def secretary_sweep(as_of: date, rows: Iterable[Any], policy: PolicyConfig) -> list[Item]:
    """The 第一书记 track's items due on ``as_of`` (:func:`rectify.states.tasks.secretary_task`: 第一书记延期或轮换,
    第一书记空缺), on the ladder of the stage's tasks (:func:`_due_items`): in the windows of a task's reminder to
    the people who act on it, then weekly while overdue (the county leader copied), and from
    ``escalate_after_days`` overdue an ``escalation`` to the county supervisors (and the city's too while the case
    is under listed supervision).

    Rows ``case_id stage deadline supervised sec_term_until sec_vacant_since vsec_action``
    (``SweepReader.secretary_tasks``)."""
    windows = _windows(policy)
    repeat = max(policy.overdue_repeat_days, 1)
    as_of_ord = as_of.toordinal()
    out: list[Item] = []
    for row in rows:
        side = secretary_task(row.stage, term_until=_date(row.sec_term_until), vacant_since=_date(row.sec_vacant_since),
                              deadline=_date(row.deadline), policy=policy,  # type: ignore[arg-type]
                              village_chosen=row.vsec_action in VILLAGE_ACTIONS)
        if side is not None:
            _due_items(out.append, row.case_id, row.stage, (("stage_due", side.due, side.code),),
                       bool(getattr(row, "supervised", False)), as_of_ord, windows, repeat,
                       policy.escalate_after_days)
    return out


class MeasureRow(NamedTuple):
    """One open measure (not done) of an open case; query rows with these names serve as well."""

    case_id: int
    seq: int
    text: str
    owner: str
    owner_email: str
    due_on: date
    stage: str
    org_name: str
    org_code: str
    township: str
    county: str = ""


def measure_sweep(as_of: date, rows: Iterable[Any], policy: PolicyConfig) -> list[Item]:
    """The measure items due on ``as_of`` (SPEC §5 "measure reminders to each measure's 责任人").

    The same windows as a task's: a reminder in the window of the smallest offset ≥ days left, an
    overdue alert on the first overdue day and then every ``overdue_repeat_days`` (no escalation: the
    case's own overdue task escalates). The item's ``stage`` is ``measure#N``, so the outbox's unique
    key keeps one item per measure and window whatever other measures fall due that day.
    """
    offsets = sorted(set(policy.reminder_offsets))
    repeat = max(policy.overdue_repeat_days, 1)
    out: list[Item] = []
    for row in rows:
        if row.stage not in _OPEN or row.stage == _RECTIFIED:
            continue
        left = (row.due_on - as_of).days
        key = MEASURE_STAGE.format(seq=row.seq)
        if left >= 0:
            window = next((o for o in offsets if o >= left), None)
            if window is not None:
                out.append(Item(row.case_id, "measure_due", key, row.due_on, window, left, OWNER, MEASURE_TASK))
            continue
        start = 1 + (-left - 1) // repeat * repeat
        out.append(Item(row.case_id, "measure_overdue", key, row.due_on, -start, left, OWNER, MEASURE_TASK))
    out.sort(key=lambda i: (i.case_id, i.stage, i.due_on))
    return out
