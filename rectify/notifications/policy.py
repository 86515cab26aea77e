"""The reminder sweep (SPEC §5) as a pure function: (as-of date, case rows, policy) → items.

No clock, no database. Due dates come from ``rectify.workflow.deadlines`` (the one place they are
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
- the progress-report reminder is for cases whose plan is under way: stages ``ledger_created`` and
  ``secretary_assigned``. It is due ``progress_report_days`` after the last report (or after the
  start of the cycle when there is none), and again every ``progress_report_days`` while none comes.
- escalation goes to the county supervisors, and also to the city supervisors when the case is under
  listed supervision, from day ``escalate_after_days`` overdue, then every ``overdue_repeat_days``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from rectify.config import PolicyConfig
from rectify.states.stages import Stage
from rectify.workflow.deadlines import next_due

OPEN_FOR_REMINDERS: tuple[str, ...] = (
    Stage.identified,
    Stage.ledger_created,
    Stage.secretary_assigned,
    Stage.rectified,
)
PROGRESS_STAGES: tuple[str, ...] = (Stage.ledger_created, Stage.secretary_assigned)

# Item kinds, in the order a digest lists them.
KINDS: tuple[str, ...] = ("escalation", "overdue", "stage_due", "deadline", "progress")
KIND_LABELS: dict[str, str] = {
    "escalation": "逾期督办",
    "overdue": "逾期提醒",
    "stage_due": "阶段期限提醒",
    "deadline": "转化时限提醒",
    "progress": "月度进展提醒",
}
# Who hears of an item: the people on the case, or the supervisors.
CASE_PEOPLE = "case"
COUNTY = "county"
CITY = "city"


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


@dataclass(frozen=True, slots=True)
class Item:
    case_id: int
    kind: str
    stage: str
    due_on: date
    offset_days: int  # nominal days before due (negative: days overdue) that names the window
    days_left: int  # actual days left on the as-of date (negative when overdue)
    audience: str  # CASE_PEOPLE, COUNTY or CITY


def _reminder_window(days_before: int, offsets: tuple[int, ...]) -> int | None:
    """The largest offset ≥ days_before whose window holds it; None when none does.

    Windows: (next smaller offset, offset]; the smallest offset's window runs down to the due day.
    """
    ordered = sorted(set(offsets))
    if days_before < 0 or not ordered or days_before > ordered[-1]:
        return None
    for o in ordered:
        if days_before <= o:
            return o
    return None


def _period_start(n: int, first: int, every: int) -> int | None:
    """The nominal day of the repeating period holding day ``n`` (first, first+every, …)."""
    if n < first:
        return None
    every = max(every, 1)
    return first + ((n - first) // every) * every


def _dues(row: CaseRow) -> list[tuple[str, date]]:
    if row.stage == Stage.rectified:
        due = next_due(row.stage, stage_due_on=row.stage_due, deadline=row.deadline)
        return [("stage_due", due)] if due else []
    if row.stage_due is None or row.stage_due == row.deadline:
        return [("deadline", row.deadline)]
    return [("stage_due", row.stage_due), ("deadline", row.deadline)]


def items_for(row: CaseRow, as_of: date, policy: PolicyConfig) -> Iterator[Item]:
    if row.stage not in OPEN_FOR_REMINDERS:
        return
    for kind, due in _dues(row):
        left = (due - as_of).days
        if left >= 0:
            window = _reminder_window(left, policy.reminder_offsets)
            if window is not None:
                yield Item(row.case_id, kind, row.stage, due, window, left, CASE_PEOPLE)
            continue
        over = -left
        start = _period_start(over, 1, policy.overdue_repeat_days)
        if start is not None:
            yield Item(row.case_id, "overdue", row.stage, due, -start, left, CASE_PEOPLE)
        esc = _period_start(over, policy.escalate_after_days, policy.overdue_repeat_days)
        if esc is not None:
            yield Item(row.case_id, "escalation", row.stage, due, -esc, left, COUNTY)
            if row.supervised:
                yield Item(row.case_id, "escalation", row.stage, due, -esc, left, CITY)
    if row.stage in PROGRESS_STAGES:
        every = max(policy.progress_report_days, 1)
        since = row.last_progress_on or row.cycle_start
        start = _period_start((as_of - since).days, every, every)
        if start is not None:
            due = since + timedelta(days=start)
            yield Item(row.case_id, "progress", row.stage, due, 0, (due - as_of).days, CASE_PEOPLE)


def sweep(as_of: date, rows: Iterable[CaseRow], policy: PolicyConfig) -> list[Item]:
    """Every item due on ``as_of`` for ``rows``; deterministic order (case, kind, due date)."""
    out = [item for row in rows for item in items_for(row, as_of, policy)]
    out.sort(key=lambda i: (i.case_id, KINDS.index(i.kind), i.due_on, i.audience))
    return out


def horizon(as_of: date, policy: PolicyConfig) -> date:
    """Cases whose stage or deadline is after this date cannot have a reminder or alert today."""
    return as_of + timedelta(days=max(policy.reminder_offsets, default=0))


def progress_cutoff(as_of: date, policy: PolicyConfig) -> date:
    """Cases with a report (or a cycle start) after this date need no progress reminder today."""
    return as_of - timedelta(days=max(policy.progress_report_days, 1))
