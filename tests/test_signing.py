"""The installation's signing key: made once, kept private, and a signature that fails on any change."""

from __future__ import annotations

import stat
from pathlib import Path

from rectify.signing import load_or_create, verify


def test_a_key_is_made_once_private_and_signs_what_it_is_shown(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "installation.key"
    key = load_or_create(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = load_or_create(path)
    assert again.public == key.public and key.public.startswith("ed25519:")
    signature = key.sign(b"manifest")
    assert verify(key.public, b"manifest", signature)
    assert not verify(key.public, b"manifest!", signature)
    assert not verify(load_or_create(tmp_path / "other.key").public, b"manifest", signature)
    assert not verify("ed25519:not-base64!", b"manifest", signature)
    assert not verify(key.public, b"manifest", "AAAA")
