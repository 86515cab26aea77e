"""The installation's own id: made once per database, carried by export/restore with the other tables.

Calendar UIDs end in it, so the calendars of two counties (two databases) never share an event.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa

from rectify.store.database import Database
from rectify.store.tables import installation_t

# Two processes creating the id at once may both insert; the first row by (created_at, id) is the id
# for everyone, before and after, so both still agree.
_FIRST = sa.select(installation_t.c.id).order_by(installation_t.c.created_at, installation_t.c.id).limit(1)


def installation_id(db: Database, *, now: datetime) -> str:
    """This database's installation id (a uuid4), created on first use."""
    with db.connect() as conn:
        found = conn.execute(_FIRST).scalar_one_or_none()
    if found is not None:
        return str(found)
    with db.begin() as conn:
        found = conn.execute(_FIRST).scalar_one_or_none()
        if found is None:
            conn.execute(sa.insert(installation_t).values(
                id=str(uuid.uuid4()), created_at=now))
    with db.connect() as conn:
        return str(conn.execute(_FIRST).scalar_one())
