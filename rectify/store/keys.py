"""Where the installation's signing key lives: ``[security] key_file``, else beside the SQLite file, else (a
server database) in the user data directory."""

from __future__ import annotations

from pathlib import Path

from rectify.errors import BadInput
from rectify.signing import SigningKey, load_or_create
from rectify.store.database import default_sqlite_path, sqlite_file

KEY_NAME = "rectify-signing-key.pem"


def key_path(url: str, key_file: str = "") -> Path:
    if key_file:
        return Path(key_file).expanduser()
    path = sqlite_file(url)
    return (path.parent if path is not None else default_sqlite_path().parent) / KEY_NAME


def installation_key(url: str, key_file: str = "") -> SigningKey:
    path = key_path(url, key_file)
    try:
        return load_or_create(path)
    except (OSError, ValueError) as exc:
        raise BadInput(f"无法读取或生成签名密钥 {path}：{exc}") from None


def trusted_public(url: str, key_file: str = "") -> str | None:
    """The public part of this installation's key when it has one (a restore does not make one)."""
    path = key_path(url, key_file)
    if not path.exists():
        return None
    return installation_key(url, key_file).public
