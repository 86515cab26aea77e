"""people: the registry of who may sign a change (SPEC §12); the signer's unit on each event; the level
that hung a supervision sign; the installation's own id (calendar UIDs unique across installations)

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('person',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(100), nullable=False),
    sa.Column('unit', sa.String(200), nullable=False),
    sa.Column('role', sa.String(24), nullable=False),
    sa.Column('scope', sa.String(1000), nullable=False),
    sa.Column('email', sa.String(320), nullable=False),
    sa.Column('phone', sa.String(40), nullable=False),
    sa.Column('login', sa.String(64), nullable=True),
    sa.Column('registered', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name'),
    sa.UniqueConstraint('login')
    )
    op.create_table('installation',
    sa.Column('id', sa.String(36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('case_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('actor_unit', sa.String(), nullable=False, server_default=''))
    with op.batch_alter_table('rectification_case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('supervision_level', sa.String(8), nullable=False, server_default=''))
    # Signs hung before levels were recorded were county signs: the county ran the whole procedure.
    op.execute("UPDATE rectification_case SET supervision_level = 'county' WHERE supervised")


def downgrade() -> None:
    with op.batch_alter_table('rectification_case', schema=None) as batch_op:
        batch_op.drop_column('supervision_level')
    with op.batch_alter_table('case_event', schema=None) as batch_op:
        batch_op.drop_column('actor_unit')
    op.drop_table('installation')
    op.drop_table('person')
