"""申请验收 → 验收 → 公示 → 销号 (issue 13, slice A), through the command line, on SQLite and PostgreSQL."""

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
from rectify.reports.ledger import ledger_rows
from rectify.states.thresholds import Grade, grade, satisfaction_rate
from rectify.store import SCHEMA_HEAD, Database, upgrade
from rectify.store.tables import case_t
from tests.conftest import ACTOR, APPROVER, NOW, VERIFIER, FakeClock, add_org, emptied, snapshot, walk

Run = Callable[..., Result]
SHEET_86 = ("班子=16", "队伍=14", "场所=15", "载体=13", "制度=14", "业绩=14")
SHEET_62 = ("班子=11", "队伍=10", "场所=11", "载体=10", "制度=10", "业绩=10")


def ok(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.output


def refused(db: Database, result: Callable[[], Result], message: str, code: int = 1) -> None:
    """Exit ``code`` naming ``message`` (a refusal, 1: in exactly one line), and nothing written."""
    before = snapshot(db)
    out = result()
    assert out.exit_code == code, out.output
    assert message in out.stderr and (code != 1 or out.stderr.count("\n") == 1), out.stderr
    assert "Traceback" not in out.output
    assert snapshot(db) == before


def items(sheet: tuple[str, ...]) -> list[str]:
    return [x for item in sheet for x in ("--item", item)]


def verify(run: Run, case: str, on: str, sheet: tuple[str, ...], survey: tuple[int, int, int], *extra: str,
           actor: str = VERIFIER) -> Result:
    satisfied, basic, dissatisfied = survey
    return run("--actor", actor, "case", "verify", case, "--on", on, "--by", "县委组织部验收组", "--member", actor,
               "--member", "李验收", *items(sheet), "--satisfied", str(satisfied), "--basic", str(basic),
               "--dissatisfied", str(dissatisfied), *extra)


def shown(run: Run, case: str, *extra: str) -> dict[str, Any]:
    return json.loads(ok(run("case", "show", case, "--format", "json", *extra)))


def ledger_row(run: Run, *extra: str) -> dict[str, Any]:
    (row,) = json.loads(ok(run("ledger", "--format", "json", *extra)))["cases"]
    return row


def test_the_grade_and_the_satisfaction_rate() -> None:
    rules = Config().verification
    assert satisfaction_rate(42, 5, 2) == 0.959  # 47 / 49, to 0.1 %
    assert satisfaction_rate(0, 0, 0) is None
    assert grade(86, 42, 5, 2, rules) == Grade.good
    assert grade(70, 10, 0, 10, rules) == Grade.basic  # passes, 满意率 50 % < 80 %
    assert grade(69, 40, 0, 0, rules) == Grade.fail
    assert grade(90, 5, 0, 6, rules) == Grade.fail  # more than half 不满意 fails outright


def test_application_failed_verification_second_application_publicity_objection_strike_off(
        wf: Any, db: Database, clock: FakeClock, run: Run) -> None:
    """The issue's done-when for this slice, signed by three people."""
    add_org(wf)
    case = str(walk(wf, clock, "V001", "rectified"))  # applied by ACTOR on 2026-03-10
    clock.set_day("2026-03-20")
    failed = verify(run, case, "2026-03-20", SHEET_62, (20, 5, 3), "--finding", "三会一课记录不全",
                    "--measure", "P10|补齐三会一课记录|王建国|2026-04-30")
    assert "已整改 → 整改中" in ok(failed)
    assert "验收不合格：验收得分 62 低于 70 分，退回整改" in failed.output
    clock.set_day("2026-04-12")
    ok(run("case", "measure-done", case, "3", "--on", "2026-04-10"))
    ok(run("case", "rectified", case, "--on", "2026-04-12", "--opinion", "乡镇党委再次初验，整改到位，申请验收"))
    clock.set_day("2026-04-25")
    passed = ok(verify(run, case, "2026-04-25", SHEET_86, (42, 5, 2)))
    assert "验收合格（86 分，满意率 95.9%），公示至 2026-05-06" in passed
    assert shown(run, case)["stage"] == "rectified"
    clock.set_day("2026-04-28")
    ok(run("case", "objection", case, "--on", "2026-04-27", "--text", "群众反映村务公开不及时"))
    ok(run("case", "objection", case, "--on", "2026-04-28", "--dismissed", "--note", "经核实，村务已按月公开"))
    clock.set_day("2026-05-07")
    struck = ok(run("--actor", APPROVER, "case", "strike-off", case, "--on", "2026-05-07", "--doc-no", "青组字〔2026〕12号"))
    assert "已整改 → 已验收销号" in struck

    c = shown(run, case)
    assert (c["stage"], c["grade"], c["struck_off_on"], c["strike_off_doc"]) == (
        "verified", "good", "2026-05-07", "青组字〔2026〕12号")
    assert c["satisfaction"] == 0.959 and c["score"] == 86
    assert [(v["passed"], v["grade"], v["members"], v["signed_by"]) for v in c["verifications"]] == [
        (False, "fail", f"{VERIFIER}、李验收", VERIFIER), (True, "good", f"{VERIFIER}、李验收", VERIFIER)]
    assert json.loads(c["verifications"][1]["score_sheet"]) == {"班子": 16, "队伍": 14, "场所": 15, "载体": 13,
                                                                "制度": 14, "业绩": 14}
    assert [(o["text"], o["decision"], o["decided_by"]) for o in c["objections"]] == [
        ("群众反映村务公开不及时", "dismissed", ACTOR)]
    text = ok(run("case", "show", case))
    assert "验收：2026-04-25 县委组织部验收组 得分 86，满意 42/基本满意 5/不满意 2（满意率 95.9%），合格" in text
    assert "公示异议：2026-04-27 群众反映村务公开不及时：不予采纳" in text
    assert "销号：2026-05-07 批复，文号 青组字〔2026〕12号" in text
    history = json.loads(ok(run("case", "history", case, "--format", "json")))
    assert [(e["action"], e["actor"]) for e in history][-7:] == [
        ("fail_verification", VERIFIER), ("complete_measure", ACTOR), ("mark_rectified", ACTOR),
        ("verify", VERIFIER), ("objection", ACTOR), ("dismiss_objection", ACTOR), ("strike_off", APPROVER)]

    row = ledger_row(run, "--as-of", "2026-05-07")
    assert (row["grade"], row["struck_off_on"], row["failed_verifications"]) == ("good", "2026-05-07", 1)
    text = ok(run("ledger", "--format", "csv", "--as-of", "2026-05-07"))
    header, line = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))[:2]
    cells = dict(zip(header, line, strict=True))
    # 95.9% is kept as text (U+2060 before it), so no spreadsheet turns it into a number
    assert (cells["验收等次"], cells["满意率"].lstrip("\u2060"), cells["销号日期"]) == ("合格", "95.9%", "2026-05-07")
    # In 公示, as it stood on 04-28: verified and graded, not yet struck off; the rebuild equals the tables.
    then = ledger_row(run, "--as-of", "2026-04-28")
    assert (then["stage"], then["grade"], then["struck_off_on"], then["next_due"]) == (
        "rectified", "good", None, "2026-05-13")  # 销号批复: 公示 end + 7 days
    rebuilt = list(ledger_rows(db, as_of=date(2026, 5, 7), config=Config(), rebuild=True).dicts())
    tables = list(ledger_rows(db, as_of=date(2026, 5, 7), config=Config(), rebuild=False).dicts())
    assert [{k: (a[k], b[k]) for k in a if a[k] != b[k]} for a, b in zip(rebuilt, tables, strict=True)] == [{}]


