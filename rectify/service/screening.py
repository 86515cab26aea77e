"""排查 and 报送 for the faces (SPEC §15): the screen of a county's round as a person may see it, a declared
screening step taken from a form's values, and the city's list of submissions. The writes go through
:class:`rectify.write.screening.Screening`, which checks the role, the scope and the rules in its transaction."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, cast

from rectify.errors import BadInput, NotFound, Reason
from rectify.states import screening as rules
from rectify.states.permissions import Actor, scope_refusal

__all__ = ["default_county", "screening_screen", "submissions", "take_step"]


def default_county(person: Actor, given: str | None) -> str:
    """The county asked for, else the person's own (the first of a city supervisor's)."""
    if given and given.strip():
        return given.strip()
    if person.counties:
        return person.counties[0]
    raise BadInput("请选择县", reasons=[Reason("bad_input", "county", "请选择县")])


def may(person: Actor, step: rules.ScreeningStep, county: str, decided: bool | None) -> str | None:
    """Why ``person`` may not take ``step`` on the county's round now (None: they may). ``decided`` None: no round."""
    if decided is None and step.code != "start":
        return "尚未开始本年度排查"
    if decided is not None and step.code == "start":
        return "本年度排查已经开始"
    refusal = rules.step_refusal(step.code, person.role, person.who, decided=bool(decided))
    if refusal:
        return refusal
    township = person.township if step.per_org else ""
    return scope_refusal(person, county, township or "")


def screening_screen(service: Any, person: Actor, county: str, year: int) -> dict[str, Any]:
    """The round (None before it starts), each organization's row with what may be done on it, the share per
    township beside its guidance, and the organizations meeting a hard criterion left out without a reason."""
    from rectify.reports.screening import screening_view

    if refusal := scope_refusal(person, county, person.township or ""):
        raise NotFound(refusal.replace("不能操作", "不能查看").replace("的整顿对象", "的排查"))
    try:
        view = screening_view(service.db, service.config, county=county, year=year, reader=person,
                              as_of=None)
    except NotFound:
        view = None
    decided = None if view is None else view["decided_on"] is not None
    if view is not None and not decided:  # the hard criteria as they stand today, while the 名单 is open
        view = screening_view(service.db, service.config, county=county, year=year, reader=person,
                              as_of=service.today())
    steps = {s.code: may(person, s, county, decided) for s in rules.STEPS}
    rows = view["rows"] if view else []
    for r in rows:
        r["unexplained"] = bool(r["hard_criteria"] and r["outcome"] != rules.LISTED and not r["reason"])
    return {"county": county, "year": year, "view": view, "steps": steps, "by_code": rules.BY_CODE,
            "org_steps": [s for s in rules.STEPS if s.per_org and steps[s.code] is None],
            "county_steps": [s for s in rules.STEPS if not s.per_org and steps[s.code] is None],
            "unexplained": [r for r in rows if r["unexplained"]]}


def _parse(step: rules.ScreeningStep, form: Mapping[str, Any]) -> dict[str, Any]:
    from rectify.service.forms import parse_form

    return parse_form(cast(Any, step), form)  # a screening step declares its inputs as a case step does


def take_step(service: Any, person: Actor, code: str, *, county: str, year: int, org: str | None,
              form: Mapping[str, Any]) -> str:
    """Takes the screening step ``code`` from a form's values; the sentence the CLI would say."""
    from rectify.write.screening import Screening

    step = rules.BY_CODE.get(code)
    if step is None:
        raise NotFound(f"没有名为 {code} 的排查步骤")
    if step.per_org and not (org or "").strip():
        raise BadInput("请选择组织")
    v = _parse(step, form)
    s = Screening(service.db, service.config, actor=person, clock=service.clock)
    on: date | None = v.get("on")
    if code == "start":
        s.start(county, year, on)
        return f"已开始 {county} {year} 年度排查"
    if code in rules.FINDING_STAGES:
        return str(s.finding(str(org), code, v["problems"] or [], note=v["note"] or "", on=on, year=year))
    if code == "county_check":
        return str(s.check(str(org), respondents=v["respondents"], satisfied=v["satisfied"], basic=v["basic"],
                           dissatisfied=v["dissatisfied"], vacant_since=v["vacant_since"], on=on, year=year))
    if code == "judge":
        return str(s.judge(str(org), v["outcome"], reason=v["reason"] or "", on=on, year=year))
    if code == "decide":
        return str(s.decide(county, on=on, meeting=v["meeting"] or "", doc=v["doc"] or "", year=year))
    outcomes = s.list_from_decision(county, year=year)
    return f"已按名单列入整顿 {len(outcomes)} 个"


def submissions(service: Any, person: Actor, period: str) -> dict[str, Any]:
    """Per county of the person's scope: the period's submission, and whether it is late."""
    from rectify.reports.submissions import submission_list

    return submission_list(service.db, service.config, period_text=period, today=service.today(), reader=person)


def last_periods(today: date) -> list[str]:
    """The periods a city asks about first: last month, the last half year, the last year."""
    month = date(today.year - (today.month == 1), (today.month - 2) % 12 + 1, 1)
    half = f"{today.year}-H1" if today.month > 6 else f"{today.year - 1}-H2"
    return [f"{month:%Y-%m}", half, str(today.year - 1)]
