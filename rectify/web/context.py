"""What a page handler reads from its request: the web's state (:class:`Web`, the service, the sessions), the
session and its CSRF token, the checked form's fields.

Below the shell (:mod:`rectify.web.app`), the pages and the renderer, so each imports it and none the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from starlette.requests import Request

from rectify.clock import Clock
from rectify.config import Config
from rectify.store import Database
from rectify.web.security import Session, Sessions

__all__ = ["ServiceLike", "Web", "csrf_token", "current_session", "field", "set_session", "web"]


class ServiceLike(Protocol):
    """What the web needs of :class:`rectify.service.Service`."""

    db: Database
    config: Config
    clock: Clock


@dataclass
class Web:
    service: Any
    config: Config
    sessions: Sessions
    accounts: Any  # rectify.write.accounts.Accounts

    def now(self) -> float:
        return float(self.service.clock().timestamp())


def web(request: Request) -> Web:
    return request.app.state.web  # type: ignore[no-any-return]


def current_session(request: Request) -> Session | None:
    return getattr(request.state, "session", None)


def set_session(request: Request, session: Session | None) -> None:
    """Replace the request's session (sign-in, sign-out); the shell writes the cookie with the response."""
    request.state.session = session
    request.state.session_changed = True


def csrf_token(request: Request) -> str:
    """The token for this request's session; an anonymous visitor gets a session here (the sign-in form)."""
    session = current_session(request)
    if session is None:
        session = Session.anonymous(web(request).now())
        set_session(request, session)
    return web(request).sessions.csrf_token(session)


def field(request: Request, name: str) -> str:
    """A text field of the checked form ('' when absent)."""
    value = request.state.form.get(name)
    return value if isinstance(value, str) else ""
