"""One TOML file (SPEC §11); every key optional, every value with a default, secrets from the environment."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class ConfigError(Exception):
    """A configuration file that cannot be read or holds a wrong value."""


@dataclass(frozen=True)
class DatabaseConfig:
    url: str = ""


@dataclass(frozen=True)
class PolicyConfig:
    timezone: str = "Asia/Shanghai"
    default_deadline: str | int = "year_end"
    min_deadline_days: int = 180
    ledger_due_days: int = 15
    secretary_due_days: int = 30
    verify_due_days: int = 30
    reminder_offsets: tuple[int, ...] = (14, 7, 3, 1)
    overdue_repeat_days: int = 7
    escalate_after_days: int = 14
    progress_report_days: int = 30


@dataclass(frozen=True)
class LightsConfig:
    yellow: float = 0.30
    orange: float = 0.15


@dataclass(frozen=True)
class VerificationConfig:
    pass_score: int = 70
    max_dissatisfied_share: float = 0.5


@dataclass(frozen=True)
class SmtpConfig:
    host: str = "localhost"
    port: int = 25
    security: str = "none"
    user: str = ""
    sender: str = "rectify <rectify@localhost>"
    timeout_seconds: float = 30
    max_attempts: int = 8

    @property
    def password(self) -> str:
        return os.environ.get("RECTIFY_SMTP_PASSWORD", "")


@dataclass(frozen=True)
class SchedulerConfig:
    sweep_at: str = "08:30"
    drain_every_minutes: int = 5


@dataclass(frozen=True)
class SupervisorsConfig:
    county: tuple[str, ...] = ()
    city: tuple[str, ...] = ()


@dataclass(frozen=True)
class TemplatesConfig:
    folder: str = ""


@dataclass(frozen=True)
class ReportConfig:
    """Who fills in and signs the ledger and the statistics form; the sender of notices."""

    unit: str = ""  # 填报单位 / sender, e.g. 中共青山县委组织部
    preparer: str = ""  # 填报人
    reviewer: str = ""  # 审核人
    phone: str = ""  # 联系电话
    plan_title: str = ""  # the county's 工作方案 named in notices
    poor_village_label: str = "建档立卡贫困村"


@dataclass(frozen=True)
class SecurityConfig:
    require_registered_actor: bool = True  # once anyone is registered, unknown actors are refused
    actor_from_database: bool = False  # PostgreSQL: the actor is the person whose login is current_user


@dataclass(frozen=True)
class CalendarConfig:
    alarm_days: int = 7  # VALARM this many days before each date in the .ics export (0: none)


@dataclass(frozen=True)
class Config:
    database: DatabaseConfig = field(default_factory=DatabaseConfig)
    policy: PolicyConfig = field(default_factory=PolicyConfig)
    lights: LightsConfig = field(default_factory=LightsConfig)
    verification: VerificationConfig = field(default_factory=VerificationConfig)
    smtp: SmtpConfig = field(default_factory=SmtpConfig)
    scheduler: SchedulerConfig = field(default_factory=SchedulerConfig)
    supervisors: SupervisorsConfig = field(default_factory=SupervisorsConfig)
    templates: TemplatesConfig = field(default_factory=TemplatesConfig)
    report: ReportConfig = field(default_factory=ReportConfig)
    security: SecurityConfig = field(default_factory=SecurityConfig)
    calendar: CalendarConfig = field(default_factory=CalendarConfig)


def _number_expected(default: Any, value: Any) -> bool:
    return isinstance(default, bool) or (
        not isinstance(default, str) and isinstance(default, int | float)
        and (isinstance(value, bool) or not isinstance(value, int | float)))


def _check_policy(policy: PolicyConfig) -> None:
    dd = policy.default_deadline
    if not (dd == "year_end" or (isinstance(dd, int) and not isinstance(dd, bool) and dd > 0)):
        raise ConfigError(f"配置项 [policy] default_deadline 应为 \"year_end\" 或天数，现为 {dd!r}")
    if any((not isinstance(o, int)) or o <= 0 for o in policy.reminder_offsets):
        raise ConfigError("配置项 [policy] reminder_offsets 应为正整数列表")
    for name in ("min_deadline_days", "ledger_due_days", "secretary_due_days", "verify_due_days",
                 "overdue_repeat_days", "escalate_after_days", "progress_report_days"):
        if getattr(policy, name) < 1:
            raise ConfigError(f"配置项 [policy] {name} 应为正整数，现为 {getattr(policy, name)}")
    try:
        ZoneInfo(policy.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"配置项 [policy] timezone 不是有效的时区：{policy.timezone}（如 Asia/Shanghai）") from None


def _check_lights(lights: LightsConfig) -> None:
    if not 0 < lights.orange < lights.yellow < 1:
        raise ConfigError("配置项 [lights] 应满足 0 < orange < yellow < 1")


def _check_verification(verification: VerificationConfig) -> None:
    if not 0 <= verification.pass_score <= 100:
        raise ConfigError("配置项 [verification] pass_score 应在 0–100 之间")


def _check_smtp(smtp: SmtpConfig) -> None:
    if smtp.security not in ("none", "starttls", "ssl"):
        raise ConfigError("配置项 [smtp] security 应为 none、starttls 或 ssl")
    if not 1 <= smtp.port <= 65535:
        raise ConfigError(f"配置项 [smtp] port 应在 1–65535 之间，现为 {smtp.port}")
    if smtp.timeout_seconds <= 0 or smtp.max_attempts < 1:
        raise ConfigError("配置项 [smtp] timeout_seconds 应大于 0，max_attempts 至少为 1")


def _check_scheduler(scheduler: SchedulerConfig) -> None:
    if not re.fullmatch(r"([01]?\d|2[0-3]):[0-5]\d", scheduler.sweep_at):
        raise ConfigError(f"配置项 [scheduler] sweep_at 应为 HH:MM（如 08:30），现为 {scheduler.sweep_at!r}")
    if scheduler.drain_every_minutes < 1:
        raise ConfigError("配置项 [scheduler] drain_every_minutes 应为正整数")


def _check_calendar(calendar: CalendarConfig) -> None:
    if not 0 <= calendar.alarm_days <= 365:
        raise ConfigError(f"配置项 [calendar] alarm_days 应在 0–365 之间，现为 {calendar.alarm_days}")


def _check_templates(templates: TemplatesConfig) -> None:
    folder = templates.folder
    if folder and not Path(folder).expanduser().is_dir():
        raise ConfigError(f"配置项 [templates] folder 指向的目录不存在：{folder}")


# The value rules of each section, run once on the section as read (types are checked while reading).
_CHECKS: dict[str, Callable[[Any], None]] = {
    "policy": _check_policy,
    "lights": _check_lights,
    "verification": _check_verification,
    "smtp": _check_smtp,
    "scheduler": _check_scheduler,
    "templates": _check_templates,
    "calendar": _check_calendar,
}


def _read_section(section: str, cls: type, raw: dict[str, Any]) -> Any:
    """The section's dataclass from its TOML table: known keys, right types, then the section's rules."""
    known = {f.name for f in fields(cls)}
    defaults = cls()
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in known:
            raise ConfigError(f"配置文件中 [{section}] 没有 {key} 这一项")
        default = getattr(defaults, key)
        if isinstance(default, bool):
            if not isinstance(value, bool):
                raise ConfigError(f"配置项 [{section}] {key} 应为 true 或 false，现为 {value!r}")
        elif isinstance(default, tuple):
            if not isinstance(value, list):
                raise ConfigError(f"配置项 [{section}] {key} 应为列表")
            value = tuple(value)
        elif _number_expected(default, value):
            raise ConfigError(f"配置项 [{section}] {key} 应为数字，现为 {value!r}")
        elif isinstance(default, float):
            value = float(value)
        values[key] = value
    result = cls(**values)
    if values and section in _CHECKS:
        _CHECKS[section](result)
    return result


def validate(config: Config) -> Config:
    """Applies every section's rules to a configuration built in code (a file is checked as it is read)."""
    for f in fields(Config):
        check = _CHECKS.get(f.name)
        if check is not None:
            check(getattr(config, f.name))
    return config


def load_config(path: str | os.PathLike[str] | None) -> Config:
    """Read the TOML file at ``path``; ``None`` gives the defaults."""
    if not path:
        return Config()
    p = Path(path)
    try:
        raw = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"找不到配置文件 {p}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"无法读取配置文件 {p}：{exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"配置文件 {p} 格式错误：{exc}") from None
    sections: dict[str, Any] = {}
    for f in fields(Config):
        section_raw = raw.pop(f.name, {})
        if not isinstance(section_raw, dict):
            raise ConfigError(f"配置文件中 [{f.name}] 应为一节")
        cls = f.default_factory  # type: ignore[misc]
        assert is_dataclass(cls)
        sections[f.name] = _read_section(f.name, cls, section_raw)  # type: ignore[arg-type]
    if raw:
        raise ConfigError(f"配置文件中有未知的节：{', '.join(sorted(raw))}")
    return Config(**sections)
