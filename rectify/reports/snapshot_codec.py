"""How a month-end snapshot stores a folded case (:mod:`rectify.reports.month_end`): compact JSON of the state's
fields in order, under a fingerprint of their layout and the policy, and the statements a past day reads them by.

Kept apart from the folds so that :func:`rectify.reports.snapshot.rebuild` reads snapshots without importing the
filling side; the state's class is passed in (``cls``: :class:`rectify.reports.snapshot.CaseState`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, fields
from datetime import date
from functools import partial
from typing import Any

from sqlalchemy.engine import Connection

from rectify.config import PolicyConfig
from rectify.store import month_end as stored
from rectify.store.ledger import LedgerFilter

__all__ = ["decode", "encode", "fingerprint", "start", "streams"]

# Bump when a fold's meaning changes (rectify.reports.snapshot.FOLDS): every stored snapshot is then ignored. Only
# the import's fold may read the day (month_end._settled checks it); a new fold that does must be checked there too.
FOLD_VERSION = 1

# The case's fixed facts, read with it each time (never stored): the rest of the state is stored.
FIXED = ("id", "detail", "year", "org_code", "org_name", "kind", "county", "township", "poor_village", "problems",
         "place_rank")
_DATE_TAG = "$d"  # a date inside a list or dict (a secretary's since, until, term end)


class _Layout:
    """The stored fields of ``cls`` and where its top-level dates, last progress and early measures sit."""

    def __init__(self, cls: type) -> None:
        self.fields = tuple(f for f in fields(cls) if f.name not in FIXED)
        self.names = tuple(f.name for f in self.fields)
        self.dates = tuple(i for i, f in enumerate(self.fields) if "date" in str(f.type))
        self.progress = self.names.index("progress")
        self.done_early = self.names.index("done_early")


_LAYOUTS: dict[type, _Layout] = {}


def _layout(cls: type) -> _Layout:
    lay = _LAYOUTS.get(cls)
    if lay is None:
        lay = _LAYOUTS[cls] = _Layout(cls)
    return lay


def fingerprint(policy: PolicyConfig, cls: type) -> str:
    """The stored state's layout (the class's fields and types), :data:`FOLD_VERSION` and the policy the folds
    read: a row written under another is never read."""
    import hashlib

    layout = [(f.name, str(f.type)) for f in fields(cls)]
    text = json.dumps([FOLD_VERSION, layout, asdict(policy)], sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _tag(value: Any) -> Any:
    if isinstance(value, date):
        return {_DATE_TAG: value.isoformat()}
    raise TypeError(f"month-end snapshot: cannot store {type(value).__name__}")


def _untag(obj: dict[str, Any]) -> Any:
    return date.fromisoformat(obj[_DATE_TAG]) if len(obj) == 1 and _DATE_TAG in obj else obj


_DECODER = json.JSONDecoder(object_hook=_untag)


def encode(s: Any) -> str:
    """The folded fields in order, compact JSON: top-level dates as ISO text, nested ones tagged, the last
    progress report as its note, the measures done early as pairs."""
    lay = _layout(type(s))
    values = [getattr(s, n) for n in lay.names]
    for i in lay.dates:
        if values[i] is not None:
            values[i] = values[i].isoformat()
    values[lay.progress] = s.progress_note
    values[lay.done_early] = sorted(s.done_early.items())
    return json.dumps(values, ensure_ascii=False, separators=(",", ":"), default=_tag)


def decode(state: str, fixed: tuple[Any, ...], cls: type) -> Any:
    """The case as its snapshot left it, with its fixed facts (``FIXED`` order) as read now."""
    lay = _layout(cls)
    values = _DECODER.decode(state)
    iso = date.fromisoformat
    for i in lay.dates:
        if values[i] is not None:
            values[i] = iso(values[i])
    values[lay.done_early] = {int(k): v for k, v in values[lay.done_early]}
    return cls(*fixed, *values)


def start(cls: type, row: tuple[Any, ...]) -> Any:
    """A case row of :func:`rectify.store.month_end.cases_with_state`: from its snapshot, else from nothing."""
    cid, detail, year, code, name, kind, county, township, poor, problems, rank, state = row
    fixed = (cid, detail, year, code, name, kind, county, township, bool(poor), problems, rank)
    if state is None:
        return cls(*fixed)
    return decode(state, fixed, cls)


def streams(conn: Connection, f: LedgerFilter, as_of: date, policy: PolicyConfig, case_id: int | None,
            cls: type) -> tuple[Any, Any, Callable[[Any], Any]]:
    """What :func:`rectify.reports.snapshot.rebuild` folds from snapshots: the case rows with their latest
    snapshot's state, the events after it, and how a case row starts."""
    fmt = fingerprint(policy, cls)
    return (stored.cases_with_state(conn, f, as_of, fmt, case_id), stored.events_after(conn, f, as_of, fmt, case_id),
            partial(start, cls))
