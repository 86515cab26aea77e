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

An import's fold reads the day (its row's own dates, :func:`rectify.reports.snapshot._import`): a case is
snapshotted only at month ends on or after every date its import event names, from which day on that fold no
longer changes.
"""

from __future__ import annotations

import json
import re
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
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")



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


def _latest_named(raw: Any) -> date:
    """The latest ISO date an event's inputs name anywhere (one that is not a date: never settled)."""
    latest = date.min
    for text in _ISO_DAY.findall(raw if isinstance(raw, str) else json.dumps(raw or {})):
        try:
            latest = max(latest, date.fromisoformat(text))
        except ValueError:
            return date.max
    return latest


def _fill_chunk(cases: list[Any], events: list[Any], policy: PolicyConfig, until: date,
                fmt: str) -> Any:
    """``(case_id, month_end, state, fmt)`` of each case's months with events after its latest snapshot."""
    day = date.fromisoformat
    pending = iter(events)
    event = next(pending, None)
    for cid, org_name, _, state in cases:
        fixed = (cid, "", 0, "", org_name, "", "", "", False, None, 0)
        s = CaseState(*fixed) if state is None else decode(state, fixed)
        while event is not None and event[0] < cid:
            event = next(pending, None)
        month: date | None = None  # the month end of the events folded and not yet written
        settled = date.min  # the first month end at which the case's imports no longer read the day
        while event is not None and event[0] == cid:
            _, action, to_stage, on, raw = event
            on = on if isinstance(on, date) else day(on)
            if month is not None and on > month and month >= settled:
                yield cid, month, encode(s), fmt
            month = month_end_of(on)
            if action == IMPORT_ACTION:
                settled = max(settled, _latest_named(raw))
            apply_event(s, Event(action, to_stage, on, raw), policy, until)
            event = next(pending, None)
        if month is not None and month <= until and month >= settled:
            yield cid, month, encode(s), fmt
