"""An imported case in a late stage carries the verification facts the stage needs (SPEC §7, §12; issue 26): the
team, the score and a survey of at least ``min_surveyed`` people, the 公示, the approver and the 文号 — marked 导入 —
or the row is refused with one line per missing column, naming the row, and nothing is written."""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from click.testing import Result

from rectify.config import Config
from rectify.reports.cases import case_history, show_case
from rectify.store import Database

from .conftest import snapshot

Run = Callable[..., Result]
AS_OF = date(2026, 3, 10)
HEAD = ("组织代码,党组织名称,类别,县,乡镇,软弱涣散情形,确定日期,转化时限,当前阶段,整改措施,县级联系领导,乡镇包村领导,"
        "第一书记,整改日期,验收日期,验收得分,验收等次,是否销号,销号日期")
BASE = "Q1,王家庄村党支部,村,青山县,河口镇,P01,2026-01-05,2026-12-31,{stage},3/3,李县长,张干部,陈海涛（县财政局）,2026-02-01"
# The probe of issue 26: struck off with score 99, a survey of 0 people, 合格, no verifier, approver or 公示.
PROBE = BASE.format(stage="已验收销号") + ",2026-02-10,99,合格,是,2026-02-20"
FACTS = ",验收组,验收组成员,满意,基本满意,不满意,公示期,销号批复人,销号文号"
GOOD = ",县级验收组,孔立群、李四,40,5,1,2026-02-11至2026-02-17,郑怀远,青组字〔2026〕31号"


def _sheet(tmp_path: Path, *lines: str, name: str = "cases.csv") -> str:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def _refused(run: Run, db: Database, path: str) -> list[str]:
    before = snapshot(db)
    result = run("case", "import", path)
    assert result.exit_code == 2, result.output
    assert snapshot(db) == before
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("错误：导入失败"), result.stderr
    return lines[:-1]


def test_the_probe_a_struck_off_case_without_its_facts_is_refused_column_by_column(
        run: Run, db: Database, tmp_path: Path) -> None:
    lines = _refused(run, db, _sheet(tmp_path, HEAD, PROBE))
    assert lines == [
        "第 2 行 · 验收组：已验收销号：缺少验收组（验收人）",
        "第 2 行 · 验收组成员：已验收销号：缺少验收组成员",
        "第 2 行 · 测评人数：已验收销号：民主测评 0 人，少于 15 人",
        "第 2 行 · 公示开始日期：已验收销号：缺少公示起止日期",
        "第 2 行 · 销号批复人：已验收销号：缺少销号批复人",
        "第 2 行 · 销号文号：已验收销号：缺少销号文号",
    ]
    # Without a stage column, 是否销号 = 是 is held to the same.
    no_stage = _sheet(tmp_path, HEAD.replace(",当前阶段", ""), PROBE.replace(",已验收销号", ""), name="b.csv")
    assert [line.split(" · ")[1].split("：")[0] for line in _refused(run, db, no_stage)] == [
        "验收组", "验收组成员", "测评人数", "公示开始日期", "销号批复人", "销号文号"]


@pytest.mark.parametrize("change, column, reason", [
    (("40,5,1", "8,2,1"), "测评人数", "民主测评 11 人，少于 15 人"),
    (("40,5,1", "5,5,30"), "验收得分", "不满意率 75% 超过 50%"),
    (("孔立群、李四", ""), "验收组成员", "缺少验收组成员"),
    (("郑怀远", "孔立群"), "销号批复人", "孔立群 是验收人，不能批复自己验收的整顿对象销号"),
    (("2026-02-11至2026-02-17", "2026-02-11至2026-02-25"), "销号日期", "销号日期 2026-02-20 早于公示期满 2026-02-25"),
    (("2026-02-11至2026-02-17", "2026-02-01至2026-02-17"), "公示开始日期", "应在验收日期之后"),
    (("青组字〔2026〕31号", ""), "销号文号", "缺少销号文号"),
])
def test_each_fact_is_held_to_the_steps_rules(run: Run, db: Database, tmp_path: Path, change: tuple[str, str],
                                              column: str, reason: str) -> None:
    row = PROBE + GOOD.replace(*change)
    lines = _refused(run, db, _sheet(tmp_path, HEAD + FACTS, row))
    assert len(lines) == 1 and lines[0].startswith(f"第 2 行 · {column}：") and reason in lines[0], lines


