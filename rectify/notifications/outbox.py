"""The outbox (SPEC §5 "exactly once"): record what the sweep decided, then drain it over the mailer.

Recording is one transaction: digest rows for every recipient, the items with
``INSERT … ON CONFLICT DO NOTHING`` on their unique key, digests that got no new item dropped, the rest
rendered. A template error rolls all of it back. Draining claims rows (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, a conditional ``UPDATE … WHERE status='pending'`` on SQLite), sends them on one
connection and marks them sent; a row whose lease ran out (a dead process) is claimed again and sent
with the same Message-ID.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.ext.compiler import compiles

from rectify.config import Config
from rectify.errors import NotFound, Refused
from rectify.notifications.mailer import (
    Mailer,
    MailServerProblem,
    MessageRefused,
    build_message,
    sender_address,
)
from rectify.notifications.models import digest_t, item_t, state_t
from rectify.notifications.policy import (
    CASE_PEOPLE,
    CITY,
    COUNTY,
    OPEN_FOR_REMINDERS,
    PROGRESS_STAGES,
    Item,
    horizon,
    progress_cutoff,
    sweep,
)
from rectify.notifications.render import Renderer
from rectify.workflow.persistence import Database
from rectify.workflow.persistence.tables import case_t, org_t, person_t, secretary_t

LEASE = timedelta(minutes=10)
CLAIM_BATCH = 100
BACKOFF_BASE = timedelta(minutes=5)
BACKOFF_MAX = timedelta(hours=12)
LAST_SWEEP = "last_sweep_date"
# Which people on the case hear of which kind of item.
ROLES_FOR: dict[str, tuple[str, ...]] = {
    "stage_due": ("officer", "county_leader", "township_cadre", "secretary"),
    "deadline": ("officer", "county_leader", "township_cadre", "secretary"),
    "overdue": ("officer", "county_leader", "township_cadre", "secretary"),
    "progress": ("officer", "township_cadre", "secretary"),
}


# -- the sweep ------------------------------------------------------------------------------------


class _scanned(sa.sql.expression.ColumnElement[str]):
    """A column compared without its indexes: ``+column`` on SQLite, the column itself elsewhere.

    The sweep needs most open cases (everything overdue, soon due or without a recent progress
    report: some 80 % of them), and SQLite, which keeps no statistics, would otherwise walk the
    (stage, …) index and fetch each of those rows from the table in index order — three times
    slower than reading the table once in id order (which also leaves the rows sorted by case).
    PostgreSQL chooses its own plan from its statistics.
    """

    inherit_cache = True

    def __init__(self, column: sa.ColumnElement[str]) -> None:
        self.column = column
        self.type = column.type


@compiles(_scanned)
def _compile_scanned(element: _scanned, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.column, **kw))


@compiles(_scanned, "sqlite")
def _compile_scanned_sqlite(element: _scanned, compiler: Any, **kw: Any) -> str:
    return "+" + str(compiler.process(element.column, **kw))


def candidate_query(as_of: date, config: Config) -> sa.Select[Any]:
    """The open cases that may have an item due on ``as_of``, in case order, in one read of the table.

    Exactly the cases ``sweep`` can find something for: a stage or conversion deadline within the
    reminder horizon (or overdue), or a progress report missing for a full period. Only the columns
    the sweep and the outbox read (not ``stage_since``): each date costs a conversion per row.
    """
    policy = config.policy
    h = horizon(as_of, policy)
    return (
        sa.select(
            case_t.c.id.label("case_id"),
            case_t.c.stage,
            case_t.c.stage_due,
            case_t.c.cycle_start,
            case_t.c.deadline,
            case_t.c.supervised,
            case_t.c.last_progress_on,
            org_t.c.name.label("org_name"),
            org_t.c.code.label("org_code"),
            org_t.c.township,
        )
        .join(org_t, org_t.c.id == case_t.c.org_id)
        .where(
            _scanned(case_t.c.stage).in_(OPEN_FOR_REMINDERS),
            sa.or_(
                case_t.c.stage_due <= h,
                case_t.c.deadline <= h,
                sa.and_(
                    case_t.c.stage.in_(PROGRESS_STAGES),
                    sa.func.coalesce(case_t.c.last_progress_on, case_t.c.cycle_start)
                    <= progress_cutoff(as_of, policy),
                ),
            ),
        )
        .order_by(case_t.c.id)
    )


def recipients_query(dialect: str, case_ids: Sequence[int]) -> sa.CompoundSelect:
    """People with an e-mail on the given cases, in one query whatever the number of cases."""
    if dialect == "postgresql":
        ids = sa.bindparam("ids", list(case_ids), type_=postgresql.ARRAY(sa.Integer))

        def among(col: Any) -> Any:
            return col == sa.any_(ids)
    else:
        each = sa.select(sa.column("value", sa.Integer)).select_from(
            sa.func.json_each(sa.bindparam("ids", json.dumps(list(case_ids))))
        )

        def among(col: Any) -> Any:
            return col.in_(each)

    people = sa.select(person_t.c.case_id, person_t.c.role, person_t.c.name, person_t.c.email).where(
        among(person_t.c.case_id), person_t.c.email != ""
    )
    secretaries = sa.select(
        secretary_t.c.case_id, sa.literal("secretary").label("role"), secretary_t.c.name, secretary_t.c.email
    ).where(among(secretary_t.c.case_id), secretary_t.c.until.is_(None), secretary_t.c.email != "")
    return sa.union_all(people, secretaries)


@dataclass
class DigestPlan:
    recipient: str
    recipient_name: str
    items: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class SweepResult:
    as_of: date
    cases: int
    items: int  # items the sweep found (before dedupe)
    digests: list[dict[str, Any]]  # digests newly recorded (or that would be, on a dry run)
    dry_run: bool = False

    @property
    def new_items(self) -> int:
        return sum(d["items"] for d in self.digests)


def _iso(v: Any) -> Any:
    return v.isoformat() if isinstance(v, date) else v


def plan_items(
    items: Iterable[Item], rows: dict[int, Any], people: dict[int, list[tuple[str, str, str]]], config: Config
) -> list[dict[str, Any]]:
    """Items × recipients → outbox rows (one per distinct dedupe key)."""
    out: dict[tuple[Any, ...], dict[str, Any]] = {}
    for it in items:
        if it.audience == CASE_PEOPLE:
            roles = ROLES_FOR[it.kind]
            targets = [
                (role, name, email) for role, name, email in people.get(it.case_id, ()) if role in roles
            ]
        else:
            addrs = config.supervisors.county if it.audience == COUNTY else config.supervisors.city
            role = "county_supervisor" if it.audience == COUNTY else "city_supervisor"
            targets = [(role, "", a) for a in (addrs if it.audience in (COUNTY, CITY) else ())]
        row = rows[it.case_id]
        detail = {
            "case_id": it.case_id,
            "kind": it.kind,
            "stage": it.stage,
            "due_on": it.due_on.isoformat(),
            "days_left": it.days_left,
            "offset_days": it.offset_days,
            "org_name": row.org_name,
            "org_code": row.org_code,
            "township": row.township,
            "supervised": bool(row.supervised),
            "last_progress_on": _iso(row.last_progress_on),
        }
        for role, name, email in targets:
            email = email.strip()
            key = (it.case_id, it.kind, it.stage, it.due_on, it.offset_days, email.lower())
            if key in out:
                continue
            out[key] = {
                "case_id": it.case_id,
                "kind": it.kind,
                "stage": it.stage,
                "due_on": it.due_on,
                "offset_days": it.offset_days,
                "recipient": email.lower(),
                "role": role,
                "name": name,
                "detail": detail,
            }
    return list(out.values())


def _insert(conn: Connection, table: sa.Table) -> Any:
    return postgresql.insert(table) if conn.dialect.name == "postgresql" else sqlite.insert(table)


def _message_id(sender: str) -> str:
    return f"<rectify.{uuid.uuid4().hex}@{sender_address(sender).domain}>"


def run_sweep(
    db: Database, config: Config, *, as_of: date, now: datetime, renderer: Renderer, dry_run: bool = False
) -> SweepResult:
    """Decide what is due on ``as_of`` and record it in the outbox (nothing on a dry run)."""
    renderer.check()
    with db.connect() as conn:
        rows = {r.case_id: r for r in conn.execute(candidate_query(as_of, config))}
        items = sweep(as_of, rows.values(), config.policy)  # type: ignore[arg-type]  # rows quack like CaseRow
        due_ids = sorted({i.case_id for i in items if i.audience == CASE_PEOPLE})
        people: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
        if due_ids:
            for person in conn.execute(recipients_query(db.dialect, due_ids)):
                people[person.case_id].append((person.role, person.name, person.email))
    planned = plan_items(items, rows, people, config)
    planned.sort(
        key=lambda p: (p["recipient"], p["case_id"], p["kind"], p["stage"], p["due_on"], p["offset_days"])
    )
    names: dict[str, str] = {}
    for p in planned:
        if p["name"] and p["recipient"] not in names:
            names[p["recipient"]] = p["name"]
    recorded: list[dict[str, Any]] = []
    with db.connect() as conn:
        tx = conn.begin()
        try:
            recorded = _record(conn, config, as_of, now, planned, names, renderer)
            _set_state(conn, LAST_SWEEP, as_of.isoformat(), only_forward=True)
        except BaseException:
            tx.rollback()
            raise
        if dry_run:
            tx.rollback()
        else:
            tx.commit()
    return SweepResult(as_of, len(rows), len(items), recorded, dry_run)


def _record(
    conn: Connection,
    config: Config,
    as_of: date,
    now: datetime,
    planned: list[dict[str, Any]],
    names: dict[str, str],
    renderer: Renderer,
) -> list[dict[str, Any]]:
    if not planned:
        return []
    recipients = sorted({p["recipient"] for p in planned})
    digest_rows = [
        {
            "recipient": r,
            "recipient_name": names.get(r, ""),
            "sweep_date": as_of,
            "subject": "",
            "body_text": "",
            "body_html": "",
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "lease_until": None,
            "last_error": "",
            "message_id": _message_id(config.smtp.sender),
            "sent_at": None,
            "created_at": now,
        }
        for r in recipients
    ]
    digest_ids: dict[str, int] = {}
    for r in conn.execute(sa.insert(digest_t).returning(digest_t.c.id, digest_t.c.recipient), digest_rows):
        digest_ids[r.recipient] = r.id
    item_rows = [
        {
            "digest_id": digest_ids[p["recipient"]],
            "case_id": p["case_id"],
            "kind": p["kind"],
            "stage": p["stage"],
            "due_on": p["due_on"],
            "offset_days": p["offset_days"],
            "recipient": p["recipient"],
            "role": p["role"],
            "detail": json.dumps(p["detail"], ensure_ascii=False),
            "created_at": now,
        }
        for p in planned
    ]
    stmt = (
        _insert(conn, item_t)
        .on_conflict_do_nothing(
            index_elements=["case_id", "kind", "stage", "due_on", "offset_days", "recipient"]
        )
        .returning(item_t.c.digest_id, item_t.c.detail, item_t.c.role)
    )
    new: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for r in conn.execute(stmt, item_rows):
        new[r.digest_id].append({**json.loads(r.detail), "role": r.role})
    empty = [d for d in digest_ids.values() if d not in new]
    for start in range(0, len(empty), 500):
        conn.execute(sa.delete(digest_t).where(digest_t.c.id.in_(empty[start : start + 500])))
    out: list[dict[str, Any]] = []
    updates = []
    for recipient in recipients:
        did = digest_ids[recipient]
        if did not in new:
            continue
        its = sorted(new[did], key=lambda d: (d["case_id"], d["kind"], d["due_on"]))
        rendered = renderer.render(recipient, names.get(recipient, ""), as_of, its)
        updates.append(
            {"b_id": did, "subject": rendered.subject, "body_text": rendered.text, "body_html": rendered.html}
        )
        out.append(
            {
                "id": did,
                "recipient": recipient,
                "recipient_name": names.get(recipient, ""),
                "items": len(its),
                "subject": rendered.subject,
                "body_text": rendered.text,
            }
        )
    if updates:
        conn.execute(
            sa.update(digest_t)
            .where(digest_t.c.id == sa.bindparam("b_id"))
            .values(
                subject=sa.bindparam("subject"),
                body_text=sa.bindparam("body_text"),
                body_html=sa.bindparam("body_html"),
            ),
            updates,
        )
    return out


# -- persisted scheduler state --------------------------------------------------------------------


def _set_state(conn: Connection, name: str, value: str, *, only_forward: bool = False) -> None:
    ins = _insert(conn, state_t).values(name=name, value=value)
    cond = (state_t.c.value < ins.excluded.value) if only_forward else None
    conn.execute(
        ins.on_conflict_do_update(index_elements=["name"], set_={"value": ins.excluded.value}, where=cond)
    )


def get_state(db: Database, name: str) -> str | None:
    with db.connect() as conn:
        return conn.execute(sa.select(state_t.c.value).where(state_t.c.name == name)).scalar()


def last_sweep_date(db: Database) -> date | None:
    value = get_state(db, LAST_SWEEP)
    return date.fromisoformat(value) if value else None


# -- draining -------------------------------------------------------------------------------------


@dataclass
class DrainResult:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    sent_ids: list[int] = field(default_factory=list)


def _claimable(now: datetime) -> Any:
    return sa.or_(
        sa.and_(digest_t.c.status == "pending", digest_t.c.next_attempt_at <= now),
        sa.and_(digest_t.c.status == "sending", digest_t.c.lease_until < now),
    )


def _claim_values(now: datetime, lease: timedelta) -> dict[str, Any]:
    stale = digest_t.c.status == "sending"
    return {
        "status": "sending",
        "lease_until": now + lease,
        # A row taken over from a dead process counts as one attempt; it is sent with its Message-ID.
        "attempts": sa.case((stale, digest_t.c.attempts + 1), else_=digest_t.c.attempts),
        "last_error": sa.case((stale, "上次发送中断（租约过期），已重新发送"), else_=digest_t.c.last_error),
    }


def claim(db: Database, *, now: datetime, lease: timedelta = LEASE, limit: int = CLAIM_BATCH) -> list[Any]:
    """Take up to ``limit`` due rows for this process; no other process gets the same row."""
    with db.connect() as conn, conn.begin():
        q = sa.select(digest_t.c.id).where(_claimable(now)).order_by(digest_t.c.id).limit(limit)
        if conn.dialect.name == "postgresql":
            ids = list(conn.execute(q.with_for_update(skip_locked=True)).scalars())
            if ids:
                conn.execute(
                    sa.update(digest_t).where(digest_t.c.id.in_(ids)).values(**_claim_values(now, lease))
                )
        else:
            ids = []
            for did in conn.execute(q).scalars().all():
                res = conn.execute(
                    sa.update(digest_t)
                    .where(digest_t.c.id == did, _claimable(now))
                    .values(**_claim_values(now, lease))
                )
                if res.rowcount == 1:
                    ids.append(did)
        if not ids:
            return []
        return list(conn.execute(sa.select(digest_t).where(digest_t.c.id.in_(ids)).order_by(digest_t.c.id)))


def _update(db: Database, did: int, **values: Any) -> None:
    with db.connect() as conn, conn.begin():
        conn.execute(
            sa.update(digest_t).where(digest_t.c.id == did, digest_t.c.status == "sending").values(**values)
        )


def release(db: Database, ids: Sequence[int]) -> None:
    """Give claimed rows back untouched (the server could not be reached: not the message's fault)."""
    if not ids:
        return
    with db.connect() as conn, conn.begin():
        conn.execute(
            sa.update(digest_t)
            .where(digest_t.c.id.in_(list(ids)), digest_t.c.status == "sending")
            .values(status="pending", lease_until=None)
        )


def backoff(attempts: int) -> timedelta:
    return min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)


