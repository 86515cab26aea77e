"""The ledger as spreadsheets open it: the CSV and XLSX columns, cells no spreadsheet mangles, the XLSX writer.

CSV and XLSX share one column layout (:data:`SHEET_COLUMNS`): the form's columns with the organization code
(组织代码) beside the name and the case's number (编号) last, so a re-imported ledger keeps both.
The measure counts are three numeric columns 措施已完成, 措施总数 and 措施逾期, never a "3/3" cell
(LibreOffice reads it as the date 03/03, Excel and WPS as 3月3日); the measures themselves are one wrapped
cell, one line each.

CSV carries no types, so a spreadsheet guesses each cell; quotes do not stop it (Excel ignores them and
LibreOffice keeps its default "quoted field as text" off). Both keep a cell as text only when it does
not look like a number or date. A text cell that does (a digits-only code such as 012345 loses its
zero, a 12-digit code becomes 3.41122E+11) is therefore written behind an invisible U+2060 WORD JOINER
(:data:`TEXT_MARK`): it prints and sorts as the same text and survives a re-save; the import removes
it. Formula prefixes are neutralised first, as everywhere (:func:`rectify.output.safe_cell`). Numbers
(序号, 措施已完成, 措施总数, 措施逾期, 剩余天数, 验收得分) and ISO dates stay what they are.

The XLSX prints on A4 landscape at 10 pt over as many pages as the columns need (no shrinking to one page
width), with 序号…党组织名称 and the header repeated on every page, row heights estimated from the CJK
display width of each wrapped cell (XlsxWriter cannot autofit), real date cells, page numbers, and the
signature lines of config ``[report]`` below the table.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from operator import itemgetter
from pathlib import Path
from typing import IO, Any

from rectify.output import FORMULA_PREFIXES, safe_cell
from rectify.reports.ledger import LEDGER_COLUMNS, LEDGER_KEYS, LedgerRow
from rectify.reports.ledger_parts import excel_serial, forget_row, max_lines, signature_lines, text_width

TEXT_MARK = "\u2060"  # WORD JOINER: invisible; makes a numeric-looking text cell text to every spreadsheet

_FORM = dict(LEDGER_COLUMNS)


# A late stage's verification facts (issue 26), after 是否销号: what a re-imported ledger needs for a case in 公示,
# 销号 or 回头看 to stand (the headers are the import's own names). A row's query tuple carries them after
# LEDGER_KEYS when the export looked them up (rectify.reports.ledger.with_late_facts); else they are blank.
FACT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("verifier", "验收组"), ("verification_team", "验收组成员"), ("satisfied", "满意人数"),
    ("basic", "基本满意人数"), ("dissatisfied", "不满意人数"), ("publicity_from", "公示开始日期"),
    ("publicity_until", "公示结束日期"), ("approver", "销号批复人"), ("strike_off_doc", "销号文号"),
)
FACT_KEYS = tuple(k for k, _ in FACT_COLUMNS)
_NO_FACTS = ("",) * len(FACT_COLUMNS)


def _sheet_columns() -> tuple[tuple[str, str], ...]:
    cols: list[tuple[str, str]] = []
    for key, header in LEDGER_COLUMNS:
        cols.append((key, header))
        if key == "org_name":
            cols.append(("org_code", "组织代码"))
        if key == "struck_off":
            cols.extend(FACT_COLUMNS)
    cols.append(("case_id", "编号"))  # the case's number, last: a re-imported ledger keeps it
    return tuple(cols)


SHEET_COLUMNS = _sheet_columns()
SHEET_HEADERS = [h for _, h in SHEET_COLUMNS]
SHEET_KEYS = [k for k, _ in SHEET_COLUMNS]
DATE_KEYS = frozenset({"identified_on", "deadline", "task_due", "verified_on", "struck_off_on", "publicity_from",
                       "publicity_until"})

_FROM_RAW = {"org_code": "org_code", "case_id": "id"}
_FORM_KEYS = [k for k, _ in LEDGER_COLUMNS]
# Where each sheet cell comes from in (*cells, *raw, *facts): the form's cell, the query's value, or a fact.
_PICK = itemgetter(*(
    len(_FORM_KEYS) + LEDGER_KEYS.index(_FROM_RAW[k]) if k in _FROM_RAW
    else len(_FORM_KEYS) + len(LEDGER_KEYS) + FACT_KEYS.index(k) if k in FACT_KEYS else _FORM_KEYS.index(k)
    for k in SHEET_KEYS
))


def row_facts(raw: tuple[Any, ...]) -> tuple[Any, ...]:
    """The verification facts the export put after the query's values, or blanks."""
    return raw[len(LEDGER_KEYS):] if len(raw) > len(LEDGER_KEYS) else _NO_FACTS


