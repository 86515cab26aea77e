"""``import_pg``: the N-case ledger CSV imported into PostgreSQL (written through COPY), against a COPY floor.

The server is ``RECTIFY_BENCH_PG`` (a server URL such as ``postgresql://rectify@127.0.0.1:5432/``, whose role
may create databases), else a throwaway cluster started the way the test suite starts one (``initdb`` on this
machine, fsync off as in the tests). The floor parses the same CSV file through the ``csv`` module (every record
split into its fields, as ``import_cases``'s floor does), then copies the rows the product wrote, table by table,
into an empty database on the same schema with psycopg's ``COPY … FROM STDIN`` (``write_row``), in one
transaction.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.figures import measure, peak_rss_mb

TABLES = ("organization", "rectification_case", "case_problem", "measure", "case_person", "secretary_assignment",
          "progress_report", "verification", "deadline_extension", "case_event", "measure_problem")


def _server() -> tuple[Any, Any]:
    """(make a fresh database URL, stop the server)."""
    import sqlalchemy as sa

    base = os.environ.get("RECTIFY_BENCH_PG")
    if base:
        base = base.replace("postgresql://", "postgresql+psycopg://", 1).rstrip("/")
        counter = iter(range(1, 100))

        def new() -> str:
            name = f"bench_{os.getpid()}_{next(counter)}"
            eng = sa.create_engine(base + "/postgres", isolation_level="AUTOCOMMIT")
            with eng.connect() as c:
                c.execute(sa.text(f'CREATE DATABASE "{name}"'))
            eng.dispose()
            return f"{base}/{name}"

        return new, lambda: None
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.conftest import _pg_bin, start_postgres

    server = start_postgres()
    if isinstance(server, str):
        raise SystemExit(server)

    def stop() -> None:
        subprocess.run([*server.as_user, _pg_bin("pg_ctl") or "pg_ctl", "-D", str(server.root / "data"), "-m",
                        "immediate", "stop"], capture_output=True, timeout=60)

    return server.new_database, stop


@measure("import_pg")
def import_pg(db_path: Path, workdir: Path, n: int) -> dict[str, Any]:
    import psycopg

    from rectify.config import Config
    from rectify.importing import import_cases
    from rectify.store import open_database, upgrade

    source = workdir / "import.csv"
    if not source.exists():
        subprocess.run([sys.executable, "-m", "bench.figures", "_export_csv", str(db_path), str(workdir), str(n)],
                       check=True, capture_output=True, text=True)
    new, stop = _server()
    try:
        urls = []
        for _ in range(2):
            url = new()
            db = open_database(url, create=True, check=False)
            upgrade(db)
            db.dispose()
            urls.append(url)
        db = open_database(urls[0])
        at = datetime(2026, 6, 30, 2, 0, tzinfo=UTC)
        start = time.perf_counter()
        result = import_cases(db, source, config=Config(), actor="bench", clock=lambda: at)
        value = time.perf_counter() - start
        product_rss = peak_rss_mb()  # before the floor loads every row it copies
        db.dispose()
        assert result.cases == n, result
        plain = [u.replace("postgresql+psycopg://", "postgresql://", 1) for u in urls]
        with psycopg.connect(plain[0]) as src:
            data = {t: (src.execute(f'SELECT * FROM "{t}" ORDER BY 1').fetchall(),
                        [d.name for d in src.execute(f'SELECT * FROM "{t}" LIMIT 0').description or ()])
                    for t in TABLES}
        with psycopg.connect(plain[1]) as dst:
            start = time.perf_counter()
            with open(source, encoding="utf-8-sig", newline="") as text:
                records = sum(1 for _ in csv.reader(text))  # the same file parsed, as the product parses it
            assert records > n
            with dst.transaction(), dst.cursor() as cur:
                for t in TABLES:
                    rows, cols = data[t]
                    if not rows:  # the product sends nothing for a table it writes no row to
                        continue
                    with cur.copy(f'COPY "{t}" ({", ".join(cols)}) FROM STDIN') as copy:
                        for row in rows:
                            copy.write_row(row)
            floor = time.perf_counter() - start
    finally:
        stop()
    return {"value": value, "floor": floor, "unit": "s", "peak_rss_mb": product_rss,
            "floor_peak_rss_mb": peak_rss_mb()}
