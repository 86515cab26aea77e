"""The working-day calendar (SPEC §4, §11 [calendar]): 公示 counts 工作日 over holidays and 调休, due dates on a
rest day move to the next working day, a year the package does not know comes from the county's own file."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from click.testing import Result

from rectify.config import CalendarConfig, Config, ConfigError, load_config
from rectify.errors import Refused
from rectify.states.deadlines import stage_due
from rectify.states.stages import Stage
from rectify.states.tasks import report_period
from rectify.states.workdays import PUBLICITY, work_calendar
from rectify.store import Database
from rectify.write.engine import Workflow

from .conftest import APPROVER, VERIFIER, FakeClock, add_org, snapshot, walk

Run = Callable[..., Result]
CAL = work_calendar(Config())


@pytest.mark.parametrize(("verified", "until"), [
    ("2026-09-29", "2026-10-12"),  # 9-30, then 国庆 10-01…07, 10-08, 10-09, 10-10 (Saturday, 调休), 10-12
    ("2026-10-20", "2026-10-27"),  # Tuesday: five working days, not five calendar days
    ("2026-04-25", "2026-05-06"),  # Saturday, over 劳动节
    ("2026-03-10", "2026-03-17"),
])
def test_publicity_counts_working_days(verified: str, until: str) -> None:
    assert CAL.add(PUBLICITY, date.fromisoformat(verified), 5) == date.fromisoformat(until)


def test_a_window_not_named_counts_calendar_days() -> None:
    cal = work_calendar(CalendarConfig(working_day_windows=()))
    assert cal.add(PUBLICITY, date(2026, 9, 29), 5) == date(2026, 10, 4)


def test_due_dates_on_a_rest_day_move_to_the_next_working_day() -> None:
    # 2026-12-05 is a Saturday: the November report is due Monday 12-07, and not late that day.
    assert report_period(date(2026, 12, 6), 5, CAL.next_working)[1] == date(2026, 12, 7)
    assert report_period(date(2026, 12, 7), 5, CAL.next_working)[1] == date(2026, 12, 7)
    assert report_period(date(2026, 12, 6), 5)[1] == date(2027, 1, 5)
    # 制定整顿方案: listed 09-20 (a 调休 Sunday) + 15 days = 10-05, in 国庆: due 10-08.
    policy = Config().policy
    due = stage_due(Stage.identified, cycle_start=date(2026, 9, 20), deadline=date(2026, 12, 31), rectified_on=None,
                    policy=policy, calendar=CAL)
    assert due == date(2026, 10, 8)
    off = work_calendar(CalendarConfig(roll_to_working_day=False))
    assert stage_due(Stage.identified, cycle_start=date(2026, 9, 20), deadline=date(2026, 12, 31), rectified_on=None,
                     policy=policy, calendar=off) == date(2026, 10, 5)


def test_publicity_over_national_day_with_the_cli(wf: Workflow, db: Database, clock: FakeClock, run: Run) -> None:
    add_org(wf)
    case = str(walk(wf, clock, "V001", "rectified"))
    clock.set_day("2026-09-29")
    out = run("--actor", VERIFIER, "case", "verify", case, "--on", "2026-09-29", "--by", "县委组织部验收组", "--member",
              VERIFIER, "--score", "88", "--satisfied", "40", "--basic", "5", "--dissatisfied", "1")
    assert out.exit_code == 0 and "公示至 2026-10-12" in out.output
    clock.set_day("2026-10-12")
    # On the last day an objection is still admissible, so no strike-off yet.
    before = snapshot(db)
    refused = run("--actor", APPROVER, "case", "strike-off", case, "--on", "2026-10-12", "--doc-no", "青组字〔2026〕9号")
    assert refused.exit_code == 1 and "公示期至 2026-10-12 才满，2026-10-13 起方可销号" in refused.stderr
    assert snapshot(db) == before
    assert run("case", "objection", case, "--on", "2026-10-12", "--text", "群众反映").exit_code == 0
    assert run("case", "objection", case, "--on", "2026-10-12", "--dismissed", "--note", "不属实").exit_code == 0
    clock.set_day("2026-10-13")
    done = run("--actor", APPROVER, "case", "strike-off", case, "--on", "2026-10-13", "--doc-no", "青组字〔2026〕9号")
    assert done.exit_code == 0, done.output


def test_a_year_not_known_is_refused_naming_it_then_added_from_a_file(wf: Workflow, db: Database, clock: FakeClock,
                                                                       tmp_path: Path) -> None:
    add_org(wf)
    case = walk(wf, clock, "V001", "rectified")
    clock.set_day("2027-03-10")
    verifier = Workflow(db, wf.config, actor=VERIFIER, clock=clock)
    before = snapshot(db)
    with pytest.raises(Refused, match="2027 年的节假日和调休安排尚未收录.*请在 \\[calendar\\] extra_days 文件中补充 2027 年"):
        verifier.verify(case, on=date(2027, 3, 10), by="验收组", members=[VERIFIER], score=88, satisfied=40,
                        basic=5, dissatisfied=1)
    assert snapshot(db) == before
    extra = tmp_path / "2027.txt"
    extra.write_text("# 2027 年放假安排\n2027-01-01 休 元旦\n2027-03-12 休 假设的假日\n2027-03-14 班 调休\n",
                     encoding="utf-8")
    config = replace(wf.config, calendar=replace(wf.config.calendar, extra_days=str(extra)))
    out = Workflow(db, config, actor=VERIFIER, clock=clock).verify(
        case, on=date(2027, 3, 10), by="验收组", members=[VERIFIER], score=88, satisfied=40, basic=5, dissatisfied=1)
    # 3-11 (Thu), 3-12 休, 3-14 (Sunday) 班, 3-15, 3-16, 3-17
    assert "公示至 2027-03-17" in out.message


def test_the_calendar_section_is_checked(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("2027-01-01 放假\n", encoding="utf-8")
    path = tmp_path / "rectify.toml"
    path.write_text(f'[calendar]\nextra_days = "{bad}"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="第 1 行"):
        load_config(path)
    path.write_text('[calendar]\nworking_day_windows = ["weekly"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="working_day_windows"):
        load_config(path)
