"""A county's own sheet imported as it is (issue 27): title, 填报单位 and footer rows, a two-row header merged
over 四个一落实情况, the county's column names, month deadlines, （1） measures, problems in its own words, no
县 or 类别 column; ``--dry-run`` shows every reading; then the import, on both backends."""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from rectify.config import Config
from rectify.importing import import_cases
from rectify.importing.county import SheetDefaults
from rectify.importing.readings import Readings, Remarks, kind_from_name, numbered_items, parse_due, parse_remarks
from rectify.reports.cases import list_orgs, show_case
from rectify.store import Database

from .conftest import ACTOR, FakeClock, snapshot

AS_OF = date(2026, 3, 10)
OPTIONS = ("--county", "青山县", "--kind-from-name", "--identified", "2026-03-05")

# Each sheet: its rows (None where a merged cell continues) and the merged ranges (XLSX).
Sheet = tuple[list[list[Any]], list[str]]

FOUR = ["县级联系领导", "乡镇包村领导", "第一书记（派出单位）", "结对帮扶单位"]


def _heads(*before: str, after: tuple[str, ...] = ("整顿转化时限", "备注")) -> tuple[list[Any], list[Any]]:
    top = [*before, "四个一落实情况", None, None, None, *after]
    under = [None] * len(before) + FOUR + [None] * len(after)
    return top, under


def _sheet_one() -> Sheet:
    """青山县: 乡镇, 村（社区）党组织名称, 软弱涣散主要表现, 整顿措施 numbered （1） with their own 责任人 and 时限."""
    top, under = _heads("序号", "乡镇", "村（社区）党组织名称", "软弱涣散主要表现", "整顿措施")
    rows = [
        ["青山县软弱涣散村（社区）党组织整顿台账", *[None] * 10],
        ["填报单位：中共青山县委组织部（盖章）    填报日期：2026年3月12日", *[None] * 10],
        top, under,
        [1, "河口镇", "王家庄村党支部", "村务公开不及时，群众意见大",
         "（1）召开专题组织生活会，责任人：张秀英，时限：2026年4月底前（2）完善村务公开栏，责任人：李明（河口镇），"
         "时限：2026年6月底前", "李志强", "张秀英", "陈海涛（县财政局）", "县财政局", "2026年6月底前", ""],
        [2, "河口镇", "新华社区党支部", "班子不团结、内耗严重", "调整充实社区班子", "李志强", "王芳", None,
         "县人社局", "年底前", "社区换届后复查"],
        [3, "城关镇", "李家湾村党支部", "书记长期缺职", "1.选优配强村党组织书记；2.发展年轻党员", "周建国",
         "孙丽", None, "县农业农村局", "2026年10月", None],
        ["审核人：赵刚", None, None, "填表人：钱明", None, None, "联系电话：0551-12345678", None, None, None, None],
    ]
    merges = ["A1:K1", "A2:K2", "F3:I3", "A3:A4", "B3:B4", "C3:C4", "D3:D4", "E3:E4", "J3:J4", "K3:K4"]
    return rows, merges


def _sheet_two() -> Sheet:
    """石桥乡: 所属乡镇, 软弱涣散表现, measures ① with the 责任人 and 完成时限 columns numbered alike."""
    top, under = _heads("序号", "所属乡镇", "村（社区）党组织名称", "软弱涣散表现", "整改措施", "责任人", "完成时限",
                        after=("整顿转化时限",))
    rows = [
        ["石桥乡2026年软弱涣散基层党组织整顿转化情况表", *[None] * 11],
        ["填报单位：石桥乡党委", *[None] * 11],
        top, under,
        [1, "石桥乡", "张家坪村党支部", "财务管理混乱；组织生活不正常", "①清理村集体账目②落实三会一课制度",
         "①刘会计②王书记", "①2026年5月底前②2026年4月30日前", "李志强", "孙丽", "吴敏（县审计局）", "县审计局",
         "2026年9月底前"],
        [2, "石桥乡", "东风社区党支部", "服务意识差，办事推诿", "一、建立便民服务代办制度；二、开展入户走访",
         "陈主任", "2026年6月底前", "周建国", "孙丽", None, "县民政局", "2026年11月"],
        ["注：本表由乡镇党委填报", *[None] * 11],
        ["审核人：", None, None, None, "填表人：刘洋", None, None, None, "联系电话：13800000000", None, None, None],
    ]
    merges = ["A1:L1", "A2:L2", "H3:K3", *[f"{c}3:{c}4" for c in "ABCDEFGL"]]
    return rows, merges


