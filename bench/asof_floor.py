"""The floors of a past day (``ledger_asof``, ``stats_asof``): the same rows the product reads — each case with its
latest month-end snapshot, and the events dated after it — read raw with sqlite3 (the product's own two statements,
compiled once outside the timing), each snapshot and event decoded with ``json.loads``.

The ledger's floor (:class:`Past`, :func:`ledger_csv`) writes the product's CSV of the day byte for byte: it folds
by hand every action that changes what the ledger prints (re-implemented here, not the product's folds or effects),
moves the stage as the product does (stage 3's join on the day as folded), fixes the task's due day, puts each case
in the ledger query's layout, sorts the rows as the ledger does and hands them to :mod:`bench.csv_floor`'s cells.

The stats floor (:mod:`bench.stats_floor`) takes the same folded cases (:func:`folded`) and counts by hand every
figure ``rectify stats --as-of`` gives.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

CLOSED = frozenset({"verified", "withdrawn"})


def statements(path: Path, day: date) -> tuple[tuple[str, tuple[Any, ...]], tuple[str, tuple[Any, ...]]]:
    """The product's cases-with-snapshot and events-after statements for ``day`` as (SQL, parameters)."""
    from rectify.config import Config
    from rectify.reports.month_end import fingerprint
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
    return compiled[0], compiled[1]


# -- the ledger's floor: every field the CSV prints, folded by hand ----------------------------------------------

_FIRST, _VILLAGE, _TEAM = "first", "village", "work_team"
_SIGN = "sign"  # the ladder's last rung: 挂牌
_GOOD_RATE = 0.8  # a verification recorded before 0007: 合格 at this 满意率
_STRIKE_OFF_DUE = 7  # 销号批复 due this many days after 公示
_TAG = "$d"


class Past:
    """What the past day's floor takes before the timing: the product's two statements (as :func:`statements`
    compiles them), where the stored snapshot's fields sit, the policy's numbers, the working-day calendar's
    rolling (data: the holidays), and the CSV's labels and facts' statements (:class:`bench.csv_floor.Floor`)."""

    def __init__(self, path: Path, day: date) -> None:
        from bench.csv_floor import Floor
        from rectify.config import Config
        from rectify.reports.snapshot import CaseState
        from rectify.reports.snapshot_codec import _layout
        from rectify.states.workdays import work_calendar

        self.cases, self.events = statements(path, day)
        self.names = _layout(CaseState).names
        config = Config()
        p = config.policy
        self.ledger_days, self.secretary_days, self.verify_days = (p.ledger_due_days, p.secretary_due_days,
                                                                   p.verify_due_days)
        self.after_days = sorted(set(p.look_back_after_days))
        self.either = p.secretary_rule == "either"
        self.roll = work_calendar(config).next_working
        self.day = day
        self.floor = Floor(day)


def _iso(value: Any) -> Any:
    """A day of the history's JSON or a stored snapshot (ISO text, or tagged inside a list): its ISO text."""
    if value is None or value == "":
        return None
    if value.__class__ is dict:
        value = value[_TAG]
    return value[:10]


def _fresh() -> dict[str, Any]:
    return {"stage": "identified", "identified_on": None, "deadline": None, "stage_since": None, "cycle_start": None,
            "cycle": 1, "helping_unit": "", "rectified_on": None, "verified_on": None, "score": None,
            "withdrawn_reason": "", "supervised": False, "supervision_reason": "", "supervision_level": "",
            "escalation_step": "", "measures_total": 0, "measures_done": 0, "last_progress_on": None,
            "progress": None, "county_leader": None, "township_cadre": None, "township_leader": None,
            "secretaries": [], "village_status": "", "measures": [], "done_early": {}, "extensions": 0,
            "n_failed": 0, "listed": False, "look_backs": "", "earlier_years": "", "grade": "", "satisfaction": None,
            "publicity_until": None, "struck_off_on": None}


def _stored(names: tuple[str, ...], state: str) -> dict[str, Any]:
    s = dict(zip(names, json.loads(state), strict=True))
    s["secretaries"] = [[*x[:3], *map(_iso, x[3:5]), *x[5:6], *map(_iso, x[6:])] for x in s["secretaries"]]
    s["done_early"] = {int(k): v for k, v in s["done_early"]}
    s["extensions"] = len(s["extensions"])
    return s


