"""security settings in the database (SPEC §12, revised): the settings an admin sets and the signed history of
every change; and the OS login (操作员) that ran each event beside the person it names

Revision ID: 0013
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('security_setting',
    sa.Column('name', sa.String(64), nullable=False),
    sa.Column('value', sa.String(200), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('security_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(), nullable=False),
    sa.Column('actor_unit', sa.String(), nullable=False),
    sa.Column('operator', sa.String(), nullable=False),
    sa.Column('name', sa.String(64), nullable=False),
    sa.Column('old_value', sa.String(200), nullable=False),
    sa.Column('new_value', sa.String(200), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('case_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('operator', sa.String(), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('case_event', schema=None) as batch_op:
        batch_op.drop_column('operator')
    op.drop_table('security_event')
    op.drop_table('security_setting')
