"""The demo county: deterministic, every stage and light, some overdue, supervised, listed again, withdrawn."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date

import pytest
import sqlalchemy as sa

from rectify.config import Config
from rectify.demo.demo import DEMO_ORGS, batch_day, build_demo
from rectify.demo.demo_data import COUNTY_LEADERS
from rectify.reports.cases import case_history, list_cases
from rectify.reports.ledger import LedgerFilter, json_row, ledger_rows
from rectify.store import Database
from rectify.store.tables import event_t

from .conftest import snapshot

AS_OF = date(2026, 6, 30)


def test_demo_has_every_stage_and_light(db: Database) -> None:
    config = Config()
    n = build_demo(db, config, AS_OF)
    rows = list_cases(db, as_of=AS_OF, config=config)
    assert n == len(rows) and 40 <= n <= 50
    assert set(Counter(r["stage"] for r in rows)) == {
        "identified", "ledger_created", "secretary_assigned", "rectified", "verified", "withdrawn"}
    assert set(r["light"] for r in rows if r["light"]) == {"green", "yellow", "orange", "red"}
    assert len({r["township"] for r in rows}) == 6
    assert any(r["supervised"] for r in rows)
    assert sum(1 for r in rows if r["days_left"] is not None and r["days_left"] < 0) >= 3
    # The relapse is listed again: a new case of the same organization, the old one stays verified.
    twice = [code for code, n in Counter(r["org_code"] for r in rows).items() if n == 2]
    assert len(twice) == 1
    stages = sorted(r["stage"] for r in rows if r["org_code"] == twice[0])
    assert stages == ["secretary_assigned", "verified"]  # its plan and the carried-over 第一书记 make stage 3
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
    assert result.stderr.startswith("演示县 青山县：已建立 44 个整顿对象（截至 2026-06-30）")
    assert result.stdout.startswith("序号")
    assert "党组织名称" in result.stdout and "已验收销号" in result.stdout


def _ledger(db: Database, as_of: date) -> list[dict]:
    return [json_row(r) for r in ledger_rows(db, as_of=as_of, config=Config(), filters=LedgerFilter())]


@pytest.fixture
def built(db: Database) -> list[dict]:
    build_demo(db, Config(), AS_OF)
    return _ledger(db, AS_OF)


@pytest.mark.parametrize("as_of", [AS_OF, date(2026, 11, 24)])
def test_one_batch_plus_a_few_additions_and_the_share_per_township(db: Database, as_of: date) -> None:
    """About 8 % listed in one early-year batch, 2–3 listed later; 5–12 % of each township's organizations."""
    build_demo(db, Config(), as_of)
    rows = _ledger(db, as_of)
    this_year = [r for r in rows if r["identified_on"][:4] == str(as_of.year)]
    dates = Counter(r["identified_on"] for r in this_year)
    (batch, size), *later = dates.most_common()
    assert batch == str(batch_day(as_of)) == f"{as_of.year}-03-05"
    assert 0.06 <= size / len(DEMO_ORGS) <= 0.10 and 2 <= len(later) <= 3
    assert all(d > batch and n == 1 for d, n in later)
    assert 280 <= len(DEMO_ORGS) <= 320
    orgs = Counter(o["township"] for o in DEMO_ORGS)
    listed = Counter(r["township"] for r in this_year)
    assert len(orgs) == 6
    for town, n in orgs.items():
        assert 0.05 <= listed[town] / n <= 0.12, (town, listed[town], n)
    last_year = [r for r in rows if r["identified_on"][:4] == str(as_of.year - 1)]
    assert len(last_year) >= 15 and {r["stage"] for r in last_year} == {"verified"}
    assert all(r["struck_off"] for r in last_year)


def test_each_county_leader_on_one_or_two_cases(built: list[dict]) -> None:
    on = Counter(r["county_leader"] for r in built if r["county_leader"])
    assert {f"{name}（{post}）" for name, post in COUNTY_LEADERS} == set(on)
    assert set(on.values()) <= {1, 2}
    posts = " ".join(post for _, post in COUNTY_LEADERS)
    assert all(word in posts for word in ("县委常委", "副县长", "人大常委会副主任", "政协副主席"))


def test_first_secretaries_come_from_the_helping_unit(built: list[dict]) -> None:
    with_secretary = [r for r in built if r["secretary"] and r["helping_unit"]]
    assert len(with_secretary) >= 20
    assert all(r["secretary"]["unit"] == r["helping_unit"] for r in with_secretary)


def test_no_person_receives_mail_for_two_townships(built: list[dict]) -> None:
    towns: dict[str, set[str]] = {}
    for r in built:
        for name in (r["township_cadre"], (r["secretary"] or {}).get("name")):
            if name:
                towns.setdefault(str(name).split("（")[0], set()).add(r["township"])
    assert towns and all(len(t) == 1 for t in towns.values())


def test_no_community_row_speaks_of_a_village(built: list[dict]) -> None:
    community = [r for r in built if r["kind"] == "community"]
    assert community
    for r in community:
        text = json.dumps(r, ensure_ascii=False)
        assert "村两委" not in text and "村“两委”" not in text and "村务" not in text and "村级" not in text, text
    assert any("村“两委”" in json.dumps(r, ensure_ascii=False) for r in built if r["kind"] == "village")


def test_problem_mix_is_skewed(built: list[dict]) -> None:
    mix = Counter(p["code"] for r in built for p in r["problems"])
    top = [code for code, _ in mix.most_common(2)]
    assert set(top) == {"P01", "P10"}, mix


def test_events_are_in_date_order(db: Database, built: list[dict], run) -> None:  # type: ignore[no-untyped-def]
    """Every step's business date is never before the previous step's; `case history` reads forward."""
    with db.connect() as conn:
        events = conn.execute(sa.select(event_t.c.case_id, event_t.c.happened_on, event_t.c.at)
                              .order_by(event_t.c.case_id, event_t.c.id)).all()
    last: dict[int, tuple] = {}
    for case_id, on, at in events:
        if case_id in last:
            assert (on, at) >= last[case_id], (case_id, on, last[case_id])
        last[case_id] = (on, at)
    assert len(last) == len(built)
    for r in built[:: 5]:
        history = case_history(db, r["case_id"])
        assert [e["at"] for e in history] == sorted(e["at"] for e in history)


def test_every_stage_task_and_light_on_the_as_of_day(built: list[dict]) -> None:
    assert {r["stage"] for r in built} == {"identified", "ledger_created", "secretary_assigned", "rectified",
                                          "verified", "withdrawn"}
    assert {r["task"] for r in built if r["task"]} >= {"plan", "assign_secretary", "apply", "verify"}
    assert {r["light"] for r in built if r["light"]} == {"green", "yellow", "orange", "red"}
    assert {r["supervision_level"] for r in built if r["supervised"]} == {"city", "county"}
    assert sum(1 for r in built if r["failed_verifications"]) == 1
    assert sum(1 for r in built if r["days_left"] is not None and r["days_left"] < 0) >= 3


def test_the_demo_signs_as_its_county(db: Database) -> None:
    """Notices of the demo county are signed 中共青山县委组织部 with a phone, unless the configuration has its own."""
    from dataclasses import replace

    from rectify.config import ReportConfig
    from rectify.demo.demo import with_demo_report

    config = Config()
    assert with_demo_report(db, config) is config  # an empty database is not the demo
    build_demo(db, config, AS_OF)
    report = with_demo_report(db, config).report
    assert (report.unit, bool(report.phone)) == ("中共青山县委组织部", True)
    own = replace(config, report=ReportConfig(unit="中共绿水县委组织部"))
    assert with_demo_report(db, own) is own
