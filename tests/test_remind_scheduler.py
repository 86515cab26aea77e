"""The scheduler: catch-up of a missed sweep with a fake clock, job set-up, clean stop on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from apscheduler.schedulers.background import BackgroundScheduler

from rectify.errors import Refused
from rectify.notifications.mailer import MemoryMailer
from rectify.notifications.outbox import last_sweep_date, list_outbox
from rectify.notifications.scheduler import Daemon, ReminderService
from rectify.store import Database
from rectify.store.outbox import SqlOutboxStore
from rectify.write.engine import Workflow

from .conftest import ACTOR, FakeClock
from .remind_helpers import build_county, county_config, write_config

AFTER_SWEEP = datetime(2026, 12, 24, 2, 0, tzinfo=UTC)  # 10:00 Asia/Shanghai, after the 08:30 sweep
BEFORE_SWEEP = datetime(2026, 12, 23, 23, 0, tzinfo=UTC)  # 07:00 Asia/Shanghai


def daemon(db: Database, clock: FakeClock, mailer: MemoryMailer, lines: list[str]) -> Daemon:
    service = ReminderService(SqlOutboxStore(db), county_config(), clock, lambda: mailer)
    return Daemon(service, county_config(), log=lines.append)


def test_started_past_a_missed_sweep_it_runs_once(db: Database, wf: Workflow, clock: FakeClock) -> None:
    build_county(wf, clock)
    clock.now = AFTER_SWEEP
    mailer, lines = MemoryMailer(), []
    d = daemon(db, clock, mailer, lines)
    sched = BackgroundScheduler(timezone="Asia/Shanghai")
    d.start(sched)
    try:
        assert len(mailer.sent) == 6
        assert last_sweep_date(SqlOutboxStore(db)).isoformat() == "2026-12-24"  # type: ignore[union-attr]
        assert any("2026-12-24 的提醒扫描未运行，补做一次" in line for line in lines)
        assert any("提醒扫描 2026-12-24" in line for line in lines)
    finally:
        d.stop()
    # Restarted the same day: no second catch-up, nothing sent again.
    lines2: list[str] = []
    d2 = daemon(db, clock, mailer, lines2)
    sched2 = BackgroundScheduler(timezone="Asia/Shanghai")
    d2.start(sched2)
    d2.stop()
    assert len(mailer.sent) == 6 and not any("补做" in line for line in lines2)
    assert len(list_outbox(SqlOutboxStore(db))) == 6


def test_no_catch_up_before_the_sweep_time(db: Database, wf: Workflow, clock: FakeClock) -> None:
    build_county(wf, clock)
    clock.now = BEFORE_SWEEP
    d = daemon(db, clock, MemoryMailer(), [])
    assert d.missed_sweep() is None and d.catch_up() is False
    clock.now = AFTER_SWEEP
    assert d.missed_sweep() is not None and d.catch_up() is True
    assert d.catch_up() is False


def test_jobs_run_daily_in_shanghai_and_coalesce(db: Database, clock: FakeClock) -> None:
    d = daemon(db, clock, MemoryMailer(), [])
    sched = BackgroundScheduler(timezone="Asia/Shanghai")
    d.configure(sched)
    sweep, drain = sched.get_job("sweep"), sched.get_job("drain")
    assert sweep.coalesce and drain.coalesce
    assert sweep.misfire_grace_time == 6 * 3600 and sweep.max_instances == 1
    fire = sweep.trigger.get_next_fire_time(None, AFTER_SWEEP)
    assert fire.isoformat() == "2026-12-25T08:30:00+08:00"
    assert drain.trigger.interval.total_seconds() == 300


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_cli_scheduler_catches_up_and_stops_on_sigterm(
    db_url: str, db: Database, wf: Workflow, clock: FakeClock, tmp_path: Path
) -> None:
    from .remind_helpers import start_server

    build_county(wf, clock)
    server = start_server()
    try:
        cfg = write_config(tmp_path / "c.toml", server.port)
        env = {**os.environ, "RECTIFY_NOW": AFTER_SWEEP.isoformat(), "RECTIFY_CONFIG": str(cfg)}
        proc = subprocess.Popen(
            [sys.executable, "-m", "rectify.cli", "--db", db_url, "--actor", ACTOR, "scheduler", "start"],
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert proc.stderr is not None
        seen = []
        for line in proc.stderr:  # blocks until the daemon logs; no sleeping
            seen.append(line)
            if "发件箱：已发送" in line:
                break
        proc.send_signal(signal.SIGTERM)
        rest = proc.communicate(timeout=60)[1]
        assert proc.returncode == 0, seen + [rest]
        assert "收到信号 SIGTERM，调度器停止" in rest
        assert any("补做一次" in line for line in seen)
        assert len(server.sink.messages) == 6
    finally:
        server.controller.stop()


def test_two_schedulers_at_once_send_each_digest_once(
    db_url: str, db: Database, wf: Workflow, clock: FakeClock, tmp_path: Path
) -> None:
    """Two daemons on one database both find the missed sweep; the dedupe key and the claim keep it once."""
    from .remind_helpers import start_server

    build_county(wf, clock)
    server = start_server()
    procs: list[subprocess.Popen[str]] = []
    try:
        cfg = write_config(tmp_path / "c.toml", server.port)
        env = {**os.environ, "RECTIFY_NOW": AFTER_SWEEP.isoformat(), "RECTIFY_CONFIG": str(cfg)}
        cmd = [sys.executable, "-m", "rectify.cli", "--db", db_url, "--actor", ACTOR, "scheduler", "start"]
        procs = [subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE, text=True) for _ in range(2)]
        logs: list[list[str]] = []
        for proc in procs:
            assert proc.stderr is not None
            seen = []
            for line in proc.stderr:  # blocks until this daemon has done its start-up work; no sleeping
                seen.append(line)
                if "启动检查完成" in line:
                    break
            logs.append(seen)
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            proc.communicate(timeout=60)
            assert proc.returncode == 0
        recipients = sorted(to for _, tos in server.sink.envelopes for to in tos)
        assert len(recipients) == 6 and len(set(recipients)) == 6, logs
        ids = [m["Message-ID"] for m in server.sink.messages]
        assert len(ids) == len(set(ids)) == 6
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        server.controller.stop()


def test_the_daemon_saves_the_month_end_states_once_a_month(db: Database, wf: Workflow, clock: FakeClock) -> None:
    """At start-up and after the first sweep of a month the daemon saves the last month end's states (what
    ``rectify snapshot`` does), so past days stay fast without a cron job; the rest of the month it does not."""
    import sqlalchemy as sa

    from rectify.reports.month_end import fill
    from rectify.store.tables import snapshot_t

    build_county(wf, clock)
    clock.now = AFTER_SWEEP
    asked: list[date] = []

    def month_end(day: date) -> int:
        asked.append(day)
        return fill(db, county_config(), day)

    lines: list[str] = []
    service = ReminderService(SqlOutboxStore(db), county_config(), clock, MemoryMailer)
    d = Daemon(service, county_config(), log=lines.append, month_end=month_end)
    d.start(BackgroundScheduler(timezone="Asia/Shanghai"))
    d.stop()
    with db.connect() as conn:
        saved = conn.execute(sa.select(sa.func.count(), sa.func.max(snapshot_t.c.month_end))).one()
    assert asked == [date(2026, 12, 24)] and saved[0] > 0
    assert str(saved[1])[:10] == "2026-03-31"  # the cases' last records are in March: their states from then
    assert any(f"已保存 {saved[0]} 个月末状态（截至 2026-11-30）" in line for line in lines)
    d.sweep_job()  # the same month: nothing asked again
    assert asked == [date(2026, 12, 24)]
    clock.now = datetime(2027, 1, 4, 2, 0, tzinfo=UTC)
    d.sweep_job()  # the first sweep of January saves December's end
    assert asked == [date(2026, 12, 24), date(2027, 1, 4)]


def test_a_failed_month_end_save_is_logged_and_tried_at_the_next_sweep(
    db: Database, wf: Workflow, clock: FakeClock
) -> None:
    build_county(wf, clock)
    clock.now = AFTER_SWEEP
    tries: list[date] = []

    def month_end(day: date) -> int:
        tries.append(day)
        if len(tries) == 1:
            raise Refused("数据库正忙")
        return 0

    lines: list[str] = []
    service = ReminderService(SqlOutboxStore(db), county_config(), clock, MemoryMailer)
    d = Daemon(service, county_config(), log=lines.append, month_end=month_end)
    d.sweep_job()
    assert any("保存月末状态失败：数据库正忙" in line for line in lines)
    d.sweep_job()
    d.sweep_job()
    assert tries == [date(2026, 12, 24)] * 2  # tried again once, then saved: not a third time
    assert not any("已保存" in line for line in lines)  # nothing written: nothing said