def _end(s: dict[str, Any], kind: str, on: str, name: str | None = None) -> None:
    for x in s["secretaries"]:
        if x[4] is None and x[2] == kind and (name is None or x[0] == name):
            x[4] = on


def _add_measures(s: dict[str, Any], given: list[dict[str, Any]]) -> None:
    s["measures_total"] += len(given)
    ms = s["measures"]
    for m in given:
        seq = len(ms) + 1
        ms.append([seq, m.get("text", ""), m.get("owner", ""), m.get("owner_unit", ""), _iso(m.get("due")) or "",
                   s["done_early"].pop(seq, None)])


def _look_backs(text: str) -> list[list[Any]]:
    return [part.split("|") for part in text.split(";") if part]


def _encode(items: list[list[Any]]) -> str:
    return ";".join("|".join(map(str, i)) for i in items)


def _apply(s: dict[str, Any], action: str, d: dict[str, Any], on: str, past: Past) -> None:  # noqa: C901
    """What an action changes in what the ledger prints (the stage move aside)."""
    if action == "open":
        s["listed"] = True
        s["village_status"] = d.get("village_secretary") or ""
        s["identified_on"] = s["cycle_start"] = s["stage_since"] = _iso(d.get("identified_on")) or on
        s["deadline"] = _iso(d.get("deadline")) or s["deadline"]
        s["earlier_years"] = d.get("earlier_years") or ""
        s["helping_unit"] = d.get("helping_unit") or s["helping_unit"]
        for x in d.get("carried_secretaries") or ():
            s["secretaries"].append([x.get("name", ""), x.get("unit", ""), _FIRST,
                                     _iso(x.get("since")) or s["identified_on"], None, "", _iso(x.get("term_until"))])
    elif action in ("plan", "revise_plan"):
        if d.get("helping_unit"):
            s["helping_unit"] = d["helping_unit"]
        _add_measures(s, d.get("measures") or [])
        for who in ("county_leader", "township_cadre", "township_leader"):
            s[who] = d.get(who) or s[who]
    elif action in ("assign_secretary", "replace_secretary"):
        since = _iso(d.get("since")) or on
        kind = d.get("kind")
        if action == "replace_secretary" and not kind:
            now = [x for x in s["secretaries"] if x[4] is None]
            kind = now[-1][2] if now else None
        kind = _VILLAGE if kind == "local" else (kind or _FIRST)
        _end(s, kind, since)
        s["secretaries"].append([d.get("name", ""), d.get("unit", ""), kind, since, None,
                                 "调整" if action == "replace_secretary" and kind == _VILLAGE else "",
                                 _iso(d.get("term_until"))])
    elif action == "recall_secretary":
        _end(s, _FIRST, _iso(d.get("on")) or on)
    elif action == "extend_term":
        now = [x for x in s["secretaries"] if x[4] is None and x[2] == _FIRST]
        if now:
            now[-1][6:] = [_iso(d.get("term_until"))]
    elif action in ("village_secretary", "village_secretary_assigned"):
        since = _iso(d.get("since")) or on
        _end(s, _VILLAGE, since)
        s["secretaries"].append([d.get("name", ""), s["org_name"], _VILLAGE, since, None, d.get("action", "")])
    elif action == "work_team":
        when = _iso(d.get("on")) or on
        if d.get("remove"):
            _end(s, _TEAM, when, d.get("name", ""))
        else:
            s["secretaries"].append([d.get("name", ""), d.get("unit", ""), _TEAM, when, None, ""])
    elif action == "complete_measure":
        s["measures_done"] += 1
        number, done_on = d.get("measure_no"), _iso(d.get("on")) or on
        for m in s["measures"]:
            if m[0] == number:
                m[5] = done_on
                break
        else:
            if number is not None:
                s["done_early"][int(number)] = done_on
    elif action == "report_progress":
        last = s["last_progress_on"]
        if last is None or on >= last:
            s["progress"], s["last_progress_on"] = d.get("note", ""), on
    elif action == "mark_rectified":
        s["rectified_on"] = _iso(d.get("on")) or on
    elif action == "verify":
        _verify(s, d, on, past)
    elif action in ("fail_verification", "uphold_objection"):
        s["n_failed"] += 1
        s["rectified_on"] = s["verified_on"] = s["score"] = s["satisfaction"] = s["publicity_until"] = None
        s["grade"] = ""
        s["deadline"] = _iso(d.get("deadline")) or s["deadline"]
        _add_measures(s, d.get("measures") or [])
    elif action == "strike_off":
        _strike_off(s, _iso(d.get("on")) or on, past)
    elif action == "withdraw":
        s["withdrawn_reason"] = d.get("reason", "")
    elif action == "reopen":
        s["cycle"] += 1
        s["cycle_start"] = on
        s["deadline"] = _iso(d.get("deadline")) or s["deadline"]
        s["verified_on"] = s["rectified_on"] = s["score"] = None
    elif action == "extend":
        s["deadline"] = _iso(d.get("deadline")) or s["deadline"]
        s["extensions"] += 1
    elif action == "supervise":
        s["supervised"], s["escalation_step"] = True, _SIGN
        s["supervision_reason"] = d.get("matter") or d.get("reason", "")
        s["supervision_level"] = d.get("level", "")
    elif action == "unsupervise":
        s["supervised"], s["supervision_reason"], s["supervision_level"] = False, "", ""
    elif action == "escalate":
        s["escalation_step"] = d.get("step", "")
    elif action == "look_back":
        _looked_back(s, _iso(d.get("on")) or on, d.get("result", ""))
    elif action == "import":
        _imported(s, d, on, past.day.isoformat())


