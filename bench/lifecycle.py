"""The whole lifecycle of a case, step by step, on rectify and on a raw sqlite3 floor.

One case's lifecycle is the seven steps of :data:`STEPS`: opened (列入整顿), its plan (a measure, the county
leader and the township cadre), a first secretary, a monthly report, the measure done, rectified and verified.
Every step is its own transaction that reads the case, checks it may move, writes the step's own record,
bumps the case's version and appends a history row. The floor (:mod:`bench.rawsteps`) does the same steps by hand
in raw sqlite3, writing the same rows with the same statements; :func:`interleaved` runs the product and the floor
in alternating rounds, so load from elsewhere on the machine falls on both. :mod:`bench.peers` runs the same steps
on other libraries.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from bench import rawsteps
from bench.rawsteps import AT

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


class Times(list[float]):
    """Each step's wall seconds, and beside them (``unwaited``) the same less the time the step spent runnable but
    waiting for a CPU (Linux's run-queue delay of the thread, ``/proc/thread-self/schedstat``): what the step takes
    on this machine without the other work on it, so a mean can tell the code's stalls (commits, checkpoints) from
    the machine's load. Read outside the timed window; empty where the file is not there."""

    def __init__(self) -> None:
        super().__init__()
        self.unwaited: list[float] = []


_SCHEDSTAT = Path("/proc/thread-self/schedstat")


def _run_queue_wait() -> Callable[[], float] | None:
    """The calling thread's run-queue wait so far, in seconds (the file opened per read, outside the timed window:
    a handle kept open would be the importing thread's and is never closed)."""
    if not _SCHEDSTAT.is_file():
        return None

    def waited() -> float:
        return int(_SCHEDSTAT.read_bytes().split()[1]) / 1e9

    return waited


_WAITED = _run_queue_wait()


def _timed(steps: list[Callable[[], object]], times: list[float] | None) -> None:
    waited = _WAITED if isinstance(times, Times) else None
    unwaited = times.unwaited if isinstance(times, Times) else []
    for step in steps:
        before = waited() if waited else 0.0
        start = time.perf_counter()
        step()
        if times is not None:
            elapsed = time.perf_counter() - start
            times.append(elapsed)
            if waited:
                unwaited.append(max(0.0, elapsed - (waited() - before)))


class ProductRun:
    """Cases taken through :class:`rectify.write.engine.Workflow`, one :meth:`case` at a time."""

    def __init__(self, path: Path, cases: int) -> None:
        from rectify.config import Config
        from rectify.store import open_database
        from rectify.write.engine import Workflow

        empty_database(path)
        self.db = open_database(str(path))
        wf = self.wf = Workflow(self.db, Config(), actor="bench", clock=lambda: AT)
        # the verifier is not the applicant (issue 13): verified, the case goes to 公示
        self.verifier = Workflow(self.db, Config(), actor="bench-verifier", clock=lambda: AT)
        for k in range(cases):
            wf.add_org(f"B{k:08d}", f"河口镇第{k}村党支部", kind="village", county="清河县", township="河口镇")

    def case(self, k: int, times: list[float] | None) -> None:
        """The ``k``-th case's seven steps; their seconds appended to ``times`` (None: a warm-up case)."""
        wf, verifier, code, c = self.wf, self.verifier, f"B{k:08d}", k + 1
        _timed([
            lambda: wf.open_case(code, problems=["P01"], identified_on=D0, officer="赵经办"),
            lambda: wf.plan(c, measures=[(["P01"], "健全组织生活制度", "钱支书", D0 + timedelta(days=60))],
                            county_leader="孙县领导", township_cadre="李包村干部"),
            lambda: wf.assign_secretary(c, name="周第一书记", unit="县委组织部", since=D0 + timedelta(days=10)),
            lambda: wf.report_progress(c, on=D0 + timedelta(days=30), note="按月报送进展"),
            lambda: wf.complete_measure(c, 1, on=D0 + timedelta(days=50)),
            lambda: wf.mark_rectified(c, on=D0 + timedelta(days=60), self_check="对照问题逐项整改"),
            lambda: verifier.verify(c, on=D0 + timedelta(days=70), by="县委组织部", members=["验收员"], score=90,
                                    satisfied=40, dissatisfied=2),
        ], times)

    def close(self) -> None:
        self.db.dispose()


class FloorRun:
    """The same cases by hand in raw sqlite3 (:mod:`bench.rawsteps`) on rectify's schema and pragmas."""

    def __init__(self, path: Path, cases: int) -> None:
        empty_database(path)
        con = self.con = rawsteps.connect(path)
        con.execute("BEGIN")
        con.executemany("INSERT INTO organization (code, name, kind, county, township, poor_village, created_at) "
                        "VALUES (?, ?, 'village', '清河县', '河口镇', 0, ?)",
                        [(f"B{k:08d}", f"河口镇第{k}村党支部", rawsteps.STAMP) for k in range(cases)])
        con.execute("COMMIT")

    def case(self, k: int, times: list[float] | None) -> None:
        con, code, c = self.con, f"B{k:08d}", k + 1

        def step(fn: Callable[[], object]) -> Callable[[], object]:
            def run() -> None:
                con.execute("BEGIN")
                fn()
                con.execute("COMMIT")
            return run

        actors = ("bench",) * 5 + ("bench-verifier",)
        _timed([step(lambda: rawsteps.open_case(con, code, "bench"))]
               + [step(lambda fn=fn, who=who: fn(con, c, who))
                  for fn, who in zip(rawsteps.STEP_FUNCTIONS, actors, strict=True)], times)

    def close(self) -> None:
        self.con.close()


def _run(run: ProductRun | FloorRun, cases: int) -> list[float]:
    times: list[float] = []
    for k in range(WARM + cases):
        run.case(k, times if k >= WARM else None)
    run.close()
    return times


def rectify_lifecycle(path: Path, cases: int) -> list[float]:
    """Seconds of each timed step (``cases`` × 7) through :class:`rectify.write.engine.Workflow`."""
    return _run(ProductRun(path, WARM + cases), cases)


def raw_lifecycle(path: Path, cases: int) -> list[float]:
    """The floor: the same seven steps by hand in raw sqlite3 (:mod:`bench.rawsteps`)."""
    return _run(FloorRun(path, WARM + cases), cases)


def interleaved(product_path: Path, floor_path: Path, cases: int, rounds: int = 10) -> tuple[Times, Times]:
    """The product and the floor each take ``cases`` cases, in ``rounds`` alternating rounds (who goes first
    alternates too), after ``WARM`` untimed cases each: (product's step seconds, floor's)."""
    product, floor = ProductRun(product_path, WARM + cases), FloorRun(floor_path, WARM + cases)
    for k in range(WARM):
        product.case(k, None)
        floor.case(k, None)
    times: tuple[Times, Times] = (Times(), Times())
    chunk = max(1, -(-cases // rounds))
    for r, first in enumerate(range(WARM, WARM + cases, chunk)):
        ks = range(first, min(first + chunk, WARM + cases))
        order = ((product, times[0]), (floor, times[1]))
        for run, out in order if r % 2 == 0 else order[::-1]:
            for k in ks:
                run.case(k, out)
    product.close()
    floor.close()
    return times
