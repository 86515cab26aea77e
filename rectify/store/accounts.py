"""The statements of web sign-in (SPEC §13): password hashes, the must-change mark, calendar tokens, and the log
of sign-in attempts the back-off counts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from rectify.store.tables import people_t, sign_in_t

_BY_LOGIN = sa.select(people_t).where(people_t.c.login == sa.bindparam("login"))
_BY_ID = sa.select(people_t).where(people_t.c.id == sa.bindparam("id"))
_BY_TOKEN = sa.select(people_t).where(people_t.c.calendar_token == sa.bindparam("token"))
_LOG = sa.insert(sign_in_t)


def person_by_login(conn: Connection, login: str) -> sa.Row[Any] | None:
    return conn.execute(_BY_LOGIN, {"login": login}).one_or_none()


def person_by_id(conn: Connection, person_id: int) -> sa.Row[Any] | None:
    return conn.execute(_BY_ID, {"id": person_id}).one_or_none()


def person_by_calendar_token(conn: Connection, token: str) -> sa.Row[Any] | None:
    return conn.execute(_BY_TOKEN, {"token": token}).one_or_none()


def set_password_hash(conn: Connection, person_id: int, password_hash: str, *, must_change: bool) -> None:
    conn.execute(sa.update(people_t).where(people_t.c.id == person_id)
                 .values(password_hash=password_hash, must_change=must_change))


def set_calendar_token(conn: Connection, person_id: int, token: str | None) -> None:
    conn.execute(sa.update(people_t).where(people_t.c.id == person_id).values(calendar_token=token))


def log_sign_in(conn: Connection, *, login: str, address: str, at: datetime, ok: bool) -> None:
    conn.execute(_LOG, {"login": login[:100], "address": address[:64], "at": at, "ok": ok})


def failures(conn: Connection, key: str, value: str, since: datetime) -> tuple[int, datetime | None]:
    """(failed attempts, the latest one's time) by ``key`` (``login`` or ``address``) after ``since`` and after
    the last success by that key."""
    column = sign_in_t.c[key]
    last_ok = sa.select(sa.func.max(sign_in_t.c.at)).where(column == value, sign_in_t.c.ok.is_(True)) \
        .scalar_subquery()
    row = conn.execute(sa.select(sa.func.count(), sa.func.max(sign_in_t.c.at)).where(
        column == value, sign_in_t.c.ok.is_(False), sign_in_t.c.at > since,
        sa.or_(last_ok.is_(None), sign_in_t.c.at > last_ok))).one()
    return int(row[0]), row[1]
