"""The case commands that change a case: open, walk through the stages, side paths, bulk import.

``rectify.cli.case`` puts them in the ``case`` group.
"""

from __future__ import annotations

from datetime import date

import click

from rectify.cli.case_evidence import attach_option, attached
from rectify.cli.common import DATE, App, done, pass_app, whole
from rectify.cli.data import run_import
from rectify.states.tracks import VILLAGE_STATUS_WORDS

VILLAGE_STATUS_CHOICES = tuple(VILLAGE_STATUS_WORDS)


def _measure(text: str) -> dict[str, object]:
    """``P01,P03|内容|责任人（单位）|2026-06-30``: the problems it fixes, text, 责任人, due."""
    from rectify.errors import BadInput
    from rectify.service.forms import parse_measure

    try:
        return parse_measure(text)
    except BadInput as exc:
        raise click.BadParameter(str(exc), param_hint="--measure") from None


def _emails(pairs: tuple[str, ...]) -> dict[str, str]:
    from rectify.errors import BadInput
    from rectify.service.forms import parse_emails

    try:
        return parse_emails(pairs)
    except BadInput as exc:
        raise click.BadParameter(str(exc), param_hint="--email") from None


@click.command("open")
@click.argument("org_code", metavar="ORG")
@click.option("--problem", "problems", multiple=True, required=True,
              help="软弱涣散情形: P01…P10, or other:TEXT. Repeat for several.")
@click.option("--detail", default="", help="主要问题 (free text).")
@click.option("--identified", type=DATE, required=True, help="确定日期.")
@click.option("--deadline", type=DATE, help="转化时限 (default: policy, year end or +180 days).")
@click.option("--officer", default="", help="县委组织部经办人.")
@click.option("--officer-email", default="", help="经办人邮箱.")
@click.option("--village-secretary", type=click.Choice(VILLAGE_STATUS_CHOICES), default=None,
              help="村党组织书记 at listing: missing/缺配 or adjust/需调整 (omit when in post and fit).")
@pass_app
def case_open(app: App, org_code: str, problems: tuple[str, ...], detail: str, identified: date,
              deadline: date | None, officer: str, officer_email: str, village_secretary: str | None) -> None:
    """List an organization for rectification (列入整顿) → identified.

    --problem takes the code and the concrete description (具体表现); a configured local type
    ([policy] local_problem_types, P11 …) is accepted beside the ten.

    \b
    Example:
      rectify case open QS01001 --problem "P01:书记空缺半年" --problem P10 --identified 2026-03-05 \\
          --deadline 2026-12-31 --village-secretary 缺配
    """
    done(app.workflow().open_case(org_code, problems=problems, identified_on=identified, deadline=deadline,
                                   detail=detail, officer=officer, officer_email=officer_email,
                                   village_secretary=village_secretary or ""))


_MEASURE_HELP = ('整改措施 "P01,P03|内容|责任人|YYYY-MM-DD": the problem code(s) it fixes, the task, its 责任人 '
                 '(姓名 or 姓名（单位）) and due date (≤ 转化时限). Repeat.')
_EMAIL_HELP = ("E-mail by 责任人 name (王建国=wang@example.cn) or by role (officer, county_leader, township_leader, "
               "township_cadre).")