def sheet_cells(row: LedgerRow) -> list[Any]:
    """The row's cells in :data:`SHEET_COLUMNS` order."""
    _, cells, raw = row
    return list(_PICK((*cells, *raw[:len(LEDGER_KEYS)], *row_facts(raw))))


# Text Excel, WPS or LibreOffice would read as a number, percentage, fraction, date, time or boolean.
_NUMERIC_LOOKING = re.compile(r"[\s\d.,/:+\-%eE年月日时分秒]*\d[\s\d.,/:+\-%eE年月日时分秒]*|true|false", re.I)
# A quick test of text csv_cell may change: what this does not match, csv_cell gives back as it is; what it
# matches, csv_cell decides.
_ATTENTION = re.compile(
    "[" + re.escape("".join(FORMULA_PREFIXES)) + "]"  # a formula prefix
    r"|[\s\d.,/:+\-%eE年月日时分秒]++\Z"  # nothing but the characters of a numeric-looking text
    r"|(?i:true|false)\Z"
)


def csv_cell(value: Any, date_column: bool = False) -> Any:
    """A CSV cell no spreadsheet turns into something else: formula-safe, numeric-looking text marked as text."""
    if value.__class__ is str:  # the common case, without safe_cell's checks for other types
        text = "'" + value if value.startswith(FORMULA_PREFIXES) else value
    elif value is None:
        return ""
    elif isinstance(value, int | float) and not isinstance(value, bool):
        return value
    else:
        text = safe_cell(value)
    if date_column or not _NUMERIC_LOOKING.fullmatch(text):
        return text
    return TEXT_MARK + text


class _CsvCells(dict[Any, Any]):
    """:func:`csv_cell` memoised by value: most cells repeat (县, 乡镇, 类别, 阶段, 预警, 问题, 领导), so a row costs
    dict lookups, not a regular expression per cell. Cleared when large, so memory stays flat."""

    date_column = False

    def __missing__(self, value: Any) -> Any:
        if len(self) > 50_000:
            self.clear()
        out = self[value] = csv_cell(value, self.date_column)
        return out


class _CsvDates(_CsvCells):
    """Date cells memoised: they stay what they are (a spreadsheet should read them as dates), formula-safe."""

    date_column = True


_CSV_CELLS, _CSV_DATES = _CsvCells(), _CsvDates()


def _text_cells(values: tuple[Any, ...]) -> Iterable[Any]:
    """:func:`csv_cell` of cells each row has its own text in: one C-level pass when none needs a change."""
    try:
        if not any(map(_ATTENTION.match, values)):
            return values
    except TypeError:  # not all text
        pass
    return map(csv_cell, values)


# How each sheet column is made safe. Through the memo, most of them; directly, the columns nearly every row has
# its own text in (they would only fill and flush the memo); through the date memo, the dates; as they are, the
# numbers the row source counts itself (序号, 措施逾期, the days left: an int, or "" for a closed case). The cells
# are taken from the form's cells in these groups (组织代码 from the query's tuple) and put back in the sheet's order.
_OWN_TEXT = ("org_name", "detail", "measures", "secretary", "last_progress")
_AS_IS = ("seq", "measures_overdue", "days_left", "deadline_days")
_DATES = tuple(k for k in _FORM_KEYS if k in DATE_KEYS)
_MEMO = tuple(k for k in _FORM_KEYS if k not in (*_OWN_TEXT, *_AS_IS, *_DATES))
_PICK_MEMO, _PICK_OWN, _PICK_DATES, _PICK_AS_IS = (
    itemgetter(*map(_FORM_KEYS.index, group)) for group in (_MEMO, _OWN_TEXT, _DATES, _AS_IS))
_ORG_CODE = LEDGER_KEYS.index("org_code")
_GATHERED = [*_MEMO, *_OWN_TEXT, "org_code", *_DATES, *_AS_IS, "case_id", *FACT_KEYS]
_ORDER = itemgetter(*(_GATHERED.index(k) for k in SHEET_KEYS))
# The facts' cells through memos too (their dates, counts and 验收组 repeat): the dates' memo, and one of their own
# for the rest (text and whole numbers only, so no key is another type's equal, as 3 and 3.0 of 验收得分 would be).
_FACT_MEMOS = tuple(_CSV_DATES if k in DATE_KEYS else _CsvCells() for k in FACT_KEYS)
_MEMO_GET = dict.__getitem__  # a memo's __getitem__, its __missing__ included
_FACT_DATES = tuple(k in DATE_KEYS for k in FACT_KEYS)


