"""Writers of the 限期转化台账: terminal table, CSV, XLSX, HTML, JSON and iCalendar.

Every writer is a projection of the one row source (:func:`rectify.reports.ledger.ledger_rows`, rows
of (light, cells, driver tuple)) and writes each row as it comes, so memory stays bounded whatever the
number of cases. :data:`WRITERS` holds them by format name, each with one signature
``(rows, out, export) -> count``. Spreadsheet cells go through :func:`rectify.output.safe_cell`; HTML
goes through the autoescaping environment of :mod:`rectify.templating`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from itertools import count
from operator import itemgetter
from typing import IO, Any

from rectify.output import ansi_style, display_width, table_lines, truncate
from rectify.reports.ledger import LEDGER_COLUMNS, LEDGER_KEYS, LedgerRow, json_row, problem_items
from rectify.reports.ledger_parts import LIGHT_FILL, Progress, counted
from rectify.states.stages import OTHER_PROBLEM

TYPE_CHECKING = False
if TYPE_CHECKING:  # a frozen dataclass to the type checker
    from dataclasses import dataclass
else:  # the same, without loading dataclasses on a read (issue 29)
    from rectify.frozen import dataclass

HEADERS = [h for _, h in LEDGER_COLUMNS]
KEYS = [k for k, _ in LEDGER_COLUMNS]

# Colours of the warning lights in the terminal (XLSX and HTML: LIGHT_FILL).
_TERMINAL_COLOUR: dict[str, dict[str, Any]] = {
    "green": {"fg": "green"},
    "yellow": {"fg": "yellow"},
    "orange": {"fg": 208},
    "red": {"fg": "red", "bold": True},
}

# -- terminal table --------------------------------------------------------------------------------

# The columns every width keeps (the organization's name shortened first when even they are too wide), then the
# others in the order a narrow terminal adds them: short cells before the wide texts.
TABLE_ESSENTIAL = ("org_name", "deadline", "days_left", "light")
TABLE_PRIORITY = (
    *TABLE_ESSENTIAL,
    "seq",
    "case_id",
    "stage",
    "township",
    "task",
    "task_due",
    "deadline_days",
    "measures",
    "supervised",
    "light_reason",
    "secretary",
    "village_secretary",
    "problems",
    "county_leader",
    "township_cadre",
    "helping_unit",
    "identified_on",
    "kind",
    "county",
    "verified_on",
    "score",
    "grade",
    "satisfaction",
    "struck_off_on",
    "struck_off",
    "last_progress",
    "remarks",
    "detail",
    "supervision_level",
    "escalation",
    "look_backs",
    "earlier_years",
)
TABLE_CAPS: dict[str, int] = {
    "org_name": 24,
    "problems": 16,
    "detail": 20,
    "secretary": 22,
    "village_secretary": 12,
    "last_progress": 24,
    "remarks": 22,
    "helping_unit": 14,
    "county_leader": 16,
    "township_cadre": 8,
    "task": 18,
    "light_reason": 18,
}
_MIN_NAME = 8  # the organization's name is never cut below this many cells
_SHRINKS = {"task": 10}  # a column taken shortened, down to this many cells, rather than left out


# The terminal adds the case number (整顿对象) after 序号: 序号 only counts the rows, and `rectify case show`
# wants the case number. The exports keep the form's columns (JSON has case_id anyway).
# Headers too long for a terminal are shortened there.
_SHORT_HEADERS = {"measures": "整顿措施", "secretary": "第一书记", "village_secretary": "村书记"}
TABLE_COLUMNS = [LEDGER_COLUMNS[0], ("case_id", "编号"),
                 *((k, _SHORT_HEADERS.get(k, h)) for k, h in LEDGER_COLUMNS[1:])]
TABLE_KEYS = [k for k, _ in TABLE_COLUMNS]


_CASE_COL = 1  # TABLE_COLUMNS index of case_id
_PROBLEMS_COL = 6  # TABLE_COLUMNS index of problems
_MEASURES_COL = TABLE_KEYS.index("measures")
_COUNTS = tuple(LEDGER_COLUMNS.index(k) for k in (("measures_done", "措施已完成"), ("measures_total", "措施总数"),
                                                   ("measures_overdue", "措施逾期")))
_RAW_PROBLEMS = LEDGER_KEYS.index("problems")
_RIGHT = {"seq", "case_id", "days_left", "deadline_days", "score", "satisfaction"}
_HEADER_WIDTHS = [display_width(h) for _, h in TABLE_COLUMNS]


def table_cells(row: LedgerRow) -> list[Any]:
    """The terminal's shortening: problem codes only (the full text is in every export); and the case number."""
    _, cells, raw = row
    c = [cells[0], raw[0], *cells[1:]]
    problems = problem_items(raw[_RAW_PROBLEMS])
    c[_PROBLEMS_COL] = " ".join(p["code"] if p["code"] != OTHER_PROBLEM else "其他" for p in problems)
    done, total, overdue = (cells[i] for i in _COUNTS)  # the terminal's short form; exports have the detail
    c[_MEASURES_COL] = f"{done}/{total}" + (f" 逾期{overdue}" if overdue else "")
    return c


