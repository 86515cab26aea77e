"""Warning lights at the 30 % / 15 % / overdue boundaries (SPEC §4)."""

from datetime import date, timedelta

import pytest

from rectify.config import LightsConfig, PolicyConfig
from rectify.states.deadlines import Light, case_light, days_left, default_deadline, next_due, stage_due

LIGHTS = LightsConfig()
START = date(2026, 1, 1)
DUE = START + timedelta(days=100)  # a 100-day window: one day is one per cent


@pytest.mark.parametrize(
    ("days_before_due", "light"),
    [
        (31, Light.green),
        (30, Light.yellow),
        (16, Light.yellow),
        (15, Light.orange),
        (0, Light.orange),
        (-1, Light.red),
        (-30, Light.red),
    ],
)
def test_stage_window_boundaries(days_before_due: int, light: Light) -> None:
    as_of = DUE - timedelta(days=days_before_due)
    got = case_light(
        "ledger_created",
        stage_since=START,
        stage_due_on=DUE,
        cycle_start=START,
        deadline=START + timedelta(days=1000),
        as_of=as_of,
        lights=LIGHTS,
    )
    assert got == light


@pytest.mark.parametrize(
    ("days_before_deadline", "light"),
    [
        (61, Light.green),
        (60, Light.yellow),
        (30, Light.orange),
        (0, Light.orange),
        (-1, Light.red),
    ],
)
def test_deadline_window_counts_when_worse(days_before_deadline: int, light: Light) -> None:
    deadline = START + timedelta(days=200)  # 30 % = 60 days, 15 % = 30 days
    as_of = deadline - timedelta(days=days_before_deadline)
    got = case_light(
        "secretary_assigned",
        stage_since=as_of,
        stage_due_on=deadline + timedelta(days=500),
        cycle_start=START,
        deadline=deadline,
        as_of=as_of,
        lights=LIGHTS,
    )
    assert got == light


def test_worse_of_the_two_windows() -> None:
    as_of = date(2026, 1, 20)
    # Stage window overdue, deadline far away: red.
    assert (
        case_light(
            "identified",
            stage_since=START,
            stage_due_on=date(2026, 1, 16),
            cycle_start=START,
            deadline=date(2026, 12, 31),
            as_of=as_of,
            lights=LIGHTS,
        )
        == Light.red
    )


def test_configured_thresholds() -> None:
    lights = LightsConfig(yellow=0.5, orange=0.25)
    light = case_light(
        "ledger_created",
        stage_since=START,
        stage_due_on=DUE,
        cycle_start=START,
        deadline=START + timedelta(days=1000),
        as_of=DUE - timedelta(days=50),
        lights=lights,
    )
    assert light == Light.yellow


@pytest.mark.parametrize("stage", ["verified", "withdrawn"])
def test_closed_cases_have_no_light(stage: str) -> None:
    assert (
        case_light(
            stage,
            stage_since=START,
            stage_due_on=None,
            cycle_start=START,
            deadline=START,
            as_of=START + timedelta(days=400),
            lights=LIGHTS,
        )
        is None
    )
    assert days_left(stage, stage_due_on=None, deadline=START, as_of=START) is None


def test_rectified_stage_follows_the_verification_window_only() -> None:
    deadline = date(2026, 6, 30)
    due = stage_due(
        "rectified",
        cycle_start=START,
        deadline=deadline,
        rectified_on=date(2026, 6, 20),
        policy=PolicyConfig(),
    )
    assert due == date(2026, 7, 20)
    # Past the conversion deadline but inside the 30 verification days: not red.
    light = case_light(
        "rectified",
        stage_since=date(2026, 6, 20),
        stage_due_on=due,
        cycle_start=START,
        deadline=deadline,
        as_of=date(2026, 7, 12),
        lights=LIGHTS,
    )
    assert light == Light.yellow
    assert next_due("rectified", stage_due_on=due, deadline=deadline) == due


def test_stage_due_dates_and_default_deadline() -> None:
    policy = PolicyConfig()
    assert stage_due("identified", cycle_start=START, deadline=DUE, rectified_on=None, policy=policy) == date(
        2026, 1, 16
    )
    assert stage_due(
        "ledger_created", cycle_start=START, deadline=DUE, rectified_on=None, policy=policy
    ) == date(2026, 1, 31)
    assert (
        stage_due("secretary_assigned", cycle_start=START, deadline=DUE, rectified_on=None, policy=policy)
        == DUE
    )
    # Verification no later than deadline + 30 days, even when rectified late.
    assert stage_due(
        "rectified", cycle_start=START, deadline=DUE, rectified_on=DUE + timedelta(days=20), policy=policy
    ) == DUE + timedelta(days=30)
    assert default_deadline(date(2026, 3, 5), policy) == date(2026, 12, 31)
    assert default_deadline(date(2026, 9, 1), policy) == date(2027, 2, 28)
    assert (
        days_left("identified", stage_due_on=date(2026, 1, 16), deadline=DUE, as_of=date(2026, 1, 20)) == -4
    )
