"""``stats`` read from the current tables (nothing dated after the day) equals ``stats`` rebuilt from the history."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from click.testing import Result

from rectify.config import Config, LightsConfig
from rectify.reports import stats
from rectify.reports.snapshot import needs_rebuild
from rectify.reports.stats import compute_stats
from rectify.store import Database
from rectify.store.ledger import LedgerFilter
from rectify.write.engine import Workflow

from .conftest import FakeClock, add_org
from .test_stats_form import _county


def _both(db: Database, monkeypatch: pytest.MonkeyPatch, **kw: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """compute_stats by the tables (its own choice here) and forced through the history replay."""
    assert not needs_rebuild(db, kw["as_of"], kw.get("known_on"), kw["config"])
    fast = compute_stats(db, **kw)
    with monkeypatch.context() as m:
        m.setattr(stats, "needs_rebuild", lambda *a: True)
        slow = compute_stats(db, **kw)
    return fast, slow


def test_the_demo_counts_the_same_from_the_tables(demo: Callable[..., Result], db: Database,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    config = Config()
    for year in (2025, 2026):
        fast, slow = _both(db, monkeypatch, as_of=date(2026, 6, 30), config=config, year=year)
        assert fast == slow
        assert fast["total"] > 0 and any(fast["form"]["rows"][0]["values"].values())
    for f in (LedgerFilter(light="red"), LedgerFilter(township="河口镇"), LedgerFilter(kind="community"),
              LedgerFilter(open_only=True)):
        fast, slow = _both(db, monkeypatch, as_of=date(2026, 6, 30), config=config, filters=f)
        assert fast == slow, f
    for lights in (LightsConfig(yellow=0.5, orange=0.25), LightsConfig(yellow=1.0, orange=0.0)):
        fast, slow = _both(db, monkeypatch, as_of=date(2026, 6, 30), config=Config(lights=lights))
        assert fast == slow, lights
    for day in (date(2026, 12, 31), date(2027, 1, 5), date(2027, 3, 20)):  # a new statistical year: carried in
        fast, slow = _both(db, monkeypatch, as_of=day, config=config)  # what was not struck off (销号) before it
        assert fast == slow, day
    assert fast["form"]["carried_in"]["总计"] > 0
    red = compute_stats(db, as_of=date(2026, 6, 30), config=config, filters=LedgerFilter(light="red"))
    assert red["form"] is None and red["overdue"]


def test_a_hand_built_county_counts_the_same_from_the_tables(wf: Workflow, clock: FakeClock, db: Database,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    _county(wf, clock)
    case_id = wf.open_case("V4", problems=["P07"], identified_on=date(2026, 3, 10)).case_id
    wf.work_team(case_id, name="驻村队员甲", on=date(2026, 3, 10), unit="县农业局")
    config = Config()
    for year in (2025, 2026):
        fast, slow = _both(db, monkeypatch, as_of=date(2026, 3, 10), config=config, year=year)
        assert fast == slow
    for day in (date(2026, 5, 1), date(2026, 12, 31), date(2027, 1, 20)):  # the lights move with the day
        fast_later, slow_later = _both(db, monkeypatch, as_of=day, config=config)
        assert fast_later == slow_later, day
        assert fast_later["by_light"] != fast["by_light"] or day == date(2026, 5, 1)
    values = fast["form"]["rows"][0]["values"]  # 2026, the 总计 row, read from the tables
    assert values["village_cadres"] == 1 and values["secretaries_missing"] == 1
    assert values["secretaries_selected"] == 1 and values["first_secretaries"] == 2  # V1, C1 (V2 is the 2025 cohort)


def test_the_summary_and_the_form_count_one_statistical_year(demo: Callable[..., Result], db: Database) -> None:
    """转化率 of the summary is the form's: 整顿提升 over 排查 plus the cases carried in, for the year asked."""
    for year in (2025, 2026):
        s = compute_stats(db, as_of=date(2026, 6, 30), config=Config(), year=year)
        total = s["form"]["rows"][0]["values"]
        conv = s["conversion"]
        assert (conv["year"], conv["identified"], conv["converted"], conv["carried_in"]) == (
            year, total["identified"], total["converted"], s["form"]["carried_in"]["总计"])
        base = conv["identified"] + conv["carried_in"]
        assert conv["rate"] == (round(conv["converted"] / base, 4) if base else None)


def test_a_secretary_chosen_through_a_measure_is_counted(wf: Workflow, db: Database, clock: FakeClock,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    add_org(wf)
    add_org(wf, "V002", "河口镇李家湾村党支部")
    for code in ("V001", "V002"):
        case_id = wf.open_case(code, problems=["P01"], identified_on=date(2026, 3, 1), deadline=date(2026, 12, 31),
                               village_secretary="缺配").case_id
        wf.plan(case_id, measures=[(["P01"], "从本村致富能手中选配村党组织书记", "王建国", date(2026, 6, 30))],
                county_leader="李县长", township_cadre="张干部", on=date(2026, 3, 5))
    wf.complete_measure(1, 1, on=date(2026, 3, 9))  # chosen through the measure
    wf.assign_secretary(2, name="陈海涛", unit="县财政局", since=date(2026, 3, 9))
    wf.village_secretary(2, name="周强", since=date(2026, 3, 9), action="选配", source="本村致富能手")
    wf.complete_measure(2, 1, on=date(2026, 3, 10))  # recorded on the track too: counted once
    fast, slow = _both(db, monkeypatch, as_of=date(2026, 3, 10), config=Config(), year=2026)
    assert fast == slow
    assert fast["form"]["rows"][0]["values"]["secretaries_selected"] == 2