class _Columns:
    """The table's cells a column at a time, each column's texts and widths made only when asked: a terminal shows
    a dozen of the ~45 columns, and the others need not be written out or measured (each cell once at most)."""

    def __init__(self, cells: list[list[Any]]) -> None:
        self.cells = cells
        self._texts: dict[int, list[str]] = {}
        self._widths: dict[int, list[int]] = {}

    def texts(self, i: int) -> list[str]:
        found = self._texts.get(i)
        if found is None:
            found = self._texts[i] = [str(c[i]) for c in self.cells]
        return found

    def widths(self, i: int) -> list[int]:
        found = self._widths.get(i)
        if found is None:
            found = self._widths[i] = list(map(display_width, self.texts(i)))
        return found

    def natural(self, i: int) -> int:
        """The column's width: its header's, or its longest cell's up to the column's cap."""
        key, header = TABLE_COLUMNS[i]
        return max(display_width(header), min(TABLE_CAPS.get(key, 40), max(self.widths(i), default=0)))


def _choose(columns: _Columns, width: int) -> tuple[set[str], dict[int, int]]:
    """The columns to show in ``width`` cells and their widths: the essential ones always (the name shortened when
    they do not fit), then each other column in :data:`TABLE_PRIORITY` order while it fits (one whose header alone
    does not fit is not measured: no cell makes a column narrower than its header)."""
    name = TABLE_KEYS.index("org_name")
    natural = {i: columns.natural(i) for i in map(TABLE_KEYS.index, TABLE_ESSENTIAL)}
    essential = sum(natural.values()) + 2 * (len(TABLE_ESSENTIAL) - 1)
    if essential > width:
        natural[name] = max(_MIN_NAME, natural[name] - (essential - width))
        essential = width
    chosen, used = set(TABLE_ESSENTIAL), essential
    for key in TABLE_PRIORITY[len(TABLE_ESSENTIAL):]:
        i = TABLE_KEYS.index(key)
        if key in chosen or used + min(_HEADER_WIDTHS[i], _SHRINKS.get(key, width)) + 2 > width:
            continue
        natural[i] = columns.natural(i)
        if used + natural[i] + 2 > width and used + _SHRINKS.get(key, natural[i]) + 2 <= width:
            natural[i] = width - used - 2
        if used + natural[i] + 2 <= width:
            chosen.add(key)
            used += natural[i] + 2
    return chosen, natural


def render_ledger_table(rows: Iterable[LedgerRow], *, width: int = 120, colour: bool = False) -> str:
    """A table fitting ``width`` cells: 党组织名称, 转化时限, 剩余天数 and 预警 always, then the most useful columns,
    long cells shortened with a one-cell mark."""
    data = [(light, table_cells((light, cells, raw))) for light, cells, raw in rows]
    if not data:
        return "（无符合条件的整顿对象）"
    columns = _Columns([c for _, c in data])
    chosen, natural = _choose(columns, width)
    shown = [i for i, k in enumerate(TABLE_KEYS) if k in chosen]
    texts, sizes = _cut(columns, shown, natural)
    light_col = shown.index(TABLE_KEYS.index("light")) if "light" in chosen else -1
    lights = [light for light, _ in data]

    def style(n: int, i: int, text: str) -> str:
        if i == light_col and lights[n]:
            return ansi_style(text, **_TERMINAL_COLOUR[str(lights[n])])
        return text

    lines = table_lines(
        [TABLE_COLUMNS[i][1] for i in shown],
        texts,
        widths=[natural[i] for i in shown],
        right=[TABLE_KEYS[i] in _RIGHT for i in shown],
        right_headers=True,
        style=style if colour else None,
        measured=sizes,
    )
    lines.append(_footer(len(data), chosen))
    return "\n".join(lines)


