"""The 限期转化台账 as an iCalendar file: each case's 转化时限 and its current task (待办事项), named by the task.

UIDs are ``case-<id>-<what>@<installation-id>.rectify``: they name the case and the kind of date, never
the date itself, and end in this database's installation id, so a newer export moves an event instead
of adding a second one and two counties' calendars never collide. SEQUENCE is the case's version.
Every case always carries both UIDs: a date that no longer applies (a closed case, verified or
withdrawn, or a task that is no longer the current one) is exported with ``STATUS:CANCELLED``, so
a calendar that imported it before removes it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from typing import IO, Any

from rectify.reports.ledger import LedgerRow, json_row
from rectify.states.deadlines import LIGHT_LABELS
from rectify.states.stages import CLOSED_STAGES, STAGE_LABELS
from rectify.states.wording import days_left_text

Progress = Callable[[int], None]
CATEGORY = "整顿软弱涣散基层党组织"


def event_uid(case_id: int, what: str, installation: str) -> str:
    return f"case-{case_id}-{what}@{installation}.rectify"


def _description(row: dict[str, Any], closed: bool) -> str:
    head = f"整顿对象 {row['case_id']} · {row['county']} {row['township']} · {row['org_code']}"
    stage = STAGE_LABELS[row["stage"]]
    if closed:
        return "\n".join([head, f"当前阶段：{stage}；整顿已办结，本日程已取消"])
    reason = f"（{row['light_reason']}）" if row["light_reason"] else ""
    return "\n".join([
        head,
        f"当前阶段：{stage}；当前待办：{row['task_label']}",
        f"待办时限：{row['next_due']}（{days_left_text(row['days_left'])}）",
        f"转化时限：{row['deadline']}（距转化时限 {row['deadline_days']} 天）",
        f"预警：{LIGHT_LABELS[row['light']]}{reason}",
    ])


def _dates(row: dict[str, Any]) -> list[tuple[str, date, str, bool]]:
    """(what, day, label, cancelled): the current task, named by it (one UID for the case's task, so the
    event moves to the next task instead of piling up), and the conversion deadline."""
    deadline = date.fromisoformat(row["deadline"])
    closed = row["stage"] in CLOSED_STAGES or not row["task"]
    return [
        ("task", deadline if closed else date.fromisoformat(row["next_due"]),
         "待办事项" if closed else row["task_label"], closed),
        ("deadline", deadline, "转化时限", row["stage"] in CLOSED_STAGES),
    ]


def _alarm(days: int, summary: str) -> Any:
    from icalendar import Alarm

    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("trigger", timedelta(days=-days))
    alarm.add("description", summary)
    return alarm


def write_ics(
    rows: Iterable[LedgerRow],
    out: IO[bytes],
    *,
    stamp: datetime,
    calendar_name: str,
    installation: str,
    alarm_days: int = 0,
    progress: Progress | None = None,
) -> int:
    """Two VEVENTs per case (see the module's docstring); returns the number of cases written."""
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//rectify//限期转化台账//ZH")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", calendar_name)
    cal.add("x-wr-timezone", "Asia/Shanghai")
    head = cal.to_ical()
    end = b"END:VCALENDAR\r\n"
    out.write(head[: -len(end)])
    n = 0
    for light, cells, raw in rows:
        row = json_row((light, cells, raw))
        closed = row["stage"] in CLOSED_STAGES
        for what, day, label, cancelled in _dates(row):
            ev = Event()
            summary = f"【{label}】{row['org_name']}"
            ev.add("uid", event_uid(row["case_id"], what, installation))
            ev.add("dtstamp", stamp)
            ev.add("dtstart", day)
            ev.add("dtend", day + timedelta(days=1))
            ev.add("sequence", row["version"])
            ev.add("status", "CANCELLED" if cancelled else "CONFIRMED")
            ev.add("summary", summary)
            ev.add("description", _description(row, closed))
            ev.add("categories", [CATEGORY, label])
            ev.add("transp", "TRANSPARENT")
            if alarm_days and not cancelled:
                ev.add_component(_alarm(alarm_days, summary))
            out.write(ev.to_ical())
        n += 1
        if progress is not None:
            progress(1)
    out.write(end)
    return n
