"""Writers of the 限期转化台账: terminal table, CSV, XLSX, HTML, JSON and iCalendar.

Every writer is a projection of the one row source (:func:`rectify.workflow.ledger.ledger_rows`, rows
of (light, cells, driver tuple)) and writes each row as it comes, so memory stays bounded whatever the
number of cases. :data:`WRITERS` holds them by format name, each with one signature
``(rows, out, export) -> count``. Spreadsheet cells go through :func:`rectify.output.safe_cell`; HTML
goes through the autoescaping environment of :mod:`rectify.templating`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import IO, Any

from rectify.output import display_width, table_lines, truncate
from rectify.states.deadlines import LIGHT_LABELS
from rectify.states.stages import OTHER_PROBLEM, STAGE_LABELS
from rectify.states.wording import days_left_text
from rectify.workflow.ledger import LEDGER_COLUMNS, LEDGER_KEYS, LedgerRow, json_row, problem_items
from rectify.workflow.ledger_sheets import SHEET_HEADERS, csv_row, write_xlsx
from rectify.workflow.stats_formats import (  # noqa: F401  (the CLI finds the statistics' writers here too)
    MANUAL_MARK,
    form_header,
    form_table,
    render_stats_table,
    stats_sections,
    write_stats_csv,
    write_stats_xlsx,
)

HEADERS = [h for _, h in LEDGER_COLUMNS]
KEYS = [k for k, _ in LEDGER_COLUMNS]

# Colours of the warning lights: (fill, font) for XLSX and HTML, and the terminal's.
LIGHT_FILL: dict[str, tuple[str, str]] = {
    "green": ("#00B050", "#FFFFFF"),
    "yellow": ("#FFFF00", "#000000"),
    "orange": ("#FFA500", "#000000"),
    "red": ("#FF0000", "#FFFFFF"),
}
_TERMINAL_COLOUR: dict[str, dict[str, Any]] = {
    "green": {"fg": "green"},
    "yellow": {"fg": "yellow"},
    "orange": {"fg": 208},
    "red": {"fg": "red", "bold": True},
}

Progress = Callable[[int], None]


def _counted(rows: Iterable[LedgerRow], progress: Progress | None) -> Iterator[LedgerRow]:
    if progress is None:
        yield from rows
        return
    for row in rows:
        yield row
        progress(1)


# -- terminal table --------------------------------------------------------------------------------

# Which columns a narrow terminal keeps first, and how wide a cell may grow before it is shortened.
TABLE_PRIORITY = (
    "seq",
    "case_id",
    "org_name",
    "stage",
    "deadline",
    "days_left",
    "light",
    "township",
    "measures",
    "supervised",
    "secretary",
    "problems",
    "last_progress",
    "remarks",
    "county_leader",
    "township_cadre",
    "helping_unit",
    "identified_on",
    "kind",
    "county",
    "verified_on",
    "score",
    "struck_off",
    "detail",
)
TABLE_CAPS: dict[str, int] = {
    "org_name": 24,
    "problems": 16,
    "detail": 20,
    "secretary": 22,
    "last_progress": 24,
    "remarks": 22,
    "helping_unit": 14,
    "county_leader": 16,
    "township_cadre": 8,
}


# The terminal adds the case number (案例) after 序号: 序号 only counts the rows, and `rectify case show`
# wants the case number. The exports keep the form's columns (JSON has case_id anyway).
TABLE_COLUMNS = [LEDGER_COLUMNS[0], ("case_id", "案例"), *LEDGER_COLUMNS[1:]]
TABLE_KEYS = [k for k, _ in TABLE_COLUMNS]


_CASE_COL = 1  # TABLE_COLUMNS index of case_id
_PROBLEMS_COL = 6  # TABLE_COLUMNS index of problems
_RAW_PROBLEMS = LEDGER_KEYS.index("problems")
_RIGHT = {"seq", "case_id", "days_left", "score"}


def table_cells(row: LedgerRow) -> list[Any]:
    """The terminal's shortening: problem codes only (the full text is in every export); and the case number."""
    _, cells, raw = row
    c = [cells[0], raw[0], *cells[1:]]
    problems = problem_items(raw[_RAW_PROBLEMS])
    c[_PROBLEMS_COL] = " ".join(p["code"] if p["code"] != OTHER_PROBLEM else "其他" for p in problems)
    return c


