"""The honest floor of ``stats``: ``rectify stats`` for a day the tables are (nothing stored is dated after it), every
figure :func:`compute_stats` returns, the whole dict, by hand.

It runs the statements the product sent to the driver (captured on its engine outside the timing, with their
parameters) on a raw sqlite3 connection, in the product's order, and builds from their rows by hand: the tables'
path taken by hand from the latest dates' row (nothing dated after the day), the counts by stage, kind and township
and the lights' counts from the grouped rows (the lights are SQL in the product: the replayed statement computes
them), the overdue list from the red cases' rows (what the product makes in Python: days overdue by whichever of
the task, the conversion deadline, the earliest open measure and the 第一书记 track's task is the most late, the due
day, sorted), the problems' counts, and the Party statistics form from its aggregates per organization kind: its
rows summed, its frame (columns, groups, report lines), its table logic checked, and the conversion rate. The
dict's assembly, the red entry, the 第一书记 task and the form are the past day's floor's (:mod:`bench.stats_floor`),
shared. Nothing of the product's stats, lights or form runs; it takes data from the product: the statements, the
label tables, the configuration's numbers, the form's columns.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from typing import Any

from bench.stats_floor import Days, StatsLabels, assemble, form, red_entry, side_task

_TRACK = {"first": "first_secretaries", "work_team": "village_cadres"}
_ACTION = {"选配": "secretaries_selected", "调整": "secretaries_adjusted"}


def _tables_are_the_day(sp: StatsLabels, row: tuple[Any, ...]) -> None:
    """The latest business date anything stored carries (all but the last column) is not after the day."""
    days = [str(d)[:10] for d in row[:-1] if d is not None]
    assert not days or max(days) <= sp.day.isoformat(), "stats floor: something is dated after the day"


def _tally(sp: StatsLabels, rows: Any) -> tuple[Counter[str], Counter[str], Counter[str],
                                                 dict[tuple[str, str], list[int]]]:
    """The counts by stage, light and kind, and per township (total, open, verified, overdue), from the groups
    (county, township, kind, stage, light rank or NULL for a closed case, cases)."""
    by_stage: Counter[str] = Counter()
    by_light: Counter[str] = Counter()
    by_kind: Counter[str] = Counter()
    towns: dict[tuple[str, str], list[int]] = {}
    names = sp.light_names
    for county, township, kind, stage, rank, n in rows:
        by_stage[stage] += n
        by_kind[kind] += n
        t = towns.get((county, township))
        if t is None:
            t = towns[(county, township)] = [0, 0, 0, 0]
        t[0] += n
        if stage == "verified":
            t[2] += n
        if rank is not None:
            by_light[names[rank]] += n
            t[1] += n
            if rank == 3:
                t[3] += n
    return by_stage, by_light, by_kind, towns


def _red(sp: StatsLabels, rows: Any) -> list[tuple[Any, ...]]:
    """The overdue list's entries from the red cases' rows (id, stage, stage due, deadline, supervised, code, name,
    county, township, earliest open measure due, 第一书记's term end, vacant since, village secretary's action)."""
    days, today = Days(), sp.day.toordinal()
    out = []
    for cid, stage, stage_due, deadline, supervised, code, name, county, township, late, term, vacant, vact in rows:
        end = days[deadline]
        side = side_task(sp, stage, end, term, vacant, vact, days)
        out.append(red_entry(stage, days[stage_due] if stage_due else end, end, days[late] if late else None, side,
                             today, (county, township, code, cid, name), supervised))
    return out


def _form_counts(con: sqlite3.Connection, statements: list[tuple[str, Any]]) -> dict[str, Counter[str]]:
    """Organization kind → the form's counts, from the rows of the form's six statements, each run in turn: the main
    aggregates (named by their columns), the ten types, the leaders, the secretaries on the tracks, the 选配 and the
    调整 by a measure."""
    main, types, leaders, posts, selected, adjusted = statements
    out: dict[str, Counter[str]] = {}

    def of(kind: str) -> Counter[str]:
        c = out.get(kind)
        if c is None:
            c = out[kind] = Counter()
        return c

    cursor = con.execute(*main)
    keys = [d[0] for d in cursor.description][1:]
    for kind, *values in cursor:
        c = of(kind)
        for key, n in zip(keys, values, strict=True):
            c[key] += n or 0
    for kind, code, n in con.execute(*types):
        of(kind)[code] += n
    for kind, n in con.execute(*leaders):
        of(kind)["county_leaders"] += n
    for kind, track, action, n in con.execute(*posts):
        of(kind)[_TRACK[track] if track in _TRACK else _ACTION[action]] += n
    for statement, key in ((selected, "secretaries_selected"), (adjusted, "secretaries_adjusted")):
        for kind, n in con.execute(*statement):
            of(kind)[key] += n
    return out


def stats(con: sqlite3.Connection, statements: list[tuple[str, Any]], sp: StatsLabels,
          filters: dict[str, Any] | None = None) -> dict[str, Any]:
    """Every figure of ``rectify stats`` for ``sp.day`` read from the tables, by hand from the rows of the product's
    ``statements`` run on ``con``: the dict compute_stats returns. ``filters`` is the asked filter as the dict says it
    (county, township, kind, stage, light, year; the statements carry it)."""
    f = filters or {}
    light = f.get("light")
    expected = 10 if light is None else 3 if light == "red" else 2
    assert len(statements) == expected, f"stats floor: {len(statements)} statements, not {expected}"
    _tables_are_the_day(sp, con.execute(*statements[0]).fetchone())
    tally = _tally(sp, con.execute(*statements[1]))
    red = _red(sp, con.execute(*statements[2])) if len(statements) > 2 else []
    if light is not None:
        return assemble(sp, f, tally, red, None, None)
    problems: Counter[str] = Counter()
    for code, n in con.execute(*statements[3]):
        problems[code] += n
    made = form(sp, _form_counts(con, statements[4:]))
    return assemble(sp, f, tally, red, problems, made)
