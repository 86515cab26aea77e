"""报送 (SPEC §15) as data: the report periods and when each is due, who may take each step, the statuses.

A period is a month (``2026-06``, 月报), a half year (``2026-H1``, 半年报) or a year (``2026``, 年报); its
report is as of the period's last day and due at the city by a day of the month after (``[reporting]``).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from rectify.errors import BadInput
from rectify.states.roles import ROLE_NAMES, Role

R = Role

MONTH, HALF, YEAR = "month", "half", "year"
KIND_LABELS: dict[str, str] = {MONTH: "月报", HALF: "半年报", YEAR: "年报"}

SUBMITTED, RETURNED = "submitted", "returned"
STATUS_LABELS: dict[str, str] = {SUBMITTED: "已报送", RETURNED: "已退回"}
LOCAL, RECEIVED = "local", "received"

# step → roles that may take it, and its label in a refusal.
WHO_MAY: dict[str, tuple[frozenset[str], str]] = {
    "submit": (frozenset({R.county_officer}), "报送"),
    "receive": (frozenset({R.city_supervisor}), "接收报送"),
    "return": (frozenset({R.city_supervisor}), "退回报送"),
    "consolidate": (frozenset({R.city_supervisor, R.auditor, R.admin}), "汇总"),
}


def step_refusal(step: str, role: str | None, who: str) -> str | None:
    roles, label = WHO_MAY[step]
    if role is None or role in roles:
        return None
    names = "、".join(ROLE_NAMES[r] for r in ROLE_NAMES if r in roles)
    return f"{who}不能{label}：此步骤须由{names}办理"


@dataclass(frozen=True)
class Period:
    code: str  # as typed on the command line, normalized: 2026-06 | 2026-H1 | 2026
    kind: str
    year: int
    start: date
    end: date  # the report's as-of day

    @property
    def label(self) -> str:
        return f"{self.code} {KIND_LABELS[self.kind]}"


_FORMS = re.compile(r"^(\d{4})(?:-(0[1-9]|1[0-2])|-([Hh][12]))?$")


def parse_period(text: str) -> Period:
    """``2026-06`` 月报, ``2026-H1`` / ``2026-H2`` 半年报, ``2026`` 年报; anything else is malformed."""
    m = _FORMS.match(text.strip())
    if not m or not 1990 <= int(m[1]) <= 2200:
        raise BadInput(f"报告期应为 2026-06（月报）、2026-H1（半年报）或 2026（年报），收到 {text!r}")
    year = int(m[1])
    if m[2]:
        month = int(m[2])
        return Period(f"{year}-{month:02d}", MONTH, year, date(year, month, 1),
                      date(year, month, calendar.monthrange(year, month)[1]))
    if m[3]:
        first = m[3].upper() == "H1"
        return Period(f"{year}-{m[3].upper()}", HALF, year, date(year, 1 if first else 7, 1),
                      date(year, 6, 30) if first else date(year, 12, 31))
    return Period(str(year), YEAR, year, date(year, 1, 1), date(year, 12, 31))


def due_date(period: Period, *, monthly_due_day: int, half_year_due_day: int, year_due_day: int) -> date:
    """The day by which the city expects the period's report: a day of the month after the period."""
    day = {MONTH: monthly_due_day, HALF: half_year_due_day, YEAR: year_due_day}[period.kind]
    after = period.end.month % 12 + 1
    return date(period.end.year + (period.end.month == 12), after, day)


def case_key(county_code: str, case_id: int) -> str:
    """A case's identity across counties: the county's code and the case number (341122-17)."""
    return f"{county_code}-{case_id}"


def due_on(period: Period, config: Any) -> date:
    """:func:`due_date` by ``[reporting]``, moved off a rest day to the next working day (``[calendar]``)."""
    from rectify.states.workdays import work_calendar

    r = config.reporting
    day = due_date(period, monthly_due_day=r.monthly_due_day, half_year_due_day=r.half_year_due_day,
                   year_due_day=r.year_due_day)
    return work_calendar(config).next_working(day) or day


def periods_between(first_due: date, as_of: date, config: Any) -> list[tuple[Period, date]]:
    """Every period (月报, 半年报, 年报) due on or after ``first_due`` whose due day has passed on ``as_of``, with
    its due day (working-day rule applied): the periods a county is late for when it has not reported them."""
    codes = [f"{y}-{m:02d}" for y in range(first_due.year - 1, as_of.year + 1) for m in range(1, 13)]
    codes += [f"{y}-H{h}" for y in range(first_due.year - 1, as_of.year + 1) for h in (1, 2)]
    codes += [str(y) for y in range(first_due.year - 1, as_of.year + 1)]
    out = []
    for code in codes:
        period = parse_period(code)
        due = due_on(period, config)
        if first_due <= due < as_of:
            out.append((period, due))
    return sorted(out, key=lambda p: (p[1], p[0].kind, p[0].code))
