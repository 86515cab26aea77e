"""The papers the office signs and stamps, filled from a case and config ``[report]`` (SPEC §10 ``rectify notice``).

整改通知书, 挂牌督办通知书, 公示, 销号批复 are 公文: 标题, 文号 (where there is one), 主送, 正文, 落款, 成文日期;
验收评分表 and 民主测评表 are the blanks a verification team fills in on its visit, with the case's own items. One
:class:`Notice` per kind, built from ``show_case`` data (no click), written as DOCX (python-docx, editable in WPS and
Word) or as HTML that Chromium prints to PDF; the web offers the same downloads.
"""

from __future__ import annotations

import html
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

KINDS = ("整改通知书", "挂牌督办通知书", "公示", "销号批复", "验收评分表", "民主测评表")
_DEFAULT_UNIT = "中共××县委组织部"


@dataclass
class Notice:
    kind: str
    title: str
    doc_no: str = ""
    recipient: str = ""
    body: list[str] = field(default_factory=list)
    table: tuple[list[str], list[list[str]]] | None = None
    after: list[str] = field(default_factory=list)  # lines under a table (signatures of a blank)
    sender: str = ""
    dated: str = ""


def cn_date(value: date | str | None) -> str:
    if not value:
        return "\u3000\u3000年\u3000月\u3000日"
    d = date.fromisoformat(str(value)[:10]) if not isinstance(value, date) else value
    return f"{d.year}年{d.month}月{d.day}日"


def _people(case: dict[str, Any], role: str) -> str:
    return "、".join(p["name"] for p in case["people"] if p["role"] == role)


def _first_secretary(case: dict[str, Any]) -> str:
    s = next((s for s in case["secretaries"] if s["kind"] == "first" and not s["until"]), None)
    return f"{s['name']}（{s['unit']}）" if s else ""


def _problems(case: dict[str, Any]) -> str:
    return "；".join(f"{p['code']} {p['text']}" for p in case["problems"])


def build_notice(kind: str, case: dict[str, Any], report: Any, today: date, items: tuple[str, ...] = ()) -> Notice:
    """The notice of ``kind`` for ``case`` (``show_case`` data), signed by ``[report] unit``, dated ``today``."""
    if kind not in KINDS:
        from rectify.errors import BadInput

        raise BadInput(f"文书种类应为 {'、'.join(KINDS)} 之一，现为 {kind}")
    org = case["organization"]
    unit = str(getattr(report, "unit", "") or "") or _DEFAULT_UNIT
    party = f"中共{org['township']}委员会" if not org["township"].endswith("委员会") else org["township"]
    plan = str(getattr(report, "plan_title", "") or "") or "本县整顿软弱涣散基层党组织工作方案"
    contact = str(getattr(report, "contact", "") or "") or _people(case, "officer")
    phone = str(getattr(report, "phone", "") or "")
    contact_line = f"联系人：{contact}" + (f"\u3000联系电话：{phone}" if phone else "")
    n = Notice(kind=kind, title="", sender=unit, dated=cn_date(today))
    h = _Heading(org["name"], party, plan, unit, contact_line, today)
    fill = _FILLS.get(kind)
    if fill is not None:
        fill(n, case, h)
    else:
        _blank_sheet(n, kind, case, items)
    return n


class _Heading(NamedTuple):
    """What every notice of a case names: the organization, its township's Party committee, the plan, the
    signing unit, the contact line and the day."""

    name: str
    party: str
    plan: str
    unit: str
    contact_line: str
    today: date


def _rectify_notice(n: Notice, case: dict[str, Any], h: _Heading) -> None:
    """整改通知书: the problems, every measure with its 责任人 and 时限, the people in charge."""
    name, party, plan, contact_line = h.name, h.party, h.plan, h.contact_line
    n.title = f"关于{name}限期整顿转化的通知"
    n.recipient = f"{party}："
    n.body = [
        f"经排查认定，{name}列入{case['year']}年度软弱涣散基层党组织整顿，转化时限为{cn_date(case['deadline'])}。"
        f"主要问题：{_problems(case)}。具体表现：{case['detail'].rstrip('。')}。",
        f"请按照《{plan}》要求，逐项落实以下整改措施：",
        *(f"{m['seq']}. {m['text']}（责任人：{m['owner']}{'，' + m['owner_unit'] if m['owner_unit'] else ''}；"
          f"时限：{cn_date(m['due_on'])}）" for m in case["measures"]),
        f"县级联系领导：{_people(case, 'county_leader') or '（待定）'}；"
        f"包村干部：{_people(case, 'township_cadre') or '（待定）'}；"
        f"第一书记：{_first_secretary(case) or '（待选派）'}。",
        "请于每月上旬报送上月整改进展，整改完成后经乡镇初验提出验收申请。",
        contact_line,
    ]


