"""Filtered reads (``ledger_township``, ``ledger_county``, ``inbox``): what one officer's page reads, in ms.

The place is the middle open case's: its township (county and township, as a township-scoped reader has them), its
county, and a 县委组织部经办人 of that county for 我的待办. The product path is the one the web takes (the
ledger's rows through :func:`rectify.reports.ledger.ledger_rows`, the inbox through ``Service.tasks``).

The ledger's floor (:mod:`bench.ledger_floor`) makes the same rows by hand: on a raw sqlite3 connection the latest
business date anything stored carries (the eleven maxima the product reads to know the tables are the day), then a
hand-written query giving the ledger query's tuple for the place's cases only (each per-case aggregate — problems,
measures, extensions, failed verifications, the secretaries in post, the day the last 第一书记 left, the last
progress note, the people — a look-up by case), then for each tuple by hand-written code (:mod:`bench.csv_floor`'s
cells, unquoted) the light and every cell the product's row carries: the measures' lines with their 完成情况 and
the overdue count, the problems' text, for an open case its light (the worse of the deadline's and the task's
windows, the 第一书记 track's task beside them, red for an overdue measure), 当前待办 with its due day, the days
left to it and to the 转化时限 and the light's reason, the secretaries' cells, the last progress, the judgment's
cells, 回头看, 曾列入年份 and 备注. The first pair is checked equal: the product's (light, cells, tuple) rows —
every cell of the page's rows, and the tuple the page's JSON form reads — against the floor's, in order.

The inbox's floor (:mod:`bench.inbox_floor`) decides the same task list by hand: the latest stored day and the
county's open cases with their organization's name, earliest open measure and 第一书记 facts read raw, each case's
task, the role's filter, due day, days left and light decided by hand-written code, sorted as the page lists them,
and checked equal to the product's on the first pair. Product and floor alternate; the median of each counts.
"""

from __future__ import annotations

import sqlite3
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.figures import _raw, measure, peak_rss_mb

RUNS = 15

def _place(db_path: Path, n: int) -> tuple[str, str]:
    """(county, township) of the middle open case's organization (the first open one from the middle on)."""
    con = sqlite3.connect(db_path)
    row = con.execute("SELECT o.county, o.township FROM rectification_case c JOIN organization o ON o.id = c.org_id "
                      f"WHERE c.id >= ? AND c.stage NOT IN ({_closed()}) ORDER BY c.id LIMIT 1",
                      (max(1, n // 2),)).fetchone()
    con.close()
    return row[0], row[1]


def _closed() -> str:
    from rectify.states.stages import CLOSED_STAGES

    return ",".join(f"'{s}'" for s in CLOSED_STAGES)


def _alternate(product: Callable[[], list[Any]], floor: Callable[[], list[Any]]) -> dict[str, Any]:
    """Both paths once (this first pair warms the caches and is checked equal, row for row), then alternating."""
    rows, floor_rows = product(), floor()
    assert rows == floor_rows and rows, (len(rows), len(floor_rows))
    return _timed(product, floor, len(rows))


def _timed(product: Callable[[], Any], floor: Callable[[], Any], rows: int) -> dict[str, Any]:
    ours: list[float] = []
    theirs: list[float] = []
    for _ in range(RUNS):
        for fn, times in ((product, ours), (floor, theirs)):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
    return {"value": statistics.median(ours) * 1000, "floor": statistics.median(theirs) * 1000, "unit": "ms",
            "mean_ms": statistics.fmean(ours) * 1000, "rows": rows, "peak_rss_mb": peak_rss_mb()}


def _ledger(db_path: Path, county: str, township: str | None) -> dict[str, Any]:
    from bench.generate import AS_OF
    from bench.ledger_floor import Place, rows
    from rectify.config import Config
    from rectify.reports.ledger import ledger_rows
    from rectify.store import open_database
    from rectify.store.ledger import LedgerFilter

    config, db = Config(), open_database(str(db_path))
    filters = LedgerFilter(county=county, township=township)
    place = Place(AS_OF, county, township)
    raw = _raw(db_path)
    try:
        return {**_alternate(lambda: list(ledger_rows(db, as_of=AS_OF, config=config, filters=filters)),
                             lambda: rows(raw, place, db_path)), "place": township or county}
    finally:
        raw.close()
        db.dispose()


@measure("ledger_township")
def ledger_township(db_path: Path, workdir: Path, n: int) -> dict[str, Any]:
    """One township's ledger rows (county and township, a township-scoped reader's filter) through ``ledger_rows``,
    against the same rows made by hand (:mod:`bench.ledger_floor`): the latest stored day (the eleven maxima) and the
    township's ledger tuples read raw by a hand-written query (each per-case aggregate a look-up by case), then each
    row's light and its 38 cells made by hand-written code (the measures' lines and overdue count, the problems,
    the light of the worse window with the 第一书记 track's task beside it, 当前待办 with its due day and days
    left, the light's reason, the secretaries, the last progress, the judgment, 回头看, 备注); the first pair is
    checked equal, (light, cells, tuple) row for row."""
    county, township = _place(db_path, n)
    return _ledger(db_path, county, township)


@measure("ledger_county")
def ledger_county(db_path: Path, workdir: Path, n: int) -> dict[str, Any]:
    """One county's ledger rows through ``ledger_rows``, against the same rows made by hand as ``ledger_township``'s
    floor makes them (:mod:`bench.ledger_floor`), the first pair checked equal row for row."""
    county, _ = _place(db_path, n)
    return _ledger(db_path, county, None)


@measure("inbox")
def inbox(db_path: Path, workdir: Path, n: int) -> dict[str, Any]:
    """我的待办 of a 县委组织部经办人 of the middle open case's county (``Service.tasks``), against the same list
    decided by hand (:mod:`bench.inbox_floor`): the latest stored day and the county's open cases with their
    organization's name, earliest open measure and 第一书记 facts read raw, then each case's task (the stage's or
    the 第一书记 track's), kept if the officer's role acts on it, with its due day, days left and light, sorted by
    due day and case; the first pair is checked equal (what the page shows of each task, in its order)."""
    from bench.generate import AS_OF
    from bench.inbox_floor import Inbox, shown, tasks
    from rectify.config import Config
    from rectify.service import Service
    from rectify.states.permissions import Actor
    from rectify.states.roles import Role
    from rectify.store import open_database

    county, _ = _place(db_path, n)
    service = Service(open_database(str(db_path)), Config())
    officer = Actor("赵经办", role=Role.county_officer, counties=(county,))
    hand = Inbox(Role.county_officer, (county,), None)
    raw = _raw(db_path)
    try:
        open_cases = raw.execute(f"SELECT count(*) FROM rectification_case c JOIN organization o ON o.id = c.org_id "
                                 f"WHERE o.county = ? AND c.stage NOT IN ({_closed()})", (county,)).fetchone()[0]
        product, floor = shown(service.tasks(officer, as_of=AS_OF)), tasks(raw, hand, AS_OF, db_path)
        assert product == floor and product, (len(product), len(floor))
        result = _timed(lambda: len(service.tasks(officer, as_of=AS_OF)),
                        lambda: len(tasks(raw, hand, AS_OF, db_path)), len(product))
    finally:
        raw.close()
        service.close()
    return {**result, "tasks": len(product), "open_cases": open_cases, "place": county}