def _sheet_three() -> Sheet:
    """白马镇: 乡镇（街道）, 党组织名称, 软弱涣散类型, one unnumbered measure, 整顿时限, a note between the rows."""
    top, under = _heads("乡镇（街道）", "党组织名称", "软弱涣散类型", "主要整顿措施", after=("整顿时限", "备注"))
    rows = [
        ["白马镇软弱涣散村党组织整顿台账（2026年）", *[None] * 9],
        top, under,
        ["白马镇", "白马村党总支", "宗族势力干扰村务", "（1）依法打击宗族势力干扰（2）选派驻村工作队",
         "周建国", "赵强", "钱伟（县公安局）", "县公安局", "2026年12月底前", "重点村"],
        ["白马镇", "清水村党支部", "换届后班子配备不齐", "尽快补齐村两委班子", "周建国", "赵强", None, "县委办",
         "2026年8月", ""],
        ["制表人：孙红", None, None, None, None, "审核人：李刚", None, None, None, None],
    ]
    merges = ["A1:J1", "E2:H2", *[f"{c}2:{c}3" for c in "ABCDIJ"]]
    return rows, merges


SHEETS: dict[str, Callable[[], Sheet]] = {"one": _sheet_one, "two": _sheet_two, "three": _sheet_three}


def write_sheet(sheet: Sheet, path: Path) -> Path:
    """The sheet as a county saves it: XLSX with its merged cells, or CSV (merged cells left empty)."""
    rows, merges = sheet
    if path.suffix == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as f:
            csv.writer(f).writerows([["" if c is None else c for c in row] for row in rows])
        return path
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for row in rows:
        ws.append(row)
    for cells in merges:
        ws.merge_cells(cells)
    wb.save(path)
    return path


# -- readers ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("2026年6月底前", date(2026, 6, 30)), ("年底前", date(2026, 12, 31)), ("2026年10月", date(2026, 10, 31)),
    ("2027年2月底", date(2027, 2, 28)), ("6月底前", date(2026, 6, 30)), ("2026年底前", date(2026, 12, 31)),
    ("2026年4月30日前", date(2026, 4, 30)), ("第三季度", date(2026, 9, 30)), ("上半年", date(2026, 6, 30)),
    ("2026-06-30", date(2026, 6, 30)),
])
def test_deadlines_by_the_month(text: str, expected: date) -> None:
    assert parse_due(text, 2026)[0] == expected


@pytest.mark.parametrize("text, items", [
    ("（1）召开会议（2）整改", ["召开会议", "整改"]), ("(1)召开会议；(2)整改", ["召开会议；", "整改"]),
    ("1.召开会议；2.整改", ["召开会议；", "整改"]), ("1、召开会议 2、整改", ["召开会议", "整改"]),
    ("①召开会议②整改", ["召开会议", "整改"]), ("一、召开会议；二、整改", ["召开会议；", "整改"]),
    ("措施：1.召开会议 2.整改", ["召开会议", "整改"]), ("召开会议", None),
    ("1.投入1.5万元；2.整改；5.其他", ["投入1.5万元；", "整改；5.其他"]),
])
def test_measures_numbered_as_counties_number_them(text: str, items: list[str] | None) -> None:
    assert numbered_items(text) == items


@pytest.mark.parametrize("name, kind", [
    ("王家庄村党支部", "village"), ("新华社区党支部", "community"), ("白马村党总支", "village"),
    ("东风社区党委", "community"), ("县医院党支部", None),
])
def test_kind_from_the_name(name: str, kind: str | None) -> None:
    read = kind_from_name(name)
    assert (read[0] if read else None) == kind


