"""The personal calendar subscription (SPEC §13): ``/calendar/{token}.ics`` serves the person's ICS (the ledger's
calendar, as ``rectify ledger --format ics`` writes it for them) to a calendar app that cannot sign in, so the
address itself is the secret; ``/calendar`` shows it, and renews or revokes it."""

from __future__ import annotations

import io
from datetime import date

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from rectify.clock import local_today
from rectify.errors import NotFound
from rectify.states.permissions import Actor
from rectify.web.context import Web, field, web
from rectify.web.protect import protected
from rectify.web.render import page

ICS = "text/calendar; charset=utf-8"


def routes() -> list[BaseRoute]:
    return [
        Route("/calendar/{token}.ics", feed, methods=["GET"]),
        Route("/calendar", calendar_page, methods=["GET"]),
        Route("/calendar", protected(calendar_change), methods=["POST"]),
    ]


def person_ics(w: Web, person: Actor, as_of: date) -> bytes:
    """The bytes ``rectify ledger --format ics`` writes for ``person`` on ``as_of``."""
    from rectify.reports import ledger_formats as lf
    from rectify.reports.ledger import ledger_rows, ledger_title, scope_counties
    from rectify.store.installation import installation_id
    from rectify.store.ledger import LedgerFilter

    db, config, now = w.service.db, w.config, w.service.clock()
    filters = LedgerFilter(reader=person)
    out = io.BytesIO()
    lf.WRITERS["ics"](ledger_rows(db, as_of=as_of, config=config, filters=filters), out, lf.LedgerExport(
        as_of=as_of, title=ledger_title(scope_counties(db, filters), as_of), filters=filters.describe(),
        lights=config.lights, stamp=now, installation=installation_id(db, now=now),
        alarm_days=config.calendar.alarm_days, report=config.report))
    return out.getvalue()


def feed(request: Request) -> Response:
    w = web(request)
    person = w.accounts.calendar_person(request.path_params["token"])
    if person is None:
        raise NotFound("找不到该日历订阅（地址有误，或已被本人停用）")
    today = local_today(w.service.clock, w.config.policy.timezone)
    return Response(person_ics(w, person, today), media_type=ICS,
                    headers={"Cache-Control": "private, max-age=300"})


def _address(request: Request, token: str | None) -> str:
    if not token:
        return ""
    base = web(request).config.web.base_url.rstrip("/") or str(request.base_url).rstrip("/")
    return f"{base}/calendar/{token}.ics"


def calendar_page(request: Request) -> Response:
    token = web(request).accounts.calendar_token_of(request.state.signed_in.person_id)
    return page(request, "calendar.html", address=_address(request, token), message="")


def calendar_change(request: Request) -> Response:
    signed, accounts = request.state.signed_in, web(request).accounts
    if field(request, "action") == "revoke":
        accounts.revoke_calendar(signed.person_id)
        return page(request, "calendar.html", address="", message="已停用日历订阅地址，原地址不再可用")
    token = accounts.calendar_token(signed.person_id, renew=True)
    return page(request, "calendar.html", address=_address(request, token),
                message="已生成新的订阅地址；如有旧地址，旧地址不再可用")
