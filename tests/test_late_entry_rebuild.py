"""A plan entered late (dated the day it is typed) and an application dated before it: the day rebuilt from the
history equals the stored one — the application's own day is the 申请验收 date, not the event's later date."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from click.testing import Result

from rectify.config import Config
from rectify.reports.ledger import ledger_rows
from rectify.store import Database
from tests.conftest import FakeClock


def test_an_application_dated_before_a_late_plan_rebuilds_as_stored(run: Callable[..., Result], db: Database,
                                                                     clock: FakeClock) -> None:
    clock.set_day("2026-06-30")
    for args in (("org", "add", "V1", "河口镇王家庄村党支部", "--kind", "village", "--county", "青山县",
                  "--township", "河口镇"),
                 ("case", "open", "V1", "--problem", "P01", "--identified", "2026-03-01", "--deadline", "2026-12-31"),
                 ("case", "plan", "1", "--measure", "P01|配齐村两委班子|王建国|2026-06-30", "--county-leader", "李县长",
                  "--township-cadre", "张干部"),
                 ("case", "assign-secretary", "1", "--name", "陈海涛", "--unit", "县财政局", "--since", "2026-03-09"),
                 ("case", "measure-done", "1", "1", "--on", "2026-05-20"),
                 ("case", "rectified", "1", "--on", "2026-06-01", "--self-check", "整改到位")):
        assert run(*args).exit_code == 0, args
    last = date(2100, 12, 31)
    stored = list(ledger_rows(db, as_of=last, config=Config(), rebuild=False).dicts())
    assert stored[0]["next_due"] == "2026-07-01"  # 申请验收 06-01 + verify_due_days (30)
    assert list(ledger_rows(db, as_of=last, config=Config(), rebuild=True).dicts()) == stored
