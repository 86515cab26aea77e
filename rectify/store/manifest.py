"""The signed manifest of a backup (issue 26): the schema version, the rows per table and the SHA-256 of every
file, signed with the installation's Ed25519 key (``rectify keys`` shows its public part).

``export --all FILE`` writes ``FILE.manifest.json`` beside the backup. ``restore`` reads every row first (the
row checks name the line), then, before anything is committed, refuses a backup whose manifest is missing, is
not signed by a key it trusts (this installation's, or one given with ``--trust``), or whose hash or counts
differ from the file: a backup edited after it was made restores nothing.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from rectify.errors import BadInput
from rectify.signing import SigningKey, verify

FORMAT = "rectify-backup-manifest"
VERSION = 1
SUFFIX = ".manifest.json"


def manifest_path(backup: str | Path) -> Path:
    path = Path(backup)
    return path.with_name(path.name + SUFFIX)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _payload(manifest: dict[str, Any]) -> bytes:
    body = {k: v for k, v in manifest.items() if k != "signature"}
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def make_manifest(backup: Path, *, schema: str, counts: dict[str, int], key: SigningKey) -> dict[str, Any]:
    manifest: dict[str, Any] = {
        "format": FORMAT, "version": VERSION, "schema": schema, "counts": counts,
        "files": {backup.name: {"sha256": file_sha256(backup), "bytes": backup.stat().st_size}},
        "public_key": key.public,
    }
    manifest["signature"] = key.sign(_payload(manifest))
    return manifest


def render(manifest: dict[str, Any]) -> str:
    return json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


TAIL = "，未恢复任何数据"


def check_manifest(backup: Path, *, trusted: list[str], schema: str, counts: dict[str, int]) -> None:
    """Refuses (one line) unless the manifest beside ``backup`` is signed by a trusted key and matches the file."""
    manifest = _read(backup)
    _check_signer(manifest, manifest_path(backup), trusted)
    _check_contents(manifest, backup, schema, counts)


def _read(backup: Path) -> dict[str, Any]:
    """The manifest beside ``backup``, in its format."""
    where = manifest_path(backup)
    try:
        manifest = json.loads(where.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BadInput(f"备份文件 {backup.name} 缺少签名清单 {where.name}（export --all 与备份一同写出）"
                       f"{TAIL}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        raise BadInput(f"签名清单 {where.name} 无法读取或格式不对{TAIL}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BadInput(f"签名清单 {where.name} 格式不对{TAIL}")
    return manifest


def _check_signer(manifest: dict[str, Any], where: Path, trusted: list[str]) -> None:
    """A valid signature, by a key this installation trusts."""
    public, signature = manifest.get("public_key"), manifest.get("signature")
    if not isinstance(public, str) or not isinstance(signature, str) or not verify(public, _payload(manifest),
                                                                                    signature):
        raise BadInput(f"签名清单 {where.name} 的签名无效（清单被改动过）{TAIL}")
    if public not in trusted:
        raise BadInput(f"备份由公钥 {public} 签名，它不是本安装的密钥；如确信来源，请用 --trust {public} "
                       f"恢复（来源安装上 rectify keys 可查看其公钥）{TAIL}")


def _check_contents(manifest: dict[str, Any], backup: Path, schema: str, counts: dict[str, int]) -> None:
    """The file's hash, the schema version and the rows per table, as the manifest lists them."""
    files: dict[str, Any] = manifest["files"] if isinstance(manifest.get("files"), dict) else {}
    entry = files.get(backup.name) or (next(iter(files.values())) if len(files) == 1 else None)
    if not isinstance(entry, dict) or entry.get("sha256") != file_sha256(backup):
        raise BadInput(f"备份文件 {backup.name} 的 SHA-256 与签名清单不符（文件被改动或换过）{TAIL}")
    listed = manifest.get("counts")
    if manifest.get("schema") != schema or not isinstance(listed, dict) or \
            {k: v for k, v in listed.items() if v} != {k: v for k, v in counts.items() if v}:
        raise BadInput(f"备份文件 {backup.name} 的结构版本或行数与签名清单不符{TAIL}")
