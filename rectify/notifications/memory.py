"""The outbox in memory (httpx's ``MockTransport``, apscheduler's ``MemoryDataStore``): for tests.

It keeps the SQL adapter's promises in plain Python: the dedupe key, a recording kept whole or not at
all, leases, the status a mark applies to. One process only: there is no lock to skip.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from rectify.notifications.store import OutboxStore

_STALE = "上次发送中断（租约过期），已重新发送"


class Candidate(NamedTuple):
    case_id: int
    stage: str
    stage_due: date | None
    cycle_start: date
    deadline: date
    supervised: bool
    last_progress_on: date | None
    org_name: str
    org_code: str
    township: str
    next_look_back_on: date | None = None
    supervision_level: str = ""
    county: str = ""


class Person(NamedTuple):
    case_id: int
    role: str
    name: str
    email: str


class Address(NamedTuple):
    case_id: int
    role: str
    name: str
    email: str
    phone: str = ""
    wecom_userid: str = ""
    dingtalk_userid: str = ""
    channels: str = ""


class Contact(NamedTuple):
    case_id: int
    unit: str
    name: str
    phone: str
    email: str


class NewItem(NamedTuple):
    digest_id: int
    detail: str
    role: str


@dataclass
class Digest:
    id: int
    recipient: str
    recipient_name: str
    sweep_date: date
    subject: str
    body_text: str
    body_html: str
    status: str
    attempts: int
    next_attempt_at: datetime
    lease_until: datetime | None
    last_error: str
    message_id: str
    sent_at: datetime | None
    created_at: datetime
    channel: str = "email"
    reply_to: str = ""  # the officers in charge (Reply-To)


_ITEM_KEY = ("case_id", "kind", "stage", "due_on", "offset_days", "recipient")


@dataclass
class MemoryOutboxStore:
    """``cases``, ``people`` and ``contacts_by_case`` are what the sweep reads; the rest is the outbox itself."""

    cases: list[Candidate] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    contacts_by_case: list[Contact] = field(default_factory=list)
    addresses_by_case: list[Address] = field(default_factory=list)
    measures: list[Any] = field(default_factory=list)  # rows as ``SweepReader.open_measures`` gives them
    secretaries: list[Any] = field(default_factory=list)  # rows as ``SweepReader.secretary_tasks`` gives them
    outbox: dict[int, Digest] = field(default_factory=dict)
    items: dict[tuple[Any, ...], dict[str, Any]] = field(default_factory=dict)
    state: dict[str, str] = field(default_factory=dict)
    next_id: int = 1

    # -- the sweep's read --

    @contextmanager
    def reading(self) -> Iterator[MemoryOutboxStore]:
        yield self

    def candidates(
        self, *, stages: Sequence[str], progress_stages: Sequence[str], horizon: date, progress_cutoff: date,
        listed_before: date,
    ) -> Sequence[Any]:
        def due(c: Candidate) -> bool:
            return (
                (c.stage_due is not None and c.stage_due <= horizon)
                or c.deadline <= horizon
                or (c.stage in progress_stages and (c.cycle_start < listed_before if c.last_progress_on is None
                                                    else c.last_progress_on <= progress_cutoff))
            )

        def look_back(c: Candidate) -> bool:
            return c.next_look_back_on is not None and c.next_look_back_on <= horizon

        return sorted((c for c in self.cases if (c.stage in stages and due(c)) or look_back(c)),
                      key=lambda c: c.case_id)

    def open_measures(self, *, stages: Sequence[str], horizon: date) -> Iterable[Any]:
        return sorted((m for m in self.measures if m.stage in stages and m.due_on <= horizon),
                      key=lambda m: (m.case_id, m.seq))

    def secretary_tasks(self, *, stages: Sequence[str], horizon: date) -> Iterable[Any]:
        return sorted((s for s in self.secretaries if s.stage in stages), key=lambda s: s.case_id)

    def recipients(self, case_ids: Sequence[int]) -> Iterable[Any]:
        wanted = set(case_ids)
        return [p for p in self.people if p.case_id in wanted and p.email != ""]

    def addresses(self, case_ids: Sequence[int]) -> Iterable[Any]:
        wanted = set(case_ids)
        return [a for a in self.addresses_by_case if a.case_id in wanted]

    def contacts(self, case_ids: Sequence[int]) -> Iterable[Any]:
        wanted = set(case_ids)
        return [c for c in self.contacts_by_case if c.case_id in wanted]

    # -- recording --

    @contextmanager
    def recording(self, *, keep: bool) -> Iterator[MemoryOutboxStore]:
        saved = copy.deepcopy((self.outbox, self.items, self.state, self.next_id))
        try:
            yield self
        except BaseException:
            self.outbox, self.items, self.state, self.next_id = saved
            raise
        if not keep:
            self.outbox, self.items, self.state, self.next_id = saved

    @contextmanager
    def previewing(self) -> Iterator[MemoryOutboxStore]:
        yield self

    def recorded(self, keys: Sequence[tuple[Any, ...]]) -> set[tuple[Any, ...]]:
        return {key for key in keys if key in self.items}

    def add_digests(self, rows: Sequence[Mapping[str, Any]]) -> dict[str, int]:
        ids: dict[str, int] = {}
        for row in rows:
            self.outbox[self.next_id] = Digest(id=self.next_id, **row)
            ids[row["recipient"]] = self.next_id
            self.next_id += 1
        return ids

    def add_items(self, rows: Sequence[Mapping[str, Any]]) -> Iterable[Any]:
        new = []
        for row in rows:
            key = tuple(row[k] for k in _ITEM_KEY)
            if key not in self.items:
                self.items[key] = dict(row)
                new.append(NewItem(row["digest_id"], row["detail"], row["role"]))
        return new

    def drop_digests(self, ids: Sequence[int]) -> None:
        for did in ids:
            del self.outbox[did]

    def set_bodies(self, rows: Sequence[Mapping[str, Any]]) -> None:
        for row in rows:
            d = self.outbox[row["b_id"]]
            d.subject, d.body_text, d.body_html = row["subject"], row["body_text"], row["body_html"]
            d.status, d.last_error = row["b_status"], row["b_error"]
            d.reply_to = row.get("b_reply_to", "")

    def advance_state(self, name: str, value: str) -> None:
        if name not in self.state or self.state[name] < value:
            self.state[name] = value

    def get_state(self, name: str) -> str | None:
        return self.state.get(name)

    # -- claiming and marking --

    def claim(self, *, now: datetime, lease: timedelta, limit: int, skip_channels: Sequence[str] = ()) -> list[Any]:
        taken: list[Digest] = []
        for d in sorted(self.outbox.values(), key=lambda d: d.id):
            if len(taken) == limit:
                break
            if d.channel in skip_channels:
                continue
            stale = d.status == "sending" and d.lease_until is not None and d.lease_until < now
            if not stale and not (d.status == "pending" and d.next_attempt_at <= now):
                continue
            if stale:
                d.attempts += 1
                d.last_error = _STALE
            d.status, d.lease_until = "sending", now + lease
            taken.append(replace(d))
        return taken

    def _update(self, did: int, **values: Any) -> None:
        d = self.outbox.get(did)
        if d is not None and d.status == "sending":
            for name, value in values.items():
                setattr(d, name, value)

    def mark_sent(self, digest_id: int, *, now: datetime) -> None:
        self._update(digest_id, status="sent", sent_at=now, lease_until=None, last_error="")

    def mark_failed(self, digest_id: int, *, attempts: int, error: str) -> None:
        self._update(digest_id, status="failed", attempts=attempts, lease_until=None, last_error=error)

    def mark_pending(self, digest_id: int, *, attempts: int, next_attempt_at: datetime, error: str) -> None:
        self._update(
            digest_id,
            status="pending",
            attempts=attempts,
            lease_until=None,
            next_attempt_at=next_attempt_at,
            last_error=error,
        )

    def release(self, ids: Sequence[int]) -> None:
        for did in ids:
            self._update(did, status="pending", lease_until=None)

    def held(self, *, now: datetime) -> tuple[int, datetime | None]:
        leases = [d.lease_until for d in self.outbox.values()
                  if d.status == "sending" and d.lease_until is not None and d.lease_until >= now]
        return len(leases), max(leases, default=None)

    # -- listing and retry --

    def digests(self, status: str | None) -> list[dict[str, Any]]:
        counts: dict[int, int] = {}
        for item in self.items.values():
            counts[item["digest_id"]] = counts.get(item["digest_id"], 0) + 1
        return [
            {
                "id": d.id,
                "status": d.status,
                "channel": d.channel,
                "recipient": d.recipient,
                "recipient_name": d.recipient_name,
                "sweep_date": d.sweep_date,
                "items": counts.get(d.id, 0),
                "attempts": d.attempts,
                "next_attempt_at": d.next_attempt_at,
                "sent_at": d.sent_at,
                "message_id": d.message_id,
                "subject": d.subject,
                "last_error": d.last_error,
            }
            for d in sorted(self.outbox.values(), key=lambda d: d.id)
            if not status or d.status == status
        ]

    def requeue_failed(self, digest_id: int, *, now: datetime) -> str | None:
        d = self.outbox.get(digest_id)
        if d is None:
            return None
        status = d.status
        if status == "failed":
            d.status, d.attempts, d.next_attempt_at, d.lease_until = "pending", 0, now, None
        return status


if TYPE_CHECKING:
    _conforms: OutboxStore = MemoryOutboxStore()
