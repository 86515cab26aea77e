"""The statements of 报送 (SPEC §15): the submissions a database holds, as submitted or received."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from rectify import validation
from rectify.states.reporting import RETURNED
from rectify.store.tables import org_t, submission_t

_s = submission_t
# Everything but the package itself, for listings.
_BRIEF = [c for c in _s.c if c.name != "package"]


def insert_submission(conn: Connection, **values: Any) -> int:
    validation.row(_s, {k: v for k, v in values.items() if k != "package"}, where="报送")
    pk = conn.execute(sa.insert(_s).values(**values)).inserted_primary_key
    assert pk is not None
    return int(pk[0])


def lock_county_period(conn: Connection, county: str, period: str) -> None:
    """Two receipts of one county's period at once: the second waits for the first (PostgreSQL)."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext(f"report:{county}:{period}"))))


def of_county_period(conn: Connection, county: str, period: str) -> list[sa.Row[Any]]:
    """Every submission of the county for the period, oldest first (by when it was submitted)."""
    q = sa.select(*_BRIEF).where(_s.c.county == county, _s.c.period == period).order_by(_s.c.submitted_at, _s.c.id)
    return list(conn.execute(q))


def of_period(conn: Connection, period: str, counties: tuple[str, ...] = ()) -> list[sa.Row[Any]]:
    q = sa.select(*_BRIEF).where(_s.c.period == period).order_by(_s.c.county, _s.c.submitted_at, _s.c.id)
    if counties:
        q = q.where(_s.c.county.in_(counties))
    return list(conn.execute(q))


def with_package(conn: Connection, submission_id: int) -> Any:
    return conn.execute(sa.select(_s).where(_s.c.id == submission_id)).one_or_none()


def packages(conn: Connection, ids: list[int]) -> dict[int, bytes]:
    if not ids:
        return {}
    return {r.id: bytes(r.package) for r in conn.execute(sa.select(_s.c.id, _s.c.package).where(_s.c.id.in_(ids)))}


def by_digest(conn: Connection, digest: str) -> Any:
    return conn.execute(sa.select(*_BRIEF).where(_s.c.digest == digest).limit(1)).one_or_none()


def first_key(conn: Connection, county: str) -> str | None:
    """The public key of the county's first package held: later ones must be signed by the same key."""
    q = sa.select(_s.c.public_key).where(_s.c.county == county, _s.c.public_key != "").order_by(_s.c.id).limit(1)
    return conn.execute(q).scalar_one_or_none()


def set_returned(conn: Connection, submission_id: int, *, reason: str, by: str, at: datetime) -> None:
    validation.row(_s, {"return_reason": reason, "returned_by": by}, where="报送")
    conn.execute(sa.update(_s).where(_s.c.id == submission_id)
                 .values(status=RETURNED, return_reason=reason, returned_by=by, returned_at=at))


def known_counties(conn: Connection) -> list[str]:
    """The counties of the organization register and of the submissions held."""
    q = sa.union(sa.select(org_t.c.county), sa.select(_s.c.county))
    return sorted(r[0] for r in conn.execute(q))
