"""挂牌督办 as a record with its 摘牌 procedure, and the escalation ladder (SPEC §3, §5, §6, §10), on both backends.

Every refusal leaves the database exactly as it was.
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

from rectify.config import Config
from rectify.errors import Refused
from rectify.reports.cases import show_case
from rectify.store import KNOWN_REVISIONS, SCHEMA_HEAD, Database, upgrade
from rectify.store.people import insert_person
from rectify.store.tables import supervision_t
from rectify.write.engine import Workflow
from tests.conftest import NOW, FakeClock, add_org, emptied, pass_and_strike_off, snapshot, walk
from tests.test_permissions import as_

ON = date(2026, 3, 10)
# name → (role, scope, unit)
PEOPLE = {
    "市督导": ("city_supervisor", "青山县", "市委组织部"),
    "县经办": ("county_officer", "青山县", "青山县委组织部"),
    "县验收": ("county_verifier", "青山县", "青山县验收组"),
    "包村领导": ("township_leader", "青山县/河口镇", "河口镇党委"),
}


@pytest.fixture
def people(db: Database, config: Config, clock: FakeClock) -> dict[str, Workflow]:
    with db.begin() as conn:
        for name, (role, scope, unit) in PEOPLE.items():
            insert_person(conn, name=name, role=role, scope=scope, unit=unit, now=NOW)
    return {name: as_(db, config, clock, name) for name in PEOPLE}


def refused(db: Database, step: Callable[[], object], message: str) -> None:
    before = snapshot(db)
    with pytest.raises(Refused) as info:
        step()
    assert str(info.value) == message
    assert snapshot(db) == before


def signs(db: Database) -> list[dict[str, Any]]:
    with db.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.select(supervision_t).order_by(supervision_t.c.id))]


def case_row(db: Database, case_id: int) -> Any:
    with db.connect() as conn:
        return conn.execute(sa.text("SELECT supervised, supervision_level, supervision_reason, escalation_step "
                                    "FROM rectification_case WHERE id = :id"), {"id": case_id}).one()


def test_a_city_sign_is_a_record_and_comes_down_only_after_the_citys_inspection(
        db: Database, wf: Workflow, clock: FakeClock, config: Config, people: dict[str, Workflow]) -> None:
    add_org(wf)
    case_id = walk(wf, clock, "V001", "secretary_assigned")
    city, county = people["市督导"], people["县经办"]
    out = city.supervise(case_id, unit="市委组织部", matter="三个月内配齐班子", due=date(2026, 6, 30), on=ON)
    assert out.message == "市级挂牌，督办单位 市委组织部，督办时限 2026-06-30"
    row = case_row(db, case_id)
    assert (bool(row.supervised), row.supervision_level, row.supervision_reason, row.escalation_step) == (
        True, "city", "三个月内配齐班子", "sign")
    refused(db, lambda: city.unsupervise(case_id, on=ON, inspected_by="", reason="已整改", findings=["班子已配齐"]),
            f"无法摘牌：整顿对象 {case_id}（河口镇王家庄村党支部）处于整改中阶段，"
            "缺少检查人：摘牌须在挂牌单位同级检查之后")
    refused(db, lambda: city.unsupervise(case_id, on=ON, inspected_by="县经办", reason="已整改", findings=["班子已配齐"]),
            f"无法摘牌：整顿对象 {case_id}（河口镇王家庄村党支部）处于整改中阶段，"
            "检查人 县经办（县委组织部经办人）不是市级人员：市级挂牌须经市级检查后才能摘牌")
    refused(db, lambda: city.unsupervise(case_id, on=ON, inspected_by="李四", reason="已整改", findings=["班子已配齐"]),
            f"无法摘牌：整顿对象 {case_id}（河口镇王家庄村党支部）处于整改中阶段，"
            "检查人 李四 未登记，摘牌须经登记的市级人员检查（rectify people add）")
    refused(db, lambda: county.unsupervise(case_id, on=ON, inspected_by="市督导", reason="已整改", findings=["班子已配齐"]),
            "县经办（县委组织部经办人）不能摘牌：这是市级挂牌，只能由挂牌的市级摘牌")
    # Every 督办事项 answered: a finding for the matter (the measures are still under way).
    refused(db, lambda: city.unsupervise(case_id, on=ON, inspected_by="市督导", reason="已整改"),
            f"无法摘牌：整顿对象 {case_id}（河口镇王家庄村党支部）处于整改中阶段，"
            "督办事项「三个月内配齐班子」尚无检查结论（--finding），整改措施第1、2项未完成，不能摘牌")
    city.unsupervise(case_id, on=ON, inspected_by="市督导", inspected_on=date(2026, 3, 10), reason="经检查已整改",
                     findings=["班子已配齐"])
    county.supervise(case_id, matter="再次滞后", on=ON)  # the county's own sign, its unit by default
    (first, second) = signs(db)
    assert (first["level"], first["unit"], first["matter"], first["due_on"], first["hung_on"], first["hung_by"],
            first["taken_down_on"], first["inspected_by"], first["inspected_on"], first["down_reason"],
            first["taken_down_by"]) == ("city", "市委组织部", "三个月内配齐班子", date(2026, 6, 30), ON, "市督导",
                                        ON, "市督导", ON, "经检查已整改；班子已配齐", "市督导")
    assert (second["level"], second["unit"], second["taken_down_on"]) == ("county", "青山县委组织部", None)
    shown = show_case(db, case_id, as_of=ON, config=config)
    assert [s["level"] for s in shown["supervisions"]] == ["city", "county"]
    assert shown["supervision_level"] == "county" and shown["escalation_step"] == "sign"


def test_a_county_officer_cannot_hang_a_city_sign_and_a_sign_needs_unit_and_matters(
        db: Database, wf: Workflow, clock: FakeClock, people: dict[str, Workflow]) -> None:
    add_org(wf)
    case_id = walk(wf, clock, "V001", "ledger_created")
    refused(db, lambda: people["县经办"].supervise(case_id, level="city", matter="滞后"),
            "县经办（县委组织部经办人）不能挂市级牌：市级挂牌由市委组织部督导办理")
    refused(db, lambda: people["包村领导"].supervise(case_id, matter="滞后"),
            "包村领导（乡镇包村领导）不能挂牌督办：挂牌督办由县委组织部经办人（县级）或市委组织部督导（市级）办理")
    refused(db, lambda: wf.supervise(case_id, matter="", on=ON, due=date(2026, 3, 1)),
            f"无法挂牌督办：整顿对象 {case_id}（河口镇王家庄村党支部）处于已建台账阶段，"
            "缺少督办单位；缺少督办事项；督办时限 2026-03-01 不得早于挂牌日期 2026-03-10")


def test_after_strike_off_only_a_sign_still_up_comes_down(
        db: Database, wf: Workflow, clock: FakeClock, people: dict[str, Workflow]) -> None:
    add_org(wf)
    add_org(wf, "V002", "石桥乡李家湾村党支部")
    up = walk(wf, clock, "V001", "rectified")
    people["县经办"].supervise(up, matter="验收前督办", on=ON)
    pass_and_strike_off(wf, up, ON)
    down = walk(wf, clock, "V002", "verified")
    refused(db, lambda: people["县经办"].unsupervise(down, on=ON, inspected_by="县验收", reason="销号后摘牌"),
            f"无法摘牌：整顿对象 {down}（石桥乡李家湾村党支部）处于已验收销号阶段，"
            "已销号（或撤销）且没有在挂的牌，不能摘牌")
    out = people["县经办"].unsupervise(up, on=ON, inspected_by="县验收", reason="验收合格，摘牌")
    assert out.to_stage == "verified" and out.message == "经 县验收 2026-03-10 检查后摘牌"
    assert [s["taken_down_on"] for s in signs(db)] == [ON]


def test_the_ladder_is_climbed_in_order_with_dated_signed_events(
        db: Database, wf: Workflow, clock: FakeClock, people: dict[str, Workflow]) -> None:
    from rectify.reports.cases import case_history

    add_org(wf)
    case_id = walk(wf, clock, "V001", "secretary_assigned")
    county = people["县经办"]
    head = f"无法督办升级：整顿对象 {case_id}（河口镇王家庄村党支部）处于整改中阶段，"
    refused(db, lambda: county.escalate(case_id, step="约谈", on=ON, note="约谈书记"),
            head + "「约谈」前须先「督促」（提醒 → 督促 → 约谈 → 通报 → 挂牌）")
    refused(db, lambda: county.escalate(case_id, step="督促", on=ON, note=""), head + "缺少情况说明（--note）")
    assert county.escalate(case_id, step="督促", on=date(2026, 3, 5), note="电话督促").message == "督办升级：督促"
    refused(db, lambda: county.escalate(case_id, step="urge", on=ON, note="再督促"),
            head + "督办已升级到「督促」，不能再「督促」（升级只能逐级向上）")
    refused(db, lambda: county.escalate(case_id, step="通报", on=ON, note="通报"),
            head + "「通报」前须先「约谈」（提醒 → 督促 → 约谈 → 通报 → 挂牌）")
    refused(db, lambda: people["包村领导"].escalate(case_id, step="约谈", on=ON, note="约谈"),
            "包村领导（乡镇包村领导）不能督办升级：督办升级（督促、约谈、通报）由县委组织部经办人或市委组织部督导办理")
    county.escalate(case_id, step="talk", on=date(2026, 3, 8), note="约谈乡镇党委书记")
    assert case_row(db, case_id).escalation_step == "talk"
    events = [e for e in case_history(db, case_id) if e["action"] == "escalate"]
    assert [(e["actor"], e["detail"]["step"], e["detail"]["on"], e["reason"]) for e in events] == [
        ("县经办", "urge", "2026-03-05", "电话督促"), ("县经办", "talk", "2026-03-08", "约谈乡镇党委书记")]
    with db.connect() as conn:
        days = conn.execute(sa.text("SELECT happened_on FROM case_event WHERE action = 'escalate' ORDER BY id")
                            ).scalars().all()
    assert [str(d) for d in days] == ["2026-03-05", "2026-03-08"]


Run = Callable[..., Result]


def test_the_cli_commands_their_refusals_and_the_ledger_columns(
        run: Run, db: Database, wf: Workflow, clock: FakeClock, people: dict[str, Workflow]) -> None:
    add_org(wf)
    case_id = str(walk(wf, clock, "V001", "secretary_assigned"))
    as_county = ("--actor", "县经办", "case")
    for command in ("supervise", "unsupervise", "escalate"):
        text = run("case", command, "--help").output
        assert "示例：" in text and f"case {command} 12 " in text
    before = snapshot(db)
    bad = run(*as_county, "escalate", case_id, "--step", "挂牌", "--on", "2026-03-10", "--note", "x")
    assert bad.exit_code == 2 and "--step" in bad.stderr
    out = run(*as_county, "escalate", case_id, "--step", "约谈", "--on", "2026-03-10", "--note", "约谈")
    assert out.exit_code == 1 and out.stderr.count("\n") == 1 and "「约谈」前须先「督促」" in out.stderr
    assert snapshot(db) == before
    assert run(*as_county, "escalate", case_id, "--step", "督促", "--on", "2026-03-10", "--note", "督促").exit_code == 0
    ok = run("--actor", "市督导", "case", "supervise", case_id, "--level", "市级", "--unit", "市委组织部",
             "--matter", "配齐班子", "--due", "2026-06-30", "--on", "2026-03-10")
    assert ok.exit_code == 0, ok.output
    before = snapshot(db)
    no_inspection = run("--actor", "市督导", "case", "unsupervise", case_id, "--on", "2026-03-10", "--reason", "好")
    assert no_inspection.exit_code == 1 and "缺少检查人" in no_inspection.stderr
    assert snapshot(db) == before
    shown = run(*as_county, "show", case_id).output
    assert "市级挂牌 2026-03-10，督办单位 市委组织部，督办事项：配齐班子，督办时限 2026-06-30；在挂" in shown
    assert "督办升级：已到「挂牌」" in shown
    rows = json.loads(run(*as_county[:2], "ledger", "--as-of", "2026-03-10", "--format", "json").stdout)["cases"]
    assert [(r["supervision_level"], r["escalation_step"]) for r in rows] == [("city", "sign")]
    raw = run(*as_county[:2], "ledger", "--as-of", "2026-03-10", "--format", "csv").stdout_bytes
    (row,) = csv.DictReader(io.StringIO(raw.decode("utf-8-sig")))
    assert (row["挂牌督办"], row["挂牌层级"], row["督办升级"]) == ("是", "市级", "挂牌")


def test_migration_0006_turns_each_supervised_case_into_one_open_sign(db_url: str, db: Database) -> None:

    import rectify.store.models  # noqa: F401

    emptied(db)
    assert KNOWN_REVISIONS[-1] == SCHEMA_HEAD and "0006" in KNOWN_REVISIONS
    upgrade(db, "0004")
    with db.engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO organization (id, code, name, kind, county, township, poor_village, created_at) VALUES "
            "(1, 'V1', '甲村党支部', 'village', '青山县', '河口镇', false, :at), "
            "(2, 'V2', '乙村党支部', 'village', '青山县', '河口镇', false, :at)"), {"at": NOW})
        for case_id, supervised, level, reason in ((1, True, "city", "进度滞后"), (2, False, "", "")):
            conn.execute(sa.text(
                "INSERT INTO rectification_case (id, org_id, year, stage, identified_on, deadline, stage_since, "
                "cycle_start, cycle, version, detail, helping_unit, self_check, withdrawn_reason, supervised, "
                "supervision_reason, supervision_level, measures_total, measures_done, created_at, updated_at) "
                "VALUES (:id, :id, 2026, 'identified', '2026-03-01', '2026-12-31', '2026-03-01', '2026-03-01', 1, 1, "
                "'', '', '', '', :sup, :reason, :level, 0, 0, :at, :at)"),
                {"id": case_id, "sup": supervised, "reason": reason, "level": level, "at": NOW})
        conn.execute(sa.text(
            "INSERT INTO case_event (case_id, at, actor, action, reason, detail, actor_unit, happened_on) VALUES "
            "(1, :at, '市督导', 'supervise', '进度滞后', '{}', '市委组织部', '2026-03-05')"), {"at": NOW})
    assert upgrade(db, "0006") == ("0004", "0006")
    (sign,) = signs(db)
    assert (sign["case_id"], sign["level"], sign["unit"], sign["matter"], sign["hung_on"], sign["hung_by"],
            sign["taken_down_on"]) == (1, "city", "市委组织部", "进度滞后", date(2026, 3, 5), "市督导", None)
    assert case_row(db, 1).escalation_step == "sign" and case_row(db, 2).escalation_step == ""


def test_a_sign_comes_down_only_with_its_matters_answered_and_the_case_not_red(
        db: Database, wf: Workflow, clock: FakeClock, people: dict[str, Workflow]) -> None:
    """SPEC §3 摘牌: the demo's old fault — a sign down with 0 of 3 measures done and the case red — is refused."""
    add_org(wf)
    case_id = walk(wf, clock, "V001", "secretary_assigned")  # measures due 06-30 and 09-30
    city = people["市督导"]
    city.supervise(case_id, unit="市委组织部", matter="配齐班子；规范三会一课", on=ON)
    clock.set_day("2026-07-10")
    head = f"无法摘牌：整顿对象 {case_id}（河口镇王家庄村党支部）处于整改中阶段，"
    refused(db, lambda: city.unsupervise(case_id, on=date(2026, 7, 10), inspected_by="市督导", reason="已整改",
                                         findings=["已配齐", "已规范"]),
            head + "整顿对象亮红灯（整改措施逾期未完成），不能摘牌")
    wf.complete_measure(case_id, 1, on=date(2026, 7, 8))
    refused(db, lambda: city.unsupervise(case_id, on=date(2026, 7, 10), inspected_by="市督导", reason="已整改",
                                         findings=["已配齐"]),
            head + "督办事项「规范三会一课」尚无检查结论（--finding），整改措施第2项未完成，不能摘牌")
    wf.complete_measure(case_id, 2, on=date(2026, 7, 9))
    out = city.unsupervise(case_id, on=date(2026, 7, 10), inspected_by="市督导", reason="经检查，督办事项均已整改到位")
    assert "检查后摘牌" in out.message


