"""Security settings (SPEC §12, revised): stored in the database and set by an admin, each change a signed
event; a configuration file may only make them stricter.

An officer can point ``RECTIFY_CONFIG`` at a file of their own, so the file is never the word on who may act:
the effective value of each setting is the stricter of the database's (its built-in default until an admin
sets it) and the file's. Any registered admin may tighten a setting; loosening one, which every county
feels, is for an admin whose scope is every county (``*``).

The web's password and session rules are settings too (``min_password_length``, ``session_idle_minutes``, …): the
web reads them from the database (:func:`web_security`); ``[web]`` in a file may only tighten them (0 there: the
database decides).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from rectify.clock import Clock, system_clock
from rectify.config import Config, SecurityConfig
from rectify.errors import BadInput, Refused
from rectify.states.permissions import Actor
from rectify.states.roles import Role
from rectify.store import Database, translate_errors
from rectify.store.security import read_settings, security_history, write_setting

__all__ = ["SETTINGS", "Setting", "WebSecurity", "effective_security", "security_rows", "set_security",
           "web_security"]

_TRUE, _FALSE = ("true", "1", "yes", "on", "是"), ("false", "0", "no", "off", "否")
Value = bool | int


@dataclass(frozen=True)
class Setting:
    """One setting: a switch (True the stricter), or a number within ``low``–``high`` (``higher`` the stricter,
    or the lower when ``higher`` is False)."""

    label: str
    default: Value
    postgres_only: bool = False
    low: int | None = None
    high: int | None = None
    higher: bool = True

    @property
    def numeric(self) -> bool:
        return self.low is not None

    def parse(self, key: str, text: str) -> Value:
        raw = text.strip().lower()
        if self.numeric:
            assert self.low is not None and self.high is not None
            if not raw.isdigit() or not self.low <= int(raw) <= self.high:
                raise BadInput(f"安全设置 {key} 的值应为 {self.low}–{self.high} 的整数，收到 {text!r}")
            return int(raw)
        if raw in _TRUE:
            return True
        if raw in _FALSE:
            return False
        raise BadInput(f"安全设置 {key} 的值应为 true 或 false，收到 {text!r}")

    def stricter(self, a: Value, b: Value) -> Value:
        if not self.numeric:
            return bool(a) or bool(b)
        return max(a, b) if self.higher else min(a, b)

    def loosens(self, old: Value, new: Value) -> bool:
        return self.stricter(old, new) != new


# True is the stricter value of each switch: a file may turn a setting on, never off.
SETTINGS: dict[str, Setting] = {
    "require_registered_actor": Setting("已登记人员后，拒绝未登记的操作人", True),
    "actor_from_database": Setting("PostgreSQL：以数据库登录角色确定操作人，--actor 不再可用", False,
                                   postgres_only=True),
    "min_password_length": Setting("网页登录密码最短长度（字符）", 10, low=8, high=128),
    "min_password_classes": Setting("密码至少含几类字符（小写字母、大写字母、数字、其他符号）", 1, low=1, high=4),
    "sign_in_free_failures": Setting("连续登录失败几次后开始等待（登录名和来源地址各自计算）", 5, low=1, high=20,
                                     higher=False),
    "sign_in_max_wait_minutes": Setting("登录等待最长分钟数（从 1 分钟起，每多失败一次加倍）", 60, low=1, high=1440),
    "session_idle_minutes": Setting("网页多少分钟无操作即退出登录", 30, low=1, high=1440, higher=False),
    "session_max_hours": Setting("网页登录后最长多少小时须重新登录", 12, low=1, high=168, higher=False),
}
_SWITCHES = tuple(k for k, s in SETTINGS.items() if not s.numeric)  # the keys of [security]


@dataclass(frozen=True)
class WebSecurity:
    """The web's password, sign-in and session rules in force (the database's, tightened by ``[web]``)."""

    min_password_length: int = 10
    min_password_classes: int = 1
    sign_in_free_failures: int = 5
    sign_in_max_wait_minutes: int = 60
    session_idle_minutes: int = 30
    session_max_hours: int = 12


def _file_value(config: Config | SecurityConfig, key: str) -> Value | None:
    """The file's word on ``key``: [security]'s switches, [web]'s numbers (None: the file says nothing)."""
    if key in _SWITCHES:
        section = config.security if isinstance(config, Config) else config
        return bool(getattr(section, key))
    if not isinstance(config, Config):
        return None
    value = getattr(config.web, key, 0)
    return int(value) if value else None


