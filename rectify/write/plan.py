"""The 整顿方案 (``plan``/``revise_plan``): measures with their 责任人 and the case's people, one step
through :meth:`Steps.run_step`.

Moved out of the engine; :meth:`rectify.write.engine.Workflow.plan` calls it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy.engine import Row

from rectify.errors import BadInput
from rectify.states import effects
from rectify.states.guards import Proposal
from rectify.states.tracks import join_kinds, joined_on
from rectify.states.transitions import BY_TRIGGER, IN_POST_FACT
from rectify.store.cases import CaseStore
from rectify.validation import email_address
from rectify.write.people import ensure_people
from rectify.write.plan_inputs import measure_input
from rectify.write.step import Outcome, Steps, person_name

__all__ = ["PERSON_ROLES", "measures_with_emails", "plan"]

PERSON_ROLES = ("officer", "county_leader", "township_leader", "township_cadre")


def measures_with_emails(measures: Iterable[Any], emails: dict[str, str]) -> list[dict[str, Any]]:
    """Measures as the event keeps them; an e-mail given by the 责任人's name goes to the measure."""
    out = [measure_input(m) for m in measures]
    for m in out:
        m["owner_email"] = email_address(m.get("owner_email") or emails.get(m["owner"], ""), m["owner"])
    return out


def plan(wf: Steps, ref: str | int, *, measures: list[Any], county_leader: str = "",
         township_cadre: str = "", helping_unit: str = "", emails: dict[str, str] | None = None,
         expected_version: int | None = None, revise: bool = False, on: date | None = None,
         township_leader: str = "") -> Outcome:
    """Files the 整顿方案 (or, once filed, adds measures: revise_plan); every problem needs a measure.

    ``measures``: ``(problems, text, 责任人, due)`` tuples or dicts; 责任人 may carry its unit as
    ``姓名（单位）``. ``township_leader``: the 乡镇包村领导 (a member of the township Party committee);
    ``township_cadre``: the 包村干部 beside him, a second person. ``emails``: by role (officer, county_leader,
    township_leader, township_cadre) or by 责任人 name."""
    emails = {key: email_address(addr, key) for key, addr in (emails or {}).items()}
    given = measures_with_emails(measures, emails)
    owners = {m["owner"] for m in given}
    unknown = set(emails) - set(PERSON_ROLES) - owners
    if unknown:
        raise BadInput(f"邮箱对应的 {', '.join(sorted(unknown))} 既不是角色（{', '.join(PERSON_ROLES)}）"
                       "也不是本次措施的责任人")
    roles = {k: v for k, v in emails.items() if k in PERSON_ROLES}
    inputs: dict[str, Any] = {
        "measures": given, "county_leader": person_name(county_leader, "县级联系领导"),
        "township_leader": person_name(township_leader, "乡镇包村领导"),
        "township_cadre": person_name(township_cadre, "包村干部"),
        "helping_unit": helping_unit.strip(), "emails": roles, "on": on or wf.today()}

    def facts(store: CaseStore, row: Row[Any]) -> dict[str, Any]:
        terms = store.terms(row.id, join_kinds(wf.config.policy.secretary_rule))
        joined = joined_on(terms, row.cycle_start, inputs["on"])  # a 第一书记 in post: the plan makes stage 3
        return {**store.people(row.id), "problems": store.problems(row.id),
                "covered": store.covered_problems(row.id), IN_POST_FACT: joined is not None, "joined_on": joined}

    def apply(store: CaseStore, row: Row[Any], p: Proposal) -> dict[str, Any]:
        store.add_measures(row.id, inputs["measures"])
        store.set_person(row.id, "county_leader", inputs["county_leader"], roles.get("county_leader"))
        store.set_person(row.id, "township_leader", inputs["township_leader"], roles.get("township_leader"))
        store.set_person(row.id, "township_cadre", inputs["township_cadre"], roles.get("township_cadre"))
        if "officer" in roles:
            store.set_person(row.id, "officer", None, roles["officer"])
        ensure_people(store, [
            (inputs["county_leader"], "county_leader", "", roles.get("county_leader", "")),
            (inputs["township_leader"], "township_leader", "", roles.get("township_leader", "")),
            (inputs["township_cadre"], "township_cadre", "", roles.get("township_cadre", "")),
            *((m["owner"], "measure_owner", m["owner_unit"], m["owner_email"]) for m in inputs["measures"])],
            wf.clock())
        return effects.plan(row, inputs, inputs["on"], wf.config.policy)

    def choose(row: Row[Any]) -> str:
        return "revise_plan" if revise or row.stage in BY_TRIGGER["revise_plan"].sources else "plan"

    return wf.run_step(ref, choose, inputs, apply=apply, facts=facts, expected_version=expected_version)
