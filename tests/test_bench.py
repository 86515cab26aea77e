"""The benchmark keeps working: a small run prints every figure and writes the JSON the issue names."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
FILTERED = {"ledger_township", "ledger_county", "inbox"}
FIGURES = {"import_cases", "transition", "transition_step", "ledger_csv", "ledger_asof", "ledger_xlsx", "stats",
           "stats_asof", "sweep", "remind_dry_run", "digest_send", "channels", "upload", "cli_help", "cli_show", "cli_list", "cli_ledger"} | FILTERED


def test_bench_smoke(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    done = subprocess.run([sys.executable, "-m", "bench", "--cases", "200", "--runs", "1", "--json", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["cases"] == 200
    assert set(data["figures"]) == FIGURES
    for name, fig in data["figures"].items():
        assert fig["value"] > 0 and fig["floor"] > 0, name
        assert abs(fig["ratio"] - fig["value"] / fig["floor"]) < 1e-9
        assert fig["unit"] in ("s", "ms", "µs")
    assert data["figures"]["ledger_xlsx"]["peak_rss_mb"] > 0
    for name in FIGURES:
        assert name in done.stdout


def test_bench_filtered_reads_smoke(tmp_path: Path) -> None:
    """The filtered reads (a township's and a county's ledger, one officer's 我的待办) are measured beside their raw
    floors, each on the rows of one place."""
    out = tmp_path / "filtered.json"
    done = subprocess.run([sys.executable, "-m", "bench", "--cases", "300", "--runs", "1", "--only", *sorted(FILTERED),
                           "--json", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert set(data["figures"]) == FILTERED
    for name, fig in data["figures"].items():
        assert fig["value"] > 0 and fig["floor"] > 0 and fig["unit"] == "ms", name
        assert fig["peak_rss_mb"] > 0, name
        assert name in done.stdout


PEERS = {"rectify", "sqlalchemy_orm", "django_fsm", "spiffworkflow", "transitions"}


def test_bench_peers_smoke(tmp_path: Path) -> None:
    """``--peers`` takes the same cases through the whole lifecycle on rectify and on every peer library."""
    from bench.peers import available

    if set(available()) != PEERS - {"rectify"}:
        if os.environ.get("RECTIFY_REQUIRE_PEERS"):
            pytest.fail("the [peers] extra is not installed, and this run requires it")
        pytest.skip("the peer libraries are not installed (pip install -e '.[peers]')")
    out = tmp_path / "peers.json"
    done = subprocess.run([sys.executable, "-m", "bench", "--peers", "--peer-cases", "4", "--json", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert set(data["peers"]) == PEERS
    ours = data["peers"]["rectify"]["per_second"]
    for name, r in data["peers"].items():
        assert r["steps"] == 4 * 7, name
        # The warm-up cases and the timed ones all reached the end, with a history row for every step.
        assert r["verified_cases"] == 50 + 4, name
        assert r["history_rows"] == (50 + 4) * 7, name
        assert abs(r["rectify_ratio"] - ours / r["per_second"]) < 1e-9
        assert name in done.stdout


def test_bench_reuses_a_kept_database(tmp_path: Path) -> None:
    """``--keep`` then ``--db``: a figure measured again on a copy of the kept data set, not a new one; a kept
    database of another size is refused."""
    kept = tmp_path / "kept.sqlite"
    first = subprocess.run([sys.executable, "-m", "bench", "--cases", "60", "--runs", "1", "--only", "stats",
                            "--keep", str(kept)], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert first.returncode == 0, first.stderr
    before = kept.stat().st_mtime_ns
    again = subprocess.run([sys.executable, "-m", "bench", "--cases", "60", "--runs", "1", "--only", "stats",
                            "--db", str(kept)], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    assert "copied 60 cases" in again.stderr and "stats" in again.stdout
    assert kept.stat().st_mtime_ns == before  # measured on a copy
    wrong = subprocess.run([sys.executable, "-m", "bench", "--cases", "70", "--only", "stats", "--db", str(kept)],
                           cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert wrong.returncode != 0 and "holds 60 cases, not --cases 70" in wrong.stderr


WEB_FIGURES = {"inbox", "case", "ledger_county", "ledger_city", "step_post"}


def test_bench_web_smoke(tmp_path: Path) -> None:
    """``--web``: every page and the step POST over HTTP beside its floor, at each client count; the server's RSS
    read before and after; the goals answered. Tiny sizes: the figures are produced, their values not judged."""
    out = tmp_path / "web.json"
    done = subprocess.run([sys.executable, "-m", "bench", "--web", "--cases", "3000", "--web-requests", "4",
                           "--web-clients", "1,3", "--web-memory", "20", "--json", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["cases"] == 3000 and data["sizes"]["county"] > 0 and data["sizes"]["city"] > 0
    assert set(data["figures"]) == WEB_FIGURES
    for name, fig in data["figures"].items():
        assert set(fig["clients"]) == {"1", "3"}, name
        for measured in (fig["floor"], *fig["clients"].values()):
            assert measured["requests"] > 0 and measured["per_second"] > 0, name
            assert 0 < measured["p50_ms"] <= measured["p95_ms"], name
        assert name in done.stdout
    assert data["memory"]["requests"] == 20 and data["memory"]["start_mb"] > 0 and data["memory"]["end_mb"] > 0
    assert set(data["goals"]) == {"case_p95_10_clients_ms", "step_post_over_engine", "inbox_p95_ms",
                                  "memory_growth_mb"}
    assert "server RSS over 20 requests" in done.stdout


def _demo_with_hostile_names(sqlite_template: Path, tmp_path: Path) -> tuple[Path, Any]:
    """A copy of the template with the demo county, the county of hostile names and the 第一书记 tracks' county."""
    import shutil
    from datetime import date

    from rectify.config import Config
    from rectify.demo.demo import build_demo
    from rectify.store import open_database
    from rectify.write.engine import Workflow

    from .conftest import FakeClock
    from .ledger_helpers import hostile_county
    from .test_secretary_lights import _county

    path = tmp_path / "ledger.sqlite"
    shutil.copy(sqlite_template, path)
    db = open_database(f"sqlite:///{path}")
    build_demo(db, Config(), date(2026, 6, 30))
    clock = FakeClock()
    wf = Workflow(db, Config(), actor="测试", clock=clock)
    hostile_county(wf, clock)
    _county(wf, clock)
    return path, db


def _imported_demo(sqlite_template: Path, tmp_path: Path) -> tuple[Path, Any]:
    """The demo's ledger written on 2026-06-30, imported into an empty database, its month ends filled."""
    import shutil
    from datetime import UTC, date, datetime

    from rectify.config import Config
    from rectify.demo.demo import build_demo
    from rectify.importing.cases import import_cases
    from rectify.reports.ledger import LedgerFilter
    from rectify.reports.month_end import fill
    from rectify.service.reports import write_ledger_on
    from rectify.store import open_database

    from .conftest import FakeClock

    source, path = tmp_path / "demo.sqlite", tmp_path / "imported.sqlite"
    shutil.copy(sqlite_template, source)
    shutil.copy(sqlite_template, path)
    db = open_database(f"sqlite:///{source}")
    build_demo(db, Config(), date(2026, 6, 30))
    now = datetime(2026, 7, 1, 2, 0, tzinfo=UTC)
    with open(tmp_path / "ledger.csv", "w", encoding="utf-8", newline="") as out:
        write_ledger_on(db, Config(), lambda: now, LedgerFilter(), "csv", out, as_of=date(2026, 6, 30))
    db.dispose()
    db = open_database(f"sqlite:///{path}")
    import_cases(db, tmp_path / "ledger.csv", config=Config(), actor="测试", clock=FakeClock(now))
    assert fill(db, Config(), date(2026, 6, 30)) > 0
    return path, db


def _demo_with_work_teams(sqlite_template: Path, tmp_path: Path) -> tuple[Path, Any, Any, Any, list[int]]:
    """``_demo_with_hostile_names`` with 驻村工作队员 on two 整改中 cases (one leaving again), as of 2026-10-20:
    (path, db, workflow, clock, the two cases)."""
    import sqlite3
    from datetime import date

    from rectify.config import Config
    from rectify.write.engine import Workflow

    from .conftest import FakeClock

    path, db = _demo_with_hostile_names(sqlite_template, tmp_path)
    clock = FakeClock()
    clock.set_day("2026-10-20")
    wf = Workflow(db, Config(), actor="测试", clock=clock)
    with sqlite3.connect(path) as con:
        working = [cid for (cid,) in con.execute(
            "SELECT id FROM rectification_case WHERE stage = 'secretary_assigned' ORDER BY id LIMIT 2")]
    con.close()
    for cid in working:
        wf.work_team(cid, name="驻村队员甲", unit="县农业农村局", on=date(2026, 7, 10))
        wf.work_team(cid, name="驻村队员乙", unit="县财政局", on=date(2026, 8, 3))
    wf.work_team(working[0], name="驻村队员乙", on=date(2026, 9, 1), remove=True)
    return path, db, wf, clock, working


def test_ledger_csv_floor_writes_the_products_bytes(sqlite_template: Path, tmp_path: Path) -> None:
    """``ledger_csv``'s floor (bench.csv_floor) writes by hand the very file ``rectify ledger --format csv`` writes,
    on a ledger with every kind of cell: the demo county (lights of each colour, overdue measures, 公示 and 销号 with
    their facts, 回头看, earlier years, remarks), formula and markup in names and notes, a 第一书记 whose term ends
    before the 转化时限 and one recalled with no one in his place; on days before, inside and after their windows."""
    from datetime import UTC, date, datetime

    from bench import csv_floor
    from rectify.config import Config
    from rectify.reports.ledger import LedgerFilter
    from rectify.service.reports import write_ledger_on
    from rectify.store.light import open_light


    path, db = _demo_with_hostile_names(sqlite_template, tmp_path)
    db.dispose()
    now = datetime(2026, 10, 20, 2, 0, tzinfo=UTC)
    for day in (date(2026, 6, 30), date(2026, 9, 27), date(2026, 10, 20), date(2027, 3, 20)):
        light = open_light(f"sqlite:///{path}")
        assert light is not None
        with open(tmp_path / "product.csv", "w", encoding="utf-8", newline="") as out:
            write_ledger_on(light, Config(), lambda: now, LedgerFilter(), "csv", out, as_of=day)
        light.close()
        rows = csv_floor.write(csv_floor.Floor(day), path, tmp_path / "floor.csv")
        product = (tmp_path / "product.csv").read_bytes()
        assert rows > 40
        assert (tmp_path / "floor.csv").read_bytes() == product, day
        if day == date(2026, 10, 20):
            text = product.decode("utf-8")
            assert "第一书记延期或轮换" in text and "第一书记空缺" in text and "'=HYPERLINK" in text


def test_ledger_asof_floor_writes_the_products_bytes(sqlite_template: Path, tmp_path: Path) -> None:
    """``ledger_asof``'s floor (bench.asof_floor) folds by hand each case's month-end snapshot and the events after
    it, and writes the very file ``rectify ledger --as-of D --format csv`` writes: on the demo county with the
    hostile names and the 第一书记 tracks, its month ends filled, on days between snapshots and events after them."""
    from datetime import UTC, date, datetime

    from bench import asof_floor
    from rectify.config import Config
    from rectify.reports.ledger import LedgerFilter
    from rectify.reports.month_end import fill
    from rectify.service.reports import write_ledger_on


    path, db = _demo_with_hostile_names(sqlite_template, tmp_path)
    assert fill(db, Config(), date(2026, 10, 20)) > 0
    now = datetime(2026, 10, 20, 2, 0, tzinfo=UTC)
    for day in (date(2025, 4, 20), date(2025, 10, 20), date(2026, 3, 17), date(2026, 5, 20), date(2026, 6, 12),
                date(2026, 6, 29), date(2026, 7, 2), date(2026, 9, 27)):
        with open(tmp_path / "product.csv", "w", encoding="utf-8", newline="") as out:
            write_ledger_on(db, Config(), lambda: now, LedgerFilter(), "csv", out, as_of=day)
        rows = asof_floor.ledger_csv(path, asof_floor.Past(path, day), tmp_path / "floor.csv")
        product = (tmp_path / "product.csv").read_bytes()
        assert rows > 5, day
        assert (tmp_path / "floor.csv").read_bytes() == product, day
    db.dispose()


def test_ledger_asof_floor_folds_an_imported_ledger(sqlite_template: Path, tmp_path: Path) -> None:
    """The past day's floor folds imported rows as the product does (each reached along its own dates, as far as
    the day goes): the demo's ledger written on one day, imported into an empty database, its month ends filled,
    and the past days' CSVs compared byte for byte."""
    from datetime import UTC, date, datetime

    from bench import asof_floor
    from rectify.config import Config
    from rectify.reports.ledger import LedgerFilter
    from rectify.service.reports import write_ledger_on

    path, db = _imported_demo(sqlite_template, tmp_path)
    now = datetime(2026, 7, 1, 2, 0, tzinfo=UTC)
    listed = 0
    for day in (date(2025, 6, 20), date(2025, 10, 20), date(2026, 1, 10), date(2026, 3, 17), date(2026, 5, 31),
                date(2026, 6, 12)):
        with open(tmp_path / "product.csv", "w", encoding="utf-8", newline="") as out:
            write_ledger_on(db, Config(), lambda: now, LedgerFilter(), "csv", out, as_of=day, known_on=None)
        listed += asof_floor.ledger_csv(path, asof_floor.Past(path, day), tmp_path / "floor.csv")
        assert (tmp_path / "floor.csv").read_bytes() == (tmp_path / "product.csv").read_bytes(), day
    assert listed > 40
    db.dispose()
