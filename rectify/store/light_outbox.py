"""The dry run's reads (``remind run --dry-run``) on sqlite3, without SQLAlchemy: the light read path's outbox.

A dry run only reads: the candidate cases, the 第一书记 tracks, the open measures, the people and contacts of each
chunk of cases, the outbox's recorded items (when it holds any) and one persisted fact. On a SQLite file at this
schema these run as the statements of :mod:`rectify.store.outbox` compiled once into :mod:`rectify.store.compiled_sweep`
(:mod:`rectify.store.light`), with the same parameters, and give the rows the sweep reads by attribute as named
tuples of the same fields, dates as dates and booleans as booleans: importing SQLAlchemy and building its rows was
a sixth of the command's work beyond its floor. ``tests/test_light_reads.py`` holds these rows equal to
:class:`rectify.store.outbox.SqlSweepReader`'s and the printed digests equal to SQLAlchemy's path's.

Only what a dry run asks is here: a real run records, and the other channels' addresses and the 报送 reminders are
read through SQLAlchemy (the command takes this path only without them).
"""

from __future__ import annotations

import json
import sqlite3
from collections import namedtuple
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from typing import Any

from rectify.store import compiled_sweep as compiled
from rectify.store.light import _CONVERT, Light, NotLight

__all__ = ["PREVIEW_CHUNK", "LightOutboxStore", "demo_only", "held_keys"]

_BATCH = 2000  # rows fetched at once from a streamed statement (as SQLAlchemy's yield_per on the other path)
_CLASSES: dict[str, Any] = {}
PREVIEW_CHUNK = 500  # cases whose recorded items one statement reads (both paths)


def held_keys(keys: Sequence[tuple[Any, ...]],
              rows_of: Callable[[list[Any]], Any]) -> set[tuple[Any, ...]]:
    """Those of ``keys`` (case id first) the outbox holds: ``rows_of`` reads the recorded keys of a chunk of case
    ids, :data:`PREVIEW_CHUNK` at a time (the dry run's preview on either path)."""
    wanted = set(keys)
    case_ids = sorted({key[0] for key in wanted})
    held: set[tuple[Any, ...]] = set()
    for start in range(0, len(case_ids), PREVIEW_CHUNK):
        held.update(key for key in map(tuple, rows_of(case_ids[start:start + PREVIEW_CHUNK])) if key in wanted)
    return held


def _maker(name: str) -> Callable[[Sequence[Any]], Any]:
    """A driver row of the compiled statement ``name`` → a named tuple of its columns, each converted as SQLAlchemy
    converts it (the same fields as :func:`rectify.store.outbox._named`'s rows). The converter is written out for
    the statement's columns, as :func:`collections.namedtuple` writes its class: a loop over the converted columns
    took twice as long (~2 µs a candidate row, 36,805 candidates at 100,000 cases)."""
    _, _, columns, kinds = compiled.STATEMENTS[name]
    names = columns.split()
    cls: Any = _CLASSES.get(columns)
    if cls is None:
        cls = _CLASSES[columns] = namedtuple("SweepRow", names)  # type: ignore[misc]  # noqa: PYI024
    if not any(n in kinds for n in names):
        return cls._make  # type: ignore[no-any-return]
    values = ", ".join(f"r[{i}]" if n not in kinds else f"(None if r[{i}] is None else {kinds[n]}(r[{i}]))"
                       for i, n in enumerate(names))
    scope = {"new": tuple.__new__, "cls": cls, **_CONVERT, "date": date.fromisoformat}  # SQLite holds a date as text
    return eval(f"lambda r: new(cls, ({values},))", scope)  # type: ignore[no-any-return]  # noqa: S307 (our text)


def _cursor(light: Light, name: str, **params: Any) -> sqlite3.Cursor:
    sql, defaults, _, _ = compiled.STATEMENTS[name]
    return light._run(sql, {**defaults, **params})


