"""The working-day calendar (工作日, SPEC §4, §11 ``[calendar]``): holidays and 调休 from ``chinesecalendar``,
years it does not know yet from a county's own file (``extra_days``).

Two uses. A window named in ``working_day_windows`` (公示 by default) counts working days, and a day in a
year nobody has given is refused for it, naming the year to add: a 公示 must not end on a guess. A due
date (a task's, the monthly report's) that falls on a rest day moves to the next working day
(``roll_to_working_day``); for a year not known there only weekends are rest days, since a due date is
never refused.

The extra-days file has one day a line, ``YYYY-MM-DD 休`` (a holiday) or ``YYYY-MM-DD 班`` (a 调休
working weekend), an optional name after it, and ``#`` comments; every year it names is then known.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache
from pathlib import Path

from rectify.config import CalendarConfig, Config
from rectify.errors import Refused
from rectify.states.extra_days import load_extra_days

TYPE_CHECKING = False
if TYPE_CHECKING:  # a frozen dataclass to the type checker
    from dataclasses import dataclass
else:  # the same, without loading dataclasses on a read (issue 29)
    from rectify.frozen import dataclass

__all__ = ["PUBLICITY", "WorkCalendar", "load_extra_days", "work_calendar"]

PUBLICITY = "publicity"  # 公示 before strike-off
WINDOWS: dict[str, str] = {PUBLICITY: "公示"}


@dataclass(frozen=True)
class WorkCalendar:
    """Rest days and working days as far as they are known; which windows count working days."""

    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()  # 调休: weekends that are working days
    known_years: frozenset[int] = frozenset()
    working_windows: tuple[str, ...] = (PUBLICITY,)
    roll: bool = True

    def is_working(self, day: date) -> bool:
        if day in self.workdays:
            return True
        return day not in self.holidays and day.weekday() < 5

    def counts_working_days(self, window: str) -> bool:
        return window in self.working_windows

    def _known(self, day: date, window: str) -> None:
        if day.year not in self.known_years:
            last = max(self.known_years) if self.known_years else None
            upto = f"（现有日历收录至 {last} 年）" if last else ""
            what = WINDOWS.get(window, window)
            raise Refused(f"{day.year} 年的节假日和调休安排尚未收录{upto}，无法按工作日计算{what}："
                          f"请在 [calendar] extra_days 文件中补充 {day.year} 年的放假和调休安排")

    def add(self, window: str, start: date, days: int) -> date:
        """The end of a window of ``days`` starting after ``start``: working days when the window counts them
        (the ``days``-th working day after ``start``), else calendar days."""
        if not self.counts_working_days(window):
            return start + timedelta(days=days)
        day, left = start, days
        self._known(day, window)
        while left > 0:
            day += timedelta(days=1)
            self._known(day, window)
            if self.is_working(day):
                left -= 1
        return day

    def add_lenient(self, window: str, start: date, days: int) -> date:
        """:meth:`add`, in calendar days where a year is not known (a sheet's past 公示, not refused)."""
        try:
            return self.add(window, start, days)
        except Refused:
            return start + timedelta(days=days)

    def next_working(self, day: date | None) -> date | None:
        """``day``, or the first working day after it when it is a rest day (and rolling is on)."""
        if day is None or not self.roll:
            return day
        while not self.is_working(day):
            day += timedelta(days=1)
        return day


@cache
def _package_days() -> tuple[frozenset[date], frozenset[date], frozenset[int]]:
    import chinese_calendar

    holidays, workdays = frozenset(chinese_calendar.holidays), frozenset(chinese_calendar.workdays)
    return holidays, workdays, frozenset(d.year for d in holidays)


@cache
def _calendar(windows: tuple[str, ...], roll: bool, extra: str, stamp: float) -> WorkCalendar:
    holidays, workdays, years = _package_days()
    if extra:
        more_rest, more_work, more_years = load_extra_days(extra)
        holidays = (holidays - more_work) | more_rest
        workdays = (workdays - more_rest) | more_work
        years = years | more_years
    return WorkCalendar(holidays=frozenset(holidays), workdays=frozenset(workdays), known_years=frozenset(years),
                        working_windows=windows, roll=roll)


def work_calendar(config: Config | CalendarConfig) -> WorkCalendar:
    """The calendar of a configuration (built once per configuration and extra-days file version)."""
    cal = config.calendar if isinstance(config, Config) else config
    extra = cal.extra_days.strip()
    stamp = 0.0
    if extra:
        try:
            stamp = Path(extra).stat().st_mtime
        except OSError:
            stamp = -1.0  # load_extra_days names the file
    return _calendar(tuple(cal.working_day_windows), cal.roll_to_working_day, extra, stamp)