def test_an_upheld_objection_fails_the_verification(wf: Any, db: Database, clock: FakeClock, run: Run) -> None:
    add_org(wf)
    case = str(walk(wf, clock, "V001", "publicity"))  # verified 2026-03-10, 公示 to 03-17 (5 working days)
    clock.set_day("2026-03-12")
    ok(run("case", "objection", case, "--on", "2026-03-11", "--text", "反映书记仍长期外出"))
    refused(db, lambda: run("case", "objection", case, "--on", "2026-03-12", "--upheld", "--note", "属实"),
            "缺少验收发现的问题（--finding）；缺少新的整改措施")
    out = ok(run("case", "objection", case, "--on", "2026-03-12", "--upheld", "--note", "经核实属实",
                 "--finding", "书记长期外出", "--measure", "P01|调整村党组织书记|王建国|2026-06-30"))
    assert "已整改 → 整改中" in out and "公示异议成立" in out
    c = shown(run, case)
    assert (c["grade"], c["verified_on"], c["publicity_until"], c["self_check"]) == ("", None, None, "")
    assert [v["passed"] for v in c["verifications"]] == [False]
    assert c["verifications"][0]["reasons"] == "公示异议成立：反映书记仍长期外出"
    assert [o["decision"] for o in c["objections"]] == ["upheld"]
    assert [m["done_on"] for m in c["measures"]][-1] is None
    assert ledger_row(run)["failed_verifications"] == 1
    rebuilt = list(ledger_rows(db, as_of=date(2026, 3, 12), config=Config(), rebuild=True).dicts())
    assert rebuilt == list(ledger_rows(db, as_of=date(2026, 3, 12), config=Config(), rebuild=False).dicts())


