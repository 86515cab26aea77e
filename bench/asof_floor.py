"""The honest floor of a past day (``ledger_asof``, ``stats_asof``): the same rows the product reads — each case with
its latest month-end snapshot, and the events dated after it — read raw with sqlite3 (the product's own two
statements, compiled once outside the timing), each snapshot and event decoded with ``json.loads``, and the few
fields the ledger CSV and the stats print folded by hand: stage and its start, listing day, deadline, measures
total and done, last progress and its note, verification day and score, the first secretary, supervision. The
ledger floor sorts the rows as the ledger does (open first, then place) and writes them with the csv module; the
stats floor counts them by stage, township and kind.
"""

from __future__ import annotations

import csv
import json
import sqlite3
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any, TextIO

# The folded fields a floor keeps, in this order, and their place in a stored snapshot (snapshot_codec).
KEPT = ("stage", "identified_on", "deadline", "stage_since", "measures_total", "measures_done", "last_progress_on",
        "progress", "verified_on", "score", "secretaries", "supervised", "withdrawn_reason")
CLOSED = frozenset({"verified", "withdrawn"})


def statements(path: Path, day: date) -> tuple[tuple[str, tuple[Any, ...]], tuple[str, tuple[Any, ...]], list[int]]:
    """The product's cases-with-snapshot and events-after statements for ``day`` as (SQL, parameters), and where
    each of :data:`KEPT` sits in a stored snapshot."""
    from rectify.config import Config
    from rectify.reports.month_end import fingerprint
    from rectify.reports.snapshot import CaseState
    from rectify.reports.snapshot_codec import _layout
    from rectify.store import month_end as stored
    from rectify.store import open_database
    from rectify.store.ledger import LedgerFilter

    fmt, f = fingerprint(Config().policy), LedgerFilter()
    db = open_database(str(path))
    try:
        cases = stored.cases_with_state_select(f, day, fmt, ranked=False)
        events = stored.events_after_select(f, day, fmt)
        compiled = []
        with db.connect() as conn:
            for q in (cases, events):
                c = q.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
                params = c.construct_params()
                compiled.append((str(c), tuple(params[k] for k in c.positiontup or ())))
    finally:
        db.dispose()
    names = _layout(CaseState).names
    return compiled[0], compiled[1], [names.index(k) for k in KEPT]


def fold(path: Path, stmts: tuple[Any, Any, list[int]]) -> list[tuple[Any, ...]]:
    """Each listed case as ``(closed, place, id, org code, org name, county, township, kind, *KEPT)``: on SQLite
    the place is its values (county, township, code, id), which sort as the database sorts them."""
    (cases_sql, cases_args), (events_sql, events_args), where = stmts
    con = sqlite3.connect(path)
    loads = json.loads
    events = con.execute(events_sql, events_args)
    pending = next(events, None)
    out = []
    for cid, _, _, code, name, kind, county, township, _, _, _, state in con.execute(cases_sql, cases_args):
        if state is not None:
            v = loads(state)
            s = [v[i] for i in where]
            secs = s[10]
            s[10] = next((x[0] for x in reversed(secs) if x[2] == "first" and x[4] is None), None)
            listed = True
        else:
            s = ["identified", None, None, None, 0, 0, None, None, None, None, None, False, ""]
            listed = False
        while pending is not None and pending[0] < cid:
            pending = next(events, None)
        while pending is not None and pending[0] == cid:
            _, action, to, on, raw = pending
            d = loads(raw) if raw else {}
            if action in ("open", "import"):
                listed = True
                s[1] = s[3] = d.get("identified_on") or on
                s[2] = d.get("deadline") or s[2]
            elif action in ("plan", "revise_plan"):
                s[4] += len(d.get("measures") or ())
            elif action == "complete_measure":
                s[5] += 1
            elif action == "report_progress":
                s[6], s[7] = on, d.get("note")
            elif action == "verify":
                s[8], s[9] = on, d.get("score")
            elif action == "assign_secretary":
                s[10] = d.get("name")
            elif action == "supervise":
                s[11] = True
            elif action == "withdraw":
                s[12] = d.get("reason", "")
            if to is not None:
                s[0], s[3] = to, on
            pending = next(events, None)
        if listed:
            out.append((s[0] in CLOSED, (county, township, code, cid), cid, code, name, county, township, kind, *s))
    con.close()
    return out


def ledger_csv(path: Path, stmts: tuple[Any, Any, list[int]], out: TextIO) -> int:
    rows = fold(path, stmts)
    rows.sort(key=lambda r: (r[0], r[1]))
    writer = csv.writer(out)
    writer.writerow(("编号", "组织代码", "组织名称", "县", "乡镇", "类别", *KEPT))
    writer.writerows(r[2:] for r in rows)
    return len(rows)


def stats(path: Path, stmts: tuple[Any, Any, list[int]]) -> dict[str, Counter[Any]]:
    rows = fold(path, stmts)
    return {"stage": Counter(r[8] for r in rows), "township": Counter((r[5], r[6]) for r in rows),
            "kind": Counter(r[7] for r in rows), "supervised": Counter(r[19] for r in rows)}
