"""Pages from the package's one Jinja approach (:func:`rectify.templating.make_environment`: StrictUndefined,
HTML autoescaped), with what every page shows: the person, the navigation of their role, the CSRF token."""

from __future__ import annotations

from functools import cache
from typing import Any

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse

from rectify.states.roles import ROLE_NAMES, Role
from rectify.templating import make_environment
from rectify.web.context import csrf_token

# (path, label, roles that see it; empty: everyone signed in)
NAV: tuple[tuple[str, str, frozenset[str]], ...] = (
    ("/", "我的待办", frozenset()),
    ("/cases", "整顿对象", frozenset()),
    ("/ledger", "台账", frozenset()),
    ("/stats", "统计", frozenset()),
    ("/orgs", "组织", frozenset()),
    ("/screening", "排查", frozenset({Role.county_officer, Role.county_approver, Role.county_verifier,
                                     Role.township_leader, Role.township_cadre, Role.city_supervisor})),
    ("/submissions", "报送", frozenset({Role.county_officer, Role.county_approver, Role.city_supervisor,
                                       Role.auditor})),
    ("/people", "人员", frozenset({Role.admin})),
    ("/security", "安全设置", frozenset({Role.admin})),
    ("/outbox", "发件箱", frozenset({Role.admin, Role.county_officer, Role.county_approver, Role.city_supervisor})),
)


@cache
def environment() -> jinja2.Environment:
    return make_environment("rectify.web")


def nav_for(role: str | None) -> list[tuple[str, str]]:
    return [(path, label) for path, label, roles in NAV if not roles or role in roles]


def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """``template`` rendered for this request's person (None when signed out)."""
    signed = getattr(request.state, "signed_in", None)
    person = signed.actor if signed is not None else None
    here = request.url.path
    values = {
        "person": person,
        "role_label": ROLE_NAMES.get(person.role or "", "") if person is not None else "",
        "nav": nav_for(person.role) if person is not None else [],
        "here": here,
        "csrf_token": csrf_token(request),
        "must_change": bool(signed is not None and signed.must_change),
        **context,
    }
    return HTMLResponse(environment().get_template(template).render(values), status_code=status)
