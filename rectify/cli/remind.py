"""Reminders, the outbox and the scheduler daemon: ``rectify remind | outbox | scheduler``."""

from __future__ import annotations

from datetime import date
from typing import Any

import click

from rectify.cli.common import DATE, App, LabelledChoice, pass_app, say, whole
from rectify.cli.listing import emit, output_options


def _reminder_service(app: App) -> Any:
    from rectify.demo.demo_data import with_demo_report
    from rectify.notifications.scheduler import ReminderService, smtp_factory
    from rectify.store.outbox import SqlOutboxStore

    db = app.database()
    config = with_demo_report(db, app.config)  # the demo county signs as 中共青山县委组织部, with a phone
    return ReminderService(SqlOutboxStore(db), config, app.clock(), smtp_factory(config))


def _light_dry_run(app: App) -> Any:
    """The dry run's service on the light read path (:mod:`rectify.store.light_outbox`: sqlite3, no SQLAlchemy) when
    it can take it — a SQLite file at this schema, no other channel and no 报送 reminders configured — else None."""
    config = app.config
    if config.reporting.remind_from:
        return None
    from rectify.notifications.channels.plan import configured

    if configured(config) or (light := app.light()) is None:
        return None
    from rectify.notifications.scheduler import ReminderService, smtp_factory
    from rectify.store.light_outbox import LightOutboxStore, demo_only

    if not config.report.unit.strip() and demo_only(light):  # as with_demo_report
        from dataclasses import replace

        from rectify.demo.demo_data import DEMO_REPORT

        config = replace(config, report=DEMO_REPORT)
    # a dry run asks the store only to read (reading, previewing, get_state): what LightOutboxStore has
    return ReminderService(LightOutboxStore(light), config, app.clock(), smtp_factory(config))  # type: ignore[arg-type]


# notifications.labels.STATUS_LABELS, written out: importing rectify.notifications would slow --help
STATUS = LabelledChoice({"pending": "待发送", "sending": "发送中", "sent": "已发送", "failed": "发送失败"})


@click.group()
def remind() -> None:
    """到期提醒、逾期预警（remind）：按邮件等渠道发送，只发一次。"""


@remind.command("run")
@click.option("--as-of", type=DATE, help="扫描的日期（默认：[policy] timezone 时区的今天）。")
@click.option("--dry-run", is_flag=True, help="试运行：打印将要发送的摘要，不记录、不发送。")
@pass_app
def remind_run(app: App, as_of: date | None, dry_run: bool) -> None:
    """提醒扫描并发送：找出到期事项，给每人发一封摘要，只发一次——供 cron 使用。

    每条未完成的整改措施也在到期前和逾期时提醒其责任人，抄送县委组织部经办人（邮件的回复地址也是经办人）。
    同一天再次运行不会重发；未能发送的邮件留在发件箱，由下次运行或定时提醒服务重试。
    设置了 [reporting] remind_from 时，逾期未报送的县也提醒其县委组织部经办人，每县每期一次（逾期未报提醒）。

    \b
    示例：
      rectify remind run
      rectify remind run --as-of 2026/6/30 --dry-run
      30 8 * * *  rectify --config /etc/rectify.toml remind run -q     （crontab：只在出错时发邮件）
    """
    shown = []

    def show(d: dict[str, Any]) -> None:  # each digest printed as it is rendered, not held to the end
        if dry_run:  # one write a digest
            shown.append(True)
            click.echo(f"=== 收件人：{d['recipient_name'] or ''} <{d['recipient']}>（{d['items']} 项）\n"
                       f"主题：{d['subject']}\n{d['body_text']}")

    if dry_run and (result := _light_sweep(app, as_of, show, shown)) is not None:
        _said_dry(result)
        return
    service = _reminder_service(app)
    result = service.sweep(as_of, dry_run=dry_run, on_digest=show)
    if dry_run:
        _said_dry(result)
        return
    say(f"提醒扫描 {result.as_of}：{result.cases} 个候选整顿对象，新记录 {result.new_items} 项提醒、"
        f"{len(result.digests)} 封摘要" + (f"（其中 {result.failed} 封无法生成或投递）" if result.failed else ""))
    if result.reports is not None:
        _say_reports(result.reports)
    _drain(app, service, result.failed)


def _light_sweep(app: App, as_of: date | None, show: Any, shown: list[bool]) -> Any:
    """The dry run on the light read path, or None: not for it (or a driver error before anything was shown)."""
    service = _light_dry_run(app)
    if service is None:
        return None
    from rectify.store.light import NotLight

    try:
        return service.sweep(as_of, dry_run=True, on_digest=show)
    except NotLight:
        if shown:  # a driver error after some digests were printed: not run again
            raise
        return None


def _said_dry(result: Any) -> None:
    say(f"试运行 {result.as_of}：{result.cases} 个候选整顿对象，将发送 {len(result.digests)} 封摘要"
        f"（{result.new_items} 项提醒）；未记录、未发送")


def _say_reports(reports: Any) -> None:
    """The 报送 part of the sweep: how many county periods are late, how many officers were told now."""
    late = "、".join(f"{x.county} {x.period.label}" for x in reports.late[:5])
    more = f"等 {len(reports.late)} 期" if len(reports.late) > 5 else ""
    say(f"报送提醒：逾期未报 {len(reports.late)} 期" + (f"（{late}{more}）" if late else "")
        + f"，新记录 {len(reports.digests)} 封提醒"
        + (f"；无人可提醒（未登记有联系方式的县委组织部经办人）：{'、'.join(reports.unreached)}"
           if reports.unreached else ""))


