"""The 第一书记 track's tasks (第一书记延期或轮换, 第一书记空缺; issue 27) seen everywhere a light is: the ledger, the
counts and the red list of ``stats`` (computed in SQL from today's tables, and rebuilt for a past day), 我的待办,
the 摘牌 check, and the reminders' escalation ladder, on both backends."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from click.testing import Result

from rectify.config import Config
from rectify.errors import Refused
from rectify.reports.ledger import ledger_rows
from rectify.reports.snapshot import needs_rebuild
from rectify.reports.stats import compute_stats
from rectify.service import Service
from rectify.states.permissions import Actor
from rectify.states.roles import Role
from rectify.store import Database
from rectify.write.engine import Workflow

from .conftest import FakeClock, add_org

Run = Callable[..., Result]
OFFICER_NAME = "赵经办"


def _case(wf: Workflow, clock: FakeClock, code: str, name: str, *, since: date,
          term_until: date | None = None) -> int:
    """A case in 整改中 (planned 03-20, a 第一书记 in post from ``since``) whose only measure is due 11-30."""
    clock.set_day("2026-03-20")
    add_org(wf, code, name)
    case_id = wf.open_case(code, problems=["P01"], identified_on=date(2026, 3, 10), deadline=date(2026, 12, 31),
                           officer=OFFICER_NAME).case_id
    wf.plan(case_id, measures=[(["P01"], "配齐村两委班子", "王建国", date(2026, 11, 30))],
            county_leader="李县长", township_leader="张书记", on=date(2026, 3, 20))
    clock.set_day(max(since, date(2026, 3, 20)).isoformat())
    wf.assign_secretary(case_id, name=f"{name[:2]}第一书记", unit="县财政局", since=since, term_until=term_until)
    return case_id


def _county(wf: Workflow, clock: FakeClock) -> tuple[int, int, int]:
    """(a term ending 09-30 before the 转化时限, a 第一书记 recalled 07-01, a case with nothing wrong); the last
    reports progress dated 10-20, so any earlier day is rebuilt from the history."""
    term = _case(wf, clock, "V001", "河口镇王家庄村党支部", since=date(2024, 9, 1), term_until=date(2026, 9, 30))
    vacant = _case(wf, clock, "V002", "河口镇李家湾村党支部", since=date(2026, 4, 1))
    fine = _case(wf, clock, "V003", "河口镇张家沟村党支部", since=date(2026, 4, 1))
    clock.set_day("2026-10-20")
    wf.recall_secretary(vacant, on=date(2026, 7, 1), reason="不胜任")
    wf.report_progress(fine, on=date(2026, 10, 20), note="按月报送进展")
    return term, vacant, fine


def _lights(db: Database, day: date, config: Config) -> dict[int, str | None]:
    return {r["case_id"]: r["light"] for r in ledger_rows(db, as_of=day, config=config).dicts()}


@pytest.mark.parametrize("day,rebuilt,expected", [
    (date(2026, 10, 20), False, ("red", "red", "yellow")),  # today's tables: the counts in SQL
    (date(2026, 10, 5), True, ("red", "red", "yellow")),  # a past day, rebuilt from the history
    (date(2026, 9, 27), True, ("orange", "red", "green")),  # the term's window: 3 of 30 days left
    (date(2026, 6, 30), True, ("green", "green", "green")),  # before the term's window, before the recall
])
def test_stats_counts_and_red_list_agree_with_the_ledger_and_the_inbox(
        wf: Workflow, db: Database, clock: FakeClock, day: date, rebuilt: bool,
        expected: tuple[str, str, str]) -> None:
    config = Config()
    cases = _county(wf, clock)
    assert needs_rebuild(db, day, None, config) is rebuilt
    lights = _lights(db, day, config)
    assert tuple(lights[c] for c in cases) == expected
    stats = compute_stats(db, as_of=day, config=config)
    counted = {x["light"]: x["count"] for x in stats["by_light"]}
    assert counted == {lt: sum(1 for v in lights.values() if v == lt) for lt in ("green", "yellow", "orange", "red")}
    ledger = {r["case_id"]: r for r in ledger_rows(db, as_of=day, config=config).dicts()}
    red = {o["case_id"]: o for o in stats["overdue"]}
    assert set(red) == {c for c, lt in lights.items() if lt == "red"}
    for case_id, o in red.items():  # the red list's due day and days overdue are the ledger's 待办
        assert (o["next_due"], -o["days_overdue"]) == (ledger[case_id]["next_due"], ledger[case_id]["days_left"])
    for light in ("red", "orange", "yellow", "green"):  # a light filter counts the same cases
        only = compute_stats(db, as_of=day, config=config, filters=_filter(light))
        assert only["total"] == sum(1 for v in lights.values() if v == light), light
    officer = Actor(name=OFFICER_NAME, role=Role.county_officer)
    inbox = {t["case_id"]: t for t in Service(db, config, clock=clock).tasks(officer, as_of=day)}
    for case_id, task in inbox.items():
        assert task["light"] == lights[case_id], (case_id, task)
    if day == date(2026, 10, 20):  # 我的待办 names the secretary tasks, red as in the ledger
        assert (inbox[cases[0]]["task"], inbox[cases[1]]["task"]) == ("secretary_term", "secretary_vacant")


def _filter(light: str) -> object:
    from rectify.store.ledger import LedgerFilter

    return LedgerFilter(light=light)


def test_stats_command_counts_the_secretary_tasks_red(wf: Workflow, run: Run, clock: FakeClock) -> None:
    term, vacant, fine = _county(wf, clock)
    for day in ("2026-10-20", "2026-10-05"):
        out = run("stats", "--as-of", day, "--format", "json")
        assert out.exit_code == 0, out.output
        stats = json.loads(out.output)
        assert {x["light"]: x["count"] for x in stats["by_light"]}["red"] == 2, day
        assert sorted(o["case_id"] for o in stats["overdue"]) == [term, vacant], day
        ledger = json.loads(run("ledger", "--as-of", day, "--format", "json").output)["cases"]
        assert sorted(r["case_id"] for r in ledger if r["light"] == "red") == [term, vacant], day


def test_the_rule_either_a_village_secretary_fills_the_vacancy_in_stats_too(db: Database, clock: FakeClock) -> None:
    from dataclasses import replace

    config = Config()
    config = replace(config, policy=replace(config.policy, secretary_rule="either"))
    wf = Workflow(db, config, actor="测试员", clock=clock)
    vacant = _case(wf, clock, "V002", "河口镇李家湾村党支部", since=date(2026, 4, 1))
    clock.set_day("2026-10-20")
    wf.recall_secretary(vacant, on=date(2026, 7, 1), reason="不胜任")
    assert _lights(db, date(2026, 10, 20), config)[vacant] == "red"
    assert [o["case_id"] for o in compute_stats(db, as_of=date(2026, 10, 20), config=config)["overdue"]] == [vacant]
    wf.village_secretary(vacant, name="王建国", action="选配", source="回乡大学生", since=date(2026, 10, 20))
    day = date(2026, 10, 20)
    lights = _lights(db, day, config)
    stats = compute_stats(db, as_of=day, config=config)
    assert lights[vacant] != "red" and stats["overdue"] == []
    assert {x["light"]: x["count"] for x in stats["by_light"]}[str(lights[vacant])] == 1


# -- 摘牌 -----------------------------------------------------------------------------------------------


def _officer(db: Database, config: Config, clock: FakeClock) -> Workflow:
    """A registered county officer (the level that hangs and takes down a county sign)."""
    from rectify.store.people import insert_person

    from .conftest import NOW
    from .test_permissions import as_

    with db.begin() as conn:
        insert_person(conn, name="县经办", role="county_officer", scope="青山县", unit="青山县委组织部", now=NOW)
    return as_(db, config, clock, "县经办")


def test_unsupervise_is_refused_while_a_secretary_task_makes_the_case_red(
        wf: Workflow, db: Database, clock: FakeClock) -> None:
    from .conftest import snapshot

    term, vacant, _ = _county(wf, clock)
    county = _officer(db, Config(), clock)
    for case_id, words in ((term, "待办「第一书记延期或轮换」已逾期 20 天"), (vacant, "待办「第一书记空缺」已逾期 81 天")):
        county.supervise(case_id, level="county", unit="青山县委组织部", matter="第一书记到岗履职",
                         on=date(2026, 5, 1))
        wf.complete_measure(case_id, 1, on=date(2026, 10, 18))  # every matter answered: only the light is left
        before = snapshot(db)
        with pytest.raises(Refused) as refused:
            county.unsupervise(case_id, on=date(2026, 10, 20), inspected_by="县经办", reason="检查验收")
        assert str(refused.value).endswith(f"整顿对象亮红灯（{words}），不能摘牌"), str(refused.value)
        assert snapshot(db) == before
    # 延期 past the 转化时限, and a new 第一书记 sent: the signs may come down.
    wf.extend_term(term, on=date(2026, 10, 20), term_until=date(2027, 9, 30))
    wf.assign_secretary(vacant, name="刘芳", unit="县农业农村局", since=date(2026, 10, 20))
    for case_id in (term, vacant):
        out = county.unsupervise(case_id, on=date(2026, 10, 20), inspected_by="县经办", reason="检查验收")
        assert "检查后摘牌" in out.message


# -- the reminders' ladder --------------------------------------------------------------------------


def test_the_secretary_tasks_climb_the_escalation_ladder(wf: Workflow, db: Database, run: Run, smtp: object,
                                                        tmp_path: Path, clock: FakeClock) -> None:
    """Overdue: the officer in charge, the county leader copied; from ``escalate_after_days`` (14) overdue: the
    county supervisors, and the city's too for a case under 挂牌督办 — through the outbox to a real SMTP server."""
    import sqlalchemy as sa

    from rectify.store.cases import CaseStore
    from rectify.store.outbox_models import item_t

    from .remind_helpers import CITY_SUP, COUNTY_SUP, LEADER, OFFICER, SmtpServer, write_config

    assert isinstance(smtp, SmtpServer)
    term = _case(wf, clock, "V001", "河口镇王家庄村党支部", since=date(2024, 9, 1), term_until=date(2026, 9, 30))
    vacant = _case(wf, clock, "V002", "河口镇李家湾村党支部", since=date(2026, 4, 1))
    with wf.db.begin() as conn:
        for case_id in (term, vacant):
            CaseStore(conn).set_person(case_id, "officer", None, OFFICER)
            CaseStore(conn).set_person(case_id, "county_leader", None, LEADER)
    clock.set_day("2026-09-20")
    wf.recall_secretary(vacant, on=date(2026, 9, 15), reason="不胜任")  # 第一书记空缺 due 10-15
    wf.supervise(vacant, level="county", unit="青山县委组织部", matter="第一书记到岗履职", on=date(2026, 9, 20))
    cfg = write_config(tmp_path / "c.toml", smtp.port)

    def sweep(day: str) -> dict[str, list[tuple[int, str, str]]]:
        clock.set_day(day)
        res = run("remind", "run", "--as-of", day, env={"RECTIFY_CONFIG": str(cfg)})
        assert res.exit_code == 0, res.output
        with db.connect() as conn:
            rows = conn.execute(sa.select(item_t.c.recipient, item_t.c.case_id, item_t.c.kind, item_t.c.detail)
                                .order_by(item_t.c.id)).all()
        out: dict[str, list[tuple[int, str, str]]] = {}
        for r in rows:
            detail = json.loads(r.detail) if isinstance(r.detail, str) else r.detail
            if detail.get("task") in ("secretary_term", "secretary_vacant"):
                out.setdefault(r.recipient, []).append((r.case_id, r.kind, detail["task"]))
        return out

    # 13 days past the term's end: overdue, to the officer and the county leader; no supervisor yet.
    first = sweep("2026-10-13")
    assert (term, "overdue", "secretary_term") in first[OFFICER] and (term, "overdue", "secretary_term") in first[LEADER]
    assert COUNTY_SUP not in first and CITY_SUP not in first
    # 14 days past the vacancy's due day (29 past the term's): both escalate; the supervised vacancy to the city too.
    later = sweep("2026-10-29")
    assert sorted(x for x in later[COUNTY_SUP]) == [(term, "escalation", "secretary_term"),
                                                    (vacant, "escalation", "secretary_vacant")]
    assert later[CITY_SUP] == [(vacant, "escalation", "secretary_vacant")]
    assert (vacant, "overdue", "secretary_vacant") in later[LEADER]
    texts = {addr: [m.get_body(("plain",)).get_content() for m in smtp.sink.to(addr)]  # type: ignore[attr-defined]
             for addr in (COUNTY_SUP, CITY_SUP)}
    assert any("第一书记延期或轮换" in t and "第一书记空缺" in t for t in texts[COUNTY_SUP]), texts[COUNTY_SUP]
    assert any("第一书记空缺" in t and "河口镇李家湾村党支部" in t for t in texts[CITY_SUP]), texts[CITY_SUP]
    assert not any("第一书记延期或轮换" in t for t in texts[CITY_SUP])