def _cut(columns: _Columns, shown: list[int], natural: dict[int, int]) -> tuple[list[tuple[str, ...]],
                                                                               list[tuple[int, ...]]]:
    """The shown cells, each shortened to its column's width (:func:`truncate`), and their widths, by row."""
    texts, sizes = [], []
    for i in shown:
        room, column, size = natural[i], columns.texts(i), columns.widths(i)
        if max(size) > room:
            column = [t if w <= room else truncate(t, room) for t, w in zip(column, size, strict=True)]
            size = [w if t is u else display_width(t) for t, u, w in zip(column, columns.texts(i), size, strict=True)]
        texts.append(column)
        sizes.append(size)
    return list(zip(*texts, strict=True)), list(zip(*sizes, strict=True))


def _footer(n: int, chosen: set[str]) -> str:
    """The count of cases, and the columns the width left out."""
    counts = ("measures_done", "measures_total", "measures_overdue")  # shown within 整顿措施 (3/3 逾期1)
    hidden = [h for k, h in TABLE_COLUMNS if k not in chosen and not (k in counts and "measures" in chosen)]
    if hidden:
        return f"（共 {n} 个整顿对象；限于宽度未显示：{'、'.join(hidden)}。完整台账请用 --format xlsx/csv/html）"
    return f"（共 {n} 个整顿对象）"


# -- CSV and JSON ----------------------------------------------------------------------------------


def write_csv(rows: Iterable[LedgerRow], out: IO[str], *, progress: Progress | None = None) -> int:
    """UTF-8 with BOM (Excel opens the Chinese correctly), CRLF, the spreadsheet layout of
    :mod:`rectify.reports.ledger_sheets`: formula-safe, and no cell a spreadsheet reads as what it is not."""
    import csv
    import gc

    from rectify.reports.ledger_sheets import SHEET_HEADERS, csv_row

    out.write("\ufeff")
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(SHEET_HEADERS)
    # counted in C (zip takes the next number only with a row), not by a generator step per row
    numbers = count()
    tally = map(itemgetter(0), zip(rows if progress is None else counted(rows, progress), numbers, strict=False))
    # Every row is freed by reference counting: the cycle collector's passes over each batch's rows were ~8 % of
    # the CSV's CPU (195 passes at 20,000 rows), so it is paused while the rows are written, as the import does.
    enabled = gc.isenabled()
    gc.disable()
    try:
        w.writerows(map(csv_row, tally))
    finally:
        if enabled:
            gc.enable()
    return next(numbers)


def write_json(
    rows: Iterable[LedgerRow],
    out: IO[str],
    *,
    as_of: date,
    filters: dict[str, Any],
    progress: Progress | None = None,
) -> int:
    """``{"as_of", "filters", "columns", "cases": [...], "count"}``, each case written as it comes."""
    import json

    head = {
        "as_of": as_of.isoformat(),
        "filters": filters,
        "columns": [{"key": k, "header": h} for k, h in LEDGER_COLUMNS],
    }
    text = json.dumps(head, ensure_ascii=False, indent=2)
    out.write(text[:-2] + ',\n  "cases": [')
    n = 0
    evidence = _evidence_counts(rows, as_of)
    for row in counted(rows, progress):
        item = json_row(row)
        item["evidence"] = evidence.get(item["case_id"], 0)
        body = json.dumps(item, ensure_ascii=False, indent=2).replace("\n", "\n    ")
        out.write(("," if n else "") + "\n    " + body)
        n += 1
    out.write(("\n  " if n else "") + f'],\n  "count": {n}\n}}\n')
    return n


def _evidence_counts(rows: Iterable[LedgerRow], as_of: date) -> dict[int, int]:
    """佐证材料 per case (SPEC §14): the files of steps dated by ``as_of``, not withdrawn."""
    db = getattr(rows, "db", None)
    if db is None:
        return {}
    from rectify.store.evidence import counts_by_case

    with db.connect() as conn:
        return counts_by_case(conn, as_of=as_of)


