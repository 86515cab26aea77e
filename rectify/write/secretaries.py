"""The tracks beside the stages: the first secretary (in post, recalled), the village Party secretary
(选配/调整) and the 驻村工作队, each a step through :meth:`Steps.run_step`.

Moved out of the engine; :class:`rectify.write.engine.Workflow` calls them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy.engine import Row

from rectify.states.guards import Proposal
from rectify.states.stages import FIRST_SECRETARY, STAGE_LABELS, VILLAGE_SECRETARY, WORK_TEAM, Stage
from rectify.states.tracks import (
    PREEXISTING_LABEL,
    default_term_until,
    first_secretary_trigger,
    village_secretary_trigger,
)
from rectify.store.cases import CaseStore
from rectify.validation import email_address
from rectify.write.people import ensure_people
from rectify.write.step import Outcome, Steps, person_name

__all__ = ["assign_secretary", "extend_term", "recall_secretary", "village_secretary", "work_team"]


def assign_secretary(wf: Steps, ref: str | int, *, name: str, unit: str = "", since: date,
                     term_until: date | None = None, email: str = "", phone: str = "",
                     expected_version: int | None = None) -> Outcome:
    """A first secretary in post: 派出单位 defaults to the helping unit; the term to the policy's years.

    Already in post before the listing is allowed and marked 原已驻村; a term ending before the
    deadline is recorded with a warning. The village-secretary track is left as it is."""
    inputs: dict[str, Any] = {"name": person_name(name, "第一书记"), "unit": unit.strip(), "since": since,
                              "term_until": term_until or (since and default_term_until(
                                  since, wf.config.policy.first_secretary_term_years)),
                              "email": email_address(email, "第一书记"), "phone": phone.strip(), "on": since}

    def facts(store: CaseStore, row: Row[Any]) -> dict[str, Any]:
        if not inputs["unit"]:
            inputs["unit"] = row.helping_unit
        inputs["preexisting"] = since is not None and since < row.cycle_start
        inputs["on"] = since and max(since, row.cycle_start)
        current = store.in_post(row.id, FIRST_SECRETARY)
        return {"first_secretary": current[-1] if current else None}

    def apply(store: CaseStore, row: Row[Any], p: Proposal) -> dict[str, Any]:
        store.add_secretary(row.id, name=inputs["name"], kind=FIRST_SECRETARY, unit=inputs["unit"], since=since,
                            email=inputs["email"], phone=inputs["phone"], term_until=inputs["term_until"],
                            preexisting=inputs["preexisting"])
        ensure_people(store, [(inputs["name"], "first_secretary", inputs["unit"], inputs["email"])], wf.clock())
        return {}

    def message(p: Proposal) -> str:
        text = f"第一书记 {inputs['name']}（{inputs['unit']}），任期至 {inputs['term_until']}"
        if inputs["preexisting"]:
            text += f"，{PREEXISTING_LABEL}"
        if inputs["term_until"] and inputs["term_until"] < p.facts["deadline"]:
            text += f"。注意：任期在转化时限 {p.facts['deadline']} 前结束，请及时轮换"
        if p.state == Stage.identified:  # stage 3 is the join of the plan and the 第一书记 (states/transitions.py)
            text += f"。建立工作台账（整顿方案）后即进入 {STAGE_LABELS[Stage.secretary_assigned]}"
        return text

    return wf.run_step(ref, lambda row: first_secretary_trigger(row.stage), inputs, apply=apply, facts=facts,
                       expected_version=expected_version, message=message)


def _in_post_facts(inputs: dict[str, Any]) -> Callable[[CaseStore, Row[Any]], dict[str, Any]]:
    """The step's fact ``first_secretary`` (the 第一书记 in post, or None); his name goes into ``inputs``."""
    def facts(store: CaseStore, row: Row[Any]) -> dict[str, Any]:
        current = store.in_post(row.id, FIRST_SECRETARY)
        if current:
            inputs["name"] = current[-1].name
        return {"first_secretary": current[-1] if current else None}

    return facts


