"""年度排查 (SPEC §15): ``rectify screening start | finding | survey | judge | decide | list-from-decision | show``."""

from __future__ import annotations

from datetime import date
from typing import Any

import click

from rectify.cli.common import DATE, App, LabelledChoice, done, pass_app, reader, say, to_file, whole, write_output
from rectify.states.screening import FINDING_STAGES, OUTCOMES

_YEAR = click.option("--year", type=click.IntRange(1990, 2200), help="排查年度（默认：今年）。")
_COUNTY = click.option("--county", help="县（默认：操作人所在的县）。")


def _screening(app: App) -> Any:
    from rectify.write.screening import Screening

    return Screening(app.database(), app.config, actor=app.person(), clock=app.clock())


@click.group()
def screening() -> None:
    """年度排查（排查）：自查、乡镇复查、县级核查、研判、县委常委会确定名单，按名单列入整顿。"""


@screening.command("start")
@_COUNTY
@_YEAR
@click.option("--on", type=DATE, help="开始日期（默认：今天）。")
@pass_app
def start(app: App, county: str | None, year: int | None, on: date | None) -> None:
    """开始本县年度排查：覆盖本县登记的全部基层党组织。

    \b
    示例：
      rectify screening start --county 青山县 --year 2026
    """
    s = _screening(app)
    s.start(county, year, on)
    say(f"已开始 {s.county(county)} {year or s.today().year} 年度排查")


@screening.command("finding")
@click.argument("org")
@click.option("--stage", type=LabelledChoice(FINDING_STAGES), required=True,
              help="环节：self_check 自查，township_review 乡镇复查。")
@click.option("--problem", "problems", multiple=True,
              help="发现的软弱涣散情形 P01–P10（可写 P03:具体表现），可多次；不写即未发现。")
@click.option("--note", default="", help="说明。")
@click.option("--on", type=DATE, help="日期（默认：今天）。")
@_YEAR
@pass_app
def finding(app: App, org: str, stage: str, problems: tuple[str, ...], note: str, on: date | None,
            year: int | None) -> None:
    """登记一个组织的支部自查或乡镇复查结果（名单确定前可以更正）。

    \b
    示例：
      rectify screening finding QS01001 --stage 自查 --problem P03 --note 组织生活不经常
      rectify screening finding QS01001 --stage 乡镇复查 --problem P03 --problem P05
    """
    say(_screening(app).finding(org, stage, problems, note=note, on=on, year=year))


@screening.command("survey")
@click.argument("org")
@click.option("--respondents", type=whole(0), help="参与群众满意度测评的人数。")
@click.option("--satisfied", type=whole(0), help="满意人数。")
@click.option("--basic", type=whole(0), help="基本满意人数。")
@click.option("--dissatisfied", type=whole(0), help="不满意人数。")
@click.option("--vacant-since", type=DATE, help="书记岗位空缺的起始日期（在岗不写）。")
@click.option("--on", type=DATE, help="核查日期（默认：今天）。")
@_YEAR
@pass_app
def survey(app: App, org: str, respondents: int | None, satisfied: int | None, basic: int | None,
           dissatisfied: int | None, vacant_since: date | None, on: date | None, year: int | None) -> None:
    """登记县级核查：核查人、日期、群众满意度测评（满意/基本满意/不满意）与书记空缺情况。

    满意率 = (满意 + 基本满意) / 参与人数；低于 [screening] weak_satisfaction，或书记空缺超过
    vacancy_months 个月的组织，未列入时须在研判中说明理由。

    \b
    示例：
      rectify screening survey QS01001 --respondents 40 --satisfied 12 --basic 8 --dissatisfied 20
    """
    say(_screening(app).check(org, respondents=respondents, satisfied=satisfied, basic=basic,
                              dissatisfied=dissatisfied, vacant_since=vacant_since, on=on, year=year))


@screening.command("judge")
@click.argument("org")
@click.option("--outcome", type=LabelledChoice(OUTCOMES), required=True,
              help="研判结果：listed 列入，not_listed 不列入，pending 待定。")
@click.option("--reason", default="", help="理由（不列入符合硬性情形的组织时必填）。")
@click.option("--on", type=DATE, help="研判日期（默认：今天）。")
@_YEAR
@pass_app
def judge(app: App, org: str, outcome: str, reason: str, on: date | None, year: int | None) -> None:
    """登记联审研判结果：列入、不列入（写明理由）或待定。

    \b
    示例：
      rectify screening judge QS01001 --outcome 列入
      rectify screening judge QS01002 --outcome 不列入 --reason 书记已于上月选配到位
    """
    say(_screening(app).judge(org, outcome, reason=reason, on=on, year=year))


