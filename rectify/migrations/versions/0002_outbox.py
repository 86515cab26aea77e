"""outbox: reminder items, digests and scheduler state

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('outbox_digest',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recipient', sa.String(320), nullable=False),
    sa.Column('recipient_name', sa.String(), nullable=False),
    sa.Column('sweep_date', sa.Date(), nullable=False),
    sa.Column('subject', sa.String(), nullable=False),
    sa.Column('body_text', sa.String(), nullable=False),
    sa.Column('body_html', sa.String(), nullable=False),
    sa.Column('status', sa.String(10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(), nullable=False),
    sa.Column('message_id', sa.String(200), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('message_id')
    )
    with op.batch_alter_table('outbox_digest', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_digest_status_next', ['status', 'next_attempt_at'], unique=False)

    op.create_table('outbox_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('digest_id', sa.Integer(), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(16), nullable=False),
    sa.Column('stage', sa.String(24), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('offset_days', sa.Integer(), nullable=False),
    sa.Column('recipient', sa.String(320), nullable=False),
    sa.Column('role', sa.String(24), nullable=False),
    sa.Column('detail', sa.String(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['digest_id'], ['outbox_digest.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('case_id', 'kind', 'stage', 'due_on', 'offset_days', 'recipient',
                        name='uq_outbox_item_key')
    )
    with op.batch_alter_table('outbox_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_item_digest_id'), ['digest_id'], unique=False)

    op.create_table('notification_state',
    sa.Column('name', sa.String(64), nullable=False),
    sa.Column('value', sa.String(), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )


def downgrade() -> None:
    op.drop_table('notification_state')
    with op.batch_alter_table('outbox_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_item_digest_id'))
    op.drop_table('outbox_item')
    with op.batch_alter_table('outbox_digest', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_digest_status_next')
    op.drop_table('outbox_digest')
