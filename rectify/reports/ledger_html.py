"""The 限期转化台账 as one self-contained printable HTML page (template ``templates/ledger.html``).

The page goes through the autoescaping environment of :mod:`rectify.templating`; charts are inline SVG.
Column classes tell the stylesheet which cells stay on one line (dates, places, codes, counts, lights)
and which long texts wrap.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import date
from typing import IO, Any

from rectify.reports.ledger import LEDGER_COLUMNS, LedgerRow
from rectify.reports.ledger_parts import LIGHT_FILL, counted
from rectify.states.deadlines import LIGHT_LABELS

Progress = Callable[[int], None]
HEADERS = [h for _, h in LEDGER_COLUMNS]
KEYS = [k for k, _ in LEDGER_COLUMNS]

# Short cells stay on one line (a date broken as 2025-/12-29 or a county as 青/山/县 cannot be read);
# long texts wrap, each with a least width so the table does not squeeze them to a character a line.
ONE_LINE = frozenset({
    "seq", "county", "township", "kind", "measures_done", "measures_total", "measures_overdue", "township_cadre",
    "identified_on", "deadline", "stage",
    "task_due", "days_left", "deadline_days", "light", "supervised", "verified_on", "score", "grade", "satisfaction",
    "struck_off_on", "struck_off",
})
LINES = frozenset({"measures"})  # one line per measure, as the cell's text has them
MIN_WIDTH_EM: dict[str, float] = {
    "org_name": 5.5, "problems": 12, "detail": 11, "measures": 16, "county_leader": 4.5, "secretary": 5.5,
    "village_secretary": 4.5, "helping_unit": 4,
    "last_progress": 7, "remarks": 6, "task": 4.5, "light_reason": 6, "look_backs": 6.5,
}
_ALIGN = {"seq": "right", "measures_done": "right", "measures_total": "right", "measures_overdue": "right",
          "days_left": "right", "deadline_days": "right", "score": "right", "satisfaction": "right",
          "grade": "center", "kind": "center",
          "light": "center", "supervised": "center", "struck_off": "center"}


BRIEF_ONE_LINE = frozenset({"seq", "township", "deadline", "task_due", "days_left", "light", "supervised", "stage"})
BRIEF_ALIGN = {"seq": "right", "days_left": "right", "light": "center", "supervised": "center", "measures": "center",
               "deadline": "center", "task_due": "center", "stage": "center"}


def brief_column_styles() -> list[tuple[str, str]]:
    """The 简表's ``.c-<key>`` rules: short cells on one line, 四个一 a line per part."""
    from rectify.reports.ledger_print import BRIEF_KEYS

    styles = []
    for key in BRIEF_KEYS:
        rules = ["white-space: nowrap"] if key in BRIEF_ONE_LINE else ["white-space: pre-line"] if key == "four" else []
        if key in BRIEF_ALIGN:
            rules.append(f"text-align: {BRIEF_ALIGN[key]}")
        if rules:
            styles.append((key, "; ".join(rules)))
    return styles


def column_styles() -> list[tuple[str, str]]:
    """(column key, CSS declarations) for the stylesheet's ``.c-<key>`` rules."""
    styles = []
    for key in KEYS:
        rules = []
        if key in ONE_LINE:
            rules.append("white-space: nowrap")
        elif key in LINES:
            rules.append("white-space: pre-line")
        if key in MIN_WIDTH_EM:
            rules.append(f"min-width: {MIN_WIDTH_EM[key]:g}em")
        if key in _ALIGN:
            rules.append(f"text-align: {_ALIGN[key]}")
        if rules:
            styles.append((key, "; ".join(rules)))
    return styles


_ENV: Any = None


def environment() -> Any:
    """The ledger's templates in the one Jinja environment of :mod:`rectify.templating`."""
    global _ENV
    if _ENV is None:
        from rectify.templating import make_environment

        _ENV = make_environment("rectify.reports")
    return _ENV


def bar_chart(title: str, bars: list[tuple[str, int, str]], *, width: int = 420) -> dict[str, Any]:
    """Geometry of one horizontal bar chart (label, count, colour) for the template's inline SVG."""
    label_w, bar_h, gap, top = 90, 14, 4, 20
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
                "text_y": y + bar_h - 3,
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
    layout: str = "简表",
    paper: str = "A4",
    case_url: str = "",
) -> None:
    """One self-contained printable page: summary charts as inline SVG, then the ledger table in ``layout``
    (简表: 13 columns one page wide at 9.5 pt, the title and header on every printed page; 全表: every column)."""
    from rectify.reports.ledger_print import BRIEF_COLUMNS, BRIEF_KEYS, brief_cells, paper_scale

    brief = layout != "全表"
    stage_colour = "#4472C4"
    charts = [
        bar_chart("按阶段", [(label, n, stage_colour) for label, n in by_stage]),
        bar_chart("按预警", [(f"{LIGHT_LABELS[light]}灯", n, LIGHT_FILL[light][0]) for light, n in by_light]),
    ]
    counter = {"n": 0}

    def table_rows() -> Iterator[dict[str, Any]]:
        for row in counted(rows, progress):
            light, cells, raw = row
            counter["n"] += 1
            yield {
                "link": f"{case_url}{raw[0]}" if case_url else "",  # raw[0]: the case's number (LEDGER_KEYS)
                "cells": list(zip(BRIEF_KEYS, brief_cells(row), strict=True)) if brief
                else list(zip(KEYS, cells, strict=True)),
                "light": light or "",
                "closed": light is None,
            }

    template = environment().get_template("ledger.html")
    for chunk in template.generate(
        title=title,
        as_of=as_of.isoformat(),
        headers=[h for _, h, *_ in BRIEF_COLUMNS] if brief else HEADERS,
        column_styles=brief_column_styles() if brief else column_styles(),
        widths=[w * paper_scale(paper) for *_, w in BRIEF_COLUMNS] if brief else [],
        brief=brief,
        paper=paper,
        rows=table_rows(),
        charts=charts,
        light_fill=LIGHT_FILL,
        generated=generated,
        counter=counter,
        yellow=f"{getattr(lights, 'yellow', 0.30):.0%}",
        orange=f"{getattr(lights, 'orange', 0.15):.0%}",
    ):
        out.write(chunk)


