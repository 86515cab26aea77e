"""The 限期转化台账 and statistics: goldens of the demo, every format read back, safety, streaming."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Callable
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import Result

from rectify.config import Config
from rectify.output import display_width
from rectify.reports.ledger import LEDGER_COLUMNS, LedgerFilter, ledger_rows
from rectify.reports.ledger_sheets import SHEET_COLUMNS
from rectify.store import Database
from rectify.write.engine import Workflow

from .conftest import FakeClock, add_org, snapshot, walk
from .ledger_helpers import AS_OF, HOSTILE_NAME, HOSTILE_NOTE, assert_golden, hostile_county

Run = Callable[..., Result]
LEFT = [k for k, _ in LEDGER_COLUMNS].index("days_left")
HEADERS = [h for _, h in LEDGER_COLUMNS]
SHEET = [h for _, h in SHEET_COLUMNS]  # CSV and XLSX: 组织代码 added, 整顿措施 as 措施已完成 + 措施总数


def ok(result: Result) -> Result:
    assert result.exit_code == 0, result.output
    return result


# -- goldens (the same files on SQLite and PostgreSQL) ---------------------------------------------


def test_demo_goldens(demo: Run) -> None:
    assert_golden("demo_ledger.csv", ok(demo("ledger", "--as-of", AS_OF, "--format", "csv")).stdout_bytes)
    assert_golden("demo_ledger.json", ok(demo("ledger", "--as-of", AS_OF, "--format", "json")).stdout_bytes)
    assert_golden("demo_stats.json", ok(demo("stats", "--as-of", AS_OF, "--format", "json")).stdout_bytes)
    assert_golden("demo_stats.txt", ok(demo("stats", "--as-of", AS_OF)).stdout_bytes)
    assert_golden("demo_stats.csv", ok(demo("stats", "--as-of", AS_OF, "--format", "csv")).stdout_bytes)


def test_demo_prints_the_ledger_table(run: Run, clock: FakeClock) -> None:
    clock.set_day(AS_OF)
    out = ok(run("demo", "--as-of", AS_OF, env={"COLUMNS": "100"})).output
    lines = out.splitlines()
    assert lines[0].startswith("演示县 青山县")
    assert lines[1].split()[:4] == ["序号", "编号", "乡镇", "党组织名称"]
    assert "当前待办" in lines[1] and "预警" in lines[1] and "待办剩余天数" in lines[1]
    assert all(display_width(line) <= 100 for line in lines[1:-2])
    assert lines[-2].startswith("（共 44 个整顿对象")
    assert lines[-1].startswith("演示县已登记各角色人员；请以其身份继续，如 rectify --actor 钱明远")


def test_csv_is_bom_utf8_with_the_form_headers(demo: Run) -> None:
    raw = ok(demo("ledger", "--as-of", AS_OF, "--format", "csv")).stdout_bytes
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == SHEET
    assert len(rows) == 45
    by_header = [dict(zip(SHEET, r, strict=True)) for r in rows[1:]]
    closed = [r["当前阶段"] in ("已验收销号", "已撤销") for r in by_header]
    assert closed == sorted(closed)  # open cases first (SPEC §6); test_ledger_order.py holds the rest
    assert {r["是否销号"] for r in by_header} == {"是", "否"}
    codes = Counter(r["组织代码"] for r in by_header)
    assert sorted(codes.values())[-1] == 2  # the relapse listed again beside its verified case
    assert any("延期1次" in r["备注"] for r in by_header)
    assert any(r["备注"].startswith("撤销：") for r in by_header)
    assigned = next(r for r in by_header if r["当前阶段"] == "整改中")
    fs = assigned["第一书记（派出单位、任期）"]
    assert "（" in fs and "）任期至 20" in fs
    assert int(assigned["措施已完成"]) <= int(assigned["措施总数"])
    assert int(assigned["措施逾期"]) <= int(assigned["措施总数"]) - int(assigned["措施已完成"])
    assert assigned["整改措施（每项：内容、责任人、时限、完成情况）"].startswith("1. ")
    assert not any("/" in c for r in by_header for c in (r["措施已完成"], r["措施总数"], r["措施逾期"]))
    assert assigned["软弱涣散情形"].startswith("P")


# -- filters ---------------------------------------------------------------------------------------


def _json(run: Run, *args: str) -> dict[str, Any]:
    return json.loads(ok(run("ledger", "--as-of", AS_OF, "--format", "json", *args)).stdout)


def test_filters(demo: Run) -> None:
    everything = _json(demo)["cases"]
    assert len(everything) == 44
    red = _json(demo, "--light", "red")["cases"]
    assert red and {c["light"] for c in red} == {"red"}
    assert [c["seq"] for c in red] == list(range(1, len(red) + 1))
    opened = _json(demo, "--open")["cases"]
    assert {c["stage"] for c in opened} == {"identified", "ledger_created", "secretary_assigned", "rectified"}
    town = _json(demo, "--township", "城关镇", "--kind", "community")["cases"]
    assert town and all(c["township"] == "城关镇" and c["kind"] == "community" for c in town)
    assert {c["stage"] for c in _json(demo, "--stage", "verified")["cases"]} == {"verified"}
    assert _json(demo, "--year", "2020")["cases"] == []
    assert _json(demo, "--county", "别的县")["count"] == 0


def test_as_of_moves_every_figure(demo: Run) -> None:
    now = {c["case_id"]: c for c in _json(demo)["cases"]}
    later = {
        c["case_id"]: c
        for c in json.loads(ok(demo("ledger", "--as-of", "2026-07-10", "--format", "json")).stdout)["cases"]
    }
    open_ids = [i for i, c in now.items() if c["days_left"] is not None]
    assert all(later[i]["days_left"] == now[i]["days_left"] - 10 for i in open_ids)
    assert sum(c["light"] == "red" for c in later.values()) > sum(c["light"] == "red" for c in now.values())


# -- XLSX ------------------------------------------------------------------------------------------


def test_xlsx_read_back(demo: Run, tmp_path: Path) -> None:
    import openpyxl
    from openpyxl.utils import get_column_letter

    path = tmp_path / "台账.xlsx"
    ok(demo("ledger", "--as-of", AS_OF, "--format", "xlsx", "-o", str(path)))
    wb = openpyxl.load_workbook(path)
    # The 简表 first (opened and printed), the 全表 for filtering on screen, the measures one a row.
    assert wb.sheetnames == ["台账简表", "限期转化台账", "措施明细"] and wb.active.title == "台账简表"
    ws = wb["限期转化台账"]
    assert "青山县" in ws["A1"].value and AS_OF in ws["A1"].value
    assert [c.value for c in ws[2]] == SHEET
    assert ws.freeze_panes == "E3"
    assert ws.auto_filter.ref == f"A2:{get_column_letter(len(SHEET))}{2 + 44}"
    assert ws.print_title_rows == "$2:$2"
    assert ws.print_title_cols == "$A:$D"  # 序号 … 党组织名称 on every page
    assert ws.sheet_properties.pageSetUpPr is None or not ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.orientation == "landscape"
    assert str(ws.page_setup.paperSize) == "9"
    light_col = SHEET.index("预警") + 1
    fills = {}
    for r in range(3, 3 + 44):
        cell = ws.cell(r, light_col)
        if cell.value:
            fills[cell.value] = cell.fill.fgColor.rgb
    assert fills == {"绿": "FF00B050", "黄": "FFFFFF00", "橙": "FFFFA500", "红": "FFFF0000"}
    widths = {k: ws.column_dimensions[k].width for k in ("D", "G")}
    assert widths["D"] > 14 and widths["G"] > 24
    assert not list(tmp_path.glob("*.part"))


def test_stats_xlsx_has_the_party_form(demo: Run, tmp_path: Path) -> None:
    import openpyxl

    path = tmp_path / "统计.xlsx"
    ok(demo("stats", "--as-of", AS_OF, "--format", "xlsx", "-o", str(path)))
    wb = openpyxl.load_workbook(path)
    ws = wb["统计表"]
    assert "整顿软弱涣散基层党组织情况" in ws["A1"].value
    headers = [c.value for c in ws[3]][1:]
    assert len(headers) == 26
    assert headers[0] == "排查软弱涣散基层党组织" and headers[2] == "整顿提升基层党组织"
    assert sum("人工填报" in h for h in headers) == 5
    assert [ws.cell(r, 1).value for r in (4, 5, 6)] == ["总计", "村", "社区"]
    total, village, community = (ws.cell(r, 2).value for r in (4, 5, 6))
    assert total == village + community == 23  # 排查 of the statistical year 2026 (the as-of day's year)
    assert ws.cell(4, 15).value == 4  # 年初缺配的书记数: the village secretary at listing, 2026 cohort
    assert {"概况", "按阶段", "逾期清单"} <= set(wb.sheetnames)


# -- HTML ------------------------------------------------------------------------------------------


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(html: str) -> _Collect:
    p = _Collect()
    p.feed(html)
    p.close()
    return p


@pytest.mark.parametrize("layout", ["简表", "全表"])
def test_html_is_self_contained_with_svg_chart(demo: Run, tmp_path: Path, layout: str) -> None:
    from rectify.reports.ledger_print import BRIEF_COLUMNS

    path = tmp_path / "台账.html"
    ok(demo("ledger", "--as-of", AS_OF, "--format", "html", "--layout", layout, "-o", str(path)))
    html = path.read_text(encoding="utf-8")
    p = _parse(html)
    names = [t for t, _ in p.tags]
    assert names.count("svg") == 2 and names.count("rect") == 6 + 4
    # The 简表's header has its title row above it, so a printed page repeats both.
    heads = 1 + len(BRIEF_COLUMNS) if layout == "简表" else len(LEDGER_COLUMNS)
    assert names.count("th") == heads
    assert sum(1 for t, a in p.tags if t == "tr") == (2 if layout == "简表" else 1) + 44
    assert "script" not in names and "link" not in names and "img" not in names
    assert not any(
        v and v.startswith(("http:", "https:", "//"))
        for _, a in p.tags
        for k, v in a.items()
        if k in ("src", "href")
    )
    assert "@page { size: A4 landscape" in html
    assert any("截至 " + AS_OF in t for t in p.text)
    bars = [a for t, a in p.tags if t == "rect"]
    assert {a["fill"] for a in bars[6:]} == {"#00B050", "#FFFF00", "#FFA500", "#FF0000"}


# -- hostile text ----------------------------------------------------------------------------------


def test_hostile_text_is_neutralised(wf: Workflow, clock: FakeClock, run: Run, tmp_path: Path) -> None:
    import openpyxl

    hostile_county(wf, clock)
    raw = ok(run("ledger", "--as-of", "2026-03-20", "--format", "csv")).stdout_bytes
    row = dict(zip(SHEET, list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))[1], strict=True))
    assert row["党组织名称"] == "'" + HOSTILE_NAME
    assert row["县"] == "'-2+3县" and row["乡镇"] == "'+乡镇"
    assert row["结对帮扶单位"] == "'@县财政局" and row["县级联系领导"] == "'-李县长"
    assert row["最近进展"] == "2026-03-10 " + HOSTILE_NOTE
    for value in row.values():
        assert not value.startswith(("=", "+", "-", "@", "\t", "\r"))

    path = tmp_path / "h.xlsx"
    ok(run("ledger", "--as-of", "2026-03-20", "--format", "xlsx", "-o", str(path)))
    wb = openpyxl.load_workbook(path)
    ws = wb["限期转化台账"]
    cells = [c for c in ws[3]]
    assert all(c.data_type != "f" for sheet in wb for row in sheet.iter_rows() for c in row)
    assert all(c.data_type != "f" for c in cells)
    assert cells[SHEET.index("党组织名称")].value == "'" + HOSTILE_NAME

    html_path = tmp_path / "h.html"
    ok(run("ledger", "--as-of", "2026-03-20", "--format", "html", "--layout", "全表", "-o", str(html_path)))
    html = html_path.read_text(encoding="utf-8")
    names = [t for t, _ in _parse(html).tags]
    assert "script" not in names and "img" not in names and "i" not in names and "b" not in names
    assert "&lt;script&gt;" in html

    data = json.loads(ok(run("ledger", "--as-of", "2026-03-20", "--format", "json")).stdout)
    case = data["cases"][0]
    assert case["org_name"] == HOSTILE_NAME  # JSON keeps the data as it is
    assert case["problems"] == [
        {"code": "P01", "text": "班子配备不齐、书记长期缺职、工作处于停滞状态"},
        {"code": "other", "text": "@外部势力干扰"},
    ]
    assert "挂牌督办：<img" in case["remarks"]


# -- bad input -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("ledger", "--as-of", "2026-13-01"), 2, "日期不存在「2026-13-01」"),
        (("ledger", "--format", "pdf"), 2, "不是可选值之一"),
        (("ledger", "--light", "purple"), 2, "不是可选值之一"),
        (("ledger", "--format", "csv", "-o", "/nonexistent-dir/x.csv"), 2,
         "错误：无法写入文件 /nonexistent-dir/x.csv：目录不存在"),
        (("stats", "--format", "html"), 2, "不是可选值之一"),
    ],
)
def test_bad_input_is_one_line_and_changes_nothing(
    wf: Workflow, clock: FakeClock, run: Run, db: Database, args: tuple[str, ...], code: int, message: str
) -> None:
    add_org(wf)
    walk(wf, clock, "V001", "ledger_created")
    before = snapshot(db)
    result = run(*args)
    assert result.exit_code == code
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output
    assert snapshot(db) == before


# -- streaming: one query whatever the number of cases ---------------------------------------------


def test_rows_come_from_one_query(wf: Workflow, clock: FakeClock, db: Database) -> None:
    for i, stage in enumerate(
        ["identified", "ledger_created", "secretary_assigned", "rectified", "verified"]
    ):
        add_org(wf, f"V{i:03d}", f"河口镇{i}村党支部")
        walk(wf, clock, f"V{i:03d}", stage)
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        rows = list(ledger_rows(db, as_of=date(2026, 3, 20), config=Config(), filters=LedgerFilter()).dicts())
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert len(rows) == 5
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    # One cheap check that nothing is dated after the day (else the day is rebuilt), then the one ledger query.
    assert len(selects) == 2 and "max(case_event.happened_on)" in selects[0]
    verified = next(r for r in rows if r["stage"] == "verified")
    assert verified["struck_off"] is True and verified["score"] == 88 and verified["light"] is None
    assigned = next(r for r in rows if r["stage"] == "secretary_assigned")
    assert assigned["secretary"] == {"name": "陈海涛", "unit": "县财政局", "kind": "first", "term_until": "2028-03-09"}
    assert assigned["county_leader"] == "李县长" and assigned["township_cadre"] == "张干部"
    assert assigned["measures"] == {"done": 0, "total": 2, "overdue": 0, "items": [
        {"seq": 1, "text": "配齐村两委班子", "owner": "王建国", "owner_unit": "", "due_on": "2026-06-30", "done_on": None},
        {"seq": 2, "text": "规范三会一课", "owner": "李志强", "owner_unit": "", "due_on": "2026-09-30", "done_on": None}]}
    assert assigned["village_secretary"] is None


def test_json_rows_are_the_cells_of_the_rows(demo: Run, db: Database, wf: Workflow, clock: FakeClock) -> None:
    """Every format projects the one row source: the JSON form agrees with the form's cells."""
    hostile_county(wf, clock)
    as_of = date.fromisoformat(AS_OF)
    filters = (LedgerFilter(), LedgerFilter(light="red"), LedgerFilter(open_only=True), LedgerFilter(stage="verified"))
    for f in filters:
        rows = list(ledger_rows(db, as_of=as_of, config=Config(), filters=f))
        dicts = list(ledger_rows(db, as_of=as_of, config=Config(), filters=f).dicts())
        assert [(d["seq"], d["light"], d["days_left"], d["remarks"]) for d in dicts] == [
            (cells[0], light, None if cells[LEFT] == "" else cells[LEFT], cells[-1]) for light, cells, _ in rows], f
        assert all(len(cells) == len(LEDGER_COLUMNS) for _, cells, _ in rows)
    assert len(rows) > 0


