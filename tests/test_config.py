"""The TOML configuration of SPEC §11: defaults for every key, clear refusals for wrong values."""

from __future__ import annotations

from pathlib import Path

import pytest

from rectify.config import Config, ConfigError, load_config

FULL = """
[database]
url = ""
[policy]
timezone = "Asia/Shanghai"
default_deadline = "year_end"
min_deadline_days = 180
ledger_due_days = 15
secretary_due_days = 30
verify_due_days = 30
reminder_offsets = [14, 7, 3, 1]
overdue_repeat_days = 7
escalate_after_days = 14
progress_report_days = 30
[lights]
yellow = 0.30
orange = 0.15
[verification]
pass_score = 70
max_dissatisfied_share = 0.5
[smtp]
host = "localhost"
port = 25
security = "none"
user = ""
sender = "rectify <rectify@localhost>"
timeout_seconds = 30
max_attempts = 8
[scheduler]
sweep_at = "08:30"
drain_every_minutes = 5
[supervisors]
county = []
city = []
[templates]
folder = ""
"""


def test_the_documented_file_equals_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "rectify.toml"
    path.write_text(FULL, encoding="utf-8")
    assert load_config(path) == Config()
    assert load_config(None) == Config()


def test_values_are_read(tmp_path: Path) -> None:
    path = tmp_path / "rectify.toml"
    path.write_text('[policy]\ndefault_deadline = 365\nreminder_offsets = [10, 2]\n[lights]\nyellow = 0.4\n'
                    '[supervisors]\ncounty = ["zzb@example.cn"]\n[verification]\npass_score = 75\n', encoding="utf-8")
    cfg = load_config(path)
    assert cfg.policy.default_deadline == 365 and cfg.policy.reminder_offsets == (10, 2)
    assert cfg.lights.yellow == 0.4 and cfg.supervisors.county == ("zzb@example.cn",)
    assert cfg.verification.pass_score == 75


def test_smtp_password_only_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RECTIFY_SMTP_PASSWORD", "s3cret")
    assert Config().smtp.password == "s3cret"
    path = tmp_path / "rectify.toml"
    path.write_text('[smtp]\npassword = "inline"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[smtp\] 没有 password 这一项"):
        load_config(path)


@pytest.mark.parametrize(("text", "message"), [
    ("[policy\n", "格式错误"),
    ("[nonsense]\na = 1\n", "未知的节：nonsense"),
    ("[policy]\nledger_due_days = \"fifteen\"\n", "[policy] ledger_due_days 应为数字"),
    ("[policy]\ndefault_deadline = \"soon\"\n", "default_deadline 应为 \"year_end\" 或天数"),
    ("[policy]\nreminder_offsets = 7\n", "reminder_offsets 应为列表"),
    ("[policy]\nreminder_offsets = [7, -1]\n", "reminder_offsets 应为正整数列表"),
    ("[verification]\npass_score = 170\n", "pass_score 应在 0–100 之间"),
    ("[smtp]\nsecurity = \"tls\"\n", "security 应为 none、starttls 或 ssl"),
])
def test_wrong_values_are_refused(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "rectify.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert message in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="找不到配置文件"):
        load_config(tmp_path / "none.toml")
