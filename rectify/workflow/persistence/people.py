"""The statements of the people registry (SPEC §12)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from rectify.workflow.persistence.tables import people_t

_BY_KEY = sa.select(people_t).where(
    sa.or_(people_t.c.name == sa.bindparam("key"), people_t.c.login == sa.bindparam("key")))


def find_person(conn: Connection, key: str) -> sa.Row[Any] | None:
    """The person named ``key``, or whose login is ``key`` (a name wins over another's login)."""
    rows = conn.execute(_BY_KEY, {"key": key}).all()
    for row in rows:
        if row.name == key:
            return row
    return rows[0] if rows else None


def count_registered(conn: Connection) -> int:
    return int(conn.execute(sa.select(sa.func.count()).select_from(people_t)
                            .where(people_t.c.registered.is_(True))).scalar_one())


def insert_person(conn: Connection, *, name: str, role: str, unit: str = "", scope: str = "", email: str = "",
                  phone: str = "", login: str | None = None, registered: bool = True,
                  now: datetime) -> int:
    result = conn.execute(sa.insert(people_t).values(
        name=name, role=role, unit=unit, scope=scope, email=email, phone=phone, login=login or None,
        registered=registered, active=True, created_at=now))
    pk = result.inserted_primary_key
    assert pk is not None
    return int(pk[0])


def list_people(conn: Connection) -> list[sa.Row[Any]]:
    return list(conn.execute(sa.select(people_t).order_by(people_t.c.id)))
