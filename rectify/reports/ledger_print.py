"""The ledger as a county prints it for a 督查 or a 常委会: the 简表, and the measure detail (措施明细).

The 全表 has every column of SPEC §6 (39 of them): right for filtering on screen, unreadable on paper. The
简表 is the 13 columns an inspection reads, one row per organization, one page wide at ≥ 9 pt on A4 (or
A3) landscape: 序号 · 乡镇 · 党组织名称 · 主要问题 (the problem types in brief) · 四个一 (县级联系领导,
包村干部, 第一书记, 结对帮扶单位) · 转化时限 · 当前阶段 · 当前待办 · 待办时限 · 剩余天数 · 措施 (done/total,
overdue) · 预警 · 挂牌. The measure detail has one row per measure. Each is a projection of the one row
source (:data:`rectify.reports.ledger.LedgerRow`), so XLSX and HTML print the same layouts.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from datetime import date
from typing import Any

from rectify.output import FORMULA_PREFIXES, safe_cell
from rectify.reports.ledger import LEDGER_COLUMNS, LEDGER_KEYS, LedgerRow, measure_items, measure_state, problem_items
from rectify.reports.ledger_parts import excel_serial, forget_row, max_lines, text_width
from rectify.states.stages import OTHER_PROBLEM

LAYOUTS = ("简表", "全表")
PAPERS = ("A4", "A3")
XLSX_PAPER = {"A4": 9, "A3": 8}

# The ten types in the words an inspector writes in a narrow column (the form's own wording is in the 全表).
PROBLEM_BRIEF = {
    "P01": "班子不全",
    "P02": "书记不胜任",
    "P03": "班子不团结",
    "P04": "制度虚设",
    "P05": "拉票贿选",
    "P06": "宗族黑恶干扰",
    "P07": "三务管理混乱",
    "P08": "治安信访集中",
    "P09": "无活动场所",
    "P10": "服务能力弱",
}

# (key, header, XLSX width in character units on A4, HTML width in em)
BRIEF_COLUMNS: tuple[tuple[str, str, float, float], ...] = (
    ("seq", "序号", 4, 2.4),
    ("township", "乡镇", 7, 3.6),
    ("org_name", "党组织名称", 14, 7.5),
    ("problems", "主要问题", 16, 9),
    ("four", "四个一（联系领导、包村干部、第一书记、帮扶单位）", 20, 10.5),
    ("deadline", "转化时限", 10, 5.4),
    ("stage", "当前阶段", 9, 4.6),
    ("task", "当前待办", 9.5, 5),
    ("task_due", "待办时限", 10, 5.4),
    ("days_left", "剩余天数", 5.5, 3),
    ("measures", "措施（完成/总数，逾期）", 8.5, 4.2),
    ("light", "预警", 5, 2.2),
    ("supervised", "挂牌", 5, 2.2),
)
BRIEF_KEYS = [k for k, *_ in BRIEF_COLUMNS]
BRIEF_HEADERS = [h for _, h, *_ in BRIEF_COLUMNS]
BRIEF_DATES = frozenset({"deadline", "task_due"})
BRIEF_NUMBERS = frozenset({"seq", "days_left"})
BRIEF_CENTRED = frozenset({"light", "supervised", "stage", "measures"})

DETAIL_COLUMNS: tuple[tuple[str, str, float], ...] = (
    ("case_id", "编号", 5),
    ("township", "乡镇", 7),
    ("org_name", "党组织名称", 14),
    ("problems", "问题（本对象）", 14),
    ("seq", "序号", 4.5),
    ("text", "整改措施", 34),
    ("owner", "责任人", 18),
    ("due_on", "时限", 10.5),
    ("state", "完成情况", 14),
)
DETAIL_HEADERS = [h for _, h, _ in DETAIL_COLUMNS]

_CELL = {key: i for i, (key, _) in enumerate(LEDGER_COLUMNS)}
_TEXT, _DATE, _LIGHT = 0, 1, 2  # how PrintSheets writes a column
_RAW = {key: i for i, key in enumerate(LEDGER_KEYS)}
_TITLE = re.compile(r"（[^）]*）$")


def problems_brief(raw: str | None) -> str:
    """``班子不全；服务能力弱``: each type in brief (a local type in its own first words)."""
    words = []
    for p in problem_items(raw):
        brief = PROBLEM_BRIEF.get(p["code"])
        if brief is None:
            brief = (p["text"] or ("其他" if p["code"] == OTHER_PROBLEM else p["code"]))[:8]
        words.append(brief)
    return "；".join(dict.fromkeys(words))


def four_ones(cells: list[Any], raw: tuple[Any, ...]) -> str:
    """四个一 as names: 县级联系领导、包村干部 on one line, 第一书记 on the next, the helping unit on the third."""
    leader = _TITLE.sub("", str(cells[_CELL["county_leader"]] or ""))
    names = "、".join(n for n in (leader, cells[_CELL["township_cadre"]]) if n)
    unit = str(cells[_CELL["helping_unit"]] or "")
    return "\n".join(part for part in (names, raw[_RAW["sec_name"]] or "", unit) if part)


def measures_brief(cells: list[Any]) -> str:
    done, total, overdue = (cells[_CELL[k]] for k in ("measures_done", "measures_total", "measures_overdue"))
    if not total:
        return ""
    return f"{done}/{total}" + (f"，逾期{overdue}" if overdue else "")


def brief_cells(row: LedgerRow) -> list[Any]:
    """The row's 简表 cells in :data:`BRIEF_COLUMNS` order (dates as ISO text, days as int or "")."""
    _, cells, raw = row
    level = cells[_CELL["supervision_level"]]
    supervised = (level or "是") if cells[_CELL["supervised"]] == "是" else ""
    return [
        cells[_CELL["seq"]],
        cells[_CELL["township"]],
        cells[_CELL["org_name"]],
        problems_brief(raw[_RAW["problems"]]),
        four_ones(cells, raw),
        cells[_CELL["deadline"]],
        cells[_CELL["stage"]],
        cells[_CELL["task"]],
        cells[_CELL["task_due"]],
        cells[_CELL["days_left"]],
        measures_brief(cells),
        cells[_CELL["light"]],
        supervised,
    ]


