"""A rebuilt day is sorted in bounded memory: sorted runs spilled to temporary files and merged."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date

import pytest
from click.testing import Result

from rectify import spill
from rectify.config import Config
from rectify.reports.ledger import LedgerFilter, ledger_rows
from rectify.store import Database

Run = Callable[..., Result]


@pytest.mark.parametrize("chunk", [1, 3, 7, 100, 1000])
def test_sorted_spilling_is_sorted(chunk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(chunk)
    items = [(rng.randrange(50), i) for i in range(257)]  # ties on the key keep their input order, as sorted() does
    spilled: list[int] = []
    real = spill._spill

    def counting(block: list[tuple[int, int]]) -> object:
        spilled.append(len(block))
        return real(block)

    monkeypatch.setattr(spill, "_spill", counting)
    out = list(spill.sorted_spilling(items, key=lambda p: p[0], chunk=chunk))
    assert out == sorted(items, key=lambda p: p[0])
    assert sum(spilled) == (len(items) if chunk < len(items) else 0)  # spilled only past the chunk
    assert all(n <= chunk for n in spilled)


def test_an_empty_input() -> None:
    assert list(spill.sorted_spilling([], key=lambda x: x, chunk=2)) == []


def test_a_rebuilt_ledger_sorted_through_files_is_the_same(demo: Run, db: Database,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo county rebuilt for a day with runs of 5 rows on disk gives the ledger the one in-memory sort gives."""
    day = date(2026, 6, 30)
    by_deadline = LedgerFilter(sort="deadline")  # the order that differs most from the fold's (by case id)
    in_memory = list(ledger_rows(db, as_of=day, config=Config(), filters=by_deadline, rebuild=True).dicts())
    monkeypatch.setattr(spill, "CHUNK", 5)
    spilled: list[int] = []
    real = spill._spill
    monkeypatch.setattr(spill, "_spill", lambda block: spilled.append(len(block)) or real(block))
    merged = list(ledger_rows(db, as_of=day, config=Config(), filters=by_deadline, rebuild=True).dicts())
    assert len(in_memory) > 10 and merged == in_memory
    assert sum(spilled) == len(merged)
    assert [r["deadline"] for r in merged] == sorted(r["deadline"] for r in merged)
