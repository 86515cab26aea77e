"""佐证材料 downloads (SPEC §14): ``GET /files/{sha256}`` through the app, with the case's scope check (a file on
no case the reader sees is 404, as an unknown one), as an attachment with ``nosniff``; ``/thumb`` the photo's
thumbnail without its EXIF."""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Route

from rectify.errors import NotFound
from rectify.web.cases import signed_person
from rectify.web.context import web


def routes() -> list[BaseRoute]:
    return [Route("/files/{sha256}", download, methods=["GET"]),
            Route("/files/{sha256}/thumb", thumb, methods=["GET"])]


def download(request: Request) -> Response:
    path, name, media_type = web(request).service.evidence_file(signed_person(request), request.path_params["sha256"])
    disposition = f"attachment; filename*=UTF-8''{quote(name)}"
    return FileResponse(path, media_type=media_type, headers={
        "content-disposition": disposition, "x-content-type-options": "nosniff", "cache-control": "private"})


def thumb(request: Request) -> Response:
    from rectify.evidence.thumbs import thumbnail

    service = web(request).service
    sha = request.path_params["sha256"]
    path, _, media_type = service.evidence_file(signed_person(request), sha)
    made = thumbnail(path, service.storage().derived(f"{sha}-thumb.jpg")) if media_type.startswith("image/") else None
    if made is None:
        raise NotFound("该文件没有缩略图")
    return FileResponse(made, media_type="image/jpeg", headers={"cache-control": "private"})