def _fact_cells(facts: tuple[Any, ...]) -> tuple[Any, ...]:
    """:func:`csv_cell` of a row's verification facts, through the memos (directly for a value no dict can hold)."""
    try:
        return tuple(map(_MEMO_GET, _FACT_MEMOS, facts))
    except TypeError:
        return tuple(map(csv_cell, facts, _FACT_DATES))


def csv_row(row: LedgerRow) -> tuple[Any, ...]:
    """The row's cells in :data:`SHEET_COLUMNS` order, each as :func:`csv_cell` makes it."""
    _, cells, raw = row
    facts = row_facts(raw)
    return _ORDER((*map(_CSV_CELLS.__getitem__, _PICK_MEMO(cells)), *_text_cells((*_PICK_OWN(cells), raw[_ORG_CODE])),
                   *map(_CSV_DATES.__getitem__, _PICK_DATES(cells)), *_PICK_AS_IS(cells), raw[0],
                   *(facts if facts is _NO_FACTS else _fact_cells(facts))))


# -- XLSX ------------------------------------------------------------------------------------------

XLSX_WIDTHS: dict[str, float] = {
    "seq": 5,
    "case_id": 5,
    "county": 7,
    "township": 7,
    "org_name": 15,
    "org_code": 13,
    "kind": 5,
    "problems": 26,
    "detail": 24,
    "measures": 60,  # one line per measure (内容、责任人、时限、完成情况): wide, so a row is not a page tall
    "measures_done": 7,
    "measures_total": 6,
    "measures_overdue": 6,
    "village_secretary": 12,
    "county_leader": 9,
    "township_cadre": 9,
    "secretary": 16,
    "helping_unit": 12,
    "identified_on": 11,
    "deadline": 11,
    "stage": 9,
    "task": 10,
    "task_due": 11,
    "days_left": 6,
    "deadline_days": 6,
    "light": 5,
    "light_reason": 14,
    "supervised": 6,
    "last_progress": 24,
    "verified_on": 11,
    "score": 6,
    "grade": 6,
    "satisfaction": 7,
    "struck_off_on": 11,
    "struck_off": 5,
    "remarks": 22,
    "look_backs": 26,
    "earlier_years": 8,
    "verifier": 10,
    "verification_team": 14,
    "satisfied": 6,
    "basic": 6,
    "dissatisfied": 6,
    "publicity_from": 11,
    "publicity_until": 11,
    "approver": 9,
    "strike_off_doc": 14,
}
BRIEF_SHEET, FULL_SHEET, DETAIL_SHEET = "台账简表", "限期转化台账", "措施明细"
_NUMERIC = {"seq", "case_id", "days_left", "deadline_days", "score", "measures_done", "measures_total",
            "measures_overdue", "satisfied", "basic", "dissatisfied"}
_KEY_COLUMNS = SHEET_KEYS.index("org_name")  # 序号 … 党组织名称 repeat on every page
FONT_PT = 10
_LINE_PT = 13.5  # one line of 10 pt 宋体, with leading
_HEADER_ROW = 1

Progress = Callable[[int], None]


def wrapped_lines(text: str, width: float, pt: float = FONT_PT) -> int:
    """How many lines ``text`` takes in a wrapped column ``width`` units wide (a CJK character is two units)."""
    # A column of w units is about 7w + 5 pixels; a 10 pt CJK character about 13.3 pixels (two units of
    # display width); kept 10 % short of that, since lines break at word and punctuation boundaries.
    room = max(1.0, (7 * width - 1) / (1.33 * pt) * 2 * 0.9)
    return sum(max(1, math.ceil(text_width(part) / room)) for part in str(text).split("\n"))


def row_height(cells: Iterable[Any], widths: list[float]) -> float:
    lines = max((wrapped_lines(v, w) for v, w in zip(cells, widths, strict=False) if v.__class__ is str), default=1)
    return max(1, lines) * _LINE_PT + 3


