"""The outbox (SPEC §5 "exactly once"): record what the sweep decided, then drain it over the mailer.

Recording is one transaction: digest rows for every recipient, the items with
``INSERT … ON CONFLICT DO NOTHING`` on their unique key, digests that got no new item dropped, the rest
rendered. A broken template (found by rendering a sample first) or one reaching for Python's objects
rolls all of it back; a digest that cannot be built or addressed on its own is recorded ``failed``
with its reason, and the others go. Draining claims rows (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, a conditional ``UPDATE … WHERE status='pending'`` on SQLite), sends them on one
connection and marks them sent; a row whose lease ran out (a dead process) is claimed again and sent
with the same Message-ID. Whatever stops a drain gives its unfinished rows back.
"""

from __future__ import annotations

import json
import re
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from itertools import chain
from operator import attrgetter, itemgetter
from typing import Any

from rectify.config import Config
from rectify.errors import NotFound, Refused
from rectify.notifications import sweeping
from rectify.notifications.channels.plan import AddressRow, ChannelPlanner, by_case
from rectify.notifications.channels.plan import configured as channels_configured
from rectify.notifications.channels.port import split_recipient
from rectify.notifications.channels.render import render_delivery
from rectify.notifications.draining import (  # noqa: F401 (re-exported: the outbox's one entry point)
    BACKOFF_BASE,
    BACKOFF_MAX,
    CLAIM_BATCH,
    LEASE,
    DrainResult,
    backoff,
    claim,
    drain,
    message_for,
    release,
)
from rectify.notifications.mailer import MailServerProblem, mail_address, sender_address
from rectify.notifications.policy import (
    CASE_PEOPLE,
    CITY,
    COUNTY,
    Item,
    candidate_args,
    horizon,
)
from rectify.notifications.render import Renderer, TemplateProblem, UnsafeTemplate
from rectify.notifications.store import OutboxStore, Recording
from rectify.notifications.sweeping import (
    CASE_DETAIL,
    MEASURE_DETAIL,
    Planned,
    cycles_paused,
    planned,
    spool_due,
    whole_groups,
)
from rectify.spill import sorted_spilling
from rectify.states.tasks import LEADER, OFFICER, acting_roles, task_label

LAST_SWEEP = "last_sweep_date"
LAST_SWEEP_CLOCK = "last_sweep_clock"  # the clock's instant (UTC ISO) at the last recorded sweep, whatever its date
_PLAIN = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*")
LAST_BRIEF = "last_brief_month"
# Who else hears of an item, by kind, besides the people who act on its task (``acting_roles``): the
# officer in charge is copied on every reminder; county leaders hear only of what is overdue, and get
# the monthly 专报 (``brief``). A new kind of item is one entry here and one in ``KINDS``.
COPIED: dict[str, tuple[str, ...]] = {
    "stage_due": (OFFICER,),
    "deadline": (OFFICER,),
    "overdue": (OFFICER, LEADER),
    "progress": (OFFICER,),
    "look_back": (OFFICER,),
    "brief": (),
}
# A measure item goes to its 责任人, copied to the officer in charge (who alone gets it when the 责任人
# has no e-mail).
MEASURE_COPY_ROLES: tuple[str, ...] = ("officer",)


def roles_for(kind: str, task: str) -> tuple[str, ...]:
    """The case roles an item goes to: the task's own role first, then those copied."""
    if kind == "brief":
        return (LEADER,)
    return tuple(dict.fromkeys((*acting_roles(kind, task), *COPIED[kind])))


# -- the sweep ------------------------------------------------------------------------------------


@dataclass
class DigestPlan:
    recipient: str
    recipient_name: str
    items: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class SweepResult:
    as_of: date
    cases: int
    items: int  # items the sweep found (before dedupe)
    digests: list[dict[str, Any]]  # digests newly recorded (or that would be, on a dry run)
    dry_run: bool = False
    reports: Any = None  # the 报送 reminders' sweep (notifications.reporting.ReportSweep), when they are on

    @property
    def new_items(self) -> int:
        return sum(d["items"] for d in self.digests)

    @property
    def failed(self) -> int:
        """Digests recorded as failed: they could not be built or addressed."""
        return sum(1 for d in self.digests if d["failed"])


