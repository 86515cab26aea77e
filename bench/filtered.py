"""Filtered reads (``ledger_township``, ``ledger_county``, ``inbox``): what one officer's page reads, in ms.

The place is the middle open case's: its township (county and township, as a township-scoped reader has them), its
county, and a 县委组织部经办人 of that county for 我的待办. The product path is the one the web takes (the
ledger's rows through :func:`rectify.reports.ledger.ledger_rows`, the inbox through ``Service.tasks``); the floor
is the shortest hand-written raw sqlite3 query giving the same rows with the same per-case aggregates (problems,
measures, extensions, failed verifications, the secretaries in post, the last progress note, the people), read
to the end. The inbox's floor (:mod:`bench.inbox_floor`) decides the same task list by hand: the latest stored day
and the county's open cases with their organization's name, earliest open measure and 第一书记 facts read raw, each
case's task, the role's filter, due day, days left and light decided by hand-written code, sorted as the page
lists them, and checked equal to the product's on the first pair. Product and floor alternate; the median of each
counts.
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

# The ledger's row (rectify.store.ledger.LEDGER_KEYS) by hand: correlated look-ups by case_id for the chosen
# cases only. The unary plus keeps SQLite off the until and reported_on indexes (most assignments are current,
# most reports share a few days).
_LEDGER_FLOOR = """
SELECT c.id, c.stage, c.identified_on, c.deadline, c.stage_since, c.stage_due, c.cycle_start, c.cycle, c.version,
  c.detail, c.helping_unit, c.verified_on, c.score, c.withdrawn_reason, c.supervised, c.supervision_reason,
  c.measures_total, c.measures_done, c.last_progress_on, o.code, o.name, o.kind, o.county, o.township,
  (SELECT group_concat(code || char(31) || text, char(30)) FROM case_problem WHERE case_id = c.id),
  (SELECT name FROM case_person WHERE case_id = c.id AND role = 'county_leader'),
  coalesce((SELECT name FROM case_person WHERE case_id = c.id AND role = 'township_leader'),
           (SELECT name FROM case_person WHERE case_id = c.id AND role = 'township_cadre')),
  s.name, s.unit, s.kind,
  (SELECT note FROM progress_report WHERE case_id = c.id AND +reported_on = c.last_progress_on
   ORDER BY id DESC LIMIT 1),
  (SELECT count(*) FROM deadline_extension WHERE case_id = c.id),
  (SELECT count(*) FROM verification WHERE case_id = c.id AND NOT passed),
  c.supervision_level, c.escalation_step, c.look_backs, c.earlier_years,
  (SELECT group_concat(seq || char(31) || text || char(31) || owner || char(31) || owner_unit || char(31)
          || due_on || char(31) || coalesce(done_on, ''), char(30)) FROM measure WHERE case_id = c.id),
  s.term_until, v.name, v.action, c.village_secretary_status, c.grade, c.satisfaction, c.struck_off_on
FROM rectification_case c JOIN organization o ON o.id = c.org_id
LEFT JOIN secretary_assignment s ON s.id = (SELECT max(id) FROM secretary_assignment
  WHERE case_id = c.id AND +until IS NULL AND kind = 'first')
LEFT JOIN secretary_assignment v ON v.id = (SELECT max(id) FROM secretary_assignment
  WHERE case_id = c.id AND +until IS NULL AND kind = 'village')
WHERE {where}
ORDER BY c.stage IN ({closed}), o.county, o.township, o.code, c.id
"""

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


def _alternate(product: Callable[[], int], floor: Callable[[], int]) -> dict[str, Any]:
    """Both paths once to warm the caches (and the same number of rows from each), then alternating."""
    rows, floor_rows = product(), floor()
    assert rows == floor_rows and rows > 0, (rows, floor_rows)
    return _timed(product, floor, rows)


def _timed(product: Callable[[], int], floor: Callable[[], int], rows: int) -> dict[str, Any]:
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
    from rectify.config import Config
    from rectify.reports.ledger import ledger_rows
    from rectify.store import open_database
    from rectify.store.ledger import LedgerFilter

    config, db = Config(), open_database(str(db_path))
    filters = LedgerFilter(county=county, township=township)
    where, params = ("o.county = ? AND o.township = ?", (county, township)) if township else ("o.county = ?", (county,))
    sql = _LEDGER_FLOOR.format(where=where, closed=_closed())
    raw = _raw(db_path)
    try:
        return {**_alternate(lambda: sum(1 for _ in ledger_rows(db, as_of=AS_OF, config=config, filters=filters)),
                             lambda: len(raw.execute(sql, params).fetchall())), "place": township or county}
    finally:
        raw.close()
        db.dispose()


@measure("ledger_township")
def ledger_township(db_path: Path, workdir: Path, n: int) -> dict[str, Any]:
    """One township's ledger rows (county and township, a township-scoped reader's filter)."""
    county, township = _place(db_path, n)
    return _ledger(db_path, county, township)


@measure("ledger_county")
def ledger_county(db_path: Path, workdir: Path, n: int) -> dict[str, Any]:
    """One county's ledger rows."""
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
