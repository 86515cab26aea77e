"""The whole lifecycle of a case, step by step, on rectify and on a raw sqlite3 floor.

One case's lifecycle is the seven steps of :data:`STEPS`: opened (列入整顿), its plan (a measure, the county
leader and the township cadre), a first secretary, a monthly report, the measure done, rectified and verified.
Every step is its own transaction that reads the case, checks it may move, writes the step's own record,
bumps the case's version and appends a history row. :mod:`bench.peers` runs the same steps on other libraries.
"""

from __future__ import annotations

import sqlite3
import statistics
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

AT = datetime(2026, 6, 30, 2, 0, tzinfo=UTC)
D0 = date(2026, 1, 5)
# (action, from, to, record table or None): what each step changes; the peers follow the same table.
STEPS: tuple[tuple[str, str | None, str, str | None], ...] = (
    ("open_case", None, "identified", "case_problem"),
    ("plan", "identified", "ledger_created", "measure"),
    ("assign_secretary", "ledger_created", "secretary_assigned", "secretary_assignment"),
    ("report_progress", "secretary_assigned", "secretary_assigned", "progress_report"),
    ("complete_measure", "secretary_assigned", "secretary_assigned", "measure_done"),
    ("mark_rectified", "secretary_assigned", "rectified", None),
    ("verify", "rectified", "verified", "verification"),
)
WARM = 50  # cases run first and not timed: pools, statement caches, the page cache


def mix_seconds(times: list[float]) -> float:
    """The typical step of the lifecycle: the median of each of the seven steps, averaged over the steps.

    Per-step medians, because on a shared machine a few steps preempted for tens of milliseconds move a mean
    more than everything the code does; every step counts once, as it does in a case's life.
    """
    n = len(STEPS)
    return statistics.fmean(statistics.median(times[i::n]) for i in range(n))


def empty_database(path: Path) -> None:
    from rectify.store import open_database, upgrade

    db = open_database(str(path), create=True, check=False)
    upgrade(db)
    db.dispose()


def rectify_lifecycle(path: Path, cases: int) -> list[float]:
    """Seconds of each timed step (``cases`` × 7) through :class:`rectify.write.engine.Workflow`."""
    from rectify.config import Config
    from rectify.store import open_database
    from rectify.write.engine import Workflow

    empty_database(path)
    db = open_database(str(path))
    wf = Workflow(db, Config(), actor="bench", clock=lambda: AT)
    verifier = Workflow(db, Config(), actor="bench-verifier", clock=lambda: AT)
    for k in range(WARM + cases):
        wf.add_org(f"B{k:08d}", f"河口镇第{k}村党支部", kind="village", county="清河县", township="河口镇")
    steps: list[Callable[[str, int], object]] = [
        lambda code, _: wf.open_case(code, problems=["P01"], identified_on=D0, officer="赵经办"),
        lambda _, c: wf.plan(c, measures=[(["P01"], "健全组织生活制度", "钱支书", D0 + timedelta(days=60))],
                             county_leader="孙县领导", township_cadre="李包村干部"),
        lambda _, c: wf.assign_secretary(c, name="周第一书记", unit="县委组织部", since=D0 + timedelta(days=10)),
        lambda _, c: wf.report_progress(c, on=D0 + timedelta(days=30), note="按月报送进展"),
        lambda _, c: wf.complete_measure(c, 1, on=D0 + timedelta(days=50)),
        lambda _, c: wf.mark_rectified(c, on=D0 + timedelta(days=60), self_check="对照问题逐项整改"),
        # the verifier is not the applicant (issue 13): verified, the case goes to 公示
        lambda _, c: verifier.verify(c, on=D0 + timedelta(days=70), by="县委组织部", members=["验收员"], score=90,
                                     satisfied=40, dissatisfied=2),
    ]
    times: list[float] = []
    for k in range(WARM + cases):
        code, case_id = f"B{k:08d}", k + 1
        for step in steps:
            start = time.perf_counter()
            step(code, case_id)
            if k >= WARM:
                times.append(time.perf_counter() - start)
    db.dispose()
    return times


