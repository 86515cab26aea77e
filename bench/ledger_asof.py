"""``ledger_asof``: the full ledger CSV for a day half a year back, rebuilt from the dated history (SPEC §6.2).

The generated database carries one bare event per step; this figure first gives its copy of the database
the history the engine writes (each step's inputs and business date, from the case's own records), then
times the snapshot ledger against its floor: the today ledger's CSV through the product, in the same
process on the same data (goal: at most 1.5 × that).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.figures import measure, peak_rss_mb

BACK_DAYS = 182


def _events(con: sqlite3.Connection) -> Iterator[tuple[Any, ...]]:
    """(case_id, at, happened_on, actor, action, from, to, reason, detail) of each case's steps."""
    def by_case(sql: str) -> dict[int, list[tuple[Any, ...]]]:
        out: dict[int, list[tuple[Any, ...]]] = {}
        for row in con.execute(sql):
            out.setdefault(row[0], []).append(row[1:])
        return out

    people = by_case("SELECT case_id, role, name FROM case_person")
    measures = by_case("SELECT case_id, seq, text, owner, due_on, done_on FROM measure ORDER BY case_id, seq")
    secs = by_case("SELECT case_id, name, unit, kind, since FROM secretary_assignment")
    progress = by_case("SELECT case_id, reported_on, note FROM progress_report ORDER BY case_id, reported_on")
    at = datetime(2026, 6, 30, 2).isoformat(sep=" ")
    for (cid, stage, identified, deadline, since, helping, rectified, verified, score, withdrawn,
         supervised) in con.execute(
            "SELECT id, stage, identified_on, deadline, stage_since, helping_unit, rectified_on, verified_on, score,"
            " withdrawn_reason, supervised FROM rectification_case ORDER BY id"):
        path = ["identified"]

        def step(on: str, action: str, to: str, detail: dict[str, Any], cid: int = cid,
                 path: list[str] = path) -> tuple[Any, ...]:
            before = path[-1]
            path.append(to)
            return (cid, at, on, "bench", action, before, to, detail.get("reason", ""),
                    json.dumps(detail, ensure_ascii=False, sort_keys=True))

        yield (cid, at, identified, "bench", "open", None, "identified", "",
               json.dumps({"identified_on": identified, "deadline": deadline, "problems": ["P01"]}))
        ms = measures.get(cid, [])
        if ms:
            planned = since if stage == "ledger_created" else str(date.fromisoformat(identified) + timedelta(days=1))
            roles = {r: n for r, n in people.get(cid, [])}
            yield step(planned, "plan", "ledger_created", {
                "measures": [{"text": t, "owner": o, "due": d} for _, t, o, d, _ in ms],
                "county_leader": roles.get("county_leader", ""), "township_cadre": roles.get("township_cadre", ""),
                "helping_unit": helping})
        for name, unit, kind, sec_since in secs.get(cid, []):
            yield step(sec_since, "assign_secretary", "secretary_assigned",
                       {"name": name, "unit": unit, "kind": kind, "since": sec_since, "on": sec_since})
        for seq, _, _, _, done_on in ms:
            if done_on:
                yield step(done_on, "complete_measure", path[-1], {"measure_no": seq, "on": done_on})
        for on, note in progress.get(cid, []):
            yield step(on, "report_progress", path[-1], {"on": on, "note": note})
        if rectified:
            yield step(rectified, "mark_rectified", "rectified", {"on": rectified, "self_check": "自查到位"})
        if verified:
            yield step(verified, "verify", "verified", {"on": verified, "by": "验收组", "score": score,
                                                         "passed": True})
        if withdrawn:
            yield step(identified, "withdraw", "withdrawn", {"reason": withdrawn})
        if supervised:
            yield step(identified, "supervise", path[-1], {"reason": "进度滞后"})


def with_history(db_path: Path, workdir: Path) -> Path:
    """A copy of the database whose events carry their inputs and business dates, made in a child process: it
    holds the whole generated history in memory, which is the bench's, not the figure's peak RSS."""
    copy = workdir / "asof.sqlite"
    code = "import sys; from pathlib import Path; from bench.ledger_asof import _write_history; " \
           "_write_history(Path(sys.argv[1]), Path(sys.argv[2]))"
    subprocess.run([sys.executable, "-c", code, str(db_path), str(copy)], check=True,
                   cwd=Path(__file__).resolve().parent.parent)
    return copy


