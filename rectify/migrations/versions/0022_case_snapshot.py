"""month-end snapshots (SPEC §6.2): each case's folded state at the end of a month in which it changed, so a
past day folds only the events after its latest snapshot. Derived data: the table is created empty, and
``rectify snapshot`` fills it (a missing row only costs a longer fold).

Revision ID: 0022
Revises: 0020
"""
import sqlalchemy as sa
from alembic import op

revision = '0022'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('case_snapshot',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('month_end', sa.Date(), nullable=False),
    sa.Column('state', sa.String(), nullable=False),
    sa.Column('fmt', sa.String(16), nullable=False),
    sa.PrimaryKeyConstraint('case_id', 'month_end')
    )


def downgrade() -> None:
    op.drop_table('case_snapshot')
