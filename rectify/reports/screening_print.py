"""排查 prints as PDF (SPEC §15): the 名单 as the 县委常委会 fixed it, the 排查表 of the whole register and the share
per 乡镇 beside its guidance range, laid out in HTML and printed by headless Chromium (as the notices are)."""

from __future__ import annotations

import html
import tempfile
from pathlib import Path
from typing import IO, Any

from rectify.output import Column
from rectify.reports.screening import LIST_COLUMNS, TABLE_COLUMNS, TOWNSHIP_COLUMNS, title_of

__all__ = ["PARTS", "screening_html", "write_pdf"]

PARTS = ("all", "list", "table", "townships")
_STYLE = """
@page { size: A4 landscape; margin: 14mm 12mm 14mm 12mm; }
body { font-family: "SimSun", "宋体", "Noto Serif CJK SC", serif; font-size: 10pt; line-height: 1.35; color: #000; }
h1 { font-family: "SimHei", "黑体", "Noto Sans CJK SC", sans-serif; font-size: 16pt; text-align: center;
     margin: 0 0 4pt; }
p.sub { text-align: center; margin: 0 0 8pt; font-size: 10.5pt; }
section + section { break-before: page; }
table { border-collapse: collapse; width: 100%; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
th { font-family: "SimHei", "黑体", "Noto Sans CJK SC", sans-serif; font-weight: normal; background: #e6e6e6; }
th, td { border: 0.6pt solid #000; padding: 2pt 4pt; vertical-align: middle; }
td.n { text-align: right; white-space: nowrap; } td.c { text-align: center; white-space: nowrap; }
tr.flag td { background: #fff1cc; }
p.note { margin: 6pt 0 0; font-size: 9pt; }
p.sign { margin: 18pt 6em 0 0; text-align: right; font-size: 11pt; }
"""
_CENTER = {"seq", "township", "code", "kind", "case_id", "outcome_label", "vacant_since", "organizations", "screened",
           "listed"}


def _cell(key: str, value: Any) -> str:
    if value is None or value == "":
        return "<td></td>"
    if key in ("satisfaction", "share") and isinstance(value, int | float):
        return f'<td class="n">{value:.0%}</td>'
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f'<td class="n">{value}</td>'
    css = ' class="c"' if key in _CENTER else ""
    return f"<td{css}>{html.escape(str(value))}</td>"


def _table(columns: list[Column], rows: list[dict[str, Any]], flagged: set[int] | None = None) -> str:
    head = "".join(f"<th>{html.escape(label)}</th>" for _, label in columns)
    flagged = flagged or set()
    body = "".join(("<tr class=\"flag\">" if i in flagged else "<tr>")
                   + "".join(_cell(k, r.get(k)) for k, _ in columns) + "</tr>" for i, r in enumerate(rows))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _list(view: dict[str, Any]) -> str:
    e = html.escape
    if not view["decided_on"]:
        body = '<p class="sub">县委常委会尚未确定名单。</p>'
    else:
        body = _table(LIST_COLUMNS, view["list"])
    return (f"<section><h1>{e(title_of(view))}</h1><p class=\"sub\">共 {len(view['list'])} 个</p>{body}"
            f'<p class="sign">{e(view["county"])}委组织部（盖章）　　　　年　　月　　日</p></section>')


def _register(view: dict[str, Any]) -> str:
    rows = view["rows"]
    flagged = {i for i, r in enumerate(rows) if r["hard_criteria"] and r["outcome"] != "listed"}
    lo, hi = view["share_range"][0], view["share_range"][-1]
    return (f"<section><h1>{html.escape(view['county'])}{view['year']}年度排查表</h1>"
            f"<p class=\"sub\">组织 {view['organizations']} 个，已排查 {view['screened']} 个，列入 {view['listed']} 个"
            f"（排查开始 {view['started_on']}）</p>{_table(TABLE_COLUMNS, rows, flagged)}"
            f'<p class="note">底色标出的组织符合硬性情形（群众满意率低于参考值或书记空缺超过规定月数）而未列入，'
            f"其理由见“理由”栏。各乡镇列入占比的参考区间为 {lo:.0%}–{hi:.0%}，不是指标。</p></section>")


def _townships(view: dict[str, Any]) -> str:
    lo, hi = view["share_range"][0], view["share_range"][-1]
    return (f"<section><h1>各乡镇列入占比</h1><p class=\"sub\">参考区间 {lo:.0%}–{hi:.0%}，仅供参考，不是指标，"
            f"不得平均摊派</p>{_table(TOWNSHIP_COLUMNS, view['townships'])}</section>")


def screening_html(view: dict[str, Any], part: str = "all") -> str:
    """The print's HTML: ``list`` 名单, ``table`` 排查表, ``townships`` 各乡镇占比, or ``all`` three, a page each."""
    chosen = {"list": [_list], "table": [_register], "townships": [_townships],
              "all": [_list, _register, _townships]}[part]
    title = title_of(view) if part in ("list", "all") else f"{view['county']}{view['year']}年度排查表"
    return (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{_STYLE}</style></head><body>{''.join(f(view) for f in chosen)}</body></html>")


def write_pdf(view: dict[str, Any], out: IO[bytes], part: str = "all", chromium: str = "/usr/bin/chromium") -> None:
    from rectify.reports.notices import html_to_pdf

    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "screening.pdf"
        html_to_pdf(screening_html(view, part), target, chromium)
        out.write(target.read_bytes())