# -- the registry: one writer per format, one signature ----------------------------------------------


@dataclass(frozen=True)
class LedgerExport:
    """What a writer may need beside the rows; each writer reads its own fields."""

    as_of: date
    title: str = ""
    filters: dict[str, Any] | None = None
    width: int = 120
    colour: bool = False
    generated: str = ""
    lights: Any = None
    by_stage: list[tuple[str, int]] | None = None
    by_light: list[tuple[str, int]] | None = None
    stamp: datetime | None = None
    progress: Progress | None = None
    report: Any = None  # config [report]: the XLSX signature lines
    installation: str = ""
    alarm_days: int = 0
    layout: str = "简表"  # the print formats' layout: 简表 (one page wide) or 全表 (every column)
    paper: str = "A4"
    case_url: str = ""  # the HTML ledger links each organization to its case page: case_url + the case's number


Writer = Callable[[Iterable[LedgerRow], Any, LedgerExport], int]


def _table(rows: Iterable[LedgerRow], out: IO[str], x: LedgerExport) -> int:
    counted = list(rows)
    out.write(render_ledger_table(counted, width=x.width, colour=x.colour) + "\n")
    return len(counted)


def _html(rows: Iterable[LedgerRow], out: IO[str], x: LedgerExport) -> int:
    from rectify.reports.ledger_html import write_html

    counted = _Count(rows)
    write_html(counted, out, title=x.title, as_of=x.as_of, by_stage=x.by_stage or [], by_light=x.by_light or [],
               generated=x.generated, lights=x.lights, progress=x.progress, layout=x.layout, paper=x.paper,
               case_url=x.case_url)
    return counted.n


def _ics(rows: Iterable[LedgerRow], out: IO[bytes], x: LedgerExport) -> int:
    from rectify.reports.ledger_ics import write_ics

    if not x.installation:
        raise ValueError("the calendar's UIDs need the installation id")
    return write_ics(rows, out, stamp=x.stamp or datetime.now().astimezone(), calendar_name=x.title,
                     installation=x.installation, alarm_days=x.alarm_days, progress=x.progress)


class _Count:
    """Rows passed through, counted."""

    def __init__(self, rows: Iterable[LedgerRow]) -> None:
        self.rows, self.n = rows, 0

    def __iter__(self) -> Iterator[LedgerRow]:
        for row in self.rows:
            self.n += 1
            yield row


def _with_facts(rows: Iterable[LedgerRow]) -> Iterable[LedgerRow]:
    """The spreadsheets' rows with a late stage's verification facts (issue 26), when they come from a database."""
    db = getattr(rows, "db", None)
    if db is None:
        return rows
    from rectify.reports.ledger_facts import with_late_facts

    return with_late_facts(db, rows)


def _sheets() -> Any:
    """The spreadsheets' module (CSV and XLSX), loaded when one is written: the terminal's table does not need it."""
    from rectify.reports import ledger_sheets

    return ledger_sheets


# The statistics' writers, which the CLI finds here too, and the workbook's (the bench's figure): loaded when asked for.
_STATS = ("MANUAL_MARK", "form_header", "form_table", "render_stats_table", "stats_sections", "write_stats_csv",
          "write_stats_xlsx")


def __getattr__(name: str) -> Any:
    if name == "write_xlsx":
        return _sheets().write_xlsx
    if name in _STATS:
        from rectify.reports import stats_formats

        return getattr(stats_formats, name)
    raise AttributeError(f"module 'rectify.reports.ledger_formats' has no attribute {name!r}")


WRITERS: dict[str, Writer] = {
    "table": _table,
    "csv": lambda rows, out, x: write_csv(_with_facts(rows), out, progress=x.progress),
    "xlsx": lambda rows, out, x: _sheets().write_xlsx(_with_facts(rows), out, title=x.title, as_of=x.as_of,
                                                      report=x.report, light_fill=LIGHT_FILL, progress=x.progress,
                                                      layout=x.layout, paper=x.paper),
    "html": _html,
    "json": lambda rows, out, x: write_json(rows, out, as_of=x.as_of, filters=x.filters or {}, progress=x.progress),
    "ics": _ics,
}