def message_for(row: Any, config: Config, now: datetime) -> Any:
    return build_message(
        sender=config.smtp.sender,
        recipient=row.recipient,
        recipient_name=row.recipient_name,
        subject=row.subject,
        text=row.body_text,
        html=row.body_html,
        message_id=row.message_id,
        date_header=format_datetime(row.created_at or now),
    )


def drain(
    db: Database, config: Config, mailer: Mailer, *, now: datetime, lease: timedelta = LEASE
) -> DrainResult:
    """Send every due row on one connection. A server problem leaves the rows pending and is raised."""
    result = DrainResult()
    batch = claim(db, now=now, lease=lease)
    if not batch:
        return result
    try:
        mailer.open()
    except MailServerProblem:
        release(db, [r.id for r in batch])
        raise
    try:
        while batch:
            for k, row in enumerate(batch):
                try:
                    mailer.send(message_for(row, config, now))
                except MessageRefused as exc:
                    attempts = row.attempts + 1
                    if attempts >= config.smtp.max_attempts:
                        _update(
                            db,
                            row.id,
                            status="failed",
                            attempts=attempts,
                            lease_until=None,
                            last_error=str(exc)[:500],
                        )
                        result.failed += 1
                    else:
                        _update(
                            db,
                            row.id,
                            status="pending",
                            attempts=attempts,
                            lease_until=None,
                            next_attempt_at=now + backoff(attempts),
                            last_error=str(exc)[:500],
                        )
                        result.retrying += 1
                    continue
                except MailServerProblem as exc:
                    _update(
                        db,
                        row.id,
                        status="pending",
                        attempts=row.attempts + 1,
                        lease_until=None,
                        next_attempt_at=now,
                        last_error=str(exc)[:500],
                    )
                    release(db, [r.id for r in batch[k + 1 :]])
                    raise
                _update(db, row.id, status="sent", sent_at=now, lease_until=None, last_error="")
                result.sent += 1
                result.sent_ids.append(row.id)
            batch = claim(db, now=now, lease=lease)
    finally:
        mailer.close()
    return result


