"""我的待办, the landing page (SPEC §13): the tasks of the cases this person acts on.

A placeholder until the case pages arrive: the heading, and who is signed in.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from rectify.web.render import page


def routes() -> list[BaseRoute]:
    return [Route("/", inbox, methods=["GET"])]


def inbox(request: Request) -> Response:
    return page(request, "inbox.html")
