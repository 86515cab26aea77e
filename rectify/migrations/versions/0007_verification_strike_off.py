"""申请验收 → 验收 → 公示 → 销号 (SPEC §3 "Inside rectified"): who applied and who verified, the team and the
score sheet, the 等次 and 满意率, the 公示 and its objections, and the strike-off with its 文号

A case verified before this revision was struck off in the same step: it is carried over as struck off on
its verification date with the 文号 "（升级前销号）", its 等次 and 满意率 taken from its passed verification
(合格 at a 满意率 of 80 % or more, else 基本合格: the defaults), its signers from its history.

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

CARRIED_DOC = "（升级前销号）"
_CASE_TEXT = ("applied_by", "verified_by", "strike_off_doc")
_VERIFICATION_TEXT = ("members", "score_sheet", "signed_by")


def upgrade() -> None:
    for name in _CASE_TEXT:
        op.add_column('rectification_case', sa.Column(name, sa.String(), nullable=False, server_default=''))
    op.add_column('rectification_case', sa.Column('grade', sa.String(8), nullable=False, server_default=''))
    op.add_column('rectification_case', sa.Column('satisfaction', sa.Float(), nullable=True))
    op.add_column('rectification_case', sa.Column('publicity_until', sa.Date(), nullable=True))
    op.add_column('rectification_case', sa.Column('struck_off_on', sa.Date(), nullable=True))
    for name in _VERIFICATION_TEXT:
        op.add_column('verification', sa.Column(name, sa.String(), nullable=False, server_default=''))
    op.add_column('verification', sa.Column('grade', sa.String(8), nullable=False, server_default=''))
    op.create_table('objection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('raised_on', sa.Date(), nullable=False),
    sa.Column('text', sa.String(), nullable=False),
    sa.Column('raised_by', sa.String(), nullable=False),
    sa.Column('decision', sa.String(12), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=True),
    sa.Column('decided_by', sa.String(), nullable=False),
    sa.Column('note', sa.String(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['rectification_case.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('objection', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_objection_case_id'), ['case_id'], unique=False)
    conn = op.get_bind()
    conn.execute(sa.text("UPDATE verification SET grade = CASE WHEN NOT passed THEN 'fail' "
                         "WHEN (satisfied + basic) >= 0.8 * (satisfied + basic + dissatisfied) THEN 'good' "
                         "ELSE 'basic' END"))
    cases = conn.execute(sa.text("SELECT id, verified_on FROM rectification_case WHERE stage = 'verified'")).fetchall()
    last_event = sa.text("SELECT actor FROM case_event WHERE case_id = :id AND action = :action ORDER BY id DESC LIMIT 1")
    last_pass = sa.text("SELECT satisfied, basic, dissatisfied, grade FROM verification WHERE case_id = :id AND passed "
                        "ORDER BY id DESC LIMIT 1")
    for c in cases:
        applied = conn.execute(last_event, {"id": c.id, "action": "mark_rectified"}).scalar_one_or_none()
        verified = conn.execute(last_event, {"id": c.id, "action": "verify"}).scalar_one_or_none()
        v = conn.execute(last_pass, {"id": c.id}).one_or_none()
        total = (v.satisfied + v.basic + v.dissatisfied) if v is not None else 0
        rate = round((v.satisfied + v.basic) / total, 3) if v is not None and total else None
        conn.execute(sa.text(
            "UPDATE rectification_case SET struck_off_on = verified_on, strike_off_doc = :doc, applied_by = :applied, "
            "verified_by = :verified, grade = :grade, satisfaction = :rate WHERE id = :id"),
            {"id": c.id, "doc": CARRIED_DOC, "applied": applied or "", "verified": verified or "",
             "grade": (v.grade if v is not None else "good"),
             "rate": rate})
    applied_rows = conn.execute(sa.text("SELECT id FROM rectification_case WHERE stage = 'rectified'")).fetchall()
    for c in applied_rows:
        applied = conn.execute(last_event, {"id": c.id, "action": "mark_rectified"}).scalar_one_or_none()
        conn.execute(sa.text("UPDATE rectification_case SET applied_by = :a WHERE id = :id"),
                     {"id": c.id, "a": applied or ""})


def downgrade() -> None:
    with op.batch_alter_table('objection', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_objection_case_id'))
    op.drop_table('objection')
    # Plain DROP COLUMNs: other tables point at rectification_case, so it is not copied and dropped (batch mode).
    for name in ("grade", *_VERIFICATION_TEXT):
        op.drop_column('verification', name)
    for name in ("struck_off_on", "publicity_until", "satisfaction", "grade", *_CASE_TEXT):
        op.drop_column('rectification_case', name)
