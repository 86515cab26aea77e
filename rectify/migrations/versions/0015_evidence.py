"""佐证材料 (SPEC §14): the files attached to the events of the steps they prove, kept by SHA-256.

A new table only; nothing carried over.

Revision ID: 0015
Revises: 0014
"""
import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('evidence_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('media_type', sa.String(100), nullable=False),
    sa.Column('name', sa.String(200), nullable=False),
    sa.Column('kind', sa.String(10), nullable=False),
    sa.Column('caption', sa.String(200), nullable=False),
    sa.Column('happened_on', sa.Date(), nullable=False),
    sa.Column('uploaded_by', sa.String(), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('withdrawn_event_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['rectification_case.id'], ),
    sa.ForeignKeyConstraint(['event_id'], ['case_event.id'], ),
    sa.ForeignKeyConstraint(['withdrawn_event_id'], ['case_event.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_evidence_file_case_id', 'evidence_file', ['case_id'])
    op.create_index('ix_evidence_file_event_id', 'evidence_file', ['event_id'])
    op.create_index('ix_evidence_file_sha256', 'evidence_file', ['sha256'])


def downgrade() -> None:
    op.drop_table('evidence_file')
