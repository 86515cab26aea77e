"""The demo county: deterministic, every stage and light, some overdue, supervised, listed again, withdrawn."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date

import pytest

from rectify.config import Config
from rectify.workflow.cases import case_history, list_cases
from rectify.workflow.demo import build_demo
from rectify.workflow.persistence import Database

from .conftest import snapshot

AS_OF = date(2026, 6, 30)


def test_demo_has_every_stage_and_light(db: Database) -> None:
    config = Config()
    n = build_demo(db, config, AS_OF)
    rows = list_cases(db, as_of=AS_OF, config=config)
    assert n == len(rows) and 35 <= n <= 45
    assert set(Counter(r["stage"] for r in rows)) == {
        "identified", "ledger_created", "secretary_assigned", "rectified", "verified", "withdrawn"}
    assert set(r["light"] for r in rows if r["light"]) == {"green", "yellow", "orange", "red"}
    assert len({r["township"] for r in rows}) >= 4
    assert any(r["supervised"] for r in rows)
    assert sum(1 for r in rows if r["days_left"] is not None and r["days_left"] < 0) >= 3
    # The relapse is listed again: a new case of the same organization, the old one stays verified.
    twice = [code for code, n in Counter(r["org_code"] for r in rows).items() if n == 2]
    assert len(twice) == 1
    stages = sorted(r["stage"] for r in rows if r["org_code"] == twice[0])
    assert stages == ["ledger_created", "verified"]
    assert all(e["action"] != "reopen" for r in rows for e in case_history(db, r["case_id"]))


def _without_ids(rows: list[dict]) -> str:
    return json.dumps([{k: v for k, v in r.items() if k != "case_id"} for r in rows], ensure_ascii=False)


def test_demo_is_deterministic_and_rebuilds_in_place(db: Database) -> None:
    config = Config()
    build_demo(db, config, AS_OF)
    first = _without_ids(list_cases(db, as_of=AS_OF, config=config))
    build_demo(db, config, AS_OF)  # PostgreSQL sequences move on, so case numbers may differ
    assert _without_ids(list_cases(db, as_of=AS_OF, config=config)) == first


@pytest.mark.parametrize("county", ["别县", "青山县"])
def test_demo_refuses_a_database_with_real_data(db: Database, wf, clock, run, county: str) -> None:  # type: ignore[no-untyped-def]
    """Even in a county of the demo's name, a real organization keeps the demo out, and nothing is written."""
    from .conftest import walk

    wf.add_org("341122101201", "真实村党支部", kind="village", county=county, township="河口镇")
    walk(wf, clock, "341122101201", "ledger_created")
    before = snapshot(db)
    result = run("demo", "--as-of", "2026-06-30")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("错误：数据库 ") and "已有非演示数据（组织 1 个、登记人员 0 名）" in result.stderr
    assert result.stderr.count("\n") == 1
    assert snapshot(db) == before


def test_demo_refuses_a_database_with_registered_people(db: Database, run) -> None:  # type: ignore[no-untyped-def]
    assert run("people", "add", "王管理", "--unit", "县委组织部", "--role", "admin", "--scope", "绿水县").exit_code == 0
    before = snapshot(db)
    result = run("demo")
    assert result.exit_code == 1 and "登记人员 1 名" in result.stderr
    assert snapshot(db) == before


def test_demo_command_prints_the_ledger(run) -> None:  # type: ignore[no-untyped-def]
    result = run("demo", "--as-of", "2026-06-30")
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("演示县 青山县：已建立 39 个整顿对象（截至 2026-06-30）")
    assert result.stdout.startswith("序号")
    assert "党组织名称" in result.stdout and "已验收销号" in result.stdout
