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


_LAST_DAY: tuple[datetime, str, date] | None = None  # the last answer: a step asks it several times for one instant


def local_today(clock: Clock, timezone: str = "Asia/Shanghai") -> date:
    global _LAST_DAY
    at = clock()
    last = _LAST_DAY
    if last is not None and last[0] == at and last[1] == timezone:  # the same instant (aware: equal is the same UTC)
        return last[2]
    day = at.astimezone(ZoneInfo(timezone)).date()
    _LAST_DAY = (at, timezone, day)
    return day


EARLIEST, LATEST = 1900, 2100  # the years any clock may say (SPEC §12): beyond them, one line, never a crash


def checked_clock(clock: Clock) -> Clock:
    """``clock``, refusing with one line (BadInput) an instant outside 1900–2100."""

    def now() -> datetime:
        at = clock()
        if not EARLIEST <= at.year <= LATEST:
            from rectify.errors import BadInput

            raise BadInput(f"时钟给出的时间 {at.isoformat()} 不在 {EARLIEST}–{LATEST} 年之间，未做任何操作")
        return at

    return now


def local_time(when: datetime, timezone: str) -> datetime:
    """``when`` in ``[policy] timezone`` (a naive time from the store is UTC): what a person reads, mail Date too."""
    from zoneinfo import ZoneInfo

    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(ZoneInfo(timezone))
