"""One form per step (SPEC §13), generated from its declared inputs (:mod:`rectify.states.steps`). The POST
goes through the application layer: the engine checks role, scope, stage and guards; a refusal puts each
reason beside its field and writes nothing; a stale ``version`` answers 409 and shows what changed."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from rectify.errors import BadInput, Conflict, NotFound, RectifyError
from rectify.evidence.checks import TYPES
from rectify.states.steps import DATE, FILE, STEPS, Step, availability
from rectify.web.cases import signed_person
from rectify.web.context import web
from rectify.web.protect import protected
from rectify.web.render import page
from rectify.write.evidence import Upload

# What the file picker offers (the server decides by content all the same).
ACCEPT = ",".join([*(t.media_type for t in TYPES.values()), *(f".{e}" for t in TYPES.values() for e in t.extensions)])


def routes() -> list[BaseRoute]:
    return [Route("/cases/{case_id:int}/steps/{step}", protected(step_form), methods=["GET", "POST"])]


def _uploads(form: FormData, name: str) -> list[Upload]:
    """The files chosen (the camera's and the picker's, in the form's order), each with its caption line."""
    chosen = [f for f in form.getlist(name) if isinstance(f, UploadFile) and (f.filename or f.size)]
    text = form.get(f"{name}_captions")
    captions = text.splitlines() if isinstance(text, str) else []
    return [Upload(f.filename or "", f.file, captions[n] if n < len(captions) else "") for n, f in enumerate(chosen)]


def _values(step: Step, form: FormData) -> dict[str, Any]:
    return {i.name: (_uploads(form, i.name) if i.kind == FILE else
                     [v for v in form.getlist(i.name) if isinstance(v, str)] if i.multiple else form.get(i.name))
            for i in step.inputs}


def _shown(step: Step, values: dict[str, Any], form: FormData) -> dict[str, str]:
    """What each field shows again after a refusal (a multiple input's values a line each; files are chosen
    again, their captions kept)."""
    shown = {name: "\n".join(v) if isinstance(v, list) and all(isinstance(x, str) for x in v)
             else (v if isinstance(v, str) else "") for name, v in values.items()}
    for i in step.inputs:
        if i.kind == FILE:
            text = form.get(f"{i.name}_captions")
            shown[f"{i.name}_captions"] = text if isinstance(text, str) else ""
    return shown


def _version(form: Any) -> int:
    """The case's version the form was drawn at (the optimistic lock); a form without it is refused."""
    text = form.get("version")
    if not (isinstance(text, str) and text.isdigit()):
        raise BadInput("表单缺少版本号，请重新打开页面")
    return int(text)


def _placed(step: Any, exc: RectifyError) -> dict[str, Any]:
    """A refusal's messages: each beside its field, the others above the form."""
    by_field = exc.fields()
    known = {i.name for i in step.inputs}
    return {"errors": {k: v for k, v in by_field.items() if k in known},
            "general": [m for k, v in by_field.items() if k not in known for m in v]}


def step_form(request: Request) -> Response:
    service = web(request).service
    person = signed_person(request)
    case_id = request.path_params["case_id"]
    step = STEPS.get(request.path_params["step"])
    case = service.case(person, case_id)  # 404 for an unknown case and for one outside the reader's scope
    if step is None:
        raise NotFound(f"没有名为 {request.path_params['step']} 的操作")
    can = availability(person, step, case)
    today = service.today().isoformat()
    defaults = {i.name: today for i in step.inputs if i.kind == DATE and i.name in ("on", "since") and i.required}
    context: dict[str, Any] = {"case": case, "step": step, "can": can, "values": defaults, "errors": {},
                               "general": [], "version": case["version"], "changed": [], "accept": ACCEPT,
                               "files": any(i.kind == FILE for i in step.inputs)}
    if request.method == "GET":
        return page(request, "step.html", 200 if can.allowed else 422, **context)
    form = request.state.form
    values = _values(step, form)
    try:
        service.take(person, step.name, case_id, values, _version(form))
    except Conflict as exc:
        from rectify.web.cases import _local

        changed = _local(service, service.history(person, case_id)[-3:])  # 录入 times in [policy] timezone
        context.update(values=_shown(step, values, form), general=[r.message for r in exc.reasons], changed=changed,
                       version=case["version"])
        return page(request, "step.html", 409, **context)
    except RectifyError as exc:
        context.update(values=_shown(step, values, form), **_placed(step, exc))
        return page(request, "step.html", 400 if isinstance(exc, BadInput) else 422, **context)
    return RedirectResponse(f"/cases/{case_id}?done={step.name}", status_code=303)
