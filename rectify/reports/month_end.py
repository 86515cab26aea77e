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

import hashlib
import json
import re
from calendar import monthrange
from collections.abc import Callable
from dataclasses import asdict, fields
from datetime import date, timedelta
from typing import Any

from sqlalchemy.engine import Connection

from rectify.config import Config, PolicyConfig
from rectify.reports.snapshot import CaseState, Event, apply_event
from rectify.states.transitions import IMPORT_ACTION
from rectify.store import Database
from rectify.store import month_end as stored
from rectify.store.ledger import LedgerFilter

__all__ = ["decode", "encode", "fill", "fingerprint", "last_month_end", "month_end_of", "start", "streams"]

# Bump when a fold's meaning changes (rectify.reports.snapshot.FOLDS): every stored snapshot is then ignored.
FOLD_VERSION = 1

# The case's fixed facts, read with it each time (never stored): the rest of CaseState is the stored state.
_FIXED = ("id", "detail", "year", "org_code", "org_name", "kind", "county", "township", "poor_village", "problems",
          "place_rank")
_FIELDS = tuple(f for f in fields(CaseState) if f.name not in _FIXED)
_NAMES = tuple(f.name for f in _FIELDS)
_DATES = tuple(i for i, f in enumerate(_FIELDS) if "date" in str(f.type))  # top-level dates, as ISO text
_PROGRESS = _NAMES.index("progress")
_DONE_EARLY = _NAMES.index("done_early")
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATE_TAG = "$d"  # a date inside a list or dict (a secretary's since, until, term end)


def fingerprint(policy: PolicyConfig) -> str:
    """The stored state's layout (CaseState's fields and types), :data:`FOLD_VERSION` and the policy the folds
    read: a row written under another is never read."""
    layout = [(f.name, str(f.type)) for f in fields(CaseState)]
    text = json.dumps([FOLD_VERSION, layout, asdict(policy)], sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _tag(value: Any) -> Any:
    if isinstance(value, date):
        return {_DATE_TAG: value.isoformat()}
    raise TypeError(f"month-end snapshot: cannot store {type(value).__name__}")


def _untag(obj: dict[str, Any]) -> Any:
    return date.fromisoformat(obj[_DATE_TAG]) if len(obj) == 1 and _DATE_TAG in obj else obj


_DECODER = json.JSONDecoder(object_hook=_untag)


def encode(s: CaseState) -> str:
    """The folded fields in order, compact JSON: top-level dates as ISO text, nested ones tagged, the last
    progress report as its note, the measures done early as pairs."""
    values = [getattr(s, n) for n in _NAMES]
    for i in _DATES:
        if values[i] is not None:
            values[i] = values[i].isoformat()
    values[_PROGRESS] = s.progress_note
    values[_DONE_EARLY] = sorted(s.done_early.items())
    return json.dumps(values, ensure_ascii=False, separators=(",", ":"), default=_tag)


def decode(state: str, fixed: tuple[Any, ...]) -> CaseState:
    """The case as its snapshot left it, with its fixed facts (``_FIXED`` order) as read now."""
    values = _DECODER.decode(state)
    iso = date.fromisoformat
    for i in _DATES:
        if values[i] is not None:
            values[i] = iso(values[i])
    values[_DONE_EARLY] = {int(k): v for k, v in values[_DONE_EARLY]}
    return CaseState(*fixed, *values)


def start(row: tuple[Any, ...]) -> CaseState:
    """A case row of :func:`rectify.store.month_end.cases_with_state`: from its snapshot, else from nothing."""
    cid, detail, year, code, name, kind, county, township, poor, problems, rank, _, state = row
    fixed = (cid, detail, year, code, name, kind, county, township, bool(poor), problems, rank)
    if state is None:
        return CaseState(*fixed)
    return decode(state, fixed)


def streams(conn: Connection, f: LedgerFilter, as_of: date, policy: PolicyConfig,
            case_id: int | None) -> tuple[Any, Any, Callable[[Any], CaseState]]:
    """What :func:`rectify.reports.snapshot.rebuild` folds from snapshots: the case rows with their latest
    snapshot's state, the events after it, and how a case row starts."""
    fmt = fingerprint(policy)
    return (stored.cases_with_state(conn, f, as_of, fmt, case_id), stored.events_after(conn, f, as_of, fmt, case_id),
            start)


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
