"""The case command of the 巩固期 after 销号: ``case look-back`` (回头看, SPEC §3, §10).

``rectify.cli.case`` puts it in the ``case`` group.
"""

from __future__ import annotations

from datetime import date

import click

from rectify.cli.case_evidence import attach_option, attached
from rectify.cli.common import DATE, App, done, pass_app


@click.command("look-back")
@click.argument("ref", metavar="CASE")
@click.option("--on", type=DATE, required=True, help="回头看日期（计划日期前 30 天起）。")
@click.option("--result", required=True, metavar="巩固|反弹",
              help="结果：巩固，或反弹（该组织重新列入整顿）。")
@click.option("--note", default="", help="回头看情况说明（必填）。")
@click.option("--problem", "problems", multiple=True,
              help="反弹时：重新列入的软弱涣散情形，P01…P10（或本地类型），可写成 P01:具体表现；可重复。")
@click.option("--deadline", type=DATE, help="反弹时：重新列入的转化时限（默认按 [policy]）。")
@attach_option
@pass_app
def case_look_back(app: App, ref: str, on: date, result: str, note: str, problems: tuple[str, ...],
                   deadline: date | None, files: tuple[str, ...]) -> None:
    """回头看：记录已销号整顿对象在巩固期内的下一次回头看。

    回头看安排在销号后 [policy] look_back_after_days 天（默认 180 天和 365 天），依次记录，每次从计划日期前
    30 天起可办。反弹即重新列入整顿：在回头看的年度新建一个整顿对象，与本对象关联，带上所给的问题，仍在任的
    第一书记随之转入；本对象仍为已验收销号，并记下反弹。

    \b
    示例：
      rectify case look-back 12 --on 2027-05-10 --result 巩固 --note "班子稳定，制度落实"
      rectify case look-back 12 --on 2027-11-10 --result 反弹 --note "书记辞职，工作停滞" --problem P01 --problem P04
    """
    with attached(app, files) as wf:
        done(wf.look_back(ref, on=on, result=result, note=note, problems=problems, deadline=deadline))


COMMANDS = (case_look_back,)
