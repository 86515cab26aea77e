"""The TOML configuration of SPEC §11: defaults for every key, clear refusals for wrong values."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import rectify.config
from rectify.cli import cli
from rectify.config import Config, ConfigError, PolicyConfig, load_config, sample_toml, validate

README = Path(__file__).parent.parent / "README.md"

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
monthly_report_day = 5
secretary_rule = "first_secretary"
first_secretary_term_years = 2
publicity_days = 5
consolidation_days = 365
look_back_after_days = [180, 365]
local_problem_types = {}
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
allow_plain_auth = false
[scheduler]
sweep_at = "08:30"
drain_every_minutes = 5
[supervisors]
county = []
city = []
[templates]
folder = ""
[report]
unit = ""
preparer = ""
reviewer = ""
phone = ""
plan_title = ""
poor_village_label = "脱贫村"
paper = "A4"
form_number = ""
form_authority = "中共中央组织部"
[security]
require_registered_actor = true
actor_from_database = false
[calendar]
alarm_days = 7
working_day_windows = ["publicity"]
roll_to_working_day = true
extra_days = ""
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


# Each refusal names its key in one line; the whole message is pinned.
@pytest.mark.parametrize(("text", "message"), [
    ("[smtp]\nhost = 5\n", "配置项 [smtp] host 应为文字（用引号括起），现为 5"),
    ("[smtp]\nport = 8025.5\n", "配置项 [smtp] port 应为数字（整数），现为 8025.5"),
    ("[smtp]\nport = 8025.0\n", "配置项 [smtp] port 应为数字（整数），现为 8025.0"),
    ("[smtp]\nport = \"25\"\n", "配置项 [smtp] port 应为数字（整数），现为 \"25\""),
    ("[smtp]\nport = 0\n", "配置项 [smtp] port 应在 1–65535 之间，现为 0"),
    ("[smtp]\ntimeout_seconds = 0\n", "配置项 [smtp] timeout_seconds 应大于 0，现为 0"),
    ("[smtp]\ntimeout_seconds = inf\n", "配置项 [smtp] timeout_seconds 应为数字，现为 inf"),
    ("[smtp]\nmax_attempts = 0\n", "配置项 [smtp] max_attempts 应为正整数，现为 0"),
    ("[smtp]\nsecurity = \"tls\"\n", "配置项 [smtp] security 应为 none、starttls 或 ssl，现为 \"tls\""),
    ("[smtp]\npassword = \"x\"\n", "配置文件中 [smtp] 没有 password 这一项"),
    ("[supervisors]\ncounty = [1, 2]\n", "配置项 [supervisors] county 应为文字列表，第 1 项为 1"),
    ("[supervisors]\ncity = \"a@b.cn\"\n", "配置项 [supervisors] city 应为列表，现为 \"a@b.cn\""),
    ("[policy]\ntimezone = 8\n", "配置项 [policy] timezone 应为文字（用引号括起），现为 8"),
    ("[policy]\ntimezone = \"Mars/Base\"\n", "配置项 [policy] timezone 不是有效的时区：Mars/Base（如 Asia/Shanghai）"),
    ("[policy]\nledger_due_days = \"15\"\n", "配置项 [policy] ledger_due_days 应为数字（整数），现为 \"15\""),
    ("[policy]\nledger_due_days = true\n", "配置项 [policy] ledger_due_days 应为数字（整数），现为 true"),
    ("[policy]\nledger_due_days = 0\n", "配置项 [policy] ledger_due_days 应为正整数，现为 0"),
    ("[policy]\ndefault_deadline = 5.5\n", "配置项 [policy] default_deadline 应为 \"year_end\" 或天数，现为 5.5"),
    ("[policy]\ndefault_deadline = 0\n", "配置项 [policy] default_deadline 应为 \"year_end\" 或天数，现为 0"),
    ("[policy]\nreminder_offsets = [7, \"3\"]\n", "配置项 [policy] reminder_offsets 应为正整数列表，第 2 项为 \"3\""),
    ("[policy]\nwhatever = 1\n", "配置文件中 [policy] 没有 whatever 这一项"),
    ("policy = 5\n", "配置文件中 [policy] 应为一节（[policy] 开头的一组配置项），现为 5"),
    ("[nonsense]\n[other]\n", "配置文件中有未知的节：nonsense, other"),
    ("[security]\nrequire_registered_actor = 1\n",
     "配置项 [security] require_registered_actor 应为 true 或 false，现为 1"),
    ("[verification]\npass_score = true\n", "配置项 [verification] pass_score 应为数字（整数），现为 true"),
    ("[verification]\nmax_dissatisfied_share = 1.5\n", "配置项 [verification] max_dissatisfied_share 应在 0–1 之间，现为 1.5"),
    ("[lights]\nyellow = \"0.3\"\n", "配置项 [lights] yellow 应为数字，现为 \"0.3\""),
    ("[lights]\nyellow = 0.1\norange = 0.2\n", "配置项 [lights] 应满足 0 < orange < yellow < 1"),
    ("[scheduler]\nsweep_at = 08:30:00\n", "配置项 [scheduler] sweep_at 应为文字（用引号括起），现为 08:30:00"),
    ("[scheduler]\nsweep_at = \"8.30\"\n", "配置项 [scheduler] sweep_at 应为 HH:MM（如 08:30），现为 \"8.30\""),
    ("[scheduler]\ndrain_every_minutes = 0\n", "配置项 [scheduler] drain_every_minutes 应为正整数，现为 0"),
    ("[calendar]\nalarm_days = 400\n", "配置项 [calendar] alarm_days 应在 0–365 之间，现为 400"),
    ("[report]\nunit = [\"县委组织部\"]\n", "配置项 [report] unit 应为文字（用引号括起），现为 [\"县委组织部\"]"),
    ("[database]\nurl = 5\n", "配置项 [database] url 应为文字（用引号括起），现为 5"),
])
def test_each_refusal_is_one_line_naming_the_key(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "rectify.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value) == message
    result = CliRunner().invoke(cli, ["--config", str(path), "--db", str(tmp_path / "x.sqlite"), "case", "list"])
    assert result.exit_code == 2
    assert result.stderr == f"错误：{message}\n" and result.stdout == ""
    assert not (tmp_path / "x.sqlite").exists()


def test_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "rectify.toml"
    path.write_text("[smtp]\nhost = \n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"格式错误（第 2 行第 8 列，不是有效的 TOML"):
        load_config(path)


def test_strict_values_keep_their_type(tmp_path: Path) -> None:
    path = tmp_path / "rectify.toml"
    path.write_text("[smtp]\ntimeout_seconds = 5\n[policy]\ndefault_deadline = 200\n", encoding="utf-8")
    cfg = load_config(path)
    assert cfg.smtp.timeout_seconds == 5.0 and isinstance(cfg.smtp.timeout_seconds, float)
    assert cfg.policy.default_deadline == 200
    with pytest.raises(AttributeError):
        cfg.smtp.host = "x"  # type: ignore[misc]


def test_validate_applies_the_file_rules_to_code() -> None:
    assert validate(Config()) == Config()
    with pytest.raises(ConfigError, match=r"^配置项 \[policy\] ledger_due_days 应为正整数，现为 0$"):
        validate(Config(policy=PolicyConfig(ledger_due_days=0)))


def test_the_sample_has_every_key_at_its_default_with_a_comment(tmp_path: Path) -> None:
    path = tmp_path / "rectify.toml"
    path.write_text(sample_toml(), encoding="utf-8")
    assert load_config(path) == Config()
    lines = [line for line in sample_toml().splitlines() if line and not line.startswith(("#", "["))]
    assert len(lines) == sum(len(v) for v in rectify.config.as_dict(Config()).values())
    assert all(" # " in line for line in lines)


# -- where the file is looked for ------------------------------------------------------------------


@pytest.fixture
def homes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """A temporary user config directory (XDG_CONFIG_HOME) and system file; RECTIFY_CONFIG unset."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("RECTIFY_CONFIG", raising=False)
    monkeypatch.delenv("RECTIFY_SMTP_PASSWORD", raising=False)
    system = tmp_path / "etc" / "rectify.toml"
    monkeypatch.setattr(rectify.config, "SYSTEM_CONFIG", system)
    return tmp_path / "xdg" / "rectify" / "rectify.toml", system


