"""The 第一书记 track (SPEC §3 stage 3, issue 27): a 第一书记 may be assigned from 列入整顿 on, stage 3 is reached
when the plan is filed and the secretary in post in either order, a carried-over 第一书记 satisfies a relapsed
case; a late entry (the secretary typed before the plan, each with its date) gives the ledger of one entered
in order, and the day rebuilt from the history equals the stored one."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from rectify.cli import cli
from rectify.config import Config
from rectify.reports.ledger import ledger_rows
from rectify.states.stages import Stage
from rectify.store import Database
from rectify.write.engine import Workflow

from .conftest import ACTOR, FakeClock, add_org, second_database_url

Run = Callable[..., Result]

ORG = ("org", "add", "V001", "河口镇王家庄村党支部", "--kind", "village", "--county", "青山县", "--township", "河口镇")
OPEN = ("case", "open", "V001", "--problem", "P01", "--identified", "2026-03-10", "--deadline", "2026-12-31")
PLAN = ("case", "plan", "V001", "--on", "2026-03-20", "--measure", "P01|配齐村两委班子|王建国|2026-09-30",
        "--county-leader", "李县长", "--township-leader", "张书记")
ASSIGN = ("case", "assign-secretary", "V001", "--name", "陈海涛", "--unit", "县财政局", "--since", "2026-04-01")


@pytest.fixture
def second_run(request: pytest.FixtureRequest, db_url: str, tmp_path: Path, clock: FakeClock) -> Run:
    url = second_database_url(request, db_url, tmp_path, "late")

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(cli, ["--db", url, "--actor", ACTOR, *args], catch_exceptions=False,
                                  env={"RECTIFY_NOW": clock.now.isoformat(), "RECTIFY_CONFIG": ""})

    return invoke


def _ledger(run: Run, day: str) -> list[dict[str, object]]:
    result = run("ledger", "--as-of", day, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["cases"]


def _enter(run: Run, clock: FakeClock, steps: tuple[tuple[str, tuple[str, ...]], ...]) -> None:
    for day, args in steps:
        clock.set_day(day)
        result = run(*args)
        assert result.exit_code == 0, (args, result.output)


def test_secretary_entered_before_a_late_plan_gives_the_ledger_of_one_entered_in_order(
        run: Run, second_run: Run, clock: FakeClock) -> None:
    _enter(run, clock, (("2026-03-01", ORG), ("2026-03-10", OPEN), ("2026-03-20", PLAN), ("2026-04-01", ASSIGN)))
    # Late: in December, the secretary first (the case is still 列入整顿), then the plan with its March date.
    _enter(second_run, clock, (("2026-03-01", ORG), ("2026-12-07", OPEN), ("2026-12-07", ASSIGN),
                               ("2026-12-07", PLAN)))
    clock.set_day("2026-12-07")
    for day in ("2026-03-15", "2026-03-25", "2026-04-01", "2026-06-30", "2026-12-07"):
        assert _ledger(second_run, day) == _ledger(run, day), day
    rows = {day: _ledger(second_run, day)[0] for day in ("2026-03-25", "2026-06-30")}
    assert rows["2026-03-25"]["stage"] == Stage.ledger_created
    assert rows["2026-06-30"]["stage"] == Stage.secretary_assigned
    assert rows["2026-06-30"]["secretary"]["name"] == "陈海涛"  # type: ignore[index]


def test_plan_after_the_secretary_moves_to_stage_3_on_the_later_day(wf: Workflow, db: Database,
                                                                     clock: FakeClock) -> None:
    clock.set_day("2026-12-07")
    code = add_org(wf)
    case_id = wf.open_case(code, problems=["P01"], identified_on=date(2026, 3, 10), deadline=date(2026, 12, 31)).case_id
    out = wf.assign_secretary(case_id, name="陈海涛", unit="县财政局", since=date(2026, 4, 1))
    assert out.to_stage == Stage.identified  # before the plan: recorded, the case waits for its plan
    out = wf.plan(case_id, measures=[(["P01"], "配齐村两委班子", "王建国", date(2026, 9, 30))],
                  county_leader="李县长", township_leader="张书记", on=date(2026, 3, 20))
    assert out.to_stage == Stage.secretary_assigned
    stored = list(ledger_rows(db, as_of=date(2100, 1, 1), config=Config(), rebuild=False).dicts())
    rebuilt = list(ledger_rows(db, as_of=date(2100, 1, 1), config=Config(), rebuild=True).dicts())
    assert stored == rebuilt
    with db.connect() as conn:
        from rectify.store.cases import CaseStore

        assert CaseStore(conn).case(case_id).stage_since == date(2026, 4, 1)


def test_a_secretary_recalled_before_the_plan_leaves_the_plan_at_stage_2(wf: Workflow, db: Database,
                                                                         clock: FakeClock) -> None:
    clock.set_day("2026-12-07")
    code = add_org(wf)
    case_id = wf.open_case(code, problems=["P01"], identified_on=date(2026, 3, 10), deadline=date(2026, 12, 31)).case_id
    wf.assign_secretary(case_id, name="陈海涛", unit="县财政局", since=date(2026, 3, 12))
    wf.recall_secretary(case_id, on=date(2026, 3, 15), reason="工作需要")
    out = wf.plan(case_id, measures=[(["P01"], "配齐村两委班子", "王建国", date(2026, 9, 30))],
                  county_leader="李县长", township_leader="张书记", on=date(2026, 3, 20))
    assert out.to_stage == Stage.ledger_created
    for day in (date(2026, 3, 13), date(2026, 3, 20), date(2026, 12, 7)):
        stored = list(ledger_rows(db, as_of=day, config=Config(), rebuild=True).dicts())
        assert stored[0]["stage"] in (Stage.identified, Stage.ledger_created)
    assert list(ledger_rows(db, as_of=date(2100, 1, 1), config=Config(), rebuild=False).dicts()) == \
        list(ledger_rows(db, as_of=date(2100, 1, 1), config=Config(), rebuild=True).dicts())


def test_assign_secretary_is_offered_from_the_listing(wf: Workflow, clock: FakeClock) -> None:
    from rectify.states.permissions import Actor
    from rectify.states.roles import Role
    from rectify.states.steps import STEPS, availability

    officer = Actor(name="赵经办", role=Role.county_officer)
    case = {"stage": Stage.identified, "organization": {"county": "青山县", "township": "河口镇"}}
    assert availability(officer, STEPS["assign-secretary"], case).allowed


def test_a_carried_over_first_secretary_satisfies_the_relapsed_case(wf: Workflow, db: Database,
                                                                     clock: FakeClock) -> None:
    from .conftest import walk

    code = add_org(wf)
    old = walk(wf, clock, code, "verified")
    clock.set_day("2026-09-20")
    out = wf.look_back(old, on=date(2026, 9, 10), result="反弹", note="书记辞职，工作停滞", problems=["P04"])
    new_id = int(out.message.split("整顿对象 ")[1].split("，")[0])
    planned = wf.plan(new_id, measures=[(["P04"], "规范三会一课", "王建国", date(2026, 12, 31))],
                      county_leader="李县长", township_leader="张书记", on=date(2026, 9, 15))
    assert planned.to_stage == Stage.secretary_assigned  # no new dispatch asked: 陈海涛 is still in post
    rows = {r["case_id"]: r for r in ledger_rows(db, as_of=date(2026, 9, 20), config=Config(), rebuild=False).dicts()}
    assert rows[new_id]["task"] != "assign_secretary" and rows[new_id]["secretary"]["name"] == "陈海涛"
    a, b = (list(ledger_rows(db, as_of=date(2026, 9, 20), config=Config(), rebuild=x).dicts()) for x in (True, False))
    assert a == b  # the relapse's 结对帮扶单位 (kept from the earlier case) rebuilt too


def _row(db: Database, as_of: date, rebuild: bool) -> dict[str, object]:
    return list(ledger_rows(db, as_of=as_of, config=Config(), rebuild=rebuild).dicts())[0]


def _stage3(wf: Workflow, clock: FakeClock, *, since: date, term_until: date | None = None) -> int:
    clock.set_day("2026-03-20")
    code = add_org(wf)
    case_id = wf.open_case(code, problems=["P01"], identified_on=date(2026, 3, 10), deadline=date(2026, 12, 31),
                           officer="赵经办").case_id
    wf.plan(case_id, measures=[(["P01"], "配齐村两委班子", "王建国", date(2026, 11, 30))],
            county_leader="李县长", township_leader="张书记", on=date(2026, 3, 20))
    clock.set_day(max(since, date(2026, 3, 20)).isoformat())
    wf.assign_secretary(case_id, name="陈海涛", unit="县财政局", since=since, term_until=term_until)
    return case_id


def test_a_term_ending_before_the_deadline_is_a_task_with_its_light(wf: Workflow, db: Database,
                                                                      clock: FakeClock) -> None:
    from rectify.reports.cases import show_case
    from rectify.service import Service
    from rectify.states.permissions import Actor
    from rectify.states.roles import Role

    case_id = _stage3(wf, clock, since=date(2024, 9, 1), term_until=date(2026, 9, 30))
    clock.set_day("2026-09-27")
    row = _row(db, date(2026, 9, 27), rebuild=False)
    assert (row["task"], row["task_label"], row["next_due"], row["days_left"]) == (
        "secretary_term", "第一书记延期或轮换", "2026-09-30", 3)
    assert row["light"] == "orange" and "第一书记延期或轮换" in str(row["light_reason"])
    assert row == _row(db, date(2026, 9, 27), rebuild=True)
    shown = show_case(db, case_id, as_of=date(2026, 9, 27), config=Config())
    assert (shown["task"], shown["light"], shown["next_due"]) == ("secretary_term", "orange", "2026-09-30")
    officer = Actor(name="赵经办", role=Role.county_officer)
    tasks = Service(db, Config(), clock=clock).tasks(officer, as_of=date(2026, 9, 27))
    assert [(t["case_id"], t["task"], t["light"]) for t in tasks] == [(case_id, "secretary_term", "orange")]
    # 延期 past the deadline: the task is gone, the case back on its stage's task.
    out = wf.extend_term(case_id, on=date(2026, 9, 27), term_until=date(2027, 9, 30))
    assert "任期延至 2027-09-30" in out.message
    row = _row(db, date(2026, 9, 27), rebuild=False)
    assert row["task"] == "apply" and row["secretary"]["term_until"] == "2027-09-30"  # type: ignore[index]
    assert row == _row(db, date(2026, 9, 27), rebuild=True)


def test_a_recall_leaves_the_task_secretary_vacant_with_its_light(wf: Workflow, db: Database,
                                                                   clock: FakeClock) -> None:
    case_id = _stage3(wf, clock, since=date(2026, 4, 1))
    clock.set_day("2026-07-10")
    wf.recall_secretary(case_id, on=date(2026, 7, 1), reason="不胜任")
    row = _row(db, date(2026, 7, 10), rebuild=False)
    assert row["stage"] == Stage.secretary_assigned and row["secretary"] is None
    assert (row["task"], row["task_label"], row["next_due"]) == ("secretary_vacant", "第一书记空缺", "2026-07-31")
    assert row == _row(db, date(2026, 7, 10), rebuild=True)
    clock.set_day("2026-08-05")
    late = _row(db, date(2026, 8, 5), rebuild=False)
    assert late["light"] == "red" and "第一书记空缺" in str(late["light_reason"])
    # The day before the recall, rebuilt: 陈海涛 in post, no vacancy.
    before = _row(db, date(2026, 6, 30), rebuild=True)
    assert before["task"] == "apply" and before["secretary"]["name"] == "陈海涛"  # type: ignore[index]
    wf.assign_secretary(case_id, name="刘芳", unit="县农业农村局", since=date(2026, 8, 3))
    again = _row(db, date(2026, 8, 5), rebuild=False)
    assert again["task"] == "apply" and again == _row(db, date(2026, 8, 5), rebuild=True)


def test_secretary_term_and_tasks_on_the_command_line(run: Run, clock: FakeClock) -> None:
    _enter(run, clock, (("2026-03-01", ORG), ("2026-03-10", OPEN), ("2026-03-20", PLAN)))
    clock.set_day("2026-04-01")
    assigned = run("case", "assign-secretary", "V001", "--name", "陈海涛", "--unit", "县财政局", "--since",
                   "2024-10-01", "--term-until", "2026-10-31")
    assert assigned.exit_code == 0, assigned.output
    rows = _ledger(run, "2026-10-20")
    assert rows[0]["task"] == "secretary_term"
    refused = run("case", "secretary-term", "V001", "--on", "2026-04-01", "--term-until", "2026-10-01")
    assert refused.exit_code == 1 and "应晚于现在的任期截止 2026-10-31" in refused.output
    assert run("case", "secretary-term", "V001", "--on", "2026-04-01", "--term-until", "2027-10-31").exit_code == 0
    assert _ledger(run, "2026-10-20")[0]["task"] == "apply"
    history = run("case", "history", "V001").output
    assert "延长第一书记任期" in history


def test_the_secretary_tasks_remind_the_officer(wf: Workflow, run: Run, smtp: object, tmp_path: Path,
                                                clock: FakeClock) -> None:
    """第一书记延期或轮换 and 第一书记空缺 reach the officer in charge by the reminders, as the ledger names them."""
    from .remind_helpers import OFFICER, SmtpServer, write_config

    assert isinstance(smtp, SmtpServer)
    case_id = _stage3(wf, clock, since=date(2024, 9, 1), term_until=date(2026, 9, 30))
    with wf.db.begin() as conn:
        from rectify.store.cases import CaseStore

        CaseStore(conn).set_person(case_id, "officer", None, OFFICER)
    cfg = write_config(tmp_path / "c.toml", smtp.port)
    clock.set_day("2026-09-27")
    res = run("remind", "run", "--as-of", "2026-09-27", env={"RECTIFY_CONFIG": str(cfg)})
    assert res.exit_code == 0, res.output
    texts = [m.get_body(("plain",)).get_content() for m in smtp.sink.to(OFFICER)]  # type: ignore[attr-defined]
    assert any("应办事项：第一书记延期或轮换" in t and "2026年9月30日" in t for t in texts), texts
    clock.set_day("2026-10-20")
    wf.recall_secretary(case_id, on=date(2026, 10, 1), reason="期满轮换")
    res = run("remind", "run", "--as-of", "2026-11-05", env={"RECTIFY_CONFIG": str(cfg)})
    assert res.exit_code == 0, res.output
    texts = [m.get_body(("plain",)).get_content() for m in smtp.sink.to(OFFICER)]  # type: ignore[attr-defined]
    assert any("应办事项：第一书记空缺" in t and "2026年10月31日" in t for t in texts), texts


def test_the_secretary_sent_before_the_plan_is_told_when_stage_3_comes(run: Run, clock: FakeClock) -> None:
    _enter(run, clock, (("2026-03-01", ORG), ("2026-03-10", OPEN)))
    clock.set_day("2026-04-02")
    out = run(*ASSIGN)
    assert out.exit_code == 0, out.output
    assert "当前阶段：已确定" in out.output and "建立工作台账（整顿方案）后即进入 整改中" in out.output
    planned = run(*PLAN)
    assert planned.exit_code == 0 and "→ 整改中" in planned.output, planned.output
    history = run("case", "history", "V001", "--format", "json")
    dated = {r["action"]: r["on"] for r in json.loads(history.output)}
    assert (dated["plan"], dated["assign_secretary"]) == ("2026-03-20", "2026-04-01")  # each its own day
