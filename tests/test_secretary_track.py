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
