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
@click.option("--name", default="", help="第一书记姓名。")
@click.option("--unit", default="", help="派出单位（默认：该整顿对象的结对帮扶单位）。")
@click.option("--since", type=DATE, required=True,
              help="任职日期；可早于列入日期，记为原已驻村。")
@click.option("--term-until", type=DATE, help="任期截止（默认：任职日期 + [policy] first_secretary_term_years 年）。")
@click.option("--email", default="", help="第一书记邮箱。")
@click.option("--phone", default="", help="第一书记电话。")
@pass_app
def case_assign_secretary(app: App, ref: str, name: str, unit: str, since: date, term_until: date | None,
                          email: str, phone: str) -> None:
    """选派第一书记：记录到任的第一书记，从列入整顿起即可选派。

    第三阶段（整改中）在台账已建、第一书记到任两者都满足时到达，先后不限：已建台账的整顿对象随即进入整改中；
    台账未建的等台账建立（以两者中较晚的日期为准）。召回之后再用本命令开始新的任期。任期在转化时限之前结束的，
    记录并提示，成为待办（用 secretary-term 延期，或轮换）。

    \b
    示例：
      rectify case assign-secretary 12 --name 陈海涛 --unit 县财政局 --since 2026-04-01
      rectify case assign-secretary 12 --name 刘芳 --since 2025-06-01 --term-until 2027-06-01
    """
    done(app.workflow().assign_secretary(ref, name=name, unit=unit, since=since, term_until=term_until,
                                          email=email, phone=phone))


@click.command("recall-secretary")
@click.argument("ref", metavar="CASE")
@click.option("--on", type=DATE, required=True, help="离任日期。")
@click.option("--reason", type=click.Choice(RECALL_REASONS), required=True, help="召回原因。")
@click.option("--note", default="", help="说明。")
@pass_app
def case_recall_secretary(app: App, ref: str, on: date, reason: str, note: str) -> None:
    """召回/轮换第一书记：结束第一书记的任期；阶段和村党组织书记不变。

    \b
    示例：
      rectify case recall-secretary 12 --on 2026-07-01 --reason 期满轮换
      rectify case recall-secretary 12 --on 2026-07-01 --reason 其他 --note "因病离岗"
    """
    done(app.workflow().recall_secretary(ref, on=on, reason=reason, note=note))


@click.command("secretary-term")
@click.argument("ref", metavar="CASE")
@click.option("--on", type=DATE, required=True, help="延期日期。")
@click.option("--term-until", type=DATE, required=True, help="任期延至。")
@click.option("--note", default="", help="说明。")
@pass_app
def case_secretary_term(app: App, ref: str, on: date, term_until: date, note: str) -> None:
    """延长第一书记任期（延期）。

    任期在转化时限之前结束的是一项待办（第一书记延期或轮换）：在这里延期，或轮换
    （recall-secretary --reason 期满轮换，再 assign-secretary）。

    \b
    示例：
      rectify case secretary-term 12 --on 2026-10-08 --term-until 2027-06-30
    """
    done(app.workflow().extend_term(ref, on=on, term_until=term_until, note=note))


@click.command("village-secretary")
@click.argument("ref", metavar="CASE")
@click.option("--name", default="", help="村（社区）党组织书记姓名。")
@click.option("--since", type=DATE, required=True, help="任职日期。")
@click.option("--action", type=click.Choice(VILLAGE_ACTIONS), required=True, help="选配（原缺配）或调整。")
@click.option("--source", default="", help="来源，如 本村致富能手、回乡大学生、县乡机关下派。")
@click.option("--email", default="", help="邮箱。")
@click.option("--phone", default="", help="电话。")
@pass_app
def case_village_secretary(app: App, ref: str, name: str, since: date, action: str, source: str,
                           email: str, phone: str) -> None:
    """选配/调整村党组织书记：为组织选配或调整自己的书记。

    第一书记的任期不受影响。[policy] secretary_rule = "either" 时，已建台账的整顿对象也由此进入已选派书记阶段。

    \b
    示例：
      rectify case village-secretary 12 --name 周德明 --since 2026-05-10 --action 调整 --source 本村致富能手
    """
    done(app.workflow().village_secretary(ref, name=name, since=since, action=action, source=source,
                                           email=email, phone=phone))


@click.command("work-team")
@click.argument("ref", metavar="CASE")
@click.option("--add", "add", default=None, metavar="NAME", help="到任的驻村工作队员（同时给 --unit、--since）。")
@click.option("--unit", default="", help="到任队员的派出单位。")
@click.option("--since", type=DATE, help="到任队员的到任日期。")
@click.option("--remove", "remove", default=None, metavar="NAME", help="离队的驻村工作队员（同时给 --on）。")
@click.option("--on", type=DATE, help="离队日期。")
@pass_app
def case_work_team(app: App, ref: str, add: str | None, unit: str, since: date | None, remove: str | None,
                   on: date | None) -> None:
    """驻村工作队员：增加或减少一名队员。

    \b
    示例：
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
