"""Lights that see measures (SPEC §4): an open measure past its due date makes the case red, and 预警原因
names it, alike in the ledger, the case list and show, and the statistics, from the tables or rebuilt."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date

from click.testing import Result

from rectify.config import Config
from rectify.reports.stats import compute_stats
from rectify.store import Database
from rectify.write.engine import Workflow

from .conftest import FakeClock, add_org, walk

Run = Callable[..., Result]
REASON = "整改措施逾期未完成（最早一项已逾期 5 天）"


def _everywhere(run: Run, db: Database, day: str) -> tuple[object, ...]:
    ledger = json.loads(run("ledger", "--as-of", day, "--format", "json").output)["cases"]
    listed = json.loads(run("case", "list", "--as-of", day, "--format", "json").output)
    shown = json.loads(run("case", "show", "1", "--as-of", day, "--format", "json").output)
    stats = compute_stats(db, as_of=date.fromisoformat(day), config=Config())
    red = [o for o in stats["overdue"] if o["case_id"] == 1]
    return ((ledger[0]["light"], ledger[0]["light_reason"]), listed[0]["light"], (shown["light"], shown["light_reason"]),
            red[0]["days_overdue"] if red else None)


def test_one_overdue_measure_makes_the_case_red_everywhere(wf: Workflow, db: Database, clock: FakeClock,
                                                           run: Run) -> None:
    add_org(wf)
    walk(wf, clock, "V001", "secretary_assigned")  # measures due 06-30 and 09-30, deadline 12-31
    clock.set_day("2026-07-05")
    assert _everywhere(run, db, "2026-06-30") == (("green", ""), "green", ("green", ""), None)
    assert _everywhere(run, db, "2026-07-05") == (("red", REASON), "red", ("red", REASON), 5)
    # Done on 07-06: red on 07-05 as it stood (rebuilt), green from 07-06.
    clock.set_day("2026-07-08")
    wf.complete_measure(1, 1, on=date(2026, 7, 6))
    assert _everywhere(run, db, "2026-07-05") == (("red", REASON), "red", ("red", REASON), 5)
    assert _everywhere(run, db, "2026-07-08")[1] == "green"


def test_the_stats_count_it_red(wf: Workflow, db: Database, clock: FakeClock) -> None:
    add_org(wf)
    walk(wf, clock, "V001", "secretary_assigned")
    stats = compute_stats(db, as_of=date(2026, 7, 5), config=Config())
    assert [x for x in stats["by_light"] if x["count"]] == [{"light": "red", "label": "红", "count": 1}]
    assert [t["overdue"] for t in stats["by_township"]] == [1]
