"""Security settings and the installation's key: ``rectify security show | set``, ``rectify keys`` (SPEC §12)."""

from __future__ import annotations

import click

from rectify.cli.common import App, pass_app, say
from rectify.cli.listing import emit, output_options


@click.group()
def security() -> None:
    """安全设置（security）：保存在数据库中，由管理员设置。

    登记册的开关（require_registered_actor、actor_from_database）和网页的密码、登录、会话规则（min_password_length、
    min_password_classes、sign_in_free_failures、sign_in_max_wait_minutes、session_idle_minutes、session_max_hours）。
    配置文件只能让设置更严，不能放松：生效的值取数据库和配置文件（[security] 开关、[web] 数值）中更严的一个。
    每次修改都记下修改人；放松设置须由管理全部县的管理员（范围 *）进行。
    """


@security.command("show")
@output_options(("table", "json"))
@pass_app
def security_show(app: App, fmt: str) -> None:
    """查看安全设置：每项设置在数据库中的值、配置文件中的值、生效的值，以及最近修改人。

    \b
    示例：
      rectify security show
    """
    from rectify.write.security import security_rows

    rows = security_rows(app.database(), app.config)
    emit(rows, [("key", "设置"), ("label", "说明"), ("database", "数据库"), ("config", "配置文件"),
                ("effective", "生效"), ("set_by", "最近修改人"), ("operator", "操作员")], fmt, max_width=40)


@security.command("set")
@click.argument("key")
@click.argument("value")
@pass_app
def security_set(app: App, key: str, value: str) -> None:
    """修改安全设置：在数据库中修改一项设置；只有系统管理员可以修改，记下修改人。

    \b
    示例：
      rectify --actor 周文博 security set require_registered_actor true
      rectify --actor 周文博 security set min_password_length 12
      rectify --actor 周文博 security set session_idle_minutes 15
    """
    from rectify.write.security import set_security

    person = app.person()
    old, new = set_security(app.database(), person, key.strip(), value, operator=person.operator,
                            clock=app.clock())
    say(f"安全设置 {key.strip()}：{old} → {new}（{person.signature} 修改）")


@click.command("keys")
@pass_app
def keys(app: App) -> None:
    """显示本安装签名密钥的公钥（签名公钥）；首次使用时生成。

    备份（export --all）用这个密钥签名；另一个安装用 rectify restore FILE --trust PUBLIC_KEY 恢复。

    \b
    示例：
      rectify keys
    """
    from rectify.store.keys import installation_key

    key = installation_key(app.database().url, app.config.security.key_file)
    click.echo(key.public)
    say(f"私钥文件：{key.path}")