class _Formats:
    def __init__(self, wb: Any, light_fill: dict[str, tuple[str, str]]) -> None:
        base = {"font_name": "宋体", "font_size": FONT_PT, "valign": "top", "border": 1}
        self.title = wb.add_format({"font_name": "黑体", "font_size": 16, "bold": True})
        self.head = wb.add_format({**base, "bold": True, "bg_color": "#D9D9D9", "align": "center",
                                   "valign": "vcenter", "text_wrap": True})
        self.text = wb.add_format({**base, "text_wrap": True})
        self.num = wb.add_format({**base, "align": "right"})
        self.date = wb.add_format({**base, "num_format": "yyyy-mm-dd", "align": "center"})
        self.pct = wb.add_format({**base, "num_format": "0.0%", "align": "right"})
        self.sign = wb.add_format({"font_name": "宋体", "font_size": 11, "valign": "vcenter"})
        self.light = {
            light: wb.add_format({**base, "align": "center", "bold": True, "bg_color": fill, "font_color": font,
                                  "pattern": 1})
            for light, (fill, font) in light_fill.items()
        }


def write_xlsx(
    rows: Iterable[LedgerRow],
    target: str | Path | IO[bytes],
    *,
    title: str,
    as_of: date | None = None,
    report: Any = None,
    light_fill: dict[str, tuple[str, str]] | None = None,
    progress: Progress | None = None,
    layout: str = "简表",
    paper: str = "A4",
) -> int:
    """A print-ready workbook written in constant memory: the 简表 (one page wide), the 全表 (title, frozen header,
    filters, coloured lights, signatures; every column) and the measure detail, in that order; ``layout`` is the
    sheet that opens selected, the one Excel, WPS and LibreOffice print by default."""
    book = open_book(target, title=title, as_of=as_of, light_fill=light_fill, layout=layout, paper=paper)
    r = _HEADER_ROW
    full, printed = _FullSheet(book.ws, book.f, book.widths), book.printed
    for r, row in enumerate(_progressed(rows, progress), _HEADER_ROW + 1):
        full.write(r, row)
        printed.add(row)
    close_book(book, r, report)
    return r - _HEADER_ROW


@dataclass
class LedgerBook:
    """An open ledger workbook, its sheets set up (titles, headers, page layout) and no row written yet."""

    wb: Any
    ws: Any  # the 全表
    f: _Formats
    widths: list[float]
    printed: Any  # rectify.reports.ledger_print.PrintSheets: the 简表 and the measure detail
    as_of: date


def open_book(target: str | Path | IO[bytes], *, title: str, as_of: date | None = None,
              light_fill: dict[str, tuple[str, str]] | None = None, layout: str = "简表",
              paper: str = "A4") -> LedgerBook:
    """The workbook :func:`write_xlsx` writes, up to its first row."""
    import xlsxwriter

    from rectify.reports.ledger_print import PrintSheets

    # use_zip64: a national ledger's sheet passes 4 GB of XML (1,000,000 cases); Python's zipfile writes the
    # ZIP64 records only for a member that large, so a county's file is the plain zip it always was.
    wb = xlsxwriter.Workbook(target, {"constant_memory": True, "strings_to_formulas": False,
                                      "strings_to_urls": False, "strings_to_numbers": False, "use_zip64": True,
                                      "default_format_properties": {"font_name": "宋体", "font_size": 9}})
    wb.set_properties({"title": title, "creator": "rectify"})
    brief = wb.add_worksheet(BRIEF_SHEET)
    ws = wb.add_worksheet(FULL_SHEET)
    detail = wb.add_worksheet(DETAIL_SHEET)
    (ws if layout == "全表" else brief).activate()
    if light_fill is None:
        from rectify.reports.ledger_parts import LIGHT_FILL
    fill = LIGHT_FILL if light_fill is None else light_fill
    f = _Formats(wb, fill)
    day = as_of or date.today()
    printed = PrintSheets(wb, brief, detail, title=title, as_of=day, paper=paper, light_fill=fill)
    widths = [XLSX_WIDTHS.get(k, 10) for k in SHEET_KEYS]
    _page(ws, title, widths, paper)
    ws.set_row(0, 24)
    ws.write_string(0, 0, safe_cell(title), f.title)
    ws.set_row(_HEADER_ROW, max(30, row_height(SHEET_HEADERS, widths)))
    for i, h in enumerate(SHEET_HEADERS):
        ws.write_string(_HEADER_ROW, i, h, f.head)
    return LedgerBook(wb, ws, f, widths, printed, day)


def close_book(book: LedgerBook, last_row: int, report: Any) -> None:
    """Filters, print areas and the signature lines below the last row (``last_row``: the 全表's), then the file."""
    ws, r = book.ws, last_row
    ws.autofilter(_HEADER_ROW, 0, max(r, _HEADER_ROW + 1), len(SHEET_KEYS) - 1)
    # The printed pages carry the title in their header; the sheet's own title row would be cut at the
    # first page's edge on the pages after it.
    ws.print_area(_HEADER_ROW, 0, r + 3, len(SHEET_KEYS) - 1)
    for n, line in enumerate(signature_lines(report, book.as_of), r + 2):
        ws.set_row(n, 24)
        ws.write_string(n, 1, line, book.f.sign)
    book.printed.finish(report)
    book.wb.close()


