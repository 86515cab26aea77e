"""The sweep reads only the cases that may have an item: the candidates it asks for (``policy.candidate_args``)
give the same items as every case would, on every day, with and without the working-day roll of due days."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from click.testing import Result

from rectify.config import Config
from rectify.notifications.memory import Candidate, MemoryOutboxStore
from rectify.notifications.outbox import _roll
from rectify.notifications.policy import OPEN_FOR_REMINDERS, PROGRESS_STAGES, candidate_args, sweep
from rectify.states.stages import OPEN_STAGES, Stage
from rectify.store import Database
from rectify.store.outbox import SqlOutboxStore

EVERYTHING = {"stages": OPEN_FOR_REMINDERS, "progress_stages": PROGRESS_STAGES, "horizon": date.max,
              "progress_cutoff": date.max, "listed_before": date.max}


def _rolls() -> list[tuple[str, Callable[[date], date] | None]]:
    return [("no roll", None), ("working days", _roll(Config()))]


def test_the_candidates_give_every_item_on_the_demo(demo: Callable[..., Result], db: Database) -> None:
    """Each day from the demo's listing to a year on: the items of the candidates equal those of every open case
    (and the candidates are fewer on most days: the point of asking)."""
    policy = Config().policy
    fewer = 0
    with SqlOutboxStore(db).reading() as read:
        every = list(read.candidates(**EVERYTHING))
        assert every
        day = date(2026, 1, 1)
        while day <= date(2027, 6, 30):
            for _, roll in _rolls():
                asked = list(read.candidates(**candidate_args(day, policy, roll)))
                assert sweep(day, asked, policy, roll=roll) == sweep(day, every, policy, roll=roll), day
                fewer += len(asked) < len(every)
            day += timedelta(days=3)
    assert fewer > 100


@pytest.mark.parametrize("seed", range(3))
def test_the_candidates_give_every_progress_item(seed: int) -> None:
    """Cases listed and reporting on every kind of day around the due days (the day itself, the day before and
    after, a month's first and last, none at all): the monthly report's items are the same from the candidates."""
    rng = random.Random(seed)
    policy = Config().policy
    start = date(2026, 1, 1)
    cases = []
    for k in range(1, 1500):
        listed = start + timedelta(days=rng.randrange(0, 300))
        last = None if rng.random() < 0.3 else listed + timedelta(days=rng.randrange(0, 200))
        stage = rng.choice([s for s in OPEN_STAGES if s != Stage.rectified])
        far = date(2030, 1, 1)  # no due day near: only the monthly report can make an item
        cases.append(Candidate(k, str(stage), far, listed, far, rng.random() < 0.2, last, f"村{k}", f"C{k}", "镇"))
    store = MemoryOutboxStore(cases=cases)
    made = 0
    for offset in range(0, 400):
        day = start + timedelta(days=offset)
        for _, roll in _rolls():
            every: Any = store.candidates(**EVERYTHING)
            asked = store.candidates(**candidate_args(day, policy, roll))
            expected = sweep(day, every, policy, roll=roll)
            assert sweep(day, asked, policy, roll=roll) == expected, (day, roll)
            assert len(asked) < len(every)
            made += len(expected)
    assert made > 10_000
