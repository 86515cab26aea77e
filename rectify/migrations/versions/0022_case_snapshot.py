"""month-end snapshots (SPEC §6.2): each case's folded state at the end of a month in which it changed, so a
past day folds only the events after its latest snapshot. Derived data: the table is created empty, and
``rectify snapshot`` fills it (a missing row only costs a longer fold). The events' index on the case becomes one
on (case, business date): the same look-ups, and a case's events after its snapshot in one range.

Revision ID: 0022
Revises: 0021
"""
import sqlalchemy as sa
from alembic import op

revision = '0022'
down_revision = '0021'
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
    op.create_index('ix_case_event_case_day', 'case_event', ['case_id', 'happened_on'])
    op.drop_index('ix_case_event_case_id', 'case_event')


def downgrade() -> None:
    op.create_index('ix_case_event_case_id', 'case_event', ['case_id'])
    op.drop_index('ix_case_event_case_day', 'case_event')
    op.drop_table('case_snapshot')