_IMPORT_PATH = (("identified", None), ("ledger_created", None), ("secretary_assigned", "sec_since"),
                ("rectified", "rectified_on"), ("verified", "verified_on"))


def _imported(s: dict[str, Any], d: dict[str, Any], on: str, as_of: str) -> None:
    """An imported row: the stage it stated, reached on its own dates, as far as the day goes."""
    snap = d.get("snap") or {}
    s["listed"] = True
    s["identified_on"] = s["cycle_start"] = listed = _iso(snap.get("identified_on")) or on
    s["deadline"] = _iso(snap.get("deadline")) or s["deadline"]
    stated = d.get("stage") or "identified"
    stage, since = "identified", listed
    if stated == "withdrawn":
        stage, s["withdrawn_reason"] = stated, snap.get("withdrawn_reason", "")
    for name, key in _IMPORT_PATH:
        when = (_iso(snap.get(key)) if key else None) or listed
        if stated != "withdrawn" and when <= as_of:
            stage, since = name, when
        if name == stated:
            break
    s["stage"], s["stage_since"] = stage, since
    done, _, total = str(d.get("measures") or "0/0").partition("/")
    s["measures_total"] = int(total or 0)
    done_on = _iso(snap.get("done_on"))
    s["measures_done"] = int(done or 0) if done_on is None or done_on <= as_of else 0
    if snap.get("measures") is not None:
        s["measures"] = [[n, text, owner, unit, due, m_done if m_done and m_done[:10] <= as_of else None]
                         for n, text, owner, unit, due, m_done in snap["measures"]]
        s["measures_done"] = sum(1 for m in s["measures"] if m[5])
    s["village_status"] = snap.get("village_status") or ""
    s["county_leader"], s["township_cadre"] = snap.get("county_leader") or None, snap.get("township_cadre") or None
    s["helping_unit"] = snap.get("helping_unit", "")
    s["supervised"] = bool(snap.get("supervised"))
    s["supervision_reason"] = snap.get("supervision_reason", "")
    s["supervision_level"] = snap.get("supervision_level", "")
    s["escalation_step"] = snap.get("escalation_step") or ""
    _imported_verification(s, snap, stage, as_of)
    s["earlier_years"] = snap.get("earlier_years") or ""
    s["cycle"], s["n_failed"], s["extensions"] = snap.get("cycle") or 1, snap.get("failed") or 0, \
        snap.get("extensions") or 0
    _imported_tracks(s, snap, listed, as_of)


