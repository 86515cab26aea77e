"""Tasks (待办事项, SPEC §4) and the notices that name them (SPEC §5)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import Result

from rectify.config import Config, PolicyConfig, ReportConfig, SupervisorsConfig
from rectify.notifications.outbox import run_sweep
from rectify.notifications.policy import CaseRow, sweep
from rectify.notifications.render import Renderer, chinese_date, salutation
from rectify.reports.cases import show_case
from rectify.states.deadlines import light_reason_of
from rectify.states.roles import Role
from rectify.states.tasks import BY_STAGE, TASKS, report_period, task_due
from rectify.store import Database
from rectify.store.outbox import SqlOutboxStore
from rectify.write.engine import Workflow

from .conftest import FakeClock, add_org, walk

Run = Callable[..., Result]


def ok(result: Result) -> Result:
    assert result.exit_code == 0, result.output
    return result

POLICY = PolicyConfig()
IDENTIFIED, DEADLINE = date(2026, 3, 1), date(2026, 12, 31)
REPORT = ReportConfig(unit="中共青山县委组织部", plan_title="《青山县整顿软弱涣散基层党组织工作方案》",
                      phone="0797-1234567", contact="组织二科 钱明远")


def test_every_open_stage_has_one_task_with_a_role() -> None:
    assert [t.stage for t in TASKS] == ["identified", "ledger_created", "secretary_assigned", "rectified"]
    assert {str(t.role) for t in TASKS} <= {str(r) for r in Role}
    assert len({t.code for t in TASKS}) == len(TASKS)


@pytest.mark.parametrize(
    ("stage", "rectified_on", "code", "label", "due"),
    [
        ("identified", None, "plan", "制定整顿方案", IDENTIFIED + timedelta(days=15)),
        ("ledger_created", None, "assign_secretary", "选派第一书记", IDENTIFIED + timedelta(days=30)),
        ("secretary_assigned", None, "apply", "完成整改并申请验收", DEADLINE),
        ("rectified", date(2026, 10, 1), "verify", "组织验收", date(2026, 10, 31)),
        ("rectified", date(2026, 12, 20), "verify", "组织验收", date(2027, 1, 19)),
        ("rectified", date(2027, 2, 1), "verify", "组织验收", DEADLINE + timedelta(days=30)),
    ],
)
def test_task_and_its_due_per_stage(stage: str, rectified_on: date | None, code: str, label: str, due: date) -> None:
    assert (BY_STAGE[stage].code, BY_STAGE[stage].label) == (code, label)
    assert task_due(stage, cycle_start=IDENTIFIED, deadline=DEADLINE, rectified_on=rectified_on, policy=POLICY) == due


@pytest.mark.parametrize("stage", ["verified", "withdrawn"])
def test_closed_cases_have_no_task(stage: str) -> None:
    assert task_due(stage, cycle_start=IDENTIFIED, deadline=DEADLINE, rectified_on=None, policy=POLICY) is None
    assert light_reason_of(stage, stage_since=IDENTIFIED, stage_due_on=None, cycle_start=IDENTIFIED,
                           deadline=DEADLINE, as_of=IDENTIFIED, lights=Config().lights) == (None, "")


@pytest.mark.parametrize(
    ("stage", "due", "as_of", "light", "reason"),
    [
        ("ledger_created", date(2026, 3, 31), date(2026, 3, 10), "green", ""),
        ("ledger_created", date(2026, 3, 31), date(2026, 4, 10), "red", "待办「选派第一书记」已逾期 10 天"),
        ("ledger_created", date(2026, 3, 31), date(2026, 3, 29), "orange", "待办「选派第一书记」仅剩 2 天"),
        # the task is in time, the conversion deadline is near: the deadline gives the light
        ("secretary_assigned", date(2026, 12, 31), date(2026, 12, 20), "orange", "待办「完成整改并申请验收」仅剩 11 天"),
        ("identified", date(2027, 6, 30), date(2026, 12, 20), "orange", "转化时限仅剩 11 天"),
        ("identified", date(2027, 1, 28), date(2027, 1, 5), "red", "转化时限已逾期 5 天"),
    ],
)
def test_light_reason_names_the_worse_window(stage: str, due: date, as_of: date, light: str, reason: str) -> None:
    got = light_reason_of(stage, stage_since=IDENTIFIED, stage_due_on=due, cycle_start=IDENTIFIED, deadline=DEADLINE,
                          as_of=as_of, lights=Config().lights)
    assert (got[0], got[1]) == (light, reason)


def test_case_show_names_the_task_at_every_stage(wf: Workflow, db: Database, clock: FakeClock) -> None:
    add_org(wf)
    config = Config()
    case = wf.open_case("V001", problems=["P01"], identified_on=IDENTIFIED, deadline=DEADLINE).case_id
    shown = show_case(db, case, as_of=date(2026, 3, 20), config=config)
    assert (shown["task"], shown["task_label"], shown["next_due"], shown["days_left"]) == \
        ("plan", "制定整顿方案", "2026-03-16", -4)
    assert shown["deadline_days"] == (DEADLINE - date(2026, 3, 20)).days
    assert (shown["light"], shown["light_reason"]) == ("red", "待办「制定整顿方案」已逾期 4 天")


def test_ledger_columns_show_the_task(wf: Workflow, clock: FakeClock, run: Run) -> None:
    import json

    add_org(wf)
    walk(wf, clock, "V001", "ledger_created")
    rows = json.loads(ok(run("ledger", "--as-of", "2026-04-02", "--format", "json")).stdout)["cases"]
    r = rows[0]
    assert (r["task"], r["task_label"], r["next_due"], r["days_left"]) == \
        ("assign_secretary", "选派第一书记", "2026-03-31", -2)
    assert r["deadline_days"] == (DEADLINE - date(2026, 4, 2)).days
    assert (r["light"], r["light_reason"]) == ("red", "待办「选派第一书记」已逾期 2 天")
    import csv
    import io

    text = ok(run("ledger", "--as-of", "2026-04-02", "--format", "csv")).stdout.lstrip("\ufeff")
    head, line = list(csv.reader(io.StringIO(text)))[:2]  # the measure detail is a multi-line cell
    cells = {k: v.lstrip("\u2060") for k, v in zip(head, line, strict=True)}
    assert cells["当前待办"] == "选派第一书记" and cells["待办时限"] == "2026-03-31"
    assert cells["待办剩余天数"] == "-2" and cells["距转化时限（天）"] == str(r["deadline_days"])
    assert cells["预警原因"] == "待办「选派第一书记」已逾期 2 天" and cells["预警"] == "红"


def test_ics_has_one_event_for_the_task_and_one_for_the_deadline(
        wf: Workflow, clock: FakeClock, run: Run, tmp_path: Path) -> None:
    from icalendar import Calendar

    add_org(wf)
    case = walk(wf, clock, "V001", "ledger_created")
    path = tmp_path / "a.ics"
    ok(run("ledger", "--as-of", "2026-03-20", "--format", "ics", "-o", str(path)))
    events = {str(e["UID"]).split("@")[0]: e for e in Calendar.from_ical(path.read_bytes()).walk("VEVENT")}
    assert set(events) == {f"case-{case}-task", f"case-{case}-deadline"}
    task = events[f"case-{case}-task"]
    assert str(task["SUMMARY"]) == "【选派第一书记】河口镇王家庄村党支部" and task["DTSTART"].dt == date(2026, 3, 31)
    assert str(events[f"case-{case}-deadline"]["SUMMARY"]).startswith("【转化时限】")


# -- the monthly report -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("as_of", "day", "due"),
    [(date(2026, 11, 24), 5, date(2026, 12, 5)), (date(2026, 12, 5), 5, date(2026, 12, 5)),
     (date(2026, 12, 6), 5, date(2027, 1, 5)), (date(2026, 12, 20), 10, date(2027, 1, 10))],
)
def test_monthly_report_due_by_the_day_of_the_next_month(as_of: date, day: int, due: date) -> None:
    assert report_period(as_of, day)[1] == due


def _progress(as_of: date, last: date | None, day: int = 5) -> list[tuple[date, int, int]]:
    row = CaseRow(case_id=1, stage="ledger_created", stage_since=date(2026, 3, 16), stage_due=date(2026, 12, 31),
                  cycle_start=IDENTIFIED, deadline=date(2027, 12, 31), last_progress_on=last)
    return [(i.due_on, i.offset_days, i.days_left) for i in sweep(as_of, [row], PolicyConfig(monthly_report_day=day))
            if i.kind == "progress"]


def test_monthly_report_reminder_and_overdue() -> None:
    # November's report, due 12-05: a reminder in the 7-day window when none came since 11-05
    assert _progress(date(2026, 11, 30), date(2026, 11, 3)) == [(date(2026, 12, 5), 7, 5)]
    assert _progress(date(2026, 11, 30), date(2026, 11, 20)) == []
    # none by the day: overdue, weekly
    assert _progress(date(2026, 12, 6), date(2026, 11, 3)) == [(date(2026, 12, 5), -1, -1)]
    assert _progress(date(2026, 12, 13), date(2026, 11, 3)) == [(date(2026, 12, 5), -8, -8)]
    # a late report ends the alerts
    assert _progress(date(2026, 12, 13), date(2026, 12, 10)) == []
    # the day is the county's
    assert _progress(date(2026, 12, 8), date(2026, 11, 3), day=10) == [(date(2026, 12, 10), 3, 2)]


# -- notices ------------------------------------------------------------------------------------------


def test_salutation_and_chinese_date() -> None:
    assert salutation("张秀英") == "张秀英同志" and salutation("") == "各位同志"
    assert salutation("林正清（县委副书记）") == "林正清同志" and salutation("邵云峰(县委常委、组织部部长)") == "邵云峰同志"
    assert chinese_date(date(2026, 11, 24)) == "2026年11月24日"


def _config() -> Config:
    return Config(report=REPORT, supervisors=SupervisorsConfig(county=("county.sup@example.cn",)))


def test_digest_is_a_notice(wf: Workflow, db: Database, clock: FakeClock) -> None:
    add_org(wf)
    walk(wf, clock, "V001", "ledger_created")  # 选派第一书记 due 2026-03-31
    as_of = date(2026, 3, 28)
    result = run_sweep(SqlOutboxStore(db), _config(), as_of=as_of, now=clock.now, renderer=Renderer(report=REPORT),
                       dry_run=True)
    texts = {d["recipient"]: d["body_text"] for d in result.digests}
    officer = texts["officer@example.cn"]
    assert officer.startswith("赵经办同志：\n")
    assert "根据《青山县整顿软弱涣散基层党组织工作方案》" in officer
    assert "应办事项：选派第一书记\n" in officer and "时限：2026年3月31日；剩余 3 天" in officer
    assert "办理要求：" in officer and "rectify" not in officer
    assert officer.rstrip().endswith("中共青山县委组织部\n2026年3月28日")
    assert "\u7acb\u6848" not in officer and "\u6848\u4f8b" not in officer  # officers' words only
    # the county leader hears of nothing that is not overdue, except the monthly 专报
    leader = texts["leader@example.cn"]
    assert "联系整顿对象月度专报" in leader and "近期应办事项" not in leader
    assert "应办事项：选派第一书记" in leader and "2026年3月31日；剩余 3 天" in leader


def test_copies_go_to_the_officer_and_the_brief_comes_once_a_month(
        wf: Workflow, db: Database, clock: FakeClock) -> None:
    add_org(wf)
    walk(wf, clock, "V001", "secretary_assigned")  # 完成整改并申请验收 by the deadline 2026-12-31
    store = SqlOutboxStore(db)
    renderer = Renderer(report=REPORT)
    first = run_sweep(store, _config(), as_of=date(2026, 12, 24), now=clock.now, renderer=renderer)
    texts = {d["recipient"]: d["body_text"] for d in first.digests}
    assert "应办事项：完成整改并申请验收\n" in texts["cadre@example.cn"]
    assert "应办事项：完成整改并申请验收（抄送）" in texts["officer@example.cn"]
    assert "联系整顿对象月度专报" in texts["leader@example.cn"]
    again = run_sweep(store, _config(), as_of=date(2026, 12, 27), now=clock.now, renderer=renderer)
    assert "leader@example.cn" not in {d["recipient"] for d in again.digests}
    overdue = run_sweep(store, _config(), as_of=date(2027, 1, 2), now=clock.now, renderer=renderer)
    leader = {d["recipient"]: d["body_text"] for d in overdue.digests}["leader@example.cn"]
    assert "逾期未办事项" in leader and "已逾期 2 天" in leader and "联系整顿对象月度专报" in leader
