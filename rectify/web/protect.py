"""Unsafe routes: :func:`protected` checks the origin and the CSRF token before the handler runs (403 and
nothing written on a failure), and parses the form, a multipart one streamed to disk within the limits.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from rectify.config import Config
from rectify.web.context import current_session, web
from rectify.web.render import page
from rectify.web.security import UNSAFE, same_origin

__all__ = ["Handler", "forbidden", "protected"]

Handler = Callable[[Request], Response | Awaitable[Response]]


def forbidden(request: Request) -> Response:
    return page(request, "error.html", 403, title="请求被拒绝",
                reasons=["无法确认这次提交来自本系统的页面（可能是跨站提交，或页面已过期），未写入任何内容。"
                         "请重新打开页面后再试。"])


def protected(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """An unsafe route: its origin and its form's ``csrf_token`` checked first; a failure is 403, nothing written.

    The form is parsed here and handed on as ``request.state.form``; a sync handler runs in the thread pool.
    """

    async def guarded(request: Request) -> Response:
        try:
            return await checked(request)
        finally:
            form = getattr(request.state, "form", None)
            if form is not None:  # the uploads' temporary files
                await form.close()

    async def checked(request: Request) -> Response:
        config = web(request).config
        if request.method in UNSAFE:
            if not same_origin(request, config):
                return forbidden(request)
            form = await _form(request, config)
            if isinstance(form, Response):
                return form
            request.state.form = form
            token = form.get("csrf_token")
            if not web(request).sessions.csrf_ok(current_session(request), token if isinstance(token, str) else ""):
                return forbidden(request)
        if inspect.iscoroutinefunction(handler):
            return await handler(request)  # type: ignore[no-any-return]
        return await run_in_threadpool(handler, request)  # type: ignore[arg-type]

    guarded.protected = True  # type: ignore[attr-defined]
    guarded.__name__ = getattr(handler, "__name__", "guarded")
    return guarded


async def _form(request: Request, config: Config) -> Any:
    """The form; a multipart one (files, SPEC §14) streamed by python-multipart to temporary files on disk, in
    bounded memory, and refused (413) up front when its announced length is over what a step may carry."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        return await request.form()
    from rectify.evidence.checks import MB

    ev = config.evidence
    most = ev.max_files_per_step * max(ev.max_photo_mb, ev.max_document_mb) * MB + MB
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > most:
            return page(request, "error.html", 413, title="上传的文件过大",
                    reasons=[f"本次上传超过 {most // MB} MB，未保存。每个照片不超过 {ev.max_photo_mb} MB，"
                             f"其他文件不超过 {ev.max_document_mb} MB，每次最多 {ev.max_files_per_step} 个文件。"])
    return await request.form(max_files=100, max_fields=1000, max_part_size=MB)
