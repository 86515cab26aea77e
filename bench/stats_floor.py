"""The honest floor of ``stats_asof``: ``rectify stats --as-of D`` (every figure :func:`compute_stats` returns for a
past day, the whole dict) by hand.

It reads the same rows the product reads (each case with its latest month-end snapshot and the events dated after
it: the product's two statements, compiled once outside the timing, on a raw sqlite3 connection) and folds each case
by hand as the past ledger's floor does (:func:`bench.asof_floor.folded`, its due day :func:`bench.asof_floor._due`).
Then, by hand, in one pass: the case's light on the day (the worse of the conversion deadline's window and the
task's, the 第一书记 track's task beside them, red for an open measure past its due day: the lights' thresholds and
the 第一书记 window from the configuration), the counts by stage, light, kind and township, the problems' codes,
the red cases' overdue list (days overdue by whichever of task, deadline, measure and 第一书记 task is the most
late, sorted), and the Party statistics form's counts per organization kind (排查, 其中脱贫村, 整顿提升, the ten
types, the secretaries' 缺配/需调整 and 选配/调整 — a measure's text read for them as the product's word lists say —
the helping units, leaders, 第一书记 and 驻村干部, the open cases carried in), its rows summed, its frame (columns,
groups, report lines) and its table logic checked. Nothing of the product's rebuild, lights, tallies or form runs;
it takes data from the product: the statements, the label tables, the configuration's numbers, the form's columns,
and the working-day calendar's rolling of a due day (as the ledger's past floor does).
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

from bench.asof_floor import Past, _due, folded

_OPEN_SIDE = ("identified", "ledger_created", "secretary_assigned")  # stages with the 第一书记 track's task


class StatsLabels:
    """What a stats floor takes from the product before the timing, for the day ``day``: the labels, the lights'
    thresholds and the 第一书记 window from the configuration, the form's columns, rows and report lines."""

    def __init__(self, day: date) -> None:
        from rectify.config import Config, ReportConfig
        from rectify.reports.stats_form import FORM_COLUMNS, FORM_GROUPS, FORM_ROWS, FORM_TITLE, POOR_VILLAGES
        from rectify.states.deadlines import LIGHT_LABELS, LIGHT_ORDER
        from rectify.states.stages import KINDS, OTHER_PROBLEM, PROBLEM_TYPES, STAGE_LABELS, STAGES
        from rectify.states.tracks import MEASURE_ACTION_WORDS, SECRETARY_WORD, VILLAGE_ACTIONS

        config = Config()
        self.day, self.year = day, day.year
        self.orange, self.yellow = config.lights.orange, config.lights.yellow
        self.window = config.policy.secretary_due_days
        self.either = config.policy.secretary_rule == "either"
        self.village_actions = frozenset(VILLAGE_ACTIONS)
        self.stages = [(str(st), STAGE_LABELS[st]) for st in STAGES]
        self.lights = [(lt, LIGHT_LABELS[lt]) for lt in LIGHT_ORDER]
        self.light_names = {rank: str(lt) for lt, rank in LIGHT_ORDER.items()}
        self.kinds = list(KINDS.items())
        self.problems = [*PROBLEM_TYPES.items(), (OTHER_PROBLEM, "其他")]
        self.types = frozenset(PROBLEM_TYPES)
        self.columns = [(c.key, c.group, c.header, c.manual) for c in FORM_COLUMNS]
        self.form_rows = list(FORM_ROWS)
        self.groups, self.title, self.poor = list(FORM_GROUPS), FORM_TITLE, POOR_VILLAGES
        r = config.report
        self.poor_label = r.poor_village_label or ReportConfig.poor_village_label
        self.report = {"unit": r.unit, "preparer": r.preparer, "reviewer": r.reviewer, "phone": r.phone,
                       "date": day.isoformat()}
        self.secretary_word, self.action_words = SECRETARY_WORD, MEASURE_ACTION_WORDS