@click.command("plan")
@click.argument("ref", metavar="CASE")
@click.option("--on", type=DATE, help="方案确定日期（业务日期，默认今天）.")
@click.option("--measure", "measures", multiple=True, help=_MEASURE_HELP)
@click.option("--county-leader", default="", help="县级联系领导.")
@click.option("--township-leader", default="", help="乡镇包村领导 (a member of the township Party committee).")
@click.option("--township-cadre", default="", help="包村干部 beside him (a second person, optional).")
@click.option("--helping-unit", default="", help="结对帮扶单位 (default 派出单位 of the first secretary).")
@click.option("--email", "emails", multiple=True, metavar="NAME=ADDR", help=_EMAIL_HELP)
@attach_option
@pass_app
def case_plan(app: App, ref: str, on: date | None, measures: tuple[str, ...], county_leader: str,
              township_leader: str, township_cadre: str, helping_unit: str, emails: tuple[str, ...],
              files: tuple[str, ...]) -> None:
    """File the 整顿方案 (问题清单 → 措施清单 → 责任清单) → ledger_created.

    Every problem of the case needs at least one measure; a plan that leaves one uncovered is
    refused, naming it. Once filed, the same command adds measures (as revise-plan).

    \b
    Example:
      rectify case plan 12 --on 2026-03-20 --measure "P01|配齐村两委班子|王建国（河口镇党委）|2026-06-30" \\
          --measure "P10|建立为民服务代办点|李华|2026-09-30" --email 王建国=wang@example.cn \\
          --county-leader 李志强 --township-leader 孙乡长 --township-cadre 张秀英 --helping-unit 县财政局
    """
    with attached(app, files) as wf:
        done(wf.plan(ref, measures=[_measure(m) for m in measures], county_leader=county_leader,
                     township_leader=township_leader, township_cadre=township_cadre,
                     helping_unit=helping_unit, emails=_emails(emails), on=on))


@click.command("revise-plan")
@click.argument("ref", metavar="CASE")
@click.option("--on", type=DATE, help="修订日期（业务日期，默认今天）.")
@click.option("--measure", "measures", multiple=True, help=_MEASURE_HELP)
@click.option("--email", "emails", multiple=True, metavar="NAME=ADDR", help=_EMAIL_HELP)
@pass_app
def case_revise_plan(app: App, ref: str, on: date | None, measures: tuple[str, ...], emails: tuple[str, ...]) -> None:
    """Add measures to a filed 整顿方案 (修订整顿方案); numbering continues after the last measure.

    \b
    Example:
      rectify case revise-plan 12 --on 2026-05-10 --measure "P03|召开专题组织生活会|王建国|2026-07-15"
    """
    done(app.workflow().revise_plan(ref, measures=[_measure(m) for m in measures], emails=_emails(emails), on=on))


@click.command("measure-done")
@click.argument("ref", metavar="CASE")
@click.argument("number", type=whole(1, 10_000))
@click.option("--on", type=DATE, required=True, help="完成日期.")
@attach_option
@pass_app
def case_measure_done(app: App, ref: str, number: int, on: date, files: tuple[str, ...]) -> None:
    """Mark measure N of the case done (整顿措施完成).

    \b
    Example:
      rectify case measure-done 12 1 --on 2026-05-20
    """
    with attached(app, files) as wf:
        done(wf.complete_measure(ref, number, on=on))


@click.command("progress")
@click.argument("ref", metavar="CASE")
@click.option("--on", type=DATE, required=True, help="进展日期.")
@click.option("--note", default="", help="进展情况.")
@attach_option
@pass_app
def case_progress(app: App, ref: str, on: date, note: str, files: tuple[str, ...]) -> None:
    """Record a progress report (月度进展).

    \b
    Example:
      rectify case progress 12 --on 2026-05-31 --note "召开党员大会，通报整顿进展" \\
          --attach 党员大会.jpg=照片：党员大会 --attach 会议记录.pdf=会议纪要：5月党员大会记录
    """
    with attached(app, files) as wf:
        done(wf.report_progress(ref, on=on, note=note))


@click.command("withdraw")
@click.argument("ref", metavar="CASE")
@click.option("--on", type=DATE, help="出列日期（业务日期，默认今天）.")
@click.option("--reason", default="", help="出列原因.")
@click.option("--approved-by", default="", help="批准人 (required for a case under 挂牌督办).")
@pass_app
def case_withdraw(app: App, ref: str, on: date | None, reason: str, approved_by: str) -> None:
    """Withdraw a mis-identified case (复核误判出列) → withdrawn.

    A case under 挂牌督办 is withdrawn by a county approver (审批人); a city sign also needs the city
    supervisor's consent (--approved-by).

    \b
    Example:
      rectify case withdraw 12 --on 2026-04-20 --reason "复核后不属于软弱涣散" --approved-by 周审批
    """
    done(app.workflow().withdraw(ref, reason=reason, on=on, approved_by=approved_by))


