"""an index on every date ``latest_dates`` takes the MAX of, so a read command's "anything dated after the day?"
check is a few index probes instead of a scan of every table; and the organizations by place and name, which
the case import asks for per batch instead of holding every organization in memory

Revision ID: 0009
Revises: 0008
"""
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

INDEXES = (
    ('rectification_case', 'identified_on'), ('rectification_case', 'stage_since'),
    ('rectification_case', 'rectified_on'), ('rectification_case', 'verified_on'),
    ('rectification_case', 'last_progress_on'), ('rectification_case', 'updated_at'),
    ('measure', 'done_on'), ('secretary_assignment', 'since'), ('secretary_assignment', 'until'),
    ('progress_report', 'reported_on'), ('verification', 'verified_on'),
)


def upgrade() -> None:
    for table, column in INDEXES:
        op.create_index(f'ix_{table}_{column}', table, [column])
    op.create_index('ix_organization_place_name', 'organization', ['county', 'township', 'name'])


def downgrade() -> None:
    op.drop_index('ix_organization_place_name', 'organization')
    for table, column in reversed(INDEXES):
        op.drop_index(f'ix_{table}_{column}', table)
