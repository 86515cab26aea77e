"""The 限期转化台账 (SPEC §6): one row per case, these columns in this order.

The column keys are the stable English names (JSON keys, import aliases); the headers are what the
county's own form says, and what the import reads back.

Rows come from ONE query (:mod:`rectify.store.ledger`), streamed as the driver's tuples:
no ORM object and no query per case, so an export of 100,000 cases runs in bounded memory. One function
(:meth:`LedgerRows._rows`) turns each tuple into the row's values: its light and days left for the
as-of date (:mod:`rectify.states.deadlines`) and its cells as the county's form shows them. Every
format is a projection of those values (:mod:`rectify.reports.ledger_formats`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING, Any, cast

from rectify.config import Config
from rectify.states.consolidation import json_items as look_back_items
from rectify.states.consolidation import summary as look_back_summary
from rectify.states.deadlines import LIGHT_LABELS, case_task, light_and_window, next_due
from rectify.states.escalation import STEP_LABELS
from rectify.states.roles import LEVEL_NAMES, Role
from rectify.states.stages import KINDS, NO_DUE_STAGES, OTHER_PROBLEM, SECRETARY_KINDS, STAGE_LABELS, Stage
from rectify.states.tasks import (
    BY_STAGE,
    SIDE_LABELS,
    STRIKE_OFF_TASK,
    SideTask,
    current_task,
    light_reason,
    secretary_task,
)
from rectify.states.thresholds import GRADE_LABELS, percent
from rectify.states.tracks import VILLAGE_ACTIONS, VILLAGE_STATUS
from rectify.store.plain import ITEM, LEDGER_KEYS, MEASURE_FIELDS, PAIR, LedgerFilter

if TYPE_CHECKING:
    from rectify.store import Database
    from rectify.store.ledger import apply_filter, count_cases, ledger_query, scope_counties
    from rectify.store.light import Light

# The statements (rectify.store.ledger, which imports SQLAlchemy) are imported when first used: the ledger of a
# read command on SQLite runs on the light path (rectify.store.light) and loads no SQLAlchemy.
_STATEMENTS = ("apply_filter", "count_cases", "ledger_query", "scope_counties")


def __getattr__(name: str) -> Any:
    if name in _STATEMENTS:
        from rectify.store import ledger

        return getattr(ledger, name)
    raise AttributeError(f"module 'rectify.reports.ledger' has no attribute {name!r}")


__all__ = [
    "LEDGER_COLUMNS",
    "LEDGER_KEYS",
    "LedgerFilter",
    "LedgerRow",
    "LedgerRows",
    "apply_filter",
    "count_cases",
    "json_row",
    "ledger_query",
    "ledger_rows",
    "ledger_title",
    "problem_items",
    "problems_text",
    "remarks",
    "scope_counties",
]

LEDGER_COLUMNS: tuple[tuple[str, str], ...] = (
    ("seq", "序号"),
    ("county", "县"),
    ("township", "乡镇"),
    ("org_name", "党组织名称"),
    ("kind", "类别"),
    ("problems", "软弱涣散情形"),
    ("detail", "主要问题"),
    ("measures", "整改措施（每项：内容、责任人、时限、完成情况）"),
    ("measures_done", "措施已完成"),
    ("measures_total", "措施总数"),
    ("measures_overdue", "措施逾期"),
    ("county_leader", "县级联系领导"),
    ("township_cadre", "乡镇包村领导"),
    ("village_secretary", "村（社区）党组织书记（是否调整）"),
    ("secretary", "第一书记（派出单位、任期）"),
    ("helping_unit", "结对帮扶单位"),
    ("identified_on", "确定日期"),
    ("deadline", "转化时限"),
    ("stage", "当前阶段"),
    ("task", "当前待办"),
    ("task_due", "待办时限"),
    ("days_left", "待办剩余天数"),
    ("deadline_days", "距转化时限（天）"),
    ("light", "预警"),
    ("light_reason", "预警原因"),
    ("supervised", "挂牌督办"),
    ("supervision_level", "挂牌层级"),
    ("escalation", "督办升级"),
    ("last_progress", "最近进展"),
    ("verified_on", "验收日期"),
    ("score", "验收得分"),
    ("grade", "验收等次"),
    ("satisfaction", "满意率"),
    ("struck_off_on", "销号日期"),
    ("struck_off", "是否销号"),
    ("look_backs", "回头看"),
    ("earlier_years", "曾列入年份"),
    ("remarks", "备注"),
)

LOCAL_SECRETARY = "local"

# (light, cells, driver tuple): the light for the as-of date, the cells in LEDGER_COLUMNS order (what
# the form shows), and the query's tuple in LEDGER_KEYS order (for the typed JSON and calendar forms).
LedgerRow = tuple[str | None, list[Any], tuple[Any, ...]]

def problem_items(raw: str | None) -> list[dict[str, str]]:
    if not raw:
        return []
    items = []
    for part in raw.split(ITEM):
        code, _, text = part.partition(PAIR)
        items.append({"code": code, "text": text})
    # The aggregate's order is not defined portably; the standard codes first, in order, then "other".
    items.sort(key=lambda p: (p["code"] == OTHER_PROBLEM, p["code"], p["text"]))
    return items


def measure_items(raw: str | None) -> list[dict[str, Any]]:
    """The ledger query's ``measure_items`` as dicts (``MEASURE_FIELDS``), by number; dates as ISO text."""
    if not raw:
        return []
    items = []
    for part in raw.split(ITEM):
        m: dict[str, Any] = dict(zip(MEASURE_FIELDS, part.split(PAIR), strict=True))
        m["seq"] = int(m["seq"])
        m["due_on"] = m["due_on"][:10]
        m["done_on"] = m["done_on"][:10] or None
        items.append(m)
    items.sort(key=lambda m: m["seq"])
    return items


