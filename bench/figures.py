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

ISOLATED: list[str] = []
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
    """This process's own peak RSS.

    ``ru_maxrss`` survives ``exec`` on Linux: a measurement spawned by ``python -m bench`` right after
    it generated the database would report the generator's peak, not its own. The address space's
    high-water mark (VmHWM) starts afresh at ``exec``, so it is read where the kernel offers it.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build(db_path: Path, n: int) -> None:
    from bench.generate import populate
    from rectify.store import open_database, upgrade

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


def _captured(db: Any, run: Callable[[], Any]) -> tuple[Any, list[tuple[str, Any]]]:
    """What ``run`` returns, and every SQL statement (with its parameters) it sent to the driver, in order."""
    import sqlalchemy as sa

    seen: list[tuple[str, Any]] = []

    def hook(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        seen.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", hook)
    try:
        result = run()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", hook)
    return result, seen


@measure("transition")
def transition_mix(db_path: Path, workdir: Path, n: int) -> dict[str, Any]:
    """µs of the typical step of whole lifecycles (opened … verified, 7 steps; :func:`bench.lifecycle.mix_seconds`)
    on up to 2,000 new cases in a fresh database, against the same steps by hand in raw sqlite3 writing the same
    rows with the same statements (:mod:`bench.rawsteps`), the two interleaved in ten rounds; the mean step of
    each beside it (commit and checkpoint stalls show in the mean, not in the median)."""
    from bench.lifecycle import interleaved, mix_seconds

    cases = max(1, min(n, 2000))
    product, floor = interleaved(workdir / "lifecycle.sqlite", workdir / "lifecycle-floor.sqlite", cases)
    value, low = mix_seconds(product), mix_seconds(floor)
    mean, floor_mean = statistics.fmean(product) * 1e6, statistics.fmean(floor) * 1e6
    out: dict[str, Any] = {"value": value * 1e6, "floor": low * 1e6, "unit": "µs", "per_second": 1 / value,
           "mean_us": mean, "floor_mean_us": floor_mean, "median_us": statistics.median(product) * 1e6,
           "floor_median_us": statistics.median(floor) * 1e6, "cases": cases, "peak_rss_mb": peak_rss_mb(),
           "note": f"mean {mean:.0f} µs, floor's {floor_mean:.0f} µs ({mean / floor_mean:.2f}×); "
                   f"mean ÷ typical {mean / (value * 1e6):.2f}"}
    if product.unwaited and floor.unwaited:  # the same less each step's wait for a CPU (bench.lifecycle.Times)
        own, floor_own = statistics.fmean(product.unwaited) * 1e6, statistics.fmean(floor.unwaited) * 1e6
        out.update(mean_unwaited_us=own, floor_mean_unwaited_us=floor_own)
        out["note"] += (f"; less the run-queue wait: mean {own:.0f} µs ({own / (value * 1e6):.2f} × typical), "
                        f"floor's {floor_own:.0f} µs ({floor_own / (low * 1e6):.2f} ×)")
    return out


@measure("transition_step")
def transition_step(db_path: Path, workdir: Path, n: int) -> dict[str, Any]:
    """Median µs of the cheapest engine operation (a monthly report) in its own transaction, against the same
    statements by hand (BEGIN, the case with its organization, the report, the versioned update, the event with
    its JSON detail, COMMIT), the two alternating case by case; the means beside them."""
    from bench.generate import AS_OF
    from bench.rawsteps import _CASE
    from rectify.config import Config
    from rectify.store import open_database
    from rectify.write.engine import Workflow

    raw = _raw(db_path)
    ids = [r[0] for r in raw.execute(
        "SELECT id FROM rectification_case WHERE stage IN ('identified','ledger_created','secretary_assigned',"
        "'rectified') ORDER BY id LIMIT 2000")]
    at = datetime(2026, 6, 30, 2, 0, tzinfo=UTC)
    db = open_database(str(db_path))
    wf = Workflow(db, Config(), actor="bench", clock=lambda: at)
    for case_id in ids[:50]:  # warm up: pools, statement caches
        wf.report_progress(case_id, on=AS_OF, note="预热")
    stamp = at.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    product: list[float] = []
    floor: list[float] = []
    for case_id in ids:
        start = time.perf_counter()
        wf.report_progress(case_id, on=AS_OF, note="按月报送进展")
        product.append(time.perf_counter() - start)
        start = time.perf_counter()
        raw.execute("BEGIN")
        row = raw.execute(_CASE, (case_id,)).fetchone()
        stage, version = row[0], row[1]
        cur = raw.execute("UPDATE rectification_case SET version = ?, last_progress_on = ?, updated_at = ? "
                          "WHERE id = ? AND version = ?", (version + 1, AS_OF.isoformat(), stamp, case_id, version))
        assert cur.rowcount == 1
        raw.execute("INSERT INTO progress_report (case_id, reported_on, note, actor) VALUES (?, ?, ?, 'bench')",
                    (case_id, AS_OF.isoformat(), "按月报送进展"))
        raw.execute("INSERT INTO case_event (case_id, at, happened_on, actor, actor_unit, action, from_stage, "
                    "to_stage, reason, detail, operator) VALUES (?, ?, ?, 'bench', '', 'report_progress', ?, ?, '', "
                    "?, '')", (case_id, stamp, AS_OF.isoformat(), stage, stage,
                               json.dumps({"note": "按月报送进展", "on": AS_OF.isoformat()}, ensure_ascii=False,
                                          sort_keys=True)))
        raw.execute("COMMIT")
        floor.append(time.perf_counter() - start)
    db.dispose()
    raw.close()
    mean, floor_mean = statistics.fmean(product) * 1e6, statistics.fmean(floor) * 1e6
    return {"value": statistics.median(product) * 1e6, "floor": statistics.median(floor) * 1e6, "unit": "µs",
            "per_second": 1 / statistics.median(product), "mean_us": mean, "floor_mean_us": floor_mean,
            "peak_rss_mb": peak_rss_mb(), "note": f"mean {mean:.0f} µs, floor's {floor_mean:.0f} µs"}


def _empty_db(path: Path) -> None:
    from rectify.store import open_database, upgrade

    db = open_database(str(path), create=True, check=False)
    upgrade(db)
    db.dispose()


@measure("import_cases")
def import_cases_figure(db_path: Path, workdir: Path, n: int) -> dict[str, Any]:
    """Importing the N-case ledger CSV into an empty database, against the same CSV parsed by the csv module and
    the rows the product's import wrote inserted with raw executemany, with the import's own pragmas (WAL,
    synchronous=NORMAL, foreign keys, a 64 MB page cache), in one transaction. Product, floor, product, floor:
    the best of each.

    The CSV is exported in a child process and the peak RSS is the first product run's, taken before the floor
    loads its rows, so the memory reported is the import's own.
    """
    import subprocess

    subprocess.run([sys.executable, "-m", "bench.figures", "_export_csv", str(db_path), str(workdir), str(n)],
                   check=True, capture_output=True, text=True)
    product = [_import_product(workdir, n, 0)]
    product_rss = peak_rss_mb()
    rows = _imported_rows(workdir / "imported-0.sqlite")
    floor = [_import_floor(workdir, rows, 0)]
    product.append(_import_product(workdir, n, 1))
    floor.append(_import_floor(workdir, rows, 1))
    return {"value": min(product), "floor": min(floor), "unit": "s", "peak_rss_mb": product_rss,
            "floor_peak_rss_mb": peak_rss_mb()}


def _import_product(workdir: Path, n: int, attempt: int) -> float:
    from rectify.config import Config
    from rectify.importing import import_cases
    from rectify.store import open_database

    target = workdir / f"imported-{attempt}.sqlite"
    _empty_db(target)
    db = open_database(str(target))
    at = datetime(2026, 6, 30, 2, 0, tzinfo=UTC)
    start = time.perf_counter()
    result = import_cases(db, workdir / "import.csv", config=Config(), actor="bench", clock=lambda: at)
    value = time.perf_counter() - start
    db.dispose()
    assert result.cases == n, result
    return value


def _imported_rows(target: Path) -> list[tuple[str, list[tuple[Any, ...]]]]:
    """Every row the import wrote, table by table in an order their foreign keys allow."""
    src = _raw(target)
    tables = [t for (t,) in src.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                                        "'sqlite_%' AND name != 'alembic_version'")]
    data = {t: src.execute(f'SELECT * FROM "{t}"').fetchall() for t in tables}
    src.close()
    order = ["organization", "rectification_case"] + [t for t in tables if t not in
                                                     ("organization", "rectification_case")]
    return [(t, data[t]) for t in order if data[t]]


def _import_floor(workdir: Path, rows: list[tuple[str, list[tuple[Any, ...]]]], attempt: int) -> float:
    """The CSV read through the csv module (every record split into its fields), then the rows inserted raw."""
    import csv

    from rectify.store.bulk import IMPORT_CACHE_KB

    floor_db = workdir / f"floor-import-{attempt}.sqlite"
    _empty_db(floor_db)
    dst = _raw(floor_db)
    dst.execute(f"PRAGMA cache_size = {-IMPORT_CACHE_KB}")  # the page cache the import sets (bulk_pragmas)
    start = time.perf_counter()
    with open(workdir / "import.csv", encoding="utf-8-sig", newline="") as source:
        records = sum(1 for _ in csv.reader(source))
    dst.execute("BEGIN")
    for table, table_rows in rows:
        marks = ",".join("?" * len(table_rows[0]))
        dst.executemany(f'INSERT INTO "{table}" VALUES ({marks})', table_rows)
    dst.execute("COMMIT")
    value = time.perf_counter() - start
    dst.close()
    assert records > 1
    return value


@measure("_export_csv")
def export_csv(db_path: Path, workdir: Path, n: int) -> dict[str, Any]:
    """The ledger CSV that ``import_cases`` imports (in its own process, for the import's peak RSS)."""
    from bench.generate import AS_OF
    from rectify.config import Config
    from rectify.reports.ledger import ledger_rows
    from rectify.reports.ledger_facts import with_late_facts
    from rectify.reports.ledger_formats import write_csv
    from rectify.store import open_database

    db = open_database(str(db_path))
    with open(workdir / "import.csv", "w", encoding="utf-8", newline="") as out:
        # as `rectify ledger --format csv` writes it: a struck-off case with its verification facts (issue 26)
        rows = write_csv(with_late_facts(db, ledger_rows(db, as_of=AS_OF, config=Config())), out)
    db.dispose()
    return {"rows": rows, "peak_rss_mb": peak_rss_mb()}


@measure("ledger_csv")
def ledger_csv(db_path: Path, workdir: Path, n: int) -> dict[str, Any]:
    """The full ledger CSV as ``rectify ledger --format csv`` writes it (today's tables on the light read path,
    each verified case's late-stage facts looked up a batch at a time: issue 26), against the same file written by
    hand from the same statements run raw (:mod:`bench.csv_floor`): equal byte for byte (checked on the first pair).

    Product and floor alternate three times and the best of each counts, so neither is charged for
    a cold cache or a burst of load from elsewhere on the machine; the CPU time of each beside it.
    """
    import filecmp

    from bench import csv_floor
    from bench.generate import AS_OF
    from rectify.config import Config
    from rectify.reports.ledger import LedgerFilter
    from rectify.service.reports import write_ledger_on
    from rectify.store.light import open_light

    floor_setup = csv_floor.Floor(AS_OF)
    now = datetime(2026, 6, 30, 2, 0, tzinfo=UTC)
    product, floor, product_cpu, floor_cpu = [], [], [], []
    product_rss = 0.0
    for attempt in range(3):
        start, cpu = time.perf_counter(), time.process_time()
        light = open_light(f"sqlite:///{db_path}")
        assert light is not None
        with open(workdir / "ledger.csv", "w", encoding="utf-8", newline="") as out:
            write_ledger_on(light, Config(), lambda: now, LedgerFilter(), "csv", out, as_of=AS_OF)
        light.close()
        product.append(time.perf_counter() - start)
        product_cpu.append(time.process_time() - cpu)
        if attempt == 0:
            product_rss = peak_rss_mb()  # the product's own: the floor has not run yet in this process
        start, cpu = time.perf_counter(), time.process_time()
        rows = csv_floor.write(floor_setup, db_path, workdir / "floor.csv")
        floor.append(time.perf_counter() - start)
        floor_cpu.append(time.process_time() - cpu)
        assert rows == n, rows
        if attempt == 0:
            # compared a block at a time: the two files read whole would be the process's peak RSS
            assert filecmp.cmp(workdir / "ledger.csv", workdir / "floor.csv", shallow=False), \
                "the floor's CSV is not the product's"
    cpu_ratio = min(product_cpu) / min(floor_cpu)
    return {"value": min(product), "floor": min(floor), "unit": "s", "peak_rss_mb": product_rss,
            "floor_peak_rss_mb": peak_rss_mb(), "cpu_s": min(product_cpu), "floor_cpu_s": min(floor_cpu),
            "cpu_ratio": cpu_ratio, "bytes": (workdir / "ledger.csv").stat().st_size,
            "note": f"CPU {min(product_cpu):.2f} s, floor's {min(floor_cpu):.2f} s ({cpu_ratio:.2f}×)"}


@measure("sweep")
def sweep_figure(db_path: Path, workdir: Path, n: int) -> dict[str, Any]:
    """Deciding the reminders for N cases (ms): the candidates read as ``remind run`` reads them on SQLite (the light
    path's reader, :mod:`rectify.store.light_outbox`) and decided (``rectify.notifications.policy.sweep``), against a
    floor that does the same work by hand (:mod:`bench.sweep_floor`): the product's candidate statement, captured
    once, run raw on sqlite3 with every row read, and the same items decided by hand-written code (the same case,
    kind, stage, due day, window, days left, audience and task, in the same order; checked equal on the first pair).
    Product and floor alternate, 5 runs each; the medians."""
    from bench import sweep_floor
    from bench.generate import AS_OF
    from rectify.config import Config
    from rectify.notifications.policy import candidate_args, sweep
    from rectify.store.light import open_light
    from rectify.store.light_outbox import LightSweepReader

    config = Config()
    asked = candidate_args(AS_OF, config.policy)
    light = open_light(f"sqlite:///{db_path}")
    assert light is not None
    reader = LightSweepReader(light)
    rows = sum(1 for _ in reader.candidates(**asked))  # and warms the page cache
    stmt, rules = sweep_floor.statement(db_path, AS_OF), sweep_floor.Rules(AS_OF)
    raw = _raw(db_path)
    runs, floor = [], []
    for k in range(5):
        start = time.perf_counter()
        items = sweep(AS_OF, reader.candidates(**asked), config.policy)
        runs.append(time.perf_counter() - start)
        start = time.perf_counter()
        decided = sweep_floor.decide(raw, stmt, rules)
        floor.append(time.perf_counter() - start)
        if k == 0:
            assert [tuple(i) for i in items] == decided, "the sweep's floor decides other items than the product"
    light.close()
    raw.close()
    return {"value": statistics.median(runs) * 1000, "floor": statistics.median(floor) * 1000, "unit": "ms",
            "due_cases": len({i.case_id for i in items}), "items": len(items), "rows": rows,
            "peak_rss_mb": peak_rss_mb()}


@measure("stats")
def stats_figure(db_path: Path, workdir: Path, n: int) -> dict[str, Any]:
    """Every figure of ``rectify stats`` for the nation today (read from the tables: nothing is dated after the
    day), against its hand floor (:mod:`bench.stats_today_floor`), interleaved, best of 3 each.

    The floor runs the statements the product sent to the driver (captured on its engine, with their parameters) on
    a raw sqlite3 connection and builds from their rows by hand the whole dict the product returns: the tables'
    path taken from the latest dates, the counts by stage, kind, township and light (the lights are SQL in the
    product, in the replayed statements), the overdue list (days overdue and due day by the task, the deadline, the
    open measures and the 第一书记 track, sorted), the problems, the Party form's rows summed from its aggregates per
    organization kind, its frame and table logic, and the conversion rate, with the labels, numbers and form columns
    taken from the product as data; checked equal to the product's dict on the first pair.
    """
    from bench.generate import AS_OF
    from rectify.config import Config
    from rectify.reports.snapshot import needs_rebuild
    from rectify.store import open_database

    db = open_database(str(db_path))
    assert not needs_rebuild(db, AS_OF, None, Config())
    db.dispose()
    return _stats_against_raw(db_path, n)


def _stats_against_raw(db_path: Path, n: int) -> dict[str, Any]:
    from bench import stats_today_floor
    from bench.generate import AS_OF
    from bench.stats_floor import StatsLabels
    from rectify.config import Config
    from rectify.reports.stats import compute_stats
    from rectify.store import open_database

    db = open_database(str(db_path))
    result, statements = _captured(db, lambda: compute_stats(db, as_of=AS_OF, config=Config()))
    assert result["total"] == n, result["total"]
    del result  # the command holds one stats dict at a time: so does the figure (its peak RSS)
    labels = StatsLabels(AS_OF)
    product, floor = [], []
    for run in range(3):
        start = time.perf_counter()
        made = compute_stats(db, as_of=AS_OF, config=Config())
        product.append(time.perf_counter() - start)
        start = time.perf_counter()
        raw = _raw(db_path)
        hand = stats_today_floor.stats(raw, statements, labels)
        raw.close()
        floor.append(time.perf_counter() - start)
        if not run:
            assert hand == made, "stats: the floor's figures differ from the product's"
        del made, hand
    db.dispose()
    return {"value": min(product), "floor": min(floor), "unit": "s", "statements": len(statements),
            "peak_rss_mb": peak_rss_mb()}


@measure("stats_asof")
def stats_asof(db_path: Path, workdir: Path, n: int) -> dict[str, Any]:
    """``rectify stats`` for a day half a year back (from the month-end snapshots and the events after them: every
    figure, the lights, the overdue list and the Party form), against its hand floor (:mod:`bench.stats_floor`: the
    same rows read raw with sqlite3 by the product's two statements, each case folded by hand as the past ledger's
    floor folds it, then its light on the day, the counts by stage, light, kind, township and problem, the overdue
    list and the form's counts made by hand, the whole dict the product returns; checked equal on the first pair),
    and beside today's stats read from the tables (the note); interleaved, best of 3 each."""
    from datetime import timedelta

    from bench import stats_floor
    from bench.generate import AS_OF
    from bench.ledger_asof import BACK_DAYS, with_history
    from rectify.config import Config
    from rectify.reports.stats import compute_stats
    from rectify.store import open_database

    path = with_history(db_path, workdir)
    back = AS_OF - timedelta(days=BACK_DAYS)
    sp = stats_floor.StatsPast(path, back)
    db = open_database(str(path))
    product: list[float] = []
    floor: list[float] = []
    today: list[float] = []
    for run in range(3):
        for day, times in ((back, product), (AS_OF, today)):
            start = time.perf_counter()
            got = compute_stats(db, as_of=day, config=Config())
            times.append(time.perf_counter() - start)
            if day == back:
                made = got
        start = time.perf_counter()
        hand = stats_floor.stats(path, sp)
        floor.append(time.perf_counter() - start)
        if run == 0:
            assert hand == made, "stats_asof: the floor's figures differ from the product's"
        del made, hand
    db.dispose()
    return {"value": min(product), "floor": min(floor), "unit": "s", "peak_rss_mb": peak_rss_mb(),
            "note": f"today's stats {min(today):.2f} s: {min(product) / min(today):.2f} × today"}


def main() -> None:
    from bench import (  # noqa: F401  (their figures register here)
        channels,
        digest_floor,
        filtered,
        ledger_asof,
        pg_import,
        pg_steps,
        upload,
        xlsx,
    )
    from bench.figures import MEASURES as registered

    name, db_path, workdir, n = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4])
    print(json.dumps({**registered, **MEASURES}[name](db_path, workdir, n)))


if __name__ == "__main__":
    main()
