"""supervision as a record (SPEC §3): every 挂牌督办 sign with its level, unit, matters and due, and its 摘牌
after an inspection; the escalation ladder's step reached on the case

Each case under supervision becomes one sign still up: its level as recorded (a sign of no level was the
county's), its matters the old reason, hung on the business date of its last ``supervise`` event by
that event's signer and unit (else the case's last change, and the level's organization department).

Revision ID: 0006
Revises: 0005
"""
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

_UNITS = {"city": "市委组织部", "county": "县委组织部"}
_ZONE = ZoneInfo("Asia/Shanghai")


def _day(value: object) -> object:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        at = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return at.astimezone(_ZONE).date()
    return value


def upgrade() -> None:
    op.create_table('supervision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(8), nullable=False),
    sa.Column('unit', sa.String(), nullable=False),
    sa.Column('matter', sa.String(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('hung_on', sa.Date(), nullable=False),
    sa.Column('hung_by', sa.String(), nullable=False),
    sa.Column('taken_down_on', sa.Date(), nullable=True),
    sa.Column('inspected_by', sa.String(), nullable=False),
    sa.Column('inspected_on', sa.Date(), nullable=True),
    sa.Column('down_reason', sa.String(), nullable=False),
    sa.Column('taken_down_by', sa.String(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['rectification_case.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('supervision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supervision_case_id'), ['case_id'], unique=False)
    op.add_column('rectification_case', sa.Column('escalation_step', sa.String(8), nullable=False, server_default=''))
    conn = op.get_bind()
    cases = conn.execute(sa.text(
        "SELECT id, supervision_level, supervision_reason, updated_at FROM rectification_case WHERE supervised"
    )).fetchall()
    if not cases:
        return
    last = sa.text("SELECT actor, actor_unit, happened_on, at FROM case_event WHERE case_id = :id "
                   "AND action = 'supervise' ORDER BY id DESC LIMIT 1")
    rows = []
    for c in cases:
        level = c.supervision_level or "county"
        event = conn.execute(last, {"id": c.id}).one_or_none()
        hung_on = _day(event.happened_on or event.at) if event is not None else _day(c.updated_at)
        rows.append({"case_id": c.id, "level": level,
                     "unit": (event.actor_unit if event is not None else "") or _UNITS.get(level, ""),
                     "matter": c.supervision_reason or "（升级前挂牌，未记督办事项）", "due_on": None,
                     "hung_on": hung_on, "hung_by": event.actor if event is not None else "",
                     "taken_down_on": None, "inspected_by": "", "inspected_on": None, "down_reason": "",
                     "taken_down_by": ""})
    conn.execute(sa.text(
        "INSERT INTO supervision (case_id, level, unit, matter, due_on, hung_on, hung_by, taken_down_on, "
        "inspected_by, inspected_on, down_reason, taken_down_by) VALUES (:case_id, :level, :unit, :matter, "
        ":due_on, :hung_on, :hung_by, :taken_down_on, :inspected_by, :inspected_on, :down_reason, "
        ":taken_down_by)"), rows)
    # Every sign up stands at the ladder's top.
    op.execute("UPDATE rectification_case SET escalation_step = 'sign' WHERE supervised")


def downgrade() -> None:
    with op.batch_alter_table('supervision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supervision_case_id'))
    op.drop_table('supervision')
    # A plain DROP COLUMN: other tables point at this one, so it is not copied and dropped (batch mode).
    op.drop_column('rectification_case', 'escalation_step')
