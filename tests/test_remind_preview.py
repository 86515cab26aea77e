"""The dry run writes nothing, not even to roll it back, and shows the digests a real run then records."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from rectify.notifications.outbox import run_sweep
from rectify.notifications.render import Renderer
from rectify.store import Database
from rectify.store.outbox import SqlOutboxStore
from rectify.write.engine import Workflow

from .conftest import FakeClock
from .remind_helpers import AS_OF_ISO, build_county, county_config, memory_store

AS_OF = date.fromisoformat(AS_OF_ISO)


@pytest.fixture
def county(wf: Workflow, clock: FakeClock) -> tuple[int, int]:
    return build_county(wf, clock)


def _statements(db: Database) -> tuple[list[str], Any]:
    seen: list[str] = []

    def hook(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement.lstrip().split(None, 1)[0].upper())

    sa.event.listen(db.engine, "before_cursor_execute", hook)
    return seen, hook


def _shown(result: Any) -> list[tuple[str, int, str, str]]:
    return [(d["recipient"], d["items"], d["subject"], d["body_text"]) for d in result.digests]


@pytest.mark.parametrize("day", [0, 4])
def test_a_dry_run_sends_no_write_and_shows_what_the_run_records(
    db: Database, clock: FakeClock, county: tuple, day: int
) -> None:
    store = SqlOutboxStore(db)
    if day:  # the outbox holds the first day's items: the dry run shows only what is new
        run_sweep(store, county_config(), as_of=AS_OF, now=clock.now, renderer=Renderer())
    on = AS_OF + timedelta(days=day)
    seen, hook = _statements(db)
    try:
        dry = run_sweep(store, county_config(), as_of=on, now=clock.now, renderer=Renderer(), dry_run=True)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", hook)
    assert seen and set(seen) <= {"SELECT", "WITH"}, set(seen)
    real = run_sweep(store, county_config(), as_of=on, now=clock.now, renderer=Renderer())
    assert dry.digests and _shown(dry) == _shown(real)
    assert dry.new_items == real.new_items and dry.items == real.items


def test_the_memory_store_previews_as_the_sql_one(db: Database, clock: FakeClock, county: tuple) -> None:
    sql, memory = SqlOutboxStore(db), memory_store(db)
    for store in (sql, memory):
        run_sweep(store, county_config(), as_of=AS_OF, now=clock.now, renderer=Renderer())
    later = AS_OF + timedelta(days=4)
    dry = [run_sweep(s, county_config(), as_of=later, now=clock.now, renderer=Renderer(), dry_run=True)
           for s in (sql, memory)]
    assert _shown(dry[0]) == _shown(dry[1]) and dry[0].digests


@pytest.mark.parametrize("keep", [0, 3, 2500, 10_000])
def test_a_spool_gives_back_its_records_in_order(monkeypatch: pytest.MonkeyPatch, keep: int) -> None:
    """The sweep's spool holds its first records in memory and writes the rest to its file: read back once, they
    come in the order they went in, whichever side of the bound they fell."""
    from rectify.notifications import sweeping

    monkeypatch.setattr(sweeping, "KEEP", keep)
    spool = sweeping.Spooled()
    records = [(n, f"case {n}", date(2026, 6, 30) + timedelta(days=n % 7)) for n in range(2500)]
    for record in records:
        spool.add(record)
    assert spool.count == len(records)
    assert list(spool) == records
    spool.close()
