"""Checks of values that come in from outside, shared by every entry path (CLI, import, config).

Each check returns the cleaned value or raises :class:`~rectify.errors.BadInput` with one line.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

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


# -- dates -----------------------------------------------------------------------------------------

_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")


def parse_date(value: Any) -> date | None:
    """A date in any of the forms officers write (2024-03-05, 2024/3/5, 2024.3.5, 2024年3月5日, 20240305),
    a date or datetime, or an Excel serial day number; None for an empty value. The one date parser of
    the import and of every CLI date option.
    """
    if value == "" or value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 20000 <= value <= 80000:  # an Excel serial day number
            return date(1899, 12, 30) + timedelta(days=int(value))
        value = str(int(value))
    text = str(value).strip()
    m = _DATE_RE.match(text)
    if m is None and re.fullmatch(r"\d{8}", text):
        m = re.match(r"(\d{4})(\d{2})(\d{2})", text)
    if m is None:
        raise BadInput(f"日期无法识别「{text}」（应为 2024-03-05、2024/3/5 或 2024年3月5日）")
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        raise BadInput(f"日期不存在「{text}」") from None