def render_ledger_table(rows: Iterable[LedgerRow], *, width: int = 120, colour: bool = False) -> str:
    """A table fitting ``width`` columns: the most useful columns first, long cells shortened with …."""
    data = [(light, [str(v) for v in table_cells((light, cells, raw))]) for light, cells, raw in rows]
    if not data:
        return "（无符合条件的案例）"
    natural = [
        max([display_width(h)] + [min(TABLE_CAPS.get(k, 40), display_width(c[i])) for _, c in data])
        for i, (k, h) in enumerate(TABLE_COLUMNS)
    ]
    chosen: set[str] = set()
    used = 0
    for key in TABLE_PRIORITY:
        need = natural[TABLE_KEYS.index(key)] + (2 if chosen else 0)
        if used + need <= width:
            chosen.add(key)
            used += need
    shown = [i for i, k in enumerate(TABLE_KEYS) if k in chosen]
    light_col = shown.index(TABLE_KEYS.index("light")) if "light" in chosen else -1
    lights = [light for light, _ in data]

    def style(n: int, i: int, text: str) -> str:
        if i == light_col and lights[n]:
            import click

            return click.style(text, **_TERMINAL_COLOUR[str(lights[n])])
        return text

    lines = table_lines(
        [TABLE_COLUMNS[i][1] for i in shown],
        [[truncate(c[i], natural[i]) for i in shown] for _, c in data],
        widths=[natural[i] for i in shown],
        right=[TABLE_KEYS[i] in _RIGHT for i in shown],
        right_headers=True,
        style=style if colour else None,
    )
    hidden = [h for k, h in TABLE_COLUMNS if k not in chosen]
    if hidden:
        lines.append(
            f"（共 {len(data)} 个案例；限于宽度未显示：{'、'.join(hidden)}。"
            f"完整台账请用 --format xlsx/csv/html）"
        )
    else:
        lines.append(f"（共 {len(data)} 个案例）")
    return "\n".join(lines)


# -- CSV and JSON ----------------------------------------------------------------------------------


def write_csv(rows: Iterable[LedgerRow], out: IO[str], *, progress: Progress | None = None) -> int:
    """UTF-8 with BOM (Excel opens the Chinese correctly), CRLF, the spreadsheet layout of
    :mod:`rectify.workflow.ledger_sheets`: formula-safe, and no cell a spreadsheet reads as what it is not."""
    import csv

    out.write("\ufeff")
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(SHEET_HEADERS)
    n = 0
    for row in rows:
        w.writerow(csv_row(row))
        n += 1
        if progress is not None:
            progress(1)
    return n


def write_json(
    rows: Iterable[LedgerRow],
    out: IO[str],
    *,
    as_of: date,
    filters: dict[str, Any],
    progress: Progress | None = None,
) -> int:
    """``{"as_of", "filters", "columns", "cases": [...], "count"}``, each case written as it comes."""
    head = {
        "as_of": as_of.isoformat(),
        "filters": filters,
        "columns": [{"key": k, "header": h} for k, h in LEDGER_COLUMNS],
    }
    text = json.dumps(head, ensure_ascii=False, indent=2)
    out.write(text[:-2] + ',\n  "cases": [')
    n = 0
    for row in _counted(rows, progress):
        body = json.dumps(json_row(row), ensure_ascii=False, indent=2).replace("\n", "\n    ")
        out.write(("," if n else "") + "\n    " + body)
        n += 1
    out.write(("\n  " if n else "") + f'],\n  "count": {n}\n}}\n')
    return n


# -- HTML ------------------------------------------------------------------------------------------

_ENV: Any = None


def environment() -> Any:
    """The ledger's templates in the one Jinja environment of :mod:`rectify.templating`."""
    global _ENV
    if _ENV is None:
        from rectify.templating import make_environment

        _ENV = make_environment("rectify.workflow")
    return _ENV


def bar_chart(title: str, bars: list[tuple[str, int, str]], *, width: int = 420) -> dict[str, Any]:
    """Geometry of one horizontal bar chart (label, count, colour) for the template's inline SVG."""
    label_w, bar_h, gap, top = 90, 18, 6, 24
    biggest = max([n for _, n, _ in bars] + [1])
    span = width - label_w - 50
    items = []
    for i, (label, n, colour) in enumerate(bars):
        y = top + i * (bar_h + gap)
        items.append(
            {
                "label": label,
                "count": n,
                "colour": colour,
                "y": y,
                "text_y": y + bar_h - 5,
                "x": label_w,
                "w": round(span * n / biggest, 1),
                "count_x": label_w + round(span * n / biggest, 1) + 6,
                "h": bar_h,
            }
        )
    return {
        "title": title,
        "width": width,
        "height": top + len(bars) * (bar_h + gap) + 4,
        "bars": items,
        "label_x": label_w - 6,
    }