def raw_lifecycle(path: Path, cases: int) -> list[float]:
    """The floor: the same seven steps by hand in raw sqlite3 on rectify's schema and pragmas.

    Per step: BEGIN, read the case, the step's own record, a versioned UPDATE, the history row, COMMIT.
    """
    empty_database(path)
    con = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
        con.execute(f"PRAGMA {pragma}")
    stamp = AT.replace(tzinfo=None).isoformat(sep=" ")
    con.execute("BEGIN")
    con.executemany("INSERT INTO organization (id, code, name, kind, county, township, poor_village, created_at) "
                    "VALUES (?, ?, ?, 'village', '清河县', '河口镇', 0, ?)",
                    [(k + 1, f"B{k:08d}", f"河口镇第{k}村党支部", stamp) for k in range(WARM + cases)])
    con.execute("COMMIT")
    records = {
        "case_problem": ("INSERT INTO case_problem (case_id, code, text) VALUES (?, 'P01', '班子不团结')", ()),
        "measure": ("INSERT INTO measure (case_id, seq, text, owner, due_on) VALUES (?, 1, '健全组织生活制度', "
                    "'钱支书', '2026-03-06')", ()),
        "secretary_assignment": ("INSERT INTO secretary_assignment (case_id, name, kind, unit, since, email, "
                                 "phone, end_reason) VALUES (?, '周第一书记', 'first', '县委组织部', '2026-01-15', "
                                 "'', '', '')", ()),
        "measure_done": ("UPDATE measure SET done_on = '2026-02-24' WHERE case_id = ? AND seq = 1", ()),
        "progress_report": ("INSERT INTO progress_report (case_id, reported_on, note, actor) VALUES (?, '2026-02-04', "
                            "'按月报送进展', 'bench')", ()),
        "verification": ("INSERT INTO verification (case_id, verified_on, verifier, score, satisfied, basic, "
                         "dissatisfied, passed, reasons) VALUES (?, '2026-03-16', '县委组织部', 90, 40, 0, 2, 1, '')",
                         ()),
    }
    times: list[float] = []
    for k in range(WARM + cases):
        case_id = k + 1
        for action, source, dest, record in STEPS:
            start = time.perf_counter()
            con.execute("BEGIN")
            if source is None:
                con.execute("INSERT INTO rectification_case (id, org_id, year, stage, identified_on, deadline, "
                            "stage_since, cycle_start, cycle, version, detail, helping_unit, self_check, "
                            "withdrawn_reason, supervised, supervision_reason, measures_total, measures_done, "
                            "created_at, updated_at) VALUES (?, ?, 2026, 'identified', '2026-01-05', '2027-01-05', "
                            "'2026-01-05', '2026-01-05', 1, 1, '', '', '', '', 0, '', 0, 0, ?, ?)",
                            (case_id, case_id, stamp, stamp))
            else:
                stage, version = con.execute("SELECT stage, version FROM rectification_case WHERE id = ?",
                                             (case_id,)).fetchone()
                assert stage == source
                cur = con.execute("UPDATE rectification_case SET stage = ?, version = ?, updated_at = ? "
                                  "WHERE id = ? AND version = ?", (dest, version + 1, stamp, case_id, version))
                assert cur.rowcount == 1
            if record is not None:
                con.execute(records[record][0], (case_id,))
            con.execute("INSERT INTO case_event (case_id, at, happened_on, actor, actor_unit, action, from_stage, "
                        "to_stage, reason, detail) VALUES (?, ?, '2026-01-05', 'bench', '', ?, ?, ?, '', '{}')",
                        (case_id, stamp, action, source, dest))
            con.execute("COMMIT")
            if k >= WARM:
                times.append(time.perf_counter() - start)
    con.close()
    return times