def _iso(v: Any) -> Any:
    return v.isoformat() if isinstance(v, date) else v


def contact_text(row: Any) -> str:
    """``县委组织部组织二科 钱明远 电话 0000 邮箱 qian@…``: unit, name, phone and e-mail when there are."""
    parts = [(row.unit or "").strip(), (row.name or "").strip()]
    if (row.phone or "").strip():
        parts.append(f"电话 {row.phone.strip()}")
    if (row.email or "").strip():
        parts.append(f"邮箱 {row.email.strip()}")
    return " ".join(p for p in parts if p)


def _add(out: dict[tuple[Any, ...], Planned], it: Item, recipient: str, role: str, name: str,
         detail: tuple[tuple[str, ...], tuple[Any, ...]], problem: str) -> None:
    key = (it.case_id, it.kind, it.stage, it.due_on, it.offset_days, recipient)
    if key not in out:
        out[key] = _new(Planned, (recipient, it.case_id, it.kind, it.stage, it.due_on, it.offset_days, role, name,
                                  problem, *detail, ""))


def plan_items(
    items: Iterable[Item],
    rows: dict[int, Any],
    people: dict[int, list[tuple[str, str, str]]],
    config: Config,
    contacts: dict[int, str] | None = None,
    planner: ChannelPlanner | None = None,
    addresses: dict[int, list[AddressRow]] | None = None,
) -> list[Planned]:
    """Items × recipients → outbox rows (one per distinct dedupe key); ``contacts``: each case's 联系人;
    ``planner`` adds the deliveries by other channels than e-mail (``addresses``: the people on each case)."""
    contacts = contacts or {}
    out: dict[tuple[Any, ...], Planned] = {}
    parsed: dict[str, tuple[str, str, str]] = {}  # each address parsed once (an officer is on many cases)
    for it in items:
        roles: tuple[str, ...] = ()
        if it.audience == CASE_PEOPLE:
            roles = roles_for(it.kind, it.task)
            targets = [
                (role, name, email) for role, name, email in people.get(it.case_id, ()) if role in roles
            ]
        else:
            addrs = config.supervisors.county if it.audience == COUNTY else config.supervisors.city
            role = "county_supervisor" if it.audience == COUNTY else "city_supervisor"
            targets = [(role, "", a) for a in (addrs if it.audience in (COUNTY, CITY) else ())]
        row = rows[it.case_id]
        detail = (CASE_DETAIL, (  # as CASE_DETAIL names them
            it.case_id, it.kind, it.stage, it.task, task_label(it.task),
            # a 专报 entry shows the task's own due date; the item is named by the month
            _iso(row.stage_due or row.deadline) if it.kind == "brief" else it.due_on.isoformat(),
            it.days_left, it.offset_days, row.org_name, row.org_code, row.township, bool(row.supervised),
            _iso(row.last_progress_on), contacts.get(it.case_id, "")))
        for role, name, email in targets:
            if (got := parsed.get(email)) is None:
                got = parsed[email] = addressed(email)
            address, shown, problem = got
            _add(out, it, address, role, name or shown, detail, problem)
        if planner is not None and roles:
            for t in planner.targets(it.kind, roles, (addresses or {}).get(it.case_id, ()),
                                     getattr(row, "county", ""), row.township):
                _add(out, it, t.recipient, t.role, t.name, detail, t.problem)
    return list(out.values())


