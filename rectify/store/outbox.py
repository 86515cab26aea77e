"""The outbox's statements (SPEC §5 "exactly once"): the notifications' ``OutboxStore`` over SQL.

Recording is one transaction: digest rows, the items with ``INSERT … ON CONFLICT DO NOTHING`` on
their unique key, the digests that got no new item deleted, the rendered bodies. Claiming takes
rows with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL and a conditional ``UPDATE … WHERE
status='pending'`` on SQLite, so no two processes get the same row. This module does not import
``rectify.notifications``: it satisfies its protocols by shape.
"""

from __future__ import annotations

import json
from collections import namedtuple
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.ext.compiler import compiles

from rectify.states.roles import Role
from rectify.store.database import Database
from rectify.store.light_outbox import held_keys
from rectify.store.reads import secretary_columns
from rectify.store.schema import notification_state as state_t
from rectify.store.schema import outbox_digest as digest_t
from rectify.store.schema import outbox_item as item_t
from rectify.store.tables import case_t, measure_t, org_t, people_t, person_t, secretary_t

# -- the sweep's read -----------------------------------------------------------------------------


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


def candidate_query(
    *, stages: Sequence[str], progress_stages: Sequence[str], horizon: date, progress_cutoff: date,
    listed_before: date,
) -> sa.Select[Any]:
    """The open cases that may have an item due, in case order, in one read of the table.

    Only the columns the sweep and the outbox read (not ``stage_since``): each date costs a conversion per row. The
    parameters are named: the dry run's light path (:mod:`rectify.store.light_outbox`) runs it compiled."""
    horizon_p = sa.bindparam("horizon", horizon, type_=sa.Date)
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
            case_t.c.next_look_back_on,
            case_t.c.supervision_level,
            org_t.c.county,
        )
        .join(org_t, org_t.c.id == case_t.c.org_id)
        .where(
            sa.or_(
                sa.and_(
                    _scanned(case_t.c.stage).in_(sa.bindparam("stages", list(stages), expanding=True)),
                    sa.or_(
                        case_t.c.stage_due <= horizon_p,
                        case_t.c.deadline <= horizon_p,
                        sa.and_(
                            case_t.c.stage.in_(sa.bindparam("progress_stages", list(progress_stages), expanding=True)),
                            sa.or_(  # only a case that may owe a monthly report (policy._progress)
                                case_t.c.last_progress_on
                                <= sa.bindparam("progress_cutoff", progress_cutoff, type_=sa.Date),
                                sa.and_(case_t.c.last_progress_on.is_(None), case_t.c.cycle_start
                                        < sa.bindparam("listed_before", listed_before, type_=sa.Date)),
                            ),
                        ),
                    ),
                ),
                case_t.c.next_look_back_on <= horizon_p,  # a struck-off case's next 回头看 (巩固期)
            ),
        )
        .order_by(case_t.c.id)
    )


def secretary_tasks_query(*, stages: Sequence[str], horizon: date) -> sa.Select[Any]:
    """The cases in ``stages`` that may have a 第一书记 track's task: a 第一书记 in post whose term ends by
    ``horizon``, or one who left (the sweep decides, :func:`rectify.states.tasks.secretary_task`); driven by the
    secretaries, in case order."""
    first = secretary_t.c.kind == "first"
    which = (sa.select(secretary_t.c.case_id).where(first, sa.or_(
        sa.and_(secretary_t.c.until.is_(None),
                secretary_t.c.term_until <= sa.bindparam("horizon", horizon, type_=sa.Date)),
        secretary_t.c.until.is_not(None))).distinct().subquery("sec_cases"))
    return (
        sa.select(case_t.c.id.label("case_id"), case_t.c.stage, case_t.c.stage_due, case_t.c.deadline,
                  case_t.c.supervised, case_t.c.last_progress_on, org_t.c.name.label("org_name"),
                  org_t.c.code.label("org_code"), org_t.c.township, org_t.c.county, *secretary_columns())
        .select_from(which.join(case_t, case_t.c.id == which.c.case_id).join(org_t, org_t.c.id == case_t.c.org_id))
        .where(case_t.c.stage.in_(sa.bindparam("stages", list(stages), expanding=True)))
        .order_by(case_t.c.id)
    )