@screening.command("decide")
@_COUNTY
@_YEAR
@click.option("--on", type=DATE, help="县委常委会会议日期（默认：今天）。")
@click.option("--meeting", default="", help="会议名称，如 县委常委会第12次会议。")
@click.option("--doc", default="", help="文号。")
@pass_app
def decide(app: App, county: str | None, year: int | None, on: date | None, meeting: str, doc: str) -> None:
    """登记县委常委会专题研究确定的名单；此后排查结果不再更改。

    有研判待定的组织，或符合硬性情形而未列入且未说明理由的组织时不予登记。

    \b
    示例：
      rectify screening decide --on 2026-03-20 --meeting 县委常委会第5次会议 --doc 青组通〔2026〕8号
    """
    say(_screening(app).decide(county, on=on, meeting=meeting, doc=doc, year=year))


@screening.command("list-from-decision")
@_COUNTY
@_YEAR
@pass_app
def list_from_decision(app: App, county: str | None, year: int | None) -> None:
    """按县委常委会确定的名单一次列入整顿：确定日期为会议日期，软弱涣散情形取自复查（无复查取自查）。

    全部先检查，再逐个列入；中途中断的，再次运行即列入其余的。

    \b
    示例：
      rectify screening list-from-decision --county 青山县
    """
    outcomes = _screening(app).list_from_decision(county, year=year)
    for outcome in outcomes:
        done(outcome)
    say(f"已按名单列入整顿 {len(outcomes)} 个")


@screening.command("show")
@_COUNTY
@_YEAR
@click.option("--part", default="all", show_default=True,
              type=LabelledChoice({"all": "全部", "list": "名单", "townships": "乡镇占比", "table": "排查表"}),
              help="显示哪一部分：全部 all，名单 list，乡镇占比 townships（各乡镇占比），排查表 table。")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json", "xlsx", "pdf"]), default="table",
              show_default=True,
              help="输出格式（xlsx：名单、排查表、乡镇占比三张表，可打印；pdf：按 --part 打印，A4 横向）。")
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), help="写入文件（- 为标准输出）。")
@pass_app
def show(app: App, county: str | None, year: int | None, part: str, fmt: str, output: str | None) -> None:
    """一个县一个年度的排查：名单、各乡镇列入占比（参考区间，不是指标）与排查表。

    \b
    示例：
      rectify screening show --county 青山县
      rectify screening show --part list --format xlsx -o 名单.xlsx
      rectify screening show --part list --format pdf -o 名单.pdf
    """
    from rectify.output import render_csv, render_json, render_table
    from rectify.reports import screening as rs
    from rectify.write.screening import Screening

    s = Screening(app.database(), app.config, actor=reader(app), clock=app.clock())
    view = rs.screening_view(app.database(), app.config, county=s.county(county), year=year or s.today().year,
                             reader=reader(app))
    parts = {"list": (view["list"], rs.LIST_COLUMNS, rs.title_of(view)),
             "townships": (view["townships"], rs.TOWNSHIP_COLUMNS, "各乡镇列入占比"),
             "table": (view["rows"], rs.TABLE_COLUMNS, "排查表")}
    if fmt == "xlsx":
        write_output(output, fmt, lambda out: rs.write_xlsx(view, out))
    elif fmt == "pdf":
        from rectify.reports.screening_print import write_pdf

        write_output(output, fmt, lambda out: write_pdf(view, out, part), binary=True)
    elif fmt == "json":
        text = render_json(view if part == "all" else parts[part][0]) + "\n"
        write_output(output, fmt, lambda out: out.write(text))
    else:
        chosen = [parts[part]] if part != "all" else list(parts.values())
        if fmt == "csv":
            text = "".join(render_csv(rows, cols, bom=i == 0) for i, (rows, cols, _) in enumerate(chosen))
        else:
            text = (f"{view['county']} {view['year']} 年度排查：组织 {view['organizations']} 个，已排查 "
                    f"{view['screened']} 个，列入 {view['listed']} 个\n")
            text += "".join(f"【{title}】\n{render_table(rows, cols) if rows else '（无）'}\n"
                            for rows, cols, title in chosen)
        write_output(output, fmt, lambda out: out.write(text))
    if to_file(output):
        say(f"已导出排查到 {output}")
