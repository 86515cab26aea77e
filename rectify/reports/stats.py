"""Statistics of SPEC §6 and the Party statistics form "整顿软弱涣散基层党组织情况" (§6.1).

Every figure is counted in one pass over the cases as they stood at the end of the as-of day, rebuilt from
the dated history (:mod:`rectify.reports.snapshot`, SPEC §6.2), so a report made later for a past day equals
the one made that day; the lights are computed for that day by :mod:`rectify.states.deadlines`.
"""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from rectify.config import Config, PolicyConfig
from rectify.reports.snapshot import needs_rebuild, rebuild
from rectify.reports.stats_form import (
    FORM_COLUMNS,
    FORM_GROUPS,
    FORM_ROWS,
    FORM_TITLE,
    FormColumn,
    FormCounter,
    form_from_counts,
)
from rectify.states.deadlines import LIGHT_LABELS, LIGHT_ORDER, Light, plain_day, row_light
from rectify.states.stages import KINDS, OTHER_PROBLEM, PROBLEM_TYPES, STAGE_LABELS, STAGES, Stage
from rectify.states.tasks import secretary_task
from rectify.states.tracks import VILLAGE_ACTIONS
from rectify.store import Database
from rectify.store.ledger import ITEM, PAIR, LedgerFilter
from rectify.store.stats import case_counts, form_by_kind, problem_counts, red_cases

__all__ = ["FORM_COLUMNS", "FORM_GROUPS", "FORM_ROWS", "FORM_TITLE", "MANUAL", "FormColumn", "compute_stats",
           "stage_light_counts"]

MANUAL = "人工填报"


@dataclass
class _Tally:
    """The counts of one streamed pass over the cases."""

    by_stage: Counter[str] = field(default_factory=Counter)
    by_light: Counter[str] = field(default_factory=Counter)
    by_kind: Counter[str] = field(default_factory=Counter)
    townships: dict[tuple[str, str], Counter[str]] = field(default_factory=dict)
    red: list[tuple[Any, ...]] = field(default_factory=list)  # the red cases, as :func:`_red_list` takes them
    overdue: list[dict[str, Any]] = field(default_factory=list)

    def add(self, r: Any, light: Light | None) -> None:
        self.count(r.county, r.township, r.kind, r.stage, light, 1)
        if light == "red":
            self.red.append((r.id, r.stage, r.stage_due, r.deadline, r.supervised, r.org_code, r.org_name, r.county,
                             r.township, r.open_measure_due, r.sec_term_until, r.sec_vacant_since, r.vsec_action))

    def count(self, county: str, township: str, kind: str, stage: str, light: Light | None, n: int) -> None:
        """``n`` cases of one place, kind, stage and light."""
        self.by_stage[stage] += n
        self.by_kind[kind] += n
        t = self.townships.get((county, township))
        if t is None:
            t = self.townships[(county, township)] = Counter()
        t["total"] += n
        if stage == Stage.verified:
            t[Stage.verified.value] += n
        if light is not None:
            self.by_light[light.value] += n
            t["open"] += n
        if light == "red":
            t["overdue"] += n


def _red_list(rows: Iterable[Sequence[Any]], as_of: date, policy: PolicyConfig) -> list[dict[str, Any]]:
    """The overdue list, most days overdue first (then county, township, organization code, case), from its red
    cases as :func:`rectify.store.stats.red_cases` gives them (id, stage, stage_due, deadline, supervised,
    org_code, org_name, county, township, open_measure_due, sec_term_until, sec_vacant_since, vsec_action).

    A case is overdue by the most days of what made it red: its task (the ledger's 待办时限), the conversion
    deadline when that is the later-passed one (red by the deadline, the task still in time), the earliest open
    measure past its due date, or the 第一书记 track's task (延期或轮换, 空缺); its due day is the ledger's 待办时限
    (:func:`rectify.states.deadlines.case_task`). A red case is open, so its task is due on its stage's due day or
    else the deadline (:func:`rectify.states.deadlines.next_due`). Plain values: nothing is built per case but its
    entry (the list holds about a quarter of the cases)."""
    enabled = gc.isenabled()
    gc.disable()  # everything made here is freed by reference counting: the collector's passes were ~15 % of it
    try:
        return _red_entries(rows, as_of, policy)
    finally:
        if enabled:
            gc.enable()


