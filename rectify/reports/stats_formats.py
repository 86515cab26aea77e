"""The statistics of ``rectify stats`` as a terminal table, CSV and XLSX (the JSON is the dict itself)."""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

from rectify.output import cell_text, display_width, safe_cell, table_lines
from rectify.reports.ledger_parts import form_header
from rectify.states.stages import STAGE_LABELS, Stage


class Percent(float):
    """A share the XLSX writes as a percentage number cell (0.0%), and text shows as 97.9%."""

    def __str__(self) -> str:
        return f"{self * 100:.1f}%"


def stats_sections(stats: dict[str, Any]) -> list[tuple[str, list[str], list[list[Any]]]]:
    """The statistics as titled tables (title, headers, rows), shared by the table, CSV and XLSX forms."""
    conv = stats["conversion"]
    sections: list[tuple[str, list[str], list[list[Any]]]] = [
        (
            "概况",
            ["项目", "数值"],
            [
                ["截至", stats["as_of"]],
                ["整顿对象总数", stats["total"]],
                *([["统计年度", f"{conv['year']}年"]] if conv.get("year") else []),
                ["排查确定（不含撤销）", conv[Stage.identified.value]],
                *([["上年结转在办", conv["carried_in"]]] if conv.get("year") else []),
                ["已验收销号", conv["converted"]],
                ["转化率", Percent(conv["rate"]) if conv["rate"] is not None else ""],
                ["逾期（红灯）", len(stats["overdue"])],
            ],
        ),
        (
            "按阶段",
            ["阶段", "代码", "整顿对象数"],
            [[s["label"], s["stage"], s["count"]] for s in stats["by_stage"]],
        ),
        (
            "按预警（在办整顿对象）",
            ["预警", "代码", "整顿对象数"],
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
            ["类别", "代码", "整顿对象数"],
            [[k["label"], k["kind"], k["count"]] for k in stats["by_kind"]],
        )
    )
    sections.append(
        (
            "按乡镇",
            ["县", "乡镇", "整顿对象数", "在办", "已销号", "逾期"],
            [
                [t["county"], t["township"], t["total"], t["open"], t[Stage.verified.value], t["overdue"]]
                for t in stats["by_township"]
            ],
        )
    )
    sections.append(
        (
            "逾期清单",
            ["编号", "组织代码", "党组织名称", "乡镇", "当前阶段", "应完成日期", "逾期天数", "挂牌督办"],
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
    return STAGE_LABELS.get(stage, stage)


def form_table(form: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """The official orientation: rows 总计/村/社区, the 26 columns; manual columns empty."""
    headers = [""] + [form_header(c) for c in form["columns"]]
    rows = [
        [r["row"]] + ["" if r["values"][c["key"]] is None else r["values"][c["key"]] for c in form["columns"]]
        for r in form["rows"]
    ]
    return headers, rows


def _plain_table(headers: list[str], rows: list[list[Any]]) -> str:
    texts = [[cell_text(v) for v in r] for r in rows]
    return "\n".join(table_lines(headers, texts, right=lambda n, i: isinstance(rows[n][i], int)))


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
        out.append(form["period"])
        headers = ["分组", "指标"] + [r["row"] for r in form["rows"]]
        rows = [
            [c["group"], c["header"]]
            + [MANUAL_MARK if r["values"][c["key"]] is None else r["values"][c["key"]] for r in form["rows"]]
            for c in form["columns"]
        ]
        out.append(_plain_table(headers, rows))
        out.extend(["", *report_lines(form)])
    return "\n".join(out).rstrip() + "\n"


def report_lines(form: dict[str, Any]) -> list[str]:
    """填报单位 · 填报人 · 审核人 · 联系电话 · 填报日期, from config ``[report]``; the date is the as-of day."""
    from rectify.reports.ledger_parts import signature_lines

    r = form["report"]
    return signature_lines(_Report(r), _day(r["date"]))


class _Report:
    def __init__(self, r: dict[str, Any]) -> None:
        self.unit, self.preparer, self.reviewer, self.phone = r["unit"], r["preparer"], r["reviewer"], r["phone"]


def _day(text: str) -> Any:
    from datetime import date

    return date.fromisoformat(text)


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
        w.writerow([stats["form"]["period"]])
        w.writerow(["", *(c["group"] for c in stats["form"]["columns"])])
        w.writerow(headers)
        w.writerows([[safe_cell(v) for v in r] for r in rows])
        w.writerow([])
        w.writerows([[line] for line in report_lines(stats["form"])])


def write_stats_xlsx(stats: dict[str, Any], target: str | Path | IO[bytes], *, title: str,
                     report: Any = None) -> None:
    """Sheet 统计表 in the official layout (grouped two-row header, manual columns shaded), then the rest.

    Printed like the ledger: A4 landscape at 10 pt over as many pages as the columns need (the row names
    and the header repeated), headers tall enough to show whole, page numbers, the signature lines.
    """
    import xlsxwriter

    wb = xlsxwriter.Workbook(
        target, {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    )
    base = {"font_name": "宋体", "font_size": 10, "border": 1, "valign": "vcenter"}
    f = {
        "title": wb.add_format({"font_name": "黑体", "font_size": 14, "bold": True}),
        "head": wb.add_format({**base, "bold": True, "bg_color": "#D9D9D9", "align": "center", "text_wrap": True}),
        "manual_head": wb.add_format(
            {**base, "bold": True, "bg_color": "#FCE4D6", "align": "center", "text_wrap": True}),
        "manual": wb.add_format({**base, "bg_color": "#FCE4D6"}),
        "cell": wb.add_format(base),
        "percent": wb.add_format({**base, "num_format": "0.0%"}),
        "sign": wb.add_format({"font_name": "宋体", "font_size": 11}),
        "form_head": wb.add_format({**base, "font_size": 9, "bold": True, "bg_color": "#D9D9D9", "align": "center",
                                    "text_wrap": True}),
        "form_manual_head": wb.add_format({**base, "font_size": 9, "bold": True, "bg_color": "#FCE4D6",
                                           "align": "center", "text_wrap": True}),
        "form_title": wb.add_format({"font_name": "黑体", "font_size": 16, "bold": True, "align": "center",
                                     "valign": "vcenter"}),
        "form_note": wb.add_format({"font_name": "宋体", "font_size": 10, "align": "right", "valign": "vcenter",
                                    "text_wrap": True}),
        "form_sign": wb.add_format({"font_name": "宋体", "font_size": 10.5, "valign": "vcenter"}),
    }
    paper = getattr(report, "paper", "A4")
    if stats["form"] is not None:
        from rectify.reports.stats_sheet import form_sheet

        form_sheet(wb, stats, title, report, f)
    for name, headers, rows in stats_sections(stats):
        ws = wb.add_worksheet(name[:31])
        _print_setup(ws, f"{name}（{title}，截至 {stats['as_of']}）", paper)
        ws.repeat_rows(0)
        for i, h in enumerate(headers):
            ws.write_string(0, i, h, f["head"])
            ws.set_column(i, i, max(10, display_width(h) + 2))
        for r, row in enumerate(rows, 1):
            for i, v in enumerate(row):
                if isinstance(v, Percent):
                    ws.write_number(r, i, float(v), f["percent"])
                elif isinstance(v, int) and not isinstance(v, bool):
                    ws.write_number(r, i, v, f["cell"])
                else:
                    ws.write_string(r, i, safe_cell(v), f["cell"])
        ws.freeze_panes(1, 0)
    wb.close()



def _print_setup(ws: Any, title: str, paper: str = "A4") -> None:
    ws.set_landscape()
    ws.set_paper(8 if paper == "A3" else 9)
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.print_across()
    ws.set_header(f'&C&"黑体"&12{title.replace("&", "&&")}')
    ws.set_footer("&C第 &P 页 共 &N 页")
