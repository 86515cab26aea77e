"""The statements of the people registry (SPEC §12)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from rectify import validation
from rectify.store.driver import hot
from rectify.store.tables import people_t

_BY_KEY = hot(sa.select(people_t).where(
    sa.or_(people_t.c.name == sa.bindparam("key"), people_t.c.login == sa.bindparam("key"))))
_FEW = 8  # up to this many names are looked up by a statement of their number, compiled once; more by an IN list
_NAMES_BY_KEYS: dict[int, Any] = {}  # how many names → the statement that looks them all up at once


def _names_by_keys(n: int) -> Any:
    """``name IN (?, …) OR login IN (?, …)`` for ``n`` names, with fixed binds so the driver compiles it once."""
    stmt = _NAMES_BY_KEYS.get(n)
    if stmt is None:
        keys: list[Any] = [sa.bindparam(f"k{i}") for i in range(n)]
        stmt = _NAMES_BY_KEYS[n] = hot(sa.select(people_t.c.name, people_t.c.login).where(
            sa.or_(people_t.c.name.in_(keys), people_t.c.login.in_(keys))))
    return stmt
_ADD_IF_NEW: dict[str, Any] = {}  # dialect → INSERT … ON CONFLICT (name) DO NOTHING, built on first use


def find_person(conn: Connection, key: str) -> sa.Row[Any] | None:
    """The person named ``key``, or whose login is ``key`` (a name wins over another's login)."""
    rows = conn.execute(_BY_KEY, {"key": key}).all()
    for row in rows:
        if row.name == key:
            return row
    return rows[0] if rows else None


REGISTERED = sa.select(sa.func.count()).select_from(people_t).where(people_t.c.registered.is_(True))


def count_registered(conn: Connection) -> int:
    return int(conn.execute(REGISTERED).scalar_one())


def insert_person(conn: Connection, *, name: str, role: str, unit: str = "", scope: str = "", email: str = "",
                  phone: str = "", login: str | None = None, registered: bool = True,
                  wecom_userid: str = "", dingtalk_userid: str = "", channels: str = "", now: datetime) -> int:
    values = dict(name=name, role=role, unit=unit, scope=scope, email=email, phone=phone, login=login or None,
                  wecom_userid=wecom_userid, dingtalk_userid=dingtalk_userid, channels=channels,
                  registered=registered, active=True, created_at=now)
    validation.row(people_t, values, where="人员")
    result = conn.execute(sa.insert(people_t).values(**values))
    pk = result.inserted_primary_key
    assert pk is not None
    return int(pk[0])


def list_people(conn: Connection) -> list[sa.Row[Any]]:
    return list(conn.execute(sa.select(people_t).order_by(people_t.c.id)))


def update_person(conn: Connection, person_id: int, **values: Any) -> None:
    validation.row(people_t, values, where="人员")
    conn.execute(sa.update(people_t).where(people_t.c.id == person_id).values(**values))


def set_active(conn: Connection, person_id: int, active: bool) -> None:
    conn.execute(sa.update(people_t).where(people_t.c.id == person_id).values(active=active))


def existing_names(conn: Connection, names: list[str]) -> set[str]:
    """Which of ``names`` (or logins) the registry already knows."""
    if not names:
        return set()
    if len(names) <= _FEW:
        found = list(conn.execute(_names_by_keys(len(names)), {f"k{i}": key for i, key in enumerate(names)}))
    else:
        found = list(conn.execute(sa.select(people_t.c.name, people_t.c.login).where(
            sa.or_(people_t.c.name.in_(names), people_t.c.login.in_(names)))))
    return {v for row in found for v in (row.name, row.login) if v}


def insert_people(conn: Connection, people: list[dict[str, Any]]) -> None:
    """Inserts the rows at once (an import: the caller checked every name and login first)."""
    validation.rows(people_t, people, where="人员")
    if people:
        conn.execute(sa.insert(people_t), people)


def insert_missing_people(conn: Connection, people: list[dict[str, Any]]) -> None:
    """Inserts each person whose name is not taken yet; a name another transaction just took is skipped.

    ``ON CONFLICT DO NOTHING`` on both backends, so a race on PostgreSQL does not abort the caller's
    transaction (the plan that names the person goes on).
    """
    if not people:
        return
    validation.rows(people_t, people, where="人员")
    dialect = conn.dialect.name
    stmt = _ADD_IF_NEW.get(dialect)
    if stmt is None:
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            stmt = pg_insert(people_t).on_conflict_do_nothing(index_elements=["name"])
        else:
            from sqlalchemy.dialects.sqlite import insert as sqlite_insert

            stmt = sqlite_insert(people_t).on_conflict_do_nothing(index_elements=["name"])
        _ADD_IF_NEW[dialect] = hot(stmt)
    conn.execute(stmt, people)
