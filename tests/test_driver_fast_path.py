"""The engine's SQLite fast path (rectify/store/driver.py) uses SQLAlchemy's private compiled-statement API
(``_bind_processors``, ``_result_columns``, ``positiontup``), so pyproject pins SQLAlchemy to the minor
versions it was checked on; this test is the check: the demo county built through the fast path and through
plain ``Connection.execute`` leaves the very same rows in every table."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

import rectify.store.driver as driver
from rectify.config import Config
from rectify.store import open_database, upgrade
from tests.conftest import snapshot


def _demo(path: Path, monkeypatch: pytest.MonkeyPatch | None) -> dict[str, list[tuple[Any, ...]]]:
    from rectify.demo.demo import build_demo

    if monkeypatch is not None:
        import rectify.store.cases as cases

        monkeypatch.setattr(cases, "runner", lambda conn: conn)
    db = open_database(f"sqlite:///{path}", create=True, check=False)
    upgrade(db)
    try:
        build_demo(db, Config(), date(2026, 6, 30))
        return snapshot(db)
    finally:
        db.dispose()


def test_the_fast_path_and_plain_execute_leave_the_same_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fast = _demo(tmp_path / "fast.sqlite", None)
    used: list[Any] = []
    original = driver.Runner.execute

    def counting(self: Any, stmt: Any, params: Any = None) -> Any:
        used.append(stmt)
        return original(self, stmt, params)

    monkeypatch.setattr(driver.Runner, "execute", counting)
    _demo(tmp_path / "counted.sqlite", None)
    assert used, "the demo ran no statement through the fast path"
    monkeypatch.undo()
    plain = _demo(tmp_path / "plain.sqlite", monkeypatch)
    assert fast.keys() == plain.keys()
    for table in fast:
        assert len(fast[table]) == len(plain[table]), table
    assert _without_times(fast) == _without_times(plain)


def _without_times(rows: dict[str, list[tuple[Any, ...]]]) -> dict[str, list[tuple[Any, ...]]]:
    """Every value but the recorded times (the demo's clock is the wall clock for when a row was written)."""
    from datetime import datetime

    return {t: [tuple(v for v in r if not isinstance(v, datetime)) for r in rs] for t, rs in rows.items()}


def test_steps_on_many_threads_share_the_kept_connection_safely(tmp_path: Path) -> None:
    """A web server steps on a thread pool: the connection a step keeps for the next is taken by one thread only,
    every step lands, and one connection at most stays kept."""
    import threading

    from rectify.demo.demo import build_demo
    from rectify.service import Service
    from rectify.states.stages import Stage

    db = open_database(f"sqlite:///{tmp_path / 'threads.sqlite'}", create=True, check=False)
    upgrade(db)
    try:
        build_demo(db, Config(), date(2026, 6, 30))
        service = Service(db, Config())
        officer = service.identify("钱明远")
        cases = [r["case_id"] for r in service.cases(officer, stage=Stage.secretary_assigned)][:6]
        assert len(cases) == 6
        before = len(snapshot(db)["case_event"])
        errors: list[BaseException] = []
        start = threading.Barrier(len(cases))

        def report(case_id: int) -> None:
            wf = service.engine(officer)
            start.wait()
            try:
                for day in range(1, 21):
                    wf.report_progress(case_id, on=date(2026, 6, day), note=f"第 {day} 次")
            except BaseException as exc:  # noqa: BLE001 (collected for the assertion below)
                errors.append(exc)

        threads = [threading.Thread(target=report, args=(c,)) for c in cases]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert len(snapshot(db)["case_event"]) == before + 6 * 20
        assert len(db._idle) <= 1
    finally:
        db.dispose()
    assert db._idle == []