def open_measures_query(*, stages: Sequence[str], horizon: date) -> sa.Select[Any]:
    """Open measures due by ``horizon`` on cases in ``stages``, with what their reminder shows."""
    return (
        sa.select(
            measure_t.c.case_id,
            measure_t.c.seq,
            measure_t.c.text,
            measure_t.c.owner,
            measure_t.c.owner_email,
            measure_t.c.due_on,
            case_t.c.stage,
            org_t.c.name.label("org_name"),
            org_t.c.code.label("org_code"),
            org_t.c.township,
            org_t.c.county,
        )
        .join(case_t, case_t.c.id == measure_t.c.case_id)
        .join(org_t, org_t.c.id == case_t.c.org_id)
        .where(measure_t.c.done_on.is_(None), measure_t.c.due_on <= sa.bindparam("horizon", horizon, type_=sa.Date),
               case_t.c.stage.in_(sa.bindparam("stages", list(stages), expanding=True)))
        .order_by(measure_t.c.case_id, measure_t.c.seq)
    )


def _among(dialect: str, case_ids: Sequence[int]) -> Any:
    """``among(column)``: the column is one of ``case_ids``, one bound parameter whatever their number."""
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql  # loaded on PostgreSQL only (~0.1 s of a SQLite command)

        ids = sa.bindparam("ids", list(case_ids), type_=postgresql.ARRAY(sa.Integer))

        def among(col: Any) -> Any:
            return col == sa.any_(ids)
    else:
        each = sa.select(sa.column("value", sa.Integer)).select_from(
            sa.func.json_each(sa.bindparam("ids", json.dumps(list(case_ids))))
        )

        def among(col: Any) -> Any:
            return col.in_(each)

    return among


def recipients_query(dialect: str, case_ids: Sequence[int]) -> sa.CompoundSelect:
    """People with an e-mail on the given cases, in one query whatever the number of cases."""
    among = _among(dialect, case_ids)
    people = sa.select(person_t.c.case_id, person_t.c.role, person_t.c.name, person_t.c.email).where(
        among(person_t.c.case_id), person_t.c.email != ""
    )
    secretaries = sa.select(
        secretary_t.c.case_id, sa.literal("secretary").label("role"), secretary_t.c.name, secretary_t.c.email
    ).where(among(secretary_t.c.case_id), secretary_t.c.until.is_(None), secretary_t.c.email != "")
    return sa.union_all(people, secretaries)


def addresses_query(dialect: str, case_ids: Sequence[int]) -> sa.CompoundSelect:
    """The people on the given cases and their current secretaries, each with the registry's 企业微信 and
    钉钉 userids and preferred channels (by name, while the registry has them active); the case's phone first."""
    among = _among(dialect, case_ids)

    def of(source: Any, role: Any, *where: Any) -> sa.Select[Any]:
        known = sa.and_(people_t.c.name == source.c.name, people_t.c.active.is_(True))
        return (sa.select(source.c.case_id, role, source.c.name, source.c.email,
                          sa.func.coalesce(sa.func.nullif(source.c.phone, ""), people_t.c.phone, "").label("phone"),
                          sa.func.coalesce(people_t.c.wecom_userid, "").label("wecom_userid"),
                          sa.func.coalesce(people_t.c.dingtalk_userid, "").label("dingtalk_userid"),
                          sa.func.coalesce(people_t.c.channels, "").label("channels"))
                .select_from(source.outerjoin(people_t, known)).where(among(source.c.case_id), *where))

    return sa.union_all(of(person_t, person_t.c.role),
                        of(secretary_t, sa.literal("secretary").label("role"), secretary_t.c.until.is_(None)))


def contacts_query(dialect: str, case_ids: Sequence[int]) -> sa.Select[Any]:
    """The registered county officers in charge of the given cases, in one query.

    An active, registered ``county_officer`` whose scope is the case's county/township or its county;
    per case, township-scoped ones first, then by id (the first row of a case is its contact).
    """
    among = _among(dialect, case_ids)
    county_wide = people_t.c.scope == org_t.c.county
    return (
        sa.select(
            case_t.c.id.label("case_id"),
            people_t.c.unit,
            people_t.c.name,
            people_t.c.phone,
            people_t.c.email,
        )
        .join(org_t, org_t.c.id == case_t.c.org_id)
        .join(
            people_t,
            sa.and_(
                people_t.c.role == str(Role.county_officer),
                people_t.c.active.is_(True),
                people_t.c.registered.is_(True),
                sa.or_(county_wide, people_t.c.scope == org_t.c.county + "/" + org_t.c.township),
            ),
        )
        .where(among(case_t.c.id))
        .order_by(case_t.c.id, sa.case((county_wide, 1), else_=0), people_t.c.id)
    )


_NAMED: dict[tuple[str, ...], Any] = {}


