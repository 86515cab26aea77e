"""The honest floor of ``ledger_csv``: the whole ledger's CSV, the product's bytes, written by hand.

It sends the statements ``rectify ledger --format csv`` sends on its light read path — the ledger query (its text
and values as the product binds them, made once outside the timing), and for each 2,000 rows the three look-ups of
the verified ones' late-stage facts — on a raw sqlite3 connection, and makes every cell from the driver's tuples by
hand: the measures' lines with their 完成情况 and the overdue count, the problems' text, for an open case its light
(the worse of the deadline's and the task's windows, the 第一书记 track's task beside them, red for an overdue
measure), its 当前待办 with its due day, the days left and the light's reason, then the secretaries' cells,
remarks, 回头看, the facts folded from their rows, each cell made spreadsheet-safe (a formula prefix quoted, a
numeric-looking text behind U+2060), written with the csv module. Nothing of the product's row source or writers
runs; what it takes from the product is data: the label tables (stages, kinds, lights, levels, steps, grades,
tasks), the configuration's light thresholds and 第一书记 window, the headers. The figure checks the two files are
equal byte for byte.
"""

from __future__ import annotations

import csv
import json
import re
import sqlite3
from collections.abc import Iterable
from datetime import date
from itertools import islice
from pathlib import Path
from typing import Any

_ITEM, _PAIR = "\x1e", "\x1f"
_BATCH = 2000
_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Text a spreadsheet reads as a number, percentage, fraction, date, time or boolean: written behind U+2060.
_NUMERIC = re.compile(r"[\s\d.,/:+\-%eE年月日时分秒]*\d[\s\d.,/:+\-%eE年月日时分秒]*|true|false", re.I)
_MARK = "\u2060"


class Floor:
    """What the floor takes before the timing: the statements, the labels, the thresholds, the headers."""

    def __init__(self, as_of: date) -> None:
        from rectify.config import Config
        from rectify.reports.ledger_sheets import SHEET_HEADERS
        from rectify.states.deadlines import LIGHT_LABELS
        from rectify.states.escalation import STEP_LABELS
        from rectify.states.roles import LEVEL_NAMES
        from rectify.states.stages import KINDS, STAGE_LABELS
        from rectify.states.tasks import BY_STAGE, SECRETARY_TERM_LABEL, SECRETARY_VACANT_LABEL, STRIKE_OFF_LABEL
        from rectify.states.thresholds import GRADE_LABELS
        from rectify.states.tracks import VILLAGE_ACTIONS, VILLAGE_STATUS
        from rectify.store import compiled
        from rectify.store.light import _bound, filtered

        sql, params, _, _ = filtered("ledger:whole:place", {}, None)
        self.ledger = _bound(sql, params)  # the query's text and values as the light path sends them
        self.facts = []
        for part in ("verifications", "held", "events"):
            text, defaults, _, _ = compiled.STATEMENTS[f"late:{part}"]
            for name, values in defaults.items():
                text = text.replace(f"__[POSTCOMPILE_{name}]", ", ".join(f"'{v}'" for v in values))
            self.facts.append(text.replace("__[POSTCOMPILE_ids]", "{ids}"))
        config = Config()
        self.as_of = as_of
        self.orange, self.yellow = config.lights.orange, config.lights.yellow
        self.window = config.policy.secretary_due_days
        self.either = config.policy.secretary_rule == "either"
        self.headers = list(SHEET_HEADERS)
        self.stages = {str(k): v for k, v in STAGE_LABELS.items()}
        self.kinds = dict(KINDS)
        self.lights = [LIGHT_LABELS[k] for k in ("green", "yellow", "orange", "red")]
        self.levels = {str(k): v for k, v in LEVEL_NAMES.items()}
        self.steps = {str(k): v for k, v in STEP_LABELS.items()}
        self.grades = {str(k): v for k, v in GRADE_LABELS.items()}
        self.tasks = {str(k): v.label for k, v in BY_STAGE.items()}
        self.strike_off, self.term, self.vacant = STRIKE_OFF_LABEL, SECRETARY_TERM_LABEL, SECRETARY_VACANT_LABEL
        self.village_actions = set(VILLAGE_ACTIONS)
        self.village_status = dict(VILLAGE_STATUS)


class _Safe(dict[Any, Any]):
    """A cell as a spreadsheet must get it, remembered by value (counties, stages, labels repeat)."""

    def __missing__(self, value: Any) -> Any:
        out = self[value] = _safe(value)
        return out


