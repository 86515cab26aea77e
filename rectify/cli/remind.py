"""Reminders, the outbox and the scheduler daemon: ``rectify remind | outbox | scheduler``."""

from __future__ import annotations

from datetime import date
from typing import Any

import click

from rectify.cli.common import DATE, App, pass_app, say, whole
from rectify.cli.listing import emit, output_options


def _reminder_service(app: App) -> Any:
    from rectify.demo.demo import with_demo_report
    from rectify.notifications.scheduler import ReminderService, smtp_factory
    from rectify.store.outbox import SqlOutboxStore

    db = app.database()
    config = with_demo_report(db, app.config)  # the demo county signs as 中共青山县委组织部, with a phone
    return ReminderService(SqlOutboxStore(db), config, app.clock(), smtp_factory(config))


@click.group()
def remind() -> None:
    """Deadline reminders and overdue alerts (到期提醒、逾期预警), sent by e-mail once."""


@remind.command("run")
@click.option("--as-of", type=DATE, help="Date the sweep is for (default: today in Asia/Shanghai).")
@click.option("--dry-run", is_flag=True, help="Print the digests that would be sent; record and send nothing.")
@pass_app
def remind_run(app: App, as_of: date | None, dry_run: bool) -> None:
    """Sweep for what is due and send each person one digest (提醒扫描并发送), once — for cron.

    Each open measure (整改措施) also reminds its 责任人 before its due date and when it is overdue,
    copied to the officer in charge. Running it again the same day sends nothing new; mail that
    could not be sent stays in the outbox (发件箱) and is retried by the next run or the scheduler.

    \b
    Example:
      rectify remind run
      rectify remind run --as-of 2026/6/30 --dry-run
      30 8 * * *  rectify --config /etc/rectify.toml remind run -q     (crontab: mail only on errors)
    """
    service = _reminder_service(app)

    def show(d: dict[str, Any]) -> None:  # each digest printed as it is rendered, not held to the end
        if dry_run:  # one write a digest
            click.echo(f"=== 收件人：{d['recipient_name'] or ''} <{d['recipient']}>（{d['items']} 项）\n"
                       f"主题：{d['subject']}\n{d['body_text']}")

    result = service.sweep(as_of, dry_run=dry_run, on_digest=show)
    if dry_run:
        say(f"试运行 {result.as_of}：{result.cases} 个候选整顿对象，将发送 {len(result.digests)} 封摘要"
                   f"（{result.new_items} 项提醒）；未记录、未发送")
        return
    say(f"提醒扫描 {result.as_of}：{result.cases} 个候选整顿对象，新记录 {result.new_items} 项提醒、"
        f"{len(result.digests)} 封摘要" + (f"（其中 {result.failed} 封无法生成或投递）" if result.failed else ""))
    _drain(app, service, result.failed)


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
    """The outbox of reminder digests (发件箱): what was recorded, sent, or failed."""


def _by_channel(counts: dict[str, int]) -> str:
    from rectify.notifications.labels import CHANNEL_LABELS

    return "、".join(f"{label} {counts[c]}" for c, label in CHANNEL_LABELS.items() if c in counts)


@outbox.command("list")
@click.option("--status", type=click.Choice(["pending", "sending", "sent", "failed"]),
              help="Only deliveries in this status.")
@output_options(("table", "json"))
@pass_app
def outbox_list(app: App, status: str | None, fmt: str) -> None:
    """List reminder deliveries with their channel and status (发件箱列表).

    Channels (渠道): 邮件 email, 企业微信群 wecom_robot, 企业微信 wecom_app, 钉钉群 dingtalk_robot, 短信 sms.

    \b
    Example:
      rectify outbox list --status failed
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
            r["status"] = f"{labels[r['status']]} {r['status']}"
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
    """Put one failed delivery back in the queue (重新发送): an e-mail, a robot's digest, a message, an SMS.

    The next run or drain sends it; the other deliveries of its sweep are not touched.

    \b
    Example:
      rectify outbox retry 17
    """
    from rectify.notifications.outbox import retry
    from rectify.store.outbox import SqlOutboxStore

    retry(SqlOutboxStore(app.database()), digest_id, now=app.clock()())
    say(f"发送记录 {digest_id} 已重新排队，下次发送时重发")


@click.group()
def scheduler() -> None:
    """The reminder scheduler daemon (定时提醒服务, APScheduler)."""


@scheduler.command("start")
@pass_app
def scheduler_start(app: App) -> None:
    """Run the daily sweep at [scheduler] sweep_at and drain the outbox until stopped (Ctrl-C / SIGTERM).

    If today's sweep was missed while the daemon was down, it runs once on start.

    \b
    Example:
      rectify --config /etc/rectify.toml scheduler start
    """
    from rectify.notifications.scheduler import Daemon

    daemon = Daemon(_reminder_service(app), app.config, log=lambda line: click.echo(line, err=True))
    daemon.start()
