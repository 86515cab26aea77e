"""Month-end snapshots (rectify.reports.month_end): a past day folded from them equals the full fold, for every day
of a span, on the demo, after back-dated late entries and after an import; a back-dated step deletes its case's
later snapshots; a row of another fingerprint is never read; ``rectify snapshot`` refuses a bad day."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import Result

from rectify.config import Config
from rectify.reports.month_end import decode, encode, fill, fingerprint, last_month_end
from rectify.reports.snapshot import rebuild
from rectify.reports.stats import compute_stats
from rectify.store import Database
from rectify.store.ledger import LedgerFilter
from rectify.store.tables import snapshot_t
from rectify.write.engine import Workflow

from .conftest import FakeClock

Run = Callable[..., Result]


def _days(first: str, last: str, step: int = 1) -> list[date]:
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    return [start + timedelta(days=i) for i in range(0, (end - start).days + 1, step)]


def _tuples(db: Database, day: date, snapshots: bool, f: LedgerFilter | None = None) -> list[tuple[Any, ...]]:
    return [s.ledger_tuple() for s in rebuild(db, as_of=day, config=Config(), filters=f, snapshots=snapshots)]


def _rows(db: Database) -> list[tuple[int, date, str]]:
    with db.connect() as conn:
        rows = conn.execute(sa.select(snapshot_t.c.case_id, snapshot_t.c.month_end, snapshot_t.c.fmt)
                            .order_by(snapshot_t.c.case_id, snapshot_t.c.month_end)).all()
    return [(r[0], r[1] if isinstance(r[1], date) else date.fromisoformat(r[1]), r[2]) for r in rows]


def _drop_all(db: Database) -> None:
    with db.engine.begin() as conn:
        conn.execute(sa.delete(snapshot_t))


def _same_every_day(db: Database, days: list[date]) -> None:
    for day in days:
        assert _tuples(db, day, True) == _tuples(db, day, False), day
    for f in (LedgerFilter(open_only=True), LedgerFilter(stage="rectified")):
        assert _tuples(db, days[-1], True, f) == _tuples(db, days[-1], False, f)


def _same_stats(db: Database, days: list[date]) -> None:
    with_snapshots = [compute_stats(db, as_of=day, config=Config()) for day in days]
    kept = _rows(db)
    _drop_all(db)
    assert [compute_stats(db, as_of=day, config=Config()) for day in days] == with_snapshots
    assert kept  # the first ones were folded from snapshots


def test_the_demo_from_snapshots_equals_the_full_fold(demo: Run, db: Database) -> None:
    assert fill(db, Config(), date(2026, 6, 30)) > 0
    rows = _rows(db)
    assert {m for _, m, _ in rows} <= {last_month_end(d) for d in _days("2025-01-01", "2026-06-30")}
    assert len({c for c, _, _ in rows}) > 20
    assert fill(db, Config(), date(2026, 6, 30)) == 0  # nothing missing: nothing written twice
    _same_every_day(db, _days("2025-12-20", "2026-06-30"))
    _same_stats(db, [date(2025, 12, 31), date(2026, 2, 14), date(2026, 4, 30), date(2026, 6, 30)])


def test_back_dated_entries_drop_later_snapshots(demo: Run, db: Database, clock: FakeClock) -> None:
    fill(db, Config(), date(2026, 6, 30))
    before = _rows(db)
    in_progress = [s for s in rebuild(db, as_of=date(2026, 6, 30), config=Config())
                   if s.stage == "secretary_assigned" and s.measures and s.stage_since < date(2026, 5, 1)]
    late = in_progress[0].id
    assert any(c == late and m >= date(2026, 5, 31) for c, m, _ in before)
    clock.set_day("2026-07-20")
    wf = Workflow(db, Config(), actor="县委组织部经办人", clock=clock)
    wf.report_progress(late, on=date(2026, 5, 20), note="补录五月进展")
    after = _rows(db)
    assert [r for r in after if r[0] == late] == [r for r in before if r[0] == late and r[1] < date(2026, 5, 20)]
    assert [r for r in after if r[0] != late] == [r for r in before if r[0] != late]
    # A step dated after every snapshot of its case deletes none.
    other = in_progress[1].id
    wf.report_progress(other, on=date(2026, 7, 15), note="七月进展")
    assert [r for r in _rows(db) if r[0] == other] == [r for r in before if r[0] == other]
    for seq in [m[0] for m in in_progress[2].measures if not m[5]]:
        wf.complete_measure(in_progress[2].id, seq, on=date(2026, 6, 29))
    _same_every_day(db, _days("2026-04-25", "2026-07-20"))
    assert fill(db, Config(), date(2026, 7, 20)) > 0  # the dropped ones written again, from the earlier ones
    _same_every_day(db, _days("2026-04-25", "2026-07-20", 3))


def test_a_row_of_another_fingerprint_is_never_read(demo: Run, db: Database) -> None:
    fill(db, Config(), date(2026, 6, 30))
    with db.engine.begin() as conn:
        conn.execute(sa.update(snapshot_t).values(fmt="0123456789abcdef", state="not json"))
    _same_every_day(db, _days("2026-05-25", "2026-06-30"))
    other = replace(Config().policy, secretary_rule="either")
    assert fingerprint(other) != fingerprint(Config().policy)
    assert fill(db, Config(), date(2026, 6, 30)) > 0
    assert {f for _, _, f in _rows(db)} == {fingerprint(Config().policy)}  # the stale ones dropped


def test_a_state_round_trips(demo: Run, db: Database) -> None:
    for s in rebuild(db, as_of=date(2026, 6, 30), config=Config()):
        fixed = tuple(getattr(s, n) for n in ("id", "detail", "year", "org_code", "org_name", "kind", "county",
                                              "township", "poor_village", "problems", "place_rank"))
        again = decode(encode(s), fixed)
        assert again.ledger_tuple() == s.ledger_tuple() and again.secretaries == s.secretaries


def test_the_command(demo: Run, db: Database) -> None:
    done = demo("snapshot", "--until", "2026-05-15")
    assert done.exit_code == 0, done.output
    assert "2026-04-30" in done.output and max(m for _, m, _ in _rows(db)) == date(2026, 4, 30)
    assert demo("snapshot").exit_code == 0
    assert max(m for _, m, _ in _rows(db)) == date(2026, 6, 30)
    for bad in ("2026-13-01", "2026-07-01"):
        result = demo("snapshot", "--until", bad)
        assert result.exit_code == 2 and "Traceback" not in result.output, result.output
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("错误："), result.output


def test_an_imported_sheet_from_snapshots_equals_the_full_fold(db_url: str, db: Database, run: Run, tmp_path: Path,
                                                               request: pytest.FixtureRequest) -> None:
    """An import's fold reads the day (the row's own dates): its case is snapshotted only from the month end on
    which every date the row names has passed."""
    from click.testing import CliRunner

    from rectify.cli import cli
    from rectify.demo.demo import build_demo
    from rectify.store import open_database

    from .conftest import DEMO_ACTOR, second_database_url

    source = open_database(second_database_url(request, db_url, tmp_path, "source"))
    try:
        build_demo(source, Config(), date(2026, 3, 10))
    finally:
        source.dispose()
    sheet = tmp_path / "台账.csv"
    exported = CliRunner().invoke(cli, ["--db", source.url, "--actor", DEMO_ACTOR, "ledger", "--as-of", "2026-03-10",
                                        "--format", "csv", "-o", str(sheet)],
                                  env={"RECTIFY_NOW": "2026-03-10T02:00:00+00:00"})
    assert exported.exit_code == 0, exported.output
    assert run("case", "import", str(sheet)).exit_code == 0
    fill(db, Config(), date(2026, 2, 28))
    february = {c for c, _, _ in _rows(db)}
    fill(db, Config(), date(2026, 4, 30))
    march = {c for c, m, _ in _rows(db) if m == date(2026, 3, 31)}
    assert march - february  # rows naming March dates wait for the end of March
    _same_every_day(db, _days("2026-01-20", "2026-04-30", 2))
