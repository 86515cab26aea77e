"""The Party statistics form 整顿软弱涣散基层党组织情况 as the official sheet is printed: one page, landscape.

Title in the middle, 表号 · 制表机关 · 报告期 at the right, the grouped two-row header, the rows 总计 · 村 · 社区, then
the signature lines under the table (填报单位（盖章） · 负责人（签名） · 填报人 · 审核人 · 联系电话 · 填报日期 in
Chinese). The 26 columns are narrow with wrapped headers, so the table is one page wide at 100 %; the page is set
to fit one page in case an application's column unit is wider than the one assumed.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from rectify.reports.ledger_parts import form_header

FORM_WIDTH = 4.4  # each of the 26 columns, in character units
LABEL_WIDTH = 5.0
_HEAD_LINE_PT = 11.5  # a line of the 9 pt header


def chinese_date(day: date) -> str:
    """2026年12月7日, as a form is dated."""
    return f"{day.year}年{day.month}月{day.day}日"


def form_signature_lines(report: Any, day: date) -> list[str]:
    """The lines signed under the form, from config ``[report]``; the date is the as-of day, in Chinese."""
    def field(name: str) -> str:
        return str(getattr(report, name, "") or "") if report is not None else ""

    gap = "\u3000" * 4
    return [
        f"填报单位（盖章）：{field('unit') or gap * 2}{gap}负责人（签名）：{gap}{gap}"
        f"填报人：{field('preparer') or gap}{gap}审核人：{field('reviewer') or gap}",
        f"联系电话：{field('phone') or gap * 2}{gap}填报日期：{chinese_date(day)}",
    ]


def _header_lines(text: str, width: float) -> int:
    from rectify.reports.ledger_print import brief_lines

    return brief_lines(text, width)


def form_sheet(wb: Any, stats: dict[str, Any], title: str, report: Any, f: dict[str, Any]) -> None:
    """Sheet 统计表: rows 1–3 the heading and the two header rows, rows 4–6 总计 · 村 · 社区, signatures below."""
    form = stats["form"]
    last = len(form["columns"])
    ws = wb.add_worksheet("统计表")
    _form_page(ws, report)
    _form_heading(ws, form, title, report, f)
    r = _form_rows(ws, form, f)
    ws.freeze_panes(3, 1)
    lines = [*form_signature_lines(report, date.fromisoformat(stats["as_of"])), f"注：{form['period']}"]
    for n, line in enumerate(lines, r + 2):
        ws.set_row(n, 26)
        ws.merge_range(n, 0, n, last, line, f["form_sign"])
    ws.print_area(0, 0, r + 1 + len(lines), last)


def _form_page(ws: Any, report: Any) -> None:
    """One landscape page (A4, or A3 as ``[report] paper`` says), numbered in the footer."""
    paper = getattr(report, "paper", "A4") or "A4"
    ws.set_landscape()
    ws.set_paper(8 if paper == "A3" else 9)
    ws.set_margins(left=0.3, right=0.3, top=0.5, bottom=0.5)
    ws.center_horizontally()
    ws.fit_to_pages(1, 1)
    ws.set_footer("&C第 &P 页 共 &N 页")


def _form_heading(ws: Any, form: dict[str, Any], title: str, report: Any, f: dict[str, Any]) -> None:
    """Row 1 the title with 表号 and 制表机关; rows 2–3 the column groups and the columns."""
    cols = form["columns"]
    last = len(cols)
    number = str(getattr(report, "form_number", "") or "") or "\u3000" * 6
    authority = str(getattr(report, "form_authority", "") or "")
    heading = f"{form['title']}（{title}）"
    ws.set_row(0, 40)
    ws.merge_range(0, 0, 0, last - 7, heading, f["form_title"])
    ws.merge_range(0, last - 6, 0, last, f"表\u3000\u3000号：{number}\n制表机关：{authority}", f["form_note"])
    ws.merge_range(1, 0, 2, 0, "", f["form_head"])
    ws.set_column(0, 0, LABEL_WIDTH)
    start = 1
    for group in form["groups"]:
        n = sum(1 for c in cols if c["group"] == group)
        if n > 1:
            ws.merge_range(1, start, 1, start + n - 1, group, f["form_head"])
        else:
            ws.write_string(1, start, group, f["form_head"])
        start += n
    headers = [form_header(c) for c in cols]
    for i, c in enumerate(cols, 1):
        ws.write_string(2, i, headers[i - 1], f["form_manual_head"] if c["manual"] else f["form_head"])
        ws.set_column(i, i, FORM_WIDTH)
    groups_tall = max(_header_lines(g, FORM_WIDTH * sum(1 for c in cols if c["group"] == g)) for g in form["groups"])
    ws.set_row(1, max(2, groups_tall) * _HEAD_LINE_PT + 4)
    ws.set_row(2, max(_header_lines(h, FORM_WIDTH) for h in headers) * _HEAD_LINE_PT + 4)


def _form_rows(ws: Any, form: dict[str, Any], f: dict[str, Any]) -> int:
    """总计 · 村 · 社区 from row 4 (a manual column left blank); returns the last row's index."""
    cols = form["columns"]
    r = 2
    for r, row in enumerate(form["rows"], 3):
        ws.set_row(r, 24)
        ws.write_string(r, 0, row["row"], f["head"])
        for i, c in enumerate(cols, 1):
            value = row["values"][c["key"]]
            if value is None:
                ws.write_blank(r, i, None, f["manual"])
            else:
                ws.write_number(r, i, value, f["cell"])
    return r