def _imported_verification(s: dict[str, Any], snap: dict[str, Any], stage: str, as_of: str) -> None:
    if stage in ("rectified", "verified"):
        s["rectified_on"] = _iso(snap.get("rectified_on"))
    judged = _iso(snap.get("verified_on"))
    if stage == "verified" or (stage == "rectified" and snap.get("publicity_until") and judged is not None
                               and judged <= as_of):
        s["verified_on"], s["score"] = judged, snap.get("score")
        s["grade"], s["satisfaction"] = snap.get("grade") or "", snap.get("satisfaction")
        s["publicity_until"] = _iso(snap.get("publicity_until")) if stage == "rectified" else None
    if stage == "verified":
        s["struck_off_on"] = _iso(snap.get("struck_off_on")) or s["verified_on"]
        s["look_backs"] = _encode([i if not i[3] or i[3] <= as_of else [i[0], i[1], "", ""]
                                   for i in _look_backs(snap.get("look_backs") or "")])


def _imported_tracks(s: dict[str, Any], snap: dict[str, Any], listed: str, as_of: str) -> None:
    if snap.get("secretary"):
        name, kind, unit, since = snap["secretary"]
        since = _iso(since) or listed
        if since <= as_of:
            s["secretaries"].append([name, unit, _VILLAGE if kind == "local" else (kind or _FIRST), since, None, "",
                                     _iso(snap.get("term_until"))])
    if snap.get("village"):
        name, action = snap["village"]
        s["secretaries"].append([name, "", _VILLAGE, listed, None, action])
    if snap.get("progress"):
        when, note = snap["progress"]
        when = _iso(when)
        if when is not None and when <= as_of:
            s["last_progress_on"], s["progress"] = when, note


def _verify(s: dict[str, Any], d: dict[str, Any], on: str, past: Past) -> None:
    if "satisfaction" in d:
        rate = d["satisfaction"]
    else:
        total = (d.get("satisfied") or 0) + (d.get("basic") or 0) + (d.get("dissatisfied") or 0)
        rate = None if total == 0 else round(((d.get("satisfied") or 0) + (d.get("basic") or 0)) / total, 3)
    s["verified_on"], s["score"], s["satisfaction"] = on, d.get("score"), rate
    s["grade"] = d.get("grade") or ("good" if rate is None or rate >= _GOOD_RATE else "basic")
    s["publicity_until"] = _iso(d.get("publicity_until"))


def _strike_off(s: dict[str, Any], when: str, past: Past) -> None:
    s["struck_off_on"], s["publicity_until"] = when, None
    day = date.fromisoformat(when)
    s["look_backs"] = _encode([[n, (day + timedelta(days=n)).isoformat(), "", ""] for n in past.after_days])


def _looked_back(s: dict[str, Any], on: str, result: str) -> None:
    out = []
    done = False
    for i in _look_backs(s["look_backs"]):
        if not done and not i[2]:
            out.append([i[0], i[1], result, on])
            done = True
            if result == "relapse":
                break
        else:
            out.append(i)
    s["look_backs"] = _encode(out)


def _move(s: dict[str, Any], action: str, to: str | None, on: str, past: Past) -> None:
    """The stage move: the event's own, but stage 3's join on the day as folded (the plan and the 第一书记)."""
    stage = s["stage"]
    if action == "plan" and stage == "identified":
        kinds = (_FIRST, _VILLAGE) if past.either else (_FIRST,)
        to = "secretary_assigned" if any(x[4] is None and x[2] in kinds for x in s["secretaries"]) \
            else "ledger_created"
    elif action == "assign_secretary" and stage in ("identified", "ledger_created"):
        to = "secretary_assigned" if stage == "ledger_created" else None
    if to is not None and to != stage and action != "import":
        s["stage"], s["stage_since"] = to, on


def _due(s: dict[str, Any], past: Past) -> str | None:
    """The stage's due day as the engine fixed it (rolled to a working day)."""
    stage, day = s["stage"], date.fromisoformat
    if stage == "rectified" and s["publicity_until"] is not None:
        due = day(s["publicity_until"]) + timedelta(days=_STRIKE_OFF_DUE)
    elif stage == "identified":
        due = day(s["cycle_start"]) + timedelta(days=past.ledger_days)
    elif stage == "ledger_created":
        due = day(s["cycle_start"]) + timedelta(days=past.secretary_days)
    elif stage == "secretary_assigned":
        due = day(s["deadline"])
    elif stage == "rectified":
        due = day(min(s["rectified_on"] or s["deadline"], s["deadline"])) + timedelta(days=past.verify_days)
    else:
        return None
    return past.roll(due).isoformat()