def plan_measure_items(
    items: Iterable[Item],
    measures: dict[tuple[int, str], Any],
    people: dict[int, list[tuple[str, str, str]]],
    contacts: dict[int, str] | None = None,
    planner: ChannelPlanner | None = None,
    addresses: dict[int, list[AddressRow]] | None = None,
) -> list[Planned]:
    """Measure items × (责任人, officer in charge) → outbox rows; ``measures`` by (case, ``measure#N``)."""
    contacts = contacts or {}
    out: dict[tuple[Any, ...], Planned] = {}
    parsed: dict[str, tuple[str, str, str]] = {}  # each address parsed once
    for it in items:
        m = measures[(it.case_id, it.stage)]
        targets = [("measure_owner", m.owner, m.owner_email)] if (m.owner_email or "").strip() else []
        targets += [(r, n, e) for r, n, e in people.get(it.case_id, ()) if r in MEASURE_COPY_ROLES]
        detail = (MEASURE_DETAIL, (  # as MEASURE_DETAIL names them
            it.case_id, it.kind, m.stage, it.due_on.isoformat(), it.days_left, it.offset_days, m.org_name,
            m.org_code, m.township, False, None, contacts.get(it.case_id, ""), m.seq, m.text, m.owner))
        for role, name, email in targets:
            if (got := parsed.get(email)) is None:
                got = parsed[email] = addressed(email)
            address, shown, problem = got
            _add(out, it, address, role, name or shown, detail, problem)
        if planner is not None:
            for t in planner.targets(it.kind, MEASURE_COPY_ROLES, (addresses or {}).get(it.case_id, ()),
                                     getattr(m, "county", ""), m.township):
                _add(out, it, t.recipient, t.role, t.name, detail, t.problem)
    return list(out.values())


def addressed(email: str) -> tuple[str, str, str]:
    """(address, display name, problem): ``张三 <zhang@example.cn>`` → ``zhang@example.cn``, ``张三``.

    An address that cannot be used is kept, printable and cut to the column, with the reason: its
    digest is recorded as failed and the others are sent.
    """
    email = email.strip()
    if _PLAIN.fullmatch(email):  # nearly every address: no parsing needed
        return email.lower(), "", ""
    try:
        name, address = mail_address(email)
    except ValueError as exc:
        shown = email.encode("unicode_escape").decode("ascii")[:320].lower()
        return shown, "", f"无法投递：{exc}"
    return address.lower(), name, ""


_new = tuple.__new__


def _message_id(sender: str) -> str:
    return f"<rectify.{uuid.uuid4().hex}@{sender_address(sender).domain}>"


def _roll(config: Config) -> Callable[[date], date] | None:
    """The working-day calendar's move of a due day off a rest day, when ``[calendar]`` asks for it."""
    if not config.calendar.roll_to_working_day:
        return None
    from rectify.states.workdays import work_calendar

    cal = work_calendar(config)
    return lambda day: cal.next_working(day) or day


@cycles_paused
def run_sweep(
    store: OutboxStore,
    config: Config,
    *,
    as_of: date,
    now: datetime,
    renderer: Renderer,
    dry_run: bool = False,
    on_digest: Callable[[dict[str, Any]], None] | None = None,
) -> SweepResult:
    """Decide what is due on ``as_of`` and record it in the outbox (nothing on a dry run).

    Streamed (:mod:`rectify.notifications.sweeping`): what is due is decided and planned a chunk of cases at a
    time and ordered by recipient on disk; the recording takes one batch of recipients at a time, in the one
    transaction. ``on_digest`` is handed each digest as it is rendered (a dry run prints it there); the result
    then keeps each digest without its text, so a national sweep does not hold every body until the end."""
    renderer.check()
    policy = config.policy
    month = as_of.strftime("%Y-%m")
    brief = (store.get_state(LAST_BRIEF) or "") < month  # the first sweep of a month: every open case
    counts: dict[str, int] = {}
    roll = _roll(config)
    with store.reading() as read:
        found = read.candidates(**candidate_args(as_of, policy, roll, brief=brief))
        items, measures, seen = spool_due(read, found, as_of, policy, brief=brief, horizon=horizon(as_of, policy),
                                          roll=roll)
        try:
            planner = ChannelPlanner(config) if channels_configured(config) else None

            def reach(due: list[Item]) -> dict[int, list[AddressRow]]:  # the people on these cases, by channel
                ids = sorted({it.case_id for it in due})
                return by_case(read.addresses(ids)) if planner is not None and planner.wants_people and ids else {}

            ordered = sorted_spilling(planned(
                read, items, measures, as_of, policy, contact_text=contact_text, counts=counts,
                plan_cases=lambda due, facts, people, contacts: plan_items(
                    due, facts, people, config, contacts, planner, reach(due)),
                plan_measures=lambda due, ms, people, contacts: plan_measure_items(
                    due, ms, people, contacts, planner, reach(due))), key=_RECIPIENT_ORDER,
                chunk=sweeping.plan_chunk(items, measures))
            first = next(ordered, None)  # the whole plan is read here, while the sweep's read is open
        finally:
            items.close()
            measures.close()
        decided = items.count + counts.get("measure_items", 0)
    if dry_run:  # nothing written: the outbox is only read for the items it holds already
        from rectify.notifications.preview import preview_sweep

        shown = preview_sweep(store, config, as_of, chain([first], ordered), renderer, on_digest) \
            if first is not None else []
        return SweepResult(as_of, seen, decided, shown, dry_run)
    recorded: list[dict[str, Any]] = []
    with store.recording(keep=True) as rec:
        if first is not None:
            for batch in whole_groups(chain([first], ordered), _recipient):
                for digest in _record(rec, config, as_of, now, batch, renderer):
                    if on_digest is not None:
                        on_digest(digest)
                        digest = {k: v for k, v in digest.items() if k != "body_text"}
                    recorded.append(digest)
        rec.advance_state(LAST_SWEEP, as_of.isoformat())
        rec.advance_state(LAST_SWEEP_CLOCK, now.astimezone(UTC).isoformat())
        if brief:
            rec.advance_state(LAST_BRIEF, month)
    return SweepResult(as_of, seen, decided, recorded, dry_run)