def _supervision_notice(n: Notice, case: dict[str, Any], h: _Heading) -> None:
    """挂牌督办通知书: the sign still hung, its level, matters, due date and unit."""
    name, party, contact_line, today = h.name, h.party, h.contact_line, h.today
    sup = next((s for s in reversed(case["supervisions"]) if not s["taken_down_on"]), None) or {}
    level = {"city": "市级", "county": "县级"}.get(sup.get("level", ""), "")
    n.title = "挂牌督办通知书"
    n.doc_no = f"督〔{today.year}〕\u3000\u3000号"
    n.recipient = f"{party}、{name}："
    n.body = [
        f"{name}列入{case['year']}年度软弱涣散基层党组织整顿以来，整顿进度滞后。经研究，决定对该党组织实行"
        f"{level}挂牌督办。",
        f"督办事项：{sup.get('matter') or case['supervision_reason']}",
        f"办结时限：{cn_date(sup.get('due_on'))}。督办单位：{sup.get('unit', '')}。",
        "请高度重视，逐项整改，按时报告办理结果；整改到位并经督办单位检查后摘牌。",
        contact_line,
    ]


def _publicity(n: Notice, case: dict[str, Any], h: _Heading) -> None:
    """公示: the last verification, its score and survey, and the 公示 period."""
    name, plan, unit, contact_line = h.name, h.plan, h.unit, h.contact_line
    v = case["verifications"][-1] if case["verifications"] else {}
    n.title = f"关于{name}整顿转化验收结果的公示"
    n.body = [
        f"根据《{plan}》，{v.get('verifier', '县级验收组')}于{cn_date(v.get('verified_on'))}对{name}整顿转化情况"
        f"进行了验收，验收得分{v.get('score', '')}分，民主测评满意{v.get('satisfied', '')}人、基本满意"
        f"{v.get('basic', '')}人、不满意{v.get('dissatisfied', '')}人，拟予销号。",
        f"现予公示，公示期至{cn_date(case['publicity_until'])}。公示期间，对验收结果有异议的，可向{unit}反映。",
        contact_line,
    ]


def _strike_off_reply(n: Notice, case: dict[str, Any], h: _Heading) -> None:
    """销号批复: dated by the 销号 when there is one."""
    name, party, today = h.name, h.party, h.today
    n.title = f"关于同意{name}销号的批复"
    n.doc_no = case["strike_off_doc"] or f"〔{today.year}〕\u3000\u3000号"
    n.recipient = f"{party}："
    n.body = [
        f"你单位关于{name}整顿转化验收销号的申请收悉。经验收和公示，该党组织已完成整顿转化任务，同意销号。",
        "请巩固整顿成果，在一年巩固期内接受回头看，防止反弹。",
    ]
    if case["struck_off_on"]:
        n.dated = cn_date(case["struck_off_on"])


_FILLS: dict[str, Callable[[Notice, dict[str, Any], _Heading], None]] = {
    "整改通知书": _rectify_notice,
    "挂牌督办通知书": _supervision_notice,
    "公示": _publicity,
    "销号批复": _strike_off_reply,
}


def _blank_sheet(n: Notice, kind: str, case: dict[str, Any], items: tuple[str, ...]) -> None:
    """验收评分表 and 民主测评表: blanks the verification team fills in on its visit, with the case's items."""
    org, name = case["organization"], case["organization"]["name"]
    if kind == "验收评分表":
        n.title = f"{name}整顿转化验收评分表"
        n.body = [f"乡镇：{org['township']}\u3000\u3000验收日期：{cn_date(None)}"
                  f"\u3000\u3000转化时限：{cn_date(case['deadline'])}"]
        base, extra = divmod(100, max(1, len(items)))
        rows = [[item, str(base + (k < extra)), "", ""] for k, item in enumerate(items)]
        rows += [[f"措施{m['seq']}：{m['text']}", "—", "", "完成 □  未完成 □"] for m in case["measures"]]
        n.table = (["验收项目", "分值", "得分", "备注"], [*rows, ["合计", "100", "", ""]])
        n.after = ["验收组成员（签名）：",
                   "验收组组长（签名）：" + "\u3000" * 6 + "验收等次：合格 □  基本合格 □  不合格 □"]
        n.sender = ""
    else:  # 民主测评表
        n.title = f"{name}整顿转化工作民主测评表"
        n.body = ["请在相应栏内划“√”，每项只选一栏。本表不记名。"]
        rows = [[f"{p['code']} {p['text']}：整改成效", "", "", ""] for p in case["problems"]]
        rows += [[f"整改措施：{m['text']}", "", "", ""] for m in case["measures"]]
        rows.append(["对党组织整顿转化工作的总体评价", "", "", ""])
        n.table = (["测评内容", "满意", "基本满意", "不满意"], rows)
        n.after = ["测评对象：党员、群众代表、村（社区）“两委”成员\u3000\u3000测评日期：" + cn_date(None)]
        n.sender = ""


# -- DOCX (python-docx): 公文 layout, 仿宋 三号 body, 小标宋 二号 title -----------------------------------

_TITLE_FONT, _BODY_FONT, _BODY_PT, _TITLE_PT = "方正小标宋简体", "仿宋_GB2312", 16, 22


def _run(paragraph: Any, text: str, *, font: str = _BODY_FONT, pt: float = _BODY_PT, bold: bool = False) -> Any:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run = paragraph.add_run(text)
    run.font.name, run.font.size, run.font.bold = font, Pt(pt), bold
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)
    return run


