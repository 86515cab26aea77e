"""Steps as data (rectify.states.steps): every CLI step's options are its declared inputs; what each role may
press on the demo's cases; structured refusals; a step taken from a form through the application layer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import click
import pytest
from click.testing import Result

from rectify.cli import cli
from rectify.errors import BadInput, Conflict, NotFound, Refused
from rectify.service import Service
from rectify.states.permissions import Actor
from rectify.states.stages import Stage
from rectify.states.steps import KINDS, OPEN_STEP, STEP_OF_TRIGGER, STEPS, STEPS_LIST, available_steps, field_of
from rectify.states.transitions import BY_TRIGGER, TRANSITIONS
from rectify.store import Database
from tests.conftest import FakeClock, snapshot

CASE_GROUP = cli.get_command(click.Context(cli), "case")
NOT_INPUTS = {"ref", "quiet"}
# Where a form's one choice is two flags on the CLI: objection's decision is --dismissed or --upheld.
CLI_SPELLING = {"objection": ({"dismissed", "upheld"}, {"decision"})}


@pytest.mark.parametrize("name", sorted(STEPS))
def test_each_step_is_a_case_command_whose_options_are_its_declared_inputs(name: str) -> None:
    assert isinstance(CASE_GROUP, click.Group)
    command = CASE_GROUP.get_command(click.Context(CASE_GROUP), name)
    assert command is not None, f"rectify case {name} is missing"
    options = {p.name for p in command.params} - NOT_INPUTS
    flags, choice = CLI_SPELLING.get(name, (set(), set()))
    declared = STEPS[name].inputs
    assert options - flags == {i.name for i in declared} - choice and flags <= options
    for i in (i for i in declared if i.name not in choice):
        assert i.kind in KINDS and i.label
        param = next(p for p in command.params if p.name == i.name)
        assert bool(getattr(param, "multiple", False)) == i.multiple, i.name
        if isinstance(param, click.Option) and param.required:
            assert i.required, f"{name} --{i.name} is required on the CLI but not in the form"


def test_the_open_command_takes_the_declared_inputs_of_listing() -> None:
    assert isinstance(CASE_GROUP, click.Group)
    command = CASE_GROUP.get_command(click.Context(CASE_GROUP), "open")
    assert command is not None
    assert {p.name for p in command.params} - NOT_INPUTS - {"org_code"} == {i.name for i in OPEN_STEP.inputs}


def test_every_move_of_the_machine_belongs_to_a_step() -> None:
    taken = {t for s in STEPS_LIST for t in s.triggers}
    assert {t.trigger for t in TRANSITIONS} <= taken
    for trigger, name in STEP_OF_TRIGGER.items():
        names = {i.name for i in STEPS[name].inputs}
        for guard in BY_TRIGGER[trigger].guards:
            field = field_of(trigger, guard)
            assert field is None or field in names, (name, guard, field)


def test_a_declared_form_can_be_built_for_every_step() -> None:
    for step in STEPS_LIST:
        names = [i.name for i in step.inputs]
        assert len(names) == len(set(names)) and step.label
        for i in step.inputs:
            assert (i.kind == "choice") == bool(i.choices), (step.name, i.name)


# -- what each person may press on the demo -----------------------------------------------------------


@pytest.fixture
def service(demo: Callable[..., Result], db: Database, clock: FakeClock) -> Service:
    return Service(db, clock=clock)


def person(service: Service, name: str) -> Actor:
    return service.identify(name)


def _case(service: Service, stage: str, township: str | None = None) -> dict[str, Any]:
    reader = person(service, "钱明远")
    rows = [r for r in service.cases(reader, stage=stage) if township is None or r["township"] == township]
    assert rows, f"the demo has no case in {stage} {township or ''}"
    return service.case(reader, rows[0]["case_id"])


def allowed(service: Service, who: str, case: dict[str, Any]) -> set[str]:
    return {a.step.name for a in available_steps(person(service, who), case) if a.allowed}


def test_a_township_leader_reports_completes_and_applies_on_a_case_of_their_township(service: Service) -> None:
    case = _case(service, Stage.secretary_assigned, "河口镇")
    han = person(service, "韩青松")  # 乡镇包村领导, 青山县/河口镇
    mine = allowed(service, "韩青松", case)
    assert {"progress", "measure-done"} <= mine and "verify" not in mine and "plan" not in mine
    why = {a.step.name: a for a in available_steps(han, case)}
    if case["measures_total"] > case["measures_done"]:
        assert why["rectified"].code == "precondition" and "未完成" in why["rectified"].reason
    for m in case["measures"]:
        if not m["done_on"]:
            service.take(han, "measure-done", case["id"], {"number": str(m["seq"]), "on": "2026-06-29"})
    case = service.case(han, case["id"])
    assert "rectified" in allowed(service, "韩青松", case)


def test_on_another_townships_case_a_township_leader_may_press_nothing(service: Service) -> None:
    case = _case(service, Stage.secretary_assigned, "石桥乡")
    steps = available_steps(person(service, "韩青松"), case)
    assert not [a for a in steps if a.allowed]
    assert {a.code for a in steps} <= {"role", "scope"} and "scope" in {a.code for a in steps}


def test_a_verifier_sees_verify_only_on_an_applied_case(service: Service) -> None:
    applied = _case(service, Stage.rectified)
    if applied.get("publicity_until"):
        pytest.skip("the demo's applied case is in 公示")
    assert allowed(service, "孔立群", applied) >= {"verify"}
    assert "verify" not in allowed(service, "孔立群", _case(service, Stage.secretary_assigned))
    assert allowed(service, "孔立群", _case(service, Stage.secretary_assigned)) <= {"look-back"}


@pytest.mark.parametrize("who", ["周文博", "卫思齐"])  # the admin and the auditor take no case step
def test_the_admin_and_the_auditor_press_nothing(service: Service, who: str) -> None:
    for stage in (Stage.identified, Stage.secretary_assigned, Stage.rectified):
        case = _case(service, stage)
        steps = available_steps(person(service, who), case)
        assert [a.code for a in steps] == ["role"] * len(steps)


def test_the_county_officer_plans_an_identified_case_and_not_a_planned_one(service: Service) -> None:
    assert "plan" in allowed(service, "钱明远", _case(service, Stage.identified))
    planned = allowed(service, "钱明远", _case(service, Stage.secretary_assigned))
    assert "plan" in planned and "assign-secretary" in planned  # plan revises; a replacement is assigned


# -- structured refusals and the form path -----------------------------------------------------------


def test_a_refused_guard_names_its_field_and_writes_nothing(service: Service, db: Database) -> None:
    case = _case(service, Stage.secretary_assigned, "河口镇")
    han = person(service, "韩青松")
    before = snapshot(db)
    with pytest.raises(BadInput) as missing:
        service.take(han, "progress", case["id"], {"on": "2026-06-29", "note": "   "}, case["version"])
    assert [(r.code, r.field) for r in missing.value.reasons] == [("required", "note")]
    with pytest.raises(BadInput) as bad:
        service.take(han, "progress", case["id"], {"on": "2026-13-40", "note": "开会"}, case["version"])
    assert [r.field for r in bad.value.reasons] == ["on"]
    with pytest.raises(Refused) as early:
        service.take(han, "progress", case["id"], {"on": "2020-01-01", "note": "开会"}, case["version"])
    assert [(r.code, r.field) for r in early.value.reasons] == [("event_date_valid", "on")]
    assert str(early.value).startswith("无法填报月度进展：整顿对象")
    assert snapshot(db) == before


def test_a_stale_version_is_a_conflict_and_a_fresh_one_is_written(service: Service, db: Database) -> None:
    case = _case(service, Stage.secretary_assigned, "河口镇")
    han = person(service, "韩青松")
    service.take(han, "progress", case["id"], {"on": "2026-06-29", "note": "召开党员大会"}, case["version"])
    before = snapshot(db)
    with pytest.raises(Conflict) as stale:
        service.take(han, "progress", case["id"], {"on": "2026-06-29", "note": "又一次"}, case["version"])
    assert [r.code for r in stale.value.reasons] == ["version"]
    assert snapshot(db) == before
    assert service.case(han, case["id"])["last_progress_on"] == date(2026, 6, 29).isoformat()


def test_role_scope_and_stage_refusals_carry_their_code(service: Service) -> None:
    case = _case(service, Stage.secretary_assigned, "石桥乡")
    with pytest.raises(Refused) as role:
        service.take(person(service, "孔立群"), "progress", case["id"], {"on": "2026-06-29", "note": "x"})
    assert [r.code for r in role.value.reasons] == ["role"]
    with pytest.raises(Refused) as scope:
        service.take(person(service, "钱明远"), "strike-off", case["id"], {"on": "2026-06-29"})
    assert [r.code for r in scope.value.reasons] == ["role"]
    with pytest.raises((Refused, NotFound)) as unseen:
        service.take(person(service, "韩青松"), "progress", case["id"], {"on": "2026-06-29", "note": "x"})
    assert [r.code for r in unseen.value.reasons] in (["scope"], ["not_found"])
    with pytest.raises(Refused) as stage:
        service.take(person(service, "钱明远"), "withdraw", case["id"], {"reason": "误判"})
    assert [r.code for r in stage.value.reasons] == ["stage"]


def test_my_tasks_are_the_cases_whose_task_my_role_acts_on(service: Service) -> None:
    han = person(service, "韩青松")
    tasks = service.tasks(han)
    assert tasks and {t["township"] for t in tasks} == {"河口镇"}
    assert {t["task"] for t in tasks} <= {"apply"}
    dues = [t["next_due"] for t in tasks]
    assert dues == sorted(dues)
    qian = service.tasks(person(service, "钱明远"))
    assert {t["task"] for t in qian} <= {"plan", "assign_secretary", "apply"} and len(qian) > len(tasks)
    assert service.tasks(person(service, "卫思齐")) == []


def test_the_workflow_diagram_in_docs_is_generated_from_states() -> None:
    from pathlib import Path

    from rectify.states.diagram import markdown

    shipped = (Path(__file__).resolve().parent.parent / "docs" / "workflow.md").read_text("utf-8")
    assert shipped == markdown(), "docs/workflow.md is stale: python -m rectify.states.diagram > docs/workflow.md"
