"""一村一策 as counties keep it (problems → measures → 责任人) and two leadership tracks

Measures name the problems they fix (``measure_problem``) and their 责任人's unit and e-mail; the
secretary rows become tracks (first 第一书记 | village 村党组织书记 | work_team 驻村工作队员) with a
term end, 原已驻村, and the village track's 选配/调整 and source; a case records its village
secretary's state at listing (缺配/需调整).

Carried over: old ``local`` secretaries become the village track (选配); every old measure is linked
to every problem of its case (before this revision a measure named none).

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'measure_problem',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('measure_id', sa.Integer(), nullable=False),
        sa.Column('problem_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['measure_id'], ['measure.id']),
        sa.ForeignKeyConstraint(['problem_id'], ['case_problem.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('measure_id', 'problem_id', name='uq_measure_problem'),
    )
    op.create_index('ix_measure_problem_measure_id', 'measure_problem', ['measure_id'], unique=False)
    op.create_index('ix_measure_problem_problem_id', 'measure_problem', ['problem_id'], unique=False)
    # Plain ADD/DROP COLUMN (SQLite ≥ 3.35): recreating a table other tables point at would trip their keys.
    op.add_column('measure', sa.Column('owner_unit', sa.String(), nullable=False, server_default=''))
    op.add_column('measure', sa.Column('owner_email', sa.String(), nullable=False, server_default=''))
    with op.batch_alter_table('secretary_assignment', schema=None) as batch_op:
        batch_op.alter_column('kind', existing_type=sa.String(length=8), type_=sa.String(length=12),
                              existing_nullable=False)
        batch_op.add_column(sa.Column('term_until', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('preexisting', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('action', sa.String(length=8), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('source', sa.String(), nullable=False, server_default=''))
    op.add_column('rectification_case', sa.Column('village_secretary_status', sa.String(length=8), nullable=False,
                                                  server_default=''))
    conn = op.get_bind()
    conn.execute(sa.text("UPDATE secretary_assignment SET kind = 'village', action = '选配' WHERE kind = 'local'"))
    conn.execute(sa.text(
        "INSERT INTO measure_problem (measure_id, problem_id) "
        "SELECT m.id, p.id FROM measure m JOIN case_problem p ON p.case_id = m.case_id ORDER BY m.id, p.id"))


def downgrade() -> None:
    op.drop_index('ix_measure_problem_problem_id', table_name='measure_problem')
    op.drop_index('ix_measure_problem_measure_id', table_name='measure_problem')
    op.drop_table('measure_problem')
    conn = op.get_bind()
    conn.execute(sa.text("UPDATE secretary_assignment SET kind = 'local' WHERE kind = 'village'"))
    conn.execute(sa.text("DELETE FROM secretary_assignment WHERE kind = 'work_team'"))
    op.drop_column('rectification_case', 'village_secretary_status')
    with op.batch_alter_table('secretary_assignment', schema=None) as batch_op:
        batch_op.drop_column('source')
        batch_op.drop_column('action')
        batch_op.drop_column('preexisting')
        batch_op.drop_column('term_until')
        batch_op.alter_column('kind', existing_type=sa.String(length=12), type_=sa.String(length=8),
                              existing_nullable=False)
    op.drop_column('measure', 'owner_email')
    op.drop_column('measure', 'owner_unit')
