"""The same case lifecycle on peer libraries (``python -m bench --peers``), each in its own interpreter.

Every peer runs the seven steps of :data:`bench.lifecycle.STEPS` for each case, each step its own transaction
on a SQLite file with rectify's pragmas (WAL, synchronous=NORMAL, foreign keys): read the case, check the
step is allowed from its stage, write the step's own record (a problem, a measure, a secretary, a report, the
measure done, a verification), bump the version and append a history row. Rectify does more per step than any
peer (roles and scope, guards on the facts, deadlines, the people registry, JSON event details); the peers do
the least a hand-built tracker on that library would. Install them with ``pip install -e '.[peers]'``.
"""

from __future__ import annotations

import importlib.util
import json
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.lifecycle import AT, STEPS, WARM, mix_seconds, rectify_lifecycle

Run = Callable[[Path, int], list[float]]
PEERS: dict[str, Run] = {}
NEEDS = {"sqlalchemy_orm": "sqlalchemy", "django_fsm": "django_fsm_log", "spiffworkflow": "SpiffWorkflow",
         "transitions": "transitions"}
RECORD_TEXT = {"case_problem": "班子不团结", "measure": "健全组织生活制度", "secretary_assignment": "周第一书记",
               "progress_report": "按月报送进展", "verification": "90 分，通过"}


def peer(name: str) -> Callable[[Run], Run]:
    def register(fn: Run) -> Run:
        PEERS[name] = fn
        return fn

    return register


def available() -> list[str]:
    """The peers whose library is installed."""
    return [n for n in PEERS if n in NEEDS and importlib.util.find_spec(NEEDS[n]) is not None]


def _pragmas(con: Any) -> None:
    cur = con.cursor()
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
        cur.execute(f"PRAGMA {pragma}")
    cur.close()


@peer("rectify")
def _rectify(path: Path, cases: int) -> list[float]:
    return rectify_lifecycle(path, cases)


@peer("sqlalchemy_orm")
def sqlalchemy_orm(path: Path, cases: int) -> list[float]:
    """Declarative ORM classes, ``version_id_col`` for the version, one Session transaction per step."""
    import sqlalchemy as sa
    from sqlalchemy.orm import Session

    from bench.ormpeer import Base, Case, History, Record

    engine = sa.create_engine(f"sqlite:///{path}")
    sa.event.listen(engine, "connect", lambda con, _: _pragmas(con))
    Base.metadata.create_all(engine)
    times: list[float] = []
    for k in range(WARM + cases):
        for action, source, dest, record in STEPS:
            start = time.perf_counter()
            with Session(engine) as session, session.begin():
                if source is None:
                    case = Case(org_code=f"B{k:08d}", stage=dest, updated_at=AT)
                    session.add(case)
                    session.flush()
                else:
                    case = session.get(Case, k + 1)
                    assert case is not None and case.stage == source
                    case.stage, case.updated_at = dest, AT
                if record == "measure_done":
                    session.execute(sa.select(Record).where(Record.case_id == case.id, Record.kind == "measure")
                                    ).scalar_one().done = True
                elif record is not None:
                    session.add(Record(case_id=case.id, kind=record, text=RECORD_TEXT[record]))
                session.add(History(case_id=case.id, at=AT, action=action, from_stage=source, to_stage=dest))
            if k >= WARM:
                times.append(time.perf_counter() - start)
    engine.dispose()
    return times


