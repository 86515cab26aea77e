"""Renderers of the 限期转化台账: terminal table, CSV, XLSX, HTML, JSON and iCalendar.

Every streaming renderer takes an iterator of ledger rows (:func:`rectify.workflow.ledger.ledger_rows`)
and writes each row as it comes, so memory stays bounded whatever the number of cases. Spreadsheet
cells go through :func:`rectify.output.safe_cell`; HTML goes through an autoescaping Jinja environment.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from rectify.output import FORMULA_PREFIXES, display_width, pad, safe_cell, truncate
from rectify.states.deadlines import LIGHT_LABELS
from rectify.states.wording import days_left_text
from rectify.workflow.ledger import LEDGER_COLUMNS, LedgerRows, cells

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


def _numbered(rows: Iterable[dict[str, Any]], progress: Progress | None) -> Iterator[dict[str, Any]]:
    for row in rows:
        yield row
        if progress is not None:
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


def table_cells(row: dict[str, Any]) -> dict[str, Any]:
    """The terminal's shortening: problem codes only (the full text is in every export); and the case number."""
    c = cells(row)
    c["case_id"] = row["case_id"]
    c["problems"] = " ".join(p["code"] if p["code"] != "other" else "其他" for p in row["problems"])
    return c


def render_ledger_table(rows: Iterable[dict[str, Any]], *, width: int = 120, colour: bool = False) -> str:
    """A table fitting ``width`` columns: the most useful columns first, long cells shortened with …."""
    data = [(r, table_cells(r)) for r in rows]
    if not data:
        return "（无符合条件的案例）"
    header = dict(TABLE_COLUMNS)
    natural: dict[str, int] = {}
    for key in TABLE_KEYS:
        cap = TABLE_CAPS.get(key, 40)
        natural[key] = max(
            [display_width(header[key])] + [min(cap, display_width(str(c[key]))) for _, c in data]
        )
    chosen: list[str] = []
    used = 0
    for key in TABLE_PRIORITY:
        need = natural[key] + (2 if chosen else 0)
        if used + need <= width:
            chosen.append(key)
            used += need
    shown = [k for k in TABLE_KEYS if k in chosen]
    right = {"seq", "case_id", "days_left", "score"}
    lines = [
        "  ".join(pad(header[k], natural[k], right=k in right) for k in shown).rstrip(),
        "  ".join("-" * natural[k] for k in shown),
    ]
    for row, c in data:
        parts = []
        for k in shown:
            text = pad(truncate(str(c[k]), natural[k]), natural[k], right=k in right)
            if colour and k == "light" and row["light"]:
                import click

                text = click.style(text, **_TERMINAL_COLOUR[row["light"]])
            parts.append(text)
        lines.append("  ".join(parts).rstrip())
    hidden = [header[k] for k in TABLE_KEYS if k not in chosen]
    if hidden:
        lines.append(
            f"（共 {len(data)} 个案例；限于宽度未显示：{'、'.join(hidden)}。"
            f"完整台账请用 --format xlsx/csv/html）"
        )
    else:
        lines.append(f"（共 {len(data)} 个案例）")
    return "\n".join(lines)


# -- CSV and JSON ----------------------------------------------------------------------------------


# A cell starting with a formula character, in the row's cells joined with (and led by) NUL.
_CSV_UNSAFE = re.compile("\x00(?:" + "|".join(map(re.escape, FORMULA_PREFIXES)) + ")")


def write_csv(rows: Iterable[dict[str, Any]], out: IO[str], *, progress: Progress | None = None) -> int:
    """UTF-8 with BOM (Excel opens the Chinese correctly), CRLF, formula-safe cells."""
    import csv

    out.write("\ufeff")
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(HEADERS)
    n = 0
    if isinstance(rows, LedgerRows):
        joined = "\x00".join
        unsafe = _CSV_UNSAFE.search
        for _, values in rows.cell_rows():
            # Most rows need no cell changed: one search of the joined text tells (a NUL in a cell can only
            # send a row down the exact per-cell path). The cells are text, ints or None, which the csv
            # module writes as safe_cell would when nothing starts with a formula character.
            if unsafe("\x00" + joined(map(str, values))):
                w.writerow([safe_cell(v) for v in values])
            else:
                w.writerow(values)
            n += 1
            if progress is not None:
                progress(1)
        return n
    for row in _numbered(rows, progress):
        c = cells(row)
        w.writerow([safe_cell(c[k]) for k in KEYS])
        n += 1
    return n


