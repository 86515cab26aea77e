"""initial schema

Revision ID: 0001
Revises: 
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('organization',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(64), nullable=False),
    sa.Column('name', sa.String(200), nullable=False),
    sa.Column('kind', sa.String(20), nullable=False),
    sa.Column('county', sa.String(100), nullable=False),
    sa.Column('township', sa.String(100), nullable=False),
    sa.Column('poor_village', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    op.create_table('rectification_case',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(24), nullable=False),
    sa.Column('identified_on', sa.Date(), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('stage_since', sa.Date(), nullable=False),
    sa.Column('stage_due', sa.Date(), nullable=True),
    sa.Column('cycle_start', sa.Date(), nullable=False),
    sa.Column('cycle', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('detail', sa.String(), nullable=False),
    sa.Column('helping_unit', sa.String(), nullable=False),
    sa.Column('self_check', sa.String(), nullable=False),
    sa.Column('rectified_on', sa.Date(), nullable=True),
    sa.Column('verified_on', sa.Date(), nullable=True),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('withdrawn_reason', sa.String(), nullable=False),
    sa.Column('supervised', sa.Boolean(), nullable=False),
    sa.Column('supervision_reason', sa.String(), nullable=False),
    sa.Column('measures_total', sa.Integer(), nullable=False),
    sa.Column('measures_done', sa.Integer(), nullable=False),
    sa.Column('last_progress_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organization.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('rectification_case', schema=None) as batch_op:
        batch_op.create_index('ix_case_stage_deadline', ['stage', 'deadline'], unique=False)
        batch_op.create_index('ix_case_stage_due', ['stage', 'stage_due'], unique=False)
        batch_op.create_index(batch_op.f('ix_rectification_case_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rectification_case_year'), ['year'], unique=False)
        batch_op.create_index('uq_case_open_org', ['org_id'], unique=True, sqlite_where=sa.text("stage NOT IN ('verified', 'withdrawn')"), postgresql_where=sa.text("stage NOT IN ('verified', 'withdrawn')"))

    op.create_table('case_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(), nullable=False),
    sa.Column('action', sa.String(32), nullable=False),
    sa.Column('from_stage', sa.String(), nullable=True),
    sa.Column('to_stage', sa.String(), nullable=True),
    sa.Column('reason', sa.String(), nullable=False),
    sa.Column('detail', sa.String(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['rectification_case.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('case_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_event_case_id'), ['case_id'], unique=False)

    op.create_table('case_person',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(24), nullable=False),
    sa.Column('name', sa.String(), nullable=False),
    sa.Column('unit', sa.String(), nullable=False),
    sa.Column('email', sa.String(), nullable=False),
    sa.Column('phone', sa.String(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['rectification_case.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('case_id', 'role', name='uq_person_case_role')
    )
    with op.batch_alter_table('case_person', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_person_case_id'), ['case_id'], unique=False)

    op.create_table('case_problem',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(8), nullable=False),
    sa.Column('text', sa.String(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['rectification_case.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('case_problem', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_problem_case_id'), ['case_id'], unique=False)

    op.create_table('deadline_extension',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('old_deadline', sa.Date(), nullable=False),
    sa.Column('new_deadline', sa.Date(), nullable=False),
    sa.Column('reason', sa.String(), nullable=False),
    sa.Column('approved_by', sa.String(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['rectification_case.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('deadline_extension', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deadline_extension_case_id'), ['case_id'], unique=False)

    op.create_table('measure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(), nullable=False),
    sa.Column('owner', sa.String(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['rectification_case.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('case_id', 'seq', name='uq_measure_case_seq')
    )
    with op.batch_alter_table('measure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_measure_case_id'), ['case_id'], unique=False)

    op.create_table('progress_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('reported_on', sa.Date(), nullable=False),
    sa.Column('note', sa.String(), nullable=False),
    sa.Column('actor', sa.String(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['rectification_case.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('progress_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_progress_report_case_id'), ['case_id'], unique=False)

    op.create_table('secretary_assignment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(), nullable=False),
    sa.Column('kind', sa.String(8), nullable=False),
    sa.Column('unit', sa.String(), nullable=False),
    sa.Column('since', sa.Date(), nullable=False),
    sa.Column('until', sa.Date(), nullable=True),
    sa.Column('email', sa.String(), nullable=False),
    sa.Column('phone', sa.String(), nullable=False),
    sa.Column('end_reason', sa.String(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['rectification_case.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('secretary_assignment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_secretary_assignment_case_id'), ['case_id'], unique=False)

    op.create_table('verification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('verified_on', sa.Date(), nullable=False),
    sa.Column('verifier', sa.String(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('satisfied', sa.Integer(), nullable=False),
    sa.Column('basic', sa.Integer(), nullable=False),
    sa.Column('dissatisfied', sa.Integer(), nullable=False),
    sa.Column('passed', sa.Boolean(), nullable=False),
    sa.Column('reasons', sa.String(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['rectification_case.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('verification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_verification_case_id'), ['case_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('verification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_verification_case_id'))

    op.drop_table('verification')
    with op.batch_alter_table('secretary_assignment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_secretary_assignment_case_id'))

    op.drop_table('secretary_assignment')
    with op.batch_alter_table('progress_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_progress_report_case_id'))

    op.drop_table('progress_report')
    with op.batch_alter_table('measure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_measure_case_id'))

    op.drop_table('measure')
    with op.batch_alter_table('deadline_extension', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deadline_extension_case_id'))

    op.drop_table('deadline_extension')
    with op.batch_alter_table('case_problem', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_problem_case_id'))

    op.drop_table('case_problem')
    with op.batch_alter_table('case_person', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_person_case_id'))

    op.drop_table('case_person')
    with op.batch_alter_table('case_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_event_case_id'))

    op.drop_table('case_event')
    with op.batch_alter_table('rectification_case', schema=None) as batch_op:
        batch_op.drop_index('uq_case_open_org', sqlite_where=sa.text("stage NOT IN ('verified', 'withdrawn')"), postgresql_where=sa.text("stage NOT IN ('verified', 'withdrawn')"))
        batch_op.drop_index(batch_op.f('ix_rectification_case_year'))
        batch_op.drop_index(batch_op.f('ix_rectification_case_org_id'))
        batch_op.drop_index('ix_case_stage_due')
        batch_op.drop_index('ix_case_stage_deadline')

    op.drop_table('rectification_case')
    op.drop_table('organization')
