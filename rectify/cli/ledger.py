"""The 限期转化台账 and the statistics: ``rectify ledger`` and ``rectify stats``."""

from __future__ import annotations

from datetime import date
from typing import Any

import click

from rectify.cli.common import (
    DATE,
    KIND,
    LIGHT,
    STAGE,
    App,
    LabelledChoice,
    pass_app,
    progress_bar,
    reader,
    say,
    to_file,
    use_colour,
    write_output,
)
from rectify.cli.reads import data_source, ledger_filter, ledger_table
from rectify.states.stages import LEDGER_ORDERS

LEDGER_FORMATS = ("table", "csv", "xlsx", "html", "json", "ics")
STATS_FORMATS = ("table", "json", "csv", "xlsx")
_PROGRESS_FROM = 5000  # rows; smaller exports finish before a bar would help


def _ledger_filters(fn: Any) -> Any:
    for opt in reversed((
        click.option("--county", help="县（完整名称）。"),
        click.option("--township", help="乡镇（完整名称）。"),
        click.option("--kind", type=KIND, help=f"类别：{KIND.pairs()}。"),
        click.option("--stage", type=STAGE, help=f"当前阶段：{STAGE.pairs()}。"),
        click.option("--light", type=LIGHT, help=f"截至日的预警：{LIGHT.pairs()}。"),
        click.option("--year", type=click.IntRange(1990, 2200), help="确定年度。"),
        click.option("--open/--all", "open_only", default=False,
                     help="只列在办的，或全部，含销号和撤销的（默认）。"),
        click.option("--as-of", type=DATE,
                     help="截至某日结束时的情况，按有日期的记录重建（默认：今天）。"),
        click.option("--known-on", type=DATE,
                     help="据某日已录入的记录：只计该日结束前已录入的内容，用于重现当时打印的报表。"),
    )):
        fn = opt(fn)
    return fn


@click.command()
@_ledger_filters
@click.option("--format", "fmt", type=click.Choice(LEDGER_FORMATS), default="table", show_default=True,
              help="输出格式：table 表格、csv（UTF-8 BOM）、xlsx、html（单文件，可打印）、json、ics（日历）。")
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True),
              help="写入文件而不是标准输出（- 为标准输出）。")
@click.option("--width", type=click.IntRange(60, 400),
              help="表格宽度（字符列数；默认：终端宽度，80–160）。")
@click.option("--layout", type=click.Choice(("简表", "全表", "brief", "full")), default="简表", show_default=True,
              help="打印版式（xlsx、html）：简表 13 列，一页宽、每页重复标题和表头；全表 全部列。"
                   "xlsx 总是含 简表、全表、措施明细 三张工作表，--layout 决定打开时选中（默认打印）的一张。")
@click.option("--sort", type=LabelledChoice(LEDGER_ORDERS), default="place", show_default=True,
              help="排列顺序：乡镇 place（在办的在前，再按乡镇和组织代码）或 时限 deadline"
                   "（按转化时限，再按乡镇和代码）。")
@pass_app
def ledger(app: App, county: str | None, township: str | None, kind: str | None, stage: str | None,
           light: str | None, year: int | None, open_only: bool, as_of: date | None, known_on: date | None,
           fmt: str, output: str | None, width: int | None, layout: str, sort: str) -> None:
    """限期转化台账：每个整顿对象一行，在办的在前，按乡镇和编号排列（--sort deadline 按时限）。

    默认顺序：在办的在前，再按县、乡镇和组织代码；--sort deadline 按转化时限，再按同样顺序。

    --as-of D 显示 D 日结束时的台账，按有日期的记录重建：D 日之后列入的不在其中，阶段、措施、书记、验收、
    挂牌和时限都是 D 日的；--known-on D2 只计 D2 日结束前已录入的内容。剩余天数和预警按 --as-of 计算。
    xlsx 和 html 可直接打印（按 [report] paper 横向，A4 或 A3）：简表（--layout，默认）一页宽、字号不小于
    9 磅，每页重复标题和表头；xlsx 还含全表和措施明细（每条措施一行）；ics 含每个整顿对象的转化时限和阶段
    时限，UID 在本安装内唯一且不变，重新导入即更新日程；已销号/撤销的为取消的日程，[calendar] alarm_days
    设置每个日期之前的提醒（VALARM）。

    \b
    示例：
      rectify ledger --open --light red
      rectify ledger --sort deadline
      rectify ledger --as-of 2026-06-30 --format xlsx -o 台账.xlsx
      rectify ledger --as-of 2026-06-30 --known-on 2026-07-05 --format json
      rectify ledger --township 河口镇 --format html -o 台账.html
      rectify ledger --format html --layout 全表 -o 台账全表.html
      rectify ledger --format ics -o 转化时限.ics
    """
    as_of = as_of or app.today()
    filters = ledger_filter(app, county, township, kind, stage, light, year, open_only, sort)
    if fmt == "table":
        colour = not to_file(output) and use_colour()
        text = ledger_table(app, as_of, filters, width, colour, known_on) + "\n"
        write_output(output, fmt, lambda out: out.write(text))
        return
    _write_ledger_file(app, filters, fmt, output, as_of=as_of, known_on=known_on, layout=layout)
    if to_file(output):
        say(f"已导出限期转化台账到 {output}（截至 {as_of}）")