def _text(value: Value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def stored_values(db: Database) -> dict[str, Value]:
    """The database's word on each setting: what an admin set, else the built-in default."""
    with db.connect() as conn:
        stored = read_settings(conn)
    return {key: (s.parse(key, stored[key]) if key in stored else s.default) for key, s in SETTINGS.items()}


def _in_force(stored: dict[str, Value], config: Config | SecurityConfig) -> dict[str, Value]:
    out = {}
    for key, s in SETTINGS.items():
        file_value = _file_value(config, key)
        out[key] = stored[key] if file_value is None else s.stricter(stored[key], file_value)
    return out


def effective_security(db: Database, config: SecurityConfig) -> SecurityConfig:
    """The settings in force: the stricter of the database's and the configuration file's, key by key."""
    stored = stored_values(db)
    values: dict[str, Any] = {key: bool(stored[key]) or bool(getattr(config, key)) for key in _SWITCHES}
    return replace(config, **values)


def web_security(db: Database, config: Config) -> WebSecurity:
    """The web's password, sign-in and session rules in force: the database's, tightened by ``[web]``."""
    values = _in_force(stored_values(db), config)
    return WebSecurity(**{key: int(values[key]) for key in WebSecurity.__dataclass_fields__})


def security_rows(db: Database, config: Config | SecurityConfig) -> list[dict[str, Any]]:
    """Each setting: the database's value, the file's, the one in force and who set it last."""
    stored = stored_values(db)
    effective = _in_force(stored, config)
    with db.connect() as conn:
        history = security_history(conn)
    last = {e.name: e for e in history}
    rows = []
    for key, s in SETTINGS.items():
        file_value = _file_value(config, key)
        event = last.get(key)
        rows.append({"key": key, "label": s.label, "database": _text(stored[key]),
                     "config": "" if file_value is None else _text(file_value), "effective": _text(effective[key]),
                     "set_by": f"{event.actor_unit} {event.actor}".strip() if event else "",
                     "operator": event.operator if event else "",
                     "set_at": event.at.isoformat() if event else ""})
    return rows


def set_security(db: Database, actor: Actor, key: str, value: str, *, operator: str = "",
                 clock: Clock = system_clock) -> tuple[str, str]:
    """Sets one setting as ``actor`` (an active registered admin); returns (old, new) values as text."""
    setting = SETTINGS.get(key)
    if setting is None:
        raise BadInput(f"未知的安全设置 {key}（应为 {'、'.join(SETTINGS)}）")
    new = setting.parse(key, value)
    if actor.role != Role.admin:
        raise Refused(f"{actor.who}不能修改安全设置：只有系统管理员可以修改")
    if setting.postgres_only and new and db.dialect != "postgresql":
        raise Refused(f"安全设置 {key} 只适用于 PostgreSQL，当前数据库是 {db.dialect}")
    old = stored_values(db)[key]
    if setting.loosens(old, new) and actor.counties:
        raise Refused(f"{actor.who}的范围是 {actor.scope_text}，不能放宽安全设置 {key}（它适用于全部县）："
                      "放宽须由范围为 *（全部县）的系统管理员办理")
    with translate_errors(db.url), db.begin() as conn:
        write_setting(conn, name=key, value=_text(new), previous=_text(old), actor=actor.name, actor_unit=actor.unit,
                      operator=operator, now=clock())
    return _text(old), _text(new)
