"""A read command's statements on sqlite3, without SQLAlchemy (issue 29): the light read path.

Importing SQLAlchemy is most of a read command's time. The statements ``case show``, ``case list`` and the
ledger run are compiled once from the SQLAlchemy statements of this package into :mod:`rectify.store.compiled`
(``python -m rectify.store.prepared``; a test fails when it is stale, another holds this path's rows equal to
SQLAlchemy's); :class:`Light` runs them on the DB-API and gives rows as SQLAlchemy's: dates as dates, booleans
as booleans, the columns as attributes.

Only the usual case takes this path: a SQLite file at this schema, today's state. Anything else — another
database, a schema to upgrade, a case reference that is not plainly found, a driver error — raises
:class:`NotLight` (or :func:`open_light` gives None), and the caller runs the same read through SQLAlchemy,
which gives the answer or the error exactly as before.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from enum import Enum
from operator import itemgetter
from pathlib import Path
from typing import Any

from rectify.states.permissions import Actor
from rectify.store import compiled
from rectify.store.plain import LEDGER_KEYS, LedgerFilter, fold_late_facts, limited, resolve_url, selects_all

__all__ = ["Light", "NotLight", "filtered", "open_light"]

_EXPANDING = re.compile(r"__\[POSTCOMPILE_(\w+)\]")
_MAX_CASE_ID = 2**31 - 1  # as rectify.store.tables.MAX_CASE_ID


class NotLight(Exception):  # noqa: N818  (not an error: the signal to take SQLAlchemy's path)
    """This read is not for the light path: run it through SQLAlchemy."""


def _utc(value: Any) -> Any:
    return datetime.fromisoformat(value).replace(tzinfo=UTC) if isinstance(value, str) else value


def _datetime(value: Any) -> Any:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def _date(value: Any) -> Any:
    return date.fromisoformat(value) if isinstance(value, str) else value


_CONVERT: dict[str, Callable[[Any], Any]] = {"date": _date, "datetime": _datetime, "utc": _utc, "bool": bool}
_ROW_CLASSES: dict[str, type] = {}


def _row_class(columns: str) -> type:
    """A tuple with the columns as attributes and ``_mapping``, as a SQLAlchemy Row has."""
    cls = _ROW_CLASSES.get(columns)
    if cls is None:
        names = tuple(columns.split())
        attrs: dict[str, Any] = {n: property(itemgetter(i)) for i, n in enumerate(names)}
        attrs.update(__slots__=(), _fields=names, _mapping=property(lambda self: dict(zip(names, self, strict=True))))
        cls = _ROW_CLASSES[columns] = type("Row", (tuple,), attrs)
    return cls


def _value(value: Any) -> Any:
    """A parameter as SQLAlchemy's SQLite dialect binds it."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    return value


def _states(value: Any) -> Any:
    """A value the compiled module names (``("states", "CLOSED_STAGES")``), from rectify.states.stages."""
    if isinstance(value, tuple) and len(value) == 2 and value[0] == "states":
        from rectify.states import stages

        return list(getattr(stages, value[1]))
    return value


