"""Schema by Alembic: the head this code expects, the same schema as the models, on both backends."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlmodel import SQLModel

import rectify.store.models  # noqa: F401
import rectify.store.outbox_models  # noqa: F401
from rectify.errors import DatabaseProblem
from rectify.store import (
    KNOWN_REVISIONS,
    SCHEMA_HEAD,
    Database,
    alembic_config,
    describe,
    open_database,
    resolve_url,
    upgrade,
)
from tests.conftest import emptied


def test_schema_head_constant_matches_the_migrations(db: Database) -> None:
    script = ScriptDirectory.from_config(alembic_config(db))
    assert script.get_current_head() == SCHEMA_HEAD
    assert [r.revision for r in reversed(list(script.walk_revisions()))] == list(KNOWN_REVISIONS)


def test_migrations_build_exactly_the_models(db: Database) -> None:
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), SQLModel.metadata)
    assert diff == []


def test_upgrade_from_the_first_migration_to_head(db_url: str, db: Database) -> None:
    # db is at head already; a fresh one is walked from nothing through every revision
    emptied(db)
    before, after = upgrade(db, KNOWN_REVISIONS[0])
    assert (before, after) == (None, KNOWN_REVISIONS[0])
    with pytest.raises(DatabaseProblem, match="rectify init") if len(KNOWN_REVISIONS) > 1 else _nothing():
        open_database(db_url).dispose()
    assert upgrade(db) == (KNOWN_REVISIONS[0], SCHEMA_HEAD)
    open_database(db_url).dispose()


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def test_url_forms(tmp_path: Path) -> None:
    assert resolve_url(str(tmp_path / "a.sqlite")) == f"sqlite:///{tmp_path / 'a.sqlite'}"
    assert resolve_url("postgresql://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
    assert resolve_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert describe("postgresql+psycopg://u:secret@h/db") == "postgresql+psycopg://u:***@h/db"


def test_sqlite_runs_in_wal_mode(db_url: str, db: Database) -> None:
    if db.dialect != "sqlite":
        assert db.dialect == "postgresql"
        return
    with db.engine.connect() as conn:
        assert conn.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1


def test_postgresql_connection_settings(db: Database) -> None:
    if db.dialect != "postgresql":
        assert db.dialect == "sqlite"
        return
    with db.engine.connect() as conn:
        assert conn.execute(sa.text("SHOW statement_timeout")).scalar() == "30s"
    assert db.engine.pool.size() == 5  # type: ignore[attr-defined]


def test_postgresql_wrong_database_name_is_one_line(db_url: str) -> None:
    if not db_url.startswith("postgresql"):
        assert db_url.startswith("sqlite")
        return
    wrong = db_url.rsplit("/", 1)[0] + "/no_such_db"
    with pytest.raises(DatabaseProblem) as info:
        open_database(wrong)
    assert str(info.value) == f"数据库 {wrong} 不存在"


def test_a_driver_error_from_a_raw_cursor_is_one_line() -> None:
    import sqlite3

    from rectify.store import translate_errors

    with pytest.raises(DatabaseProblem, match="被其他进程锁定"):
        with translate_errors("sqlite:////tmp/x.sqlite"):
            raise sqlite3.OperationalError("database is locked")
    with pytest.raises(ZeroDivisionError):
        with translate_errors("sqlite:////tmp/x.sqlite"):
            raise ZeroDivisionError