def _show(*args: str, fmt: str = "toml", env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, [*args, "config", "show", "--format", fmt], env=env)
    return result.exit_code, result.stdout, result.stderr


def test_default_location_order(homes: tuple[Path, Path], tmp_path: Path) -> None:
    user, system = homes
    code, out, _ = _show()
    assert code == 0 and out.startswith(f"# 未找到配置文件（已查找 {user}、{system}），以下为内置默认值\n")
    system.parent.mkdir()
    system.write_text("[smtp]\nhost = \"system.example.cn\"\n", encoding="utf-8")
    code, out, _ = _show()
    assert out.startswith(f"# 生效的配置文件：{system}（系统配置）\n") and 'host = "system.example.cn"' in out
    user.parent.mkdir(parents=True)
    user.write_text("[smtp]\nhost = \"user.example.cn\"\n", encoding="utf-8")
    code, out, _ = _show()
    assert out.startswith(f"# 生效的配置文件：{user}（用户配置目录）\n") and 'host = "user.example.cn"' in out
    explicit = tmp_path / "explicit.toml"
    explicit.write_text("[smtp]\nhost = \"option.example.cn\"\n", encoding="utf-8")
    for args, env in (((), {"RECTIFY_CONFIG": str(explicit)}), (("--config", str(explicit)), None)):
        code, out, _ = _show(*args, env=env)
        assert out.startswith(f"# 生效的配置文件：{explicit}（--config / RECTIFY_CONFIG）\n")
        assert 'host = "option.example.cn"' in out


