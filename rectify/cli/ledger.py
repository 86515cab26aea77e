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
    table_width,
    to_file,
    use_colour,
    write_output,
)
from rectify.states.stages import LEDGER_ORDERS

LEDGER_FORMATS = ("table", "csv", "xlsx", "html", "json", "ics")
STATS_FORMATS = ("table", "json", "csv", "xlsx")
_PROGRESS_FROM = 5000  # rows; smaller exports finish before a bar would help


def _ledger_filter(app: App, county: str | None, township: str | None, kind: str | None, stage: str | None,
                   light: str | None, year: int | None, open_only: bool, sort: str = "place") -> Any:
    from rectify.reports.ledger import LedgerFilter

    return LedgerFilter(county=county, township=township, kind=kind, stage=stage, light=light, year=year,
                        open_only=open_only, reader=reader(app), sort=sort)


def _ledger_filters(fn: Any) -> Any:
    for opt in reversed((
        click.option("--county", help="县 (exact name)."),
        click.option("--township", help="乡镇 (exact name)."),
        click.option("--kind", type=KIND, help="类别 (code or Chinese: village 村, community 社区, …)."),
        click.option("--stage", type=STAGE, help="当前阶段 (code or Chinese: rectified 已整改, …)."),
        click.option("--light", type=LIGHT, help="预警 on the as-of date (code or Chinese: red 红, yellow 黄, …)."),
        click.option("--year", type=click.IntRange(1990, 2200), help="Year of identification (确定年度)."),
        click.option("--open/--all", "open_only", default=False,
                     help="Only open cases (在办), or all including 销号 and 撤销 (default)."),
        click.option("--as-of", type=DATE,
                     help="The day as it stood at its end (截至): rebuilt from the dated history (default: today)."),
        click.option("--known-on", type=DATE,
                     help="Only what had been recorded by the end of this day (据某日已录入的记录), to reproduce "
                          "a report as printed then."),
    )):
        fn = opt(fn)
    return fn


def ledger_table(app: App, as_of: date, filters: Any, width: int | None, colour: bool,
                 known_on: date | None = None) -> str:
    from rectify.reports.ledger import ledger_rows
    from rectify.reports.ledger_formats import render_ledger_table

    return render_ledger_table(ledger_rows(_source(app, as_of, known_on), as_of=as_of, config=app.config,
                                           filters=filters, known_on=known_on),
                               width=table_width(width), colour=colour)


def _source(app: App, as_of: date, known_on: date | None) -> Any:
    """Today's tables on the light read path (no SQLAlchemy) when the day is today's, else the database."""
    light = app.light()
    if light is None:
        return app.database()
    from rectify.reports.light import ledger_source

    return ledger_source(light, as_of, known_on) or app.database()


@click.command()
@_ledger_filters
@click.option("--format", "fmt", type=click.Choice(LEDGER_FORMATS), default="table", show_default=True,
              help="table, csv (UTF-8 BOM), xlsx, html (self-contained, printable), json, ics (iCalendar).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True),
              help="Write to FILE instead of stdout (- for stdout).")
@click.option("--width", type=click.IntRange(60, 400),
              help="Table width in columns (default: terminal, 80–160).")
@click.option("--layout", type=click.Choice(("简表", "全表", "brief", "full")), default="简表", show_default=True,
              help="打印版式（xlsx、html）：简表 13 列，一页宽、每页重复标题和表头；全表 全部列。"
                   "xlsx 总是含 简表、全表、措施明细 三张工作表，--layout 决定打开时选中（默认打印）的一张。")
@click.option("--sort", type=LabelledChoice(LEDGER_ORDERS), default="place", show_default=True,
              help="Row order: place 乡镇 (open cases first, then 乡镇 and organization code) or deadline 时限 "
                   "(by 转化时限, then 乡镇 and code).")
@pass_app
def ledger(app: App, county: str | None, township: str | None, kind: str | None, stage: str | None,
           light: str | None, year: int | None, open_only: bool, as_of: date | None, known_on: date | None,
           fmt: str, output: str | None, width: int | None, layout: str, sort: str) -> None:
    """The 限期转化台账: one row per case, open cases first by 乡镇 and code (--sort deadline).

    The default order puts open cases (在办) first, then 县, 乡镇 and organization code; --sort deadline
    orders by 转化时限, then the same.

    --as-of D shows the ledger as it stood at the end of D, rebuilt from the dated history: cases
    listed after D are absent, stages, measures, secretaries, verification, supervision and deadlines
    are those of D; --known-on D2 counts only what had been recorded by the end of D2. Days left and
    warning lights (预警) are computed for --as-of. xlsx and html are print-ready
    (landscape on [report] paper, A4 or A3): the 简表 (--layout, the default) prints one page wide at
    9 pt or more, the title and header on every page; the xlsx also holds the 全表 and the measure detail
    (措施明细, one row per measure); ics holds each case's deadline and stage due date, with UIDs unique to this
    installation and stable, so a re-import updates the events; closed cases (销号/撤销) come as
    cancelled events, and [calendar] alarm_days sets a reminder (VALARM) before each date.

    \b
    Example:
      rectify ledger --open --light red
      rectify ledger --sort deadline
      rectify ledger --as-of 2026-06-30 --format xlsx -o 台账.xlsx
      rectify ledger --as-of 2026-06-30 --known-on 2026-07-05 --format json
      rectify ledger --township 河口镇 --format html -o 台账.html
      rectify ledger --format html --layout 全表 -o 台账全表.html
      rectify ledger --format ics -o 转化时限.ics
    """
    as_of = as_of or app.today()
    filters = _ledger_filter(app, county, township, kind, stage, light, year, open_only, sort)
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
    if fmt == "csv" and not progress_bar().live and (light := _source(app, as_of, known_on)) is app.light():
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
    """Today's ledger as CSV on the light read path: the same writer, rows and bytes (where no progress bar is
    drawn: one needs the count's query)."""
    from rectify.service.reports import write_ledger_on

    write_output(output, "csv", lambda out: write_ledger_on(light, app.config, app.clock(), filters, "csv", out,
                                                            as_of=as_of))


@click.command()
@click.option("--county", help="县 (exact name).")
@click.option("--year", type=click.IntRange(1990, 2200),
              help="Statistical year of the form (报告期; default: the as-of day's year): 排查 = identified in "
                   "the year, 整顿提升 = struck off in the year, of any cohort.")
@click.option("--as-of", type=DATE,
              help="The day as it stood at its end (截至), rebuilt from the dated history (default: today).")
@click.option("--known-on", type=DATE,
              help="Only what had been recorded by the end of this day (据某日已录入的记录).")
@click.option("--format", "fmt", type=click.Choice(STATS_FORMATS), default="table", show_default=True,
              help="Output format (输出格式).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True),
              help="Write to FILE instead of stdout (- for stdout).")
@pass_app
def stats(app: App, county: str | None, year: int | None, as_of: date | None, known_on: date | None, fmt: str,
          output: str | None) -> None:
    """Statistics (统计): by stage, light, problem type, kind, township; conversion rate; overdue list;
    and the Party statistics form 整顿软弱涣散基层党组织情况 (总计/村/社区, 26 columns; the columns
    the data cannot answer are left empty and marked 人工填报). Every figure is that of the end of
    --as-of, rebuilt from the dated history; the form counts --year. Its table logic is checked
    first: a sheet that breaks it is refused naming the cell.

    \b
    Example:
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
