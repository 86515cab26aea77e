"""The statements of 排查 (SPEC §15): a county's round per year and each organization's entry in it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from rectify import validation
from rectify.store.tables import case_t, org_t, screening_entry_t, screening_round_t

_ROUND = sa.select(screening_round_t).where(screening_round_t.c.county == sa.bindparam("county"),
                                            screening_round_t.c.year == sa.bindparam("year"))
_ORG = sa.select(org_t.c.id, org_t.c.code, org_t.c.name, org_t.c.kind, org_t.c.county, org_t.c.township).where(
    org_t.c.code == sa.bindparam("code"))
_ENTRY = sa.select(screening_entry_t).where(screening_entry_t.c.round_id == sa.bindparam("round_id"),
                                            screening_entry_t.c.org_id == sa.bindparam("org_id"))


def round_of(conn: Connection, county: str, year: int, *, lock: bool = False) -> sa.Row[Any] | None:
    q = _ROUND.with_for_update() if lock and conn.dialect.name == "postgresql" else _ROUND
    return conn.execute(q, {"county": county, "year": year}).one_or_none()


def rounds(conn: Connection, counties: tuple[str, ...] = ()) -> list[sa.Row[Any]]:
    q = sa.select(screening_round_t).order_by(screening_round_t.c.year.desc(), screening_round_t.c.county)
    if counties:
        q = q.where(screening_round_t.c.county.in_(counties))
    return list(conn.execute(q))


def insert_round(conn: Connection, **values: Any) -> int:
    validation.row(screening_round_t, values, where="排查")
    pk = conn.execute(sa.insert(screening_round_t).values(**values)).inserted_primary_key
    assert pk is not None
    return int(pk[0])


def update_round(conn: Connection, round_id: int, **values: Any) -> None:
    validation.row(screening_round_t, values, where="排查")
    conn.execute(sa.update(screening_round_t).where(screening_round_t.c.id == round_id).values(**values))


def org_by_code(conn: Connection, code: str) -> sa.Row[Any] | None:
    row: Any = conn.execute(_ORG, {"code": code}).one_or_none()
    return row


def entry(conn: Connection, round_id: int, org_id: int) -> sa.Row[Any] | None:
    row: sa.Row[Any] | None = conn.execute(_ENTRY, {"round_id": round_id, "org_id": org_id}).one_or_none()
    return row


def save_entry(conn: Connection, round_id: int, org_id: int, now: datetime, **values: Any) -> None:
    """Creates the organization's entry on its first finding, else changes the given fields."""
    validation.row(screening_entry_t, values, where="排查")
    if entry(conn, round_id, org_id) is None:
        conn.execute(sa.insert(screening_entry_t).values(round_id=round_id, org_id=org_id, updated_at=now,
                                                         **values))
    else:
        conn.execute(sa.update(screening_entry_t).where(screening_entry_t.c.round_id == round_id,
                                                        screening_entry_t.c.org_id == org_id)
                     .values(updated_at=now, **values))


def register(conn: Connection, round_id: int, county: str) -> list[sa.Row[Any]]:
    """Every organization of the county (the register screened) with its entry, by 乡镇 and code."""
    e = screening_entry_t
    q = (sa.select(org_t.c.id.label("org_id"), org_t.c.code, org_t.c.name, org_t.c.kind, org_t.c.township,
                   *(c for c in e.c if c.name not in ("id", "org_id", "round_id", "updated_at")))
         .select_from(org_t.outerjoin(e, sa.and_(e.c.org_id == org_t.c.id, e.c.round_id == round_id)))
         .where(org_t.c.county == county).order_by(org_t.c.township, org_t.c.code))
    return list(conn.execute(q))


def open_cases_of(conn: Connection, org_ids: list[int]) -> dict[int, int]:
    """org id → its open case's number, for the organizations given (an open one blocks a listing)."""
    from rectify.states.stages import CLOSED_STAGES

    if not org_ids:
        return {}
    q = sa.select(case_t.c.org_id, case_t.c.id).where(case_t.c.org_id.in_(org_ids),
                                                      case_t.c.stage.not_in(CLOSED_STAGES))
    return {r.org_id: r.id for r in conn.execute(q)}
