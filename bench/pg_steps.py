"""``transition_pg``: the lifecycle's steps on PostgreSQL, against the same statements by hand on raw psycopg.

The same seven steps as ``transition`` (:mod:`bench.lifecycle`), on up to 2,000 new cases in a fresh database each
for the product and the floor, in ten alternating rounds. The floor is :mod:`bench.rawsteps` — the same rows with the
same statements — sent through psycopg on a connection of its own (``BEGIN`` … ``COMMIT`` per step, an ``INSERT``
that gives back its row's id with ``RETURNING id``, as the product's do). The server is the one ``import_pg`` uses
(``RECTIFY_BENCH_PG``, else a throwaway cluster with fsync off, as in the tests).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from bench.figures import measure, peak_rss_mb


class _Result:
    __slots__ = ("_rows", "lastrowid", "rowcount")

    def __init__(self, rows: list[Any], rowcount: int, lastrowid: int | None) -> None:
        self._rows, self.rowcount, self.lastrowid = rows, rowcount, lastrowid

    def fetchone(self) -> Any:
        return self._rows[0] if self._rows else None

    def fetchall(self) -> list[Any]:
        return self._rows

    def __iter__(self) -> Iterator[Any]:
        return iter(self._rows)


class PgConnection:
    """The sqlite3 connection's face that :mod:`bench.rawsteps` uses, on psycopg: ``?`` marks, ``lastrowid``."""

    def __init__(self, url: str) -> None:
        import psycopg

        self.con = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://", 1), autocommit=True)
        self._sql: dict[str, tuple[str, bool]] = {}

    def _prepared(self, sql: str) -> tuple[str, bool]:
        done = self._sql.get(sql)
        if done is None:
            returning = sql.startswith("INSERT") and "ON CONFLICT" not in sql
            done = self._sql[sql] = (sql.replace("?", "%s") + (" RETURNING id" if returning else ""), returning)
        return done

    def execute(self, sql: str, params: Any = ()) -> _Result:
        text, returning = self._prepared(sql)
        cur = self.con.execute(text, params or None, prepare=True)
        rows = cur.fetchall() if cur.description is not None else []
        return _Result(rows, cur.rowcount, rows[0][0] if returning else None)

    def executemany(self, sql: str, params: list[Any]) -> None:
        text, _ = self._prepared(sql)
        with self.con.cursor() as cur:
            cur.executemany(text, params)

    def close(self) -> None:
        self.con.close()


class PgFloorRun:
    """:class:`bench.lifecycle.FloorRun` on PostgreSQL."""

    def __init__(self, url: str, cases: int) -> None:
        from bench import rawsteps
        from bench.lifecycle import empty_database

        empty_database(url)  # type: ignore[arg-type]  # open_database takes a URL as well as a path
        con = self.con = PgConnection(url)
        con.execute("BEGIN")
        con.executemany("INSERT INTO organization (code, name, kind, county, township, poor_village, created_at) "
                        "VALUES (?, ?, 'village', '清河县', '河口镇', FALSE, ?) ON CONFLICT DO NOTHING",
                        [(f"B{k:08d}", f"河口镇第{k}村党支部", rawsteps.STAMP) for k in range(cases)])
        con.execute("COMMIT")
        self.rawsteps = rawsteps

    def case(self, k: int, times: list[float] | None) -> None:
        from bench.lifecycle import _timed

        rawsteps, con, code = self.rawsteps, self.con, f"B{k:08d}"
        box: dict[str, int] = {}

        def step(fn: Callable[[], object]) -> Callable[[], object]:
            def run() -> None:
                con.execute("BEGIN")
                fn()
                con.execute("COMMIT")
            return run

        def opened() -> None:
            box["id"] = rawsteps.open_case(con, code, "bench")  # type: ignore[arg-type]

        actors = ("bench",) * 5 + ("bench-verifier",)
        _timed([step(opened)] + [step(lambda fn=fn, who=who: fn(con, box["id"], who))
                                 for fn, who in zip(rawsteps.STEP_FUNCTIONS, actors, strict=True)], times)

    def close(self) -> None:
        self.con.close()


@measure("transition_pg")
def transition_pg(db_path: Path, workdir: Path, n: int) -> dict[str, Any]:
    """µs of the typical step of whole lifecycles on PostgreSQL, against the same statements on raw psycopg."""
    from bench.lifecycle import WARM, ProductRun, mix_seconds
    from bench.pg_import import _server

    new_database, stop = _server()
    cases = max(1, min(n, 2000))
    try:
        product = ProductRun(new_database(), WARM + cases)  # type: ignore[arg-type]
        floor = PgFloorRun(new_database(), WARM + cases)
        for k in range(WARM):
            product.case(k, None)
            floor.case(k, None)
        times: tuple[list[float], list[float]] = ([], [])
        chunk = max(1, -(-cases // 10))
        for r, first in enumerate(range(WARM, WARM + cases, chunk)):
            order: list[tuple[Any, list[float]]] = [(product, times[0]), (floor, times[1])]
            for run, out in order if r % 2 == 0 else order[::-1]:
                for k in range(first, min(first + chunk, WARM + cases)):
                    run.case(k, out)
        product.close()
        floor.close()
    finally:
        stop()
    value, low = mix_seconds(times[0]), mix_seconds(times[1])
    mean, floor_mean = statistics.fmean(times[0]) * 1e6, statistics.fmean(times[1]) * 1e6
    return {"value": value * 1e6, "floor": low * 1e6, "unit": "µs", "mean_us": mean, "floor_mean_us": floor_mean,
            "cases": cases, "peak_rss_mb": peak_rss_mb(),
            "note": f"mean {mean:.0f} µs, floor's {floor_mean:.0f} µs ({mean / floor_mean:.2f}×)"}