def _drain(app: App, service: Any, failed: int) -> None:
    """Sends what the sweep recorded and says how it went, by channel."""
    from rectify.notifications.mailer import MailServerProblem

    try:
        sent = service.drain()
    except MailServerProblem as exc:
        raise MailServerProblem(f"{exc}；未发送的邮件留在发件箱，下次运行时重发") from None
    channels = _by_channel(sent.by_channel)
    say(f"已发送 {sent.sent} 封摘要" + (f"（{channels}）" if set(sent.by_channel) - {"email"} else "")
        + (f"，{sent.retrying} 封稍后重试" if sent.retrying else "")
               + (f"，{sent.failed} 封放弃发送" if sent.failed else ""))
    _refuse_unsent(app, sent, failed)


def _refuse_unsent(app: App, sent: Any, failed_at_sweep: int) -> None:
    """Exit non-zero while anything is unsent: digests to retry, failed ones, or held under a lease."""
    if sent.held:
        from zoneinfo import ZoneInfo

        until = sent.held_until.astimezone(ZoneInfo(app.config.policy.timezone)).strftime("%Y-%m-%d %H:%M")
        raise click.ClickException(
            f"{sent.held} 封摘要正由另一进程发送（或上次发送中断），租约到 {until} 为止；"
            "到期后下次运行重发（rectify outbox list --status sending 查看）")
    unsent = sent.retrying + sent.failed + failed_at_sweep
    if unsent:
        raise click.ClickException(f"{unsent} 封摘要未能发送（rectify outbox list 查看原因）")


@click.group()
def outbox() -> None:
    """发件箱（outbox）：已记录、已发送或发送失败的提醒摘要。"""


def _by_channel(counts: dict[str, int]) -> str:
    from rectify.notifications.labels import CHANNEL_LABELS

    return "、".join(f"{label} {counts[c]}" for c, label in CHANNEL_LABELS.items() if c in counts)


@outbox.command("list")
@click.option("--status", type=STATUS, help=f"只列这一状态的发送记录：{STATUS.pairs()}。")
@output_options(("table", "json"))
@pass_app
def outbox_list(app: App, status: str | None, fmt: str) -> None:
    """发件箱列表：各条提醒的发送渠道和状态，时间按 [policy] timezone 显示。

    渠道：邮件 email、企业微信群 wecom_robot、企业微信 wecom_app、钉钉群 dingtalk_robot、短信 sms。

    \b
    示例：
      rectify outbox list --status 发送失败
      rectify outbox list --format json
    """
    from datetime import datetime

    from rectify.cli.common import reader
    from rectify.clock import local_time

    rows = app.service.outbox(reader(app), status)
    zone = app.config.policy.timezone
    if fmt != "json":
        from rectify.notifications.labels import CHANNEL_LABELS
        from rectify.notifications.labels import STATUS_LABELS as labels
        for r in rows:
            r["status"] = labels.get(r["status"], r["status"])
            r["channel"] = CHANNEL_LABELS.get(r["channel"], r["channel"])
            when = r["sent_at"] or r["next_attempt_at"]
            r["when"] = local_time(datetime.fromisoformat(when), zone).strftime("%Y-%m-%d %H:%M") if when else ""
    emit(rows, [("id", "编号"), ("status", "状态"), ("channel", "渠道"), ("recipient", "收件人"),
                ("sweep_date", "扫描日期"), ("items", "提醒项"), ("attempts", "尝试次数"), ("when", f"时间（{zone}）"),
                ("last_error", "错误")], fmt)


@outbox.command("retry")
@click.argument("digest_id", metavar="ID", type=whole(1, 2**31 - 1))
@pass_app
def outbox_retry(app: App, digest_id: int) -> None:
    """重新发送：把一条发送失败的记录（邮件、群机器人摘要、应用消息、短信）重新排队。

    下次运行或发送时重发；同一次扫描的其他记录不受影响。

    \b
    示例：
      rectify outbox retry 17
    """
    from rectify.cli.common import reader

    app.service.retry_outbox(reader(app), digest_id)
    say(f"发送记录 {digest_id} 已重新排队，下次发送时重发")


@click.group()
def scheduler() -> None:
    """定时提醒服务（scheduler，APScheduler）。"""


@scheduler.command("start")
@pass_app
def scheduler_start(app: App) -> None:
    """启动定时提醒服务：每天在 [scheduler] sweep_at 扫描，并持续发送发件箱，直到停止（Ctrl-C / SIGTERM）。

    服务停止期间错过了当天的扫描的，启动时补做一次。启动时及每月第一次扫描后，保存上月末各整顿对象的状态
    （同 rectify snapshot），回溯查询（--as-of）因此不必另设定时任务。

    \b
    示例：
      rectify --config /etc/rectify.toml scheduler start
    """
    from rectify.notifications.scheduler import Daemon
    from rectify.reports.month_end import fill

    daemon = Daemon(_reminder_service(app), app.config, log=lambda line: click.echo(line, err=True),
                    month_end=lambda day: fill(app.database(), app.config, day))
    daemon.start()
