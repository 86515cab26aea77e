"""The "anything dated after the day?" check of the read commands: every dated column it reads is indexed
(migration 0009), and it still sees a date in any of them."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from alembic import command

from rectify.config import Config
from rectify.reports.snapshot import needs_rebuild
from rectify.store import SCHEMA_HEAD, Database, alembic_config, upgrade
from rectify.store.snapshot import latest_dates
from rectify.write.engine import Workflow
from tests.conftest import FakeClock, add_org, walk

INDEXES = {
    "rectification_case": {"identified_on", "stage_since", "rectified_on", "verified_on", "last_progress_on",
                           "updated_at"},
    "measure": {"done_on"},
    "secretary_assignment": {"since", "until"},
    "progress_report": {"reported_on"},
    "verification": {"verified_on"},
}


def _single_column_indexes(db: Database, table: str) -> set[str]:
    with db.engine.connect() as conn:
        return {ix["column_names"][0] for ix in sa.inspect(conn).get_indexes(table) if len(ix["column_names"]) == 1}


def test_migration_0009_from_0008_indexes_every_date_and_back(db: Database, wf: Workflow, clock: FakeClock) -> None:
    add_org(wf)
    case_id = walk(wf, clock, "V001", "rectified")
    cfg = alembic_config(db)
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0008")
    for table, columns in INDEXES.items():
        assert not columns & _single_column_indexes(db, table), table
    assert upgrade(db) == ("0008", SCHEMA_HEAD)  # through 0009 and on to the head
    for table, columns in INDEXES.items():
        assert columns <= _single_column_indexes(db, table), table
    with db.engine.connect() as conn:  # the data is untouched
        assert conn.execute(sa.text("SELECT stage FROM rectification_case WHERE id = :i"),
                            {"i": case_id}).scalar_one() == "rectified"


@pytest.mark.parametrize(("table", "column"), [
    ("measure", "done_on"), ("secretary_assignment", "until"), ("progress_report", "reported_on"),
    ("rectification_case", "last_progress_on"), ("rectification_case", "verified_on"),
])
def test_a_later_date_in_any_table_asks_for_a_rebuild(db: Database, wf: Workflow, clock: FakeClock,
                                                      table: str, column: str) -> None:
    add_org(wf)
    case_id = walk(wf, clock, "V001", "secretary_assigned")
    wf.report_progress(case_id, on=date(2026, 3, 10), note="按计划推进")
    config = Config()
    with db.engine.connect() as conn:
        day, _ = latest_dates(conn)
    assert day is not None and not needs_rebuild(db, day, None, config)
    with db.engine.begin() as conn:
        conn.execute(sa.text(f"UPDATE {table} SET {column} = :d"), {"d": date(2030, 1, 1)})
    with db.engine.connect() as conn:
        assert latest_dates(conn)[0] == date(2030, 1, 1)
    assert needs_rebuild(db, day, None, config)
