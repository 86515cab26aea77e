"""indexes no query needs, which every step paid for: (stage, deadline) on the cases, rewritten by each stage
change and read by no query (a stage's cases are read through (stage, stage_due); the reminders' sweep reads
the whole table); and the single-column indexes on ``measure.case_id``, ``measure_problem.measure_id`` and
``case_person.case_id``, each the first column of the table's own unique index, which serves the same look-ups

Revision ID: 0020
Revises: 0016
"""
from alembic import op

revision = '0020'
down_revision = '0016'
branch_labels = None
depends_on = None

DROPPED = (('rectification_case', 'ix_case_stage_deadline', ['stage', 'deadline']),
           ('measure', 'ix_measure_case_id', ['case_id']),
           ('measure_problem', 'ix_measure_problem_measure_id', ['measure_id']),
           ('case_person', 'ix_case_person_case_id', ['case_id']))


def upgrade() -> None:
    for table, name, _ in DROPPED:
        op.drop_index(name, table)


def downgrade() -> None:
    for table, name, columns in reversed(DROPPED):
        op.create_index(name, table, columns)