def test_each_refused_step_exits_1_with_one_line_and_writes_nothing(
        wf: Any, db: Database, clock: FakeClock, run: Run) -> None:
    add_org(wf)
    add_org(wf, "V002", "河口镇李家湾村党支部")
    applied = str(walk(wf, clock, "V001", "rectified"))
    refused(db, lambda: verify(run, applied, "2026-03-10", SHEET_86, (42, 5, 2), actor=ACTOR),
            f"{ACTOR} 是申请验收人，不能验收自己申请的整顿对象")
    refused(db, lambda: run("case", "objection", applied, "--on", "2026-03-10", "--text", "有异议"),
            "尚未验收合格，没有进行中的公示")
    refused(db, lambda: run("--actor", APPROVER, "case", "strike-off", applied, "--on", "2026-03-10"),
            "尚未验收合格，没有进行中的公示")
    refused(db, lambda: verify(run, applied, "2026-03-10", SHEET_86, (8, 2, 2)), "民主测评 12 人，少于 15 人")
    publicity = str(walk(wf, clock, "V002", "publicity"))  # verified 03-10 by VERIFIER, 公示 to 03-17 (5 working days)
    clock.set_day("2026-03-12")
    refused(db, lambda: run("--actor", APPROVER, "case", "strike-off", publicity, "--on", "2026-03-12"),
            "公示期至 2026-03-17 才满，2026-03-18 起方可销号，2026-03-12 不能销号")
    refused(db, lambda: verify(run, publicity, "2026-03-12", SHEET_86, (42, 5, 2), actor="另一验收员"),
            "已于 2026-03-10 验收合格，正在公示（至 2026-03-17），待销号批复")
    ok(run("case", "objection", publicity, "--on", "2026-03-12", "--text", "群众反映仍有问题"))
    clock.set_day("2026-03-18")
    refused(db, lambda: run("--actor", APPROVER, "case", "strike-off", publicity, "--on", "2026-03-18"),
            "2026-03-12 登记的公示异议「群众反映仍有问题」尚未处理")
    refused(db, lambda: run("case", "objection", publicity, "--on", "2026-03-18", "--text", "又一条"),
            "2026-03-12 登记的公示异议「群众反映仍有问题」尚未处理")
    ok(run("case", "objection", publicity, "--on", "2026-03-18", "--dismissed", "--note", "不属实"))
    refused(db, lambda: run("case", "objection", publicity, "--on", "2026-03-18", "--text", "公示后才提"),
            "异议日期 2026-03-18 不在公示期（2026-03-10 至 2026-03-17）内")
    refused(db, lambda: run("case", "objection", publicity, "--on", "2026-03-18", "--dismissed", "--note", "x"),
            "没有待处理的公示异议")
    refused(db, lambda: run("--actor", VERIFIER, "case", "strike-off", publicity, "--on", "2026-03-18"),
            f"{VERIFIER} 是验收人，不能批复自己验收的整顿对象销号")
    assert "→ 已验收销号" in ok(run("--actor", APPROVER, "case", "strike-off", publicity, "--on", "2026-03-18"))


@pytest.mark.parametrize(("args", "message"), [
    (("--item", "班子18"), "评分项目应写成 项目=分数"),
    (("--item", "班子=18", "--item", "班子=17"), "评分项目 班子 重复"),
    (("--item", "班子=18", "--item", "风气=10"), "未知的评分项目 风气"),
    (("--item", "班子=18"), "评分表缺少 队伍、场所、载体、制度、业绩 的得分"),
    ((*items(SHEET_86), "--score", "90"), "--score 90 与各项得分之和 86 不一致"),
    ((), "缺少验收得分"),
])
def test_a_malformed_score_sheet_exits_2(wf: Any, db: Database, clock: FakeClock, run: Run,
                                         args: tuple[str, ...], message: str) -> None:
    add_org(wf)
    case = str(walk(wf, clock, "V001", "rectified"))
    refused(db, lambda: run("--actor", VERIFIER, "case", "verify", case, "--on", "2026-03-10", "--member", VERIFIER,
                            "--satisfied", "40", "--dissatisfied", "1", *args), message, code=2)