def write_html(
    rows: Iterable[LedgerRow],
    out: IO[str],
    *,
    title: str,
    as_of: date,
    by_stage: list[tuple[str, int]],
    by_light: list[tuple[str, int]],
    generated: str,
    lights: Any = None,
    progress: Progress | None = None,
) -> None:
    """One self-contained printable page: summary charts as inline SVG, then the ledger table."""
    stage_colour = "#4472C4"
    charts = [
        bar_chart("按阶段", [(label, n, stage_colour) for label, n in by_stage]),
        bar_chart("按预警", [(f"{LIGHT_LABELS[light]}灯", n, LIGHT_FILL[light][0]) for light, n in by_light]),
    ]
    counter = {"n": 0}

    def table_rows() -> Iterator[dict[str, Any]]:
        for light, cells, _ in _counted(rows, progress):
            counter["n"] += 1
            yield {
                "cells": list(zip(KEYS, cells, strict=True)),
                "light": light or "",
                "closed": light is None,
            }

    template = environment().get_template("ledger.html")
    for chunk in template.generate(
        title=title,
        as_of=as_of.isoformat(),
        headers=HEADERS,
        rows=table_rows(),
        charts=charts,
        light_fill=LIGHT_FILL,
        generated=generated,
        counter=counter,
        yellow=f"{getattr(lights, 'yellow', 0.30):.0%}",
        orange=f"{getattr(lights, 'orange', 0.15):.0%}",
    ):
        out.write(chunk)


# -- iCalendar -------------------------------------------------------------------------------------


def write_ics(
    rows: Iterable[LedgerRow],
    out: IO[bytes],
    *,
    stamp: datetime,
    calendar_name: str,
    progress: Progress | None = None,
) -> int:
    """One VEVENT per open case for its deadline, and one for its stage due date when that differs.

    UIDs name the case and the kind of date, not the date itself, and SEQUENCE is the case's version:
    importing a newer export moves the event instead of adding a second one.
    """
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//rectify//限期转化台账//ZH")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", calendar_name)
    cal.add("x-wr-timezone", "Asia/Shanghai")
    head = cal.to_ical()
    end = b"END:VCALENDAR\r\n"
    out.write(head[: -len(end)])
    n = 0
    for light, cells, raw in _counted(rows, progress):
        if light is None:
            continue
        row = json_row((light, cells, raw))
        dates = [("deadline", date.fromisoformat(row["deadline"]), "转化时限")]
        if row["next_due"] and row["next_due"] != row["deadline"]:
            dates.insert(
                0, ("stage", date.fromisoformat(row["next_due"]), f"{STAGE_LABELS[row['stage']]}阶段时限")
            )
        for kind, day, what in dates:
            ev = Event()
            ev.add("uid", f"rectify-case-{row['case_id']}-{kind}@rectify")
            ev.add("dtstamp", stamp)
            ev.add("dtstart", day)
            ev.add("dtend", day + timedelta(days=1))
            ev.add("sequence", row["version"])
            ev.add("summary", f"【{what}】{row['org_name']}")
            ev.add(
                "description",
                "\n".join(
                    [
                        f"案例 {row['case_id']} · {row['county']} {row['township']} · {row['org_code']}",
                        f"当前阶段：{STAGE_LABELS[row['stage']]}；转化时限：{row['deadline']}",
                        f"预警：{LIGHT_LABELS[row['light']]}；{days_left_text(row['days_left'])}",
                    ]
                ),
            )
            ev.add("categories", ["整顿软弱涣散基层党组织", what])
            ev.add("transp", "TRANSPARENT")
            out.write(ev.to_ical())
            n += 1
    out.write(end)
    return n




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


Writer = Callable[[Iterable[LedgerRow], Any, LedgerExport], int]


def _table(rows: Iterable[LedgerRow], out: IO[str], x: LedgerExport) -> int:
    counted = list(rows)
    out.write(render_ledger_table(counted, width=x.width, colour=x.colour) + "\n")
    return len(counted)


def _html(rows: Iterable[LedgerRow], out: IO[str], x: LedgerExport) -> int:
    counted = _Count(rows)
    write_html(counted, out, title=x.title, as_of=x.as_of, by_stage=x.by_stage or [], by_light=x.by_light or [],
               generated=x.generated, lights=x.lights, progress=x.progress)
    return counted.n


class _Count:
    """Rows passed through, counted."""

    def __init__(self, rows: Iterable[LedgerRow]) -> None:
        self.rows, self.n = rows, 0

    def __iter__(self) -> Iterator[LedgerRow]:
        for row in self.rows:
            self.n += 1
            yield row


WRITERS: dict[str, Writer] = {
    "table": _table,
    "csv": lambda rows, out, x: write_csv(rows, out, progress=x.progress),
    "xlsx": lambda rows, out, x: write_xlsx(rows, out, title=x.title, as_of=x.as_of, report=x.report,
                                            light_fill=LIGHT_FILL, progress=x.progress),
    "html": _html,
    "json": lambda rows, out, x: write_json(rows, out, as_of=x.as_of, filters=x.filters or {}, progress=x.progress),
    "ics": lambda rows, out, x: write_ics(rows, out, stamp=x.stamp or datetime.now().astimezone(),
                                          calendar_name=x.title, progress=x.progress),
}