@pytest.mark.parametrize("text, remarks", [
    ("", Remarks()),
    ("挂牌督办：整顿进度滞后，列入市级挂牌督办", Remarks(supervision="整顿进度滞后，列入市级挂牌督办")),
    ("第2轮整顿（回头看反弹）；延期1次；验收未通过2次；挂牌督办：滞后；一个月内配齐；撤销：误判",
     Remarks(cycle=2, extensions=1, failed=2, supervision="滞后；一个月内配齐", withdrawal="误判")),
    ("社区换届后复查", Remarks(free="社区换届后复查")),
])
def test_remarks_read_back(text: str, remarks: Remarks) -> None:
    """备注 as the ledger writes it: its reasons without their prefixes, its counts."""
    assert parse_remarks(text) == remarks


# -- the three sheets --------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize("which", ["one", "two", "three"])
def test_county_sheet_dry_run_then_import(which: str, fmt: str, db: Database, config: Config,
                                          run: Callable[..., Result], tmp_path: Path) -> None:
    path = write_sheet(SHEETS[which](), tmp_path / f"{which}.{fmt}")
    before = snapshot(db)
    dry = run("case", "import", str(path), "--dry-run", *OPTIONS)
    assert dry.exit_code == 0, dry.output
    assert snapshot(db) == before
    report = dry.stdout
    assert "跳过的行：" in report and "（标题）" in report and "（表尾）" in report
    assert "由命令行给出：" in report and "县 → 青山县（--county，表中无此列，各行）" in report
    assert "确定日期 → 2026-03-05（--identified，表中无此列，各行）" in report
    assert "→ 村（由名称推断）" in report
    assert "未识别" not in report, report
    assert "检查通过（--dry-run，未写入）" in dry.stderr
    real = run("case", "import", str(path), *OPTIONS)
    assert real.exit_code == 0, real.output
    assert real.stdout == ""
    EXPECT[which](db, config, report)


def _case(db: Database, config: Config, name: str) -> dict[str, Any]:
    orgs = {o["name"]: o for o in list_orgs(db)}
    return show_case(db, orgs[name]["code"], as_of=AS_OF, config=config)