def overdue_count(items: list[dict[str, Any]], as_of: date) -> int:
    """Measures not done by the as-of day whose due date is before it."""
    day = as_of.isoformat()
    return sum(1 for m in items if m["done_on"] is None and m["due_on"] < day)


def measure_state(m: dict[str, Any], as_of: date) -> str:
    """完成情况: 已完成（date） · 逾期未完成 · 未完成."""
    if m["done_on"] is not None:
        return f"已完成（{m['done_on']}）"
    return "逾期未完成" if m["due_on"] < as_of.isoformat() else "未完成"


def measure_line(m: dict[str, Any], as_of: date) -> str:
    """``1. 内容；责任人：姓名（单位）；时限：2026-06-30；已完成（2026-06-20）``."""
    owner = f"{m['owner']}（{m['owner_unit']}）" if m["owner_unit"] else m["owner"]
    return f"{m['seq']}. {m['text']}；责任人：{owner}；时限：{m['due_on']}；{measure_state(m, as_of)}"


def measures_text(items: list[dict[str, Any]], as_of: date) -> str:
    """整改措施（每项：内容、责任人、时限、完成情况）: one line per measure."""
    return "\n".join(measure_line(m, as_of) for m in items)


def _measure_seq(part: list[str]) -> int:
    return int(part[0])


def _measure_cells(raw: str, day: str) -> tuple[str, int, str]:
    """``measures_text(measure_items(raw), as_of)``, ``overdue_count`` and the earliest overdue due day (ISO, or
    empty) in one pass over the query's text, without a dict per measure (``day``: the as-of day's ISO text). The
    query gives each number as its decimal text."""
    parts = [part.split(PAIR) for part in raw.split(ITEM)]
    if len(parts) > 1:
        parts.sort(key=_measure_seq)
    lines = []
    overdue = 0
    oldest = ""
    for seq, text, owner, owner_unit, due_on, done_on in parts:
        if done_on:
            state = "已完成（" + done_on[:10] + "）"
        elif due_on[:10] < day:
            state, overdue = "逾期未完成", overdue + 1
            if not oldest or due_on[:10] < oldest:
                oldest = due_on[:10]
        else:
            state = "未完成"
        if owner_unit:
            lines.append(f"{seq}. {text}；责任人：{owner}（{owner_unit}）；时限：{due_on[:10]}；{state}")
        else:
            lines.append(f"{seq}. {text}；责任人：{owner}；时限：{due_on[:10]}；{state}")
    return "\n".join(lines), overdue, oldest


VILLAGE_WORDS = {action: "已" + action for action in VILLAGE_ACTIONS}  # 已选配, 已调整


