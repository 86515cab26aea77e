"""How many SQL statements each step of a case's lifecycle sends, pinned so the count cannot creep back.

A step is one transaction with its reads inside it: on SQLite the statements are counted at the driver
(``set_trace_callback`` sees every statement, BEGIN and COMMIT included, also those the engine runs on the
driver's cursor directly); on PostgreSQL every statement goes through SQLAlchemy, whose
``before_cursor_execute`` sees each one (the driver's own BEGIN and COMMIT are not statements it sends).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from rectify.config import Config
from rectify.store import Database
from rectify.write.engine import Workflow
from tests.conftest import FakeClock

D0 = date(2026, 1, 5)
# The seven steps of bench.lifecycle, and what each sends on SQLite (BEGIN and COMMIT counted).
STATEMENTS = {
    "open_case": 8,  # BEGIN, the organization with its place, its cases, the case, its problem, its officer, event
    "plan": 14,  # the case, who is in post (stage 3 joins the plan and a 第一书记), its people, its problems with
    # their coverage, the last measure number, the measure, its link, two people, every name in one look-up,
    # the versioned update, the event
    "assign_secretary": 8,  # the case, who is in post, the assignment, the name, the update, the event
    "report_progress": 6,  # the case, the report, the update, the event
    "complete_measure": 7,  # the case, the measure, its completion, the update, the event
    "mark_rectified": 5,  # the case, the update, the event
    "verify": 8,  # the case, a pending objection, the problems, the verification, the update, the event
}


@contextmanager
def counted(db: Database) -> Iterator[list[str]]:
    """Every statement sent to the database inside the block, in order."""
    seen: list[str] = []
    if db.dialect == "sqlite":
        db.close_idle()  # the connection the last step kept goes back to the pool: the next step checks it out, traced

        def trace(dbapi_conn: Any) -> None:
            dbapi_conn.set_trace_callback(seen.append)

        with db.engine.connect() as conn:  # the pool's connections, each traced
            trace(conn.connection.driver_connection)

        def on_checkout(dbapi_conn: Any, record: Any, proxy: Any) -> None:
            trace(dbapi_conn)

        sa.event.listen(db.engine, "checkout", on_checkout)
        try:
            yield seen
        finally:
            sa.event.remove(db.engine, "checkout", on_checkout)
            with db.engine.connect() as conn:
                conn.connection.driver_connection.set_trace_callback(None)  # type: ignore[union-attr]
        return

    def hook(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", hook)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", hook)


def lifecycle(wf: Workflow, verifier: Workflow) -> list[tuple[str, Callable[[str, int], object]]]:
    return [
        ("open_case", lambda code, _: wf.open_case(code, problems=["P01"], identified_on=D0, officer="赵经办")),
        ("plan", lambda _, c: wf.plan(c, measures=[(["P01"], "健全组织生活制度", "钱支书", D0 + timedelta(days=60))],
                                      county_leader="孙县领导", township_cadre="李包村干部")),
        ("assign_secretary", lambda _, c: wf.assign_secretary(c, name="周第一书记", unit="县委组织部",
                                                              since=D0 + timedelta(days=10))),
        ("report_progress", lambda _, c: wf.report_progress(c, on=D0 + timedelta(days=30), note="按月报送进展")),
        ("complete_measure", lambda _, c: wf.complete_measure(c, 1, on=D0 + timedelta(days=50))),
        ("mark_rectified", lambda _, c: wf.mark_rectified(c, on=D0 + timedelta(days=60),
                                                          self_check="对照问题逐项整改")),
        ("verify", lambda _, c: verifier.verify(c, on=D0 + timedelta(days=70), by="县委组织部",
                                                members=["验收员"], score=90, satisfied=40, dissatisfied=2)),
    ]


def test_each_step_sends_its_pinned_statements_in_one_transaction(db: Database, clock: FakeClock) -> None:
    clock.set_day("2026-06-30")
    wf = Workflow(db, Config(), actor="bench", clock=clock)
    verifier = Workflow(db, Config(), actor="bench-verifier", clock=clock)
    steps = lifecycle(wf, verifier)
    for code in ("B1", "B2"):
        wf.add_org(code, f"河口镇{code}村党支部", kind="village", county="清河县", township="河口镇")
    for _, step in steps:  # the first case names everyone: the registry knows them from then on
        step("B1", 1)
    sent: dict[str, list[str]] = {}
    for name, step in steps:
        with counted(db) as seen:
            step("B2", 2)
        sent[name] = list(seen)
    lead = 0 if db.dialect == "sqlite" else 2  # BEGIN and COMMIT are the driver's own on PostgreSQL
    assert {n: len(s) for n, s in sent.items()} == {n: c - lead for n, c in STATEMENTS.items()}, sent
    if db.dialect == "sqlite":
        for name, statements in sent.items():  # every read is inside the step's transaction
            assert statements[0] == "BEGIN IMMEDIATE" and statements[-1] == "COMMIT", (name, statements)
            assert sum(s.startswith("BEGIN") for s in statements) == 1, (name, statements)


def test_a_taken_key_on_the_fast_path_is_still_a_duplicate_key_and_writes_nothing(db: Database,
                                                                                  clock: FakeClock) -> None:
    """The step statements run on the driver's cursor (compiled on SQLite, prepared on psycopg); a driver's error
    is still the SQLAlchemy error the engine catches, and the step's transaction leaves nothing behind."""
    import pytest

    from rectify.store.cases import CaseStore, DuplicateKey

    clock.set_day("2026-06-30")
    org = {"code": "D1", "name": "河口镇D1村党支部", "kind": "village", "county": "清河县", "township": "河口镇",
           "poor_village": False, "created_at": clock()}
    with db.step() as conn:
        CaseStore(conn).add_org(**org)
    with pytest.raises(DuplicateKey), db.step() as conn:
        store = CaseStore(conn)
        store.add_org(**{**org, "code": "D2", "name": "河口镇D2村党支部"})  # written, then rolled back with the step
        store.add_org(**org)
    with db.step() as conn:  # the connection is whole again, and D2 is not there
        store = CaseStore(conn)
        assert store.org("D1") is not None and store.org("D2") is None


def test_a_sqlite_step_of_compiled_statements_makes_no_sqlalchemy_connection(db: Database, clock: FakeClock) -> None:
    """On SQLite a step runs on the pool's DBAPI connection itself: no Connection, no SQLAlchemy transaction."""
    if db.dialect != "sqlite":
        return
    clock.set_day("2026-06-30")
    wf = Workflow(db, Config(), actor="bench", clock=clock)
    for code in ("C1", "C2"):
        wf.add_org(code, f"河口镇{code}村党支部", kind="village", county="清河县", township="河口镇")
    steps = lifecycle(wf, Workflow(db, Config(), actor="bench-verifier", clock=clock))
    for _, step in steps:  # the first case names everyone: the registry knows them from then on
        step("C1", 1)
    made: list[object] = []

    def connected(conn: object) -> None:
        made.append(conn)

    sa.event.listen(db.engine, "engine_connect", connected)
    try:
        for _, step in steps:  # the second case's whole lifecycle: every statement compiled for the driver
            step("C2", 2)
    finally:
        sa.event.remove(db.engine, "engine_connect", connected)
    assert made == []