def detail_rows(row: LedgerRow, as_of: date) -> Iterator[list[Any]]:
    """One list per measure of the case, in :data:`DETAIL_COLUMNS` order."""
    _, cells, raw = row
    raw_items = raw[_RAW["measure_items"]]
    if not raw_items:
        return
    problems = problems_brief(raw[_RAW["problems"]])
    for m in measure_items(raw_items):
        owner = f"{m['owner']}（{m['owner_unit']}）" if m["owner_unit"] else m["owner"]
        yield [raw[_RAW["id"]], cells[_CELL["township"]], cells[_CELL["org_name"]], problems, m["seq"], m["text"],
               owner, m["due_on"], measure_state(m, as_of)]


def paper_scale(paper: str) -> float:
    """How much wider an A3 landscape page is than an A4 one (the columns widen with it)."""
    return 1.41 if paper == "A3" else 1.0


# -- XLSX: the 简表 and the measure detail beside the 全表 ------------------------------------------

BRIEF_PT = 9
_BRIEF_LINE_PT = 12  # one line of 9 pt 宋体, with leading
_HEADER_ROW = 1


class PrintSheets:
    """The 简表 (first, printable) and 措施明细 (third) sheets of the ledger's workbook, written row by row as the
    全表 is (XlsxWriter's constant memory mode keeps one row of each sheet)."""

    def __init__(self, wb: Any, brief: Any, detail: Any, *, title: str, as_of: date, paper: str,
                 light_fill: dict[str, tuple[str, str]]) -> None:
        from rectify.output import safe_cell

        self.brief, self.detail, self.as_of = brief, detail, as_of
        base = {"font_name": "宋体", "font_size": BRIEF_PT, "valign": "top", "border": 1}
        self.text = wb.add_format({**base, "text_wrap": True})
        self.centre = wb.add_format({**base, "text_wrap": True, "align": "center"})
        self.num = wb.add_format({**base, "align": "right"})
        self.date = wb.add_format({**base, "num_format": "yyyy-mm-dd", "align": "center"})
        self.head = wb.add_format({**base, "bold": True, "bg_color": "#D9D9D9", "align": "center",
                                   "valign": "vcenter", "text_wrap": True})
        self.title_format = wb.add_format({"font_name": "黑体", "font_size": 14, "bold": True})
        self.sign = wb.add_format({"font_name": "宋体", "font_size": 10, "valign": "vcenter"})
        self.light = {light: wb.add_format({**base, "align": "center", "bold": True, "bg_color": fill,
                                            "font_color": font, "pattern": 1})
                      for light, (fill, font) in light_fill.items()}
        scale = paper_scale(paper)
        self.brief_widths = [w * scale for _, _, w, _ in BRIEF_COLUMNS]
        self.detail_widths = [w * scale for _, _, w in DETAIL_COLUMNS]
        self.brief_rooms = [_room(w) for w in self.brief_widths]
        self.detail_rooms = [_room(w) for w in self.detail_widths]
        self._brief_kinds = self._kinds(BRIEF_KEYS)
        self._detail_kinds = self._kinds([k for k, *_ in DETAIL_COLUMNS])
        self.r = self.d = _HEADER_ROW
        for ws, widths, headers, name in ((brief, self.brief_widths, BRIEF_HEADERS, "简表"),
                                          (detail, self.detail_widths, DETAIL_HEADERS, "措施明细")):
            _print_setup(ws, widths, title if name == "简表" else f"{title}：措施明细", paper)
            ws.set_row(0, 22)
            ws.write_string(0, 0, safe_cell(title if name == "简表" else f"{title}：措施明细"), self.title_format)
            ws.set_row(_HEADER_ROW, _height(headers, widths, minimum=2))
            for i, h in enumerate(headers):
                ws.write_string(_HEADER_ROW, i, h, self.head)

    def add(self, row: LedgerRow) -> None:
        self.r += 1
        self._write(self.brief, self.r, brief_cells(row), self._brief_kinds, self.brief_rooms, row[0])
        forget_row(self.brief, self.r - 1)
        for values in detail_rows(row, self.as_of):
            self.d += 1
            self._write(self.detail, self.d, values, self._detail_kinds, self.detail_rooms, None)
            forget_row(self.detail, self.d - 1)

    def _write(self, ws: Any, r: int, values: list[Any], kinds: list[tuple[int, Any]], rooms: list[float],
               light: str | None) -> None:
        """One row: each cell by its column's (kind, format), bound once in :meth:`_kinds`."""
        ws.set_row(r, max_lines(values, rooms, range(len(values))) * _BRIEF_LINE_PT + 3)
        unsafe = FORMULA_PREFIXES
        for i, (kind, fmt) in enumerate(kinds):
            value = values[i]
            if isinstance(value, int) and not isinstance(value, bool):
                ws.write_number(r, i, value, self.num)
            elif kind is _DATE:
                if value:
                    ws.write_number(r, i, excel_serial(value), self.date)
                else:
                    ws.write_blank(r, i, None, self.text)
            elif kind is _LIGHT and light:
                ws.write_string(r, i, value, self.light[light])
            elif value is None or value == "":
                ws.write_blank(r, i, None, self.text)
            else:
                ws.write_string(r, i, value if not value.startswith(unsafe) else safe_cell(value), fmt)

    def _kinds(self, keys: list[str]) -> list[tuple[int, Any]]:
        return [(_DATE if key in BRIEF_DATES or key == "due_on" else _LIGHT if key == "light" else _TEXT,
                 self.centre if key in BRIEF_CENTRED else self.text) for key in keys]

    def finish(self, report: Any) -> None:
        from rectify.reports.ledger_parts import signature_lines

        last = len(BRIEF_COLUMNS) - 1
        self.brief.autofilter(_HEADER_ROW, 0, max(self.r, _HEADER_ROW + 1), last)
        self.brief.print_area(_HEADER_ROW, 0, self.r + 3, last)
        for n, line in enumerate(signature_lines(report, self.as_of), self.r + 2):
            self.brief.set_row(n, 20)
            self.brief.write_string(n, 1, line, self.sign)
        self.detail.autofilter(_HEADER_ROW, 0, max(self.d, _HEADER_ROW + 1), len(DETAIL_COLUMNS) - 1)
        self.detail.print_area(_HEADER_ROW, 0, max(self.d, _HEADER_ROW + 1), len(DETAIL_COLUMNS) - 1)