def _named(result: Any) -> Callable[[Any], Any]:
    """A result's rows as named tuples (the same fields, in the same order): the sweep reads each candidate's
    columns several times, and a named tuple's field is read ten times faster than a query row's."""
    fields = tuple(result.keys())
    cls: Any = _NAMED.get(fields)
    if cls is None:
        cls = _NAMED[fields] = namedtuple("SweepRow", fields)  # type: ignore[misc]  # noqa: PYI024
    return cls._make  # type: ignore[no-any-return]


def _streamed(result: Any) -> Iterator[Any]:
    """A streamed result's rows as named tuples, a batch (``yield_per``) at a time: one fetch per batch, not one
    call per row."""
    named = _named(result)
    for batch in result.partitions():
        yield from map(named, batch)


def _all(result: Any) -> list[Any]:
    """A result's rows at once, as named tuples."""
    return list(map(_named(result), result.fetchall()))


class SqlSweepReader:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def candidates(
        self, *, stages: Sequence[str], progress_stages: Sequence[str], horizon: date, progress_cutoff: date,
        listed_before: date,
    ) -> Iterable[Any]:
        """The candidate rows streamed (2,000 at a time; a server-side cursor on PostgreSQL)."""
        query = candidate_query(
            stages=stages, progress_stages=progress_stages, horizon=horizon, progress_cutoff=progress_cutoff,
            listed_before=listed_before,
        )
        return _streamed(self.conn.execute(query.execution_options(yield_per=2000)))

    def secretary_tasks(self, *, stages: Sequence[str], horizon: date) -> Iterable[Any]:
        return _all(self.conn.execute(secretary_tasks_query(stages=stages, horizon=horizon)))

    def open_measures(self, *, stages: Sequence[str], horizon: date) -> Iterable[Any]:
        """The open measures streamed like the candidates (read once, to the end, before the next read)."""
        return _streamed(self.conn.execute(
            open_measures_query(stages=stages, horizon=horizon).execution_options(yield_per=2000)))

    def recipients(self, case_ids: Sequence[int]) -> Iterable[Any]:
        """All at once (a chunk's people): one fetch of the cursor, not one call per row."""
        return self.conn.execute(recipients_query(self.conn.dialect.name, case_ids)).fetchall()

    def addresses(self, case_ids: Sequence[int]) -> Iterable[Any]:
        return _all(self.conn.execute(addresses_query(self.conn.dialect.name, case_ids)))

    # -- 报送 reminders (SPEC §15): which counties owe which report, and who hears of it --------------

    def report_counties(self) -> list[str]:
        from rectify.store import reporting

        return reporting.known_counties(self.conn)

    def reported(self, periods: list[str]) -> set[tuple[str, str]]:
        from rectify.store import reporting

        return reporting.reported(self.conn, periods)

    def county_officers(self, counties: list[str]) -> list[Any]:
        from rectify.store import reporting

        return reporting.county_officers(self.conn, counties)

    def reminded(self, kind: str) -> list[str]:
        """The details (JSON) of every item of this kind recorded so far."""
        return list(self.conn.execute(sa.select(item_t.c.detail).where(item_t.c.kind == kind)).scalars())

    def contacts(self, case_ids: Sequence[int]) -> list[Any]:
        """Rows ``case_id unit name phone email``: each case's county officer, when the registry has one."""
        if not case_ids:
            return []
        first: dict[int, Any] = {}
        for row in _all(self.conn.execute(contacts_query(self.conn.dialect.name, case_ids))):
            first.setdefault(row.case_id, row)
        return list(first.values())


# -- recording ------------------------------------------------------------------------------------


def _insert(conn: Connection, table: sa.Table) -> Any:
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql  # loaded on PostgreSQL only (~0.1 s of a SQLite command)

        return postgresql.insert(table)
    from sqlalchemy.dialects import sqlite

    return sqlite.insert(table)


_SET_BODIES = (
    sa.update(digest_t)
    .where(digest_t.c.id == sa.bindparam("b_id"))
    .values(
        subject=sa.bindparam("subject"),
        body_text=sa.bindparam("body_text"),
        body_html=sa.bindparam("body_html"),
        reply_to=sa.bindparam("b_reply_to"),
        status=sa.bindparam("b_status"),
        last_error=sa.bindparam("b_error"),
    )
)


