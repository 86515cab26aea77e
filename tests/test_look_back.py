"""The 巩固期 after 销号: look-backs in order, 反弹 listed again as a new linked case, a repeat listing
linked to the earlier case (SPEC §3, §6, §10), on both backends. Every refusal leaves the database as it was.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import Result

from rectify.errors import BadInput, Refused
from rectify.reports.cases import show_case
from rectify.reports.snapshot import rebuild
from rectify.store import Database
from rectify.store.tables import case_t, secretary_t
from rectify.write.engine import Workflow
from tests.conftest import FakeClock, add_org, emptied, pass_and_strike_off, snapshot, walk

STRUCK = date(2026, 3, 10)  # walk()'s verification: the 销号 date
FIRST, SECOND = date(2026, 9, 6), date(2027, 3, 10)  # 180 and 365 days after


def refused(db: Database, step: Callable[[], object], message: str, error: type[Exception] = Refused) -> None:
    before = snapshot(db)
    with pytest.raises(error) as info:
        step()
    assert str(info.value) == message
    assert snapshot(db) == before


def case_row(db: Database, case_id: int) -> Any:
    with db.connect() as conn:
        return conn.execute(sa.select(case_t).where(case_t.c.id == case_id)).one()


def ledger_json(run: Callable[..., Result], *extra: str) -> list[dict[str, Any]]:
    result = run("ledger", "--format", "json", *extra)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["cases"]  # type: ignore[no-any-return]


def test_verify_schedules_the_look_backs(db: Database, wf: Workflow, clock: FakeClock) -> None:
    case_id = walk(wf, clock, add_org(wf), "verified")
    row = case_row(db, case_id)
    assert row.look_backs == f"180|{FIRST}||;365|{SECOND}||"
    assert row.next_look_back_on == FIRST


def test_both_look_backs_stable(db: Database, wf: Workflow, clock: FakeClock, run: Callable[..., Result]) -> None:
    case_id = walk(wf, clock, add_org(wf), "verified")
    clock.set_day("2026-09-01")
    out = wf.look_back(case_id, on=date(2026, 9, 1), result="巩固", note="班子稳定")
    assert out.message == "6个月回头看：巩固"
    assert case_row(db, case_id).next_look_back_on == SECOND
    clock.set_day("2027-03-12")
    result = run("case", "look-back", str(case_id), "--on", "2027-03-12", "--result", "巩固", "--note", "制度落实")
    assert result.exit_code == 0, result.output
    assert "12个月回头看：巩固" in result.output
    row = case_row(db, case_id)
    assert row.stage == "verified" and row.next_look_back_on is None
    shown = show_case(db, case_id, as_of=date(2027, 3, 12), config=wf.config)
    assert [x["result"] for x in shown["look_backs"]] == ["stable", "stable"]
    rows = ledger_json(run, "--as-of", "2027-03-12")
    assert rows[0]["look_backs"][1] == {"after_days": 365, "due_on": "2027-03-10", "result": "stable",
                                        "done_on": "2027-03-12"}
    # The day before the second look-back, as it stood: the first done, the second pending.
    then = next(iter(rebuild(db, as_of=date(2027, 3, 11), config=wf.config, case_id=case_id)))
    assert then.look_backs == f"180|{FIRST}|stable|2026-09-01;365|{SECOND}||"
    csv_out = run("ledger", "--format", "csv", "--as-of", "2026-12-01").stdout
    table = list(csv.DictReader(io.StringIO(csv_out.lstrip("\ufeff"))))
    assert table[0]["回头看"] == f"6个月：巩固（2026-09-01）；12个月：待回头看（{SECOND}）"


def test_relapse_lists_the_organization_again(db: Database, wf: Workflow, clock: FakeClock,
                                              run: Callable[..., Result]) -> None:
    code = add_org(wf)
    old = walk(wf, clock, code, "verified")
    clock.set_day("2026-09-10")
    out = wf.look_back(old, on=date(2026, 9, 10), result="反弹", note="书记辞职，工作停滞",
                       problems=["P01:书记空缺", "P04"])
    new = out.message.split("整顿对象 ")[1].split("，")[0]
    new_id = int(new)
    old_row, new_row = case_row(db, old), case_row(db, new_id)
    assert old_row.stage == "verified" and old_row.look_backs == f"180|{FIRST}|relapse|2026-09-10"
    assert old_row.next_look_back_on is None
    assert (new_row.stage, new_row.year, new_row.previous_case_id, new_row.earlier_years) == (
        "identified", 2026, None if False else old, "")
    with db.connect() as conn:
        carried = conn.execute(sa.select(secretary_t).where(secretary_t.c.case_id == new_id)).one()
    assert (carried.name, carried.unit, carried.kind, carried.carried, carried.until) == (
        "陈海涛", "县财政局", "first", True, None)
    shown = run("case", "show", new)
    assert "再次列入" not in shown.output and "第一书记：陈海涛（县财政局）" in shown.output
    assert "再次列入整顿（2026 年，整顿对象 " + new + "）" in run("case", "show", str(old)).output
    # All further look-backs are done with the relapse.
    refused(db, lambda: wf.look_back(old, on=date(2026, 9, 10), result="巩固", note="x"),
            f"无法回头看：整顿对象 {old}（河口镇王家庄村党支部）处于已验收销号阶段，"
            "巩固期的回头看已全部完成（或已反弹重新列入整顿）")


def test_relapse_in_a_later_year_shows_the_earlier_year(db: Database, wf: Workflow, clock: FakeClock,
                                                         run: Callable[..., Result]) -> None:
    code = add_org(wf)
    old = walk(wf, clock, code, "verified")
    clock.set_day("2027-03-01")
    out = wf.look_back(old, on=date(2026, 9, 1), result="巩固", note="稳定")
    out = wf.look_back(old, on=date(2027, 3, 1), result="反弹", note="班子不团结", problems=["P03"],
                       deadline=date(2027, 12, 31))
    new_id = int(out.message.split("整顿对象 ")[1].split("，")[0])
    row = case_row(db, new_id)
    assert (row.year, row.previous_case_id, row.earlier_years, row.deadline) == (2027, old, "2026",
                                                                                 date(2027, 12, 31))
    shown = run("case", "show", str(new_id))
    assert f"重复列入：曾于 2026 年列入整顿（整顿对象 {old}）" in shown.output
    rows = {r["case_id"]: r for r in ledger_json(run)}
    assert rows[new_id]["earlier_years"] == [2026] and rows[old]["earlier_years"] == []
    csv_out = run("ledger", "--format", "csv").stdout
    table = {r["党组织名称"] + r["确定日期"]: r for r in csv.DictReader(io.StringIO(csv_out.lstrip("\ufeff")))}
    assert table["河口镇王家庄村党支部2027-03-01"]["曾列入年份"] == "\u20602026"  # kept as text, not a number
    assert table["河口镇王家庄村党支部2026-03-01"]["回头看"] == "6个月：巩固（2026-09-01）；12个月：反弹（2027-03-01）"
    # The rebuilt day equals the tables.
    then = next(iter(rebuild(db, as_of=date(2027, 3, 1), config=wf.config, case_id=new_id)))
    assert (then.earlier_years, then.secretary[0]) == ("2026", "陈海涛")


def test_open_links_a_repeat_listing(db: Database, wf: Workflow, clock: FakeClock) -> None:
    code = add_org(wf)
    old = walk(wf, clock, code, "verified")
    clock.set_day("2027-04-01")
    new = wf.open_case(code, problems=["P02"], identified_on=date(2027, 4, 1)).case_id
    row = case_row(db, new)
    assert (row.previous_case_id, row.earlier_years) == (old, "2026")


def test_refusals_write_nothing(db: Database, wf: Workflow, clock: FakeClock, run: Callable[..., Result]) -> None:
    code = add_org(wf)
    rectified = walk(wf, clock, code, "rectified")
    head = f"无法回头看：整顿对象 {rectified}（河口镇王家庄村党支部）"
    refused(db, lambda: wf.look_back(rectified, on=date(2026, 3, 10), result="巩固", note="x"),
            f"{head}处于已整改阶段，此操作只适用于已验收销号阶段")
    pass_and_strike_off(wf, rectified, STRUCK)
    clock.set_day("2026-08-01")
    refused(db, lambda: wf.look_back(rectified, on=date(2026, 8, 1), result="巩固", note="x"),
            f"{head}处于已验收销号阶段，6个月回头看定于 {FIRST}，最早可于 2026-08-07 记录"
            "（计划日期前 30 天内），2026-08-01 太早")
    clock.set_day("2026-09-01")
    refused(db, lambda: wf.look_back(rectified, on=date(2026, 9, 1), result="反弹", note="x"),
            f"{head}处于已验收销号阶段，反弹须列明新的软弱涣散情形（--problem），据以重新列入整顿")
    refused(db, lambda: wf.look_back(rectified, on=date(2026, 9, 1), result="巩固", note=" "),
            f"{head}处于已验收销号阶段，缺少回头看情况说明（--note）")
    refused(db, lambda: wf.look_back(rectified, on=date(2026, 9, 1), result="好", note="x"),
            "未知的回头看结果 好（应为 巩固 或 反弹）", BadInput)
    refused(db, lambda: wf.look_back(rectified, on=date(2026, 9, 1), result="巩固", note="x", problems=["P01"]),
            "只有反弹（--result 反弹）才列明新的软弱涣散情形（--problem）", BadInput)
    # On the command line: exit 1, one line.
    before = snapshot(db)
    result = run("case", "look-back", str(rectified), "--on", "2026-08-01", "--result", "巩固", "--note", "x")
    assert result.exit_code == 1 and len(result.output.strip().splitlines()) == 1
    assert "太早" in result.output
    result = run("case", "look-back", str(rectified), "--on", "2026-09-01", "--result", "反弹", "--note", "x")
    assert result.exit_code == 1 and "--problem" in result.output
    result = run("case", "look-back", str(rectified), "--on", "2026-09-01", "--result", "好", "--note", "x")
    assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1
    assert snapshot(db) == before


def test_migration_0008_from_the_0006_schema(db_url: str, db: Database) -> None:
    """Verified cases get their look-backs scheduled; a repeat listing is linked; old reopen events stay."""

    import rectify.store.models  # noqa: F401
    from rectify.store import upgrade
    from tests.conftest import NOW

    emptied(db)
    upgrade(db, "0006")
    with db.engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO organization (id, code, name, kind, county, township, poor_village, created_at) VALUES "
            "(1, 'V1', '甲村党支部', 'village', '青山县', '河口镇', false, :at)"), {"at": NOW})
        for case_id, year, stage, verified in ((1, 2025, "verified", "2025-11-20"), (2, 2026, "identified", None)):
            conn.execute(sa.text(
                "INSERT INTO rectification_case (id, org_id, year, stage, identified_on, deadline, stage_since, "
                "cycle_start, cycle, version, detail, helping_unit, self_check, withdrawn_reason, supervised, "
                "supervision_reason, supervision_level, escalation_step, measures_total, measures_done, "
                "verified_on, created_at, updated_at) VALUES (:id, 1, :year, :stage, :ident, :dl, :ident, :ident, "
                "1, 1, '', '', '', '', false, '', '', '', 0, 0, :verified, :at, :at)"),
                {"id": case_id, "year": year, "stage": stage, "ident": f"{year}-03-01", "dl": f"{year}-12-31",
                 "verified": verified, "at": NOW})
        conn.execute(sa.text(
            "INSERT INTO case_event (case_id, at, actor, action, reason, detail, actor_unit, happened_on) VALUES "
            "(1, :at, '赵经办', 'reopen', '回头看反弹', '{}', '', '2025-12-01')"), {"at": NOW})
    assert upgrade(db, "0008") == ("0006", "0008")
    old, new = case_row(db, 1), case_row(db, 2)
    assert (old.look_backs, old.next_look_back_on) == ("180|2026-05-19||;365|2026-11-20||", date(2026, 5, 19))
    assert (old.previous_case_id, old.earlier_years) == (None, "")
    assert (new.look_backs, new.previous_case_id, new.earlier_years) == ("", 1, "2025")
    with db.connect() as conn:
        assert conn.execute(sa.text("SELECT action FROM case_event")).scalar_one() == "reopen"


def test_look_back_reminders_once_per_window(db: Database, wf: Workflow, clock: FakeClock) -> None:
    """The officer and the township cadre are reminded of the next 回头看, once per window, not after it is done."""
    from rectify.notifications.outbox import run_sweep
    from rectify.notifications.render import Renderer
    from rectify.store.outbox import SqlOutboxStore
    from rectify.store.outbox_models import item_t

    case_id = walk(wf, clock, add_org(wf), "verified")
    store = SqlOutboxStore(db)

    def items() -> list[tuple[Any, ...]]:
        with db.connect() as conn:
            return [tuple(r) for r in conn.execute(
                sa.select(item_t.c.recipient, item_t.c.kind, item_t.c.due_on, item_t.c.offset_days)
                .where(item_t.c.case_id == case_id, item_t.c.kind == "look_back")
                .order_by(item_t.c.recipient, item_t.c.offset_days))]

    def sweep(day: str) -> Any:
        clock.set_day(day)
        return run_sweep(store, wf.config, as_of=date.fromisoformat(day), now=clock.now, renderer=Renderer())

    sweep("2026-08-20")  # 17 days ahead: outside the 14-day window
    assert items() == []
    result = sweep("2026-08-25")
    assert items() == [("cadre@example.cn", "look_back", FIRST, 14), ("officer@example.cn", "look_back", FIRST, 14)]
    assert any("回头看" in d["body_text"] for d in result.digests)
    sweep("2026-08-26")  # the same window again: nothing new
    assert len(items()) == 2
    wf.look_back(case_id, on=date(2026, 8, 26), result="巩固", note="稳定")
    sweep("2026-09-05")  # done: the next is months away
    assert len(items()) == 2


@pytest.mark.parametrize("after", [2, 0])
def test_the_second_failed_verification_proposes_a_county_sign(db: Database, clock: FakeClock, after: int) -> None:
    """[policy] propose_sign_after_failures: a message and an event detail, never a sign hung by itself."""
    from dataclasses import replace

    from rectify.config import Config
    from rectify.reports.cases import case_history
    from tests.conftest import ACTOR, VERIFIER

    config = Config()
    config = replace(config, policy=replace(config.policy, propose_sign_after_failures=after))
    wf = Workflow(db, config, actor=ACTOR, clock=clock)
    case_id = walk(wf, clock, add_org(wf), "rectified")
    messages = []
    verifier = Workflow(db, config, actor=VERIFIER, clock=clock)
    for n in (1, 2):
        out = verifier.verify(case_id, on=date(2026, 3, 10), by="验收组", members=[VERIFIER], score=65,
                              satisfied=10, basic=0, dissatisfied=20, findings=["记录不全"],
                              measures=[(["P10"], f"补齐记录{n}", "王建国", date(2026, 11, 30))])
        messages.append(out.message)
        assert case_history(db, case_id)[-1]["detail"]["propose_sign"] is (after == 2 and n == 2)
        if n == 1:
            wf.complete_measure(case_id, 3, on=date(2026, 3, 10))
            wf.mark_rectified(case_id, on=date(2026, 3, 10), self_check="再次自查")
    assert ["建议县级挂牌督办" in m for m in messages] == [False, after == 2]
    assert case_row(db, case_id).supervised is False