def test_escalation_steps_are_dated_in_order(db: Database, wf: Workflow, clock: FakeClock) -> None:
    add_org(wf)
    case_id = walk(wf, clock, "V001", "secretary_assigned")
    wf.escalate(case_id, step="urge", on=date(2026, 3, 9), note="电话督促")
    refused(db, lambda: wf.escalate(case_id, step="talk", on=date(2026, 3, 8), note="约谈"),
            f"无法督办升级：整顿对象 {case_id}（河口镇王家庄村党支部）处于整改中阶段，"
            "督办升级日期 2026-03-08 早于上一步督办（2026-03-09）")
    wf.escalate(case_id, step="talk", on=date(2026, 3, 9), note="约谈")


def test_a_supervised_case_withdrawn_only_with_an_approver(db: Database, wf: Workflow, clock: FakeClock) -> None:
    add_org(wf)
    case_id = walk(wf, clock, "V001", "ledger_created")
    wf.supervise(case_id, unit="县委组织部", matter="进度滞后", on=ON)
    refused(db, lambda: wf.withdraw(case_id, reason="复核误判", on=ON),
            f"无法复核误判出列：整顿对象 {case_id}（河口镇王家庄村党支部）处于已建台账阶段，"
            "挂牌督办中的整顿对象出列须经审批人批准（--approved-by）")
    assert wf.withdraw(case_id, reason="复核误判", on=ON, approved_by="周审批").to_stage == "withdrawn"