def _bound(sql: str, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Expands each list parameter into one parameter per value, as SQLAlchemy does at execution (a list of whole
    numbers into the numbers themselves)."""
    out = {k: _value(_states(v)) for k, v in params.items()}

    def expand(match: re.Match[str]) -> str:
        name = match.group(1)
        values = out.pop(name)
        if not values:
            raise NotLight(f"empty list {name}")  # SQLAlchemy writes an empty set; not done here
        if all(v.__class__ is int for v in values):
            # Whole numbers (case ids) written as numbers: SQLite finds a named parameter by a scan of those before
            # it, when it parses the statement and again when it binds each one, so a batch of 2,000 ids as
            # :ids_1 … :ids_2000 costs millions of name comparisons (the ledger CSV's facts: 40 % of their time).
            return ", ".join(map(str, values))
        for i, v in enumerate(values, 1):
            out[f"{name}_{i}"] = _value(v)
        return ", ".join(f":{name}_{i}" for i in range(1, len(values) + 1))

    return _EXPANDING.sub(expand, sql), out


def filtered(name: str, f: dict[str, Any], reader: Actor | None) -> tuple[str, dict[str, Any], str, dict[str, str]]:
    """The filtered statement ``name`` as :func:`rectify.store.ledger.filter_clauses` writes it for ``f``."""
    head, order, defaults, columns, kinds = compiled.FILTERED[name]
    params = {**defaults}
    where = []
    for key in ("county", "township", "kind", "stage", "year", "supervised"):
        if f.get(key) is not None:
            where.append(compiled.WHERE[key])
            params[key] = f[key]
    if f.get("open_only"):
        where.append(compiled.WHERE["open_only"])
        params.update(compiled.WHERE_DEFAULTS)
    if reader is not None and limited(reader):
        key = "scope_township" if reader.township is not None else "scope"
        where.append(compiled.WHERE[key])
        params["scope"] = list(reader.counties)
        if reader.township is not None:
            params["scope_township"] = reader.township
    sql = head + (" \nWHERE " + " AND ".join(where) if where else "") + " ORDER BY " + order
    return sql, params, columns, kinds


class Light:
    """One sqlite3 connection to the file, and the compiled statements run on it."""

    light = True  # what a reader checks (rectify.reports.ledger) without importing this module

    def __init__(self, con: sqlite3.Connection) -> None:
        self.con = con

    def close(self) -> None:
        self.con.close()

    def _run(self, sql: str, params: dict[str, Any]) -> sqlite3.Cursor:
        text, values = _bound(sql, params)
        try:
            return self.con.execute(text, values)
        except sqlite3.Error as exc:
            raise NotLight(str(exc)) from None

    def _rows(self, sql: str, params: dict[str, Any], columns: str, kinds: dict[str, str]) -> list[Any]:
        cursor = self._run(sql, params)
        try:
            fetched = cursor.fetchall()
        except sqlite3.Error as exc:
            raise NotLight(str(exc)) from None
        make = _row_class(columns)
        if kinds:
            names = columns.split()
            procs = [_CONVERT[kinds[n]] if n in kinds else None for n in names]
            fetched = [tuple(v if p is None or v is None else p(v) for p, v in zip(procs, r, strict=True))
                       for r in fetched]
        return [make(r) for r in fetched]

    def rows(self, name: str, **params: Any) -> list[Any]:
        """The rows of the compiled statement ``name``."""
        sql, defaults, columns, kinds = compiled.STATEMENTS[name]
        return self._rows(sql, {**defaults, **params}, columns, kinds)

    def one_or_none(self, name: str, **params: Any) -> Any:
        found = self.rows(name, **params)
        if len(found) > 1:
            raise NotLight(f"{name}: more than one row")
        return found[0] if found else None

    # -- what the read commands ask ------------------------------------------------------------------

    def latest_day(self) -> date | None:
        """The latest business date anything stored carries (:func:`rectify.store.snapshot.latest_dates`)."""
        row = self.rows("latest_dates")[0]
        days = [d if isinstance(d, date) else date.fromisoformat(str(d)[:10]) for d in row[:-1] if d is not None]
        return max(days) if days else None

    def settings(self) -> dict[str, str]:
        return {r.name: r.value for r in self.rows("settings")}

    def registered(self) -> int:
        return int(self.rows("registered")[0][0])

    def person(self, key: str) -> Any:
        """As :func:`rectify.store.people.find_person`: a name wins over another's login."""
        found = self.rows("person", key=key)
        return next((r for r in found if r.name == key), found[0] if found else None)

    def resolve_seen(self, ref: str | int, reader: Actor | None) -> tuple[Any, Any]:
        """The case ``ref`` plainly names (its number, or its organization's code with an open case) and its
        organization, when ``reader`` sees it; anything else (unknown, ambiguous, out of scope) is
        :class:`NotLight`, so SQLAlchemy's path gives the very refusal it always gave."""
        text = str(ref).strip()
        row = None
        if text.isdigit() and len(text) <= 10 and int(text) <= _MAX_CASE_ID:
            row = self.one_or_none("case_by_id", id=int(text))
            if row is not None and self.rows("org_by_code", code=text):
                raise NotLight("a case number that is also an organization code")
        elif text and ":" not in text:
            row = self.one_or_none("open_case_by_code", code=text)
        if row is None:
            raise NotLight("not plainly one case")
        org = self.one_or_none("org", id=row.org_id)
        if org is None or (reader is not None and not reader.sees(org.county, org.township)):
            raise NotLight("not seen")
        return row, org

    def case_parts(self, case_id: int) -> dict[str, list[Any]]:
        """As :func:`rectify.store.reads.case_parts`, in the same order."""
        return {name.partition(":")[2]: self.rows(name, case_id=case_id) for name in compiled.PARTS}

    def files(self, case_id: int) -> list[Any]:
        return self.rows("files", case_id=case_id)

    def case_rows(self, *, reader: Actor | None = None, **f: Any) -> list[Any]:
        """As :func:`rectify.store.reads.case_rows`."""
        return self._rows(*filtered("case_rows", f, reader))

    def late_stage_facts(self, case_ids: list[int], *, typed: bool = True) -> dict[int, dict[str, Any]]:
        """As :func:`rectify.store.late_facts.late_stage_facts`: the same three statements, the same fold.
        ``typed=False``: the dates as SQLite holds them, their ISO text (what a spreadsheet cell writes anyway), not
        parsed into dates only to be written back (the CSV's batches)."""
        ids = sorted(set(case_ids))
        if not ids:
            return {}

        def fetch(part: str) -> list[Any]:
            sql, defaults, columns, kinds = compiled.STATEMENTS[f"late:{part}"]
            return self._rows(sql, {**defaults, "ids": ids}, columns, kinds if typed else {})

        return fold_late_facts(fetch("verifications"), fetch("held"), fetch("events"))

    @contextmanager
    def ledger_tuples(self, f: LedgerFilter) -> Iterator[Any]:
        """As :func:`rectify.store.ledger.ledger_tuples`: the driver's tuples in :data:`LEDGER_KEYS` order."""
        name = f"ledger:{'whole' if selects_all(f) else 'filtered'}:{f.sort}"
        if name not in compiled.FILTERED:
            raise NotLight(f"ledger order {f.sort}")
        sql, params, columns, _ = filtered(name, {
            "county": f.county, "township": f.township, "kind": f.kind, "stage": f.stage, "year": f.year,
            "open_only": f.open_only}, f.reader)
        if tuple(columns.split()) != LEDGER_KEYS:
            raise RuntimeError(f"ledger query columns changed: {columns}")
        cursor = self._run(sql, params)
        try:
            yield cursor
        finally:
            cursor.close()


def open_light(url: str | None) -> Light | None:
    """The light path on ``url`` when it is a SQLite file at the compiled schema; None otherwise (SQLAlchemy's
    path then opens it, or says what is wrong with it)."""
    full = resolve_url(url)
    prefix = "sqlite:///"
    if not full.startswith(prefix) or "?" in full:
        return None
    path = Path(full[len(prefix):])
    if not path.is_file() or not os.access(path, os.R_OK):
        return None
    try:
        timeout = float(os.environ.get("RECTIFY_DB_LOCK_TIMEOUT", "").strip() or 5.0)
        con = sqlite3.connect(path, timeout=timeout)
    except (ValueError, sqlite3.Error):
        return None
    light = Light(con)
    try:
        revision = light._run(compiled.STATEMENTS["revision"][0], {}).fetchall()
    except (NotLight, sqlite3.Error):
        revision = []
    if revision != [(compiled.SCHEMA_HEAD,)]:
        light.close()
        return None
    return light
