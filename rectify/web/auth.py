"""Signing in and out, and changing one's password (SPEC §13): ``/login``, ``/logout``, ``/password``."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from rectify.errors import BadInput
from rectify.web.context import field, set_session, web
from rectify.web.protect import protected
from rectify.web.render import page
from rectify.web.security import Session, client_address
from rectify.write.accounts import SignedIn, SignInRefused, SignInWaiting

WAITING = 429


def routes() -> list[BaseRoute]:
    return [
        Route("/login", login_form, methods=["GET"]),
        Route("/login", protected(login), methods=["POST"]),
        Route("/logout", protected(logout), methods=["POST"]),
        Route("/password", password_form, methods=["GET"]),
        Route("/password", protected(change_password), methods=["POST"]),
    ]


def _signed_in_session(request: Request, signed: SignedIn) -> None:
    """A new session id for the person (rotated at every sign-in and password change)."""
    now = web(request).now()
    fresh = Session.anonymous(now)
    set_session(request, Session(fresh.sid, signed.person_id, signed.fingerprint, now, now))


def login_form(request: Request) -> Response:
    if request.state.signed_in is not None:
        return RedirectResponse("/", status_code=303)
    note = "登录已超时，请重新登录" if getattr(request.state, "signed_out", False) else ""
    return page(request, "login.html", login="", message=note)


def login(request: Request) -> Response:
    name = field(request, "login")
    w = web(request)
    try:
        signed = w.accounts.sign_in(name, field(request, "password"), client_address(request, w.config))
    except SignInRefused as exc:
        status = WAITING if isinstance(exc, SignInWaiting) else 200
        return page(request, "login.html", status, login=name, message=str(exc))
    _signed_in_session(request, signed)
    return RedirectResponse("/password" if signed.must_change else "/", status_code=303)


def logout(request: Request) -> Response:
    set_session(request, None)
    return RedirectResponse("/login", status_code=303)


def password_form(request: Request) -> Response:
    return page(request, "password.html", errors={}, message="")


def change_password(request: Request) -> Response:
    signed = request.state.signed_in
    new, confirm = field(request, "new"), request.state.form.get("confirm")
    errors: dict[str, str] = {}
    if isinstance(confirm, str) and confirm != new:
        errors["confirm"] = "两次输入的新密码不一致"
    else:
        try:
            signed = web(request).accounts.change_password(signed.person_id, field(request, "current"), new)
        except SignInRefused as exc:
            errors["current"] = str(exc)
        except BadInput as exc:
            errors["new"] = str(exc)
    if errors:
        return page(request, "password.html", 400 if "current" not in errors else 422, errors=errors, message="")
    request.state.signed_in = signed
    _signed_in_session(request, signed)
    return RedirectResponse("/", status_code=303)