def write_docx(n: Notice, target: Any) -> None:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt

    doc = Document()
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.top_margin, sec.bottom_margin, sec.left_margin, sec.right_margin = Mm(37), Mm(35), Mm(28), Mm(26)
    if n.doc_no:
        p = doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _run(p, n.doc_no)
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.space_after = Pt(16)
    _run(p, n.title, font=_TITLE_FONT, pt=_TITLE_PT if n.table is None else 18)
    if n.recipient:
        _run(doc.add_paragraph(), n.recipient)
    for text in n.body:
        p = doc.add_paragraph()
        p.paragraph_format.first_line_indent = Pt(_BODY_PT * 2) if n.table is None else None
        _run(p, text, pt=_BODY_PT if n.table is None else 12)
    if n.table is not None:
        headers, rows = n.table
        table = doc.add_table(rows=1 + len(rows), cols=len(headers))
        table.style = "Table Grid"
        table.autofit = False
        narrow = Mm(22)
        widths = [Mm(156) - narrow * (len(headers) - 1), *([narrow] * (len(headers) - 1))]
        for column, width in zip(table.columns, widths, strict=True):
            column.width = width  # the grid LibreOffice and WPS read; Word reads the cells' widths
        for r, values in enumerate([headers, *rows]):
            table.rows[r].height = Mm(9)  # room for a tick or a score written by hand
            for c, value in enumerate(values):
                cell = table.cell(r, c)
                cell.width = widths[c]
                cell.text = ""
                _run(cell.paragraphs[0], value, pt=12, bold=r == 0)
        for line in n.after:
            p = doc.add_paragraph()
            p.paragraph_format.space_before = Pt(12)
            _run(p, line, pt=12)
    if n.sender:
        for text in (n.sender, n.dated):
            p = doc.add_paragraph()
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            p.paragraph_format.right_indent = Pt(_BODY_PT * 2)
            _run(p, text)
    doc.save(target)


# -- HTML and PDF (Chromium) ------------------------------------------------------------------------

def notice_html(n: Notice) -> str:
    e = html.escape
    parts = [f'<p class="no">{e(n.doc_no)}</p>' if n.doc_no else "", f"<h1>{e(n.title)}</h1>"]
    if n.recipient:
        parts.append(f'<p class="to">{e(n.recipient)}</p>')
    parts += [f'<p class="{"body" if n.table is None else "info"}">{e(t)}</p>' for t in n.body]
    if n.table is not None:
        headers, rows = n.table
        parts.append("<table><thead><tr>" + "".join(f"<th>{e(h)}</th>" for h in headers) + "</tr></thead><tbody>"
                     + "".join("<tr>" + "".join(f"<td>{e(v)}</td>" for v in row) + "</tr>" for row in rows)
                     + "</tbody></table>")
        parts += [f'<p class="sign">{e(line)}</p>' for line in n.after]
    if n.sender:
        parts.append(f'<p class="from">{e(n.sender)}</p><p class="from">{e(n.dated)}</p>')
    style = """
@page { size: A4; margin: 37mm 26mm 35mm 28mm; }
body { font-family: "FangSong", "仿宋_GB2312", "Noto Serif CJK SC", serif; font-size: 16pt; line-height: 1.75; }
h1 { font-family: "方正小标宋简体", "Noto Serif CJK SC", serif; font-size: 22pt; text-align: center; margin: 0 0 16pt; }
p { margin: 0; } p.body { text-indent: 2em; } p.no { text-align: center; }
p.from { text-align: right; padding-right: 2em; }
p.from:first-of-type { margin-top: 2em; } p.info, p.sign { font-size: 12pt; margin: 6pt 0; }
table { border-collapse: collapse; width: 100%; font-size: 12pt; line-height: 1.4; }
th, td { border: 1px solid #000; padding: 4pt 6pt; } td:not(:first-child) { width: 16%; text-align: center; }
"""
    return (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{e(n.title)}</title>'
            f"<style>{style}</style></head><body>{''.join(parts)}</body></html>")


def write_pdf(n: Notice, target: Path, chromium: str = "/usr/bin/chromium") -> None:
    """The HTML printed by headless Chromium (Debian's ``chromium``)."""
    html_to_pdf(notice_html(n), target, chromium)


def html_to_pdf(page_html: str, target: Path, chromium: str = "/usr/bin/chromium") -> None:
    """A page of HTML printed to ``target`` by headless Chromium (its ``@page`` rules set paper and margins)."""
    from rectify.errors import BadInput

    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "notice.html"
        page.write_text(page_html, encoding="utf-8")
        try:
            done = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                                   f"--user-data-dir={tmp}/profile", "--no-pdf-header-footer",
                                   f"--print-to-pdf={target}", page.as_uri()], capture_output=True, timeout=120)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise BadInput(f"无法用 Chromium 生成 PDF：{exc}") from None
        if done.returncode != 0 or not target.exists():
            raise BadInput("无法用 Chromium 生成 PDF（请安装 chromium）")
