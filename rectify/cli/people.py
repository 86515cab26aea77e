"""The people registry (人员): ``rectify people add | list | import | disable`` (SPEC §12)."""

from __future__ import annotations

import click

from rectify.cli.common import App, pass_app, say
from rectify.cli.listing import emit, output_options
from rectify.states.roles import ROLE_NAMES


def registry_actor(app: App) -> str:
    """Who manages the registry: the name given (an operator), or, for a per-officer database role under
    ``actor_from_database``, its registered person (--actor refused, as for every other command)."""
    from rectify.write.actors import per_officer_session

    if per_officer_session(app.database(), app.config):
        return app.person().name
    return app.actor


ROLE_CHOICES: tuple[str, ...] = tuple(ROLE_NAMES)
_ROLE_HELP = ", ".join(f"{code} {label}" for code, label in ROLE_NAMES.items())


@click.group()
def people() -> None:
    """The people registry (人员登记): who may sign a change, their role and scope.

    The first person registered must be an admin (系统管理员); from then on only an admin,
    named with --actor, adds, imports or disables people.
    """


@people.command("add")
@click.argument("name")
@click.option("--unit", required=True, help="单位, e.g. 县委组织部.")
@click.option("--role", type=click.Choice(ROLE_CHOICES), required=True, help=f"Role (角色): {_ROLE_HELP}.")
@click.option("--scope", required=True,
              help="范围: COUNTY or COUNTY/TOWNSHIP; a list COUNTY,COUNTY for city_supervisor and auditor; "
                   "* (every county) for an admin.")
@click.option("--email", default="", help="E-mail (邮箱).")
@click.option("--phone", default="", help="Phone (电话).")
@click.option("--login", default="", help="Login name (登录名): the system or database user of this person.")
@click.option("--wecom-userid", default="", help="企业微信 userid, for application messages (应用消息).")
@click.option("--dingtalk-userid", default="", help="钉钉 userid.")
@click.option("--channels", default="",
              help="Preferred channels (提醒方式): email, wecom_app, sms, comma-separated; "
                   "empty: 企业微信 when there is a userid, else SMS to a phone without e-mail.")
@pass_app
def people_add(app: App, name: str, unit: str, role: str, scope: str, email: str, phone: str, login: str,
               wecom_userid: str, dingtalk_userid: str, channels: str) -> None:
    """Register a person (登记人员); the first one must be an admin.

    \b
    Example:
      rectify people add 王管理 --unit 县委组织部 --role admin --scope '*'
      rectify --actor 王管理 people add 赵经办 --unit 县委组织部 --role county_officer \\
          --scope 青山县 --email zhao@example.cn --login zhao
      rectify --actor 王管理 people add 陈书记 --unit 县财政局 --role first_secretary \\
          --scope 青山县/河口镇 --phone 13800000001 --wecom-userid chenhaitao --channels wecom_app,sms
    """
    from rectify.write.people import PersonInput, Registry, role_label

    completed = Registry(app.database(), actor=registry_actor(app), clock=app.clock()).add(
        PersonInput(name, unit, role, scope, email, phone, login, wecom_userid, dingtalk_userid, channels))
    note = "（此前由整顿方案带入，现已登记）" if completed else ""
    say(f"已登记人员 {name}（{unit} {role_label(role)}，范围 {scope.strip()}）{note}")


@people.command("list")
@output_options()
@pass_app
def people_list(app: App, fmt: str) -> None:
    """List everyone the registry knows (人员列表), registered or not.

    People named on a plan and not registered show as 未登记, disabled ones as 已停用.

    \b
    Example:
      rectify people list
      rectify people list --format json
    """
    from rectify.write.people import people_rows

    rows = people_rows(app.database(), app.person())
    if fmt != "json":
        for r in rows:
            r["role"] = r["role_label"]
            r["status"] = "未登记" if not r["registered"] else "在用" if r["active"] else "已停用"
    emit(rows, [("name", "姓名"), ("unit", "单位"), ("role", "角色"), ("scope", "范围"), ("email", "邮箱"),
                ("phone", "电话"), ("wecom_userid", "企业微信"), ("channels", "提醒方式"), ("login", "登录名"),
                ("status", "状态")], fmt)


@people.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check every row and report, write nothing (只检查不写入).")
@pass_app
def people_import(app: App, file: str, dry_run: bool) -> None:
    """Import people from CSV or XLSX (批量登记人员); all rows or none.

    Columns (Chinese or English headers): 姓名/name, 单位/unit, 角色/role (code or Chinese label),
    范围/scope, 邮箱/email, 电话/phone, 登录名/login, 企业微信账号/wecom_userid, 钉钉账号/dingtalk_userid,
    提醒方式/channels (email, wecom_app, sms or 邮件、企业微信、短信). Every bad row is listed with its row number and
    column; nothing is written unless all rows are good (exit 2). Only an admin imports; into an empty
    registry the first row must be an admin.

    \b
    Example:
      rectify --actor 王管理 people import 人员名册.xlsx --dry-run
      rectify --actor 王管理 people import 人员名册.csv
    """
    from rectify.importing.rows import ImportRejected
    from rectify.write.people import Registry

    registry = Registry(app.database(), actor=registry_actor(app), clock=app.clock())
    try:
        result = registry.import_file(file, dry_run=dry_run)
    except ImportRejected as exc:
        for problem in exc.problems:
            click.echo(problem.line(), err=True)
        raise
    if result.ignored_columns:
        click.echo("已忽略无法识别的列：" + "、".join(result.ignored_columns), err=True)
    say(result.describe())


@people.command("disable")
@click.argument("name")
@pass_app
def people_disable(app: App, name: str) -> None:
    """Disable a person (停用人员): they can no longer act; their history stays.

    \b
    Example:
      rectify --actor 王管理 people disable 赵经办
    """
    from rectify.write.people import Registry

    Registry(app.database(), actor=registry_actor(app), clock=app.clock()).disable(name)
    say(f"已停用人员 {name}")


@people.command("password")
@click.argument("name")
@pass_app
def people_password(app: App, name: str) -> None:
    """Set a person's web password (设置网页登录密码), read from stdin; it must be changed at the next sign-in.

    An admin sets anyone's password, a person their own. The password is read from standard input (one
    line; at a terminal it is asked for twice, hidden), never from the command line, and kept only as an
    argon2id hash. Its length and strength are security settings in the database (rectify security show:
    min_password_length, 10 by default; min_password_classes).

    \b
    Example:
      printf '%s\\n' 'qingshan-start-2026' | rectify --actor 周文博 people password 韩青松
      rectify --actor 周文博 people password qs-han          (asks twice at a terminal)
    """
    import sys

    from rectify.write.accounts import Accounts

    stdin = sys.stdin
    if stdin.isatty():
        password = click.prompt("新密码", hide_input=True, confirmation_prompt="再次输入新密码")
    else:
        password = stdin.readline().rstrip("\r\n")
    if not password:
        raise click.UsageError("没有读到密码：请从标准输入提供一行密码")
    who = Accounts(app.database(), app.config, app.clock()).set_password(app.person(), name, password)
    say(f"已设置 {who} 的网页登录密码；下次登录时须修改")