def _red_entries(rows: Iterable[Sequence[Any]], as_of: date, policy: PolicyConfig) -> list[dict[str, Any]]:
    rectified = Stage.rectified.value
    entries = []
    shared: dict[Any, Any] = {}  # one object for each repeated place, stage and day (the list's memory)
    for cid, stage, stage_due, deadline, supervised, code, name, county, township, late, term, vacant, vact in rows:
        due = stage_due or deadline
        left = (due - as_of).days
        if stage != rectified and (deadline - as_of).days < left:
            left = (deadline - as_of).days
        if late:  # red by an overdue measure
            late = date.fromisoformat(late[:10]) if isinstance(late, str) else late
            if (late - as_of).days < left:
                left = (late - as_of).days
        if term is not None or vacant is not None:  # the 第一书记 track's task (row_side)
            side = secretary_task(stage, term_until=plain_day(term), vacant_since=plain_day(vacant),
                                  deadline=deadline, policy=policy, village_chosen=vact in VILLAGE_ACTIONS)
            if side is not None:
                if (side.due - as_of).days < left:
                    left = (side.due - as_of).days
                if side.due < due and as_of >= side.start:
                    due = side.due
        day = shared.get(due)
        if day is None:
            day = shared[due] = due.isoformat()
        entries.append((left, shared.setdefault(county, county), shared.setdefault(township, township), code, cid,
                        name, shared.setdefault(stage, stage), day, supervised))
    entries.sort()  # by -days overdue, county, township, code, case: the case id ends every tie
    return [{"case_id": cid, "org_code": code, "org_name": name, "county": county, "township": township,
             "stage": stage, "next_due": day, "days_overdue": -left, "supervised": bool(supervised)}
            for left, county, township, code, cid, name, stage, day, supervised in entries]


def _by_problem(problems: Counter[str] | None) -> list[dict[str, Any]] | None:
    if problems is None:
        return None
    return [
        {"code": code, "text": text, "count": int(problems.get(code, 0))} for code, text in PROBLEM_TYPES.items()
    ] + [{"code": OTHER_PROBLEM, "text": "其他", "count": int(problems.get(OTHER_PROBLEM, 0))}]


def _problem_counts(problems: Counter[str], raw: str | None) -> None:
    if raw:
        problems.update({part.partition(PAIR)[0] for part in raw.split(ITEM)})


def _from_history(db: Database, *, as_of: date, config: Config, f: LedgerFilter, whole: bool,
                  year: int | None, known_on: date | None) -> tuple[_Tally, Counter[str], dict[str, Any] | None]:
    """The figures counted over the cases rebuilt from their dated history (SPEC §6.2)."""
    tally = _Tally()
    form = FormCounter(year or as_of.year) if whole else None
    problems: Counter[str] = Counter()
    for r in rebuild(db, as_of=as_of, config=config, filters=f, known_on=known_on):
        if form is not None:
            form.add(r)
            if r.stage != Stage.withdrawn:
                _problem_counts(problems, r.problems)
        light = row_light(r, as_of, config.lights, config.policy)
        if f.light is not None and (light is None or light.value != f.light):
            continue
        tally.add(r, light)
    tally.overdue = _red_list(tally.red, as_of, config.policy)
    return tally, problems, form.form(as_of=as_of, report=config.report) if form is not None else None


