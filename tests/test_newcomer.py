"""A newcomer's path (issue 28): -q silences every confirmation, times as a person reads them, the test script's
servers stopped when the run is."""

from __future__ import annotations

import signal
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

from rectify.clock import local_time
from rectify.config import Config
from rectify.notifications.outbox import message_for

ROOT = Path(__file__).parent.parent


def test_quiet_people_add_and_disable(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    add = run("-q", "--actor", "新管理", "people", "add", "新管理", "--unit", "县委组织部", "--role", "admin",
              "--scope", "*")
    assert add.exit_code == 0, add.output
    assert (add.stdout, add.stderr) == ("", "")
    loud = run("--actor", "新管理", "people", "add", "新经办", "--unit", "县委组织部", "--role", "county_officer",
               "--scope", "青山县")
    assert loud.exit_code == 0 and loud.stdout == "" and loud.stderr.startswith("已登记人员 新经办")
    off = run("-q", "--actor", "新管理", "people", "disable", "新经办")
    assert off.exit_code == 0 and (off.stdout, off.stderr) == ("", "")


def test_mail_date_in_the_policy_timezone() -> None:
    row = SimpleNamespace(recipient="a@example.cn", recipient_name="甲", subject="提醒", body_text="x", body_html="<p>x</p>",
                          message_id="<m.1@example.cn>", created_at=datetime(2026, 6, 30, 1, 30))  # naive: UTC
    msg = message_for(row, Config(), datetime(2026, 6, 30, 2, 0, tzinfo=UTC))
    assert str(msg["Date"]).endswith("09:30:00 +0800")
    assert local_time(datetime(2026, 6, 30, 16, 0, tzinfo=UTC), "Asia/Shanghai").day == 1


def test_sigterm_is_the_runs_ctrl_c() -> None:
    """tests/conftest.py makes SIGTERM a KeyboardInterrupt, so the session's teardown stops PostgreSQL."""
    assert signal.getsignal(signal.SIGTERM) not in (signal.SIG_DFL, signal.SIG_IGN, None)
    script = (ROOT / "scripts" / "test.sh").read_text(encoding="utf-8")
    assert "trap 'interrupted 143' TERM" in script and "trap 'interrupted 130' INT" in script
    assert "RECTIFY_TEST_PG_LIST" in script and "RECTIFY_TEST_PG_LIST" in (ROOT / "tests" / "conftest.py").read_text()
