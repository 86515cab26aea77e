"""The case commands that change a case: open, walk through the stages, side paths, bulk import.

``rectify.cli.case`` puts them in the ``case`` group.
"""

from __future__ import annotations

from datetime import date

import click

from rectify.cli.case_evidence import attach_option, attached
from rectify.cli.common import DATE, App, LabelledChoice, done, pass_app, whole
from rectify.cli.data import run_import
from rectify.states.tracks import VILLAGE_STATUS


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
              help="软弱涣散情形：P01…P10，或 other:具体情形；可重复。")
@click.option("--detail", default="", help="主要问题（自由文字）。")
@click.option("--identified", type=DATE, required=True, help="确定日期。")
@click.option("--deadline", type=DATE, help="转化时限（默认按 [policy]：年底或 180 天后）。")
@click.option("--officer", default="", help="县委组织部经办人。")
@click.option("--officer-email", default="", help="经办人邮箱。")
@click.option("--village-secretary", type=LabelledChoice(VILLAGE_STATUS), default=None,
              help="列入时的村党组织书记：缺配 missing 或 需调整 adjust（在岗且胜任时不填）。")
@pass_app
def case_open(app: App, org_code: str, problems: tuple[str, ...], detail: str, identified: date,
              deadline: date | None, officer: str, officer_email: str, village_secretary: str | None) -> None:
    """列入整顿：登记一个整顿对象 → 已确定。

    --problem 写情形代码和具体表现；除十种情形外，也接受配置的本地类型（[policy] local_problem_types，P11 …）。

    \b
    示例：
      rectify case open QS01001 --problem "P01:书记空缺半年" --problem P10 --identified 2026-03-05 \\
          --deadline 2026-12-31 --village-secretary 缺配
    """
    done(app.workflow().open_case(org_code, problems=problems, identified_on=identified, deadline=deadline,
                                   detail=detail, officer=officer, officer_email=officer_email,
                                   village_secretary=village_secretary or ""))


_MEASURE_HELP = ('整改措施 "P01,P03|内容|责任人|YYYY-MM-DD"：所解决问题的代码、措施内容、责任人（姓名或姓名（单位））'
                 '和完成时限（不晚于转化时限）；可重复。')
_EMAIL_HELP = ("邮箱：按责任人姓名（王建国=wang@example.cn）或按角色（officer 经办人、county_leader 县级联系领导、"
               "township_leader 乡镇包村领导、township_cadre 包村干部）。")