def test_writers_registry_gives_what_the_cli_writes(demo: Run, db: Database) -> None:
    """Every format is one entry of WRITERS with one signature; each writes what `rectify ledger` writes."""
    from rectify.reports.ledger_formats import WRITERS, LedgerExport

    assert set(WRITERS) == {"table", "csv", "xlsx", "html", "json", "ics"}
    as_of = date.fromisoformat(AS_OF)
    export = LedgerExport(as_of=as_of, filters={"scope": "青山县"}, width=120)  # the demo officer's scope
    for fmt in ("csv", "json", "table"):
        out = io.StringIO()
        assert WRITERS[fmt](ledger_rows(db, as_of=as_of, config=Config()), out, export) == 44
        cli_out = ok(demo("ledger", "--as-of", AS_OF, "--format", fmt, "--width", "120")).stdout_bytes
        assert out.getvalue().encode() == cli_out, fmt


def test_table_fits_the_width(demo: Run) -> None:
    for width in ("80", "120", "160"):
        out = ok(demo("ledger", "--as-of", AS_OF, "--width", width)).stdout.splitlines()
        assert all(display_width(line) <= int(width) for line in out[:-1])
        assert out[0].split()[:2] == ["序号", "编号"]
    wide = ok(demo("ledger", "--as-of", AS_OF, "--width", "160")).stdout.splitlines()[0]
    narrow = ok(demo("ledger", "--as-of", AS_OF, "--width", "80")).stdout.splitlines()[0]
    assert len(wide.split()) > len(narrow.split())


