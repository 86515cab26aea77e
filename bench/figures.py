"""Measurements that run in their own interpreter (``python -m bench.figures NAME DB WORKDIR N``).

Each prints one JSON line: value, floor, unit and the process's peak RSS. The product path and its
floor run in the same process, one after the other, on the same data.
"""

from __future__ import annotations

import json
import resource
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ISOLATED: list[str] = ["transition"]
Measure = Callable[[Path, Path, int], dict[str, Any]]
MEASURES: dict[str, Measure] = {}


def measure(name: str) -> Callable[[Measure], Measure]:
    def register(fn: Measure) -> Measure:
        MEASURES[name] = fn
        if name not in ISOLATED:
            ISOLATED.append(name)
        return fn

    return register


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build(db_path: Path, n: int) -> None:
    from bench.generate import populate
    from rectify.workflow.persistence import open_database, upgrade

    db = open_database(str(db_path), create=True, check=False)
    upgrade(db)
    populate(db, n)
    db.dispose()


def _raw(db_path: Path) -> sqlite3.Connection:
    con = sqlite3.connect(db_path, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.execute("PRAGMA foreign_keys=ON")
    return con


@measure("transition")
def transition(db_path: Path, workdir: Path, n: int) -> dict[str, Any]:
    """Median µs of one engine operation in its own transaction, against select + versioned update + event."""
    from bench.generate import AS_OF
    from rectify.config import Config
    from rectify.workflow.engine import Workflow
    from rectify.workflow.persistence import open_database

    raw = _raw(db_path)
    ids = [r[0] for r in raw.execute(
        "SELECT id FROM rectification_case WHERE stage IN ('identified','ledger_created','secretary_assigned',"
        "'rectified') ORDER BY id LIMIT 2000")]
    at = datetime(2026, 6, 30, 2, 0, tzinfo=UTC)
    db = open_database(str(db_path))
    wf = Workflow(db, Config(), actor="bench", clock=lambda: at)
    for case_id in ids[:50]:  # warm up: pools, statement caches
        wf.report_progress(case_id, on=AS_OF, note="预热")
    product = []
    for case_id in ids:
        start = time.perf_counter()
        wf.report_progress(case_id, on=AS_OF, note="按月报送进展")
        product.append(time.perf_counter() - start)
    db.dispose()
    floor = []
    stamp = at.replace(tzinfo=None).isoformat(sep=" ")
    for case_id in ids:
        start = time.perf_counter()
        raw.execute("BEGIN")
        row = raw.execute("SELECT * FROM rectification_case WHERE id = ?", (case_id,)).fetchone()
        version = row[10]
        cur = raw.execute("UPDATE rectification_case SET version = ?, last_progress_on = ?, updated_at = ? "
                          "WHERE id = ? AND version = ?", (version + 1, AS_OF.isoformat(), stamp, case_id, version))
        assert cur.rowcount == 1
        raw.execute("INSERT INTO case_event (case_id, at, actor, action, from_stage, to_stage, reason, detail) "
                    "VALUES (?, ?, 'bench', 'report_progress', ?, ?, '', '{}')", (case_id, stamp, row[3], row[3]))
        raw.execute("COMMIT")
        floor.append(time.perf_counter() - start)
    raw.close()
    return {"value": statistics.median(product) * 1e6, "floor": statistics.median(floor) * 1e6, "unit": "µs",
            "per_second": 1 / statistics.median(product), "peak_rss_mb": peak_rss_mb()}


def main() -> None:
    name, db_path, workdir, n = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4])
    print(json.dumps(MEASURES[name](db_path, workdir, n)))


if __name__ == "__main__":
    main()
