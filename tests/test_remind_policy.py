"""The pure sweep: fixed dates, no clock, no database."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from rectify.config import PolicyConfig
from rectify.notifications.policy import CITY, COUNTY, CaseRow, sweep

AS_OF = date(2026, 6, 1)
POLICY = PolicyConfig()


def row(
    stage: str = "secretary_assigned",
    *,
    due_in: int | None = None,
    deadline_in: int = 200,
    supervised: bool = False,
    last_progress: int | None = 5,
    case_id: int = 1,
) -> CaseRow:
    deadline = AS_OF + timedelta(days=deadline_in)
    stage_due = deadline if due_in is None else AS_OF + timedelta(days=due_in)
    return CaseRow(
        case_id=case_id,
        stage=stage,
        stage_since=AS_OF - timedelta(days=60),
        stage_due=stage_due,
        cycle_start=AS_OF - timedelta(days=100),
        deadline=deadline,
        supervised=supervised,
        last_progress_on=None if last_progress is None else AS_OF - timedelta(days=last_progress),
    )


def kinds(items: list) -> list[tuple[str, int, str]]:
    return [(i.kind, i.offset_days, i.audience) for i in items]


@pytest.mark.parametrize(
    ("days_left", "window"),
    [
        (15, None),
        (14, 14),
        (10, 14),
        (8, 14),
        (7, 7),
        (4, 7),
        (3, 3),
        (2, 3),
        (1, 1),
        (0, 1),
    ],
)
def test_deadline_reminder_windows(days_left: int, window: int | None) -> None:
    items = sweep(AS_OF, [row(deadline_in=days_left)], POLICY)
    assert kinds(items) == ([] if window is None else [("deadline", window, "case")])
    if window is not None:
        assert items[0].days_left == days_left


def test_stage_and_deadline_reminders_are_separate_items() -> None:
    items = sweep(AS_OF, [row("ledger_created", due_in=7, deadline_in=3)], POLICY)
    assert kinds(items) == [("stage_due", 7, "case"), ("deadline", 3, "case")]


@pytest.mark.parametrize(
    ("overdue", "expected"),
    [
        (1, [("overdue", -1, "case")]),
        (6, [("overdue", -1, "case")]),
        (7, [("overdue", -1, "case")]),
        (8, [("overdue", -8, "case")]),
        (13, [("overdue", -8, "case")]),
        (14, [("escalation", -14, COUNTY), ("overdue", -8, "case")]),
        (15, [("escalation", -14, COUNTY), ("overdue", -15, "case")]),
        (21, [("escalation", -21, COUNTY), ("overdue", -15, "case")]),
    ],
)
def test_overdue_alert_first_day_then_weekly_and_escalation(overdue: int, expected: list) -> None:
    assert kinds(sweep(AS_OF, [row(deadline_in=-overdue)], POLICY)) == expected


def test_supervised_case_escalates_to_the_city_too() -> None:
    items = sweep(AS_OF, [row(deadline_in=-14, supervised=True)], POLICY)
    assert {i.audience for i in items if i.kind == "escalation"} == {COUNTY, CITY}


@pytest.mark.parametrize(
    ("stage", "last", "expected"),
    [
        # June 1: May's report is due June 5; a report after April's due day (May 5) counts for it
        ("secretary_assigned", 5, None),
        ("secretary_assigned", 29, (date(2026, 6, 5), 7, 4)),
        ("ledger_created", 27, (date(2026, 6, 5), 7, 4)),
        # nothing since April 5: April's report (due May 5) is 27 days late, alerted weekly
        ("secretary_assigned", 60, (date(2026, 5, 5), -22, -27)),
        ("secretary_assigned", None, (date(2026, 5, 5), -22, -27)),
        ("identified", 90, None),
        ("rectified", 90, None),
    ],
)
def test_progress_report_reminder(stage: str, last: int | None, expected: tuple | None) -> None:
    items = [
        i for i in sweep(AS_OF, [row(stage, due_in=100, last_progress=last)], POLICY) if i.kind == "progress"
    ]
    assert [(i.due_on, i.offset_days, i.days_left) for i in items] == ([] if expected is None else [expected])


@pytest.mark.parametrize(("level", "audience"), [("county", COUNTY), ("city", CITY)])
def test_a_supervised_case_reports_monthly_to_the_level_of_its_sign(level: str, audience: str) -> None:
    """挂牌督办 (SPEC §3): the monthly report of a case under a sign is also due to the supervisors of the level
    that hung it; a case without a sign reports to its own people only."""
    supervised = replace(row(due_in=100, last_progress=29), supervised=True, supervision_level=level)
    plain = row(due_in=100, last_progress=29, case_id=2)
    items = [(i.case_id, i.audience) for i in sweep(AS_OF, [supervised, plain], POLICY) if i.kind == "progress"]
    assert items == [(1, "case"), (1, audience), (2, "case")]


def test_rectified_case_waits_only_for_verification() -> None:
    r = row("rectified", due_in=3, deadline_in=-20)
    assert kinds(sweep(AS_OF, [r], POLICY)) == [("stage_due", 3, "case")]


@pytest.mark.parametrize("stage", ["verified", "withdrawn"])
def test_closed_cases_get_nothing(stage: str) -> None:
    assert sweep(AS_OF, [row(stage, deadline_in=-30, last_progress=None)], POLICY) == []


def test_configured_offsets_and_repeat() -> None:
    policy = PolicyConfig(reminder_offsets=(5,), overdue_repeat_days=2, escalate_after_days=3)
    assert kinds(sweep(AS_OF, [row(deadline_in=6)], policy)) == []
    assert kinds(sweep(AS_OF, [row(deadline_in=5)], policy)) == [("deadline", 5, "case")]
    assert kinds(sweep(AS_OF, [row(deadline_in=-3)], policy)) == [
        ("escalation", -3, COUNTY),
        ("overdue", -3, "case"),
    ]


def test_order_is_deterministic() -> None:
    rows = [row(deadline_in=-14, case_id=2), row(deadline_in=3, case_id=1)]
    assert [(i.case_id, i.kind) for i in sweep(AS_OF, rows, POLICY)] == [
        (1, "deadline"),
        (2, "escalation"),
        (2, "overdue"),
    ]
