"""排查 and 报送 on the web (SPEC §15): a county's round (each organization's findings, survey and 研判, the share
per township beside its guidance, the hard criteria left out without a reason), one form per screening step
generated from its declared inputs (:mod:`rectify.states.screening`), the prints, and the city's list of who has
reported each period. Every read and write through the application layer; the screening checks role and scope."""

from __future__ import annotations

from typing import IO, Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from rectify.errors import BadInput, NotFound, RectifyError
from rectify.states import screening as rules
from rectify.states.steps import DATE
from rectify.web.cases import _number, signed_person
from rectify.web.context import web
from rectify.web.protect import protected
from rectify.web.render import page
from rectify.web.reports import _download


def routes() -> list[BaseRoute]:
    return [Route("/screening", screen, methods=["GET"]),
            Route("/screening/steps/{step}", protected(step_form), methods=["GET", "POST"]),
            Route("/screening/print", print_file, methods=["GET"]),
            Route("/submissions", submissions, methods=["GET"])]


def _where(request: Request) -> tuple[str, int]:
    from rectify.service.screening import default_county

    service = web(request).service
    q = request.query_params
    county = default_county(signed_person(request), q.get("county"))
    return county, _number(q.get("year"), "年度", 1990, 2200) or service.today().year


def screen(request: Request) -> Response:
    service = web(request).service
    county, year = _where(request)
    data = service.screening(signed_person(request), county, year)
    q = request.query_params
    return page(request, "screening.html", **data, outcomes=rules.OUTCOMES, done=q.get("done", ""),
                township=(q.get("township") or "").strip(), query=urlencode({"county": county, "year": year}))


def _prefill(step: rules.ScreeningStep, row: dict[str, Any] | None, today: str) -> dict[str, str]:
    """What the form shows first: the organization's recorded values (correctable until the decision), else today."""
    values = {i.name: today for i in step.inputs if i.kind == DATE and i.name == "on"}
    if row is None:
        return values
    if step.code in rules.FINDING_STAGES:
        from rectify.write.screening import stored_problems

        raw = row.get("self_raw" if step.code == "self_check" else "township_raw") or ""
        values["problems"] = "\n".join(stored_problems(raw))
        values["note"] = row["self_note" if step.code == "self_check" else "township_note"]
    elif step.code == "county_check":
        values.update({k: "" if row[k] is None else str(row[k])
                       for k in ("respondents", "satisfied", "basic", "dissatisfied")})
        values["vacant_since"] = row["vacant_since"] or ""
    elif step.code == "judge" and row["outcome"]:
        values.update(outcome=row["outcome"], reason=row["reason"])
    return values


def _form_context(request: Request, step: rules.ScreeningStep) -> dict[str, Any]:
    """The step's page: the organization's row, why the person may not take it (None: they may), the values."""
    service = web(request).service
    county, year = _where(request)
    data = service.screening(signed_person(request), county, year)  # 404 outside the reader's scope
    org = (request.query_params.get("org") or "").strip() or None
    rows = data["view"]["rows"] if data["view"] else []
    row = next((r for r in rows if r["code"] == org), None)
    if step.per_org and row is None:
        raise NotFound(f"找不到组织 {org or ''}（{county} {year} 年度排查）")
    where = {"county": county, "year": year}
    return {"step": step, "refusal": data["steps"][step.code], "row": row, "county": county, "year": year,
            "org": org, "errors": {}, "general": [], "back": "/screening?" + urlencode(where),
            "values": _prefill(step, row, service.today().isoformat()),
            "action": f"/screening/steps/{step.code}?" + urlencode({**where, **({"org": org} if org else {})})}


def _shown(values: dict[str, Any]) -> dict[str, str]:
    return {k: "\n".join(v) if isinstance(v, list) else (v if isinstance(v, str) else "") for k, v in values.items()}


def step_form(request: Request) -> Response:
    step = rules.BY_CODE.get(request.path_params["step"])
    if step is None:
        raise NotFound(f"没有名为 {request.path_params['step']} 的排查步骤")
    context = _form_context(request, step)
    if request.method == "GET":
        return page(request, "screening_step.html", 200 if context["refusal"] is None else 422, **context)
    form = request.state.form
    values = {i.name: [v for v in form.getlist(i.name) if isinstance(v, str)] if i.multiple else form.get(i.name)
              for i in step.inputs}
    try:
        said = web(request).service.take_screening(signed_person(request), step.code, values,
                                                   county=context["county"], year=context["year"], org=context["org"])
    except RectifyError as exc:
        known = {i.name for i in step.inputs}
        by_field = exc.fields()
        context.update(values=_shown(values), errors={k: v for k, v in by_field.items() if k in known},
                       general=[m for k, v in by_field.items() if k not in known for m in v])
        return page(request, "screening_step.html", 400 if isinstance(exc, BadInput) else 422, **context)
    return RedirectResponse(context["back"] + "&" + urlencode({"done": said}), status_code=303)


def print_file(request: Request) -> Response:
    """The 名单 / 排查表 as the CLI's ``screening show --format pdf|xlsx`` writes them, as an attachment."""
    from rectify.reports.screening import screening_view, write_xlsx
    from rectify.reports.screening_print import PARTS, write_pdf

    service = web(request).service
    person = signed_person(request)
    county, year = _where(request)
    service.screening(person, county, year)  # the scope check, 404 outside it
    q = request.query_params
    fmt, part = q.get("format") or "pdf", q.get("part") or "list"
    if fmt not in ("pdf", "xlsx") or part not in PARTS:
        raise BadInput("格式应为 pdf 或 xlsx，部分应为 all、list、table、townships 之一")
    view = screening_view(service.db, service.config, county=county, year=year, reader=person)
    names = {"list": "名单", "table": "排查表", "townships": "乡镇占比", "all": "排查"}

    def write(out: IO[bytes]) -> None:
        if fmt == "xlsx":
            write_xlsx(view, out)
            return
        write_pdf(view, out, part)

    media = {"pdf": "application/pdf",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}[fmt]
    return _download(f"{county}-{year}-{names[part]}.{fmt}", fmt, write, media=media)


def submissions(request: Request) -> Response:
    from rectify.service.screening import last_periods

    service = web(request).service
    quick = last_periods(service.today())
    period = (request.query_params.get("period") or "").strip() or quick[0]
    data = service.submissions(signed_person(request), period)
    return page(request, "submissions.html", data=data, quick=quick, period=period)