def _measures(c: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    return [(m["text"], m["owner"], m["owner_unit"], m["due_on"]) for m in c["measures"]]


def _expect_one(db: Database, config: Config, report: str) -> None:
    assert "表头：第 3–4 行（两行表头）" in report
    assert "第 2 行（填报单位）：填报单位：中共青山县委组织部（盖章）" in report
    assert "四个一落实情况/县级联系领导 → 县级联系领导（county_leader）" in report
    assert "村（社区）党组织名称 → 党组织名称（org_name）" in report
    assert "软弱涣散主要表现 → 软弱涣散情形（problems）" in report
    assert "整顿转化时限 → 转化时限（deadline）" in report
    assert "「2026年6月底前」→ 2026-06-30（第 5 行）" in report
    assert "「年底前」→ 2026-12-31（第 6 行）" in report and "「2026年10月」→ 2026-10-31（第 7 行）" in report
    assert "「村务公开不及时」→ P07 村务居务财务公开和民主管理混乱（第 5 行）" in report
    assert "「群众意见大」→ P10 服务意识差、服务能力弱、群众意见大（第 5 行）" in report
    assert "A 序号 → 由系统计算，不导入" in report
    assert "「2026年4月底前」→ 2026-04-30（第 5 行）" in report
    assert ("2 项：召开专题组织生活会（张秀英，2026-04-30；针对 P07、P10：全部问题）；"
            "完善村务公开栏（李明，2026-06-30；针对 P07：措施文字对应）（第 5 行）" in report)
    assert "→ 社区（由名称推断）（第 6 行）" in report
    c = _case(db, config, "王家庄村党支部")
    assert c["organization"]["county"] == "青山县" and c["organization"]["kind"] == "village"
    assert (c["identified_on"], c["deadline"]) == ("2026-03-05", "2026-06-30")
    assert [(p["code"], p["text"]) for p in c["problems"]] == [("P07", "村务公开不及时"), ("P10", "群众意见大")]
    assert _measures(c) == [("召开专题组织生活会", "张秀英", "", "2026-04-30"),
                            ("完善村务公开栏", "李明", "河口镇", "2026-06-30")]
    assert [sorted(m["problems"].split(",")) for m in c["measures"]] == [["P07", "P10"], ["P07"]]
    assert [(p["role"], p["name"]) for p in c["people"]] == [("county_leader", "李志强"), ("township_cadre", "张秀英")]
    assert c["secretaries"][0]["name"] == "陈海涛" and c["helping_unit"] == "县财政局"
    community = _case(db, config, "新华社区党支部")
    assert community["organization"]["kind"] == "community" and community["deadline"] == "2026-12-31"
    assert _measures(community) == [("调整充实社区班子", "王芳", "", "2026-12-31")]
    assert [p["code"] for p in community["problems"]] == ["P03"]
    third = _case(db, config, "李家湾村党支部")
    assert third["deadline"] == "2026-10-31"
    assert [m["text"] for m in third["measures"]] == ["选优配强村党组织书记", "发展年轻党员"]


def _expect_two(db: Database, config: Config, report: str) -> None:
    assert "第 8 行（表尾）：审核人： 填表人：刘洋 联系电话：13800000000" in report
    assert "第 7 行（说明）：注：本表由乡镇党委填报" in report
    assert "「①刘会计②王书记」" not in report  # numbered alike: read per measure, shown with the measures
    assert ("2 项：清理村集体账目（刘会计，2026-05-31；针对 P07：措施文字对应）；"
            "落实三会一课制度（王书记，2026-04-30；针对 P04：措施文字对应）（第 5 行）" in report)
    c = _case(db, config, "张家坪村党支部")
    assert _measures(c) == [("清理村集体账目", "刘会计", "", "2026-05-31"), ("落实三会一课制度", "王书记", "", "2026-04-30")]
    assert [p["code"] for p in c["problems"]] == ["P07", "P04"]
    assert [m["problems"] for m in c["measures"]] == ["P07", "P04"]  # each tied to its own problem
    assert c["deadline"] == "2026-09-30"
    d = _case(db, config, "东风社区党支部")
    assert _measures(d) == [("建立便民服务代办制度", "陈主任", "", "2026-06-30"), ("开展入户走访", "陈主任", "", "2026-06-30")]
    assert [p["code"] for p in d["problems"]] == ["P10"] and d["deadline"] == "2026-11-30"


def _expect_three(db: Database, config: Config, report: str) -> None:
    assert "表头：第 2–3 行（两行表头）" in report
    c = _case(db, config, "白马村党总支")
    assert [p["code"] for p in c["problems"]] == ["P06"] and c["deadline"] == "2026-12-31"
    assert [m["text"] for m in c["measures"]] == ["依法打击宗族势力干扰", "选派驻村工作队"]
    d = _case(db, config, "清水村党支部")
    assert _measures(d) == [("尽快补齐村两委班子", "赵强", "", "2026-08-31")]
    assert [p["code"] for p in d["problems"]] == ["P01"]


EXPECT: dict[str, Callable[[Database, Config, str], None]] = {
    "one": _expect_one, "two": _expect_two, "three": _expect_three}


def test_free_text_that_fits_no_type_is_refused_naming_the_cell(db: Database, run: Callable[..., Result],
                                                                tmp_path: Path) -> None:
    rows, merges = _sheet_one()
    rows[5][3] = "村集体经济薄弱"
    path = write_sheet((rows, merges), tmp_path / "bad.xlsx")
    before = snapshot(db)
    result = run("case", "import", str(path), *OPTIONS)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0].startswith(
        "第 6 行 · 软弱涣散主要表现：无法识别的软弱涣散情形「村集体经济薄弱」（未能对应到 P01–P10 中的任何一项")
    assert snapshot(db) == before
    dry = run("case", "import", str(path), "--dry-run", *OPTIONS)  # the readings, then what is wrong
    assert dry.exit_code == 2
    assert "D 软弱涣散主要表现 → 软弱涣散情形（problems）" in dry.stdout and "第 8 行（表尾）" in dry.stdout
    assert dry.stderr.splitlines()[0].startswith("第 6 行 · 软弱涣散主要表现：无法识别的软弱涣散情形")


