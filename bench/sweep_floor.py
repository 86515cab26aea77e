"""The sweep's floor: the product's candidate statement run raw on sqlite3 and the reminder items decided by hand.

``rectify remind run`` reads the candidate cases (:func:`rectify.store.outbox.candidate_query`, one statement) and
decides the items due on the day (:func:`rectify.notifications.policy.sweep`). The floor sends the same statement
(as SQLAlchemy renders it for the driver, captured once outside the timing) on a raw sqlite3 connection, reads every
row it returns, and decides by hand-written code (not the product's functions; only the policy's numbers) the same
items in the same order, each as the tuple of an ``Item``: (case, kind, stage, due day, window, days left, audience,
task). The rules, as the README states them:

- an open case's task due day and its 转化时限 (one ``deadline`` item when they are the same day; a rectified case
  only its verification): a reminder when it is 0…max offset days ahead, named by the smallest offset ≥ the days
  left; once it is overdue an ``overdue`` alert named by the first day of its week, and from ``escalate_after_days``
  an ``escalation`` to the county (and to the city while the case is supervised), named the same way;
- the monthly progress report of a case in ``ledger_created``/``secretary_assigned``: the previous period's weekly
  overdue alert while no report came after the day before it, else the current period's reminder; to the 督办单位's
  level too while the case is supervised;
- a struck-off case's next 回头看: in its reminder window, then weekly while overdue.

SQLite holds a date as ISO text, which sorts as the date does: the floor compares the text and parses a date only
for an item it makes (the progress items of the day are the same tuple for every case but its id and stage).
"""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from pathlib import Path
from typing import Any

# The order a case's items take: the product's kinds, in its digest order (escalation first).
_RANK = {k: r for r, k in enumerate(("escalation", "overdue", "stage_due", "deadline", "progress", "look_back"))}
Statement = tuple[str, Any]


def statement(db_path: Path, as_of: date) -> Statement:
    """The candidate statement for ``as_of`` as the product's query renders it for the sqlite3 driver, and its
    parameters (captured from the engine; run once, outside any timing)."""
    import sqlalchemy as sa

    from rectify.config import Config
    from rectify.notifications.policy import candidate_args
    from rectify.store import open_database
    from rectify.store.outbox import candidate_query

    policy = Config().policy
    query = candidate_query(**candidate_args(as_of, policy))
    seen: list[Statement] = []

    def hook(conn: Any, cursor: Any, sql: str, params: Any, context: Any, many: bool) -> None:
        seen.append((sql, params))

    db = open_database(f"sqlite:///{db_path}")
    try:
        sa.event.listen(db.engine, "before_cursor_execute", hook)
        with db.engine.connect() as conn:
            conn.execute(query).all()
        sa.event.remove(db.engine, "before_cursor_execute", hook)
    finally:
        db.dispose()
    [captured] = seen
    return captured