def _write_history(db_path: Path, copy: Path) -> None:
    shutil.copy(db_path, copy)
    con = sqlite3.connect(copy, isolation_level=None)
    con.execute("BEGIN")
    rows = list(_events(con))
    con.execute("DELETE FROM case_event")
    con.executemany("INSERT INTO case_event (case_id, at, happened_on, actor, action, from_stage, to_stage, reason,"
                    " detail, actor_unit) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '')", rows)
    con.execute("DELETE FROM case_snapshot")  # the history rewritten: its snapshots are written again below
    con.execute("COMMIT")
    con.close()
    fill_snapshots(copy)


def fill_snapshots(path: Path) -> None:
    """The month-end snapshots a production database has (``rectify snapshot`` run monthly): written here by
    the product, up to the generated day."""
    from bench.generate import AS_OF
    from rectify.config import Config
    from rectify.reports.month_end import fill
    from rectify.store import open_database

    db = open_database(str(path))
    try:
        fill(db, Config(), AS_OF)
    finally:
        db.dispose()


@measure("ledger_asof")
def ledger_asof(db_path: Path, workdir: Path, n: int) -> dict[str, Any]:
    """The ledger CSV as of half a year back as ``rectify ledger --as-of D --format csv`` writes it (from the
    month-end snapshots and the events after them, each verified case's late-stage facts looked up), against the
    same file written by hand (:mod:`bench.asof_floor`: the same rows read raw, folded and written by hand): equal
    byte for byte (checked on the first pair); beside the today ledger's CSV as the command writes it (the same
    call on the light read path: the note).
    Interleaved, best of three each; the CPU time of each beside it."""
    import filecmp

    from bench import asof_floor
    from bench.generate import AS_OF
    from rectify.config import Config
    from rectify.reports.ledger import LedgerFilter
    from rectify.service.reports import write_ledger_on
    from rectify.store import open_database
    from rectify.store.light import open_light

    path = with_history(db_path, workdir)
    back = AS_OF - timedelta(days=BACK_DAYS)
    past = asof_floor.Past(path, back)
    now = datetime(2026, 6, 30, 2, 0, tzinfo=UTC)
    product, floor, today, product_cpu, floor_cpu = [], [], [], [], []
    listed, product_rss = 0, 0.0
    for attempt in range(3):
        for day, times in ((back, product), (AS_OF, today)):
            # as the command reads: a past day through the database, today on the light read path
            db = open_database(str(path)) if day == back else open_light(f"sqlite:///{path}")
            assert db is not None
            start, cpu = time.perf_counter(), time.process_time()
            with open(workdir / f"{day}.csv", "w", encoding="utf-8", newline="") as out:
                write_ledger_on(db, Config(), lambda: now, LedgerFilter(), "csv", out, as_of=day)
            times.append(time.perf_counter() - start)
            if day == back:
                product_cpu.append(time.process_time() - cpu)
                db.dispose()
            else:
                db.close()
        if attempt == 0:
            product_rss = peak_rss_mb()  # the product's own: the floor has not run yet in this process
        start, cpu = time.perf_counter(), time.process_time()
        listed = asof_floor.ledger_csv(path, past, workdir / "floor.csv")
        floor.append(time.perf_counter() - start)
        floor_cpu.append(time.process_time() - cpu)
        if attempt == 0:
            # compared a block at a time: the two files read whole would be the process's peak RSS
            assert filecmp.cmp(workdir / f"{back}.csv", workdir / "floor.csv", shallow=False), \
                "the floor's CSV is not the product's"
    assert 0 < listed < n, listed
    cpu_ratio = min(product_cpu) / min(floor_cpu)
    return {"value": min(product), "floor": min(floor), "unit": "s", "rows": listed, "peak_rss_mb": product_rss,
            "floor_peak_rss_mb": peak_rss_mb(), "cpu_s": min(product_cpu), "floor_cpu_s": min(floor_cpu),
            "cpu_ratio": cpu_ratio,
            "note": f"today's ledger {min(today):.2f} s: {min(product) / min(today):.2f} × today; "
                    f"CPU {min(product_cpu):.2f} s, floor's {min(floor_cpu):.2f} s ({cpu_ratio:.2f}×)"}
