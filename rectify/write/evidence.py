"""佐证材料 on the way in (SPEC §14): each file streamed to the store's staging folder in bounded memory while it
is hashed, checked (:mod:`rectify.evidence.checks`, the optional clamd scan), then kept with the step that it
proves — its rows inserted in the step's transaction, its bytes put in the store there, after the step's checks
passed — so a refused step keeps no file. Staged files are removed whatever happens.

A withdrawal is an event of its own (``withdraw_file``), signed by who withdrew it; the bytes stay.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import BinaryIO

from rectify.config import Config
from rectify.errors import BadInput, Conflict, NotFound, Reason, Refused
from rectify.evidence import KINDS, OTHER, PHOTO
from rectify.evidence.checks import MB, check_name, inspect
from rectify.evidence.storage import Storage
from rectify.states.permissions import role_refusal, scope_refusal
from rectify.states.transitions import BY_TRIGGER, WITHDRAW_FILE_ACTION
from rectify.store import evidence as rows
from rectify.store.cases import CaseStore
from rectify.write.step import Steps

__all__ = ["WITHDRAW_ACTION", "Attachments", "Upload", "split_caption", "staged", "withdraw_file"]

WITHDRAW_ACTION = WITHDRAW_FILE_ACTION
CHUNK = 1024 * 1024
FIELD = "files"


@dataclass
class Upload:
    """One file as a face hands it over: its name as uploaded, an open binary stream, the caption typed."""

    name: str
    stream: BinaryIO
    caption: str = ""


@dataclass
class Staged:
    path: Path
    sha256: str
    size: int
    media_type: str
    name: str
    kind: str
    caption: str


def split_caption(text: str) -> tuple[str | None, str]:
    """``会议纪要：6月支委会记录`` → (会议纪要, 6月支委会记录); a caption without a kind in front → (None, text)."""
    text = " ".join(text.split())
    for sep in ("：", ":"):
        head, found, rest = text.partition(sep)
        if found and head.strip() in KINDS:
            return head.strip(), rest.strip()
    return (text, "") if text in KINDS else (None, text)


@dataclass
class Attachments:
    """The files the next step attaches; :class:`rectify.write.engine.Workflow` records them with its event."""

    storage: Storage
    files: list[Staged] = field(default_factory=list)

    def record(self, store: CaseStore, case_id: int, event_id: int, actor: str, on: date, at: datetime) -> None:
        rows.add_files(store.conn, [{
            "case_id": case_id, "event_id": event_id, "sha256": f.sha256, "size": f.size,
            "media_type": f.media_type, "name": f.name, "kind": f.kind, "caption": f.caption,
            "happened_on": on, "uploaded_by": actor, "uploaded_at": at,
            "withdrawn_event_id": None} for f in self.files])
        for f in self.files:
            self.storage.put(f.path, f.sha256)


def _refuse(message: str) -> BadInput:
    return BadInput(message, reasons=[Reason("bad_input", FIELD, message)])


def _copy(upload: Upload, storage: Storage, limit: int) -> tuple[Path, str, int]:
    """The upload streamed into the staging folder, hashed on the way; refused once past ``limit`` bytes."""
    digest, size = hashlib.sha256(), 0
    out, path = storage.staging()
    try:
        with out:
            while chunk := upload.stream.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise _refuse(f"文件「{upload.name}」超过大小上限 {limit // MB} MB，未保存")
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path, digest.hexdigest(), size


def _stage_one(upload: Upload, config: Config, storage: Storage) -> Staged:
    ev = config.evidence
    try:
        check_name(upload.name)
    except BadInput as exc:
        raise _refuse(str(exc)) from None
    path, sha, size = _copy(upload, storage, max(ev.max_photo_mb, ev.max_document_mb) * MB)
    try:
        t = inspect(path, upload.name, size, ev)
        if ev.clamd:
            from rectify.evidence.clamd import scan

            scan(ev.clamd, path)
    except BadInput as exc:
        path.unlink(missing_ok=True)
        raise _refuse(f"文件「{upload.name}」{str(exc)}，未保存") from None
    kind, caption = split_caption(upload.caption)
    caption = caption[:200]
    return Staged(path, sha, size, t.media_type, upload.name, kind or (PHOTO if t.photo else OTHER), caption)


@contextmanager
def staged(uploads: Iterable[Upload], config: Config, storage: Storage) -> Iterator[Attachments]:
    """The uploads checked and staged for one step; whatever is left staged is removed on the way out."""
    given = list(uploads)
    most = config.evidence.max_files_per_step
    if len(given) > most:
        raise _refuse(f"一次最多上传 {most} 个文件（[evidence] max_files_per_step），本次 {len(given)} 个，未保存")
    batch = Attachments(storage)
    try:
        for upload in given:
            batch.files.append(_stage_one(upload, config, storage))
        yield batch
    finally:
        for f in batch.files:
            f.path.unlink(missing_ok=True)


def withdraw_file(wf: Steps, ref: str | int, file_id: int, reason: str) -> str:
    """撤回佐证材料: a new event on the case, by someone who may take the step the file proves, within scope."""
    reason = " ".join(reason.split())
    if not reason:
        raise BadInput("请填写撤回原因", reasons=[Reason("required", "reason", "请填写撤回原因")])
    with wf.db.begin() as conn:
        store = CaseStore(conn)
        row = store.case(ref, wf.person.sees)  # a case out of scope reads as unknown (SPEC §12)
        refusal = scope_refusal(wf.person, *store.place_of(row))
        found = rows.file_row(store.conn, file_id)
        if refusal or found is None or found.case_id != row.id:
            raise NotFound(f"整顿对象 {row.id} 没有编号为 {file_id} 的佐证材料")
        proved = rows.event_action(store.conn, found.event_id)
        if proved in BY_TRIGGER and (why := role_refusal(wf.person, proved, BY_TRIGGER[proved].label)):
            raise Refused(f"无法撤回佐证材料：{why}")
        if found.withdrawn_event_id is not None:
            raise Refused(f"佐证材料 {file_id}（{found.name}）已撤回")
        now = wf.clock()
        if not store.bump(row.id, row.version, {"version": row.version + 1, "updated_at": now}):
            raise Conflict(f"整顿对象 {row.id}（{row.org_name}）已被他人修改，本次操作未写入，请重新查看后再试")
        event_id = wf.record_event(store, row.id, WITHDRAW_ACTION, row.stage, row.stage, reason,
                                   {"file": file_id, "sha256": found.sha256, "name": found.name, "reason": reason},
                                   at=now)
        rows.withdraw(store.conn, file_id, event_id)
    return f"已撤回佐证材料 {file_id}（{found.name}），文件仍保留备查"

