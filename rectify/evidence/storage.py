"""Where the bytes are: a small port (:class:`Storage`) and its local-disk adapter, content-addressed.

A file is kept once under its SHA-256 in fan-out folders (``ab/cd/abcd…``); nothing ever changes it. Files
arrive in the store's own ``tmp`` folder first (same file system), so putting one is a rename.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import BinaryIO, Protocol

from rectify.config import Config

__all__ = ["LocalDisk", "Storage", "evidence_folder", "is_sha256", "open_storage"]

FOLDER_SUFFIX = "-evidence"


def is_sha256(text: str) -> bool:
    return len(text) == 64 and all(c in "0123456789abcdef" for c in text)


class Storage(Protocol):
    """What the rest of rectify needs of the place the bytes are kept."""

    def staging(self) -> tuple[BinaryIO, Path]:
        """A new temporary file, in a place from which :meth:`put` can take it."""

    def put(self, staged: Path, sha256: str) -> None:
        """Keeps ``staged`` as ``sha256`` (moved; when already kept, ``staged`` is dropped)."""

    def has(self, sha256: str) -> bool: ...

    def path(self, sha256: str) -> Path:
        """The kept file (a local path; an object-store adapter would download to one)."""

    def derived(self, name: str) -> Path:
        """A place for something made from a kept file (a thumbnail), that may be made again."""


class LocalDisk:
    """The store on a local (or shared, mounted) folder."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _blob(self, sha256: str) -> Path:
        if not is_sha256(sha256):
            raise ValueError(sha256)
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def staging(self) -> tuple[BinaryIO, Path]:
        tmp = self.root / "tmp"
        tmp.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=tmp, prefix="upload-")
        return os.fdopen(fd, "w+b"), Path(name)

    def put(self, staged: Path, sha256: str) -> None:
        target = self._blob(sha256)
        if target.exists():
            staged.unlink(missing_ok=True)
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        staged.chmod(0o440)
        os.replace(staged, target)

    def has(self, sha256: str) -> bool:
        return self._blob(sha256).is_file()

    def path(self, sha256: str) -> Path:
        return self._blob(sha256)

    def derived(self, name: str) -> Path:
        folder = self.root / "derived"
        folder.mkdir(parents=True, exist_ok=True)
        return folder / name


def evidence_folder(config: Config, db_url: str) -> Path:
    """``[evidence] folder``, else beside the SQLite file (``<name>-evidence``), else in the user data directory."""
    if config.evidence.folder:
        return Path(config.evidence.folder).expanduser()
    from rectify.store import default_sqlite_path, sqlite_file

    db_file = sqlite_file(db_url) or default_sqlite_path()
    return db_file.with_name(db_file.stem + FOLDER_SUFFIX)


def open_storage(config: Config, db_url: str) -> Storage:
    return LocalDisk(evidence_folder(config, db_url))
