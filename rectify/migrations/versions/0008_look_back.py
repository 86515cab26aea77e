"""the 巩固期 and its 回头看, and a repeat listing linked to the earlier case (SPEC §3)

A case gets the link to its organization's latest earlier case and the earlier listing years, the
look-backs' schedule and results (``look_backs``) with the next one due; a secretary row is marked when
a relapse carried it into the new listing.

Carried over: every case is linked to its organization's previous case (by case number) with the years
listed before; every verified case gets its look-backs scheduled from its 销号 date at the default
``look_back_after_days`` (180 and 365 days), none yet recorded. Old ``reopen`` events stay as they are
(the history replays them as before).

Written beside slice A's 0007, which the integrator chains in between.

Revision ID: 0008
Revises: 0007
"""
from datetime import date, timedelta

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

_AFTER_DAYS = (180, 365)  # the default [policy] look_back_after_days


def _day(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def upgrade() -> None:
    # Plain ADD COLUMN: other tables point at rectification_case, so it is not copied and dropped (batch mode).
    op.add_column('rectification_case', sa.Column('previous_case_id', sa.Integer(), nullable=True))
    op.add_column('rectification_case', sa.Column('earlier_years', sa.String(), nullable=False, server_default=''))
    op.add_column('rectification_case', sa.Column('look_backs', sa.String(), nullable=False, server_default=''))
    op.add_column('rectification_case', sa.Column('next_look_back_on', sa.Date(), nullable=True))
    op.create_index('ix_rectification_case_previous_case_id', 'rectification_case', ['previous_case_id'])
    op.add_column('secretary_assignment', sa.Column('carried', sa.Boolean(), nullable=False,
                                                    server_default=sa.false()))
    conn = op.get_bind()
    cases = conn.execute(sa.text(
        "SELECT id, org_id, year, stage, verified_on FROM rectification_case ORDER BY org_id, id")).fetchall()
    update = sa.text("UPDATE rectification_case SET previous_case_id = :prev, earlier_years = :years, "
                     "look_backs = :lb, next_look_back_on = :next WHERE id = :id")
    rows = []
    seen: dict[int, list[tuple[int, int]]] = {}
    for c in cases:
        earlier = seen.setdefault(c.org_id, [])
        years = ",".join(str(y) for y in sorted({y for _, y in earlier if y < c.year}))
        lb, nxt = "", None
        if c.stage == "verified" and c.verified_on is not None:
            struck = _day(c.verified_on)
            dues = [struck + timedelta(days=d) for d in _AFTER_DAYS]
            lb = ";".join(f"{d}|{due.isoformat()}||" for d, due in zip(_AFTER_DAYS, dues, strict=True))
            nxt = dues[0]
        if earlier or lb:
            rows.append({"id": c.id, "prev": earlier[-1][0] if earlier else None, "years": years, "lb": lb,
                         "next": nxt})
        earlier.append((c.id, c.year))
    if rows:
        conn.execute(update, rows)


def downgrade() -> None:
    op.drop_column('secretary_assignment', 'carried')
    op.drop_index('ix_rectification_case_previous_case_id', 'rectification_case')
    op.drop_column('rectification_case', 'next_look_back_on')
    op.drop_column('rectification_case', 'look_backs')
    op.drop_column('rectification_case', 'earlier_years')
    op.drop_column('rectification_case', 'previous_case_id')
