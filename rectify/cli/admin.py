"""Setting up: the schema (``init``) and the demo county (``demo``)."""

from __future__ import annotations

from datetime import date

import click

from rectify.cli.common import DATE, App, pass_app, say
from rectify.cli.ledger import print_ledger


@click.command()
@pass_app
def init(app: App) -> None:
    """建立或升级数据库结构（建库/升级）。

    数据库结构较旧时，其他命令一律拒绝，直到用本命令升级。

    \b
    示例：
      rectify --db /srv/rectify/county.sqlite init
    """
    from rectify.store import describe, upgrade

    db = app.database(create=True, check=False)
    before, after = upgrade(db)
    if before == after:
        say(f"数据库 {describe(db.url)} 已是最新结构（{after}）")
    elif before is None:
        say(f"已创建数据库 {describe(db.url)}（结构版本 {after}）")
    else:
        say(f"已将数据库 {describe(db.url)} 从结构版本 {before} 升级到 {after}")


@click.command()
@click.option("--as-of", type=DATE, help="演示数据及其台账的截至日期（默认：今天）。")
@pass_app
def demo(app: App, as_of: date | None) -> None:
    """在数据库中建立演示县（青山县）并打印其限期转化台账。

    重建只替换演示县自己的组织（编号 QS…）及其整顿对象；数据库中有其他内容（其他组织、演示以外的登记人员）
    时拒绝重建。

    \b
    示例：
      rectify demo --as-of 2026-06-30
    """
    from rectify.demo.demo import OFFICERS, TOWNSHIP_LEADERS, build_demo
    from rectify.demo.demo_data import DEMO_PASSWORD
    from rectify.store import upgrade

    as_of = as_of or app.today()
    db = app.database(create=True, check=False)
    upgrade(db)
    n = build_demo(db, app.config, as_of, actor=app.actor)
    say(f"演示县 青山县：已建立 {n} 个整顿对象（截至 {as_of}）")
    print_ledger(app, as_of)
    say(f"演示县已登记各角色人员；请以其身份继续，如 rectify --actor {OFFICERS[0].name} case show 33"
        f"（县委组织部经办人），"
        f"rectify --actor {OFFICERS[0].name} people list 查看全部人员；"
        f"网页端：rectify serve，以登录名 {OFFICERS[0].login}（县）或 {TOWNSHIP_LEADERS['河口镇'].login}（乡镇）等、"
        f"密码 {DEMO_PASSWORD} 登录")


@click.command()
@click.option("--until", type=DATE, help="保存到此日之前（含）的各月末（默认：今天）；不能晚于今天。")
@pass_app
def snapshot(app: App, until: date | None) -> None:
    """按月末保存各整顿对象的状态，供回溯查询（--as-of）。

    只为当月有记录的整顿对象保存，从其上一个月末状态接着折算；已保存的不重复保存。月末状态是由历史记录推算的
    派生数据：补录早于某月末的记录时自动作废该对象此后的月末状态，缺少时回溯查询从头折算，结果相同，只是较慢。
    定时提醒服务（rectify scheduler start）运行时每月自动保存；不运行定时服务的，宜每月初运行一次（如由 cron）。

    \b
    示例：
      rectify snapshot
      rectify snapshot --until 2026-06-30
    """
    from rectify.errors import BadInput
    from rectify.reports.month_end import fill, last_month_end

    today = app.today()
    until = until or today
    if until > today:
        raise BadInput(f"--until {until} 晚于今天（{today}）：月末状态只能保存到今天为止")
    db = app.database()
    n = fill(db, app.config, until)
    say(f"已保存 {n} 个月末状态（截至 {last_month_end(until)}）")
