"""The unrolled ``sweep`` decides exactly what the plain, rule-by-rule version of it decided.

``reference`` below is the sweep as first written (one generator per case, helpers per rule); the
product's ``sweep`` was rewritten for speed and must match it item for item, in the same order, over
every stage, due date and progress date around the windows, supervision, several policies and
shuffled input.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta

import pytest

from rectify.config import PolicyConfig
from rectify.notifications.policy import (
    CASE_PEOPLE,
    CITY,
    COUNTY,
    KINDS,
    OPEN_FOR_REMINDERS,
    PROGRESS_STAGES,
    CaseRow,
    sweep,
)
from rectify.states.deadlines import next_due
from rectify.states.stages import Stage

AS_OF = date(2026, 6, 30)
Ref = tuple[int, str, str, date, int, int, str]


def _reminder_window(days_before: int, offsets: tuple[int, ...]) -> int | None:
    ordered = sorted(set(offsets))
    if days_before < 0 or not ordered or days_before > ordered[-1]:
        return None
    for o in ordered:
        if days_before <= o:
            return o
    return None


def _period_start(n: int, first: int, every: int) -> int | None:
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


def _items_for(row: CaseRow, as_of: date, policy: PolicyConfig) -> Iterator[Ref]:
    if row.stage not in OPEN_FOR_REMINDERS:
        return
    for kind, due in _dues(row):
        left = (due - as_of).days
        if left >= 0:
            window = _reminder_window(left, policy.reminder_offsets)
            if window is not None:
                yield (row.case_id, kind, row.stage, due, window, left, CASE_PEOPLE)
            continue
        over = -left
        start = _period_start(over, 1, policy.overdue_repeat_days)
        if start is not None:
            yield (row.case_id, "overdue", row.stage, due, -start, left, CASE_PEOPLE)
        esc = _period_start(over, policy.escalate_after_days, policy.overdue_repeat_days)
        if esc is not None:
            yield (row.case_id, "escalation", row.stage, due, -esc, left, COUNTY)
            if row.supervised:
                yield (row.case_id, "escalation", row.stage, due, -esc, left, CITY)
    if row.stage in PROGRESS_STAGES:
        for item in _progress(row, as_of, policy):
            yield item
            if row.supervised:  # 挂牌督办: to the supervisors of the sign's level too
                yield (*item[:6], CITY if row.supervision_level == "city" else COUNTY)


def _progress(row: CaseRow, as_of: date, policy: PolicyConfig) -> Iterator[Ref]:
    """The report for a month is due on monthly_report_day of the next month; one after the day before counts."""
    day = policy.monthly_report_day
    days = sorted(date(y, m, day) for y in range(as_of.year - 1, as_of.year + 2) for m in range(1, 13))
    k = next(i for i, d in enumerate(days) if d >= as_of)
    due, prev, before = days[k], days[k - 1], days[k - 2]
    last = row.last_progress_on
    if row.cycle_start < prev.replace(day=1) and (last is None or last <= before):
        over = (as_of - prev).days
        start = _period_start(over, 1, policy.overdue_repeat_days)
        yield (row.case_id, "progress", row.stage, prev, -start, -over, CASE_PEOPLE)  # type: ignore[operator]
        return
    window = _reminder_window((due - as_of).days, policy.reminder_offsets)
    if row.cycle_start < due.replace(day=1) and (last is None or last <= prev) and window is not None:
        yield (row.case_id, "progress", row.stage, due, window, (due - as_of).days, CASE_PEOPLE)


def reference(as_of: date, rows: list[CaseRow], policy: PolicyConfig) -> list[Ref]:
    out = [item for row in rows for item in _items_for(row, as_of, policy)]
    out.sort(key=lambda i: (i[0], KINDS.index(i[1]), i[3], i[6]))
    return out


def _rows() -> list[CaseRow]:
    rows = []
    case_id = 0
    for stage in Stage:
        for due_in in (None, -60, -22, -21, -15, -14, -13, -8, -7, -1, 0, 1, 2, 3, 5, 7, 8, 14, 15, 40):
            for deadline_in in (-30, -14, -1, 0, 3, 7, 14, 15, 90):
                for progress in (None, 0, 29, 30, 31, 59, 60, 95):
                    case_id += 1
                    deadline = AS_OF + timedelta(days=deadline_in)
                    rows.append(CaseRow(
                        case_id=case_id,
                        stage=stage,
                        stage_since=AS_OF - timedelta(days=50),
                        stage_due=None if due_in is None else AS_OF + timedelta(days=due_in),
                        cycle_start=AS_OF - timedelta(days=100),
                        deadline=deadline,
                        supervised=case_id % 3 == 0,
                        last_progress_on=None if progress is None else AS_OF - timedelta(days=progress),
                        supervision_level=("city", "county")[case_id % 2] if case_id % 3 == 0 else "",
                    ))
    return rows


POLICIES = [
    PolicyConfig(),
    PolicyConfig(reminder_offsets=(5,), overdue_repeat_days=2, escalate_after_days=3),
    PolicyConfig(reminder_offsets=(), overdue_repeat_days=0, escalate_after_days=0, progress_report_days=0),
    PolicyConfig(reminder_offsets=(0, 2, 2, 30), overdue_repeat_days=1, escalate_after_days=1,
                 progress_report_days=7, monthly_report_day=28),
]


@pytest.mark.parametrize("policy", POLICIES)
def test_sweep_matches_the_rule_by_rule_reference(policy: PolicyConfig) -> None:
    rows = _rows()
    expected = reference(AS_OF, rows, policy)
    assert expected  # the grid does reach every rule
    assert [tuple(i)[:7] for i in sweep(AS_OF, rows, policy)] == expected
    random.Random(5).shuffle(rows)
    assert [tuple(i)[:7] for i in sweep(AS_OF, rows, policy)] == expected
    assert [tuple(i)[:7] for i in sweep(AS_OF, rows + rows[:50], policy)] == \
        reference(AS_OF, rows + rows[:50], policy)
