"""The 巩固期 after 销号: the look-backs' schedule, ``case look-back``, and a relapse listed again (SPEC §3).

The rules (window, order, results) are :mod:`rectify.states.consolidation`; this module performs the step
through :meth:`Steps.run_step` like every other change. 反弹 lists the organization again in the same
transaction: a new case in the look-back's year, linked to the old one (``previous_case_id``), with the
problems found, and the first secretary still in post carried into it (marked ``carried``). The old case
stays ``verified`` with the 反弹 recorded. Every input goes into the events' detail, so the history's replay
(:mod:`rectify.reports.snapshot`) rebuilds both cases.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.engine import Row

from rectify.errors import BadInput
from rectify.states import consolidation as rules
from rectify.states import effects
from rectify.states.deadlines import default_deadline, stage_due
from rectify.states.guards import Proposal
from rectify.states.stages import FIRST_SECRETARY, Stage
from rectify.states.transitions import OPEN_ACTION
from rectify.states.workdays import work_calendar
from rectify.store.cases import CaseStore
from rectify.write.plan_inputs import parse_problems
from rectify.write.step import Outcome, Steps

__all__ = ["link", "look_back"]


def link(store: CaseStore, org_id: int, year: int) -> dict[str, Any]:
    """A repeat listing: the organization's latest earlier case and the years it was listed before."""
    earlier = store.cases_of_org(org_id)
    return {"previous_case_id": earlier[-1].id if earlier else None,
            "earlier_years": rules.earlier_years([c.year for c in earlier], year)}


def look_back(wf: Steps, ref: str | int, *, on: date, result: str, note: str, problems: list[str],
              deadline: date | None, expected_version: int | None) -> Outcome:
    """回头看: the next scheduled look-back, 巩固 or 反弹; 反弹 lists the organization again (see module)."""
    code = rules.parse_result(result)
    if code is None:
        raise BadInput(f"未知的回头看结果 {result}（应为 巩固 或 反弹）")
    policy = wf.config.policy
    parsed = parse_problems(problems, "", policy.local_problem_types) if problems else []
    if parsed and code != rules.RELAPSE:
        raise BadInput("只有反弹（--result 反弹）才列明新的软弱涣散情形（--problem）")
    inputs: dict[str, Any] = {"on": on, "result": code, "note": note.strip(), "problems": [c for c, _ in parsed],
                              "problem_texts": [t for _, t in parsed]}

    def facts(store: CaseStore, row: Row[Any]) -> dict[str, Any]:
        other = store.open_case_of(row.org_id)
        return {"look_backs": row.look_backs, "verified_on": row.verified_on,
                "open_case": other.id if other is not None else None}

    def apply(store: CaseStore, row: Row[Any], p: Proposal) -> dict[str, Any]:
        inputs["after_days"] = rules.pending(rules.decode(row.look_backs)).days  # type: ignore[union-attr]
        if code == rules.RELAPSE:
            inputs["new_case_id"] = _list_again(wf, store, row, on, parsed, deadline or default_deadline(on, policy),
                                                inputs["note"])
        return effects.looked_back(row, inputs, on, policy)

    def message(p: Proposal) -> str:
        label = rules.months_label(inputs["after_days"])
        if code == rules.STABLE:
            return f"{label}回头看：巩固"
        return f"{label}回头看：反弹，已重新列入整顿（整顿对象 {inputs['new_case_id']}，{on.year} 年）"

    return wf.run_step(ref, "look_back", inputs, apply=apply, facts=facts, expected_version=expected_version,
                       message=message)


def _list_again(wf: Steps, store: CaseStore, old: Row[Any], on: date, parsed: list[tuple[str, str]],
                deadline: date, note: str) -> int:
    """The relapse's new case, its problems, the officer and the first secretary carried, and its listing event."""
    policy = wf.config.policy
    if deadline <= on:
        raise BadInput(f"新的转化时限 {deadline} 早于或等于重新列入日期 {on}")
    now = wf.clock()
    links = link(store, old.org_id, on.year)
    new_id = store.add_case(
        org_id=old.org_id, year=on.year, stage=Stage.identified, identified_on=on, deadline=deadline,
        stage_since=on, cycle_start=on,
        stage_due=stage_due(Stage.identified, cycle_start=on, deadline=deadline, rectified_on=None, policy=policy,
                            calendar=work_calendar(wf.config)),
        cycle=1, version=1, detail=note, helping_unit=old.helping_unit, self_check="", withdrawn_reason="",
        supervised=False, supervision_reason="", measures_total=0, measures_done=0, village_secretary_status="",
        look_backs="", created_at=now, updated_at=now, **links)
    store.add_problems(new_id, parsed)
    officer = store.people(old.id).get("officer")
    if officer:
        store.add_person(new_id, "officer", officer, "")
    carried = []
    for s in store.in_post_full(old.id, FIRST_SECRETARY):
        store.add_secretary(new_id, name=s.name, kind=FIRST_SECRETARY, unit=s.unit, since=s.since, email=s.email,
                            phone=s.phone, term_until=s.term_until, preexisting=True, carried=True)
        carried.append({"name": s.name, "unit": s.unit, "since": s.since, "term_until": s.term_until})
    wf.record_event(store, new_id, OPEN_ACTION, None, Stage.identified, at=now, on=on,
                    reason="回头看反弹，重新列入整顿",
                    detail={"org": old.org_code, "problems": [c for c, _ in parsed], "identified_on": on,
                            "deadline": deadline, "detail": note, "officer": officer or "",
                            "problem_texts": [t for _, t in parsed], "village_secretary": "", "relapse_of": old.id,
                            "carried_secretaries": carried, "helping_unit": old.helping_unit, **links})
    return new_id
