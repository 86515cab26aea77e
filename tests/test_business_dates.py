"""Every step dated by the business day (SPEC §3): a county that enters its year late, in December, with the
days things happened, gives the same past day as one that entered each step on the day."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from rectify.cli import cli

from .conftest import ACTOR, FakeClock, second_database_url

Run = Callable[..., Result]

LATE = "2026-12-07"
# (the day it happened, the command); the on-time county types each on its day, the late one in December.
YEAR: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("2026-03-10", ("case", "open", "V001", "--problem", "P01:书记空缺", "--problem", "P10", "--identified",
                    "2026-03-10", "--deadline", "2026-12-31")),
    ("2026-03-10", ("case", "open", "V002", "--problem", "P04", "--identified", "2026-03-10", "--deadline",
                    "2026-12-31")),
    ("2026-03-10", ("case", "open", "V003", "--problem", "P07", "--identified", "2026-03-10")),
    ("2026-03-20", ("case", "plan", "V001", "--on", "2026-03-20", "--measure", "P01|配齐村两委班子|王建国|2026-05-31",
                    "--measure", "P10|建立代办点|李华|2026-09-30", "--county-leader", "李县长",
                    "--township-cadre", "张干部")),
    ("2026-03-25", ("case", "assign-secretary", "V001", "--name", "陈海涛", "--unit", "县财政局", "--since",
                    "2025-05-01", "--term-until", "2027-04-30")),
    ("2026-03-25", ("case", "plan", "V002", "--on", "2026-03-25", "--measure", "P04|规范三会一课|赵明|2026-06-15",
                    "--county-leader", "李县长", "--township-cadre", "孙干部")),
    ("2026-04-10", ("case", "extend", "V002", "--on", "2026-04-10", "--to", "2027-03-31", "--reason", "换届推迟",
                    "--approved-by", "县委组织部部务会")),
    ("2026-04-15", ("case", "withdraw", "V003", "--on", "2026-04-15", "--reason", "复核后不属于软弱涣散")),
    ("2026-05-05", ("case", "revise-plan", "V002", "--on", "2026-05-05", "--measure",
                    "P04|召开专题组织生活会|赵明|2026-07-15")),
    ("2026-05-20", ("case", "measure-done", "V001", "1", "--on", "2026-05-20")),
    ("2026-05-20", ("case", "village-secretary", "V002", "--name", "周强", "--since", "2026-05-20", "--action", "选配",
                    "--source", "本村致富能手")),
    ("2026-05-31", ("case", "progress", "V001", "--on", "2026-05-31", "--note", "五月进展")),
    ("2026-11-30", ("case", "progress", "V002", "--on", "2026-11-30", "--note", "十一月进展")),
)


@pytest.fixture
def second_run(request: pytest.FixtureRequest, db_url: str, tmp_path: Path, clock: FakeClock) -> Run:
    """``rectify`` on a second fresh database of the same backend."""
    url = second_database_url(request, db_url, tmp_path, "late")

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(cli, ["--db", url, "--actor", ACTOR, *args], catch_exceptions=False,
                                  env={"RECTIFY_NOW": clock.now.isoformat(), "RECTIFY_CONFIG": ""})

    return invoke


def _county(run: Run, clock: FakeClock, late: bool) -> None:
    clock.set_day("2026-03-01")
    for code, name in (("V001", "河口镇王家庄村党支部"), ("V002", "河口镇李家湾村党支部"), ("V003", "河口镇张家村党支部")):
        assert run("org", "add", code, name, "--kind", "village", "--county", "青山县", "--township",
                   "河口镇").exit_code == 0
    for day, args in YEAR:
        clock.set_day(LATE if late else day)
        result = run(*args)
        assert result.exit_code == 0, (args, result.output)
    clock.set_day(LATE)


def _ledger(run: Run, day: str) -> list[dict[str, object]]:
    result = run("ledger", "--as-of", day, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["cases"]


def test_a_year_entered_late_gives_the_same_past(run: Run, clock: FakeClock, db_url: str,
                                                 second_run: Run) -> None:
    _county(run, clock, late=False)
    _county(second_run, clock, late=True)
    for day in ("2026-03-15", "2026-04-30", "2026-06-30"):
        assert _ledger(second_run, day) == _ledger(run, day)
    stats = [r("stats", "--as-of", "2026-06-30", "--format", "json") for r in (run, second_run)]
    assert stats[0].exit_code == 0 and stats[0].output == stats[1].output
    rows = {r["org_code"]: r for r in _ledger(second_run, "2026-06-30")}
    assert rows["V001"]["stage"] == "secretary_assigned" and rows["V001"]["light"] != "red"
    assert rows["V002"]["deadline"] == "2027-03-31" and rows["V003"]["stage"] == "withdrawn"


def test_history_shows_the_business_date_first(run: Run, clock: FakeClock) -> None:
    _county(run, clock, late=True)
    result = run("case", "history", "V002")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split()[:6] == ["日期", "操作人", "录入时间", "操作", "阶段", "原因"]
    opened = next(line for line in lines if "列入整顿" in line)
    assert opened.startswith("2026-03-10") and "2026-12-07" in opened and "P04" in opened
    extended = next(line for line in lines if "延长转化时限" in line)
    assert extended.startswith("2026-04-10") and "换届推迟" in extended
    data = json.loads(run("case", "history", "V002", "--format", "json").output)
    assert [r["on"] for r in data][:3] == ["2026-03-10", "2026-03-25", "2026-04-10"]
