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
@click.option("--on", type=DATE, required=True, help="申请验收日期 (整改完成、乡镇初验).")
@click.option("--opinion", "--self-check", "opinion", default="",
              help="乡镇初验意见 (--self-check is the older name).")
@attach_option
@pass_app
def case_rectified(app: App, ref: str, on: date, opinion: str, files: tuple[str, ...]) -> None:
    """The township's 初验 and application for verification (申请验收) → rectified.

    The signer (--actor) is recorded as the applicant: the county verifier must be someone else.

    \b
    Example:
      rectify --actor 孙乡长 case rectified 12 --on 2026-10-15 --opinion "乡镇党委逐项初验，整改到位，申请验收"
    """
    with attached(app, files) as wf:
        done(wf.mark_rectified(ref, on=on, self_check=opinion))


@click.command("verify")
@click.argument("ref", metavar="CASE")
@click.option("--on", type=DATE, required=True, help="验收日期.")
@click.option("--by", default="", help="验收组 (team leader or unit), e.g. 县委组织部验收组.")
@click.option("--member", "members", multiple=True, help="验收组成员 (at least one). Repeat.")
@click.option("--item", "items", multiple=True,
              help="评分表 item AREA=SCORE, every area of [verification] items (default 六有: 班子 队伍 场所 载体 "
                   "制度 业绩); the score is their sum. Repeat.")
@click.option("--score", type=click.IntRange(0, 100), help="验收得分 0–100, when no --item is given.")
@click.option("--satisfied", type=whole(0), required=True, help="民主测评 满意人数.")
@click.option("--dissatisfied", type=whole(0), required=True, help="民主测评 不满意人数.")
@click.option("--basic", type=whole(0), default=0, show_default=True, help="民主测评 基本满意人数.")
@click.option("--deadline", type=DATE, help="New 转化时限 if the verification fails.")
@click.option("--finding", "findings", multiple=True, help="验收发现的问题 (required when it fails). Repeat.")
@click.option("--measure", "measures", multiple=True,
              help="New 整改措施 when it fails (≥1 required), as for plan: " + MEASURE_FORMAT + ". Repeat.")
@click.option("--email", "emails", multiple=True, help="NAME=ADDR for a new measure's 责任人. Repeat.")
@attach_option
@pass_app
def case_verify(app: App, ref: str, on: date, by: str, members: tuple[str, ...], items: tuple[str, ...],
                score: int | None, satisfied: int, dissatisfied: int, basic: int, deadline: date | None,
                findings: tuple[str, ...], measures: tuple[str, ...], emails: tuple[str, ...],
                files: tuple[str, ...]) -> None:
    """County verification (验收): 等次 合格/基本合格 start 公示; 不合格 → back to secretary_assigned.

    Records the team, the score sheet, the 民主测评 (at least [verification] min_surveyed people) and
    满意率 = (满意 + 基本满意) / 测评人数. The signer may not be the one who applied. A passed case stays
    in rectified for [policy] publicity_days of 公示, then `case strike-off` moves it to verified. A failed
    verification needs the findings and at least one new measure; the application is cleared.

    \b
    Example:
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
@click.option("--on", type=DATE, required=True, help="日期: when raised, or when decided.")
@click.option("--text", default="", help="异议内容: records a new objection, pending until decided.")
@click.option("--upheld", is_flag=True, help="采纳 the pending objection: the verification fails.")
@click.option("--dismissed", is_flag=True, help="不予采纳 the pending objection: 公示 goes on (needs --note).")
@click.option("--note", default="", help="处理意见.")
@click.option("--deadline", type=DATE, help="New 转化时限 when upheld.")
@click.option("--finding", "findings", multiple=True, help="Findings when upheld (required). Repeat.")
@click.option("--measure", "measures", multiple=True,
              help="New 整改措施 when upheld (≥1 required): " + MEASURE_FORMAT + ". Repeat.")
@click.option("--email", "emails", multiple=True, help="NAME=ADDR for a new measure's 责任人. Repeat.")
@attach_option
@pass_app
def case_objection(app: App, ref: str, on: date, text: str, upheld: bool, dismissed: bool, note: str,
                   deadline: date | None, findings: tuple[str, ...], measures: tuple[str, ...],
                   emails: tuple[str, ...], files: tuple[str, ...]) -> None:
    """An objection in 公示 (公示异议): record it with --text, then decide it with --upheld or --dismissed.

    Only during the 公示 of a passed verification, one pending at a time. Dismissed: recorded, and the
    公示 goes on. Upheld: the verification fails as `case verify` does when it fails (findings and new
    measures; back to secretary_assigned). A pending objection stops the strike-off.

    \b
    Example:
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
@click.option("--on", type=DATE, required=True, help="销号批复日期 (销号日期).")
@click.option("--doc-no", "--doc", "doc_no", default="", help="批复文号, e.g. 青组字〔2026〕31号.")
@attach_option
@pass_app
def case_strike_off(app: App, ref: str, on: date, doc_no: str, files: tuple[str, ...]) -> None:
    """The county's strike-off approval (销号批复) after 公示 → verified.

    Refused before the 公示 ends (验收日期 + [policy] publicity_days), while an objection is pending,
    and when the signer is the one who verified.

    \b
    Example:
      rectify --actor 周审批 case strike-off 12 --on 2026-11-20 --doc-no "青组字〔2026〕31号"
    """
    with attached(app, files) as wf:
        done(wf.strike_off(ref, on=on, doc_no=doc_no))


COMMANDS: tuple[click.Command, ...] = (case_rectified, case_verify, case_objection, case_strike_off)
