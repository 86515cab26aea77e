"""The database session's own identity: on PostgreSQL, the role the operator gave the officer (SPEC §12)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from rectify.store.tables import people_t

_CURRENT_USER: sa.Select[Any] = sa.select(sa.literal_column("current_user"))


def session_user(conn: Connection) -> str:
    """The role this PostgreSQL session logged in as (``SELECT current_user``)."""
    return str(conn.execute(_CURRENT_USER).scalar_one())


def person_by_login(conn: Connection, login: str) -> sa.Row[Any] | None:
    """The registered person whose login is ``login`` (never matched by name: a role names one login)."""
    return conn.execute(sa.select(people_t).where(people_t.c.login == login)).one_or_none()