def _safe(value: Any) -> Any:
    if value.__class__ is not str:
        return "" if value is None else value
    if value.startswith(_PREFIXES):
        value = "'" + value
    return _MARK + value if _NUMERIC.fullmatch(value) else value


def _number(value: Any) -> Any:
    return "" if value is None else value


class _Plain(dict[Any, Any]):
    """A cell as the product's row carries it (no spreadsheet quoting), remembered by value."""

    def __missing__(self, value: Any) -> Any:
        out = self[value] = "" if value is None else value
        return out


class _Dates(dict[Any, Any]):
    def __missing__(self, value: Any) -> Any:
        out = self[value] = "" if value is None else "'" + value if value.startswith(_PREFIXES) else value
        return out


class _Ordinals(dict[str, int]):
    def __missing__(self, text: str) -> int:
        out = self[text] = date.fromisoformat(text[:10]).toordinal()
        return out


def _problems(raw: str | None) -> str:
    if not raw:
        return ""
    items = [part.partition(_PAIR) for part in raw.split(_ITEM)]
    items.sort(key=lambda p: (p[0] == "other", p[0], p[2]))
    return "; ".join(f"{'其他' if code == 'other' else code} {text}" for code, _, text in items)


def _look_backs(raw: str) -> str:
    parts = []
    for item in raw.split(";"):
        if item:
            days, due, result, done = item.split("|")
            months = round(int(days) / 30.4)
            label = f"{months}个月" if months >= 1 else f"{days}天"
            what = f"{'巩固' if result == 'stable' else '反弹'}（{done}）" if result else f"待回头看（{due}）"
            parts.append(f"{label}：{what}")
    return "；".join(parts)


def _fold(con: sqlite3.Connection, texts: list[str], ids: list[int]) -> dict[int, list[Any]]:
    """The verified cases' facts (验收组 … 销号文号, None where there is none), from the three look-ups' rows."""
    ids = sorted(set(ids))
    marks = ", ".join("?" * len(ids))
    facts: dict[int, list[Any]] = {}
    for v in con.execute(texts[0].replace("{ids}", marks), ids):  # id case_id verified_on verifier … members …
        facts[v[1]] = [v[3], v[10], v[5], v[6], v[7], v[2], None, None, None]
    until = {}
    for case_id, doc, publicity_until in con.execute(texts[1].replace("{ids}", marks), ids):
        facts.setdefault(case_id, [None] * 9)[8] = doc or ""
        until[case_id] = publicity_until
    for case_id, action, actor, detail in con.execute(texts[2].replace("{ids}", marks), ids):
        f = facts.setdefault(case_id, [None] * 9)
        if action == "strike_off":
            f[7] = actor
            continue
        try:
            d = json.loads(detail or "{}")
        except ValueError:
            d = {}
        if not isinstance(d, dict):
            continue
        if action == "verify" and d.get("passed"):
            f[6], f[7] = d.get("publicity_until"), None
        elif action == "import" and isinstance(d.get("verification"), dict) and d["verification"]:
            start, end = (list(d["verification"].get("publicity") or []) + [None, None])[:2]
            f[5], f[6], f[7] = start or f[5], end, d["verification"].get("approver") or ""
    for case_id, day in until.items():
        if day is not None:
            facts[case_id][6] = day
    return facts


