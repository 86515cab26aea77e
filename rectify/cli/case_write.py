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
_EMAIL_HELP = "E-mail by 责任人 name (王建国=wang@example.cn) or by role (officer, county_leader, township_cadre)."


@click.command("plan")
@click.argument("ref", metavar="CASE")
@click.option("--measure", "measures", multiple=True, help=_MEASURE_HELP)
@click.option("--county-leader", default="", help="县级联系领导.")
@click.option("--township-cadre", default="", help="乡镇包村领导/包村干部.")
@click.option("--helping-unit", default="", help="结对帮扶单位 (default 派出单位 of the first secretary).")
@click.option("--email", "emails", multiple=True, metavar="NAME=ADDR", help=_EMAIL_HELP)
@attach_option
@pass_app
def case_plan(app: App, ref: str, measures: tuple[str, ...], county_leader: str, township_cadre: str,
              helping_unit: str, emails: tuple[str, ...], files: tuple[str, ...]) -> None:
    """File the 整顿方案 (问题清单 → 措施清单 → 责任清单) → ledger_created.

    Every problem of the case needs at least one measure; a plan that leaves one uncovered is
    refused, naming it. Once filed, the same command adds measures (as revise-plan).

    \b
    Example:
      rectify case plan 12 --measure "P01|配齐村两委班子|王建国（河口镇党委）|2026-06-30" \\
          --measure "P10|建立为民服务代办点|李华|2026-09-30" --email 王建国=wang@example.cn \\
          --county-leader 李志强 --township-cadre 张秀英 --helping-unit 县财政局
    """
    with attached(app, files) as wf:
        done(wf.plan(ref, measures=[_measure(m) for m in measures], county_leader=county_leader,
                     township_cadre=township_cadre, helping_unit=helping_unit, emails=_emails(emails)))


@click.command("revise-plan")
@click.argument("ref", metavar="CASE")
@click.option("--measure", "measures", multiple=True, help=_MEASURE_HELP)
@click.option("--email", "emails", multiple=True, metavar="NAME=ADDR", help=_EMAIL_HELP)
@pass_app
def case_revise_plan(app: App, ref: str, measures: tuple[str, ...], emails: tuple[str, ...]) -> None:
    """Add measures to a filed 整顿方案 (修订整顿方案); numbering continues after the last measure.

    \b
    Example:
      rectify case revise-plan 12 --measure "P03|召开专题组织生活会|王建国|2026-07-15"
    """
    done(app.workflow().revise_plan(ref, measures=[_measure(m) for m in measures], emails=_emails(emails)))


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
@click.option("--reason", default="", help="撤销原因.")
@pass_app
def case_withdraw(app: App, ref: str, reason: str) -> None:
    """Withdraw a mis-identified case (撤销) → withdrawn.

    \b
    Example:
      rectify case withdraw 12 --reason "复核后不属于软弱涣散"
    """
    done(app.workflow().withdraw(ref, reason=reason))


@click.command("extend")
@click.argument("ref", metavar="CASE")
@click.option("--to", "to", type=DATE, required=True, help="新的转化时限.")
@click.option("--reason", default="", help="延期原因.")
@click.option("--approved-by", default="", help="批准人.")
@pass_app
def case_extend(app: App, ref: str, to: date, reason: str, approved_by: str) -> None:
    """Move the deadline (延长转化时限); every extension is kept.

    \b
    Example:
      rectify case extend 12 --to 2027-03-31 --reason "换届推迟" --approved-by 县委组织部部务会
    """
    done(app.workflow().extend(ref, to=to, reason=reason, approved_by=approved_by))


@click.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check every row and report, write nothing (只检查不写入).")
@pass_app
def case_import(app: App, file: str, dry_run: bool) -> None:
    """Import cases from a ledger or county sheet, CSV or XLSX (批量导入整顿对象); all rows or none.

    Reads the columns of the 限期转化台账 as `rectify ledger` writes them (县, 乡镇, 党组织名称, 类别,
    软弱涣散情形, 整改措施 a line each, 措施已完成, 措施总数, 村（社区）党组织书记, 第一书记（派出单位）
    任期至, 确定日期, 转化时限, 当前阶段, …) or their English keys; 组织代码 is optional. County sheets:
    a numbered 整改措施 cell ("1.…；2.…") gives one measure per item, with 责任人 and 完成时限 from their
    columns (else 乡镇包村领导 and the deadline); 存在问题 describes the row's problem.
    Organizations not yet registered are created. 序号,
    剩余天数 and 预警 are computed, so they are ignored. Without 当前阶段 the stage is the furthest the
    row's data supports. `rectify import template` writes an empty sheet to fill in.

    \b
    Example:
      rectify case import 2025年台账.xlsx --dry-run
      rectify --actor 县委组织部 case import 台账.csv
      rectify case import 乡镇整改台账.xlsx     (存在问题, 整改措施 1.…；2.…, 责任人, 完成时限, 乡镇包村领导)
    """
    run_import("case", app, file, dry_run)


COMMANDS: tuple[click.Command, ...] = (
    case_open, case_plan, case_revise_plan, case_measure_done, case_progress,
    case_withdraw, case_extend, case_import,
)
