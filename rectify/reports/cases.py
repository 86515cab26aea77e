"""The read side: one case in full, its history, and filtered lists — plain dicts with stable English keys."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

from rectify.config import Config
from rectify.states.deadlines import case_task, deadline_days, light_reason_of
from rectify.states.permissions import Actor
from rectify.states.roles import Role
from rectify.states.stages import FIRST_SECRETARY, STAGE_LABELS, VILLAGE_SECRETARY
from rectify.states.tasks import secretary_task, task_of
from rectify.states.tracks import VILLAGE_ACTIONS
from rectify.store.plain import LedgerFilter

if TYPE_CHECKING:
    from rectify.store import Database

# The statements are imported where they run (rectify.store.reads): ``shown`` and ``listed`` shape the rows of
# the light read path too (rectify.store.light), which loads no SQLAlchemy.


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _rows(result: Any) -> list[dict[str, Any]]:
    return [{k: _iso(v) for k, v in r._mapping.items()} for r in result]


def _day(value: Any) -> date | None:
    return date.fromisoformat(value[:10]) if isinstance(value, str) and value else value or None


def status(row: Any, as_of: date, config: Config, open_measure_due: Any = None,
           sec: tuple[Any, Any, Any] | None = None) -> dict[str, Any]:
    """The current task (code, label, due date, days left), the days to the deadline, the light and its
    reason of one case row on ``as_of``; ``open_measure_due`` (else the row's): the earliest open measure's due
    date, which makes the case red once past; ``sec`` (else the row's): the 第一书记's term end, the day the last
    one left while no one is in post, and the village secretary's 选配/调整, for the 第一书记 track's task."""
    term_until, vacant_since, vsec_action = sec or (getattr(row, "sec_term_until", None),
                                                    getattr(row, "sec_vacant_since", None),
                                                    getattr(row, "vsec_action", None))
    deadline = _day(row.deadline)
    side = secretary_task(row.stage, term_until=_day(term_until), vacant_since=_day(vacant_since),
                          deadline=deadline, policy=config.policy,  # type: ignore[arg-type]
                          village_chosen=vsec_action in VILLAGE_ACTIONS)
    light, reason = light_reason_of(row.stage, stage_since=row.stage_since, stage_due_on=row.stage_due,
                                    cycle_start=row.cycle_start, deadline=row.deadline, as_of=as_of,
                                    lights=config.lights, open_measure_due=_day(
                                        open_measure_due or getattr(row, "open_measure_due", None)), side=side)
    code, label, due = case_task(row.stage, stage_due_on=row.stage_due, deadline=row.deadline, as_of=as_of,
                                 side=side)
    task = task_of(row.stage)
    return {
        "task": code or None,
        "task_label": label or None,
        "task_role": str(Role.county_officer) if side is not None and code == side.code else
        (str(task.role) if task else None),
        "light": light.value if light else None,
        "light_reason": reason,
        "days_left": (due - as_of).days if due is not None else None,
        "next_due": _iso(due),
        "deadline_days": deadline_days(row.stage, deadline=row.deadline, as_of=as_of),
    }


def secretary_facts(secretaries: list[dict[str, Any]]) -> tuple[Any, Any, Any]:
    """``status``'s ``sec`` of a case's secretaries (as ``case_parts`` lists them): the 第一书记 in post's term
    end, the day the last one left when no one is, the village secretary in post's 选配/调整."""
    first = [s for s in secretaries if s["kind"] == FIRST_SECRETARY]
    in_post = [s for s in first if not s["until"]]
    village = [s for s in secretaries if s["kind"] == VILLAGE_SECRETARY and not s["until"]]
    vacant = None if in_post else max((s["until"] for s in first), default=None)
    return (in_post[-1]["term_until"] if in_post else None, vacant, village[-1]["action"] if village else None)


def show_case(db: Database, ref: str | int, *, as_of: date, config: Config,
              reader: Actor | None = None, known_on: date | None = None) -> dict[str, Any]:
    """One case in full; a case outside ``reader``'s scope is not found. When anything is dated after
    ``as_of`` (or recorded after ``known_on``), the case as it stood then (:func:`as_it_stood`)."""
    from rectify.reports.snapshot import needs_rebuild
    from rectify.store.reads import case_parts, resolve_seen

    if needs_rebuild(db, as_of, known_on, config):
        return as_it_stood(db, ref, as_of=as_of, config=config, reader=reader, known_on=known_on)
    with db.connect() as s:
        row, org = resolve_seen(s, ref, reader)
        return shown(row, org, case_parts(s, row.id), as_of, config)


def shown(row: Any, org: Any, parts: dict[str, list[Any]], as_of: date, config: Config) -> dict[str, Any]:
    """``show`` of a case from its row, its organization's and its parts' (today's tables)."""
    case = {k: _iso(v) for k, v in row._mapping.items()
            if k not in ("org_name", "org_code", "created_at", "updated_at")}
    case["stage_label"] = STAGE_LABELS[row.stage]
    case["as_of"] = as_of.isoformat()
    case["organization"] = {k: _iso(v) for k, v in org._mapping.items() if k not in ("id", "created_at")}
    for name, rows in parts.items():
        case[name] = _rows(rows)
    case.update(status(row, as_of, config, min(
        (m["due_on"] for m in case["measures"] if not m["done_on"]), default=None),
        secretary_facts(case["secretaries"])))
    return _consolidation(case)


def _consolidation(case: dict[str, Any]) -> dict[str, Any]:
    """The 巩固期's look-backs as items, and the earlier listing years as numbers (SPEC §3)."""
    from rectify.states.consolidation import json_items

    case["look_backs"] = json_items(case.get("look_backs"))
    years = case.get("earlier_years") or ""
    case["earlier_years"] = [int(y) for y in years.split(",")] if years else []
    return case


def _state_fields(state: Any, row: Any) -> dict[str, Any]:
    """The case's fields as the rebuilt day stood; the signers and the 文号 from the tables, when reached."""
    case: dict[str, Any] = {}
    for key in ("stage", "identified_on", "deadline", "stage_since", "stage_due", "cycle_start", "cycle",
                "version", "detail", "helping_unit", "rectified_on", "verified_on", "score", "withdrawn_reason",
                "supervised", "supervision_reason", "measures_total", "measures_done", "last_progress_on"):
        case[key] = _iso(getattr(state, key))
    case["self_check"] = row.self_check if state.rectified_on is not None else ""
    # 申请验收 → 验收 → 公示 → 销号, as the day stood (the signers and the 文号 from the tables).
    case["applied_by"] = row.applied_by if state.rectified_on is not None else ""
    case["grade"] = state.grade
    case["satisfaction"] = state.satisfaction
    case["publicity_until"] = _iso(state.publicity_until) if state.struck_off_on is None else None
    case["struck_off_on"] = _iso(state.struck_off_on)
    case["strike_off_doc"] = row.strike_off_doc if state.struck_off_on is not None else ""
    case["supervision_level"] = (state.supervision_level or row.supervision_level) if state.supervised else ""
    case["stage_label"] = STAGE_LABELS[state.stage]
    return case


def _records_by(case: dict[str, Any], parts: dict[str, Any], measures_total: int) -> None:
    """The case's records dated by the day (``case["as_of"]``): reports, verifications, objections, measures."""
    dated = {"progress_reports": "reported_on", "verifications": "verified_on", "objections": "raised_on"}
    for name, rows in parts.items():
        case[name] = [r for r in _rows(rows) if name not in dated or r[dated[name]] <= case["as_of"]]
    case["measures"] = case["measures"][:measures_total]
    for m in case["measures"]:
        m["done_on"] = m["done_on"] if m["done_on"] and m["done_on"] <= case["as_of"] else None


def _secretaries_as_of(folded: list[list[Any]], stored_rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The secretaries in post by the day (the rebuilt tracks), with what the table adds (e-mail, phone, …)."""
    stored = {(x["name"], x["since"]): x for x in stored_rows}
    out = []
    for n, u, k, since, until, action, *_ in folded:
        x = stored.get((n, _iso(since)), {})
        out.append({
            "name": n, "kind": k, "unit": u, "since": _iso(since), "until": _iso(until),
            "email": x.get("email", ""), "phone": x.get("phone", ""),
            "end_reason": x.get("end_reason", "") if until is not None else "",
            "term_until": x.get("term_until"), "preexisting": x.get("preexisting", False),
            "action": action or x.get("action", ""), "source": x.get("source", "")})
    return out


def as_it_stood(db: Database, ref: str | int, *, as_of: date, config: Config, reader: Actor | None = None,
                known_on: date | None = None) -> dict[str, Any]:
    """``show`` of the case at the end of ``as_of``: the rebuilt state, and the records dated by then."""
    from rectify.errors import NotFound
    from rectify.reports.snapshot import rebuild
    from rectify.store.reads import case_parts, resolve_seen

    with db.connect() as s:
        row, org = resolve_seen(s, ref, reader)
        parts = case_parts(s, row.id)
    state = next(iter(list(rebuild(db, as_of=as_of, config=config, known_on=known_on, case_id=row.id))), None)
    if state is None:
        raise NotFound(f"整顿对象 {row.id}（{org.name}）在 {as_of} 尚未列入整顿")
    case: dict[str, Any] = {"id": row.id, "org_id": row.org_id, "year": row.year, **_state_fields(state, row)}
    case.update(status(state, as_of, config))
    case["as_of"] = as_of.isoformat()
    case["organization"] = {k: _iso(v) for k, v in org._mapping.items() if k not in ("id", "created_at")}
    _records_by(case, parts, state.measures_total)
    case["secretaries"] = _secretaries_as_of(state.secretaries, case["secretaries"])
    case["extensions"] = state.extensions
    case["previous_case_id"] = row.previous_case_id
    case["look_backs"], case["earlier_years"] = state.look_backs, state.earlier_years
    case["later_listings"] = [x for x in case["later_listings"] if x["identified_on"] <= case["as_of"]]
    return _consolidation(case)


# What the history's 原因 column says of a step recorded without a reason: the substance of its inputs.
_SUMMARIES: dict[str, Callable[[dict[str, Any]], str]] = {
    "open": lambda d: "软弱涣散情形 " + "、".join(d.get("problems") or []),
    "plan": lambda d: f"整改措施 {len(d.get('measures') or [])} 项",
    "revise_plan": lambda d: f"新增整改措施 {len(d.get('measures') or [])} 项",
    "assign_secretary": lambda d: f"第一书记 {d.get('name', '')}（{d.get('unit', '')}），{d.get('since', '')} 起"
                                  + ("，原已驻村" if d.get("preexisting") else ""),
    "village_secretary": lambda d: f"{d.get('action', '')}村党组织书记 {d.get('name', '')}（{d.get('source', '')}）",
    "work_team": lambda d: f"驻村工作队员 {d.get('name', '')}{'离队' if d.get('remove') else '到任'}",
    "complete_measure": lambda d: f"第{d.get('measure_no', '')}项整改措施完成",
    "report_progress": lambda d: d.get("note", ""),
    "mark_rectified": lambda d: d.get("self_check", ""),
    "verify": lambda d: f"{d.get('by', '')} 得分 {d.get('score', '')}",
    "objection": lambda d: d.get("text", ""),
    "dismiss_objection": lambda d: d.get("note", ""),
    "strike_off": lambda d: d.get("doc_no", ""),
    "supervise": lambda d: d.get("matter") or d.get("reason", ""),
    "escalate": lambda d: f"{d.get('step', '')}：{d.get('note', '')}",
    "look_back": lambda d: f"{d.get('result', '')}：{d.get('note', '')}",
}
_SUMMARIES["replace_secretary"] = _SUMMARIES["assign_secretary"]
_SUMMARIES["village_secretary_assigned"] = _SUMMARIES["village_secretary"]


def _reason(action: str, reason: str, detail: dict[str, Any]) -> str:
    if reason:
        return reason
    summary = _SUMMARIES.get(action)
    return summary(detail).strip("：， ") if summary else ""


def case_history(db: Database, ref: str | int, *, reader: Actor | None = None) -> list[dict[str, Any]]:
    """Every event as recorded: its business date (``on``) first, who recorded it and when (``at``), the reason
    (or, for a step that takes none, what it recorded)."""
    from rectify.store.reads import case_events, resolve_seen

    with db.connect() as s:
        row, _ = resolve_seen(s, ref, reader)
        out = []
        for e in case_events(s, row.id):
            detail = json.loads(e.detail) if e.detail else {}
            out.append({
                "case_id": e.case_id, "event_id": e.id, "on": _iso(e.happened_on), "at": e.at.isoformat(),
                "actor": e.actor, "actor_unit": e.actor_unit, "operator": e.operator, "action": e.action,
                "from_stage": e.from_stage, "to_stage": e.to_stage, "reason": _reason(e.action, e.reason or "", detail),
                "detail": detail,
            })
        return out


def list_cases(db: Database, *, as_of: date, config: Config, county: str | None = None,
               township: str | None = None, kind: str | None = None, stage: str | None = None,
               year: int | None = None, open_only: bool = False, light: str | None = None,
               supervised: bool | None = None, reader: Actor | None = None) -> list[dict[str, Any]]:
    from rectify.reports.snapshot import needs_rebuild
    from rectify.store.reads import case_rows

    if needs_rebuild(db, as_of, None, config):
        return _listed_then(db, as_of=as_of, config=config, filters=LedgerFilter(
            county=county, township=township, kind=kind, stage=stage, year=year, open_only=open_only,
            reader=reader), light=light, supervised=supervised)
    with db.connect() as s:
        return listed(case_rows(s, county=county, township=township, kind=kind, stage=stage, year=year,
                                supervised=supervised, open_only=open_only, reader=reader), as_of, config, light)


def listed(rows: Iterable[Any], as_of: date, config: Config, light: str | None) -> list[dict[str, Any]]:
    """``list`` of today's case rows (:func:`rectify.store.reads.case_rows`), of the light ``light`` if given."""
    out = []
    for r in rows:
        st = status(r, as_of, config)
        if light is not None and st["light"] != light:
            continue
        out.append({
            "case_id": r.id, "org_code": r.code, "org_name": r.name, "kind": r.kind, "county": r.county,
            "township": r.township, "stage": r.stage, "identified_on": r.identified_on.isoformat(),
            "deadline": r.deadline.isoformat(), "cycle": r.cycle, "supervised": r.supervised,
            "version": r.version, **st,
        })
    return out


def _listed_then(db: Database, *, as_of: date, config: Config, filters: LedgerFilter, light: str | None,
                 supervised: bool | None) -> list[dict[str, Any]]:
    """``list`` of the cases as they stood at the end of ``as_of``, in the list's order."""
    from rectify.reports.snapshot import rebuild

    states = sorted(rebuild(db, as_of=as_of, config=config, filters=filters),
                    key=lambda r: (r.deadline, r.county, r.township, r.id))
    out = []
    for r in states:
        st = status(r, as_of, config)
        if (light is not None and st["light"] != light) or (supervised is not None and r.supervised != supervised):
            continue
        out.append({
            "case_id": r.id, "org_code": r.org_code, "org_name": r.org_name, "kind": r.kind, "county": r.county,
            "township": r.township, "stage": r.stage, "identified_on": r.identified_on.isoformat(),
            "deadline": r.deadline.isoformat(), "cycle": r.cycle, "supervised": r.supervised,
            "version": r.version, **st,
        })
    return out


def list_orgs(db: Database, *, county: str | None = None, township: str | None = None,
              kind: str | None = None, reader: Actor | None = None) -> list[dict[str, Any]]:
    from rectify.store.reads import org_rows

    with db.connect() as s:
        return _rows(org_rows(s, county=county, township=township, kind=kind, reader=reader))
