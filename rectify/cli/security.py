"""Security settings and the installation's key: ``rectify security show | set``, ``rectify keys`` (SPEC §12)."""

from __future__ import annotations

import click

from rectify.cli.common import App, pass_app, say
from rectify.cli.listing import emit, output_options


@click.group()
def security() -> None:
    """Security settings (安全设置), kept in the database and set by an admin.

    The registry's switches (require_registered_actor, actor_from_database) and the web's password, sign-in and
    session rules (min_password_length, min_password_classes, sign_in_free_failures, sign_in_max_wait_minutes,
    session_idle_minutes, session_max_hours). A configuration file may make a setting stricter, never looser:
    the value in force is the stricter of the database's and the file's ([security] switches, [web] numbers).
    Every change is recorded with who made it; loosening one is for an admin of every county (scope *).
    """


@security.command("show")
@output_options(("table", "json"))
@pass_app
def security_show(app: App, fmt: str) -> None:
    """Show each setting: the database's value, the file's, the one in force, and who set it last (查看).

    \b
    Example:
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
    """Set one setting in the database (修改安全设置); admin only, recorded with who made the change.

    \b
    Example:
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
    """Show the public part of the installation's signing key (签名公钥); made on first use.

    Backups (export --all) are signed with this key; another installation restores them with
    `rectify restore FILE --trust PUBLIC_KEY`.

    \b
    Example:
      rectify keys
    """
    from rectify.store.keys import installation_key

    key = installation_key(app.database().url, app.config.security.key_file)
    click.echo(key.public)
    say(f"私钥文件：{key.path}")