def _tuple(s: dict[str, Any], fixed: tuple[Any, ...], past: Past) -> tuple[Any, ...]:
    """The case in the ledger query's layout (dates as ISO text, as SQLite gives them)."""
    cid, detail, _, code, name, kind, county, township, _, problems = fixed
    sec = vsec = vacant = None
    for x in s["secretaries"]:
        if x[2] == _FIRST:
            if x[4] is None:
                sec = x
            elif vacant is None or x[4] > vacant:
                vacant = x[4]
        elif x[4] is None and x[2] == _VILLAGE:
            vsec = x
    ms = s["measures"]
    items = "\x1e".join("\x1f".join((str(m[0]), m[1], m[2], m[3], m[4], m[5] or "")) for m in ms) if ms else None
    return (cid, s["stage"], s["identified_on"], s["deadline"], s["stage_since"], _due(s, past), s["cycle_start"],
            s["cycle"], 0, detail, s["helping_unit"], s["verified_on"], s["score"], s["withdrawn_reason"],
            s["supervised"], s["supervision_reason"], s["measures_total"], s["measures_done"], s["last_progress_on"],
            code, name, kind, county, township, problems, s["county_leader"],
            s["township_leader"] or s["township_cadre"], sec[0] if sec else None, sec[1] if sec else None,
            sec[2] if sec else None, s["progress"], s["extensions"], s["n_failed"], s["supervision_level"],
            s["escalation_step"], s["look_backs"], s["earlier_years"], items,
            sec[6] if sec and len(sec) > 6 else None, vsec[0] if vsec else None, vsec[5] if vsec else None,
            s["village_status"], s["grade"], s["satisfaction"], s["struck_off_on"],
            None if sec is not None else vacant)


def folded(con: sqlite3.Connection, past: Past) -> Iterator[tuple[tuple[Any, ...], dict[str, Any]]]:
    """Every case listed by the day as (its case row, its state folded by hand from its latest month-end snapshot
    and the events after it), by case id."""
    (cases_sql, cases_args), (events_sql, events_args) = past.cases, past.events
    loads, names = json.loads, past.names
    events = con.execute(events_sql, events_args)
    pending = next(events, None)
    for row in con.execute(cases_sql, cases_args):
        cid, state = row[0], row[11]
        s = _fresh() if state is None else _stored(names, state)
        s["org_name"] = row[4]
        while pending is not None and pending[0] < cid:
            pending = next(events, None)
        while pending is not None and pending[0] == cid:
            _, action, to, on, raw = pending
            on = on[:10] if on else past.day.isoformat()
            _apply(s, action, loads(raw) if raw else {}, on, past)
            if action == "verify" and to == "verified":  # recorded before 0007: the 销号 too
                _strike_off(s, on, past)
            _move(s, action, to, on, past)
            pending = next(events, None)
        if s["listed"]:
            yield row, s


def past_rows(con: sqlite3.Connection, past: Past) -> list[tuple[Any, ...]]:
    """Every case listed by the day, folded by hand (:func:`folded`), in the ledger's order (open first, then
    county, township, code, id: SQLite's order of the place)."""
    keyed = [((s["stage"] in CLOSED, row[6], row[7], row[3], row[0]), _tuple(s, row[:10], past))
             for row, s in folded(con, past)]
    keyed.sort(key=lambda k: k[0])
    return [t for _, t in keyed]


def ledger_csv(path: Path, past: Past, target: Path) -> int:
    """The past day's ledger CSV, the product's bytes, by hand: the rows folded here, their cells made as
    :mod:`bench.csv_floor` makes the today ledger's."""
    from bench.csv_floor import write_rows

    con = sqlite3.connect(path)
    try:
        return write_rows(past.floor, con, past_rows(con, past), target)
    finally:
        con.close()