_LIGHT_COL = SHEET_KEYS.index("light")
_SATISFACTION = LEDGER_KEYS.index("satisfaction")
_KINDS = [
    "pct" if k == "satisfaction" else "light" if k == "light" else "num" if k in _NUMERIC
    else "date" if k in DATE_KEYS else "text" for k in SHEET_KEYS
]
# The columns of each kind (the cells of a row are kept until the next row and written out in column order, so
# the order they are handed to XlsxWriter in does not change the file).
_TEXT_COLS = tuple(i for i, kind in enumerate(_KINDS) if kind == "text")
_NUM_COLS = tuple(i for i, kind in enumerate(_KINDS) if kind == "num")
_DATE_COLS = tuple(i for i, kind in enumerate(_KINDS) if kind == "date")
_PCT_COL = _KINDS.index("pct")
# The row's height: the measures (one line each) first, they are nearly always the tallest cell.
_HEIGHT_ORDER = (SHEET_KEYS.index("measures"), *(i for i, k in enumerate(SHEET_KEYS) if k != "measures"))


class _FullSheet:
    """The 全表's rows: each cell written with its column's format, bound once; dates as Excel day numbers."""

    def __init__(self, ws: Any, f: _Formats, widths: list[float]) -> None:
        self.ws, self.f = ws, f
        self.rooms = [max(1.0, (7 * w - 1) / (1.33 * FONT_PT) * 2 * 0.9) for w in widths]  # as wrapped_lines
        self.string, self.number, self.blank = ws.write_string, ws.write_number, ws.write_blank

    def other(self, r: int, i: int, value: Any) -> None:
        """A cell that is not its column's kind: blank, or text made formula-safe."""
        if value is None or value == "":
            self.blank(r, i, None, self.f.text)
        else:
            text = value if value.__class__ is str and not value.startswith(FORMULA_PREFIXES) else safe_cell(value)
            self.string(r, i, text, self.f.text)

    def write(self, r: int, row: LedgerRow) -> None:
        light, _, raw = row
        values = sheet_cells(row)
        f, string, number, other = self.f, self.string, self.number, self.other
        self.ws.set_row(r, max_lines(values, self.rooms, _HEIGHT_ORDER) * _LINE_PT + 3)
        unsafe, text = FORMULA_PREFIXES, f.text
        for i in _TEXT_COLS:
            value = values[i]
            if value.__class__ is str and value and not value.startswith(unsafe):
                string(r, i, value, text)
            else:
                other(r, i, value)
        for i in _NUM_COLS:
            value = values[i]
            if isinstance(value, int) and not isinstance(value, bool):
                number(r, i, value, f.num)
            else:
                other(r, i, value)
        for i in _DATE_COLS:
            value = values[i]
            if value:
                number(r, i, excel_serial(value), f.date)
            else:
                other(r, i, value)
        if values[_PCT_COL]:  # 满意率: a percentage number cell, from the query's share
            number(r, _PCT_COL, float(raw[_SATISFACTION]), f.pct)
        else:
            other(r, _PCT_COL, values[_PCT_COL])
        if light:
            string(r, _LIGHT_COL, values[_LIGHT_COL], f.light[light])
        else:
            other(r, _LIGHT_COL, values[_LIGHT_COL])
        forget_row(self.ws, r - 1)


def _progressed(rows: Iterable[LedgerRow], progress: Progress | None) -> Iterator[LedgerRow]:
    for row in rows:
        yield row
        if progress is not None:
            progress(1)


def _page(ws: Any, title: str, widths: list[float], paper: str = "A4") -> None:
    """Landscape at 100 %: as many pages as the columns need, the key columns and header on each."""
    from rectify.reports.ledger_print import XLSX_PAPER

    for i, w in enumerate(widths):
        ws.set_column(i, i, w)
    ws.set_landscape()
    ws.set_paper(XLSX_PAPER.get(paper, 9))
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.print_across()  # a row band's pages follow each other: one case reads across consecutive pages
    ws.repeat_rows(_HEADER_ROW)
    ws.repeat_columns(0, _KEY_COLUMNS)
    ws.set_header(f'&C&"黑体"&12{title.replace("&", "&&")}')
    ws.set_footer("&C第 &P 页 共 &N 页")
    ws.freeze_panes(_HEADER_ROW + 1, _KEY_COLUMNS + 1)