def village_secretary_cell(name: str | None, action: str | None, status: str | None) -> str:
    """村（社区）党组织书记（是否调整）: the one in post and 已选配/已调整, else 缺配/需调整 as at listing."""
    if name:
        word = VILLAGE_WORDS.get(action or "", "")
        return f"{name}（{word}）" if word else name
    return VILLAGE_STATUS.get(status or "", "")


def first_secretary_cell(name: str | None, unit: str | None, term_until: Any) -> str:
    """第一书记（派出单位、任期）: ``王五（县财政局）任期至 2028-03-09``."""
    if name is None:
        return ""
    term = _iso(term_until)
    return f"{name}（{unit}）" + (f"任期至 {term[:10]}" if term else "")


@lru_cache(maxsize=4096)
def _problems_cell(raw: str | None) -> str:
    """``problems_text(problem_items(raw))``, remembered: cases share the ten types' standard wording (SPEC §2), so
    the same aggregated text comes back row after row."""
    return problems_text(problem_items(raw))


def _iso(d: date | str | None) -> str | None:
    """ISO text of a date, whether the driver gave a date (PostgreSQL) or its text already (SQLite)."""
    return d if d is None or d.__class__ is str else d.isoformat()  # type: ignore[union-attr]


def _day(d: date | str | None) -> date | None:
    return date.fromisoformat(d) if isinstance(d, str) else d


def remarks(
    *,
    cycle: int,
    n_extensions: int,
    n_failed: int,
    withdrawn_reason: str,
    supervised: bool,
    supervision_reason: str,
    secretary_kind: str | None,
) -> str:
    """备注: the facts an inspector asks about that have no column of their own."""
    parts = []
    if cycle > 1:
        parts.append(f"第{cycle}轮整顿（回头看反弹）")
    if n_extensions:
        parts.append(f"延期{n_extensions}次")
    if n_failed:
        parts.append(f"验收未通过{n_failed}次")
    if secretary_kind == LOCAL_SECRETARY:
        parts.append(SECRETARY_KINDS["local"])
    if supervised and supervision_reason:
        parts.append(f"挂牌督办：{supervision_reason}")
    if withdrawn_reason:
        parts.append(f"撤销：{withdrawn_reason}")
    return "；".join(parts)


def problems_text(problems: list[dict[str, str]]) -> str:
    return "; ".join(f"{p['code'] if p['code'] != OTHER_PROBLEM else '其他'} {p['text']}" for p in problems)


