"""A filtered or scoped ledger looks its cases' aggregates up one case at a time (issue 29) where the whole ledger
joins grouped aggregates: both give every case the same row, on both backends."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from click.testing import Result

from rectify.states.permissions import Actor
from rectify.store import Database
from rectify.store.ledger import LEDGER_KEYS, LedgerFilter, ledger_tuples, selects_all

Run = Callable[..., Result]


def _rows(db: Database, f: LedgerFilter) -> list[tuple[Any, ...]]:
    with ledger_tuples(db, f, batch=100) as rows:
        return [tuple(r) for r in rows]


def test_filtered_rows_are_the_whole_ledgers_rows(demo: Run, db: Database) -> None:
    whole = _rows(db, LedgerFilter())
    assert whole
    at = {k: LEDGER_KEYS.index(k) for k in ("id", "county", "township", "kind", "stage")}
    county, township = whole[0][at["county"]], whole[0][at["township"]]
    officer = Actor("经办人", role="county_officer", counties=(county,))
    cadre = Actor("包村干部", role="township_cadre", counties=(county,), township=township)
    checks: list[tuple[LedgerFilter, Callable[[tuple[Any, ...]], bool]]] = [
        (LedgerFilter(county=county), lambda r: r[at["county"]] == county),
        (LedgerFilter(county=county, township=township),
         lambda r: r[at["county"]] == county and r[at["township"]] == township),
        (LedgerFilter(township=township), lambda r: r[at["township"]] == township),
        (LedgerFilter(kind="community"), lambda r: r[at["kind"]] == "community"),
        (LedgerFilter(reader=officer), lambda r: r[at["county"]] == county),
        (LedgerFilter(reader=cadre, sort="deadline"),
         lambda r: r[at["county"]] == county and r[at["township"]] == township),
    ]
    by_id = {r[at["id"]]: r for r in whole}
    for f, keeps in checks:
        assert not selects_all(f)
        got = _rows(db, f)
        assert got, f
        assert sorted(r[at["id"]] for r in got) == sorted(r[at["id"]] for r in whole if keeps(r)), f
        for r in got:
            assert r == by_id[r[at["id"]]], (f, r[at["id"]])
    assert _rows(db, LedgerFilter(county="无此县")) == []
    assert [r[at["id"]] for r in _rows(db, LedgerFilter(county=county))] == [
        r[at["id"]] for r in whole if r[at["county"]] == county]
