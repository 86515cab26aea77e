"""The honest floor of ``inbox``: one officer's 我的待办, the product's task list, decided by hand.

It reads on a raw sqlite3 connection what ``Service.tasks`` reads: first the latest business date anything stored
carries (the eleven maxima the product reads to know the tables are the day; a later one means a past day, which
this floor does not fold), then the open cases in the officer's scope (their county, and their township for a
township-scoped person) with their organization's name, the earliest due day of their open measures and the
第一书记 track's three facts (the term end of the 第一书记 in post, the day the last one left when no one is, the
village secretary in post's 选配/调整). Then by hand, for each case: its current task (the stage's, or the
第一书记 track's — 延期或轮换 of a term ending before the 转化时限, 空缺 of one recalled in stage 3 — when that is due
first and its window has begun), kept only if the officer's role takes a step that does it; for those kept the
due day, the days left and the light (red for an overdue measure, else the worse of the deadline's, the task's
and the side task's windows), sorted by due day and case number. Nothing of the product's read path, status or
task rules runs; what it takes from the product is data: the stages' tasks and labels, the steps' triggers and
who may take them, the village actions, the configuration's light thresholds and 第一书记 window and rule.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from bench.asof_floor import Past, past_rows

# The latest business date anything stored carries (rectify.store.snapshot.LATEST_DATES without the recording
# instant, which a read with no known-on day does not look at).
_LATEST = """
SELECT max(d) FROM (SELECT max(happened_on) AS d FROM case_event UNION ALL SELECT max(identified_on)
  FROM rectification_case UNION ALL SELECT max(stage_since) FROM rectification_case UNION ALL SELECT max(rectified_on)
  FROM rectification_case UNION ALL SELECT max(verified_on) FROM rectification_case UNION ALL
  SELECT max(last_progress_on) FROM rectification_case UNION ALL SELECT max(done_on) FROM measure UNION ALL
  SELECT max(since) FROM secretary_assignment UNION ALL SELECT max(until) FROM secretary_assignment UNION ALL
  SELECT max(reported_on) FROM progress_report UNION ALL SELECT max(verified_on) FROM verification)
"""

# The open cases in scope: what the decision reads, no more. The vacancy is one scan of the first secretaries:
# the latest end when every one has ended, else nothing.
_ROWS = """
SELECT c.id, c.stage, c.deadline, c.stage_since, c.stage_due, c.cycle_start, o.name,
  (SELECT min(due_on) FROM measure WHERE case_id = c.id AND done_on IS NULL),
  (SELECT term_until FROM secretary_assignment WHERE case_id = c.id AND kind = 'first' AND until IS NULL
   ORDER BY id DESC LIMIT 1),
  (SELECT CASE WHEN count(until) = count(*) THEN max(until) END FROM secretary_assignment
   WHERE case_id = c.id AND kind = 'first'),
  (SELECT action FROM secretary_assignment WHERE case_id = c.id AND kind = 'village' AND until IS NULL
   ORDER BY id DESC LIMIT 1)
