"""Injected time. Only the CLI's default clock reads the wall clock; everything else is handed ``now``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


def fixed_clock(at: datetime) -> Clock:
    if at.tzinfo is None:
        raise ValueError("fixed_clock needs an aware datetime")
    return lambda: at


def local_today(clock: Clock, timezone: str = "Asia/Shanghai") -> date:
    return clock().astimezone(ZoneInfo(timezone)).date()