@peer("django_fsm")
def django_fsm(path: Path, cases: int) -> list[float]:
    """django-fsm-2 transitions on a protected FSMField with ConcurrentTransitionMixin (the stage is the version
    check) plus a version column; django-fsm-log writes each transition's StateLog; one atomic block per step."""
    import django
    from django.conf import settings

    settings.configure(
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path)}},
        INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "django_fsm_log", "bench.djpeer"],
        USE_TZ=True, DEFAULT_AUTO_FIELD="django.db.models.AutoField", LOGGING_CONFIG=None)
    django.setup()
    from django.core.management import call_command
    from django.db import transaction
    from django.db.backends.signals import connection_created
    from django_fsm_log.models import StateLog

    from bench.djpeer.models import Case, Record

    connection_created.connect(lambda sender, connection, **_: _pragmas(connection.connection), weak=False)
    call_command("migrate", run_syncdb=True, verbosity=0)
    times: list[float] = []
    for k in range(WARM + cases):
        for action, source, dest, record in STEPS:
            start = time.perf_counter()
            with transaction.atomic():
                if source is None:
                    case = Case.objects.create(org_code=f"B{k:08d}", updated_at=AT)
                    StateLog.objects.create(content_object=case, transition=action, source_state=None, state=dest)
                else:
                    case = Case.objects.get(pk=k + 1)
                    getattr(case, action)()
                    case.updated_at = AT
                    case.save()
                if record == "measure_done":
                    Record.objects.filter(case=case, kind="measure").update(done=True)
                elif record is not None:
                    Record.objects.create(case=case, kind=record, text=RECORD_TEXT[record])
            if k >= WARM:
                times.append(time.perf_counter() - start)
    return times


@peer("spiffworkflow")
def spiffworkflow(path: Path, cases: int) -> list[float]:
    """A SpiffWorkflow 3 spec of the six manual steps; per step the case's serialized workflow is loaded, its
    ready task run, and the state saved back (raw sqlite3: the versioned update, the record, the history)."""
    from SpiffWorkflow.serializer.json import JSONSerializer
    from SpiffWorkflow.specs.Simple import Simple
    from SpiffWorkflow.specs.WorkflowSpec import WorkflowSpec
    from SpiffWorkflow.util.task import TaskState
    from SpiffWorkflow.workflow import Workflow

    spec = WorkflowSpec("case", addstart=True)
    prev: Any = spec.start
    for action, *_ in STEPS[1:]:
        task = Simple(spec, action, manual=True)
        prev.connect(task)
        prev = task
    serializer = JSONSerializer()
    con = sqlite3.connect(path, isolation_level=None)
    _pragmas(con)
    con.executescript(
        "CREATE TABLE case_ (id INTEGER PRIMARY KEY, org_code TEXT UNIQUE NOT NULL, stage TEXT NOT NULL, "
        "version INTEGER NOT NULL, state TEXT NOT NULL, updated_at TEXT NOT NULL);"
        "CREATE TABLE record (id INTEGER PRIMARY KEY, case_id INTEGER NOT NULL REFERENCES case_(id), kind TEXT NOT "
        "NULL, text TEXT NOT NULL, done INTEGER NOT NULL DEFAULT 0); CREATE INDEX record_case ON record(case_id);"
        "CREATE TABLE history (id INTEGER PRIMARY KEY, case_id INTEGER NOT NULL REFERENCES case_(id), at TEXT NOT "
        "NULL, action TEXT NOT NULL, from_stage TEXT, to_stage TEXT NOT NULL); CREATE INDEX history_case ON "
        "history(case_id);")
    stamp = AT.isoformat()
    times: list[float] = []
    for k in range(WARM + cases):
        case_id = k + 1
        for action, source, dest, record in STEPS:
            start = time.perf_counter()
            con.execute("BEGIN")
            if source is None:
                wf = Workflow(spec)
                wf.run_next()
                con.execute("INSERT INTO case_ (id, org_code, stage, version, state, updated_at) VALUES "
                            "(?, ?, ?, 1, ?, ?)", (case_id, f"B{k:08d}", dest, wf.serialize(serializer), stamp))
            else:
                stage, version, state = con.execute("SELECT stage, version, state FROM case_ WHERE id = ?",
                                                    (case_id,)).fetchone()
                wf = Workflow.deserialize(serializer, state)
                ready = [t for t in wf.get_tasks(state=TaskState.READY, manual=True) if t.task_spec.name == action]
                assert stage == source and ready, (stage, action)
                ready[0].run()
                cur = con.execute("UPDATE case_ SET stage = ?, version = ?, state = ?, updated_at = ? WHERE id = ? "
                                  "AND version = ?", (dest, version + 1, wf.serialize(serializer), stamp, case_id,
                                                      version))
                assert cur.rowcount == 1
            if record == "measure_done":
                con.execute("UPDATE record SET done = 1 WHERE case_id = ? AND kind = 'measure'", (case_id,))
            elif record is not None:
                con.execute("INSERT INTO record (case_id, kind, text) VALUES (?, ?, ?)",
                            (case_id, record, RECORD_TEXT[record]))
            con.execute("INSERT INTO history (case_id, at, action, from_stage, to_stage) VALUES (?, ?, ?, ?, ?)",
                        (case_id, stamp, action, source, dest))
            con.execute("COMMIT")
            if k >= WARM:
                times.append(time.perf_counter() - start)
    con.close()
    return times


