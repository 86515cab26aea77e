"""The web front's application (SPEC §13): ``create_app(service)`` → a Starlette app uvicorn serves.

One module per page kind registers its routes here (``auth``, ``inbox``, ``calendar``, …). The shell around
them (:class:`Shell`, a plain ASGI middleware) reads the session, sends anyone signed out to ``/login`` and
anyone who must change their password to ``/password``, and puts the security headers on every response. Every
unsafe route is registered through :func:`protected`, which checks the origin and the CSRF token before the
handler runs. Domain errors become Chinese pages by one table (:data:`ERROR_STATUS`).
"""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rectify.errors import BadInput, Conflict, DatabaseProblem, NotFound, RectifyError, Refused
from rectify.web.context import ServiceLike, Web, csrf_token, web
from rectify.web.protect import protected
from rectify.web.render import page
from rectify.web.security import HEADERS, Session, Sessions, is_https, touched

__all__ = ["ERROR_STATUS", "PUBLIC", "Web", "create_app", "csrf_token", "protected", "web"]

# The one table from domain errors to statuses; the first class an error is an instance of wins.
ERROR_STATUS: tuple[tuple[type[Exception], int, str], ...] = (
    (NotFound, 404, "找不到"),
    (Conflict, 409, "整顿对象已被他人修改"),
    (BadInput, 400, "填写有误"),
    (Refused, 422, "不能办理"),
    (DatabaseProblem, 503, "数据库暂不可用"),
    (RectifyError, 422, "不能办理"),
)

# Paths open without signing in (a prefix ends in /).
PUBLIC = ("/login", "/healthz", "/static/", "/calendar/")
# Paths open to someone who must change their password first.
BEFORE_CHANGE = ("/password", "/logout", "/healthz", "/static/")


# -- the shell -------------------------------------------------------------------------------------


def _starts(path: str, prefixes: tuple[str, ...]) -> bool:
    return any(path == p or (p.endswith("/") and path.startswith(p)) for p in prefixes)


class Shell:
    """Session, sign-in gate and security headers around every request."""

    def __init__(self, app: ASGIApp, web_state: Web) -> None:
        self.app = app
        self.web = web_state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        state = scope.setdefault("state", {})
        early = await run_in_threadpool(self._identify, request, state)
        secure = is_https(request, self.web.config)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [h for h in HEADERS if h[0] not in {k.lower() for k, _ in headers}]
                if state.get("session_changed"):
                    headers.append((b"set-cookie", self.web.sessions.cookie(state.get("session"), secure=secure)))
                message = {**message, "headers": headers}
            await send(message)

        if early is not None:
            await early(scope, receive, send_with_headers)
            return
        await self.app(scope, receive, send_with_headers)

    def _identify(self, request: Request, state: dict[str, Any]) -> Response | None:
        """Who is signed in (``state["signed_in"]``), or the redirect a signed-out request gets instead."""
        now = self.web.now()
        path = request.url.path
        if path == "/healthz":
            return None
        session = self.web.sessions.read(request)
        signed = None
        if session is not None and session.person_id is not None:
            if not self.web.sessions.expired(session, now):
                signed = self.web.accounts.session_person(session.person_id, session.fingerprint)
            if signed is None:  # timed out, disabled, or a new password: signed out, a fresh anonymous session
                session, state["session_changed"], state["signed_out"] = Session.anonymous(now), True, True
            else:
                fresh = touched(session, now)
                if fresh is not None:
                    session, state["session_changed"] = fresh, True
        state["session"], state["signed_in"] = session, signed
        if signed is None and not _starts(path, PUBLIC):
            return RedirectResponse("/login", status_code=303)
        if signed is not None and signed.must_change and not _starts(path, BEFORE_CHANGE):
            return RedirectResponse("/password", status_code=303)
        return None


# -- errors ----------------------------------------------------------------------------------------


def _reasons(exc: Exception) -> list[str]:
    reasons = [str(r.message) for r in getattr(exc, "reasons", ()) if getattr(r, "message", "")]
    return reasons or [str(exc) or "请求无法完成"]


def _domain_error(request: Request, exc: Exception) -> Response:
    for cls, status, title in ERROR_STATUS:
        if isinstance(exc, cls):
            return page(request, "error.html", status, title=title, reasons=_reasons(exc))
    raise exc


def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    titles = {404: "找不到该页面", 405: "不支持此操作"}
    title = titles.get(exc.status_code, "请求无法完成")
    return page(request, "error.html", exc.status_code, title=title, reasons=[title])


def _internal_error(request: Request, exc: Exception) -> Response:
    """A bug: a Chinese page and no traceback (the server's log has it)."""
    return HTMLResponse("<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>内部错误</title>"
                        "<p>内部错误，本次操作未完成。请稍后重试；如仍出现，请联系系统管理员。</p></html>",
                        status_code=500)


# -- the app ---------------------------------------------------------------------------------------


def healthz(request: Request) -> Response:
    return PlainTextResponse("ok")


def routes() -> list[BaseRoute]:
    from rectify.web import auth, calendar, cases, evidence, registry, reports, screening, steps

    return [
        Route("/healthz", healthz),
        *auth.routes(),
        *cases.routes(),
        *steps.routes(),
        *evidence.routes(),
        *reports.routes(),
        *screening.routes(),
        *registry.routes(),
        *calendar.routes(),
        Mount("/static", StaticFiles(packages=[("rectify.web", "static")]), name="static"),
    ]


def create_app(service: ServiceLike, *, secret_key: bytes | None = None) -> Starlette:
    """The web front over ``service`` (one per process). ``secret_key`` overrides ``[web] secret_key_file``."""
    from rectify.web import security
    from rectify.write.accounts import Accounts

    config = service.config
    key = secret_key if secret_key is not None else security.secret_key(security.key_path(config, service.db.url))
    accounts = Accounts(service.db, config, service.clock)
    state = Web(service, config, Sessions(key, accounts.rules), accounts)
    handlers: dict[Any, Any] = {cls: _domain_error for cls, _, _ in ERROR_STATUS}
    handlers[HTTPException] = _http_error
    handlers[Exception] = _internal_error
    app = Starlette(routes=routes(), exception_handlers=handlers)
    app.state.web = state
    app.add_middleware(Shell, web_state=state)
    return app
