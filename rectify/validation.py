"""Checks of values that come in from outside, shared by every entry path (CLI, import, config).

Each check returns the cleaned value or raises :class:`~rectify.errors.BadInput` with one line.
"""

from __future__ import annotations

import re

from rectify.errors import BadInput

_EMAIL = re.compile(r"[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+")


def is_email(address: str) -> bool:
    """A bare mailbox ``user@example.cn``: one @, a dotted domain, no spaces or line breaks."""
    return bool(_EMAIL.fullmatch(address))


def email_address(address: str, what: str = "") -> str:
    """The stripped address, or "" for an empty one; refuses anything that is not a mailbox."""
    address = address.strip()
    if address and not is_email(address):
        raise BadInput(f"{what}邮箱地址格式不对：{address}")
    return address