def write_json(
    rows: Iterable[dict[str, Any]],
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
    for row in _numbered(rows, progress):
        body = json.dumps(row, ensure_ascii=False, indent=2).replace("\n", "\n    ")
        out.write(("," if n else "") + "\n    " + body)
        n += 1
    out.write(("\n  " if n else "") + f'],\n  "count": {n}\n}}\n')
    return n


# -- XLSX ------------------------------------------------------------------------------------------

XLSX_WIDTHS: dict[str, float] = {
    "seq": 5,
    "county": 8,
    "township": 8,
    "org_name": 24,
    "kind": 6,
    "problems": 36,
    "detail": 28,
    "measures": 7,
    "county_leader": 14,
    "township_cadre": 9,
    "secretary": 22,
    "helping_unit": 14,
    "identified_on": 11,
    "deadline": 11,
    "stage": 10,
    "days_left": 7,
    "light": 5,
    "supervised": 6,
    "last_progress": 28,
    "verified_on": 11,
    "score": 6,
    "struck_off": 6,
    "remarks": 26,
}
_NUMERIC = {"seq", "days_left", "score"}


def write_xlsx(
    rows: Iterable[dict[str, Any]],
    target: str | Path | IO[bytes],
    *,
    title: str,
    progress: Progress | None = None,
) -> int:
    """A print-ready sheet written in constant memory: title row, frozen header, filters, coloured lights."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(
        target,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    wb.set_properties({"title": title, "creator": "rectify"})
    ws = wb.add_worksheet("限期转化台账")
    base = {"font_name": "宋体", "font_size": 10, "valign": "top", "border": 1}
    f_title = wb.add_format({"font_name": "黑体", "font_size": 16, "bold": True})
    f_head = wb.add_format(
        {
            **base,
            "bold": True,
            "bg_color": "#D9D9D9",
            "align": "center",
            "valign": "vcenter",
            "text_wrap": True,
        }
    )
    f_text = wb.add_format({**base, "text_wrap": True})
    f_num = wb.add_format({**base, "align": "right"})
    f_light = {
        light: wb.add_format(
            {**base, "align": "center", "bold": True, "bg_color": fill, "font_color": font, "pattern": 1}
        )
        for light, (fill, font) in LIGHT_FILL.items()
    }
    last_col = len(KEYS) - 1
    for i, key in enumerate(KEYS):
        ws.set_column(i, i, XLSX_WIDTHS.get(key, 10))
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.set_margins(left=0.3, right=0.3, top=0.5, bottom=0.5)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(1)
    ws.set_header(f'&C&"黑体"&12{_xlsx_escape(title)}')
    ws.set_footer("&C第 &P 页，共 &N 页")
    ws.freeze_panes(2, 4)
    ws.set_row(0, 24)
    ws.write_string(0, 0, safe_cell(title), f_title)
    ws.set_row(1, 30)
    for i, h in enumerate(HEADERS):
        ws.write_string(1, i, h, f_head)
    r = 1
    if isinstance(rows, LedgerRows):
        light_col = KEYS.index("light")
        special = {i for i, key in enumerate(KEYS) if key in _NUMERIC or key == "light"}
        unsafe = FORMULA_PREFIXES
        write_string, write_number = ws.write_string, ws.write_number
        for light, values in rows.cell_rows():
            r += 1
            for i, value in enumerate(values):
                if i in special:
                    if i == light_col and light:
                        write_string(r, i, value, f_light[light])
                        continue
                    if i != light_col and isinstance(value, int):
                        write_number(r, i, value, f_num)
                        continue
                # safe_cell, with its common case (text needing nothing) inline
                write_string(
                    r, i, value if value.__class__ is str and not value.startswith(unsafe) else safe_cell(value), f_text
                )
            if progress is not None:
                progress(1)
        ws.autofilter(1, 0, max(r, 1), last_col)
        wb.close()
        return r - 1
    for row in _numbered(rows, progress):
        r += 1
        c = cells(row)
        for i, key in enumerate(KEYS):
            value = c[key]
            if key == "light" and row["light"]:
                ws.write_string(r, i, value, f_light[row["light"]])
            elif key in _NUMERIC and isinstance(value, int):
                ws.write_number(r, i, value, f_num)
            else:
                ws.write_string(r, i, safe_cell(value), f_text)
    ws.autofilter(1, 0, max(r, 1), last_col)
    wb.close()
    return r - 1


def _xlsx_escape(text: str) -> str:
    return text.replace("&", "&&")


# -- HTML ------------------------------------------------------------------------------------------

_ENV: Any = None


def environment() -> Any:
    """The one Jinja environment of the ledger: package templates, StrictUndefined, autoescape."""
    global _ENV
    if _ENV is None:
        import jinja2

        _ENV = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(Path(__file__).resolve().parent / "templates")),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
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
    rows: Iterable[dict[str, Any]],
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
        for row in _numbered(rows, progress):
            counter["n"] += 1
            c = cells(row)
            yield {
                "cells": [(k, c[k]) for k in KEYS],
                "light": row["light"] or "",
                "closed": row["light"] is None,
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
    rows: Iterable[dict[str, Any]],
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

    from rectify.states.stages import STAGE_LABELS

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
    for row in _numbered(rows, progress):
        if row["light"] is None:
            continue
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


# -- statistics (rectify stats) --------------------------------------------------------------------


def _pct(rate: float | None) -> str:
    return "" if rate is None else f"{rate * 100:.1f}%"


def stats_sections(stats: dict[str, Any]) -> list[tuple[str, list[str], list[list[Any]]]]:
    """The statistics as titled tables (title, headers, rows), shared by the table, CSV and XLSX forms."""
    conv = stats["conversion"]
    sections: list[tuple[str, list[str], list[list[Any]]]] = [
        (
            "概况",
            ["项目", "数值"],
            [
                ["截至", stats["as_of"]],
                ["案例总数", stats["total"]],
                ["排查确定（不含撤销）", conv["identified"]],
                ["已验收销号", conv["converted"]],
                ["转化率", _pct(conv["rate"])],
                ["逾期（红灯）", len(stats["overdue"])],
            ],
        ),
        (
            "按阶段",
            ["阶段", "代码", "案例数"],
            [[s["label"], s["stage"], s["count"]] for s in stats["by_stage"]],
        ),
        (
            "按预警（在办案例）",
            ["预警", "代码", "案例数"],
            [[lt["label"], lt["light"], lt["count"]] for lt in stats["by_light"]],
        ),
    ]
    if stats["by_problem"] is not None:
        sections.append(
            (
                "按软弱涣散情形",
                ["代码", "情形", "组织数"],
                [[p["code"], p["text"], p["count"]] for p in stats["by_problem"]],
            )
        )
    sections.append(
        (
            "按类别",
            ["类别", "代码", "案例数"],
            [[k["label"], k["kind"], k["count"]] for k in stats["by_kind"]],
        )
    )
    sections.append(
        (
            "按乡镇",
            ["县", "乡镇", "案例数", "在办", "已销号", "逾期"],
            [
                [t["county"], t["township"], t["total"], t["open"], t["verified"], t["overdue"]]
                for t in stats["by_township"]
            ],
        )
    )
    sections.append(
        (
            "逾期清单",
            ["案例", "组织代码", "党组织名称", "乡镇", "当前阶段", "应完成日期", "逾期天数", "挂牌督办"],
            [
                [
                    o["case_id"],
                    o["org_code"],
                    o["org_name"],
                    o["township"],
                    _stage_zh(o["stage"]),
                    o["next_due"],
                    o["days_overdue"],
                    "是" if o["supervised"] else "否",
                ]
                for o in stats["overdue"]
            ],
        )
    )
    return sections


def _stage_zh(stage: str) -> str:
    from rectify.states.stages import STAGE_LABELS

    return STAGE_LABELS.get(stage, stage)


def form_header(col: dict[str, Any]) -> str:
    return f"{col['header']}（人工填报）" if col["manual"] else col["header"]


def form_table(form: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """The official orientation: rows 总计/村/社区, the 26 columns; manual columns empty."""
    headers = [""] + [form_header(c) for c in form["columns"]]
    rows = [
        [r["row"]] + ["" if r["values"][c["key"]] is None else r["values"][c["key"]] for c in form["columns"]]
        for r in form["rows"]
    ]
    return headers, rows


def _plain_table(headers: list[str], rows: list[list[Any]]) -> str:
    from rectify.output import cell_text

    texts = [[cell_text(v) for v in r] for r in rows]
    widths = [max([display_width(h)] + [display_width(t[i]) for t in texts]) for i, h in enumerate(headers)]
    lines = [
        "  ".join(pad(h, widths[i]) for i, h in enumerate(headers)).rstrip(),
        "  ".join("-" * w for w in widths),
    ]
    for r, t in zip(rows, texts, strict=True):
        lines.append(
            "  ".join(pad(t[i], widths[i], right=isinstance(r[i], int)) for i in range(len(headers))).rstrip()
        )
    return "\n".join(lines)


def render_stats_table(stats: dict[str, Any]) -> str:
    out = []
    for title, headers, rows in stats_sections(stats):
        out.append(f"【{title}】")
        out.append(_plain_table(headers, rows) if rows else "（无）")
        out.append("")
    form = stats["form"]
    if form is not None:
        # Transposed: 26 lines of three figures read better in a terminal than 26 columns.
        out.append(f"【党内统计表：{form['title']}】")
        headers = ["分组", "指标"] + [r["row"] for r in form["rows"]]
        rows = [
            [c["group"], c["header"]]
            + [MANUAL_MARK if r["values"][c["key"]] is None else r["values"][c["key"]] for r in form["rows"]]
            for c in form["columns"]
        ]
        out.append(_plain_table(headers, rows))
    return "\n".join(out).rstrip() + "\n"


MANUAL_MARK = "人工填报"


def write_stats_csv(stats: dict[str, Any], out: IO[str]) -> None:
    """Sections one after another (a title line, a header, the rows, a blank line); UTF-8 with BOM."""
    import csv

    out.write("\ufeff")
    w = csv.writer(out, lineterminator="\r\n")
    for title, headers, rows in stats_sections(stats):
        w.writerow([title])
        w.writerow(headers)
        w.writerows([[safe_cell(v) for v in r] for r in rows])
        w.writerow([])
    if stats["form"] is not None:
        headers, rows = form_table(stats["form"])
        w.writerow([stats["form"]["title"]])
        w.writerow(["", *(c["group"] for c in stats["form"]["columns"])])
        w.writerow(headers)
        w.writerows([[safe_cell(v) for v in r] for r in rows])


def write_stats_xlsx(stats: dict[str, Any], target: str | Path | IO[bytes], *, title: str) -> None:
    """Sheet 统计表 in the official layout (grouped two-row header, manual columns shaded), then the rest."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(
        target, {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    )
    base = {"font_name": "宋体", "font_size": 10, "border": 1, "valign": "vcenter"}
    f_title = wb.add_format({"font_name": "黑体", "font_size": 14, "bold": True})
    f_head = wb.add_format(
        {**base, "bold": True, "bg_color": "#D9D9D9", "align": "center", "text_wrap": True}
    )
    f_manual_head = wb.add_format(
        {**base, "bold": True, "bg_color": "#FCE4D6", "align": "center", "text_wrap": True}
    )
    f_manual = wb.add_format({**base, "bg_color": "#FCE4D6"})
    f_cell = wb.add_format(base)
    if stats["form"] is not None:
        form = stats["form"]
        ws = wb.add_worksheet("统计表")
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        ws.write_string(0, 0, f"{form['title']}（{title}，截至 {stats['as_of']}）", f_title)
        cols = form["columns"]
        ws.merge_range(1, 0, 2, 0, "", f_head)
        start = 1
        for group in form["groups"]:
            n = sum(1 for c in cols if c["group"] == group)
            if n > 1:
                ws.merge_range(1, start, 1, start + n - 1, group, f_head)
            else:
                ws.write_string(1, start, group, f_head)
            start += n
        for i, c in enumerate(cols, 1):
            ws.write_string(2, i, form_header(c), f_manual_head if c["manual"] else f_head)
            ws.set_column(i, i, 9)
        ws.set_row(2, 90)
        for r, row in enumerate(form["rows"], 3):
            ws.write_string(r, 0, row["row"], f_head)
            for i, c in enumerate(cols, 1):
                value = row["values"][c["key"]]
                if value is None:
                    ws.write_blank(r, i, None, f_manual)
                else:
                    ws.write_number(r, i, value, f_cell)
        ws.freeze_panes(3, 1)
    for name, headers, rows in stats_sections(stats):
        ws = wb.add_worksheet(name[:31])
        for i, h in enumerate(headers):
            ws.write_string(0, i, h, f_head)
            ws.set_column(i, i, max(10, display_width(h) + 2))
        for r, row in enumerate(rows, 1):
            for i, v in enumerate(row):
                if isinstance(v, int) and not isinstance(v, bool):
                    ws.write_number(r, i, v, f_cell)
                else:
                    ws.write_string(r, i, safe_cell(v), f_cell)
        ws.freeze_panes(1, 0)
    wb.close()
