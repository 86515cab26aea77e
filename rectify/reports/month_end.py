"""Month-end snapshots (SPEC §6.2): each case's folded state at the end of a month in which it changed, so a past
day folds only the events after the latest one instead of the whole history.

A snapshot is derived data (table ``case_snapshot``, statements in :mod:`rectify.store.month_end`): :func:`fill`
writes, for every month end up to a day, the state of each case that had an event dated in that month, starting
from the case's latest snapshot; :func:`rectify.reports.snapshot.rebuild` starts each case from its latest
snapshot of the current :func:`fingerprint` dated by the day. A back-dated event deletes its case's snapshots from
its business date on (:meth:`rectify.store.cases.CaseStore.append_event`), a changed :class:`CaseState` or policy
changes the fingerprint (old rows are ignored, then dropped by the next fill), and a case without a usable
snapshot folds from the start: a missing row costs time, never correctness. ``--known-on`` rebuilds never use
snapshots (they do not know when an event was recorded).

An import's fold reads the day (its row's own dates, `snapshot_import.fold_import`): a case with one
is snapshotted only at a month end whose fold equals the fold for any later day (every date its row names passed).
"""

from __future__ import annotations

from calendar import monthrange
from datetime import date, timedelta
from typing import Any

from rectify.config import Config, PolicyConfig
from rectify.reports import snapshot_codec as codec
from rectify.reports.snapshot import CaseState, Event, apply_event
from rectify.states.transitions import IMPORT_ACTION
from rectify.store import Database
from rectify.store import month_end as stored

__all__ = ["decode", "encode", "fill", "fingerprint", "last_month_end", "month_end_of"]


def fingerprint(policy: PolicyConfig) -> str:
    return codec.fingerprint(policy, CaseState)


def decode(state: str, fixed: tuple[Any, ...]) -> CaseState:
    return codec.decode(state, fixed, CaseState)  # type: ignore[no-any-return]


encode = codec.encode



def month_end_of(day: date) -> date:
    return day.replace(day=monthrange(day.year, day.month)[1])


def last_month_end(day: date) -> date:
    """The latest month end on or before ``day``."""
    end = month_end_of(day)
    return end if end == day else day.replace(day=1) - timedelta(days=1)


def fill(db: Database, config: Config, until: date, chunk: int = 2000) -> int:
    """Writes, for every month end up to ``until``, the state of each case that had an event dated in that month
    and has no snapshot of the current format then; returns the number of rows written.

    Each case continues from its latest snapshot, so a monthly run folds only the month's events. Cases go in
    chunks of ids, each chunk read and written in one write transaction (a step waits for it)."""
    policy = config.policy
    fmt = fingerprint(policy)
    until = last_month_end(until)
    with db.step() as conn:
        stored.drop_other_formats(conn, fmt)
        bounds = stored.case_id_bounds(conn)
    if bounds is None:
        return 0
    written = 0
    for low in range(bounds[0], bounds[1] + 1, chunk):
        with db.step() as conn:
            cases, events = stored.chunk_to_fill(conn, (low, low + chunk - 1), until, fmt)
            rows = list(_fill_chunk(cases, events, policy, until, fmt))
            stored.write(conn, rows)
        written += len(rows)
    return written


def _fill_chunk(cases: list[Any], events: list[Any], policy: PolicyConfig, until: date,
                fmt: str) -> Any:
    """``(case_id, month_end, state, fmt)`` of each case's months with events after its latest snapshot.

    An import's fold reads the day (`snapshot_import.fold_import`): a case with one is folded for any
    later day (``date.max``) and written at a month end only if its history folded for that month end is the same
    (every date the row names has passed by then; each such date only turns a value on, so the two ends agreeing
    means every day between agrees)."""
    day = date.fromisoformat
    pending = iter(events)
    event = next(pending, None)
    for cid, org_name, _, state in cases:
        fixed = (cid, "", 0, "", org_name, "", "", "", False, None, 0)
        s = CaseState(*fixed) if state is None else decode(state, fixed)
        while event is not None and event[0] < cid:
            event = next(pending, None)
        due: date | None = None  # the month end the state folded so far is to be written at (None: nothing new)
        folded: list[Event] | None = None  # the events folded, once an import is among them
        while event is not None and event[0] == cid:
            _, action, to_stage, on, raw = event
            e = Event(action, to_stage, on if isinstance(on, date) else day(on), raw)
            if due is not None and e.on > due and _settled(s, folded, fixed, state, due, policy):
                yield cid, due, encode(s), fmt
            if action == IMPORT_ACTION and folded is None:
                folded = []
            if folded is not None:
                folded.append(e)
            apply_event(s, e, policy, date.max)
            due = month_end_of(e.on)
            event = next(pending, None)
        if due is not None and due <= until and _settled(s, folded, fixed, state, due, policy):
            yield cid, due, encode(s), fmt


def _settled(s: CaseState, folded: list[Event] | None, fixed: tuple[Any, ...], state: str | None, on: date,
             policy: PolicyConfig) -> bool:
    """Whether the state folded for any later day is the state of day ``on`` (always, without an import)."""
    if folded is None:
        return True
    then = CaseState(*fixed) if state is None else decode(state, fixed)
    for e in folded:
        if e.on <= on:
            apply_event(then, e, policy, on)
    return encode(then) == encode(s)
