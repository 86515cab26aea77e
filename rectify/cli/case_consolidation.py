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
@click.option("--on", type=DATE, required=True, help="回头看日期 (from 30 days before the scheduled date on).")
@click.option("--result", required=True, metavar="巩固|反弹",
              help="Result: 巩固 (stable) or 反弹 (relapse: lists the organization again).")
@click.option("--note", default="", help="回头看情况说明 (required).")
@click.option("--problem", "problems", multiple=True,
              help="With 反弹: a 软弱涣散情形 of the new listing, P01…P10 (or a local type), optionally "
                   "P01:具体表现; repeat for several.")
@click.option("--deadline", type=DATE, help="With 反弹: the new listing's 转化时限 (default: policy).")
@attach_option
@pass_app
def case_look_back(app: App, ref: str, on: date, result: str, note: str, problems: tuple[str, ...],
                   deadline: date | None, files: tuple[str, ...]) -> None:
    """Record the next scheduled look-back (回头看) of a struck-off case in its 巩固期.

    The look-backs are scheduled at [policy] look_back_after_days (default 180 and 365 days) after 销号
    and are recorded in order, each from 30 days before its scheduled date. 反弹 lists the organization
    again: a new 整顿对象 in the look-back's year, linked to this one, with the problems given and the
    first secretary still in post carried over; this case stays 已验收销号 with the 反弹 recorded.

    \b
    Example:
      rectify case look-back 12 --on 2027-05-10 --result 巩固 --note "班子稳定，制度落实"
      rectify case look-back 12 --on 2027-11-10 --result 反弹 --note "书记辞职，工作停滞" --problem P01 --problem P04
    """
    with attached(app, files) as wf:
        done(wf.look_back(ref, on=on, result=result, note=note, problems=problems, deadline=deadline))


COMMANDS = (case_look_back,)
