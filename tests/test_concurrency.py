"""Several officer processes on one database: no lost update, every refusal a clean conflict line."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import sqlalchemy as sa

from rectify.config import Config
from rectify.store import Database
from rectify.store.tables import case_t, event_t, progress_t
from rectify.write.engine import Workflow

from .conftest import FakeClock

ROOT = Path(__file__).resolve().parent.parent
PROCESSES, OPERATIONS, CASES = 8, 100, 5


def test_processes_on_overlapping_cases_lose_nothing(db_url: str, db: Database, clock: FakeClock) -> None:
    wf = Workflow(db, Config(), actor="setup", clock=clock)
    for n in range(1, CASES + 1):
        wf.add_org(f"V{n}", f"第{n}村党支部", kind="village", county="青山县", township="河口镇")
        wf.open_case(f"V{n}", problems=["P01"], identified_on=date(2026, 3, 1))
    workers = [subprocess.Popen([sys.executable, "-m", "tests.concurrency_worker", db_url, str(seed),
                                 str(OPERATIONS), str(CASES)], cwd=ROOT, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for seed in range(PROCESSES)]
    ok: Counter[int] = Counter()
    refusals: list[str] = []
    for w in workers:
        out, err = w.communicate(timeout=300)
        assert w.returncode == 0, err
        summary = json.loads(out)
        ok.update({int(k): v for k, v in summary["ok"].items()})
        refusals.extend(summary["refusals"])
    assert sum(ok.values()) + len(refusals) == PROCESSES * OPERATIONS
    assert sum(ok.values()) > 0
    for line in refusals:
        assert "\n" not in line
        assert "已被他人修改" in line or "被其他进程锁定" in line, line
    with db.engine.connect() as c:
        reports = dict(c.execute(sa.select(progress_t.c.case_id, sa.func.count()).group_by(progress_t.c.case_id)).all())
        events = dict(c.execute(sa.select(event_t.c.case_id, sa.func.count())
                                .where(event_t.c.action == "report_progress").group_by(event_t.c.case_id)).all())
        versions = dict(c.execute(sa.select(case_t.c.id, case_t.c.version)).all())
    assert reports == dict(ok)
    assert events == dict(ok)
    for case_id in range(1, CASES + 1):
        assert versions[case_id] == 1 + ok[case_id]  # every landed change bumped the version exactly once