class Rules:
    """The policy's numbers and the day's dates, worked out once for ``as_of`` (no roll of the report day: the
    figure's sweep takes the calendar as written)."""

    def __init__(self, as_of: date) -> None:
        from rectify.config import Config
        from rectify.states.stages import OPEN_STAGES, PROGRESS_STAGES, Stage
        from rectify.states.tasks import BY_STAGE

        p = Config().policy
        offsets = sorted(set(p.reminder_offsets))
        top = offsets[-1] if offsets and offsets[-1] >= 0 else -1
        self.windows = [next(o for o in offsets if o >= d) for d in range(top + 1)]
        self.as_of_ord = as_of.toordinal()
        self.last = (as_of + timedelta(days=len(self.windows) - 1)).isoformat()  # a later due day makes no item
        self.repeat, self.esc = max(p.overdue_repeat_days, 1), p.escalate_after_days
        self.open, self.progress = frozenset(map(str, OPEN_STAGES)), frozenset(map(str, PROGRESS_STAGES))
        self.rectified, self.verified = str(Stage.rectified), str(Stage.verified)
        self.task = {str(stage): spec.code for stage, spec in BY_STAGE.items()}
        day = p.monthly_report_day
        this = _month_day(as_of.year, as_of.month, day)
        after, due = (_month_day(as_of.year, as_of.month - 1, day), this) if as_of <= this else \
            (this, _month_day(as_of.year, as_of.month + 1, day))
        prev_after = _month_day(after.year, after.month - 1, day)
        # The previous period (due ``after``): overdue every day after it, for a case listed before its month and
        # with no report after ``prev_after``. The current one (due ``due``): a reminder within its window.
        over = as_of.toordinal() - after.toordinal()
        self.late = (after.replace(day=1).isoformat(), prev_after.isoformat(),
                     (after, -(1 + (over - 1) // self.repeat * self.repeat), -over) if over > 0 else None)
        left = due.toordinal() - as_of.toordinal()
        self.soon = (due.replace(day=1).isoformat(), after.isoformat(),
                     (due, self.windows[left], left) if left < len(self.windows) else None)


def _month_day(year: int, month: int, day: int) -> date:
    if month > 12:
        year, month = year + 1, month - 12
    if month < 1:
        year, month = year - 1, month + 12
    return date(year, month, day)


def decide(con: sqlite3.Connection, stmt: Statement, rules: Rules) -> list[tuple[Any, ...]]:  # noqa: C901
    """Every item of the day, case by case in the statement's order, each case's items in digest order."""
    sql, params = stmt
    out: list[tuple[Any, ...]] = []
    add = out.append
    parse, last, as_of_ord, windows = date.fromisoformat, rules.last, rules.as_of_ord, rules.windows
    repeat, esc_first, rank = rules.repeat, rules.esc, _RANK
    late_month, late_after, late = rules.late
    soon_month, soon_after, soon = rules.soon

    def due(cid: int, stage: str, kind: str, on: str, task: str, supervised: Any) -> None:
        if on > last:
            return
        day = parse(on)
        left = day.toordinal() - as_of_ord
        if left >= 0:
            add((cid, kind, stage, day, windows[left], left, "case", task))
            return
        over = -left
        add((cid, "overdue", stage, day, -(1 + (over - 1) // repeat * repeat), left, "case", task))
        if over >= esc_first:
            named = -(esc_first + (over - esc_first) // repeat * repeat)
            add((cid, "escalation", stage, day, named, left, "county", task))
            if supervised:
                add((cid, "escalation", stage, day, named, left, "city", task))

    for cid, stage, stage_due, cycle_start, deadline, supervised, last_progress, _, _, _, look, level, _ in \
            con.execute(sql, params):
        first = len(out)
        if stage not in rules.open:
            if look is not None and stage == rules.verified and look <= last:
                day = parse(look)
                left = day.toordinal() - as_of_ord
                named = windows[left] if left >= 0 else -(1 + (-left - 1) // repeat * repeat)
                add((cid, "look_back", stage, day, named, left, "case", "look_back"))
            continue
        task = rules.task.get(stage, "")
        if stage == rules.rectified:
            due(cid, stage, "stage_due", stage_due or deadline, task, supervised)
        elif stage_due is None or stage_due == deadline:
            due(cid, stage, "deadline", deadline, task if stage_due is not None else "deadline", supervised)
        else:
            due(cid, stage, "stage_due", stage_due, task, supervised)
            due(cid, stage, "deadline", deadline, "deadline", supervised)
        if stage in rules.progress:
            made = None
            if cycle_start < late_month and (last_progress is None or last_progress <= late_after) and late:
                made = late
            elif cycle_start < soon_month and (last_progress is None or last_progress <= soon_after):
                made = soon
            if made is not None:
                add((cid, "progress", stage, made[0], made[1], made[2], "case", "progress"))
                if supervised:
                    add((cid, "progress", stage, made[0], made[1], made[2], "city" if level == "city" else "county",
                         "progress"))
        if len(out) - first > 1:
            out[first:] = sorted(out[first:], key=lambda i: (rank[i[1]], i[3], i[6]))
    return out
