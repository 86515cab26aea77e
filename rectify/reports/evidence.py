"""佐证材料 read back (SPEC §14): a case's files by the event of the step they prove, and one file's bytes for a
download — both only on a case the reader may see (another county's file is not found, as an unknown one)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from rectify.errors import NotFound
from rectify.states.permissions import Actor

if TYPE_CHECKING:
    from rectify.evidence.storage import Storage
    from rectify.store import Database

__all__ = ["by_event", "case_files", "readable_file", "shaped"]


def shaped(r: Any) -> dict[str, Any]:
    """A file's row as the reads give it."""
    return {"id": r.id, "event_id": r.event_id, "sha256": r.sha256, "size": r.size, "media_type": r.media_type,
            "name": r.name, "kind": r.kind, "caption": r.caption, "on": r.happened_on.isoformat(),
            "uploaded_by": r.uploaded_by, "uploaded_at": r.uploaded_at.isoformat(),
            "current": r.withdrawn_event_id is None, "photo": r.media_type.startswith("image/")}


def case_files(db: Database, ref: str | int, *, reader: Actor | None = None) -> list[dict[str, Any]]:
    from rectify.store import evidence as rows
    from rectify.store.reads import resolve_seen

    with db.connect() as conn:
        row, _ = resolve_seen(conn, ref, reader)
        return [shaped(r) for r in rows.case_files(conn, row.id)]


def by_event(files: list[dict[str, Any]]) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = {}
    for f in files:
        out.setdefault(f["event_id"], []).append(f)
    return out


def readable_file(db: Database, storage: Storage, sha256: str, reader: Actor) -> tuple[Path, str, str]:
    """The kept file, its name and media type as first uploaded on a case ``reader`` sees."""
    from rectify.evidence.storage import is_sha256
    from rectify.store import evidence as rows
    from rectify.store.reads import resolve_seen

    missing = NotFound("找不到该文件")
    if not is_sha256(sha256):
        raise missing
    with db.connect() as conn:
        for r in rows.cases_holding(conn, sha256):
            try:
                resolve_seen(conn, f"case:{r.case_id}", reader)
            except NotFound:
                continue
            if not storage.has(sha256):
                raise NotFound("该文件的内容不在佐证材料存储中（请联系系统管理员从备份恢复）")
            return storage.path(sha256), r.name, r.media_type
    raise missing