_recipient = attrgetter("recipient")
_RECIPIENT_ORDER = itemgetter(0, 1, 2, 3, 4, 5)  # a planned row's recipient, then its item's dedupe key


def _digest_rows(config: Config, as_of: date, now: datetime, recipients: list[str], names: dict[str, str]
                 ) -> list[dict[str, Any]]:
    return [
        {
            "recipient": r,
            "channel": split_recipient(r)[0],
            "recipient_name": names.get(r, ""),
            "sweep_date": as_of,
            "subject": "",
            "body_text": "",
            "body_html": "",
            "reply_to": "",
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "lease_until": None,
            "last_error": "",
            "message_id": _message_id(config.smtp.sender),
            "sent_at": None,
            "created_at": now,
        }
        for r in recipients
    ]


def _record(
    rec: Recording,
    config: Config,
    as_of: date,
    now: datetime,
    planned: list[Planned],
    renderer: Renderer,
) -> list[dict[str, Any]]:
    """One batch of recipients (every row of each, in recipient order): their digests, the items not recorded
    before, the digests rendered; a digest that got no new item is dropped."""
    if not planned:
        return []
    names: dict[str, str] = {}
    for p in planned:
        if p.name and p.recipient not in names:
            names[p.recipient] = p.name
    recipients = sorted({p.recipient for p in planned})
    digest_ids = rec.add_digests(_digest_rows(config, as_of, now, recipients, names))
    item_rows = [
        {
            "digest_id": digest_ids[p.recipient],
            "case_id": p.case_id,
            "kind": p.kind,
            "stage": p.stage,
            "due_on": p.due_on,
            "offset_days": p.offset_days,
            "recipient": p.recipient,
            "role": p.role,
            "detail": json.dumps(p.detail(), ensure_ascii=False),
            "created_at": now,
        }
        for p in planned
    ]
    new: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for r in rec.add_items(item_rows):
        new[r.digest_id].append({**json.loads(r.detail), "role": r.role})
    rec.drop_digests([d for d in digest_ids.values() if d not in new])
    problems = {p.recipient: p.problem for p in planned if p.problem}
    replies = _replies(planned)
    out: list[dict[str, Any]] = []
    updates = []
    for recipient in recipients:
        did = digest_ids[recipient]
        if did not in new:
            continue
        its = sorted(new[did], key=lambda d: (d["case_id"], d["kind"], d["due_on"]))
        channel, address = split_recipient(recipient)
        if channel == "email":
            subject, text, html, problem = _render_one(renderer, recipient, names.get(recipient, ""), as_of, its)
        else:
            subject, text, problem = render_delivery(channel, address, names.get(recipient, ""), as_of, its, config)
            html = ""
        problem = problems.get(recipient) or problem
        reply_to = _reply_to(replies.get(recipient, []), {d["case_id"] for d in its}, recipient)
        updates.append({"b_id": did, "subject": subject, "body_text": text, "body_html": html,
                        "b_reply_to": reply_to, "b_status": "failed" if problem else "pending",
                        "b_error": problem[:500]})
        out.append({"id": did, "channel": channel, "recipient": recipient, "recipient_name": names.get(recipient, ""),
                    "items": len(its), "subject": subject, "body_text": text, "failed": problem})
    rec.set_bodies(updates)
    return out


