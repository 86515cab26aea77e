"""The statements of 佐证材料 (SPEC §14): a step's files inserted in its transaction, a withdrawal noted, the
files of a case (by event), the cases a file belongs to (the download's scope check), counts for the ledger."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from rectify import validation
from rectify.store.tables import event_t, evidence_t

__all__ = ["add_files", "case_files", "cases_holding", "counts_by_case", "event_action", "file_row", "hashes",
           "index_of", "withdraw"]

_BY_CASE = (sa.select(evidence_t).where(evidence_t.c.case_id == sa.bindparam("case_id"))
            .order_by(evidence_t.c.event_id, evidence_t.c.id))
_BY_SHA = (sa.select(evidence_t.c.case_id, evidence_t.c.name, evidence_t.c.media_type)
           .where(evidence_t.c.sha256 == sa.bindparam("sha")).order_by(evidence_t.c.id))
_BY_ID = sa.select(evidence_t).where(evidence_t.c.id == sa.bindparam("id"))
_WITHDRAW = (sa.update(evidence_t).where(evidence_t.c.id == sa.bindparam("_id"),
                                         evidence_t.c.withdrawn_event_id.is_(None))
             .values(withdrawn_event_id=sa.bindparam("_event")))
_COUNTS = (sa.select(evidence_t.c.case_id, sa.func.count()).where(evidence_t.c.withdrawn_event_id.is_(None))
           .group_by(evidence_t.c.case_id))
_ACTION = sa.select(event_t.c.action).where(event_t.c.id == sa.bindparam("id"))
_HASHES = sa.select(evidence_t.c.sha256).distinct().order_by(evidence_t.c.sha256)


def add_files(conn: Connection, rows: list[dict[str, Any]]) -> None:
    validation.rows(evidence_t, rows, where="佐证材料")
    conn.execute(sa.insert(evidence_t), rows)


def withdraw(conn: Connection, file_id: int, event_id: int) -> bool:
    """Notes the withdrawal event on the file's row (once); False when it was withdrawn already."""
    return bool(conn.execute(_WITHDRAW, {"_id": file_id, "_event": event_id}).rowcount)


def file_row(conn: Connection, file_id: int) -> sa.Row[Any] | None:
    return conn.execute(_BY_ID, {"id": file_id}).one_or_none()


def case_files(conn: Connection, case_id: int) -> list[sa.Row[Any]]:
    return list(conn.execute(_BY_CASE, {"case_id": case_id}))


def cases_holding(conn: Connection, sha256: str) -> list[sa.Row[Any]]:
    """``(case_id, name, media_type)`` of every row of that file."""
    return list(conn.execute(_BY_SHA, {"sha": sha256}))


def counts_by_case(conn: Connection, case_ids: Iterable[int] | None = None,
                   as_of: date | None = None) -> dict[int, int]:
    """Files not withdrawn, per case (of steps dated by ``as_of``)."""
    q = _COUNTS if case_ids is None else _COUNTS.where(evidence_t.c.case_id.in_(list(case_ids)))
    if as_of is not None:
        q = q.where(evidence_t.c.happened_on <= as_of)
    return {int(case_id): int(n) for case_id, n in conn.execute(q)}


def index_of(conn: Connection, case_ids: list[int], *, as_of: date, known_by: Any) -> list[sa.Row[Any]]:
    """The files of these cases a report carries by hash: of steps dated by ``as_of``, uploaded by ``known_by``,
    not withdrawn (the withdrawals are not dated here: a file withdrawn later is left out)."""
    e = evidence_t.c
    q = (sa.select(e.case_id, e.sha256, e.size, e.media_type, e.name, e.kind, e.caption, e.happened_on)
         .where(e.case_id.in_(case_ids), e.happened_on <= as_of, e.uploaded_at < known_by,
                e.withdrawn_event_id.is_(None))
         .order_by(e.case_id, e.id))
    return list(conn.execute(q)) if case_ids else []


def hashes(conn: Connection) -> list[str]:
    return [r[0] for r in conn.execute(_HASHES)]


def event_action(conn: Connection, event_id: int) -> str:
    return str(conn.execute(_ACTION, {"id": event_id}).scalar_one())
