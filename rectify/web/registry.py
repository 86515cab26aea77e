"""组织 and 人员 (SPEC §13): the organizations a person may see, with 列入整顿 for the county officer; the people
registry for the admin (add, disable, set a password to be changed at sign-in). Every change goes through the
engine or the registry, which check the role and scope as on the CLI."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from rectify.errors import BadInput, NotFound, RectifyError
from rectify.states.permissions import may
from rectify.states.roles import ROLE_NAMES, Role
from rectify.states.stages import KINDS
from rectify.states.steps import DATE, OPEN_STEP
from rectify.web.cases import signed_person
from rectify.web.context import field, web
from rectify.web.protect import protected
from rectify.web.render import page

PAGE_SIZE = 100
PERSON_FIELDS = (("name", "姓名"), ("unit", "单位"), ("role", "角色"), ("scope", "范围"), ("login", "登录名"),
                 ("email", "邮箱"), ("phone", "电话"), ("wecom_userid", "企业微信账号"),
                 ("dingtalk_userid", "钉钉账号"), ("channels", "提醒方式"))


def routes() -> list[BaseRoute]:
    return [Route("/orgs", org_list, methods=["GET"]),
            Route("/orgs/{code}/open", protected(open_form), methods=["GET", "POST"]),
            Route("/people", protected(people), methods=["GET", "POST"]),
            Route("/security", protected(security), methods=["GET", "POST"]),
            Route("/outbox", outbox, methods=["GET"])]


def org_list(request: Request) -> Response:
    person = signed_person(request)
    q = request.query_params
    township = (q.get("township") or "").strip() or None
    rows = web(request).service.orgs(person, township=township)
    text = (q.get("q") or "").strip()
    if text:
        rows = [r for r in rows if text in r["name"] or text in r["code"]]
    number = int(q["page"]) if (q.get("page") or "").isdigit() and int(q["page"]) > 0 else 1
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    return page(request, "orgs.html", rows=rows[(number - 1) * PAGE_SIZE: number * PAGE_SIZE], total=len(rows),
                page_no=number, pages=pages, kinds=KINDS, query={"township": township or "", "q": text},
                can_open=may("open", person.role))


def _org(request: Request) -> dict[str, Any]:
    code = request.path_params["code"]
    found = [o for o in web(request).service.orgs(signed_person(request)) if o["code"] == code]
    if not found:
        raise NotFound(f"找不到组织 {code}")
    return found[0]


def _posted(form: Any) -> dict[str, Any]:
    """The listing's inputs as posted (a multiple input's repeated fields as a list)."""
    return {i.name: ([v for v in form.getlist(i.name) if isinstance(v, str)] if i.multiple else form.get(i.name))
            for i in OPEN_STEP.inputs}


def _refused(exc: RectifyError, values: dict[str, Any]) -> dict[str, Any]:
    """The form shown again: its values as typed, each message beside its field, the others above the form."""
    known = {i.name for i in OPEN_STEP.inputs}
    by_field = exc.fields()
    return {"values": {k: "\n".join(v) if isinstance(v, list) else (v or "") for k, v in values.items()},
            "errors": {k: v for k, v in by_field.items() if k in known},
            "general": [m for k, v in by_field.items() if k not in known for m in v]}


def open_form(request: Request) -> Response:
    service = web(request).service
    person = signed_person(request)
    org = _org(request)  # 404 outside the reader's scope, as for an unknown code
    today = service.today().isoformat()
    context: dict[str, Any] = {"org": org, "step": OPEN_STEP, "errors": {}, "general": [],
                               "values": {i.name: today for i in OPEN_STEP.inputs if i.kind == DATE and i.required}}
    if not may("open", person.role):
        context["general"] = [f"{person.who}不能列入整顿：列入整顿由县委组织部经办人办理"]
        return page(request, "open.html", 422, **context)
    if request.method == "GET":
        return page(request, "open.html", **context)
    values = _posted(request.state.form)
    try:
        outcome = service.open_case(person, org["code"], values)
    except RectifyError as exc:
        context.update(_refused(exc, values))
        return page(request, "open.html", 400 if isinstance(exc, BadInput) else 422, **context)
    return RedirectResponse(f"/cases/{outcome.case_id}?done=open", status_code=303)


def people(request: Request) -> Response:
    """The registry: every signed-in person may look (scoped); the admin adds, disables and sets passwords."""
    service = web(request).service
    person = signed_person(request)
    message, errors, values = "", {}, {}
    status = 200
    if request.method == "POST":
        if person.role != Role.admin:
            raise NotFound("找不到该页面")  # the registry's changes are the admin's; to anyone else no such form
        action = field(request, "action")
        values = {k: field(request, k) for k, _ in PERSON_FIELDS}
        try:
            message = _change(service, person, action, request)
        except RectifyError as exc:
            status = 400 if isinstance(exc, BadInput) else 422
            errors = {k or "": v for k, v in exc.fields().items()}
            errors[""] = errors.get("", []) + [p.line() for p in getattr(exc, "problems", ())]  # a sheet's rows
        else:
            values = {}
    rows = service.people(person)
    return page(request, "people.html", status, rows=rows, roles=ROLE_NAMES, message=message, errors=errors,
                values=values, fields=PERSON_FIELDS, is_admin=person.role == Role.admin)


def _change(service: Any, person: Any, action: str, request: Request) -> str:
    from rectify.write.people import PersonInput

    if action == "add":
        service.registry(person).add(PersonInput(**{k: field(request, k) for k, _ in PERSON_FIELDS}))
        return f"已登记人员 {field(request, 'name')}"
    if action == "disable":
        service.registry(person).disable(field(request, "who"))
        return f"已停用 {field(request, 'who')}"
    if action == "import":
        return _import_people(service, person, request)
    if action == "password":
        who = service.accounts().set_password(person, field(request, "who"), field(request, "password"))
        return f"已设置 {who} 的登录密码；下次登录时须修改"
    raise BadInput("未知的操作")


def security(request: Request) -> Response:
    """安全设置 (SPEC §12): the admin's page for ``rectify security show | set``; the same rules decide (only an
    admin; loosening a setting only for an admin of every county), each change signed; a refusal beside its row."""
    service = web(request).service
    person = signed_person(request)
    rows = service.security(person)  # 404 to anyone but an admin
    message, errors, values, status = "", {}, {}, 200
    if request.method == "POST":
        key, value = field(request, "key"), field(request, "value")
        try:
            old, new = service.set_security(person, key, value)
        except RectifyError as exc:
            status = 400 if isinstance(exc, BadInput) else 422
            errors = {key if any(r["key"] == key for r in rows) else "": [str(exc)]}
            values = {key: value}
        else:
            message = f"安全设置 {key}：{old} → {new}（{person.signature} 修改）"
            rows = service.security(person)
    from rectify.write.security import SETTINGS

    return page(request, "security.html", status, rows=rows, settings=SETTINGS, message=message, errors=errors,
                values=values)


def outbox(request: Request) -> Response:
    """发件箱: the deliveries the reader may see (a scoped reader: those whose every item lies in their scope)."""
    from datetime import datetime

    from rectify.clock import local_time
    from rectify.notifications.labels import CHANNEL_LABELS, STATUS_LABELS

    service = web(request).service
    status = request.query_params.get("status") or None
    if status is not None and status not in STATUS_LABELS:
        raise BadInput(f"状态应为 {'、'.join(STATUS_LABELS)} 之一")
    zone = service.config.policy.timezone
    rows = service.outbox(signed_person(request), status)
    for r in rows:
        when = r.get("sent_at") or r.get("next_attempt_at")
        r["when"] = local_time(datetime.fromisoformat(when), zone).strftime("%Y-%m-%d %H:%M") if when else ""
    return page(request, "outbox.html", rows=rows[:500], total=len(rows), statuses=STATUS_LABELS,
                channels=CHANNEL_LABELS, chosen=status or "")


def _import_people(service: Any, person: Any, request: Request) -> str:
    """人员名册 uploaded (CSV or XLSX, the columns of ``people import``): every row checked, nothing written on a bad
    one."""
    import shutil
    import tempfile
    from pathlib import Path

    from starlette.datastructures import UploadFile

    upload = request.state.form.get("sheet")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise BadInput("请选择人员名册文件（CSV 或 XLSX）")
    suffix = Path(upload.filename).suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise BadInput(f"人员名册应为 CSV 或 XLSX 文件，收到 {upload.filename}")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"人员名册{suffix}"
        with path.open("wb") as out:
            shutil.copyfileobj(upload.file, out)
        done = service.registry(person).import_file(path)
    return f"已导入人员 {done.added} 人"
