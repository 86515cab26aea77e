"""Backups that restore and cannot be forged (issue 26): every value the product writes restores (a sweep's
measure items too), the manifest is signed with the installation key, and a tampered file writes nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from click.testing import CliRunner, Result

from rectify.cli import cli
from rectify.config import Config
from rectify.notifications.scheduler import ReminderService
from rectify.store import Database, open_database
from rectify.store.outbox import SqlOutboxStore

from .conftest import DEMO_ADMIN, NOW, FakeClock, snapshot
from .test_backup import empty_url  # noqa: F401  (the fixture)


def _cli(url: str, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, ["--db", url, *args], catch_exceptions=False,
                              env={"RECTIFY_NOW": NOW.isoformat(), "RECTIFY_CONFIG": "", **(env or {})})


def _swept_demo(db: Database, clock: FakeClock) -> None:
    from rectify.demo.demo import build_demo

    build_demo(db, Config(), date(2026, 6, 30))
    clock.set_day("2026-06-30")

    def no_mail() -> None:
        raise AssertionError("a sweep sends nothing")

    result = ReminderService(SqlOutboxStore(db), Config(), clock, no_mail).sweep(date(2026, 6, 30))
    assert result.new_items > 0


def test_backup_after_a_sweep_restores(db: Database, run: Callable[..., Result], clock: FakeClock,
                                       empty_url: str, tmp_path: Path) -> None:  # noqa: F811
    _swept_demo(db, clock)
    path = tmp_path / "backup.jsonl"
    result = run("--actor", DEMO_ADMIN, "export", "--all", str(path))
    assert result.exit_code == 0, result.output
    assert '"stage": "measure#' in path.read_text(encoding="utf-8")
    restored = _cli(empty_url, "--actor", DEMO_ADMIN, "restore", str(path))
    assert restored.exit_code == 0, restored.output
    target = open_database(empty_url)
    try:
        assert snapshot(target) == snapshot(db)
    finally:
        target.dispose()
