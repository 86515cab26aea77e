"""The case commands of 挂牌督办 and the escalation ladder: supervise, unsupervise (摘牌), escalate.

``rectify.cli.case`` puts them in the ``case`` group; the rules are in ``states/``.
"""

from __future__ import annotations

from datetime import date

import click

from rectify.cli.case_evidence import attach_option, attached
from rectify.cli.common import DATE, App, LabelledChoice, done, pass_app
from rectify.states.escalation import RECORDED_STEPS, STEP_LABELS
from rectify.states.roles import LEVEL_NAMES

LEVEL = LabelledChoice(LEVEL_NAMES)
STEP = LabelledChoice({code: STEP_LABELS[code] for code in RECORDED_STEPS})


@click.command("supervise")
@click.argument("ref", metavar="CASE")
@click.option("--level", type=LEVEL, help="挂牌层级 city 市级 | county 县级 (default: the signer's own level).")
@click.option("--unit", default="", help="督办单位 (default: the signer's unit).")
@click.option("--matter", default="", help="督办事项: what the sign requires.")
@click.option("--due", type=DATE, help="督办时限.")
@click.option("--on", type=DATE, help="挂牌日期 (default: today).")
@click.option("--reason", default="", hidden=True, help="Older name of --matter.")
@pass_app
def case_supervise(app: App, ref: str, level: str | None, unit: str, matter: str, due: date | None,
                   on: date | None, reason: str) -> None:
    """Hang a supervision sign on the case (挂牌督办): level, 督办单位, matters, due.

    Every sign is kept; a city sign comes down only after the city's inspection (case unsupervise).
    Hanging the sign is the top of the escalation ladder (提醒 → 督促 → 约谈 → 通报 → 挂牌).

    \b
    Example:
      rectify --actor 褚振华 case supervise 12 --level city --unit 市委组织部 \\
          --matter "三个月内配齐班子、恢复三会一课" --due 2027-03-31
    """
    done(app.workflow().supervise(ref, level=level, unit=unit, matter=matter or reason, due=due, on=on))


@click.command("unsupervise")
@click.argument("ref", metavar="CASE")
@click.option("--on", type=DATE, help="摘牌日期 (default: today).")
@click.option("--inspected-by", default="", help="检查人: a registered person of the level that hung the sign.")
@click.option("--inspected-on", type=DATE, help="检查日期 (default: --on).")
@click.option("--reason", default="", help="摘牌理由.")
@click.option("--finding", "findings", multiple=True,
              help="检查结论, one per 督办事项 in their order (repeat); not needed once every measure is done.")
@attach_option
@pass_app
def case_unsupervise(app: App, ref: str, on: date | None, inspected_by: str, inspected_on: date | None,
                     reason: str, findings: tuple[str, ...], files: tuple[str, ...]) -> None:
    """Take the sign down after an inspection (摘牌).

    The inspector must be a registered person of the level that hung the sign (a city sign: the city);
    after 销号 only a sign still up may come down. Every 督办事项 must be answered — every measure of the
    case done, or a --finding for each matter — and the case must not be red; otherwise it is refused,
    naming what is open.

    \b
    Example:
      rectify --actor 褚振华 case unsupervise 12 --on 2027-03-20 --inspected-by 褚振华 \\
          --reason "经市级检查，督办事项已整改到位"
    """
    with attached(app, files) as wf:
        done(wf.unsupervise(ref, on=on, inspected_by=inspected_by, inspected_on=inspected_on, reason=reason,
                            findings=findings))


@click.command("escalate")
@click.argument("ref", metavar="CASE")
@click.option("--step", type=STEP, required=True, help="督办升级 urge 督促 | talk 约谈 | notify 通报, in this order.")
@click.option("--on", type=DATE, help="日期 (default: today).")
@click.option("--note", default="", help="情况说明: who was urged, interviewed or named, and why.")
@pass_app
def case_escalate(app: App, ref: str, step: str, on: date | None, note: str) -> None:
    """Record one rung of the escalation ladder (督办升级): 提醒 → 督促 → 约谈 → 通报 → 挂牌.

    提醒 are the reminders the scheduler sends; 挂牌 is `case supervise`. The steps between are taken
    in order, each dated and signed.

    \b
    Example:
      rectify case escalate 12 --step 督促 --on 2026-11-20 --note "电话督促乡镇党委书记"
      rectify case escalate 12 --step 约谈 --on 2026-12-01 --note "约谈乡镇党委书记"
    """
    done(app.workflow().escalate(ref, step=step, on=on, note=note))


COMMANDS: tuple[click.Command, ...] = (case_supervise, case_unsupervise, case_escalate)