class _Cells:
    """What makes a row's cells: the floor's data, the as-of day, the memos of safe cells and of days.
    ``safe=False``: the cells as the product's row carries them, not quoted for a spreadsheet
    (:mod:`bench.ledger_floor`)."""

    def __init__(self, floor: Floor, safe: bool = True) -> None:
        self.f = floor
        self.cell, self.dates, self.day = _Safe() if safe else _Plain(), _Dates(), _Ordinals()
        self.problems: dict[str | None, str] = {}
        self.as_of = floor.as_of.toordinal()
        self.as_of_iso = floor.as_of.isoformat()
        self.doing = ("identified", "ledger_created", "secretary_assigned")

    def measures(self, raw: str | None) -> tuple[str, int, str]:
        """整改措施, one line each by number; the overdue ones counted, and the earliest overdue due day."""
        if not raw:
            return "", 0, ""
        parts = [m.split(_PAIR) for m in raw.split(_ITEM)]
        if len(parts) > 1:
            parts.sort(key=lambda m: int(m[0]))
        lines, overdue, oldest, as_of = [], 0, "", self.as_of_iso
        for number, text, owner, unit, due_on, done_on in parts:
            due_on = due_on[:10]
            if done_on:
                state = f"已完成（{done_on[:10]}）"
            elif due_on < as_of:
                state, overdue = "逾期未完成", overdue + 1
                if not oldest or due_on < oldest:
                    oldest = due_on
            else:
                state = "未完成"
            who = f"{owner}（{unit}）" if unit else owner
            lines.append(f"{number}. {text}；责任人：{who}；时限：{due_on}；{state}")
        return "\n".join(lines), overdue, oldest

    def _light(self, start: int, due: int) -> int:
        """0 green … 3 red: the share of the window start → due left on the day."""
        span, left = due - start, due - self.as_of
        share = (1.0 if left >= 0 else -1.0) if span <= 0 else left / span
        return 3 if share < 0 else 2 if share <= self.f.orange else 1 if share <= self.f.yellow else 0

    def _side(self, stage: str, end: int, row: tuple[Any, ...]) -> tuple[str, int, int] | None:
        """The 第一书记 track's task beside the stage's: a term ending before the deadline, or a vacancy."""
        sec_name, term_until, vsec_action, vacant_since = row[27], row[38], row[40], row[45]
        if stage not in self.doing:
            return None
        if sec_name is not None and term_until is not None and vacant_since is None and self.day[term_until] < end:
            return self.f.term, self.day[term_until] - self.f.window, self.day[term_until]
        if vacant_since is not None and stage == "secretary_assigned" and not (
                self.f.either and vsec_action in self.f.village_actions):
            return self.f.vacant, self.day[vacant_since], self.day[vacant_since] + self.f.window
        return None

    def due(self, row: tuple[Any, ...], oldest: str) -> tuple[str, str, str, str, int, int]:
        """An open case's light, 预警原因, 当前待办, its due day, the days left to it and to the deadline."""
        day, as_of = self.day, self.as_of
        stage, deadline, stage_since, stage_due, cycle_start, verified_on = (
            row[1], row[3], row[4], row[5], row[6], row[11])
        end = day[deadline]
        due = day[stage_due] if stage_due is not None else None
        task = self.f.strike_off if stage == "rectified" and verified_on is not None else self.f.tasks[stage]
        side = self._side(stage, end, row) if row[27] is not None or row[45] is not None else None
        reason, what, days = "", "", 0
        if oldest:
            lit = 3
            reason = f"整改措施逾期未完成（最早一项已逾期 {as_of - day[oldest]} 天）"
        else:
            lit, what, days = self._light(day[cycle_start], end) if stage != "rectified" else 0, "转化时限", end - as_of
            if due is not None and (own := self._light(day[stage_since], due)) >= lit:
                lit, what, days = own, f"待办「{task}」", due - as_of
            if side is not None and (own := self._light(side[1], side[2])) > lit:
                lit, what, days = own, f"待办「{side[0]}」", side[2] - as_of
        if lit and what:
            reason = (f"{what}已逾期 {-days} 天" if days < 0 else f"{what}今天到期" if days == 0
                      else f"{what}仅剩 {days} 天")
        task_on = due if due is not None else end
        if side is not None and side[2] < task_on and as_of >= side[1]:
            task, task_on = side[0], side[2]
        return self.f.lights[lit], reason, task, date.fromordinal(task_on).isoformat(), task_on - as_of, end - as_of

    def problem(self, raw: str | None) -> str:
        found = self.problems.get(raw)
        if found is None:
            found = self.problems[raw] = self.cell[_problems(raw)]
        return found

    def village(self, name: str | None, action: str | None, status: str | None) -> str:
        if name:
            return self.cell[f"{name}（已{action}）" if action in self.f.village_actions else name]
        return self.cell[self.f.village_status.get(status or "", "")]


def _remarks(cycle: int, n_extensions: int, n_failed: int, withdrawn_reason: str, supervised: Any,
             supervision_reason: str) -> str:
    notes = []
    if cycle > 1:
        notes.append(f"第{cycle}轮整顿（回头看反弹）")
    if n_extensions:
        notes.append(f"延期{n_extensions}次")
    if n_failed:
        notes.append(f"验收未通过{n_failed}次")
    if supervised and supervision_reason:
        notes.append(f"挂牌督办：{supervision_reason}")
    if withdrawn_reason:
        notes.append(f"撤销：{withdrawn_reason}")
    return "；".join(notes)


