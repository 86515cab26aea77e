"""The reminder service (sweep + drain) and the APScheduler daemon around it.

The daemon only calls the service; time comes from an injected clock, so the catch-up logic is
tested with a fake clock and no waiting. APScheduler 3.x is imported here only, never by the CLI at
start-up.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from rectify.clock import Clock
from rectify.config import Config
from rectify.errors import BadInput, RectifyError, Refused
from rectify.notifications.channels.registry import ChannelSet
from rectify.notifications.mailer import Mailer, MailServerProblem, SmtpMailer
from rectify.notifications.outbox import (
    DrainResult,
    SweepResult,
    drain,
    last_sweep_clock,
    last_sweep_date,
    run_sweep,
)
from rectify.notifications.render import Renderer
from rectify.notifications.store import OutboxStore

MISFIRE_GRACE_HOURS = 6


def parse_sweep_at(text: str) -> time:
    try:
        hh, mm = text.strip().split(":")
        return time(int(hh), int(mm))
    except ValueError:
        raise BadInput(f"配置项 [scheduler] sweep_at 应为 HH:MM，现为 {text!r}") from None


@dataclass
class ReminderService:
    store: OutboxStore
    config: Config
    clock: Clock
    mailer_factory: Callable[[], Mailer]
    channels: ChannelSet | None = None  # kept across drains: the access token cache, the robots' buckets

    def today(self) -> date:
        return self.clock().astimezone(ZoneInfo(self.config.policy.timezone)).date()

    def sweep(self, as_of: date | None = None, *, dry_run: bool = False,
              on_digest: Callable[[dict[str, Any]], None] | None = None) -> SweepResult:
        """``on_digest``: each digest as it is rendered (the result then keeps them without their text).

        A clock earlier than the last sweep (set back after it) is refused: it would record stale reminders."""
        if not dry_run:
            self.check_clock()
        renderer = Renderer(self.config.templates.folder, self.config.report)
        day, now = as_of or self.today(), self.clock()
        result = run_sweep(self.store, self.config, as_of=day, now=now, renderer=renderer, dry_run=dry_run,
                           on_digest=on_digest)
        if self.config.reporting.remind_from:  # 报送 reminders to the counties late with a report
            from rectify.notifications.reporting import run_report_sweep

            reports = run_report_sweep(self.store, self.config, as_of=day, now=now, dry_run=dry_run,  # type: ignore[arg-type]
                                       on_digest=on_digest)
            result.digests += reports.digests
            result.reports = reports
        return result

    def check_clock(self) -> None:
        """Refuses (one line, nothing recorded or sent) when today by the clock is before the day the clock said
        at the last recorded sweep (the sweep's own --as-of may be any date)."""
        at = last_sweep_clock(self.store)
        today = self.today()
        if at is not None and today < (last := at.astimezone(ZoneInfo(self.config.policy.timezone)).date()):
            raise Refused(f"时钟（{today}）早于上次提醒扫描时的日期 {last}，时钟可能被调回；本次未记录、未发送任何提醒")

    def drain(self) -> DrainResult:
        if self.channels is None:
            self.channels = ChannelSet(self.config)
        return drain(self.store, self.config, self.mailer_factory(), now=self.clock(), channels=self.channels)


def smtp_factory(config: Config) -> Callable[[], Mailer]:
    return lambda: SmtpMailer(config.smtp)


class Daemon:
    """A daily sweep at ``[scheduler] sweep_at`` (Asia/Shanghai) and a drain every few minutes.

    ``month_end``, when given, saves the month-end states up to a day (``rectify snapshot``) and returns how many
    it wrote; the daemon calls it once a month, at start-up and after the first sweep of each month, so past days
    (``--as-of``) stay fast without a cron job. The daemon never reads the cases itself: the caller supplies it."""

    def __init__(self, service: ReminderService, config: Config, *, log: Callable[[str], None],
                 month_end: Callable[[date], int] | None = None) -> None:
        self.service = service
        self.config = config
        self.log = log
        self.month_end = month_end
        self._month_end_for: date | None = None  # the first day of the month whose month-end states are saved
        self.sweep_at = parse_sweep_at(config.scheduler.sweep_at)
        if config.scheduler.drain_every_minutes < 1:
            raise BadInput("配置项 [scheduler] drain_every_minutes 应为正整数")
        self.tz = ZoneInfo(config.policy.timezone)
        self.scheduler: Any = None
        self._stop_requested = False

    def _stamp(self) -> str:
        return self.service.clock().astimezone(self.tz).strftime("%Y-%m-%d %H:%M:%S")

    def missed_sweep(self) -> date | None:
        """Today's date when today's sweep time has passed and no sweep has run for today."""
        now = self.service.clock().astimezone(self.tz)
        if now.time() < self.sweep_at:
            return None
        last = last_sweep_date(self.service.store)
        return now.date() if last is None or last < now.date() else None

    def catch_up(self) -> bool:
        day = self.missed_sweep()
        if day is None:
            return False
        self.log(f"[{self._stamp()}] 调度器启动时发现 {day} 的提醒扫描未运行，补做一次")
        self.sweep_job()
        return True

    def sweep_job(self) -> None:
        try:
            r = self.service.sweep(on_digest=_drop)
            self.log(
                f"[{self._stamp()}] 提醒扫描 {r.as_of}：{r.cases} 个候选整顿对象，{r.items} 项到期，"
                f"新记录 {r.new_items} 项、{len(r.digests)} 封摘要"
            )
        except RectifyError as exc:
            self.log(f"[{self._stamp()}] 提醒扫描失败：{exc}")
            return
        self.drain_job()
        self.month_end_job()

    def month_end_job(self) -> None:
        """Saves the states at the last month end once per month (a no-op the rest of the month); a failure is
        logged and tried again at the next sweep."""
        if self.month_end is None:
            return
        today = self.service.today()
        month = today.replace(day=1)
        if self._month_end_for == month:
            return
        try:
            written = self.month_end(today)
        except RectifyError as exc:
            self.log(f"[{self._stamp()}] 保存月末状态失败：{exc}")
            return
        self._month_end_for = month
        if written:
            self.log(f"[{self._stamp()}] 已保存 {written} 个月末状态（截至 {month - timedelta(days=1)}）")

    def drain_job(self) -> None:
        try:
            d = self.service.drain()
        except MailServerProblem as exc:
            self.log(f"[{self._stamp()}] 发送失败：{exc}（邮件留在发件箱，稍后重试）")
            return
        except RectifyError as exc:
            self.log(f"[{self._stamp()}] 发送失败：{exc}")
            return
        if d.sent or d.retrying or d.failed:
            self.log(
                f"[{self._stamp()}] 发件箱：已发送 {d.sent} 封，待重试 {d.retrying} 封，放弃 {d.failed} 封"
            )

    def configure(self, scheduler: Any) -> None:
        from apscheduler.triggers.cron import CronTrigger
        from apscheduler.triggers.interval import IntervalTrigger

        scheduler.add_job(
            self.sweep_job,
            CronTrigger(hour=self.sweep_at.hour, minute=self.sweep_at.minute, timezone=self.tz),
            id="sweep",
            name="提醒扫描",
            misfire_grace_time=MISFIRE_GRACE_HOURS * 3600,
            coalesce=True,
            max_instances=1,
            replace_existing=True,
        )
        scheduler.add_job(
            self.drain_job,
            IntervalTrigger(minutes=self.config.scheduler.drain_every_minutes, timezone=self.tz),
            id="drain",
            name="发件箱发送",
            misfire_grace_time=MISFIRE_GRACE_HOURS * 3600,
            coalesce=True,
            max_instances=1,
            replace_existing=True,
        )

    def start(self, scheduler: Any = None) -> None:
        """Catch up a missed sweep, then run the jobs until SIGINT/SIGTERM (or ``stop``)."""
        if scheduler is None:
            from apscheduler.schedulers.blocking import BlockingScheduler

            scheduler = BlockingScheduler(timezone=self.tz)
        self.scheduler = scheduler
        self.configure(scheduler)
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, self._on_signal)
        self.log(
            f"[{self._stamp()}] 调度器已启动：每天 {self.sweep_at:%H:%M}（{self.config.policy.timezone}）"
            "扫描，"
            f"每 {self.config.scheduler.drain_every_minutes} 分钟发送一次"
        )
        if not self.catch_up():
            self.drain_job()
            self.month_end_job()
        upcoming = next_sweep(self, self.service.clock())
        self.log(f"[{self._stamp()}] 启动检查完成，下次扫描 {upcoming:%Y-%m-%d %H:%M}")
        # A signal that came during the catch-up is honoured as soon as the scheduler runs.
        scheduler.add_job(
            self._stop_if_requested,
            "interval",
            seconds=1,
            id="stop-check",
            name="停止检查",
            coalesce=True,
            max_instances=1,
        )
        if not self._stop_requested:
            scheduler.start()

    def _stop_if_requested(self) -> None:
        if self._stop_requested:
            self.stop()

    def _on_signal(self, signum: int, _frame: Any) -> None:
        self.log(f"[{self._stamp()}] 收到信号 {signal.Signals(signum).name}，调度器停止")
        self.stop()

    def stop(self) -> None:
        self._stop_requested = True
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)


def next_sweep(daemon: Daemon, after: datetime) -> datetime:
    """When the daily sweep fires next after ``after`` (for the start-up line and tests)."""
    local = after.astimezone(daemon.tz)
    at = datetime.combine(local.date(), daemon.sweep_at, tzinfo=daemon.tz)
    return at if at > local else at + timedelta(days=1)


def _drop(_digest: dict[str, Any]) -> None:
    """The daemon logs counts, not the digests' text: nothing to keep of each."""
