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
@click.option("--level", type=LEVEL, help=f"挂牌层级：{LEVEL.pairs()}（默认：签署人所在层级）。")
@click.option("--unit", default="", help="督办单位（默认：签署人的单位）。")
@click.option("--matter", default="", help="督办事项：挂牌要求整改的内容。")
@click.option("--due", type=DATE, help="督办时限。")
@click.option("--on", type=DATE, help="挂牌日期（默认：今天）。")
@click.option("--reason", default="", hidden=True, help="--matter 的旧名称。")
@pass_app
def case_supervise(app: App, ref: str, level: str | None, unit: str, matter: str, due: date | None,
                   on: date | None, reason: str) -> None:
    """挂牌督办：为整顿对象挂牌，写明层级、督办单位、督办事项和时限。

    每次挂牌都留有记录；市级挂牌须经市级检查后才能摘牌（case unsupervise）。挂牌是督办升级的最高一级
    （提醒 → 督促 → 约谈 → 通报 → 挂牌）。

    \b
    示例：
      rectify --actor 褚振华 case supervise 12 --level 市级 --unit 市委组织部 \\
          --matter "三个月内配齐班子、恢复三会一课" --due 2027-03-31
    """
    done(app.workflow().supervise(ref, level=level, unit=unit, matter=matter or reason, due=due, on=on))


@click.command("unsupervise")
@click.argument("ref", metavar="CASE")
@click.option("--on", type=DATE, help="摘牌日期（默认：今天）。")
@click.option("--inspected-by", default="", help="检查人：挂牌层级的已登记人员。")
@click.option("--inspected-on", type=DATE, help="检查日期（默认：--on）。")
@click.option("--reason", default="", help="摘牌理由。")
@click.option("--finding", "findings", multiple=True,
              help="检查结论，按督办事项的顺序每项一条（可重复）；措施全部完成后不需要。")
@attach_option
@pass_app
def case_unsupervise(app: App, ref: str, on: date | None, inspected_by: str, inspected_on: date | None,
                     reason: str, findings: tuple[str, ...], files: tuple[str, ...]) -> None:
    """摘牌：检查之后摘下督办牌。

    检查人须是挂牌层级的已登记人员（市级挂牌：市里）；销号之后只能摘下仍挂着的牌。每项督办事项都要有着落——
    措施全部完成，或每项事项有一条 --finding——且整顿对象不是红灯；否则拒绝，并指出尚未办结的事项。

    \b
    示例：
      rectify --actor 褚振华 case unsupervise 12 --on 2027-03-20 --inspected-by 褚振华 \\
          --reason "经市级检查，督办事项已整改到位"
    """
    with attached(app, files) as wf:
        done(wf.unsupervise(ref, on=on, inspected_by=inspected_by, inspected_on=inspected_on, reason=reason,
                            findings=findings))


@click.command("escalate")
@click.argument("ref", metavar="CASE")
@click.option("--step", type=STEP, required=True, help=f"督办升级：{STEP.pairs()}，依次进行。")
@click.option("--on", type=DATE, help="日期（默认：今天）。")
@click.option("--note", default="", help="情况说明：督促、约谈或通报了谁，为什么。")
@pass_app
def case_escalate(app: App, ref: str, step: str, on: date | None, note: str) -> None:
    """督办升级：记录升级的一级（提醒 → 督促 → 约谈 → 通报 → 挂牌）。

    提醒由定时提醒服务发送；挂牌用 case supervise。中间各级依次进行，每级都有日期和签署人。

    \b
    示例：
      rectify case escalate 12 --step 督促 --on 2026-11-20 --note "电话督促乡镇党委书记"
      rectify case escalate 12 --step 约谈 --on 2026-12-01 --note "约谈乡镇党委书记"
    """
    done(app.workflow().escalate(ref, step=step, on=on, note=note))


COMMANDS: tuple[click.Command, ...] = (case_supervise, case_unsupervise, case_escalate)