def test_help_has_examples(run: Run) -> None:
    for cmd in ("ledger", "stats"):
        out = ok(run(cmd, "--help")).stdout
        assert "示例：" in out and f"rectify {cmd}" in out


# -- numbers are not formulas ----------------------------------------------------------------------


def test_safe_cell_passes_numbers_and_guards_text() -> None:
    from rectify.output import safe_cell

    assert [safe_cell(v) for v in (-10, 0, 7, -2.5, True)] == ["-10", "0", "7", "-2.5", "是"]
    assert [safe_cell(v) for v in ("-1+2", "-10", "=1+1", "+x", "@a")] == ["'-1+2", "'-10", "'=1+1", "'+x", "'@a"]


def test_csv_keeps_negative_days_as_numbers(wf: Workflow, clock: FakeClock, db: Database) -> None:
    """An overdue case's 剩余天数 is a plain negative number, streamed or not; text starting with '-' is still neutralised."""
    from rectify.reports.ledger_formats import write_csv

    clock.set_day("2025-01-05")
    wf.add_org("N001", "逾期村党支部", kind="village", county="-1+2", township="河口镇")
    wf.open_case("N001", problems=["P01"], identified_on=date(2025, 1, 1), deadline=date(2025, 12, 31))
    as_of = date(2026, 1, 10)

    def export(rows: Any) -> list[dict[str, str]]:
        out = io.StringIO()
        write_csv(rows, out)
        return [dict(zip(SHEET, r, strict=True)) for r in list(csv.reader(io.StringIO(out.getvalue()[1:])))[1:]]

    fast = export(ledger_rows(db, as_of=as_of, config=Config()))
    slow = export(list(ledger_rows(db, as_of=as_of, config=Config())))
    assert fast == slow
    days_left = list(ledger_rows(db, as_of=as_of, config=Config()).dicts())[0]["days_left"]
    assert days_left < 0
    assert fast[0]["待办剩余天数"] == str(days_left) and fast[0]["县"] == "'-1+2"


