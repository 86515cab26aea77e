"""The Party statistics form (SPEC §6.1): the statistical year, a hand-built county with known answers in
each of the 26 columns (golden file), and the table-logic checks that refuse a sheet that breaks them."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from rectify.config import Config, ReportConfig
from rectify.errors import Refused
from rectify.reports.stats import compute_stats
from rectify.reports.stats_form import FORM_COLUMNS, check_form
from rectify.store import Database
from rectify.write.engine import Workflow

from .conftest import FakeClock, pass_and_strike_off

Run = Callable[..., Result]
GOLDEN = Path(__file__).parent / "golden" / "form_known.json"


def ok(result: Result) -> Result:
    assert result.exit_code == 0, result.output
    return result


def _case(wf: Workflow, clock: FakeClock, code: str, kind: str, identified: date, problems: list[str], *, unit: str = "县财政局",
          leader: str = "李县长", secretary: str | None = "first", poor: bool = False) -> int:
    wf.add_org(code, f"{code}党组织", kind=kind, county="青山县", township="河口镇", poor_village=poor)
    clock.set_day(identified.isoformat())  # each step recorded on its day, as officers do
    case_id = wf.open_case(code, problems=problems, identified_on=identified,
                           deadline=date(identified.year, 12, 31),
                           village_secretary="缺配" if secretary == "village" else "").case_id
    wf.plan(case_id, measures=[(problems, "建强班子", "王建国", date(identified.year, 11, 30))], county_leader=leader,
            township_cadre="张干部", helping_unit=unit)
    clock.set_day(identified.replace(day=identified.day + 5).isoformat())
    since = identified.replace(day=identified.day + 5)
    if secretary == "first":
        wf.assign_secretary(case_id, name=f"{code}书记", unit=unit or "县直单位", since=since)
    elif secretary == "village":  # the organization's own secretary, chosen (选配) after a vacancy at listing
        wf.village_secretary(case_id, name=f"{code}书记", since=since, action="选配", source="本村致富能人")
    return case_id


def _county(wf: Workflow, clock: FakeClock) -> None:
    """A county whose answers are known: see tests/golden/form_known.json."""
    _case(wf, clock, "V1", "village", date(2026, 1, 10), ["P01", "P10"], poor=True)
    old = _case(wf, clock, "V2", "village", date(2025, 6, 1), ["P03"])  # the 2025 cohort, struck off in 2026
    clock.set_day("2026-03-10")
    wf.complete_measure(old, 1, on=date(2025, 11, 20))
    wf.mark_rectified(old, on=date(2025, 12, 1), self_check="乡镇初验合格")
    pass_and_strike_off(wf, old, date(2026, 2, 1))  # verified and struck off (销号) in 2026
    _case(wf, clock, "V3", "village", date(2026, 2, 1), ["P02"], unit="", secretary="village")
    _case(wf, clock, "C1", "community", date(2026, 1, 5), ["P04", "P10"])
    _case(wf, clock, "S1", "soe", date(2026, 1, 8), ["P05"], secretary=None)  # 总计 only
    clock.set_day("2026-03-10")
    wf.add_org("V4", "V4党组织", kind="village", county="青山县", township="河口镇")
    gone = wf.open_case("V4", problems=["P06"], identified_on=date(2026, 1, 3)).case_id
    wf.withdraw(gone, reason="复核误判")


def _by_header(form: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["row"]: {c["header"]: "人工填报" if r["values"][c["key"]] is None else r["values"][c["key"]]
                       for c in form["columns"]} for r in form["rows"]}


def test_a_county_with_known_answers(wf: Workflow, clock: FakeClock, db: Database) -> None:
    _county(wf, clock)
    config = Config(report=ReportConfig(poor_village_label="脱贫村", unit="中共青山县委组织部"))
    form = compute_stats(db, as_of=date(2026, 3, 10), config=config)["form"]
    assert len(form["columns"]) == 26
    assert form["year"] == 2026 and form["period"].startswith("报告期：2026年1月1日至2026年12月31日")
    assert _by_header(form) == json.loads(GOLDEN.read_text(encoding="utf-8"))["2026"]
    assert form["report"]["unit"] == "中共青山县委组织部" and form["report"]["date"] == "2026-03-10"
    last_year = _by_header(compute_stats(db, as_of=date(2026, 3, 10), config=config, year=2025)["form"])["总计"]
    assert (last_year["排查软弱涣散基层党组织"], last_year["整顿提升基层党组织"]) == (1, 0)
    assert last_year["属于班子不团结、内耗严重、工作不能正常开展的"] == 1


def test_the_official_headers_word_for_word() -> None:
    headers = [c.header for c in FORM_COLUMNS]
    assert headers[13:19] == ["年初缺配的软弱涣散基层党组织书记数", "本年度已选配", "年初需调整的软弱涣散基层党组织书记数",
                              "本年度已调整", "培训软弱涣散基层党组织书记", "参加县级及以上培训"]
    assert all(h.startswith("属于") and h.endswith("的") for h in headers[3:13])


def test_the_demo_years_pass_the_checks(demo: Run) -> None:
    """The issue: 整顿提升 counts the seven struck off in their year, last year's cohort now in its 巩固期
    (2025; the relapse's first case among them); both years pass the table logic."""
    for year, converted in (("2026", 0), ("2025", 20)):
        data = json.loads(ok(demo("stats", "--as-of", "2026-06-30", "--year", year, "--format", "json")).stdout)
        rows = {r["row"]: r["values"] for r in data["form"]["rows"]}
        assert rows["总计"]["converted"] == converted
        for c in data["form"]["columns"]:
            if not c["manual"]:
                assert rows["总计"][c["key"]] >= rows["村"][c["key"]] + rows["社区"][c["key"]]
    text = ok(demo("stats", "--as-of", "2026-06-30")).stdout
    assert "报告期：2026年1月1日至2026年12月31日" in text and "填报单位（盖章）" in text and "填报日期：2026-06-30" in text


def _form(wf: Workflow, clock: FakeClock, db: Database) -> dict[str, Any]:
    _county(wf, clock)
    return compute_stats(db, as_of=date(2026, 3, 10), config=Config())["form"]


def test_a_total_below_its_parts_is_refused(wf: Workflow, clock: FakeClock, db: Database) -> None:
    form = copy.deepcopy(_form(wf, clock, db))
    form["rows"][0]["values"]["helping_units"] = 1
    with pytest.raises(Refused) as e:
        check_form(form)
    assert str(e.value) == "统计表未通过表内逻辑校验：总计行「结对帮扶单位（个）」为 1，小于 村 + 社区 之和 2"


def test_more_struck_off_than_listed_and_carried_is_refused(wf: Workflow, clock: FakeClock, db: Database) -> None:
    form = copy.deepcopy(_form(wf, clock, db))
    form["rows"][0]["values"]["converted"] = 3
    form["rows"][2]["values"]["converted"] = 2
    with pytest.raises(Refused) as e:
        check_form(form)
    assert str(e.value) == ("统计表未通过表内逻辑校验：社区行「整顿提升基层党组织」为 2，多于 排查 1 + 上年结转在办 0 = 1")