def _room(width: float) -> float:
    return max(1.0, (6 * width + 1) / (BRIEF_PT * 4 / 3) * 2 * 0.95)


def brief_lines(text: str, width: float) -> int:
    """Lines of ``text`` in a wrapped column ``width`` units wide at 9 pt, as Excel and WPS draw it with the
    workbook's 9 pt 宋体 (a unit is 6 pixels there; LibreOffice's wider unit only leaves room to spare)."""
    room = _room(width)
    return sum(max(1, math.ceil(text_width(part) / room)) for part in str(text).split("\n"))


def _height(values: list[Any], widths: list[float], minimum: int = 1) -> float:
    lines = max([minimum] + [brief_lines(v, w) for v, w in zip(values, widths, strict=False) if v.__class__ is str])
    return lines * _BRIEF_LINE_PT + 3


def _print_setup(ws: Any, widths: list[float], title: str, paper: str) -> None:
    """Landscape on the chosen paper, one page wide at 100 % (the widths fit it), title and header on every page."""
    for i, w in enumerate(widths):
        ws.set_column(i, i, w)
    ws.set_landscape()
    ws.set_paper(XLSX_PAPER.get(paper, 9))
    ws.set_margins(left=0.3, right=0.3, top=0.5, bottom=0.5)
    ws.repeat_rows(_HEADER_ROW)
    ws.set_header(f'&C&"黑体"&12{title.replace("&", "&&")}')
    ws.set_footer("&C第 &P 页 共 &N 页")
    ws.freeze_panes(_HEADER_ROW + 1, 0)
