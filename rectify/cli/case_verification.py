"""申请验收 → 验收 → 公示 → 销号 (SPEC §3 "Inside rectified"): the commands of a case standing in ``rectified``.

``rectify.cli.case`` puts them in the ``case`` group.
"""

from __future__ import annotations

from datetime import date

import click

from rectify.cli.case_evidence import attach_option, attached
from rectify.cli.case_write import _emails, _measure
from rectify.cli.common import DATE, App, done, pass_app, whole
from rectify.states.stages import Stage
from rectify.states.steps import MEASURE_FORMAT


def _items(pairs: tuple[str, ...]) -> dict[str, int]:
    """``班子=18`` …: the score sheet's areas and their scores."""
    from rectify.errors import BadInput
    from rectify.service.forms import parse_items

    try:
        return parse_items(pairs)
    except BadInput as exc:
        raise click.BadParameter(str(exc), param_hint="--item") from None


@click.command(Stage.rectified.value)
@click.argument("ref", metavar="CASE")
@click.option("--on", type=DATE, required=True, help="申请验收日期（整改完成、乡镇初验）。")
@click.option("--opinion", "--self-check", "opinion", default="",
              help="乡镇初验意见（--self-check 是旧名称）。")
@attach_option
@pass_app
def case_rectified(app: App, ref: str, on: date, opinion: str, files: tuple[str, ...]) -> None:
    """乡镇初验并申请验收 → 已整改。

    签署人（--actor）记为申请人：县级验收人必须是另一个人。

    \b
    示例：
      rectify --actor 孙乡长 case rectified 12 --on 2026-10-15 --opinion "乡镇党委逐项初验，整改到位，申请验收"
    """
    with attached(app, files) as wf:
        done(wf.mark_rectified(ref, on=on, self_check=opinion))


@click.command("verify")
@click.argument("ref", metavar="CASE")
@click.option("--on", type=DATE, required=True, help="验收日期。")
@click.option("--by", default="", help="验收组（组长或单位），如 县委组织部验收组。")
@click.option("--member", "members", multiple=True, help="验收组成员（至少一人）；可重复。")
@click.option("--item", "items", multiple=True,
              help="评分表项目 项目=得分，[verification] items 的每一项（默认六有：班子 队伍 场所 载体 制度 业绩）；"
                   "验收得分为各项之和；可重复。")
@click.option("--score", type=click.IntRange(0, 100), help="验收得分 0–100（不给 --item 时）。")
@click.option("--satisfied", type=whole(0), required=True, help="民主测评满意人数。")
@click.option("--dissatisfied", type=whole(0), required=True, help="民主测评不满意人数。")
@click.option("--basic", type=whole(0), default=0, show_default=True, help="民主测评基本满意人数。")
@click.option("--deadline", type=DATE, help="验收不合格时新的转化时限。")
@click.option("--finding", "findings", multiple=True, help="验收发现的问题（不合格时必填）；可重复。")
@click.option("--measure", "measures", multiple=True,
              help="不合格时新的整改措施（至少一条），格式同 plan：" + MEASURE_FORMAT + "；可重复。")
@click.option("--email", "emails", multiple=True, help="新措施责任人的邮箱 姓名=地址；可重复。")
@attach_option
@pass_app
def case_verify(app: App, ref: str, on: date, by: str, members: tuple[str, ...], items: tuple[str, ...],
                score: int | None, satisfied: int, dissatisfied: int, basic: int, deadline: date | None,
                findings: tuple[str, ...], measures: tuple[str, ...], emails: tuple[str, ...],
                files: tuple[str, ...]) -> None:
    """县级验收：等次合格/基本合格开始公示；不合格 → 退回已选派书记阶段。

    记录验收组、评分表、民主测评（至少 [verification] min_surveyed 人）和满意率 =（满意 + 基本满意）/ 测评人数。
    签署人不能是申请人。通过的整顿对象在已整改阶段公示 [policy] publicity_days 天，然后由 case strike-off
    销号（已验收销号）。不合格须写明发现的问题和至少一条新措施；验收申请随之撤销。

    \b
    示例：
      rectify --actor 钱验收 case verify 12 --on 2026-11-10 --by 县委组织部验收组 --member 钱验收 --member 李四 \\
          --item 班子=17 --item 队伍=14 --item 场所=15 --item 载体=13 --item 制度=14 --item 业绩=13 \\
          --satisfied 42 --basic 5 --dissatisfied 2
      rectify --actor 钱验收 case verify 12 --on 2026-11-10 --by 验收组 --member 钱验收 --score 62 \\
          --satisfied 20 --dissatisfied 25 --finding "三会一课记录不全" \\
          --measure "P04|补齐三会一课记录|王建国|2026-12-20"
    """
    with attached(app, files) as wf:
        done(wf.verify(ref, on=on, by=by, members=members, items=_items(items) or None, score=score,
                       satisfied=satisfied, dissatisfied=dissatisfied, basic=basic, deadline=deadline,
                       findings=findings, measures=[_measure(m) for m in measures], emails=_emails(emails)))