def _from_tables(db: Database, *, as_of: date, config: Config, f: LedgerFilter, whole: bool,
                 year: int | None) -> tuple[_Tally, Counter[str], dict[str, Any] | None]:
    """The same figures when the current tables are the as-of day: one streamed lean query, the rest SQL
    aggregates (no replay of the history)."""
    tally = _Tally()
    light_of = {rank: Light(name) for name, rank in LIGHT_ORDER.items()}
    with db.connect() as conn:
        for county, township, kind, stage, rank, n in case_counts(conn, f, as_of, config.lights, config.policy):
            tally.count(county, township, kind, stage, None if rank is None else light_of[rank], n)
        tally.overdue = _red_list(red_cases(conn, f, as_of, config.lights, config.policy), as_of, config.policy)
        problems = problem_counts(conn, f) if whole else Counter()
        form = form_from_counts(form_by_kind(conn, f, year or as_of.year), year=year or as_of.year, as_of=as_of,
                                report=config.report) if whole else None
    return tally, problems, form


def compute_stats(
    db: Database, *, as_of: date, config: Config, filters: LedgerFilter | None = None, full: bool = True,
    year: int | None = None, known_on: date | None = None,
) -> dict[str, Any]:
    """Every figure of ``rectify stats`` for the end of ``as_of`` (as known on ``known_on``), stable English keys.

    The form counts statistical year ``year`` (default: the as-of day's year). The problem counts and
    the form need a light-independent scope: they are left out (None) when filtering by light, and
    skipped when ``full`` is false (the HTML ledger's chart needs only the rest).
    """
    f = filters or LedgerFilter()
    whole = full and f.light is None
    if needs_rebuild(db, as_of, known_on, config):
        tally, problems, form = _from_history(db, as_of=as_of, config=config, f=f, whole=whole, year=year,
                                              known_on=known_on)
    else:
        tally, problems, form = _from_tables(db, as_of=as_of, config=config, f=f, whole=whole, year=year)
    by_stage = tally.by_stage
    identified = sum(n for st, n in by_stage.items() if st != Stage.withdrawn)
    converted = by_stage.get(Stage.verified, 0)
    return {
        "as_of": as_of.isoformat(),
        "filters": f.describe(),
        "total": sum(by_stage.values()),
        "by_stage": [
            {"stage": st.value, "label": STAGE_LABELS[st], "count": by_stage.get(st, 0)} for st in STAGES
        ],
        "by_light": [
            {"light": lt, "label": LIGHT_LABELS[lt], "count": tally.by_light.get(lt, 0)} for lt in LIGHT_ORDER
        ],
        "by_problem": _by_problem(problems if whole else None),
        "by_kind": [{"kind": k, "label": KINDS[k], "count": tally.by_kind[k]} for k in KINDS if tally.by_kind.get(k)],
        "by_township": [
            {
                "county": c,
                "township": t,
                "total": n["total"],
                "open": n["open"],
                Stage.verified.value: n[Stage.verified.value],
                "overdue": n["overdue"],
            }
            for (c, t), n in sorted(tally.townships.items())
        ],
        "conversion": _conversion(form, identified, converted),
        "overdue": tally.overdue,
        "form": form,
    }


def _conversion(form: dict[str, Any] | None, identified: int, converted: int) -> dict[str, Any]:
    """转化率 of the statistical year, as the form counts it: 整顿提升 (struck off in the year, of any cohort) over
    排查 (listed in the year) plus the open cases carried in; without a form (a light filter), over every case."""
    if form is None:
        return {"year": None, Stage.identified.value: identified, "carried_in": 0, "converted": converted,
                "rate": round(converted / identified, 4) if identified else None}
    total = form["rows"][0]["values"]
    listed, carried, struck = total[Stage.identified.value], form["carried_in"]["总计"], total["converted"]
    base = listed + carried
    return {"year": form["year"], Stage.identified.value: listed, "carried_in": carried, "converted": struck,
            "rate": round(struck / base, 4) if base else None}


def stage_light_counts(stats: dict[str, Any]) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """(stage label, count) and (light, count) pairs for the HTML ledger's chart."""
    return (
        [(s["label"], s["count"]) for s in stats["by_stage"]],
        [(lt["light"], lt["count"]) for lt in stats["by_light"]],
    )
