"""佐证材料 in a full backup (SPEC §14): ``export --all FILE`` puts each file beside the JSON Lines, in the folder
``FILE.files`` under its SHA-256; ``restore FILE`` checks every file the backup's rows name — there, and with that
hash — before it writes anything, and puts them in the store after the rows are in."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterable
from pathlib import Path

from rectify.errors import BadInput
from rectify.evidence.storage import Storage, is_sha256

__all__ = ["check_backup_files", "copy_out", "files_folder", "put_back"]

TABLE = "evidence_file"
CHUNK = 1024 * 1024


def files_folder(backup: str | os.PathLike[str]) -> Path:
    p = Path(backup)
    return p.with_name(p.name + ".files")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def copy_out(hashes: Iterable[str], storage: Storage, folder: Path) -> tuple[int, list[str]]:
    """Each kept file copied to ``folder`` (one already there with its hash stays); (copied, missing in the store)."""
    copied, missing = 0, []
    for sha in hashes:
        if not storage.has(sha):
            missing.append(sha)
            continue
        target = folder / sha
        if target.is_file() and target.stat().st_size == storage.path(sha).stat().st_size:
            copied += 1
            continue
        folder.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(sha + ".part")
        shutil.copyfile(storage.path(sha), partial)
        partial.replace(target)
        copied += 1
    return copied, missing


def _lines(backup: Path) -> Iterable[str]:
    with open(backup, encoding="utf-8-sig") as f:
        yield from (line for line in f if f'"{TABLE}"' in line)


def _named(backup: Path) -> set[str]:
    """The hashes the backup's ``evidence_file`` rows name (the rows themselves are checked by the restore)."""
    found: set[str] = set()
    try:
        lines = list(_lines(backup))
    except (UnicodeDecodeError, OSError):
        return found  # the restore says what is wrong with the file
    for line in lines:
        try:
            item = json.loads(line)
        except json.JSONDecodeError:
            continue  # the restore names the line
        row = item.get("row") if isinstance(item, dict) and item.get("table") == TABLE else None
        if isinstance(row, dict):
            sha = row.get("sha256")
            if not isinstance(sha, str) or not is_sha256(sha):
                raise BadInput(f"备份中的佐证材料编号 {row.get('id')} 的 SHA-256 无效，未恢复任何数据")
            found.add(sha)
    return found


def check_backup_files(backup: str | os.PathLike[str]) -> list[str]:
    """Every file the backup names, present beside it with its hash; the hashes, or one refusal line."""
    folder = files_folder(backup)
    named = sorted(_named(Path(backup)))
    for sha in named:
        path = folder / sha
        if not path.is_file():
            raise BadInput(f"备份缺少佐证材料文件 {folder.name}/{sha[:12]}…（共需 {len(named)} 个），未恢复任何数据")
        if sha256_of(path) != sha:
            raise BadInput(f"佐证材料文件 {folder.name}/{sha[:12]}… 的内容与其 SHA-256 不符（文件已损坏或被改动），"
                           "未恢复任何数据")
    return named


def put_back(hashes: Iterable[str], backup: str | os.PathLike[str], storage: Storage) -> int:
    """The checked files copied into the store (staged, then put: a kept file is never overwritten)."""
    folder = files_folder(backup)
    n = 0
    for sha in hashes:
        if not storage.has(sha):
            out, staged = storage.staging()
            with out, open(folder / sha, "rb") as source:
                shutil.copyfileobj(source, out, CHUNK)
            storage.put(staged, sha)
        n += 1
    return n
