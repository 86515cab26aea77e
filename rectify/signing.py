"""The installation's signing key (Ed25519, through ``cryptography``): backups and report packages are
signed with it, and checked against the public part a receiver trusts.

The private key is a PEM file readable by its owner only (0600), made on first use. Its place is chosen by
the caller (beside the SQLite file, or ``[security] key_file``); this module only makes, loads and signs.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

__all__ = ["SigningKey", "load_or_create", "public_text", "sign", "verify"]


class SigningKey:
    """A loaded private key and the text of its public part (what ``rectify keys`` shows)."""

    def __init__(self, private: object, path: Path) -> None:
        self._private = private
        self.path = path

    @property
    def public(self) -> str:
        from cryptography.hazmat.primitives import serialization

        raw = self._private.public_key().public_bytes(  # type: ignore[attr-defined]
            serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return "ed25519:" + base64.b64encode(raw).decode("ascii")

    def sign(self, data: bytes) -> str:
        return base64.b64encode(self._private.sign(data)).decode("ascii")  # type: ignore[attr-defined]


def load_or_create(path: Path) -> SigningKey:
    """The key at ``path``, made there (mode 0600, folders as needed) when there is none yet."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    if path.exists():
        private = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(private, Ed25519PrivateKey):
            raise ValueError(f"{path} 不是 Ed25519 私钥")
        return SigningKey(private, path)
    path.parent.mkdir(parents=True, exist_ok=True)
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    return SigningKey(private, path)


def public_text(key: SigningKey) -> str:
    return key.public


def sign(key: SigningKey, data: bytes) -> str:
    return key.sign(data)


def verify(public: str, data: bytes, signature: str) -> bool:
    """Whether ``signature`` (base64) is ``public``'s (``ed25519:…``) over ``data``; False for any malformed part."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    kind, _, body = public.partition(":")
    try:
        if kind != "ed25519":
            return False
        Ed25519PublicKey.from_public_bytes(base64.b64decode(body, validate=True)).verify(
            base64.b64decode(signature, validate=True), data)
    except (InvalidSignature, ValueError):
        return False
    return True
