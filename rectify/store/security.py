"""The statements of the security settings (SPEC §12): the values an admin set, and their history."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from rectify.store import schema

setting_t: Any = schema.security_setting
security_event_t: Any = schema.security_event

_OWNER = sa.text("SELECT pg_has_role(current_user, t.tableowner, 'USAGE') FROM pg_tables t "
                 "WHERE t.tablename = 'case_event' AND t.schemaname = current_schema()")


SETTINGS = sa.select(setting_t.c.name, setting_t.c.value)


def read_settings(conn: Connection) -> dict[str, str]:
    """Every setting an admin set, by name (a missing name keeps the built-in default)."""
    return {row.name: row.value for row in conn.execute(SETTINGS)}


def write_setting(conn: Connection, *, name: str, value: str, previous: str, actor: str, actor_unit: str,
                  operator: str, now: datetime) -> None:
    """Sets ``name`` and appends the change (from ``previous``, the value in the database's word) to the history."""
    old = conn.execute(sa.select(setting_t.c.value).where(setting_t.c.name == name)).scalar()
    if old is None:
        conn.execute(sa.insert(setting_t).values(name=name, value=value, updated_at=now, updated_by=actor))
    else:
        conn.execute(sa.update(setting_t).where(setting_t.c.name == name)
                     .values(value=value, updated_at=now, updated_by=actor))
    conn.execute(sa.insert(security_event_t).values(at=now, actor=actor, actor_unit=actor_unit, operator=operator,
                                                    name=name, old_value=previous, new_value=value))


def security_history(conn: Connection) -> list[sa.Row[Any]]:
    return list(conn.execute(sa.select(security_event_t).order_by(security_event_t.c.id)))


def is_application_role(conn: Connection) -> bool:
    """PostgreSQL: whether this session's role owns the schema (the application role the web app and the
    operators hold, or a superuser); a per-officer role does not."""
    return bool(conn.execute(_OWNER).scalar())


def database_clock(db: Any) -> Callable[[], datetime]:
    """A clock that asks the database server (its ``statement_timestamp()``), which no client sets."""

    def now() -> datetime:
        with db.connect() as conn:
            return conn.execute(sa.select(sa.func.statement_timestamp())).scalar_one()  # type: ignore[no-any-return]

    return now
