"""The case commands of the leadership tracks: first secretary, village secretary, work team (SPEC §2, §3).

The tracks run side by side: a first secretary's recall never touches the village secretary, nor the
other way round. ``rectify.cli.case`` puts them in the ``case`` group.
"""

from __future__ import annotations

from datetime import date

import click

from rectify.cli.common import DATE, App, done, pass_app
from rectify.states.tracks import RECALL_REASONS, VILLAGE_ACTIONS


@click.command("assign-secretary")
@click.argument("ref", metavar="CASE")
@click.option("--name", default="", help="第一书记姓名.")
@click.option("--unit", default="", help="派出单位 (default: the case's 结对帮扶单位).")
@click.option("--since", type=DATE, required=True,
              help="任职日期; before the listing is allowed and marked 原已驻村.")
@click.option("--term-until", type=DATE, help="任期截止 (default: since + [policy] first_secretary_term_years).")
@click.option("--email", default="", help="第一书记邮箱.")
@click.option("--phone", default="", help="第一书记电话.")
@pass_app
def case_assign_secretary(app: App, ref: str, name: str, unit: str, since: date, term_until: date | None,
                          email: str, phone: str) -> None:
    """Record the first secretary in post (选派第一书记), from 列入整顿 on.

    Stage 3 (整改中) is reached when the plan is filed and a first secretary is in post, in either
    order: on a planned case this moves it on; before the plan the case waits for it (the plan then
    moves it, on the later of the two days). Later it starts a new term after a recall. A term ending
    before the 转化时限 is recorded with a warning and becomes a task (延期 with secretary-term, or 轮换).

    \b
    Example:
      rectify case assign-secretary 12 --name 陈海涛 --unit 县财政局 --since 2026-04-01
      rectify case assign-secretary 12 --name 刘芳 --since 2025-06-01 --term-until 2027-06-01
    """
    done(app.workflow().assign_secretary(ref, name=name, unit=unit, since=since, term_until=term_until,
                                          email=email, phone=phone))


@click.command("recall-secretary")
@click.argument("ref", metavar="CASE")
@click.option("--on", type=DATE, required=True, help="离任日期.")
@click.option("--reason", type=click.Choice(RECALL_REASONS), required=True, help="召回原因.")
@click.option("--note", default="", help="说明.")
@pass_app
def case_recall_secretary(app: App, ref: str, on: date, reason: str, note: str) -> None:
    """End the first secretary's term (召回/轮换第一书记); the stage and the village secretary stay.

    \b
    Example:
      rectify case recall-secretary 12 --on 2026-07-01 --reason 期满轮换
      rectify case recall-secretary 12 --on 2026-07-01 --reason 其他 --note "因病离岗"
    """
    done(app.workflow().recall_secretary(ref, on=on, reason=reason, note=note))


@click.command("secretary-term")
@click.argument("ref", metavar="CASE")
@click.option("--on", type=DATE, required=True, help="延期日期.")
@click.option("--term-until", type=DATE, required=True, help="任期延至.")
@click.option("--note", default="", help="说明.")
@pass_app
def case_secretary_term(app: App, ref: str, on: date, term_until: date, note: str) -> None:
    """Extend the first secretary's term (延长第一书记任期, 延期).

    A term ending before the 转化时限 is a task (第一书记延期或轮换): extend it here, or rotate
    (recall-secretary --reason 期满轮换, then assign-secretary).

    \b
    Example:
      rectify case secretary-term 12 --on 2026-10-08 --term-until 2027-06-30
    """
    done(app.workflow().extend_term(ref, on=on, term_until=term_until, note=note))


@click.command("village-secretary")
@click.argument("ref", metavar="CASE")
@click.option("--name", default="", help="村（社区）党组织书记姓名.")
@click.option("--since", type=DATE, required=True, help="任职日期.")
@click.option("--action", type=click.Choice(VILLAGE_ACTIONS), required=True, help="选配 (was 缺配) or 调整.")
@click.option("--source", default="", help="来源, e.g. 本村致富能手, 回乡大学生, 县乡机关下派.")
@click.option("--email", default="", help="邮箱.")
@click.option("--phone", default="", help="电话.")
@pass_app
def case_village_secretary(app: App, ref: str, name: str, since: date, action: str, source: str,
                           email: str, phone: str) -> None:
    """Choose or replace the organization's own secretary (选配/调整村党组织书记).

    The first secretary's term is not touched. Under [policy] secretary_rule = "either" this also
    takes a planned case to secretary_assigned.

    \b
    Example:
      rectify case village-secretary 12 --name 周德明 --since 2026-05-10 --action 调整 --source 本村致富能手
    """
    done(app.workflow().village_secretary(ref, name=name, since=since, action=action, source=source,
                                           email=email, phone=phone))


@click.command("work-team")
@click.argument("ref", metavar="CASE")
@click.option("--add", "add", default=None, metavar="NAME", help="驻村工作队员 joining (with --unit, --since).")
@click.option("--unit", default="", help="派出单位 of the member added.")
@click.option("--since", type=DATE, help="到任日期 of the member added.")
@click.option("--remove", "remove", default=None, metavar="NAME", help="驻村工作队员 leaving (with --on).")
@click.option("--on", type=DATE, help="离队日期 of the member removed.")
@pass_app
def case_work_team(app: App, ref: str, add: str | None, unit: str, since: date | None, remove: str | None,
                   on: date | None) -> None:
    """Add or remove a work-team member (驻村工作队员).

    \b
    Example:
      rectify case work-team 12 --add 孙丽 --unit 县农业农村局 --since 2026-04-01
      rectify case work-team 12 --remove 孙丽 --on 2026-09-30
    """
    if (add is None) == (remove is None):
        raise click.UsageError("请给出 --add NAME（及 --unit、--since）或 --remove NAME（及 --on），二者取一")
    if add is not None:
        if since is None:
            raise click.UsageError("--add 需要 --since（到任日期）")
        done(app.workflow().work_team(ref, name=add, unit=unit, on=since))
    else:
        if on is None:
            raise click.UsageError("--remove 需要 --on（离队日期）")
        done(app.workflow().work_team(ref, name=remove or "", on=on, remove=True))


COMMANDS: tuple[click.Command, ...] = (
    case_assign_secretary, case_recall_secretary, case_secretary_term, case_village_secretary, case_work_team,
)