def test_a_bad_default_file_is_refused_like_any_other(homes: tuple[Path, Path], tmp_path: Path) -> None:
    user, _ = homes
    user.parent.mkdir(parents=True)
    user.write_text("[smtp]\nport = 8025.5\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "x.sqlite"), "case", "list"])
    assert (result.exit_code, result.stderr) == (2, "错误：配置项 [smtp] port 应为数字（整数），现为 8025.5\n")


def test_config_show_values_and_json(homes: tuple[Path, Path], tmp_path: Path) -> None:
    path = tmp_path / "rectify.toml"
    path.write_text("[smtp]\nport = 465\nsecurity = \"ssl\"\n[supervisors]\ncounty = [\"zzb@qingshan.gov.cn\"]\n",
                    encoding="utf-8")
    code, out, _ = _show("--config", str(path), fmt="json")
    assert code == 0
    data = json.loads(out)
    assert data["file"] == str(path) and data["source"] == "option"
    assert data["config"]["smtp"] == {"host": "localhost", "port": 465, "security": "ssl", "user": "",
                                      "sender": "rectify <rectify@localhost>", "timeout_seconds": 30,
                                      "max_attempts": 8, "allow_plain_auth": False, "password": ""}
    assert data["config"]["supervisors"]["county"] == ["zzb@qingshan.gov.cn"]
    assert set(data["config"]) == set(rectify.config.SECTIONS)
    code, out, _ = _show("--config", str(path))
    shown = tmp_path / "shown.toml"
    shown.write_text(out, encoding="utf-8")
    assert load_config(shown) == load_config(path)  # what show prints is a file that gives the same values
    assert "# password 未设置（环境变量 RECTIFY_SMTP_PASSWORD）" in out


def test_config_show_masks_the_passwords(homes: tuple[Path, Path], tmp_path: Path) -> None:
    path = tmp_path / "rectify.toml"
    path.write_text('[database]\nurl = "postgresql://rectify:dbsecret@db.example.cn/rectify"\n', encoding="utf-8")
    env = {"RECTIFY_SMTP_PASSWORD": "s3cret"}
    _, out, _ = _show("--config", str(path), env=env)
    assert '# password = "******"  （来自环境变量 RECTIFY_SMTP_PASSWORD）' in out
    assert 'url = "postgresql://rectify:******@db.example.cn/rectify"' in out
    _, out_json, _ = _show("--config", str(path), fmt="json", env=env)
    data = json.loads(out_json)["config"]
    assert data["smtp"]["password"] == "******"
    assert data["database"]["url"] == "postgresql://rectify:******@db.example.cn/rectify"
    for text in (out, out_json):
        assert "s3cret" not in text and "dbsecret" not in text


# -- config init -----------------------------------------------------------------------------------


def test_config_init_writes_the_sample_to_the_user_directory(homes: tuple[Path, Path]) -> None:
    user, _ = homes
    result = CliRunner().invoke(cli, ["config", "init"])
    assert result.exit_code == 0 and result.stdout == ""
    assert result.stderr.startswith(f"已写入配置示例 {user}")
    assert user.read_text(encoding="utf-8") == sample_toml()
    code, out, _ = _show()
    assert out.startswith(f"# 生效的配置文件：{user}（用户配置目录）")


def test_config_init_never_overwrites_without_force(homes: tuple[Path, Path], tmp_path: Path) -> None:
    target = tmp_path / "mine.toml"
    target.write_text("[smtp]\nport = \"broken\"\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(target), "config", "init", "-o", str(target)])
    assert (result.exit_code, result.stderr) == (1, f"错误：配置文件 {target} 已存在，未覆盖（加 --force 覆盖）\n")
    assert target.read_text(encoding="utf-8") == "[smtp]\nport = \"broken\"\n"
    # a broken file in effect does not stop init --force from replacing it
    result = CliRunner().invoke(cli, ["--config", str(target), "config", "init", "-o", str(target), "--force"])
    assert result.exit_code == 0 and load_config(target) == Config()


def test_config_init_to_stdout_and_unwritable_target(homes: tuple[Path, Path], tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["config", "init", "-o", "-"])
    assert result.exit_code == 0 and result.stdout == sample_toml()
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    result = CliRunner().invoke(cli, ["config", "init", "-o", str(blocker / "rectify.toml")])
    assert result.exit_code == 2 and result.stderr.startswith(f"错误：无法创建目录 {blocker}")
    assert not homes[0].exists()


# -- README ----------------------------------------------------------------------------------------


def test_the_readme_sample_is_a_valid_configuration(tmp_path: Path) -> None:
    section = README.read_text(encoding="utf-8").split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```toml\n(.*?)```", section, re.S)
    assert blocks, "the README's Configuration section shows a sample file"
    path = tmp_path / "rectify.toml"
    path.write_text(blocks[0], encoding="utf-8")
    cfg = load_config(path)
    assert cfg.smtp.security in ("ssl", "starttls") and cfg.smtp.port in (465, 587)
    assert cfg.smtp.sender == "青山县委组织部 <zzb@qingshan.gov.cn>"


def test_shell_completion_loads_lazy_commands() -> None:
    env = {**os.environ, "_RECTIFY_COMPLETE": "bash_complete", "COMP_WORDS": "rectify con", "COMP_CWORD": "1"}
    done = subprocess.run([sys.executable, "-c", "from rectify.cli import main; main()"], env=env,
                          capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["plain,config"]
    env |= {"COMP_WORDS": "rectify config show --format ", "COMP_CWORD": "4"}
    done = subprocess.run([sys.executable, "-c", "from rectify.cli import main; main()"], env=env,
                          capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["plain,toml", "plain,json"]