@peer("transitions")
def transitions_raw(path: Path, cases: int) -> list[float]:
    """The ``transitions`` library used naively: a new Machine for each case (made when the case is opened, kept
    for its life), whose triggers move it; each step its own transaction in raw sqlite3 on rectify's schema and
    pragmas, writing the same rows with the same statements as the steps' floor (:mod:`bench.rawsteps`): the
    floor plus a state machine, what a hand-built tracker on that library would be."""
    from transitions import Machine

    from bench import rawsteps
    from bench.lifecycle import FloorRun

    # the stages as the rows hold them: a passed verification leaves the case in rectified for its 公示
    moves = [{"trigger": a, "source": src, "dest": dest} for (a, src, dest) in (
        ("plan", "identified", "ledger_created"), ("assign_secretary", "ledger_created", "secretary_assigned"),
        ("report_progress", "secretary_assigned", "secretary_assigned"),
        ("complete_measure", "secretary_assigned", "secretary_assigned"),
        ("mark_rectified", "secretary_assigned", "rectified"), ("verify", "rectified", "rectified"))]
    stages = ["identified", "ledger_created", "secretary_assigned", "rectified"]

    class Case:
        state: str

    floor = FloorRun(path, WARM + cases)
    con = floor.con
    times: list[float] = []
    actors = ("bench",) * 5 + ("bench-verifier",)
    for k in range(WARM + cases):
        start = time.perf_counter()
        con.execute("BEGIN")
        case_id = rawsteps.open_case(con, f"B{k:08d}", "bench")
        model = Case()
        Machine(model=model, states=stages, transitions=moves, initial="identified", auto_transitions=False)
        con.execute("COMMIT")
        if k >= WARM:
            times.append(time.perf_counter() - start)
        for (action, *_), step, actor in zip(STEPS[1:], rawsteps.STEP_FUNCTIONS, actors, strict=True):
            start = time.perf_counter()
            con.execute("BEGIN")
            step(con, case_id, actor)  # reads the case (its stage checked), writes the step's rows
            assert getattr(model, action)()
            con.execute("COMMIT")
            if k >= WARM:
                times.append(time.perf_counter() - start)
    floor.close()
    return times


# Where each peer keeps its cases and its history: (case table, history table).
TABLES = {"rectify": ("rectification_case", "case_event"), "sqlalchemy_orm": ("case_", "history"),
          "django_fsm": ("djpeer_case", "django_fsm_log_statelog"), "spiffworkflow": ("case_", "history"),
          "transitions": ("rectification_case", "case_event")}


# The lifecycle's last step done: verified; for rectify a passed verification, which starts the 公示 (the
# county's 销号 follows it days later, a step the peers do not model).
DONE_AT_VERIFIED = "stage = 'verified'"
DONE = {"rectify": "stage = 'verified' OR verified_on IS NOT NULL",
        "transitions": "stage = 'verified' OR verified_on IS NOT NULL"}


def summary(name: str, path: Path, times: list[float]) -> dict[str, Any]:
    """Steps per second of the typical step (:func:`bench.lifecycle.mix_seconds`), the median and the mean step, and
    what the run left in its database."""
    cases, history = TABLES[name]
    con = sqlite3.connect(path)
    verified = con.execute(f"SELECT count(*) FROM {cases} WHERE {DONE.get(name, DONE_AT_VERIFIED)}").fetchone()[0]
    events = con.execute(f"SELECT count(*) FROM {history}").fetchone()[0]
    con.close()
    return {"steps": len(times), "per_second": 1 / mix_seconds(times), "median_us": statistics.median(times) * 1e6,
            "mean_us": statistics.fmean(times) * 1e6, "verified_cases": verified, "history_rows": events}


def main() -> None:
    name, path, cases = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
    print(json.dumps(summary(name, path, PEERS[name](path, cases))))


if __name__ == "__main__":
    main()
