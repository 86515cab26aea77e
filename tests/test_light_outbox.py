"""The dry run on the light read path (``remind run --dry-run`` on sqlite3, without SQLAlchemy; issue 29): its
compiled statements are not stale, its rows are SQLAlchemy's value for value, and it prints what SQLAlchemy's
path prints, byte for byte."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from rectify.notifications.outbox import run_sweep
from rectify.notifications.policy import OPEN_FOR_REMINDERS, PROGRESS_STAGES
from rectify.notifications.render import Renderer
from rectify.states.tasks import SECRETARY_TASK_STAGES
from rectify.store import Database, compiled, compiled_sweep, demo, light_outbox, outbox
from rectify.store.light import open_light
from rectify.store.prepared import sweep_module_text
from rectify.write.engine import Workflow

from .conftest import FakeClock
from .remind_helpers import AS_OF_ISO, build_county, county_config

AS_OF = date.fromisoformat(AS_OF_ISO)
COMPILED = Path(__file__).resolve().parent.parent / "rectify" / "store" / "compiled_sweep.py"


def test_the_compiled_sweep_statements_are_not_stale() -> None:
    assert COMPILED.read_text("utf-8") == sweep_module_text(), \
        "rectify/store/compiled_sweep.py is stale: python -m rectify.store.prepared sweep > rectify/store/compiled_sweep.py"
    assert compiled_sweep.SCHEMA_HEAD == compiled.SCHEMA_HEAD


def _same(a: Any, b: Any) -> None:
    a, b = list(a), list(b)
    assert [tuple(r) for r in a] == [tuple(r) for r in b]
    assert [type(v) for r in a for v in r] == [type(v) for r in b for v in r]
    assert [getattr(r, "_fields", None) for r in a] == [getattr(r, "_fields", None) for r in b]


def _digests(store: Any, on: date, clock: FakeClock) -> tuple[Any, list[dict[str, Any]]]:
    shown: list[dict[str, Any]] = []
    result = run_sweep(store, county_config(), as_of=on, now=clock.now, renderer=Renderer(), dry_run=True,
                       on_digest=shown.append)
    return result, shown


@pytest.mark.parametrize("day", [0, 4, 40])
def test_the_light_dry_run_is_sqlalchemys(wf: Workflow, db: Database, db_url: str, clock: FakeClock,
                                          day: int) -> None:
    if not db_url.startswith("sqlite"):
        assert open_light(db_url) is None  # PostgreSQL: SQLAlchemy's path
        return
    build_county(wf, clock)
    sql = outbox.SqlOutboxStore(db)
    if day:  # the outbox holds the first day's items: the preview reads them
        run_sweep(sql, county_config(), as_of=AS_OF, now=clock.now, renderer=Renderer())
    light = open_light(db_url)
    assert light is not None
    store = light_outbox.LightOutboxStore(light)
    on = AS_OF + timedelta(days=day)
    for horizon in (on, on + timedelta(days=30), date.max):
        with sql.reading() as theirs, store.reading() as ours:
            asked = {"stages": OPEN_FOR_REMINDERS, "progress_stages": PROGRESS_STAGES, "horizon": horizon,
                     "progress_cutoff": on - timedelta(days=30), "listed_before": on}
            _same(ours.candidates(**asked), theirs.candidates(**asked))
            _same(ours.secretary_tasks(stages=SECRETARY_TASK_STAGES, horizon=horizon),
                  theirs.secretary_tasks(stages=SECRETARY_TASK_STAGES, horizon=horizon))
            _same(ours.open_measures(stages=OPEN_FOR_REMINDERS, horizon=horizon),
                  theirs.open_measures(stages=OPEN_FOR_REMINDERS, horizon=horizon))
            ids = list(range(0, 60))
            assert [tuple(r) for r in ours.recipients(ids)] == [tuple(r) for r in theirs.recipients(ids)]
            _same(ours.contacts(ids), theirs.contacts(ids))
            assert ours.contacts([]) == theirs.contacts([]) == []
    with sql.previewing() as theirs_p, store.previewing() as ours_p:
        assert ours_p.empty == theirs_p.empty == (not day)
        keys = [(i, kind, "x", on, 0, "officer@example.cn") for i in range(60) for kind in ("deadline", "brief")]
        assert ours_p.recorded(keys) == theirs_p.recorded(keys)
    for name in ("last_sweep_date", "last_brief_month", "nothing"):
        assert store.get_state(name) == sql.get_state(name)
    with db.connect() as conn:
        assert light_outbox.demo_only(light) == (demo.foreign_rows(conn, "青山县", [], []) == (0, 0))
    theirs_r, theirs_shown = _digests(sql, on, clock)
    ours_r, ours_shown = _digests(store, on, clock)
    assert ours_shown == theirs_shown and (ours_r.cases, ours_r.items) == (theirs_r.cases, theirs_r.items)
    assert ours_r.digests == theirs_r.digests
    light.close()


def test_the_dry_run_command_prints_what_sqlalchemys_path_prints(
    demo: Callable[..., Result], db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On the demo (its [report] signature found on the light path too) and a month later (the 专报)."""
    from rectify.cli import remind

    taken: list[bool] = []
    light_dry_run = remind._light_dry_run

    def spied(app: Any) -> Any:
        service = light_dry_run(app)
        taken.append(service is not None)
        return service

    monkeypatch.setattr(remind, "_light_dry_run", spied)
    for day in ("2026-06-30", "2026-07-01", "2026-08-15"):
        light = demo("remind", "run", "--dry-run", "--as-of", day)
        with monkeypatch.context() as m:
            m.setattr(remind, "_light_dry_run", lambda app: None)
            heavy = demo("remind", "run", "--dry-run", "--as-of", day)
        assert light.exit_code == heavy.exit_code == 0, light.output + heavy.output
        assert light.output == heavy.output and "未记录、未发送" in light.output
    assert "中共青山县委组织部" in light.output  # the demo's [report] signature
    assert taken == [db_url.startswith("sqlite")] * 3  # the light path on SQLite