class LedgerRows(Iterable[LedgerRow]):
    """The streamed ledger of one filter and as-of date, numbered after filtering: the one row source.

    Iterating runs the ledger query once and gives a :data:`LedgerRow` per case; :meth:`dicts` gives
    the same rows in their JSON form (:func:`json_row`).
    """

    def __init__(self, db: Database | Light, *, as_of: date, config: Config, filters: LedgerFilter, batch: int,
                 known_on: date | None = None, rebuild: bool | None = None) -> None:
        self.db = db
        self.as_of = as_of
        self.config = config
        self.filters = filters
        self.batch = batch
        self.known_on = known_on
        # None: rebuild from the history only when something is dated or recorded after the day (SPEC §6.2).
        self.rebuild = rebuild

    @contextmanager
    def _source(self) -> Iterator[Iterable[tuple[Any, ...]]]:
        """The current tables' tuples, or the day rebuilt from the history (:mod:`rectify.reports.snapshot`)."""
        if getattr(self.db, "light", False):  # today's tables on the light read path (the caller checked the day)
            with cast("Light", self.db).ledger_tuples(self.filters) as rows:
                yield rows
            return
        from rectify.reports import snapshot
        from rectify.store.ledger import ledger_tuples

        db = cast("Database", self.db)
        rebuild = self.rebuild
        if rebuild is None:
            rebuild = snapshot.needs_rebuild(db, self.as_of, self.known_on, self.config)
        if rebuild:
            yield snapshot.snapshot_tuples(db, as_of=self.as_of, config=self.config, filters=self.filters,
                                           known_on=self.known_on)
            return
        with ledger_tuples(db, self.filters, batch=self.batch) as rows:
            yield rows

    def __iter__(self) -> Iterator[LedgerRow]:
        return self._rows()

    def dicts(self) -> Iterator[dict[str, Any]]:
        return (json_row(row) for row in self)

    def _rows(self) -> Iterator[LedgerRow]:
        """The driver's tuples (LEDGER_KEYS, in order) as (light, cells, tuple): read straight from the cursor."""
        f = self.filters
        as_of, lights = self.as_of, self.config.lights
        want_light = f.light
        kinds, stages, light_labels = KINDS, STAGE_LABELS, LIGHT_LABELS
        level_names, step_labels = LEVEL_NAMES, STEP_LABELS
        closed = NO_DUE_STAGES
        as_of_iso = as_of.isoformat()
        seq = 0
        text_dates: bool | None = None
        with self._source() as rows:
            for raw in rows:
                (_id, stage, identified_on, deadline, stage_since, stage_due, cycle_start, cycle, _version,
                 detail, helping_unit, verified_on, score, withdrawn_reason, supervised, supervision_reason,
                 measures_total, measures_done, last_progress_on, _org_code, org_name, kind, county, township,
                 problems, county_leader, township_cadre, sec_name, sec_unit, sec_kind, progress_note,
                 n_extensions, n_failed, supervision_level, escalation_step, look_backs, earlier_years, raw_measures,
                 sec_term_until, vsec_name, vsec_action, village_status, grade, satisfaction, struck_off_on,
                 sec_vacant_since) = raw
                if text_dates is None:
                    text_dates = isinstance(deadline, str)
                measures, overdue, oldest = _measure_cells(raw_measures, as_of_iso) if raw_measures else ("", 0, "")
                if stage in closed:  # no light, no days left: no date to parse
                    light = left = to_deadline = None
                    task_name = task_due = reason = ""
                else:
                    light, task_name, task_due, left, to_deadline, reason = _due_cells(
                        stage, stage_since, stage_due, cycle_start, deadline, as_of, lights, bool(text_dates), oldest,
                        verified_on is not None, (sec_name, sec_term_until, sec_vacant_since, vsec_action,
                                                  self.config.policy))
                if not text_dates:  # date objects (PostgreSQL): the cells show ISO text
                    identified_on, deadline = identified_on.isoformat(), deadline.isoformat()
                    verified_on, last_progress_on = _iso(verified_on), _iso(last_progress_on)
                    struck_off_on = _iso(struck_off_on)
                if want_light is not None and light != want_light:
                    continue
                seq += 1
                yield light, [
                    seq,
                    county,
                    township,
                    org_name,
                    kinds.get(kind, kind),
                    _problems_cell(problems),
                    detail,
                    measures,
                    measures_done,
                    measures_total,
                    overdue,
                    county_leader or "",
                    township_cadre or "",
                    village_secretary_cell(vsec_name, vsec_action, village_status),
                    first_secretary_cell(sec_name, sec_unit, sec_term_until) if sec_name is not None else "",
                    helping_unit,
                    identified_on,
                    deadline,
                    stages.get(stage, stage),
                    task_name,
                    task_due,
                    left if left is not None else "",
                    to_deadline if to_deadline is not None else "",
                    light_labels[light] if light else "",
                    reason,
                    "是" if supervised else "否",
                    level_names.get(supervision_level, "") if supervised else "",
                    step_labels.get(escalation_step, ""),
                    "" if last_progress_on is None or progress_note is None else f"{last_progress_on} {progress_note}",
                    *_judgment_cells(stage, verified_on, score, grade, satisfaction, struck_off_on, look_backs,
                                     earlier_years),
                    _remarks_cell(cycle, n_extensions, n_failed, withdrawn_reason, supervised, supervision_reason,
                                  sec_kind),
                ], raw


def _judgment_cells(stage: str, verified_on: Any, score: Any, grade: str, satisfaction: Any, struck_off_on: Any,
                    look_backs: str, earlier_years: str) -> tuple[Any, ...]:
    """验收日期 … 曾列入年份: the verification, the 销号 and the 巩固期, as the ledger shows them."""
    return (verified_on or "", score if score is not None else "", GRADE_LABELS.get(grade, ""),
            percent(satisfaction) if satisfaction is not None else "", struck_off_on or "",
            "是" if stage == _VERIFIED else "否", look_back_summary(look_backs) if look_backs else "",
            earlier_years.replace(",", "、") if earlier_years else "")


_VERIFIED = Stage.verified.value