def _write_ledger_file(app: App, filters: Any, fmt: str, output: str | None, *, as_of: date,
                       known_on: date | None, layout: str) -> None:
    """The ledger in a file format, with progress bars on a terminal when it is long."""
    if fmt == "csv" and not progress_bar().live and (light := data_source(app, as_of, known_on)) is app.light():
        _write_light_csv(app, light, filters, output, as_of=as_of)
        return
    from rectify.reports.ledger import count_cases
    from rectify.service.reports import write_ledger

    def write(out: Any) -> None:
        with progress_bar() as bars:
            progress = None
            if bars.live:
                total = count_cases(app.database(), filters)
                if total >= _PROGRESS_FROM:
                    progress = bars("导出台账", total)
            write_ledger(app.service, filters, fmt, out, as_of=as_of, known_on=known_on, progress=progress,
                         layout=layout)

    write_output(output, fmt, write)


def _write_light_csv(app: App, light: Any, filters: Any, output: str | None, *, as_of: date) -> None:
    """Today's ledger as CSV on the light read path: the same writer, rows, late-stage facts (issue 26, looked up
    by the same statements on sqlite3) and bytes (where no progress bar is drawn: one needs the count's query)."""
    from rectify.service.reports import write_ledger_on

    write_output(output, "csv", lambda out: write_ledger_on(light, app.config, app.clock(), filters, "csv", out,
                                                            as_of=as_of))


@click.command()
@click.option("--county", help="县（完整名称）。")
@click.option("--year", type=click.IntRange(1990, 2200),
              help="统计表的报告期年度（默认：截至日所在年度）：排查 = 当年确定的，"
                   "整顿提升 = 当年销号的（不论哪一批）。")
@click.option("--as-of", type=DATE,
              help="截至某日结束时的情况，按有日期的记录重建（默认：今天）。")
@click.option("--known-on", type=DATE,
              help="据某日已录入的记录：只计该日结束前已录入的内容。")
@click.option("--format", "fmt", type=click.Choice(STATS_FORMATS), default="table", show_default=True,
              help="输出格式。")
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True),
              help="写入文件而不是标准输出（- 为标准输出）。")
@pass_app
def stats(app: App, county: str | None, year: int | None, as_of: date | None, known_on: date | None, fmt: str,
          output: str | None) -> None:
    """统计：按阶段、预警、问题类型、类别、乡镇统计，转化率，逾期清单；以及党内统计表
    “整顿软弱涣散基层党组织情况”（总计/村/社区，26 列；数据无法回答的列留空并标注人工填报）。

    每个数字都是 --as-of 日结束时的，按有日期的记录重建；统计表按 --year 统计。先检查表内逻辑关系：
    不符合的拒绝输出，并指出是哪一格。

    \b
    示例：
      rectify stats --as-of 2026-12-31
      rectify stats --year 2026 --format xlsx -o 党内统计.xlsx
      rectify stats --as-of 2026-06-30 --known-on 2026-07-05 --format json
      rectify stats --format json
    """
    from rectify.reports.ledger import LedgerFilter
    from rectify.service.reports import stats_data, write_stats

    as_of = as_of or app.today()
    filters = LedgerFilter(county=county, reader=reader(app))
    data = stats_data(app.service, filters, as_of=as_of, year=year, known_on=known_on)
    write_output(output, fmt, lambda out: write_stats(app.service, filters, data, fmt, out))
    if to_file(output):
        say(f"已导出统计到 {output}（截至 {as_of}）")


def print_ledger(app: App, as_of: date) -> None:
    from rectify.reports.ledger import LedgerFilter

    colour = use_colour()
    click.echo(ledger_table(app, as_of, LedgerFilter(), None, colour), color=colour)
