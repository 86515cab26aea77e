"""web sign-in (SPEC §13): each person's password hash, the must-change mark and the calendar token; the log of
sign-in attempts the back-off reads

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('password_hash', sa.String(200), nullable=True))
        batch_op.add_column(sa.Column('must_change', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('calendar_token', sa.String(64), nullable=True))
        batch_op.create_unique_constraint('uq_person_calendar_token', ['calendar_token'])
    op.create_table('sign_in',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('login', sa.String(100), nullable=False),
    sa.Column('address', sa.String(64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ok', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_sign_in_login_at', 'sign_in', ['login', 'at'])
    op.create_index('ix_sign_in_address_at', 'sign_in', ['address', 'at'])


def downgrade() -> None:
    op.drop_index('ix_sign_in_address_at', 'sign_in')
    op.drop_index('ix_sign_in_login_at', 'sign_in')
    op.drop_table('sign_in')
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_constraint('uq_person_calendar_token', type_='unique')
        batch_op.drop_column('calendar_token')
        batch_op.drop_column('must_change')
        batch_op.drop_column('password_hash')
