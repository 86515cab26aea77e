"""The persistence layer: the one home of every SQL statement rectify runs.

``database`` opens and migrates the database; ``tables`` holds the table handles and the shared
statements. Each further module holds the statements of one part of the product (the engine's
writes, the read side, the ledger, bulk import, backup, the outbox's storage).
"""

from rectify.store.database import (
    KNOWN_REVISIONS,
    MIGRATIONS_DIR,
    SCHEMA_HEAD,
    Database,
    alembic_config,
    check_schema,
    current_revision,
    default_sqlite_path,
    describe,
    open_database,
    resolve_url,
    sqlite_file,
    translate_errors,
    upgrade,
)

__all__ = [
    "KNOWN_REVISIONS",
    "MIGRATIONS_DIR",
    "SCHEMA_HEAD",
    "Database",
    "alembic_config",
    "check_schema",
    "current_revision",
    "default_sqlite_path",
    "describe",
    "open_database",
    "resolve_url",
    "sqlite_file",
    "translate_errors",
    "upgrade",
]