FROM rectification_case c JOIN organization o ON o.id = c.org_id
WHERE c.stage NOT IN ({closed}){scope}
"""

_LIGHTS = ("green", "yellow", "orange", "red")


class Inbox:
    """What the floor takes before the timing: the statements, the tasks and labels, who acts on what, the
    thresholds. ``role`` None is an unregistered person (acts on every task); ``counties`` empty is every county."""

    def __init__(self, role: str | None, counties: tuple[str, ...], township: str | None) -> None:
        from rectify.config import Config
        from rectify.states.permissions import WHO_MAY
        from rectify.states.stages import CLOSED_STAGES
        from rectify.states.steps import STEPS, TASK_STEPS
        from rectify.states.tasks import (
            BY_STAGE,
            SECRETARY_TASK_STAGES,
            SECRETARY_TERM_LABEL,
            SECRETARY_VACANT_LABEL,
        )
        from rectify.states.tracks import VILLAGE_ACTIONS

        config = Config()
        self.params: tuple[str, ...]
        closed = ", ".join(f"'{s}'" for s in CLOSED_STAGES)
        scope, self.params = "", ()  # no role or no county: every county
        self.closed = frozenset(map(str, CLOSED_STAGES))
        self.counties = counties if role is not None else ()
        self.township = township if role is not None and counties else None
        if role is not None and counties:
            scope, self.params = f" AND o.county IN ({', '.join('?' * len(counties))})", counties
            if township is not None:
                scope, self.params = scope + " AND o.township = ?", (*counties, township)
        self.sql = _ROWS.format(closed=closed, scope=scope)
        self.acts = frozenset(task for task, names in TASK_STEPS.items() if any(
            role is None or role in WHO_MAY.get(t, ()) for name in names for t in STEPS[name].triggers))
        self.tasks = {str(stage): (spec.code, spec.label) for stage, spec in BY_STAGE.items()}
        self.side_stages = frozenset(map(str, SECRETARY_TASK_STAGES))
        self.term = ("secretary_term", SECRETARY_TERM_LABEL)
        self.vacant = ("secretary_vacant", SECRETARY_VACANT_LABEL)
        self.assigned, self.rectified = "secretary_assigned", "rectified"
        self.window = config.policy.secretary_due_days
        self.either = config.policy.secretary_rule == "either"
        self.village = frozenset(VILLAGE_ACTIONS)
        self.orange, self.yellow = config.lights.orange, config.lights.yellow


def _ordinal(text: str) -> int:
    return date.fromisoformat(text[:10]).toordinal()


def tasks(con: sqlite3.Connection, inbox: Inbox, as_of: date, path: Path | None = None) -> list[tuple[Any, ...]]:
    """(case id, organization, task, label, due day, days left, light) of each task, as the page lists them; on a
    past day (anything dated after ``as_of`` in the database at ``path``) from the cases folded by hand."""
    latest = con.execute(_LATEST).fetchone()[0]
    if latest is not None and latest[:10] > as_of.isoformat():
        assert path is not None, "a past day: the floor folds the database's history"
        rows: Any = _past(con, inbox, Past(path, as_of))
    else:
        rows = con.execute(inbox.sql, inbox.params)
    return sorted(_decide(rows, inbox, as_of), key=lambda t: (t[4], t[0]))


def _past(con: sqlite3.Connection, f: Inbox, past: Past) -> Iterator[tuple[Any, ...]]:
    """The open cases in scope as they stood on the past day (:func:`bench.asof_floor.past_rows`, the ledger
    query's layout), in the layout of :data:`_ROWS`."""
    for r in past_rows(con, past):
        if r[1] in f.closed or (f.counties and r[22] not in f.counties) or (f.township and r[23] != f.township):
            continue
        open_due = min((m.split("\x1f")[4] for m in r[37].split("\x1e") if not m.split("\x1f")[5]), default=None) \
            if r[37] else None
        yield r[0], r[1], r[3], r[4], r[5], r[6], r[20], open_due, r[38], r[45], r[40]


def _decide(rows: Any, f: Inbox, as_of: date) -> list[tuple[Any, ...]]:  # noqa: C901 - the hand fold, in one place
    out, today, day = [], as_of.toordinal(), as_of.isoformat()
    for case_id, stage, deadline, since, stage_due, cycle_start, name, measure_due, term, vacant, village in rows:
        code, label = f.tasks.get(stage, ("", ""))
        due = _ordinal(stage_due or deadline)
        end = _ordinal(deadline)
        side = None  # (code, label, start, due) of the 第一书记 track's task
        if stage in f.side_stages:
            if term is not None and vacant is None and term[:10] < deadline[:10]:
                side_due = _ordinal(term)
                side = (*f.term, side_due - f.window, side_due)
            elif vacant is not None and stage == f.assigned and not (f.either and village in f.village):
                side_start = _ordinal(vacant)
                side = (*f.vacant, side_start, side_start + f.window)
        if side is not None and side[3] < due and today >= side[2]:
            code, label, due = side[0], side[1], side[3]
        if not code or code not in f.acts:
            continue
        if measure_due is not None and measure_due[:10] < day:
            light = 3
        else:
            light = 0 if stage == f.rectified else _light(f, _ordinal(cycle_start), end, today)
            if stage_due is not None:
                light = max(light, _light(f, _ordinal(since), _ordinal(stage_due), today))
            if side is not None:
                light = max(light, _light(f, side[2], side[3], today))
        out.append((case_id, name, code, label, date.fromordinal(due).isoformat(), due - today, _LIGHTS[light]))
    return out


def _light(f: Inbox, start: Any, due: Any, today: int) -> int:
    """0 green … 3 red: the share of the window start → due left on the day."""
    span, left = due - start, due - today
    share = (1.0 if left >= 0 else -1.0) if span <= 0 else left / span
    return 3 if share < 0 else 2 if share <= f.orange else 1 if share <= f.yellow else 0


def shown(product: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """The product's task list as the floor's tuples: what the page shows of each task, in its order."""
    return [(t["case_id"], t["org_name"], t["task"], t["task_label"], t["next_due"], t["days_left"], t["light"])
            for t in product]