def test_a_local_type_matches_free_text(db: Database, clock: FakeClock, tmp_path: Path) -> None:
    from dataclasses import replace

    rows, merges = _sheet_one()
    rows[5][3] = "村集体经济薄弱，无稳定收入"
    path = write_sheet((rows, merges), tmp_path / "local.xlsx")
    config = Config()
    config = replace(config, policy=replace(config.policy, local_problem_types={"P11": "村集体经济薄弱"}))
    defaults = SheetDefaults("青山县", True, date(2026, 3, 5))
    dry = import_cases(db, path, config=config, actor=ACTOR, clock=clock, dry_run=True, defaults=defaults)
    assert "    「村集体经济薄弱，无稳定收入」→ P11 村集体经济薄弱（第 6 行）" in dry.report
    import_cases(db, path, config=config, actor=ACTOR, clock=clock, defaults=defaults)
    c = _case(db, config, "新华社区党支部")
    assert [(p["code"], p["text"]) for p in c["problems"]] == [("P11", "村集体经济薄弱，无稳定收入")]


def test_without_the_options_the_missing_columns_are_named(db: Database, run: Callable[..., Result],
                                                          tmp_path: Path) -> None:
    path = write_sheet(_sheet_one(), tmp_path / "one.xlsx")
    result = run("case", "import", str(path), "--dry-run")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == "第 4 行 · 确定日期：缺少这一列"
    assert "四个一落实情况/第一书记（派出单位） → 第一书记（派出单位、任期）（secretary）" in result.stdout
    assert "第 8 行（表尾）：审核人：赵刚" in result.stdout
    result = run("case", "import", str(path), "--identified", "2026-03-05")
    assert "第 5 行 · 县：不能为空（没有组织代码时，按 县+乡镇+党组织名称 识别组织；表中没有县一列时，可用 --county 给出）" \
        in result.stderr.splitlines()


@pytest.mark.parametrize("texts, ties", [
    (["P04 落实三会一课", "建立村务公开栏"], [(("P04",), "写明问题代码"), (("P07",), "措施文字对应")]),
    (["1-1 召开专题会", "2-1 制定制度", "1-2 走访"], [(("P04",), "按问题编号 1-1"), (("P07",), "按问题编号 2-1"),
                                                   (("P04",), "按问题编号 1-2")]),
    (["召开专题会", "建立村务公开栏"], [(("P04", "P07"), "全部问题"), (("P07",), "措施文字对应")]),
    # tied one by one, a problem would be left without a measure: every measure answers every problem
    (["建立村务公开栏"], [(("P04", "P07"), "全部问题（逐项对应后有问题无措施）")]),
])
def test_each_measure_is_tied_to_the_problems_it_names(texts: list[str], ties: list[Any]) -> None:
    from rectify.importing.readings import measures_problems

    assert measures_problems(texts, [("P04", "组织生活不正常"), ("P07", "财务管理混乱")], {}) == ties


def test_a_dry_runs_reading_names_eight_rows_and_counts_the_rest() -> None:
    """A reading every row shares keeps eight row numbers and a count, not every row (memory flat in --dry-run)."""
    readings = Readings(keep=True)
    for row in range(2, 10_002):
        readings.note("转化时限", "6月底前", "2026-06-30", row)
    readings.note("转化时限", "年底前", "2026-12-31", 5)
    assert list(readings.lines()) == ["  转化时限：", "    「6月底前」→ 2026-06-30（第 2、3、4、5、6、7、8、9 行 等 10000 行）",
                                      "    「年底前」→ 2026-12-31（第 5 行）"]
    assert len(readings.seen["转化时限"][("6月底前", "2026-06-30")]) == 8