def _replies(planned: list[Planned]) -> dict[str, list[tuple[int, str, str]]]:
    """(case, officer's address, as written) of each recipient's rows, in case order: a digest's Reply-To is the
    officers in charge of the cases it got new items of (the 联系人 its body names), never the recipient itself."""
    out: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
    parsed: dict[str, str] = {}  # a county has a handful of officers: each address parsed once
    for p in planned:
        written = p.reply_to
        if written:
            if written not in parsed:
                address, _name, problem = addressed(written)
                parsed[written] = "" if problem else address
            if parsed[written]:
                out[p.recipient].append((p.case_id, parsed[written], written))
    return out


def _reply_to(replies: list[tuple[int, str, str]], cases: set[int], recipient: str) -> str:
    """``钱明远 <qian@example.cn>, 孙立 <sun@example.cn>``: each officer once, the recipient never."""
    chosen: dict[str, str] = {}
    for case_id, address, written in replies:
        if case_id in cases and address != recipient:
            chosen.setdefault(address, written)
    return ", ".join(chosen.values())


def _render_one(renderer: Renderer, recipient: str, name: str, as_of: date, items: list[dict[str, Any]]
                ) -> tuple[str, str, str, str]:
    """(subject, text, html, problem): a digest the templates fail on, or render without a subject, is
    recorded as failed with the reason; the others still go. A template reaching for Python's objects
    stops the run (it is the county's configuration, not this digest)."""
    try:
        rendered = renderer.render(recipient, name, as_of, items)
    except UnsafeTemplate:
        raise
    except TemplateProblem as exc:
        return "", "", "", f"无法生成邮件：{exc}"
    if not rendered.subject:
        return "", rendered.text, rendered.html, "无法生成邮件：邮件主题为空（检查模板 subject.txt）"
    return rendered.subject, rendered.text, rendered.html, ""


# -- persisted scheduler state --------------------------------------------------------------------


def get_state(store: OutboxStore, name: str) -> str | None:
    return store.get_state(name)


def last_sweep_clock(store: OutboxStore) -> datetime | None:
    value = store.get_state(LAST_SWEEP_CLOCK)
    return datetime.fromisoformat(value) if value else None


def last_sweep_date(store: OutboxStore) -> date | None:
    value = store.get_state(LAST_SWEEP)
    return date.fromisoformat(value) if value else None



# -- listing and retry ----------------------------------------------------------------------------


def list_outbox(store: OutboxStore, status: str | None = None) -> list[dict[str, Any]]:
    """Every delivery (e-mail digest, robot digest, application message, SMS) with its channel."""
    return [
        {k: (v.isoformat() if isinstance(v, date | datetime) else v) for k, v in r.items()}
        for r in store.digests(status)
    ]


def unknown_digest(digest_id: int) -> NotFound:
    """The one refusal for a delivery that does not exist and for one the reader may not see (SPEC §12)."""
    return NotFound(f"找不到发送记录 {digest_id}（rectify outbox list 查看）")


def retry(store: OutboxStore, digest_id: int, *, now: datetime) -> None:
    status = store.requeue_failed(digest_id, now=now)
    if status is None:
        raise unknown_digest(digest_id)
    if status != "failed":
        raise Refused(f"发送记录 {digest_id} 的状态为 {status}，只有 failed（发送失败）的记录可以重试")


__all__ = [
    "MailServerProblem",
    "run_sweep",
    "drain",
    "claim",
    "release",
    "list_outbox",
    "retry",
    "unknown_digest",
    "last_sweep_clock",
    "last_sweep_date",
    "SweepResult",
    "DrainResult",
]
