"""The statements of 报送 (SPEC §15): the submissions a database holds, as submitted or received."""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

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


def reported(conn: Connection, periods: list[str]) -> set[tuple[str, str]]:
    """(county, period) of the periods whose latest submission stands (not returned): nobody is late for them."""
    if not periods:
        return set()
    q = sa.select(_s.c.county, _s.c.period, _s.c.status).where(_s.c.period.in_(periods)) \
        .order_by(_s.c.county, _s.c.period, _s.c.submitted_at, _s.c.id)
    latest = {(r.county, r.period): r.status for r in conn.execute(q)}
    return {key for key, status in latest.items() if status != RETURNED}


class Officer(NamedTuple):
    county: str
    role: str
    name: str
    email: str
    phone: str
    wecom_userid: str
    dingtalk_userid: str
    channels: str


def county_officers(conn: Connection, counties: list[str]) -> list[Officer]:
    """The active, registered county officers of these counties (scope the county or one of its townships),
    with where they read: rows ``county role name email phone wecom_userid dingtalk_userid channels``."""
    from rectify.states.roles import Role
    from rectify.store.tables import people_t

    p = people_t
    rows = conn.execute(sa.select(p.c.scope, p.c.role, p.c.name, p.c.email, p.c.phone, p.c.wecom_userid,
                                  p.c.dingtalk_userid, p.c.channels)
                        .where(p.c.role == str(Role.county_officer), p.c.active.is_(True), p.c.registered.is_(True))
                        .order_by(p.c.id))
    wanted = set(counties)
    out = []
    for r in rows:
        county = r.scope.partition("/")[0].strip()
        if county in wanted and "," not in r.scope:
            out.append(Officer(county, r.role, r.name, r.email or "", r.phone or "", r.wecom_userid or "",
                               r.dingtalk_userid or "", r.channels or ""))
    return out
