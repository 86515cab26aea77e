"""Security settings (SPEC §12, revised): stored in the database and set by an admin, each change a signed
event; a configuration file may only make them stricter.

An officer can point ``RECTIFY_CONFIG`` at a file of their own, so the file is never the word on who may act:
the effective value of each setting is the stricter of the database's (its built-in default until an admin
sets it) and the file's. Any registered admin may tighten a setting; loosening one, which every county
feels, is for an admin whose scope is every county (``*``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from rectify.clock import Clock, system_clock
from rectify.config import SecurityConfig
from rectify.errors import BadInput, Refused
from rectify.states.permissions import Actor
from rectify.states.roles import Role
from rectify.store import Database, translate_errors
from rectify.store.security import read_settings, security_history, write_setting

__all__ = ["SETTINGS", "Setting", "effective_security", "security_rows", "set_security"]

_TRUE, _FALSE = ("true", "1", "yes", "on", "是"), ("false", "0", "no", "off", "否")


@dataclass(frozen=True)
class Setting:
    label: str
    default: bool
    postgres_only: bool = False

    def parse(self, key: str, text: str) -> bool:
        raw = text.strip().lower()
        if raw in _TRUE:
            return True
        if raw in _FALSE:
            return False
        raise BadInput(f"安全设置 {key} 的值应为 true 或 false，收到 {text!r}")


# True is the stricter value of each: a file may turn a setting on, never off.
SETTINGS: dict[str, Setting] = {
    "require_registered_actor": Setting("已登记人员后，拒绝未登记的操作人", True),
    "actor_from_database": Setting("PostgreSQL：以数据库登录角色确定操作人，--actor 不再可用", False,
                                   postgres_only=True),
}


def _text(value: bool) -> str:
    return "true" if value else "false"


def stored_values(db: Database) -> dict[str, bool]:
    """The database's word on each setting: what an admin set, else the built-in default."""
    with db.connect() as conn:
        stored = read_settings(conn)
    return {key: (s.parse(key, stored[key]) if key in stored else s.default) for key, s in SETTINGS.items()}


def effective_security(db: Database, config: SecurityConfig) -> SecurityConfig:
    """The settings in force: the stricter of the database's and the configuration file's, key by key."""
    stored = stored_values(db)
    values: dict[str, Any] = {key: stored[key] or bool(getattr(config, key)) for key in SETTINGS}
    return replace(config, **values)


def security_rows(db: Database, config: SecurityConfig) -> list[dict[str, Any]]:
    """Each setting: the database's value, the file's, the one in force and who set it last."""
    stored = stored_values(db)
    with db.connect() as conn:
        history = security_history(conn)
    last = {e.name: e for e in history}
    rows = []
    for key, s in SETTINGS.items():
        file_value = bool(getattr(config, key))
        event = last.get(key)
        rows.append({"key": key, "label": s.label, "database": _text(stored[key]), "config": _text(file_value),
                     "effective": _text(stored[key] or file_value),
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
    if old and not new and actor.counties:
        raise Refused(f"{actor.who}的范围是 {actor.scope_text}，不能放宽安全设置 {key}（它适用于全部县）："
                      "放宽须由范围为 *（全部县）的系统管理员办理")
    with translate_errors(db.url), db.begin() as conn:
        write_setting(conn, name=key, value=_text(new), previous=_text(old), actor=actor.name, actor_unit=actor.unit,
                      operator=operator, now=clock())
    return _text(old), _text(new)