@click.command("plan")
@click.argument("ref", metavar="CASE")
@click.option("--on", type=DATE, help="方案确定日期（业务日期，默认今天）。")
@click.option("--measure", "measures", multiple=True, help=_MEASURE_HELP)
@click.option("--county-leader", default="", help="县级联系领导。")
@click.option("--township-leader", default="", help="乡镇包村领导（乡镇党委班子成员）。")
@click.option("--township-cadre", default="", help="包村干部（第二人，可不填）。")
@click.option("--helping-unit", default="", help="结对帮扶单位（默认：第一书记的派出单位）。")
@click.option("--email", "emails", multiple=True, metavar="NAME=ADDR", help=_EMAIL_HELP)
@attach_option
@pass_app
def case_plan(app: App, ref: str, on: date | None, measures: tuple[str, ...], county_leader: str,
              township_leader: str, township_cadre: str, helping_unit: str, emails: tuple[str, ...],
              files: tuple[str, ...]) -> None:
    """制定整顿方案（问题清单 → 措施清单 → 责任清单）→ 已建台账。

    每个问题至少要有一条措施；有问题没有措施的方案被拒绝，并指出是哪个问题。方案确定后，
    本命令再次运行即补充措施（同 revise-plan）。

    \b
    示例：
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
@click.option("--on", type=DATE, help="修订日期（业务日期，默认今天）。")
@click.option("--measure", "measures", multiple=True, help=_MEASURE_HELP)
@click.option("--email", "emails", multiple=True, metavar="NAME=ADDR", help=_EMAIL_HELP)
@pass_app
def case_revise_plan(app: App, ref: str, on: date | None, measures: tuple[str, ...], emails: tuple[str, ...]) -> None:
    """修订整顿方案：为已确定的方案补充措施，编号接着最后一条措施。

    \b
    示例：
      rectify case revise-plan 12 --on 2026-05-10 --measure "P03|召开专题组织生活会|王建国|2026-07-15"
    """
    done(app.workflow().revise_plan(ref, measures=[_measure(m) for m in measures], emails=_emails(emails), on=on))


@click.command("measure-done")
@click.argument("ref", metavar="CASE")
@click.argument("number", type=whole(1, 10_000))
@click.option("--on", type=DATE, required=True, help="完成日期。")
@attach_option
@pass_app
def case_measure_done(app: App, ref: str, number: int, on: date, files: tuple[str, ...]) -> None:
    """整顿措施完成：将整顿对象的第 N 条措施标记为完成。

    \b
    示例：
      rectify case measure-done 12 1 --on 2026-05-20
    """
    with attached(app, files) as wf:
        done(wf.complete_measure(ref, number, on=on))


@click.command("progress")
@click.argument("ref", metavar="CASE")
@click.option("--on", type=DATE, required=True, help="进展日期。")
@click.option("--note", default="", help="进展情况。")
@attach_option
@pass_app
def case_progress(app: App, ref: str, on: date, note: str, files: tuple[str, ...]) -> None:
    """记录月度进展（报告的月份为 --on 所在月份）。

    \b
    示例：
      rectify case progress 12 --on 2026-05-31 --note "召开党员大会，通报整顿进展" \\
          --attach 党员大会.jpg=照片：党员大会 --attach 会议记录.pdf=会议纪要：5月党员大会记录
    """
    with attached(app, files) as wf:
        done(wf.report_progress(ref, on=on, note=note))


@click.command("withdraw")
@click.argument("ref", metavar="CASE")
@click.option("--on", type=DATE, help="出列日期（业务日期，默认今天）。")
@click.option("--reason", default="", help="出列原因。")
@click.option("--approved-by", default="", help="批准人（挂牌督办的整顿对象必填）。")
@pass_app
def case_withdraw(app: App, ref: str, on: date | None, reason: str, approved_by: str) -> None:
    """复核误判出列 → 已撤销。

    挂牌督办的整顿对象由县委组织部审批人办理出列；市级挂牌还需市级督查人员同意（--approved-by）。

    \b
    示例：
      rectify case withdraw 12 --on 2026-04-20 --reason "复核后不属于软弱涣散" --approved-by 周审批
    """
    done(app.workflow().withdraw(ref, reason=reason, on=on, approved_by=approved_by))


@click.command("extend")
@click.argument("ref", metavar="CASE")
@click.option("--on", type=DATE, help="批准日期（业务日期，默认今天）。")
@click.option("--to", "to", type=DATE, required=True, help="新的转化时限。")
@click.option("--reason", default="", help="延期原因。")
@click.option("--approved-by", default="", help="批准人：已登记的县委组织部审批人（不是申请人本人）。")
@pass_app
def case_extend(app: App, ref: str, on: date | None, to: date, reason: str, approved_by: str) -> None:
    """延长转化时限；每次延期都留有记录。

    \b
    示例：
      rectify case extend 12 --on 2026-11-20 --to 2027-03-31 --reason "换届推迟" --approved-by 郑怀远
    """
    done(app.workflow().extend(ref, to=to, reason=reason, approved_by=approved_by, on=on))


@click.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--dry-run", is_flag=True,
              help="只检查不写入：检查每一行，打印每列、每格是怎样读取的。")
@click.option("--county", default="", help="表中没有“县”列时每行的县（县名在标题里）。")
@click.option("--kind-from-name", is_flag=True,
              help="表中没有类别时按名称判断：…村党支部 → 村，…社区党支部 → 社区。")
@click.option("--identified", type=DATE, help="没有确定日期的各行所用的确定日期（整批的常委会研究日期）。")
@pass_app
def case_import(app: App, file: str, dry_run: bool, county: str, kind_from_name: bool,
                identified: date | None) -> None:
    """批量导入整顿对象：从台账或县里的表格（CSV 或 XLSX）导入，全部成功或全部不写入。

    读取 rectify ledger 写出的限期转化台账各列（县、乡镇、党组织名称、类别、软弱涣散情形、整改措施每条一行、
    措施已完成、措施总数、村（社区）党组织书记、第一书记（派出单位）、任期至、确定日期、转化时限、当前阶段、
    备注、编号……）或其英文键；组织代码可不填。

    也读县里自己的表格：跳过标题、填报单位行和审核人/填表人/联系电话页脚；读取两行表头（四个一落实情况合并在
    县级联系领导、乡镇包村领导、第一书记、结对帮扶单位之上）；认得常见列名（村（社区）党组织名称、软弱涣散
    主要表现、整顿转化时限……）。时限可按月写（2026年6月底前、年底前、2026年10月）；整改措施可编号为
    （1） 1. 1、 ① 一、，也可只有一条，各自带责任人：/时限：，或由同样编号的责任人、完成时限列给出；
    县里自己表述的问题对应到 P01–P10（或 [policy] local_problem_types 的本地类型），对应不上的拒绝。
    --county、--kind-from-name 和 --identified 补足表中缺少的内容。--dry-run 打印每列如何读取、跳过的行，
    以及没有按原样采用的每一格。尚未登记的组织自动登记。序号、剩余天数和预警是计算出来的，导入时忽略。
    没有当前阶段时，阶段取该行数据所能支持的最远阶段。

    \b
    示例：
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