class SqlRecording:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add_digests(self, rows: Sequence[Mapping[str, Any]]) -> dict[str, int]:
        stmt = sa.insert(digest_t).returning(digest_t.c.id, digest_t.c.recipient)
        return {r.recipient: r.id for r in self.conn.execute(stmt, list(rows))}

    def add_items(self, rows: Sequence[Mapping[str, Any]]) -> Iterable[Any]:
        stmt = (
            _insert(self.conn, item_t)
            .on_conflict_do_nothing(
                index_elements=["case_id", "kind", "stage", "due_on", "offset_days", "recipient"]
            )
            .returning(item_t.c.digest_id, item_t.c.detail, item_t.c.role)
        )
        return self.conn.execute(stmt, list(rows))

    def drop_digests(self, ids: Sequence[int]) -> None:
        for start in range(0, len(ids), 500):
            self.conn.execute(sa.delete(digest_t).where(digest_t.c.id.in_(ids[start : start + 500])))

    def set_bodies(self, rows: Sequence[Mapping[str, Any]]) -> None:
        if rows:
            self.conn.execute(_SET_BODIES, list(rows))

    def advance_state(self, name: str, value: str) -> None:
        _set_state(self.conn, name, value, only_forward=True)


def _set_state(conn: Connection, name: str, value: str, *, only_forward: bool = False) -> None:
    ins = _insert(conn, state_t).values(name=name, value=value)
    cond = (state_t.c.value < ins.excluded.value) if only_forward else None
    conn.execute(
        ins.on_conflict_do_update(index_elements=["name"], set_={"value": ins.excluded.value}, where=cond)
    )


ANY_ITEM = sa.select(item_t.c.id).limit(1)  # is anything recorded at all (a dry run on an empty outbox asks no more)
STATE = sa.select(state_t.c.value).where(state_t.c.name == sa.bindparam("state_name"))


def recorded_query(case_ids: Sequence[int]) -> sa.Select[Any]:
    """The recorded items' dedupe keys (``case_id kind stage due_on offset_days recipient``) of these cases."""
    cols = [item_t.c[name] for name in ("case_id", "kind", "stage", "due_on", "offset_days", "recipient")]
    return sa.select(*cols).where(item_t.c.case_id.in_(sa.bindparam("case_ids", list(case_ids), expanding=True)))


