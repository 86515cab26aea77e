"""佐证材料 downloads (SPEC §14): ``GET /files/{sha256}`` through the app, with the case's scope check (a file on
no case the reader sees is 404, as an unknown one), as an attachment with ``nosniff``; ``/thumb`` the photo's
thumbnail without its EXIF; a POST withdraws a file (a new event, the bytes kept)."""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from rectify.errors import NotFound
from rectify.web.cases import signed_person
from rectify.web.context import field, web
from rectify.web.protect import protected


def routes() -> list[BaseRoute]:
    return [Route("/files/{sha256}", download, methods=["GET"]),
            Route("/files/{sha256}/thumb", thumb, methods=["GET"]),
            Route("/cases/{case_id:int}/files/{file_id:int}/withdraw", protected(withdraw), methods=["POST"])]


def withdraw(request: Request) -> Response:
    """撤回 one file: a new event (by someone who may take the step it proves); the bytes stay."""
    case_id = request.path_params["case_id"]
    web(request).service.withdraw_file(signed_person(request), case_id, request.path_params["file_id"],
                                       field(request, "reason"))
    return RedirectResponse(f"/cases/{case_id}?done=withdraw-file", status_code=303)


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
