"""Column types and clauses shared by the SQLModel classes (the schema's source) and the Core tables.

Kept free of SQLModel and pydantic: the generated Core tables (``schema.py``) import this, and a read
command loads nothing heavier than SQLAlchemy Core.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator

from rectify.states.stages import CLOSED_STAGES

# The partial index's condition: at most one open case per organization.
OPEN_CASES_ONLY = "stage NOT IN ({})".format(", ".join(f"'{s}'" for s in CLOSED_STAGES))


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware UTC instants; SQLite hands back naive values, which are UTC by construction."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