def _all(light: Light, name: str, **params: Any) -> list[Any]:
    """The rows of the compiled statement ``name``, as named tuples."""
    cursor = _cursor(light, name, **params)
    try:
        return list(map(_maker(name), cursor.fetchall()))
    except sqlite3.Error as exc:
        raise NotLight(str(exc)) from None


class LightSweepReader:
    """:class:`rectify.store.outbox.SqlSweepReader`'s reads, on the light path's connection."""

    def __init__(self, light: Light) -> None:
        self.light = light

    def _streamed(self, name: str, **params: Any) -> Iterator[Any]:
        cursor, make = _cursor(self.light, name, **params), _maker(name)
        try:
            while batch := cursor.fetchmany(_BATCH):
                yield from map(make, batch)
        except sqlite3.Error as exc:
            raise NotLight(str(exc)) from None
        finally:
            cursor.close()

    def candidates(
        self, *, stages: Sequence[str], progress_stages: Sequence[str], horizon: date, progress_cutoff: date,
        listed_before: date,
    ) -> Iterator[Any]:
        return self._streamed("sweep:candidates", stages=list(stages), progress_stages=list(progress_stages),
                              horizon=horizon, progress_cutoff=progress_cutoff,
                              listed_before=listed_before)

    def secretary_tasks(self, *, stages: Sequence[str], horizon: date) -> list[Any]:
        return _all(self.light, "sweep:secretary_tasks", stages=list(stages), horizon=horizon)

    def open_measures(self, *, stages: Sequence[str], horizon: date) -> Iterator[Any]:
        return self._streamed("sweep:open_measures", stages=list(stages), horizon=horizon)

    def recipients(self, case_ids: Sequence[int]) -> list[Any]:
        """Rows ``case_id role name email`` as plain tuples (the sweep unpacks them)."""
        cursor = _cursor(self.light, "sweep:recipients", ids=json.dumps(list(case_ids)))
        try:
            return cursor.fetchall()
        except sqlite3.Error as exc:
            raise NotLight(str(exc)) from None

    def addresses(self, case_ids: Sequence[int]) -> list[Any]:
        raise NotLight("the other channels' addresses")  # the command takes SQLAlchemy's path with channels set

    def contacts(self, case_ids: Sequence[int]) -> list[Any]:
        if not case_ids:
            return []
        first: dict[int, Any] = {}
        for row in _all(self.light, "sweep:contacts", ids=json.dumps(list(case_ids))):
            first.setdefault(row.case_id, row)
        return list(first.values())


class LightPreview:
    """:class:`rectify.store.outbox.SqlPreview` on the light path."""

    def __init__(self, light: Light) -> None:
        self.light = light
        self.empty = not _all(light, "sweep:any_item")

    def recorded(self, keys: Sequence[tuple[Any, ...]]) -> set[tuple[Any, ...]]:
        if self.empty or not keys:
            return set()
        return held_keys(keys, lambda case_ids: _all(self.light, "sweep:recorded", case_ids=case_ids))


class LightOutboxStore:
    """What a dry run asks of the outbox (:class:`rectify.notifications.store.OutboxStore`), read on sqlite3."""

    def __init__(self, light: Light) -> None:
        self.light = light

    def get_state(self, name: str) -> str | None:
        rows = _all(self.light, "sweep:state", state_name=name)
        return rows[0][0] if rows else None

    @contextmanager
    def reading(self) -> Iterator[LightSweepReader]:
        yield LightSweepReader(self.light)

    @contextmanager
    def previewing(self) -> Iterator[LightPreview]:
        yield LightPreview(self.light)


def demo_only(light: Light) -> bool:
    """The database holds the demo county and nothing else (:func:`rectify.demo.demo_data.with_demo_report`'s test,
    with the demo's codes and names compiled in)."""
    foreign = (_all(light, "demo:foreign_orgs")[0][0], _all(light, "demo:foreign_people")[0][0])
    return foreign == (0, 0) and bool(_all(light, "demo:org_count")[0][0])
