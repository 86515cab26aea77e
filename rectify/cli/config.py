"""The configuration file: ``rectify config init | show``."""

from __future__ import annotations

import json
import re
from pathlib import Path

import click

from rectify.cli.common import App, OutputError, pass_app, say, write_output

MASK = "******"

_ORIGINS = {"option": "--config / RECTIFY_CONFIG", "user": "用户配置目录", "system": "系统配置"}


@click.group("config")
def config_group() -> None:
    """配置文件（config）：写出带注释的样例，显示生效的配置。

    查找顺序：--config / RECTIFY_CONFIG；用户配置目录中的 rectify.toml（Linux 为 ~/.config/rectify/）；
    /etc/rectify/rectify.toml。都没有时用内置默认值。
    """


@config_group.command("init")
@click.option("-o", "--output", type=click.Path(dir_okay=False), metavar="FILE",
              help="样例写到哪里；- 为标准输出。默认：用户配置目录中的 rectify.toml。")
@click.option("--force", is_flag=True, help="覆盖已有文件。")
def config_init(output: str | None, force: bool) -> None:
    """配置示例：写出带注释的配置样例，每一项都是默认值。

    已有的文件保留不动，除非给出 --force。

    \b
    示例：
      rectify config init                       ~/.config/rectify/rectify.toml
      rectify config init -o /etc/rectify/rectify.toml
      rectify config init -o - | less
    """
    from rectify.config import sample_toml, user_config_file

    text = sample_toml()
    if output == "-":
        click.echo(text, nl=False)
        return
    target = Path(output) if output else user_config_file()
    if target.exists() and not force:
        raise click.ClickException(f"配置文件 {target} 已存在，未覆盖（加 --force 覆盖）")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"无法创建目录 {target.parent}：{exc.strerror}") from None
    write_output(str(target), "toml", lambda fh: fh.write(text))
    say(f"已写入配置示例 {target}（每一项均为默认值，按需修改；rectify config show 查看生效的值）")


def _masked_url(url: str) -> str:
    return re.sub(r"(://[^:/@]*:)[^@/]*@", rf"\g<1>{MASK}@", url)


@config_group.command("show")
@click.option("--format", "fmt", type=click.Choice(["toml", "json"]), default="toml", show_default=True,
              help="toml（可直接使用的文件）或 json（稳定的英文键）。")
@pass_app
def config_show(app: App, fmt: str) -> None:
    """生效的配置：用的是哪个文件，以及每一项的值。

    设置了 SMTP 密码（RECTIFY_SMTP_PASSWORD）时显示为 ******，[database] url 中的密码也隐去。

    \b
    示例：
      rectify config show
      rectify --config /etc/rectify/rectify.toml config show --format json
    """
    from dataclasses import replace

    from rectify.config import as_dict, find_config, to_toml

    path, origin = find_config(app.config_path)
    config = app.config
    config = replace(config, database=replace(config.database, url=_masked_url(config.database.url)))
    password = MASK if config.smtp.password else ""
    if fmt == "json":
        values = as_dict(config)
        values["smtp"]["password"] = password
        click.echo(json.dumps({"file": str(path) if path else None, "source": origin, "config": values},
                              ensure_ascii=False, indent=2))
        return
    if path is None:
        from rectify.config import SYSTEM_CONFIG, user_config_file

        click.echo(f"# 未找到配置文件（已查找 {user_config_file()}、{SYSTEM_CONFIG}），以下为内置默认值")
    else:
        click.echo(f"# 生效的配置文件：{path}（{_ORIGINS[origin]}）")
    note = f'# password = "{MASK}"  （来自环境变量 RECTIFY_SMTP_PASSWORD）' if password else \
        "# password 未设置（环境变量 RECTIFY_SMTP_PASSWORD）"
    click.echo(to_toml(config, extra={"smtp": [note]}), nl=False)