def test_objection_takes_text_or_a_decision(wf: Any, db: Database, clock: FakeClock, run: Run) -> None:
    add_org(wf)
    case = str(walk(wf, clock, "V001", "publicity"))
    refused(db, lambda: run("case", "objection", case, "--on", "2026-03-10", "--text", "x", "--upheld"),
            "二者择一", code=2)
    refused(db, lambda: run("case", "objection", case, "--on", "2026-03-10"), "二者择一", code=2)


def test_verify_without_a_team_is_refused(wf: Any, db: Database, clock: FakeClock, run: Run) -> None:
    add_org(wf)
    case = str(walk(wf, clock, "V001", "rectified"))
    refused(db, lambda: run("--actor", VERIFIER, "case", "verify", case, "--on", "2026-03-10", "--score", "88",
                            "--satisfied", "40", "--dissatisfied", "1"), "缺少验收组成员（--member，至少一人）")


def test_migration_0007_carries_verified_cases_over_as_struck_off(db: Database) -> None:

    import rectify.store.models  # noqa: F401

    emptied(db)
    upgrade(db, "0006")
    with db.engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO organization (id, code, name, kind, county, township, poor_village, created_at) VALUES "
            "(1, 'V1', '甲村党支部', 'village', '青山县', '河口镇', false, :at), "
            "(2, 'V2', '乙村党支部', 'village', '青山县', '河口镇', false, :at)"), {"at": NOW})
        for case_id, stage, verified_on in ((1, "verified", "2026-03-08"), (2, "rectified", None)):
            conn.execute(sa.text(
                "INSERT INTO rectification_case (id, org_id, year, stage, identified_on, deadline, stage_since, "
                "cycle_start, cycle, version, detail, helping_unit, self_check, rectified_on, verified_on, score, "
                "withdrawn_reason, supervised, supervision_reason, supervision_level, escalation_step, "
                "measures_total, measures_done, village_secretary_status, created_at, updated_at) VALUES (:id, :id, "
                "2026, :stage, '2026-03-01', '2026-12-31', '2026-03-08', '2026-03-01', 1, 3, '', '', '自查', "
                "'2026-03-05', :v, :score, '', false, '', '', '', 0, 0, '', :at, :at)"),
                {"id": case_id, "stage": stage, "v": verified_on, "score": 86 if verified_on else None, "at": NOW})
        conn.execute(sa.text(
            "INSERT INTO verification (case_id, verified_on, verifier, score, satisfied, basic, dissatisfied, passed, "
            "reasons) VALUES (1, '2026-03-08', '验收组', 86, 30, 5, 15, true, '')"))
        for case_id, action, actor in ((1, "mark_rectified", "孙乡长"), (1, "verify", "钱验收"),
                                       (2, "mark_rectified", "李乡长")):
            conn.execute(sa.text(
                "INSERT INTO case_event (case_id, at, actor, action, reason, detail, actor_unit, happened_on) "
                "VALUES (:id, :at, :actor, :action, '', '{}', '', '2026-03-08')"),
                {"id": case_id, "at": NOW, "actor": actor, "action": action})
    assert upgrade(db) == ("0006", SCHEMA_HEAD)  # through 0007 (and on to the head)
    with db.connect() as conn:
        rows = {r.id: r for r in conn.execute(sa.select(case_t))}
    one, two = rows[1], rows[2]
    assert (one.struck_off_on, one.strike_off_doc, one.applied_by, one.verified_by, one.grade) == (
        date(2026, 3, 8), "（升级前销号）", "孙乡长", "钱验收", "basic")  # 满意率 35/50 = 70 % < 80 %
    assert one.satisfaction == pytest.approx(0.7) and one.publicity_until is None
    assert (two.applied_by, two.struck_off_on, two.grade) == ("李乡长", None, "")


def test_objection_dismissed_and_upheld_together_exit_2(wf: Any, db: Database, clock: FakeClock, run: Run) -> None:
    add_org(wf)
    case = str(walk(wf, clock, "V001", "publicity"))
    ok(run("case", "objection", case, "--on", "2026-03-10", "--text", "有异议"))
    refused(db, lambda: run("case", "objection", case, "--on", "2026-03-10", "--dismissed", "--upheld", "--note", "x"),
            "互相矛盾", code=2)
