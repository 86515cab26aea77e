"""a relapsed case planned before stage 3 became the join of the plan and a 第一书记 in post (issue 27) kept the
stage its plan gave then, 已建台账 (ledger_created), although the 第一书记 carried over from the earlier case (反弹)
was in post: the history folded today says 整改中 (secretary_assigned) from the plan on. Each such case's stored
stage moves to what the fold says: the stage, its start (the later of the plan's business date and the
secretary's since) and its task's due date, the 转化时限 (moved off a rest day as the default ``[calendar]`` does).
The history itself is untouched: it already says so.

Revision ID: 0021
Revises: 0020
"""
from datetime import date

import sqlalchemy as sa
from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

PLANNED, JOINED = 'ledger_created', 'secretary_assigned'

case_t = sa.table('rectification_case', sa.column('id', sa.Integer), sa.column('stage', sa.String),
                  sa.column('stage_since', sa.Date), sa.column('stage_due', sa.Date), sa.column('deadline', sa.Date))
event_t = sa.table('case_event', sa.column('id', sa.Integer), sa.column('case_id', sa.Integer),
                   sa.column('action', sa.String), sa.column('to_stage', sa.String),
                   sa.column('happened_on', sa.Date))
secretary_t = sa.table('secretary_assignment', sa.column('id', sa.Integer), sa.column('case_id', sa.Integer),
                       sa.column('kind', sa.String), sa.column('since', sa.Date), sa.column('until', sa.Date),
                       sa.column('carried', sa.Boolean))


def _day(value: object) -> date:
    return date.fromisoformat(value[:10]) if isinstance(value, str) else value  # type: ignore[return-value]


def _due(deadline: date) -> date:
    """The 转化时限 as the stage's task's due date, off a rest day as the default calendar moves it."""
    from rectify.config import CalendarConfig
    from rectify.states.workdays import work_calendar

    return work_calendar(CalendarConfig()).next_working(deadline) or deadline


def stale_cases(conn: sa.Connection) -> list[tuple[int, date, date, date]]:
    """``(case, plan day, secretary's since, deadline)`` of every case still 已建台账 whose plan found a carried-over
    第一书记 in post (not recalled by the plan's day)."""
    plan_day = (sa.select(sa.func.min(event_t.c.happened_on))
                .where(event_t.c.case_id == case_t.c.id, event_t.c.action == 'plan')
                .correlate(case_t).scalar_subquery())
    since = (sa.select(sa.func.max(secretary_t.c.since))
             .where(secretary_t.c.case_id == case_t.c.id, secretary_t.c.kind == 'first',
                    secretary_t.c.carried.is_(True),
                    sa.or_(secretary_t.c.until.is_(None), secretary_t.c.until > plan_day))
             .correlate(case_t).scalar_subquery())
    q = (sa.select(case_t.c.id, plan_day.label('plan_day'), since.label('since'), case_t.c.deadline)
         .where(case_t.c.stage == PLANNED).order_by(case_t.c.id))
    return [(cid, _day(planned), _day(sec_since), _day(deadline))
            for cid, planned, sec_since, deadline in conn.execute(q)
            if planned is not None and sec_since is not None]


def upgrade() -> None:
    conn = op.get_bind()
    for case_id, planned, since, deadline in stale_cases(conn):
        conn.execute(sa.update(case_t).where(case_t.c.id == case_id, case_t.c.stage == PLANNED)
                     .values(stage=JOINED, stage_since=max(planned, since), stage_due=_due(deadline)))


def downgrade() -> None:
    # The stage the fold gives is right at 0020 too: nothing to undo.
    pass
