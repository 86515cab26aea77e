"""排查 and 报送 (SPEC §15): a county's screening round per year with each organization's findings and 研判,
and the report submissions a city holds (the signed package kept as submitted).

New tables only; nothing carried over.

Revision ID: 0014
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('screening_round',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('county', sa.String(100), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('started_by', sa.String(), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=True),
    sa.Column('meeting', sa.String(200), nullable=False),
    sa.Column('doc', sa.String(100), nullable=False),
    sa.Column('decided_by', sa.String(), nullable=False),
    sa.Column('listed_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('county', 'year', name='uq_screening_county_year')
    )
    op.create_table('screening_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('self_problems', sa.String(), nullable=False),
    sa.Column('self_note', sa.String(), nullable=False),
    sa.Column('self_on', sa.Date(), nullable=True),
    sa.Column('township_problems', sa.String(), nullable=False),
    sa.Column('township_note', sa.String(), nullable=False),
    sa.Column('township_on', sa.Date(), nullable=True),
    sa.Column('township_by', sa.String(), nullable=False),
    sa.Column('checked_on', sa.Date(), nullable=True),
    sa.Column('checked_by', sa.String(), nullable=False),
    sa.Column('respondents', sa.Integer(), nullable=True),
    sa.Column('satisfied', sa.Integer(), nullable=True),
    sa.Column('basic', sa.Integer(), nullable=True),
    sa.Column('dissatisfied', sa.Integer(), nullable=True),
    sa.Column('vacant_since', sa.Date(), nullable=True),
    sa.Column('outcome', sa.String(12), nullable=False),
    sa.Column('reason', sa.String(), nullable=False),
    sa.Column('judged_on', sa.Date(), nullable=True),
    sa.Column('judged_by', sa.String(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['rectification_case.id'], ),
    sa.ForeignKeyConstraint(['org_id'], ['organization.id'], ),
    sa.ForeignKeyConstraint(['round_id'], ['screening_round.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('round_id', 'org_id', name='uq_screening_entry_org')
    )
    op.create_index('ix_screening_entry_round_id', 'screening_entry', ['round_id'])
    op.create_index('ix_screening_entry_org_id', 'screening_entry', ['org_id'])
    op.create_table('report_submission',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('county', sa.String(100), nullable=False),
    sa.Column('county_code', sa.String(64), nullable=False),
    sa.Column('period', sa.String(10), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('known_on', sa.Date(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_by', sa.String(), nullable=False),
    sa.Column('origin', sa.String(8), nullable=False),
    sa.Column('digest', sa.String(64), nullable=False),
    sa.Column('public_key', sa.String(100), nullable=False),
    sa.Column('manifest', sa.String(), nullable=False),
    sa.Column('package', sa.LargeBinary(), nullable=False),
    sa.Column('status', sa.String(12), nullable=False),
    sa.Column('return_reason', sa.String(), nullable=False),
    sa.Column('returned_by', sa.String(), nullable=False),
    sa.Column('returned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_report_submission_county_period', 'report_submission', ['county', 'period'])
    op.create_index('ix_report_submission_digest', 'report_submission', ['digest'])


def downgrade() -> None:
    op.drop_index('ix_report_submission_digest', 'report_submission')
    op.drop_index('ix_report_submission_county_period', 'report_submission')
    op.drop_table('report_submission')
    op.drop_index('ix_screening_entry_org_id', 'screening_entry')
    op.drop_index('ix_screening_entry_round_id', 'screening_entry')
    op.drop_table('screening_entry')
    op.drop_table('screening_round')