def recall_secretary(wf: Steps, ref: str | int, *, on: date, reason: str, note: str = "",
                     expected_version: int | None = None) -> Outcome:
    """Ends the first secretary's term (不胜任/期满轮换/工作需要/其他); the stage and the village track stay."""
    inputs: dict[str, Any] = {"on": on, "reason": reason.strip(), "note": note.strip()}

    facts = _in_post_facts(inputs)

    def apply(store: CaseStore, row: Row[Any], p: Proposal) -> dict[str, Any]:
        reason_text = inputs["reason"] + (f"：{inputs['note']}" if inputs["note"] else "")
        store.end_secretary(p.facts["first_secretary"].id, on, reason_text)
        return {}

    return wf.run_step(ref, "recall_secretary", inputs, apply=apply, facts=facts,
                       expected_version=expected_version,
                       message=lambda p: f"第一书记 {inputs['name']} {on} 离任（{inputs['reason']}）")


def extend_term(wf: Steps, ref: str | int, *, on: date, term_until: date, note: str = "",
                expected_version: int | None = None) -> Outcome:
    """延期: the 第一书记 in post stays to ``term_until`` (a term ending before the 转化时限 is a task)."""
    inputs: dict[str, Any] = {"on": on, "term_until": term_until, "note": note.strip()}

    facts = _in_post_facts(inputs)

    def apply(store: CaseStore, row: Row[Any], p: Proposal) -> dict[str, Any]:
        store.set_term(p.facts["first_secretary"].id, term_until)
        return {}

    def message(p: Proposal) -> str:
        text = f"第一书记 {inputs['name']} 任期延至 {term_until}"
        if term_until < p.facts["deadline"]:
            text += f"。注意：仍在转化时限 {p.facts['deadline']} 前结束"
        return text

    return wf.run_step(ref, "extend_term", inputs, apply=apply, facts=facts, expected_version=expected_version,
                       message=message)


def village_secretary(wf: Steps, ref: str | int, *, name: str, since: date, action: str, source: str,
                      email: str = "", phone: str = "", expected_version: int | None = None) -> Outcome:
    """The organization's own secretary, 选配 or 调整; ends the previous one on this track only.

    Under ``[policy] secretary_rule = "either"`` it also takes a planned case to stage 3."""
    inputs: dict[str, Any] = {"name": person_name(name, "村党组织书记"), "since": since, "action": action.strip(),
                              "source": source.strip(), "email": email_address(email, "村党组织书记"),
                              "phone": phone.strip(), "on": since}

    def apply(store: CaseStore, row: Row[Any], p: Proposal) -> dict[str, Any]:
        for previous in store.in_post(row.id, VILLAGE_SECRETARY):
            store.end_secretary(previous.id, since, inputs["action"])
        store.add_secretary(row.id, name=inputs["name"], kind=VILLAGE_SECRETARY, unit=row.org_name, since=since,
                            email=inputs["email"], phone=inputs["phone"], action=inputs["action"],
                            source=inputs["source"])
        ensure_people(store, [(inputs["name"], "village_secretary", row.org_name, inputs["email"])], wf.clock())
        return {}

    rule = wf.config.policy.secretary_rule
    return wf.run_step(ref, lambda row: village_secretary_trigger(row.stage, rule), inputs, apply=apply,
                       expected_version=expected_version,
                       message=lambda p: f"{inputs['action']}村党组织书记 {inputs['name']}（{inputs['source']}）")


def work_team(wf: Steps, ref: str | int, *, name: str, on: date, unit: str = "", remove: bool = False,
              expected_version: int | None = None) -> Outcome:
    """A 驻村工作队员 joins (``unit``, from ``on``) or leaves (``remove``, on ``on``)."""
    inputs: dict[str, Any] = {"name": person_name(name, "驻村工作队员"), "unit": unit.strip(), "on": on,
                              "remove": remove}

    def facts(store: CaseStore, row: Row[Any]) -> dict[str, Any]:
        return {"work_team": {m.name: m for m in store.in_post(row.id, WORK_TEAM)}}

    def apply(store: CaseStore, row: Row[Any], p: Proposal) -> dict[str, Any]:
        if remove:
            store.end_secretary(p.facts["work_team"][inputs["name"]].id, on, "离队")
        else:
            store.add_secretary(row.id, name=inputs["name"], kind=WORK_TEAM, unit=inputs["unit"], since=on)
        return {}

    return wf.run_step(ref, "work_team", inputs, apply=apply, facts=facts, expected_version=expected_version,
                       message=lambda p: f"驻村工作队员 {inputs['name']}{'离队' if remove else '到任'}")