def test_a_grade_that_the_score_and_survey_do_not_make_is_refused(run: Run, db: Database, tmp_path: Path) -> None:
    row = PROBE + GOOD.replace("40,5,1", "20,10,6")  # 满意率 83%: 合格 needs 80%… it is; 60% is 基本合格
    assert run("case", "import", _sheet(tmp_path, HEAD + FACTS, row)).exit_code == 0
    row = PROBE.replace("Q1,王家庄", "Q2,李家庄") + GOOD.replace("40,5,1", "9,3,8")  # 满意率 60%
    lines = _refused(run, db, _sheet(tmp_path, HEAD + FACTS, row, name="b.csv"))
    assert lines == ["第 2 行 · 验收等次：按验收得分 99 和民主测评，验收等次应为 基本合格，本行为 合格"]


def test_a_struck_off_case_with_its_facts_is_kept_and_marked_imported(
        run: Run, db: Database, config: Config, tmp_path: Path) -> None:
    result = run("case", "import", _sheet(tmp_path, HEAD + FACTS, PROBE + GOOD))
    assert result.exit_code == 0, result.output
    c = show_case(db, 1, as_of=AS_OF, config=config)
    assert (c["stage"], c["struck_off_on"], c["strike_off_doc"]) == ("verified", "2026-02-20", "青组字〔2026〕31号")
    [v] = c["verifications"]
    assert (v["verifier"], v["members"], v["score"], v["satisfied"], v["basic"], v["dissatisfied"], v["grade"],
            v["signed_by"]) == ("县级验收组", "孔立群、李四", 99, 40, 5, 1, "good", "导入")
    [event] = case_history(db, c["id"])
    assert event["action"] == "import"
    assert event["reason"] == "导入（验收：县级验收组；销号批复：郑怀远，青组字〔2026〕31号）"
    assert event["detail"]["verification"] == {
        "approver": "郑怀远", "doc_no": "青组字〔2026〕31号", "publicity": ["2026-02-11", "2026-02-17"],
        "team": ["孔立群", "李四"], "verifier": "县级验收组"}
    shown = run("case", "history", "1")
    assert "导入（验收：县级验收组" in shown.stdout


def test_a_case_in_publicity_carries_the_verification_and_keeps_its_publicity(
        run: Run, db: Database, config: Config, tmp_path: Path) -> None:
    head = HEAD.replace(",是否销号,销号日期", "") + ",验收组,验收组成员,测评人数,满意率,公示开始日期,公示结束日期"
    row = BASE.format(stage="已整改") + ",2026-02-10,90,合格"
    lines = _refused(run, db, _sheet(tmp_path, head, row + ",,,,,,"))
    assert [line.split(" · ")[1].split("：")[0] for line in lines] == ["验收组", "验收组成员", "测评人数",
                                                                      "公示开始日期"]
    assert lines[0].endswith("已验收、公示中的整顿对象：缺少验收组（验收人）")
    ok = row + ",县级验收组,孔立群 李四,20,95%,2026-02-11,2026-02-24"
    assert run("case", "import", _sheet(tmp_path, head, ok, name="b.csv")).exit_code == 0
    c = show_case(db, "Q1", as_of=AS_OF, config=config)
    assert (c["stage"], c["publicity_until"]) == ("rectified", "2026-02-24")
    [v] = c["verifications"]
    assert (v["members"], v["satisfied"], v["basic"], v["dissatisfied"]) == ("孔立群、李四", 19, 0, 1)


def test_the_ledger_carries_the_facts_and_a_round_trip_keeps_them(
        run: Run, db: Database, tmp_path: Path) -> None:
    assert run("case", "import", _sheet(tmp_path, HEAD + FACTS, PROBE + GOOD)).exit_code == 0
    out = tmp_path / "台账.csv"
    assert run("ledger", "--as-of", AS_OF.isoformat(), "--format", "csv", "-o", str(out)).exit_code == 0
    with out.open(encoding="utf-8-sig", newline="") as f:
        [row] = list(csv.DictReader(f))
    assert {k: row[k] for k in ("验收组", "验收组成员", "满意人数", "基本满意人数", "不满意人数", "公示开始日期",
                                "公示结束日期", "销号批复人", "销号文号")} == {
        "验收组": "县级验收组", "验收组成员": "孔立群、李四", "满意人数": "40", "基本满意人数": "5",
        "不满意人数": "1", "公示开始日期": "2026-02-11", "公示结束日期": "2026-02-17", "销号批复人": "郑怀远",
        "销号文号": "青组字〔2026〕31号"}


def test_the_template_names_the_facts(run: Run, tmp_path: Path) -> None:
    out = tmp_path / "模板.csv"
    assert run("import", "template", "--format", "csv", "-o", str(out)).exit_code == 0
    with out.open(encoding="utf-8-sig", newline="") as f:
        headers = next(csv.reader(f))
    for name in ("验收组", "验收组成员", "满意人数", "基本满意人数", "不满意人数", "公示开始日期", "公示结束日期",
                 "销号批复人", "销号文号"):
        assert name in headers, name