@click.command("objection")
@click.argument("ref", metavar="CASE")
@click.option("--on", type=DATE, required=True, help="日期：提出异议或处理异议的日期。")
@click.option("--text", default="", help="异议内容：登记一条新的异议，处理前为待处理。")
@click.option("--upheld", is_flag=True, help="采纳待处理的异议：验收不合格。")
@click.option("--dismissed", is_flag=True, help="不予采纳待处理的异议：公示继续（须写 --note）。")
@click.option("--note", default="", help="处理意见。")
@click.option("--deadline", type=DATE, help="采纳时新的转化时限。")
@click.option("--finding", "findings", multiple=True, help="采纳时发现的问题（必填）；可重复。")
@click.option("--measure", "measures", multiple=True,
              help="采纳时新的整改措施（至少一条）：" + MEASURE_FORMAT + "；可重复。")
@click.option("--email", "emails", multiple=True, help="新措施责任人的邮箱 姓名=地址；可重复。")
@attach_option
@pass_app
def case_objection(app: App, ref: str, on: date, text: str, upheld: bool, dismissed: bool, note: str,
                   deadline: date | None, findings: tuple[str, ...], measures: tuple[str, ...],
                   emails: tuple[str, ...], files: tuple[str, ...]) -> None:
    """公示异议：用 --text 登记，再用 --upheld（采纳）或 --dismissed（不予采纳）处理。

    只在验收通过后的公示期内，同一时间只能有一条待处理的异议。不予采纳：记录在案，公示继续。
    采纳：验收按不合格处理，与 case verify 不合格相同（发现的问题和新措施；退回已选派书记阶段）。
    有待处理的异议时不能销号。

    \b
    示例：
      rectify case objection 12 --on 2026-11-12 --text "群众反映村务公开仍不及时"
      rectify case objection 12 --on 2026-11-14 --dismissed --note "经核实，村务已按月公开"
      rectify case objection 12 --on 2026-11-14 --upheld --note "经核实属实" --finding "村务公开不及时" \\
          --measure "P07|按月公开村务|王建国|2026-12-20"
    """
    if upheld and dismissed:
        raise click.UsageError("--upheld 与 --dismissed 互相矛盾：异议或采纳，或不予采纳，只能择一")
    decision = "upheld" if upheld else "dismissed" if dismissed else None
    if bool(text.strip()) == bool(decision):
        raise click.UsageError("请用 --text 登记异议，或用 --upheld/--dismissed 处理待处理的异议（二者择一，分两步）")
    with attached(app, files) as wf:
        if decision is None:
            done(wf.objection(ref, on=on, text=text))
            return
        done(wf.decide_objection(ref, on=on, upheld=decision == "upheld", note=note, findings=findings,
                                 measures=[_measure(m) for m in measures], emails=_emails(emails),
                                 deadline=deadline))


@click.command("strike-off")
@click.argument("ref", metavar="CASE")
@click.option("--on", type=DATE, required=True, help="销号批复日期（销号日期）。")
@click.option("--doc-no", "--doc", "doc_no", default="", help="批复文号，如 青组字〔2026〕31号。")
@attach_option
@pass_app
def case_strike_off(app: App, ref: str, on: date, doc_no: str, files: tuple[str, ...]) -> None:
    """销号批复：公示期满后县里批复销号 → 已验收销号。

    公示期未满（验收日期 + [policy] publicity_days）、有待处理的异议、或签署人就是验收人时拒绝。

    \b
    示例：
      rectify --actor 周审批 case strike-off 12 --on 2026-11-20 --doc-no "青组字〔2026〕31号"
    """
    with attached(app, files) as wf:
        done(wf.strike_off(ref, on=on, doc_no=doc_no))


COMMANDS: tuple[click.Command, ...] = (case_rectified, case_verify, case_objection, case_strike_off)