class StatsPast(StatsLabels):
    """What the past day's stats floor takes before the timing: the labels and the past ledger floor's
    (:class:`bench.asof_floor.Past`)."""

    def __init__(self, path: Path, day: date) -> None:
        super().__init__(day)
        self.past = Past(path, day)


class Days(dict[str, int]):
    """An ISO day's ordinal, remembered (the same few hundred days recur)."""

    def __missing__(self, text: str) -> int:
        out = self[text] = date.fromisoformat(text[:10]).toordinal()
        return out


def _share_light(start: int, due: int, today: int, orange: float, yellow: float) -> int:
    """0 green … 3 red: the share of the window start → due left on the day."""
    span, left = due - start, due - today
    share = (1.0 if left >= 0 else -1.0) if span <= 0 else left / span
    return 3 if share < 0 else 2 if share <= orange else 1 if share <= yellow else 0


def _tracks(secs: list[list[Any]]) -> tuple[Any, Any, Any]:
    """(the 第一书记 in post's term end, the day the last one left when no one is in post, the village secretary in
    post's 选配/调整)."""
    sec = vsec = vacant = None
    for x in secs:
        if x[2] == "first":
            if x[4] is None:
                sec = x
            elif vacant is None or x[4] > vacant:
                vacant = x[4]
        elif x[4] is None and x[2] == "village":
            vsec = x
    return (sec[6] if len(sec) > 6 else None) if sec is not None else None, \
        None if sec is not None else vacant, vsec[5] if vsec is not None else None


def _side(sp: StatsPast, stage: str, deadline: int, secs: list[list[Any]],
          days: Days) -> tuple[int, int] | None:
    """The 第一书记 track's task beside the stage's as (window start, due), ordinals; None when there is none."""
    if stage not in _OPEN_SIDE:
        return None
    return side_task(sp, stage, deadline, *_tracks(secs), days)


def side_task(sp: StatsLabels, stage: str, deadline: int, term: str | None, vacant: str | None, vact: str | None,
              days: Days) -> tuple[int, int] | None:
    """The 第一书记 track's task of an open case as (window start, due), ordinals, from the term end of the 第一书记
    in post, the day the last one left when no one is in post and the village secretary in post's 选配/调整 (ISO
    days or None); None when there is none."""
    if stage not in _OPEN_SIDE:
        return None
    if term is not None and vacant is None and days[term] < deadline:
        return days[term] - sp.window, days[term]
    if vacant is not None and stage == "secretary_assigned" and not (sp.either and vact in sp.village_actions):
        return days[vacant], days[vacant] + sp.window
    return None


def _measure_action(sp: StatsPast, text: str) -> str | None:
    if sp.secretary_word not in text or "第一书记" in text:
        return None
    for action, words in sp.action_words:
        if any(w in text for w in words):
            return action
    return None


def _form_case(sp: StatsPast, c: Counter[str], s: dict[str, Any], row: tuple[Any, ...], codes: set[str]) -> None:
    """One case into its organization kind's counts of the form (the year's: ``sp.year``)."""
    ys, stage = str(sp.year), s["stage"]
    struck = s["struck_off_on"]
    listed = s["identified_on"][:4]
    if stage == "withdrawn":
        return
    if listed < ys and not (struck is not None and struck[:4] < ys):
        c["carried"] += 1
    if struck is not None and struck[:4] == ys and stage == "verified":
        c["converted"] += 1
    if listed != ys:
        return
    c["identified"] += 1
    if row[8] and row[5] == "village":
        c[sp.poor] += 1
    for code in codes & sp.types:
        c[code] += 1
    if s["helping_unit"]:
        c["helping_units"] += 1
    if s["county_leader"]:
        c["county_leaders"] += 1
    if s["village_status"] == "missing":
        c["secretaries_missing"] += 1
    elif s["village_status"] == "adjust":
        c["secretaries_to_adjust"] += 1
    recorded = set()
    for x in s["secretaries"]:
        kind, action = x[2], x[5]
        if kind == "first":
            c["first_secretaries"] += 1
        elif kind == "work_team":
            c["village_cadres"] += 1
        elif kind == "village" and action in ("选配", "调整") and x[3] is not None and x[3][:4] == ys:
            c["secretaries_selected" if action == "选配" else "secretaries_adjusted"] += 1
            recorded.add(action)
    chosen = {a for m in s["measures"] if m[5] and m[5][:4] == ys and (a := _measure_action(sp, m[1]))}
    for action in chosen - recorded:
        c["secretaries_selected" if action == "选配" else "secretaries_adjusted"] += 1