def _remarks_cell(cycle: int, n_extensions: Any, n_failed: Any, withdrawn_reason: str, supervised: Any,
                  supervision_reason: str, sec_kind: str | None) -> str:
    """备注, for the rows that have any (most have none)."""
    if cycle > 1 or n_extensions or n_failed or withdrawn_reason or supervised or sec_kind == LOCAL_SECRETARY:
        return remarks(cycle=cycle, n_extensions=int(n_extensions), n_failed=int(n_failed),
                       withdrawn_reason=withdrawn_reason, supervised=bool(supervised),
                       supervision_reason=supervision_reason, secretary_kind=sec_kind)
    return ""


def _due_cells(stage: str, stage_since: Any, stage_due: Any, cycle_start: Any, deadline: Any, as_of: date,
               lights: Any, text_dates: bool, oldest_late: str, in_publicity: bool,
               sec: tuple[Any, Any, Any, Any, Any]) -> tuple[Any, str, str, int, int, str]:
    """An open case's light, its current task (当前待办), the task's due day (ISO), the days left to it and to the
    deadline, and the light's reason; ``oldest_late``: the earliest open measure's due day (ISO, or "");
    ``sec``: the 第一书记 in post and his term end, the day the last one left (when none is), the village
    secretary's 选配/调整 and the policy, for the 第一书记 track's task."""
    open_measure_due = date.fromisoformat(oldest_late) if oldest_late else None
    if text_dates:
        day = date.fromisoformat
        since_on, due_on = day(stage_since), day(stage_due) if stage_due is not None else None
        start_on, deadline_on = day(cycle_start), day(deadline)
    else:
        since_on, due_on, start_on, deadline_on = stage_since, stage_due, cycle_start, deadline
    side = _side_task(stage, deadline_on, *sec) if sec[0] is not None or sec[2] is not None else None
    light, window = light_and_window(stage, stage_since=since_on, stage_due_on=due_on, as_of=as_of,
                                     cycle_start=start_on, deadline=deadline_on, lights=lights,
                                     open_measure_due=open_measure_due, side=side)
    task_code, task_name, task_on = case_task(stage, stage_due_on=due_on, deadline=deadline_on, as_of=as_of,
                                              in_publicity=in_publicity, side=side)
    stage_on = due_on or deadline_on
    late = (as_of - open_measure_due).days if open_measure_due else None
    reason = light_reason(light, window, task=current_task(stage, in_publicity=in_publicity)[0],
                          task_left=(stage_on - as_of).days, deadline_left=(deadline_on - as_of).days,
                          measure_late=late, side=side, side_left=(side.due - as_of).days if side else None)
    task_on = task_on or deadline_on
    return light, task_name, task_on.isoformat(), (task_on - as_of).days, (deadline_on - as_of).days, reason


def _side_task(stage: str, deadline: date, name: Any, term_until: Any, vacant_since: Any, vsec_action: Any,
               policy: Any) -> SideTask | None:
    """The 第一书记 track's task of a ledger row (its dates as the driver gives them: text on SQLite)."""
    return secretary_task(stage, term_until=_day(term_until) if name is not None else None,
                          vacant_since=_day(vacant_since), deadline=deadline, policy=policy,
                          village_chosen=vsec_action in VILLAGE_ACTIONS)


_COL = {key: i for i, (key, _) in enumerate(LEDGER_COLUMNS)}
_DAYS_LEFT, _DEADLINE_DAYS, _REASON = _COL["days_left"], _COL["deadline_days"], _COL["light_reason"]
_OVERDUE = _COL["measures_overdue"]
_TASK, _TASK_DUE = _COL["task"], _COL["task_due"]
SIDE_CODES: dict[str, str] = {label: code for code, label in SIDE_LABELS.items()}


def _task_of(r: dict[str, Any], cells: list[Any], due: date | None) -> tuple[str, str, date | None, str | None]:
    """当前待办 of a ledger row: code, label, due day and the role that acts on it (the 第一书记 track's task when
    the row shows it, due before the stage's)."""
    if cells[_TASK] in SIDE_CODES:
        return SIDE_CODES[cells[_TASK]], cells[_TASK], _day(cells[_TASK_DUE]), Role.county_officer
    spec = BY_STAGE.get(r["stage"])
    code, label = current_task(r["stage"], in_publicity=r["verified_on"] is not None)
    return code, label, due, (Role.county_approver if code == STRIKE_OFF_TASK else spec.role) if spec else None