@click.command("extend")
@click.argument("ref", metavar="CASE")
@click.option("--on", type=DATE, help="批准日期（业务日期，默认今天）.")
@click.option("--to", "to", type=DATE, required=True, help="新的转化时限.")
@click.option("--reason", default="", help="延期原因.")
@click.option("--approved-by", default="", help="批准人：已登记的县委组织部审批人（不是申请人本人）.")
@pass_app
def case_extend(app: App, ref: str, on: date | None, to: date, reason: str, approved_by: str) -> None:
    """Move the deadline (延长转化时限); every extension is kept.

    \b
    Example:
      rectify case extend 12 --on 2026-11-20 --to 2027-03-31 --reason "换届推迟" --approved-by 郑怀远
    """
    done(app.workflow().extend(ref, to=to, reason=reason, approved_by=approved_by, on=on))


@click.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--dry-run", is_flag=True,
              help="Check every row and print how each column and cell was read, write nothing (只检查不写入).")
@click.option("--county", default="", help="县 for every row when the sheet has no 县 column (县名在标题里).")
@click.option("--kind-from-name", is_flag=True,
              help="类别 from the name when the sheet has none: …村党支部 → 村, …社区党支部 → 社区.")
@click.option("--identified", type=DATE, help="确定日期 for every row without one (整批的常委会研究日期).")
@pass_app
def case_import(app: App, file: str, dry_run: bool, county: str, kind_from_name: bool,
                identified: date | None) -> None:
    """Import cases from a ledger or county sheet, CSV or XLSX (批量导入整顿对象); all rows or none.

    Reads the columns of the 限期转化台账 as `rectify ledger` writes them (县, 乡镇, 党组织名称, 类别,
    软弱涣散情形, 整改措施 a line each, 措施已完成, 措施总数, 村（社区）党组织书记, 第一书记（派出单位）
    任期至, 确定日期, 转化时限, 当前阶段, 备注, 编号, …) or their English keys; 组织代码 is optional.

    County sheets as counties keep them: a title, a 填报单位 line and the 审核人/填表人/联系电话 footer are
    skipped; a two-row header (四个一落实情况 merged over 县级联系领导, 乡镇包村领导, 第一书记, 结对帮扶单位) is
    read; the usual names (村（社区）党组织名称, 软弱涣散主要表现, 整顿转化时限, …) are known. Deadlines may be
    by the month (2026年6月底前, 年底前, 2026年10月); 整改措施 numbered （1） 1. 1、 ① 一、 or a single one, each
    with its own 责任人：/时限： or the 责任人 and 完成时限 columns numbered alike; problems in the county's
    own words are matched to P01–P10 (or a local type of [policy] local_problem_types) and refused when
    nothing fits. --county, --kind-from-name and --identified give what the sheet leaves out.
    --dry-run prints how every column was read, the rows skipped, and every cell not taken as written.
    Organizations not yet registered are created. 序号, 剩余天数 and 预警 are computed, so they are ignored.
    Without 当前阶段 the stage is the furthest the row's data supports.

    \b
    Example:
      rectify case import 2025年台账.xlsx --dry-run
      rectify --actor 县委组织部 case import 台账.csv
      rectify case import 青山县整顿台账.xlsx --county 青山县 --kind-from-name --identified 2026-03-10 --dry-run
    """
    from rectify.importing.county import SheetDefaults

    run_import("case", app, file, dry_run, SheetDefaults(county.strip(), kind_from_name, identified))


COMMANDS: tuple[click.Command, ...] = (
    case_open, case_plan, case_revise_plan, case_measure_done, case_progress,
    case_withdraw, case_extend, case_import,
)
