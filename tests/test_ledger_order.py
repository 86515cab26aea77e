"""The ledger's order (SPEC §6): open cases first, then 县 → 乡镇 → organization code; ``--sort deadline`` by
转化时限 then the same place. Both read paths (the tables and a rebuilt day) and every format keep it."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from click.testing import Result

from rectify.config import Config
from rectify.reports.ledger import LedgerFilter, ledger_rows
from rectify.states.stages import CLOSED_STAGES
from rectify.store import Database

Run = Callable[..., Result]
D = "2026-06-30"


def _cases(demo: Run, *extra: str) -> list[dict[str, Any]]:
    result = demo("ledger", "--as-of", D, "--format", "json", *extra)
    assert result.exit_code == 0, result.output
    return list(json.loads(result.stdout)["cases"])


def _place(c: dict[str, Any]) -> tuple[str, str, str, int]:
    return c["county"], c["township"], c["org_code"], c["case_id"]


def test_open_cases_first_then_place(demo: Run) -> None:
    cases = _cases(demo)
    closed = [c["stage"] in CLOSED_STAGES for c in cases]
    assert True in closed and False in closed
    assert closed == sorted(closed)  # every open case before every closed one
    for group in (False, True):
        rows = [_place(c) for c, shut in zip(cases, closed, strict=True) if shut is group]
        assert rows == sorted(rows)
    assert [c["seq"] for c in cases] == list(range(1, len(cases) + 1))
    # not the deadline order: the demo has open cases of one township with deadlines out of order
    assert [c["deadline"] for c in cases] != sorted(c["deadline"] for c in cases)


@pytest.mark.parametrize("word", ["deadline", "时限", "DEADLINE"])
def test_sort_deadline(demo: Run, word: str) -> None:
    cases = _cases(demo, "--sort", word)
    keys = [(c["deadline"], *_place(c)) for c in cases]
    assert keys == sorted(keys)
    assert sorted(c["case_id"] for c in cases) == sorted(c["case_id"] for c in _cases(demo))


def test_the_table_and_csv_follow_the_order(demo: Run) -> None:
    ids = [str(c["case_id"]) for c in _cases(demo)]
    csv_out = demo("ledger", "--as-of", D, "--format", "csv", "-o", "-")
    assert csv_out.exit_code == 0, csv_out.output
    header, *records = csv.reader(io.StringIO(csv_out.stdout.lstrip("\ufeff")))
    assert [r[header.index("党组织名称")] for r in records] == [c["org_name"] for c in _cases(demo)]
    table = demo("ledger", "--as-of", D, "--width", "160")
    assert table.exit_code == 0, table.output
    rows = [line.split()[1] for line in table.stdout.splitlines() if line.strip()[:1].isdigit()]
    assert rows == ids


@pytest.mark.parametrize("sort", ["place", "deadline"])
def test_a_rebuilt_day_has_the_same_order(demo: Run, db: Database, sort: str) -> None:
    day = date.fromisoformat(D)
    f = LedgerFilter(sort=sort)
    tables = [r["case_id"] for r in ledger_rows(db, as_of=day, config=Config(), filters=f, rebuild=False).dicts()]
    rebuilt = [r["case_id"] for r in ledger_rows(db, as_of=day, config=Config(), filters=f, rebuild=True).dicts()]
    assert tables and rebuilt == tables


def test_an_unknown_order_is_refused(demo: Run) -> None:
    result = demo("ledger", "--sort", "乱序")
    assert result.exit_code == 2
    assert "--sort" in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_the_sqlite_place_key_sorts_as_sqlite_sorts() -> None:
    """On SQLite a rebuilt ledger sorts by one text key (rectify.reports.snapshot._place_key): it must order as
    SQLite's ORDER BY county, township, code, id does, prefixes, CJK and characters beyond the BMP included."""
    import sqlite3
    from itertools import product

    from rectify.reports.snapshot import CaseState, _place_key

    words = ["", "a", "ab", "b", "县", "县城", "𠀀", "Z", "a b"]
    cases = [CaseState(id=i, detail="", year=2026, org_code=code, org_name="", kind="", county=county,
                       township=township, poor_village=False, problems=None, stage=stage)
             for i, (county, township, code, stage) in enumerate(product(words[:5], words[3:], words[::2],
                                                                             ("identified", "verified")), start=1)]
    con = sqlite3.connect(":memory:")
    con.execute("CREATE TABLE c (id INTEGER, county TEXT, township TEXT, code TEXT, closed INTEGER)")
    con.executemany("INSERT INTO c VALUES (?, ?, ?, ?, ?)",
                    [(s.id, s.county, s.township, s.org_code, s.stage in CLOSED_STAGES) for s in cases])
    expected = [r[0] for r in con.execute("SELECT id FROM c ORDER BY closed, county, township, code, id")]
    assert [s.id for s in sorted(cases, key=lambda s: _place_key(s, False))] == expected