def _secretary(r: dict[str, Any]) -> dict[str, Any] | None:
    if r["sec_name"] is None:
        return None
    return {"name": r["sec_name"], "unit": r["sec_unit"], "kind": r["sec_kind"],
            "term_until": (_iso(r["sec_term_until"]) or "")[:10] or None}


def _progress(r: dict[str, Any]) -> dict[str, Any] | None:
    if r["last_progress_on"] is None or r["progress_note"] is None:
        return None
    return {"on": _iso(r["last_progress_on"]), "note": r["progress_note"]}


def _village_secretary(r: dict[str, Any]) -> dict[str, Any] | None:
    return {"name": r["vsec_name"], "action": r["vsec_action"] or None} if r["vsec_name"] is not None else None


def _blank_none(value: Any) -> Any:
    return None if value == "" else value


def json_row(row: LedgerRow) -> dict[str, Any]:
    """One ledger row with stable English keys and typed values (the JSON and calendar form)."""
    light, cells, raw = row
    r = dict(zip(LEDGER_KEYS, raw, strict=True))
    due = next_due(r["stage"], stage_due_on=_day(r["stage_due"]), deadline=_day(r["deadline"]))  # type: ignore[arg-type]
    code, label, due, role = _task_of(r, cells, due)
    return {
        "seq": cells[0],
        "case_id": r["id"],
        "org_code": r["org_code"],
        "county": r["county"],
        "township": r["township"],
        "org_name": r["org_name"],
        "kind": r["kind"],
        "problems": problem_items(r["problems"]),
        "detail": r["detail"],
        "measures": {"done": r["measures_done"], "total": r["measures_total"],
                     "overdue": cells[_OVERDUE], "items": measure_items(r["measure_items"])},
        "village_secretary": _village_secretary(r),
        "village_secretary_status": r["village_status"] or None,
        "county_leader": r["county_leader"],
        "township_cadre": r["township_cadre"],
        "secretary": _secretary(r),
        "helping_unit": r["helping_unit"],
        "identified_on": _iso(r["identified_on"]),
        "deadline": _iso(r["deadline"]),
        "stage": r["stage"],
        "task": code or None,
        "task_label": label or None,
        "task_role": str(role) if role else None,
        "next_due": _iso(due),
        "days_left": _blank_none(cells[_DAYS_LEFT]),
        "deadline_days": _blank_none(cells[_DEADLINE_DAYS]),
        "light": str(light) if light else None,
        "light_reason": cells[_REASON],
        "supervised": bool(r["supervised"]),
        "supervision_reason": r["supervision_reason"],
        "supervision_level": r["supervision_level"] or None,
        "escalation_step": r["escalation_step"] or None,
        "last_progress": _progress(r),
        "verified_on": _iso(r["verified_on"]),
        "score": r["score"],
        "grade": r["grade"] or None,
        "satisfaction": r["satisfaction"],
        "struck_off_on": _iso(r["struck_off_on"]),
        "struck_off": r["stage"] == Stage.verified,
        "look_backs": look_back_items(r["look_backs"]),
        "earlier_years": [int(y) for y in r["earlier_years"].split(",")] if r["earlier_years"] else [],
        "cycle": r["cycle"],
        "extensions": int(r["n_extensions"]),
        "failed_verifications": int(r["n_failed"]),
        "withdrawn_reason": r["withdrawn_reason"],
        "version": r["version"],
        "remarks": cells[-1],
    }


def ledger_rows(
    db: Database | Light, *, as_of: date, config: Config, filters: LedgerFilter | None = None, batch: int = 1000,
    known_on: date | None = None, rebuild: bool | None = None,
) -> LedgerRows:
    """Stream the ledger rows, numbered after filtering; the day as it stood, as known on ``known_on``."""
    return LedgerRows(db, as_of=as_of, config=config, filters=filters or LedgerFilter(), batch=batch,
                      known_on=known_on, rebuild=rebuild)


def ledger_title(counties: list[str], as_of: date, known_on: date | None = None) -> str:
    if not counties:
        scope = ""
    elif len(counties) <= 3:
        scope = "、".join(counties)
    else:
        scope = "各县"
    known = f"，据 {known_on.isoformat()} 已录入的记录" if known_on is not None else ""
    return f"{scope}软弱涣散基层党组织限期转化台账（截至 {as_of.isoformat()}{known}）"