def test_os_reason_is_chinese() -> None:
    import errno

    from rectify.output import os_reason

    assert os_reason(FileNotFoundError(errno.ENOENT, "No such file or directory")) == "目录不存在"
    assert os_reason(PermissionError(errno.EACCES, "Permission denied")) == "没有写入权限"
    assert os_reason(IsADirectoryError(errno.EISDIR, "Is a directory")) == "是一个目录"
    assert os_reason(OSError(errno.ENOSPC, "No space left on device")) == "磁盘空间不足"
    assert os_reason(OSError(errno.EIO, "Input/output error")) == "Input/output error"
    assert os_reason(PermissionError(errno.EACCES, "Permission denied"), reading=True) == "没有读取权限"


def test_table_shows_the_case_number(demo: Run) -> None:
    """序号 counts the rows; 整顿对象 is the number `rectify case show` takes, in the terminal table only."""
    rows = json.loads(ok(demo("ledger", "--as-of", AS_OF, "--stage", "verified", "--format", "json")).stdout)["cases"]
    lines = ok(demo("ledger", "--as-of", AS_OF, "--stage", "verified", "--width", "80")).stdout.splitlines()
    shown = [(int(line.split()[0]), int(line.split()[1])) for line in lines[2:-1]]
    assert shown == [(r["seq"], r["case_id"]) for r in rows]
    assert any(seq != case_id for seq, case_id in shown)
    csv_head = ok(demo("ledger", "--as-of", AS_OF, "--format", "csv")).stdout.lstrip("\ufeff").splitlines()[0]
    assert csv_head.split(",") == SHEET and "编号" not in HEADERS


def test_ics_says_overdue_not_negative_days(demo: Run, tmp_path: Path) -> None:
    from icalendar import Calendar

    from rectify.states.wording import days_left_text

    assert [days_left_text(d) for d in (5, 1, 0, -1, -10)] == [
        "剩余 5 天", "剩余 1 天", "今天到期", "已逾期 1 天", "已逾期 10 天"]
    path = tmp_path / "a.ics"
    ok(demo("ledger", "--as-of", AS_OF, "--format", "ics", "-o", str(path)))
    texts = [str(e["DESCRIPTION"]) for e in Calendar.from_ical(path.read_bytes()).walk("VEVENT")]
    assert any("（已逾期 8 天）" in t for t in texts)  # 06-20 was a Saturday: due Monday 06-22
    assert any("（剩余 " in t for t in texts)
    assert not any("剩余 -" in t for t in texts)