def form(sp: StatsLabels, by_kind: dict[str, Counter[str]]) -> dict[str, Any]:
    """The form's three rows summed from the kinds, its frame, its table logic checked."""
    rows: dict[str, dict[str, int | None]] = {}
    carried: dict[str, int] = {}
    for label, kind in sp.form_rows:
        parts = [c for k, c in by_kind.items() if kind is None or k == kind]
        rows[label] = {key: None if manual else sum(p[key] for p in parts) for key, _, _, manual in sp.columns}
        carried[label] = sum(p["carried"] for p in parts)
    total = rows[sp.form_rows[0][0]]
    for key, _, _, manual in sp.columns:
        assert manual or (total[key] or 0) >= sum(rows[label][key] or 0 for label, _ in sp.form_rows[1:]), key
    for label, values in rows.items():
        assert (values["converted"] or 0) <= (values["identified"] or 0) + carried[label], label
    y = sp.year
    return {
        "title": sp.title, "year": y,
        "period": f"报告期：{y}年1月1日至{y}年12月31日（排查：本年确定列入整顿的；"
                  f"整顿提升：本年验收销号的，不论哪年列入）",
        "carried_in": carried, "groups": list(sp.groups),
        "columns": [{"key": k, "group": g, "header": f"其中{sp.poor_label}" if k == sp.poor else h, "manual": m}
                    for k, g, h, m in sp.columns],
        "rows": [{"row": label, "values": rows[label]} for label, _ in sp.form_rows],
        "report": dict(sp.report),
    }


def red_entry(stage: str, due: int, deadline: int, late: int | None, side: tuple[int, int] | None, today: int,
              place: tuple[Any, ...], supervised: Any) -> tuple[Any, ...]:
    """A red case's place in the overdue list: (-days overdue, county, township, code, id, name, stage, next due,
    supervised); ``place`` is (county, township, code, id, name), the days ordinals (``due`` the stage's due day or
    else the deadline, ``late`` the earliest open measure's due day)."""
    left = due - today
    if stage != "rectified" and deadline - today < left:
        left = deadline - today
    if late is not None and late - today < left:
        left = late - today
    if side is not None:
        if side[1] - today < left:
            left = side[1] - today
        if side[1] < due and today >= side[0]:
            due = side[1]
    return (left, *place, stage, date.fromordinal(due).isoformat(), supervised)


