"""``rectify notice``: the papers the office signs (整改通知书 … 民主测评表) as DOCX or PDF."""

from __future__ import annotations

from pathlib import Path

import click

from rectify.cli.common import App, pass_app, reader, say
from rectify.reports.notices import KINDS


@click.command()
@click.argument("case_ref", metavar="CASE")
@click.option("--kind", type=click.Choice(KINDS), required=True, help="文书种类。")
@click.option("--format", "fmt", type=click.Choice(("docx", "pdf")),
              help="docx（WPS、Word 可编辑）或 pdf（Chromium 打印）；默认按 -o 的扩展名，否则 docx。")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="输出文件（默认：整顿对象编号-文书种类.docx）。")
@pass_app
def notice(app: App, case_ref: str, kind: str, fmt: str | None, output: str | None) -> None:
    """文书：整改通知书、挂牌督办通知书、公示、销号批复、验收评分表、民主测评表。

    按公文格式（标题、文号、主送、正文、落款、成文日期）由整顿对象的数据和 [report] 填写；验收评分表、
    民主测评表是验收组现场填写的空白表，列出本整顿对象的项目和措施。

    \b
    示例：
      rectify notice 33 --kind 挂牌督办通知书 -o 挂牌督办通知书.docx
      rectify notice 33 --kind 整改通知书 --format pdf -o 整改通知书.pdf
      rectify notice 41 --kind 验收评分表 -o 评分表.docx
    """
    from rectify.reports.cases import show_case
    from rectify.reports.notices import build_notice, write_docx, write_pdf

    today = app.today()
    case = show_case(app.database(), case_ref, as_of=today, config=app.config, reader=reader(app))
    if fmt is None:
        fmt = "pdf" if output and output.lower().endswith(".pdf") else "docx"
    target = Path(output or f"{case['id']}-{kind}.{fmt}")
    n = build_notice(kind, case, app.config.report, today, items=app.config.verification.items)
    if fmt == "pdf":
        write_pdf(n, target)
    else:
        write_docx(n, target)
    say(f"已生成{kind}到 {target}（整顿对象 {case['id']} · {case['organization']['name']}）")
