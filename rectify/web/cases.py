"""我的待办, the list of 整顿对象 and the case page (SPEC §13): every read through the application layer, with the
reader's scope; a case outside it answers 404 exactly as an unknown one."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from rectify.errors import BadInput
from rectify.states.deadlines import LIGHT_LABELS
from rectify.states.permissions import Actor
from rectify.states.roles import ROLE_NAMES
from rectify.states.stages import ROLE_LABELS, STAGE_LABELS
from rectify.states.transitions import ACTION_LABELS
from rectify.web.context import web
from rectify.web.render import page

PAGE_SIZE = 50


def routes() -> list[BaseRoute]:
    return [Route("/", inbox, methods=["GET"]), Route("/cases", case_list, methods=["GET"]),
            Route("/cases/{case_id:int}", case_page, methods=["GET"])]


def signed_person(request: Request) -> Actor:
    return request.state.signed_in.actor  # type: ignore[no-any-return]


def inbox(request: Request) -> Response:
    person = signed_person(request)
    tasks = web(request).service.tasks(person)
    overdue = sum(1 for t in tasks if (t.get("days_left") is not None and t["days_left"] < 0))
    return page(request, "inbox.html", tasks=tasks, overdue=overdue, lights=LIGHT_LABELS)


def _choice(value: str | None, allowed: dict[str, str], label: str) -> str | None:
    if not value:
        return None
    code = value if value in allowed else next((c for c, lbl in allowed.items() if lbl == value), None)
    if code is None:
        raise BadInput(f"{label}应为 {'、'.join(allowed.values())} 之一")
    return code


def _number(value: str | None, label: str, lo: int, hi: int) -> int | None:
    if not value:
        return None
    if not value.isdigit() or not lo <= int(value) <= hi:
        raise BadInput(f"{label}应为 {lo}–{hi} 之间的整数")
    return int(value)


def case_list(request: Request) -> Response:
    q = request.query_params
    filters: dict[str, Any] = {
        "township": (q.get("township") or "").strip() or None,
        "stage": _choice(q.get("stage"), STAGE_LABELS, "阶段"),
        "light": _choice(q.get("light"), LIGHT_LABELS, "预警"),
        "year": _number(q.get("year"), "年度", 1990, 2200),
    }
    if q.get("supervised") == "1":
        filters["supervised"] = True
    number = _number(q.get("page"), "页码", 1, 1_000_000) or 1
    rows = web(request).service.cases(signed_person(request), **filters)
    text = (q.get("q") or "").strip()
    if text:
        rows = [r for r in rows if text in r["org_name"] or text in r["org_code"] or text == str(r["case_id"])]
    townships = sorted({r["township"] for r in rows})
    shown = rows[(number - 1) * PAGE_SIZE: number * PAGE_SIZE]
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    return page(request, "cases.html", rows=shown, total=len(rows), page_no=number, pages=pages,
                query={k: q.get(k, "") for k in ("township", "stage", "light", "year", "q", "supervised")},
                townships=townships, stages=STAGE_LABELS, lights=LIGHT_LABELS)


def case_page(request: Request) -> Response:
    service = web(request).service
    person = signed_person(request)
    case_id = request.path_params["case_id"]
    case = service.case(person, case_id)
    history = service.history(person, case_id)
    steps = service.steps(person, case)
    from rectify.reports.evidence import by_event

    files = by_event(service.files(person, case_id))
    return page(request, "case.html", case=case, history=_local(service, reversed(history)), steps=steps,
                files=files, stages=STAGE_LABELS, lights=LIGHT_LABELS, actions=ACTION_LABELS,
                roles={**ROLE_NAMES, **ROLE_LABELS},  # a case's people by their part in it (县级联系领导, …)
                done=_done_label(request.query_params.get("done", "")), notice_kinds=_notice_kinds())


def _notice_kinds() -> tuple[str, ...]:
    from rectify.reports.notices import KINDS

    return KINDS


def _local(service: Any, history: Any) -> list[dict[str, Any]]:
    """The history with each entry's 录入 time in the installation's time zone (stored in UTC), as ``at_local``."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(service.config.policy.timezone)

    def local(at: str) -> str:
        moment = datetime.fromisoformat(at)
        moment = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
        return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")

    return [{**e, "at_local": local(e["at"])} for e in history]


def _done_label(step: str) -> str:
    """The step just taken, in words (the redirect after a form names it by its code)."""
    from rectify.states.steps import OPEN_STEP, STEPS

    if not step:
        return ""
    found = STEPS.get(step) or (OPEN_STEP if step == OPEN_STEP.name else None)
    return found.label if found is not None else "操作"