# -- listing and retry ----------------------------------------------------------------------------


def list_outbox(db: Database, status: str | None = None) -> list[dict[str, Any]]:
    n_items = (
        sa.select(sa.func.count())
        .where(item_t.c.digest_id == digest_t.c.id)
        .correlate(digest_t)
        .scalar_subquery()
    )
    q = sa.select(
        digest_t.c.id,
        digest_t.c.status,
        digest_t.c.recipient,
        digest_t.c.recipient_name,
        digest_t.c.sweep_date,
        n_items.label("items"),
        digest_t.c.attempts,
        digest_t.c.next_attempt_at,
        digest_t.c.sent_at,
        digest_t.c.message_id,
        digest_t.c.subject,
        digest_t.c.last_error,
    ).order_by(digest_t.c.id)
    if status:
        q = q.where(digest_t.c.status == status)
    with db.connect() as conn:
        return [
            {k: (v.isoformat() if isinstance(v, date | datetime) else v) for k, v in r._mapping.items()}
            for r in conn.execute(q)
        ]


def retry(db: Database, digest_id: int, *, now: datetime) -> None:
    with db.connect() as conn, conn.begin():
        status = conn.execute(sa.select(digest_t.c.status).where(digest_t.c.id == digest_id)).scalar()
        if status is None:
            raise NotFound(f"找不到发送记录 {digest_id}（rectify outbox list 查看）")
        if status != "failed":
            raise Refused(f"发送记录 {digest_id} 的状态为 {status}，只有 failed（发送失败）的记录可以重试")
        conn.execute(
            sa.update(digest_t)
            .where(digest_t.c.id == digest_id, digest_t.c.status == "failed")
            .values(status="pending", attempts=0, next_attempt_at=now, lease_until=None)
        )


__all__ = [
    "MailServerProblem",
    "run_sweep",
    "drain",
    "claim",
    "release",
    "list_outbox",
    "retry",
    "last_sweep_date",
    "SweepResult",
    "DrainResult",
]