def write(floor: Floor, db_path: Path, target: Path) -> int:
    """The ledger CSV of ``db_path`` into ``target``; the number of rows."""
    con = sqlite3.connect(db_path)
    try:
        return write_rows(floor, con, con.execute(*floor.ledger), target)
    finally:
        con.close()


def write_rows(floor: Floor, con: sqlite3.Connection, source: Iterable[tuple[Any, ...]], target: Path) -> int:
    """The ledger CSV of ``source``'s tuples (the ledger query's layout, dates as ISO text) into ``target``, the
    verified ones' facts looked up on ``con``; the number of rows (also the past day's floor, bench.asof_floor)."""
    c = _Cells(floor)
    cell, dates = c.cell, c.dates
    stages, kinds, levels, steps, grades = floor.stages, floor.kinds, floor.levels, floor.steps, floor.grades
    numeric, prefixes, mark = _NUMERIC.fullmatch, _PREFIXES, _MARK

    def own(text: str) -> str:  # a cell each row has its own text in
        if text.startswith(prefixes):
            text = "'" + text
        return mark + text if numeric(text) else text

    seq = 0
    with open(target, "w", encoding="utf-8", newline="") as out:
        out.write("\ufeff")
        w = csv.writer(out, lineterminator="\r\n")
        w.writerow(floor.headers)
        cursor = iter(source)
        while batch := list(islice(cursor, _BATCH)):
            verified = [r[0] for r in batch if r[11] is not None]
            facts = _fold(con, floor.facts, verified) if verified else {}
            rows = []
            for row in batch:
                (case_id, stage, identified_on, deadline, _, _, _, cycle, _, detail, helping_unit, verified_on, score,
                 withdrawn_reason, supervised, supervision_reason, measures_total, measures_done, last_progress_on,
                 org_code, org_name, kind, county, township, raw_problems, county_leader, township_cadre, sec_name,
                 sec_unit, _, progress_note, n_extensions, n_failed, supervision_level, escalation_step, look_backs,
                 earlier_years, raw_measures, sec_term_until, vsec_name, vsec_action, village_status, grade,
                 satisfaction, struck_off_on, _) = row
                seq += 1
                measures, overdue, oldest = c.measures(raw_measures)
                light, reason, task, task_due, left, to_deadline = c.due(row, oldest) if stage not in (
                    "verified", "withdrawn") else ("", "", "", "", "", "")
                f = facts.get(case_id) if verified_on is not None else None
                if f is not None and struck_off_on is None:  # the approver and the 文号 only once struck off
                    f[7] = f[8] = None
                rows.append((
                    seq, cell[county], cell[township], own(org_name), own(org_code), cell[kinds.get(kind, kind)],
                    c.problem(raw_problems), own(detail), own(measures), measures_done, measures_total, overdue,
                    cell[county_leader or ""], cell[township_cadre or ""], c.village(vsec_name, vsec_action,
                                                                                    village_status),
                    own(f"{sec_name}（{sec_unit}）" + (f"任期至 {sec_term_until[:10]}" if sec_term_until else ""))
                    if sec_name is not None else "",
                    cell[helping_unit], dates[identified_on], dates[deadline], cell[stages.get(stage, stage)],
                    cell[task], dates[task_due], left, to_deadline, cell[light], cell[reason],
                    "是" if supervised else "否", cell[levels.get(supervision_level, "")] if supervised else "",
                    cell[steps.get(escalation_step, "")],
                    "" if last_progress_on is None or progress_note is None
                    else own(f"{last_progress_on} {progress_note}"),
                    dates[verified_on], "" if score is None else score, cell[grades.get(grade, "")],
                    cell[f"{satisfaction * 100:.1f}%"] if satisfaction is not None else "", dates[struck_off_on],
                    "是" if stage == "verified" else "否",
                    *((cell[f[0]], cell[f[1]], _number(f[2]), _number(f[3]), _number(f[4]), dates[f[5]],
                       dates[f[6]], cell[f[7]], own(f[8]) if f[8] else "") if f is not None else ("",) * 9),
                    cell[_look_backs(look_backs)] if look_backs else "",
                    cell[earlier_years.replace(",", "、")] if earlier_years else "",
                    cell[_remarks(cycle, n_extensions, n_failed, withdrawn_reason, supervised, supervision_reason)],
                    case_id))
            w.writerows(rows)
    return seq
