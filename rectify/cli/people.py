"""The people registry (人员): ``rectify people add | list | import | disable`` (SPEC §12)."""

from __future__ import annotations

import click

from rectify.cli.common import App, LabelledChoice, pass_app, say
from rectify.cli.listing import emit, output_options
from rectify.states.roles import ROLE_NAMES


def registry_actor(app: App) -> str:
    """Who manages the registry: the name given (an operator), or, for a per-officer database role under
    ``actor_from_database``, its registered person (--actor refused, as for every other command)."""
    from rectify.write.actors import per_officer_session

    if per_officer_session(app.database(), app.config):
        return app.person().name
    return app.actor


ROLE = LabelledChoice(ROLE_NAMES)


@click.group()
def people() -> None:
    """人员登记（people）：谁可以签署变更，其角色和范围。

    第一个登记的人必须是系统管理员；此后只有系统管理员（用 --actor 指明）可以登记、导入或停用人员。
    """


@people.command("add")
@click.argument("name")
@click.option("--unit", required=True, help="单位，如 县委组织部。")
@click.option("--role", type=ROLE, required=True, help=f"角色：{ROLE.pairs()}。")
@click.option("--scope", required=True,
              help="范围：县 或 县/乡镇；市委组织部督导和审计为县的列表 县,县；系统管理员为 *（全部县）。")
@click.option("--email", default="", help="邮箱。")
@click.option("--phone", default="", help="电话。")
@click.option("--login", default="", help="登录名：此人的系统用户或数据库用户名。")
@click.option("--wecom-userid", default="", help="企业微信 userid，用于应用消息。")
@click.option("--dingtalk-userid", default="", help="钉钉 userid。")
@click.option("--channels", default="",
              help="提醒方式：email 邮件、wecom_app 企业微信、sms 短信，逗号分隔；"
                   "不填：有 userid 的用企业微信，没有邮箱而有电话的发短信。")
@pass_app
def people_add(app: App, name: str, unit: str, role: str, scope: str, email: str, phone: str, login: str,
               wecom_userid: str, dingtalk_userid: str, channels: str) -> None:
    """登记人员；第一个登记的必须是系统管理员。

    \b
    示例：
      rectify people add 王管理 --unit 县委组织部 --role admin --scope '*'
      rectify --actor 王管理 people add 赵经办 --unit 县委组织部 --role 县委组织部经办人 \\
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
    """人员列表：登记册中的每个人，无论是否已登记。

    整顿方案中写到而未登记的人显示为未登记，停用的显示为已停用。

    \b
    示例：
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
@click.option("--dry-run", is_flag=True, help="只检查不写入：检查每一行并报告。")
@pass_app
def people_import(app: App, file: str, dry_run: bool) -> None:
    """批量登记人员：从 CSV 或 XLSX 导入，全部成功或全部不写入。

    列（中文或英文表头）：姓名/name、单位/unit、角色/role（中文名称或代码）、范围/scope、邮箱/email、电话/phone、
    登录名/login、企业微信账号/wecom_userid、钉钉账号/dingtalk_userid、提醒方式/channels（邮件、企业微信、短信
    或 email、wecom_app、sms）。每个有错的行都列出行号和列；只要有一行有错就不写入（退出码 2）。只有系统管理员
    可以导入；登记册为空时，第一行必须是系统管理员。

    \b
    示例：
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
        say("已忽略无法识别的列：" + "、".join(result.ignored_columns))
    say(result.describe())


@people.command("disable")
@click.argument("name")
@pass_app
def people_disable(app: App, name: str) -> None:
    """停用人员：此人不能再办理任何事项；其记录保留。

    \b
    示例：
      rectify --actor 王管理 people disable 赵经办
    """
    from rectify.write.people import Registry

    Registry(app.database(), actor=registry_actor(app), clock=app.clock()).disable(name)
    say(f"已停用人员 {name}")


@people.command("password")
@click.argument("name")
@pass_app
def people_password(app: App, name: str) -> None:
    """设置网页登录密码：从标准输入读取；下次登录时必须修改。

    系统管理员可为其范围内的人设置，其他人只能设置自己的。密码从标准输入读取（一行；在终端上隐藏输入、输两次），
    从不写在命令行上，只保存 argon2id 散列值。长度和强度是数据库中的安全设置（rectify security show：
    min_password_length，默认 10；min_password_classes）。

    \b
    示例：
      printf '%s\\n' 'qingshan-start-2026' | rectify --actor 周文博 people password 韩青松
      rectify --actor 周文博 people password qs-han          （在终端上询问两次）
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