class SqlPreview:
    """A dry run's read of the recorded items (nothing written)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.empty = conn.execute(ANY_ITEM).first() is None

    def recorded(self, keys: Sequence[tuple[Any, ...]]) -> set[tuple[Any, ...]]:
        if self.empty or not keys:
            return set()
        return held_keys(keys, lambda case_ids: self.conn.execute(recorded_query(case_ids)))


# -- claiming and marking -------------------------------------------------------------------------


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


def _claim_ids(conn: Connection, now: datetime, lease: timedelta, limit: int,
               skip_channels: Sequence[str] = ()) -> list[int]:
    q = sa.select(digest_t.c.id).where(_claimable(now)).order_by(digest_t.c.id).limit(limit)
    if skip_channels:
        q = q.where(digest_t.c.channel.not_in(list(skip_channels)))
    if conn.dialect.name == "postgresql":
        ids = list(conn.execute(q.with_for_update(skip_locked=True)).scalars())
        if ids:
            conn.execute(sa.update(digest_t).where(digest_t.c.id.in_(ids)).values(**_claim_values(now, lease)))
        return ids
    ids = []
    for did in conn.execute(q).scalars().all():
        res = conn.execute(
            sa.update(digest_t).where(digest_t.c.id == did, _claimable(now)).values(**_claim_values(now, lease))
        )
        if res.rowcount == 1:
            ids.append(did)
    return ids


def _n_items() -> Any:
    return (
        sa.select(sa.func.count())
        .where(item_t.c.digest_id == digest_t.c.id)
        .correlate(digest_t)
        .scalar_subquery()
    )


class SqlOutboxStore:
    """The outbox on the database ``db`` (SQLite or PostgreSQL)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    @contextmanager
    def reading(self) -> Iterator[SqlSweepReader]:
        with self.db.connect() as conn:
            yield SqlSweepReader(conn)

    @contextmanager
    def previewing(self) -> Iterator[SqlPreview]:
        with self.db.connect() as conn:
            yield SqlPreview(conn)

    @contextmanager
    def recording(self, *, keep: bool) -> Iterator[SqlRecording]:
        with self.db.connect() as conn:
            tx = conn.begin()
            try:
                yield SqlRecording(conn)
            except BaseException:
                tx.rollback()
                raise
            if keep:
                tx.commit()
            else:
                tx.rollback()

    def claim(self, *, now: datetime, lease: timedelta, limit: int, skip_channels: Sequence[str] = ()) -> list[Any]:
        with self.db.connect() as conn, conn.begin():
            ids = _claim_ids(conn, now, lease, limit, skip_channels)
            if not ids:
                return []
            return list(conn.execute(sa.select(digest_t).where(digest_t.c.id.in_(ids)).order_by(digest_t.c.id)))

    def _update(self, did: int, **values: Any) -> None:
        with self.db.connect() as conn, conn.begin():
            conn.execute(
                sa.update(digest_t).where(digest_t.c.id == did, digest_t.c.status == "sending").values(**values)
            )

    def mark_sent(self, digest_id: int, *, now: datetime) -> None:
        self._update(digest_id, status="sent", sent_at=now, lease_until=None, last_error="")

    def mark_failed(self, digest_id: int, *, attempts: int, error: str) -> None:
        self._update(digest_id, status="failed", attempts=attempts, lease_until=None, last_error=error)

    def mark_pending(self, digest_id: int, *, attempts: int, next_attempt_at: datetime, error: str) -> None:
        self._update(
            digest_id,
            status="pending",
            attempts=attempts,
            lease_until=None,
            next_attempt_at=next_attempt_at,
            last_error=error,
        )

    def release(self, ids: Sequence[int]) -> None:
        if not ids:
            return
        with self.db.connect() as conn, conn.begin():
            conn.execute(
                sa.update(digest_t)
                .where(digest_t.c.id.in_(list(ids)), digest_t.c.status == "sending")
                .values(status="pending", lease_until=None)
            )

    def held(self, *, now: datetime) -> tuple[int, datetime | None]:
        q = sa.select(sa.func.count(), sa.func.max(digest_t.c.lease_until)).where(
            digest_t.c.status == "sending", digest_t.c.lease_until >= now
        )
        with self.db.connect() as conn:
            count, until = conn.execute(q).one()
        return int(count), until

    def digests(self, status: str | None) -> list[dict[str, Any]]:
        q = sa.select(
            digest_t.c.id,
            digest_t.c.status,
            digest_t.c.channel,
            digest_t.c.recipient,
            digest_t.c.recipient_name,
            digest_t.c.sweep_date,
            _n_items().label("items"),
            digest_t.c.attempts,
            digest_t.c.next_attempt_at,
            digest_t.c.sent_at,
            digest_t.c.message_id,
            digest_t.c.subject,
            digest_t.c.last_error,
        ).order_by(digest_t.c.id)
        if status:
            q = q.where(digest_t.c.status == status)
        with self.db.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]

    def requeue_failed(self, digest_id: int, *, now: datetime) -> str | None:
        with self.db.connect() as conn, conn.begin():
            status: str | None = conn.execute(
                sa.select(digest_t.c.status).where(digest_t.c.id == digest_id)
            ).scalar()
            if status == "failed":
                conn.execute(
                    sa.update(digest_t)
                    .where(digest_t.c.id == digest_id, digest_t.c.status == "failed")
                    .values(status="pending", attempts=0, next_attempt_at=now, lease_until=None)
                )
            return status

    def get_state(self, name: str) -> str | None:
        with self.db.connect() as conn:
            value: str | None = conn.execute(STATE, {"state_name": name}).scalar()
            return value

    def set_state(self, name: str, value: str) -> None:
        with self.db.connect() as conn, conn.begin():
            _set_state(conn, name, value)


def digest_ids_within(db: Database, counties: tuple[str, ...], township: str | None) -> set[int]:
    """The digests every item of which is about a case inside the scope (``outbox list`` for a scoped reader):
    a digest that also names another county's case is not shown (SPEC §12)."""
    place = [org_t.c.county.in_(counties)] + ([org_t.c.township == township] if township else [])
    mine = sa.select(case_t.c.id).join(org_t, org_t.c.id == case_t.c.org_id).where(*place)
    fi = item_t.alias("foreign_item")  # NOT EXISTS, not NOT IN (SELECT …): hashed only within work_mem (issue 29)
    foreign = sa.exists().where(fi.c.digest_id == item_t.c.digest_id, fi.c.case_id != 0,
                                ~sa.exists().where(case_t.c.id == fi.c.case_id, org_t.c.id == case_t.c.org_id, *place))
    query = sa.select(item_t.c.digest_id).distinct().where(item_t.c.case_id.in_(mine), ~foreign)
    # 报送 reminders (case 0) name their county in the detail: a county-wide reader sees those of their counties.
    reports = sa.select(item_t.c.digest_id, item_t.c.detail).where(item_t.c.case_id == 0,
                                                                   item_t.c.digest_id.is_not(None))
    with db.connect() as conn:
        ids = {int(i) for i in conn.execute(query).scalars() if i is not None}
        by_digest: dict[int, set[str]] = {}
        for r in conn.execute(reports):
            by_digest.setdefault(int(r.digest_id), set()).add(str(json.loads(r.detail or "{}").get("county", "")))
    return ids | {i for i, named in by_digest.items() if township is None and named <= set(counties)}
