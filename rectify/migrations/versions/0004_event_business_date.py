"""the business date of every event (SPEC §3, §6.2): snapshots rebuild a past day by it

Existing events take the date their inputs name (``on``, ``since``, ``identified_on``), else the local
date (Asia/Shanghai, the default timezone) of the moment they were recorded.

Revision ID: 0004
Revises: 0003
"""
import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

_KEYS = ("on", "since", "identified_on")
_ZONE = ZoneInfo("Asia/Shanghai")


def _business_date(at: datetime | str, detail: str) -> str:
    try:
        inputs = json.loads(detail or "{}")
    except ValueError:
        inputs = {}
    for key in _KEYS:
        value = inputs.get(key) if isinstance(inputs, dict) else None
        if isinstance(value, str) and len(value) == 10:
            return value
    if isinstance(at, str):
        at = datetime.fromisoformat(at)
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(_ZONE).date().isoformat()


def upgrade() -> None:
    with op.batch_alter_table('case_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('happened_on', sa.Date(), nullable=True))
        batch_op.create_index('ix_case_event_happened_on', ['happened_on'], unique=False)
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, at, detail FROM case_event")).fetchall()
    update = sa.text("UPDATE case_event SET happened_on = :d WHERE id = :id")
    batch = [{"id": r.id, "d": datetime.fromisoformat(_business_date(r.at, r.detail)).date()} for r in rows]
    for start in range(0, len(batch), 5000):
        conn.execute(update, batch[start:start + 5000])


def downgrade() -> None:
    with op.batch_alter_table('case_event', schema=None) as batch_op:
        batch_op.drop_index('ix_case_event_happened_on')
        batch_op.drop_column('happened_on')