def _count(sp: StatsPast, con: sqlite3.Connection) -> tuple[Counter[str], Counter[str], Counter[str],
                                                            dict[tuple[str, str], list[int]], list[tuple[Any, ...]],
                                                            Counter[str], dict[str, Counter[str]]]:
    """One pass over the folded cases: the tallies, the red list's entries, the problems and the form's counts."""
    past, days, today = sp.past, Days(), sp.day.toordinal()
    orange, yellow = sp.orange, sp.yellow
    by_stage: Counter[str] = Counter()
    by_light: Counter[str] = Counter()
    by_kind: Counter[str] = Counter()
    towns: dict[tuple[str, str], list[int]] = {}  # total, open, verified, overdue
    red: list[tuple[Any, ...]] = []
    problems: Counter[str] = Counter()
    per_kind: dict[str, Counter[str]] = {}
    names = ("green", "yellow", "orange", "red")
    for row, s in folded(con, past):
        stage, kind, raw = s["stage"], row[5], row[9]
        codes = {part.partition("\x1f")[0] for part in raw.split("\x1e")} if raw else set()
        if stage != "withdrawn":
            problems.update(codes)
        c = per_kind.get(kind)
        if c is None:
            c = per_kind[kind] = Counter()
        _form_case(sp, c, s, row, codes)
        by_stage[stage] += 1
        by_kind[kind] += 1
        t = towns.get((row[6], row[7]))
        if t is None:
            t = towns[(row[6], row[7])] = [0, 0, 0, 0]
        t[0] += 1
        if stage == "verified":
            t[2] += 1
        if stage in ("verified", "withdrawn"):
            continue
        deadline = days[s["deadline"]]
        dues = [m[4] for m in s["measures"] if not m[5] and m[4]]
        late = days[min(dues)] if dues else None
        stage_due = _due(s, past)
        due = days[stage_due] if stage_due is not None else deadline
        side = _side(sp, stage, deadline, s["secretaries"], days)
        if late is not None and late < today:
            light = 3
        else:
            light = 0 if stage == "rectified" else _share_light(days[s["cycle_start"]], deadline, today, orange, yellow)
            if stage_due is not None:
                light = max(light, _share_light(days[s["stage_since"]], due, today, orange, yellow))
            if side is not None:
                light = max(light, _share_light(side[0], side[1], today, orange, yellow))
        by_light[names[light]] += 1
        t[1] += 1
        if light == 3:
            t[3] += 1
            red.append(red_entry(stage, due, deadline, late, side, today, (row[6], row[7], row[3], row[0], row[4]),
                                 s["supervised"]))
    return by_stage, by_light, by_kind, towns, red, problems, per_kind


def stats(path: Path, sp: StatsPast) -> dict[str, Any]:
    """Every figure of ``rectify stats --as-of`` for ``sp.day`` (no filter), by hand: the dict compute_stats
    returns."""
    con = sqlite3.connect(path)
    try:
        by_stage, by_light, by_kind, towns, red, problems, counts = _count(sp, con)
    finally:
        con.close()
    return assemble(sp, {}, (by_stage, by_light, by_kind, towns), red, problems, form(sp, counts))


def assemble(sp: StatsLabels, filters: dict[str, Any], tally: tuple[Counter[str], Counter[str], Counter[str],
                                                                    dict[tuple[str, str], list[int]]],
             red: list[tuple[Any, ...]], problems: Counter[str] | None, made: dict[str, Any] | None) -> dict[str, Any]:
    """The dict compute_stats returns, from the tallies (by stage, light and kind; per township total, open,
    verified, overdue), the red list's entries (unsorted), the problems' codes and the form (both None under a
    light filter: the conversion then counts every case)."""
    by_stage, by_light, by_kind, towns = tally
    red.sort()
    if made is not None:
        total = made["rows"][0]["values"]
        year, listed, carried, struck = sp.year, total["identified"], made["carried_in"]["总计"], total["converted"]
    else:
        year, carried, struck = None, 0, by_stage["verified"]
        listed = sum(n for st, n in by_stage.items() if st != "withdrawn")
    return {
        "as_of": sp.day.isoformat(),
        "filters": filters,
        "total": sum(by_stage.values()),
        "by_stage": [{"stage": st, "label": label, "count": by_stage[st]} for st, label in sp.stages],
        "by_light": [{"light": lt, "label": label, "count": by_light[lt]} for lt, label in sp.lights],
        "by_problem": None if problems is None else [{"code": code, "text": text, "count": problems[code]}
                                                     for code, text in sp.problems],
        "by_kind": [{"kind": k, "label": label, "count": by_kind[k]} for k, label in sp.kinds if by_kind[k]],
        "by_township": [{"county": c, "township": t, "total": n[0], "open": n[1], "verified": n[2], "overdue": n[3]}
                        for (c, t), n in sorted(towns.items())],
        "conversion": {"year": year, "identified": listed, "carried_in": carried, "converted": struck,
                       "rate": round(struck / (listed + carried), 4) if listed + carried else None},
        "overdue": [{"case_id": cid, "org_code": code, "org_name": name, "county": county, "township": township,
                     "stage": stage, "next_due": day, "days_overdue": -left, "supervised": bool(supervised)}
                    for left, county, township, code, cid, name, stage, day, supervised in red],
        "form": made,
    }
