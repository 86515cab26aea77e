"""报送 reminders (SPEC §15): a county late with a report hears of it once, through the outbox.

The ``[reporting]`` calendar decides which period each county owes (月报 by ``monthly_due_day``, 半年报, 年报;
a due day on a rest day moves to the next working day); a county is late for a period once its due day has
passed and it holds no submission of it that stands (none, or the latest returned). Its county officers (the
registered people of the county with that role) get one digest listing the periods they are late with, by
e-mail and by the channels they read (``[channels]``), rendered from the templates ``report_subject.txt``,
``report_late.txt`` and ``report_late.html`` (a county's ``[templates] folder`` may replace them). Each county
and period is reminded once: a second sweep sends nothing, nor does a newly registered officer get old news.
Only periods due on or after ``[reporting] remind_from`` are reminded; without it, none.

Storage through the port (:class:`ReportStore`), like the case reminders: no SQL here.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

import jinja2

from rectify.config import Config
from rectify.notifications.channels.plan import AddressRow, ChannelPlanner
from rectify.notifications.channels.plan import configured as channels_configured
from rectify.notifications.channels.port import split_recipient
from rectify.notifications.render import DEFAULT_SENDER, TemplateProblem, chinese_date, make_environment, salutation
from rectify.notifications.store import Recording
from rectify.states import reporting as calendar

KIND = "report_late"  # the outbox items' kind
ROLE = "county_officer"
TEMPLATES = ("report_subject.txt", "report_late.txt", "report_late.html")


class ReportReader(Protocol):
    def report_counties(self) -> list[str]:
        """The counties that report: those of the organization register and of the submissions held."""

    def reported(self, periods: list[str]) -> set[tuple[str, str]]:
        """(county, period) whose latest submission stands (not returned)."""

    def county_officers(self, counties: list[str]) -> Iterable[Any]:
        """Rows ``county role name email phone wecom_userid dingtalk_userid channels``."""

    def reminded(self, kind: str) -> list[str]:
        """The JSON details of every outbox item of ``kind`` recorded so far."""


class ReportStore(Protocol):
    def reading(self) -> AbstractContextManager[Any]: ...

    def recording(self, *, keep: bool) -> AbstractContextManager[Recording]: ...


@dataclass(frozen=True)
class Late:
    county: str
    period: calendar.Period
    due: date

    def detail(self, as_of: date) -> dict[str, Any]:
        return {"county": self.county, "period": self.period.code, "kind_label": calendar.KIND_LABELS[self.period.kind],
                "period_label": self.period.label, "as_of_period": self.period.end.isoformat(),
                "due_on": self.due.isoformat(), "due_cn": chinese_date(self.due),
                "days_late": (as_of - self.due).days}


@dataclass
class ReportSweep:
    late: list[Late] = field(default_factory=list)  # every county and period late on the day
    digests: list[dict[str, Any]] = field(default_factory=list)  # digests newly recorded
    unreached: list[str] = field(default_factory=list)  # late counties with no officer to tell


def late_reports(as_of: date, config: Config, counties: Sequence[str], reported: set[tuple[str, str]]) -> list[Late]:
    """Every (county, period) late on ``as_of``: due on or after ``remind_from``, past due, not reported."""
    if not config.reporting.remind_from:
        return []
    periods = calendar.periods_between(date.fromisoformat(config.reporting.remind_from), as_of, config)
    return [Late(county, period, due) for period, due in periods for county in counties
            if (county, period.code) not in reported]


def _targets(config: Config, officer: Any, planner: ChannelPlanner | None) -> list[tuple[str, str, str]]:
    """(recipient, name, problem) of one officer: the e-mail address, and the other channels they read."""
    from rectify.notifications.outbox import addressed

    out = []
    if (officer.email or "").strip():
        address, _, problem = addressed(officer.email)
        out.append((address, officer.name, problem))
    if planner is not None:
        row = AddressRow(0, ROLE, officer.name, officer.email or "", officer.phone or "", officer.wecom_userid or "",
                         officer.dingtalk_userid or "", officer.channels or "")
        out += [(t.recipient, t.name, t.problem) for t in planner.people((ROLE,), [row])]
    return out


class ReportRenderer:
    """The report reminder's templates, in the mail's sandboxed environment (the county's folder first)."""

    def __init__(self, config: Config) -> None:
        self.config = config
        env = make_environment(config.templates.folder)
        try:
            self.templates = {name: env.get_template(name) for name in TEMPLATES}
        except jinja2.TemplateError as exc:
            raise TemplateProblem(f"报送提醒模板无法读取：{exc}") from None

    def context(self, name: str, as_of: date, items: list[dict[str, Any]]) -> dict[str, Any]:
        report = self.config.report
        return {"salutation": salutation(name), "items": items, "date_cn": chinese_date(as_of),
                "counties": list(dict.fromkeys(i["county"] for i in items)),
                "sender": report.unit.strip() or DEFAULT_SENDER, "report_contact": report.contact.strip(),
                "report_phone": report.phone.strip()}

    def render(self, channel: str, name: str, as_of: date, items: list[dict[str, Any]]) -> tuple[str, str, str]:
        """(subject, text, html) by channel: the e-mail in full, a short text elsewhere, an SMS its variables."""
        ctx = self.context(name, as_of, items)
        try:
            subject = " ".join(self.templates["report_subject.txt"].render(ctx).split())
            text = self.templates["report_late.txt"].render(ctx).strip() + "\n"
            html = self.templates["report_late.html"].render(ctx) if channel == "email" else ""
        except jinja2.TemplateError as exc:
            raise TemplateProblem(f"报送提醒模板渲染出错：{exc}") from None
        if channel == "sms":
            first = items[0]
            due = date.fromisoformat(first["due_on"])
            text = json.dumps({"count": str(len(items)), "item": f"{first['period']}{first['kind_label']}未报送",
                               "due": f"{due.month}月{due.day}日"}, ensure_ascii=False)
        return subject, text, html


def run_report_sweep(store: ReportStore, config: Config, *, as_of: date, now: datetime, dry_run: bool = False,
                     on_digest: Callable[[dict[str, Any]], None] | None = None) -> ReportSweep:
    """Record one reminder digest per officer of each county late with a report, once per county and period."""
    result = ReportSweep()
    if not config.reporting.remind_from:
        return result
    renderer = ReportRenderer(config)
    with store.reading() as read:
        counties = read.report_counties()
        periods = calendar.periods_between(date.fromisoformat(config.reporting.remind_from), as_of, config)
        result.late = late_reports(as_of, config, counties, read.reported([p.code for p, _ in periods]))
        done = {(d.get("county"), d.get("period")) for d in map(json.loads, read.reminded(KIND))}
        todo = [x for x in result.late if (x.county, x.period.code) not in done]
        officers = defaultdict(list)
        for o in read.county_officers(sorted({x.county for x in todo})) if todo else ():
            officers[o.county].append(o)
    planner = ChannelPlanner(config) if channels_configured(config) else None
    planned: dict[str, list[tuple[Late, str, str]]] = defaultdict(list)  # recipient → (late, name, problem)
    for x in todo:
        targets = [t for o in officers[x.county] for t in _targets(config, o, planner)]
        if not targets:
            result.unreached.append(f"{x.county} {x.period.label}")
        for recipient, name, problem in dict.fromkeys(targets):
            planned[recipient].append((x, name, problem))
    with store.recording(keep=not dry_run) as rec:
        for digest in _record(rec, renderer, config, as_of, now, planned):
            if on_digest is not None:
                on_digest(digest)
            result.digests.append({k: v for k, v in digest.items() if k != "body_text"})
    return result


def _record(rec: Recording, renderer: ReportRenderer, config: Config, as_of: date, now: datetime,
            planned: dict[str, list[tuple[Late, str, str]]]) -> list[dict[str, Any]]:
    from rectify.notifications.outbox import _digest_rows

    if not planned:
        return []
    recipients = sorted(planned)
    names = {r: planned[r][0][1] for r in recipients}
    ids = rec.add_digests(_digest_rows(config, as_of, now, recipients, names))
    rows = [{"digest_id": ids[r], "case_id": 0, "kind": KIND, "stage": x.period.code, "due_on": x.due,
             "offset_days": 0, "recipient": r, "role": ROLE, "detail": json.dumps(x.detail(as_of), ensure_ascii=False),
             "created_at": now} for r in recipients for x, _, _ in planned[r]]
    new: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rec.add_items(rows):
        new[row.digest_id].append(json.loads(row.detail))
    rec.drop_digests([i for i in ids.values() if i not in new])
    out, bodies = [], []
    for r in recipients:
        if ids[r] not in new:
            continue
        items = sorted(new[ids[r]], key=lambda d: (d["due_on"], d["county"], d["period"]))
        channel, _ = split_recipient(r)
        subject, text, html = renderer.render(channel, names[r], as_of, items)
        problem = next((p for _, _, p in planned[r] if p), "")
        bodies.append({"b_id": ids[r], "subject": subject, "body_text": text, "body_html": html, "b_reply_to": "",
                       "b_status": "failed" if problem else "pending", "b_error": problem[:500]})
        out.append({"id": ids[r], "channel": channel, "recipient": r, "recipient_name": names[r],
                    "items": len(items), "subject": subject, "body_text": text, "failed": problem})
    rec.set_bodies(bodies)
    return out
