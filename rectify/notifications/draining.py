"""Draining the outbox (SPEC §5, §16): claim due deliveries, send each through its channel, mark it.

E-mail goes over one SMTP connection per drain; a mail server that cannot be reached stops the e-mail (its
deliveries stay pending and the problem is raised at the end), never the other channels. Every other delivery
goes through its adapter (:mod:`rectify.notifications.channels`) on its own: a throttled one waits what the
provider asked (or its robot's token bucket), a refused or unreachable one backs off, a rejected one fails at
once, and one bad address, robot or provider never blocks the rest. Whatever stops a drain gives its
unfinished rows back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import format_datetime
from typing import Any

from rectify.clock import local_time
from rectify.config import Config
from rectify.notifications.channels.port import (
    Delivery,
    DeliveryProblem,
    Rejected,
    Throttled,
    Unreachable,
    split_recipient,
)
from rectify.notifications.channels.registry import ChannelSet
from rectify.notifications.mailer import Mailer, MailServerProblem, MessageRefused, ServerRefused, build_message
from rectify.notifications.store import OutboxStore

LEASE = timedelta(minutes=10)
CLAIM_BATCH = 100
BACKOFF_BASE = timedelta(minutes=5)
BACKOFF_MAX = timedelta(hours=12)


@dataclass
class DrainResult:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    sent_ids: list[int] = field(default_factory=list)
    held: int = 0  # digests another (or a crashed) process holds, left for after their lease
    held_until: datetime | None = None
    throttled: int = 0  # of ``retrying``: waiting for a rate limit (no attempt counted)
    by_channel: dict[str, int] = field(default_factory=dict)  # sent, per channel


def claim(store: OutboxStore, *, now: datetime, lease: timedelta = LEASE, limit: int = CLAIM_BATCH,
          skip_channels: Sequence[str] = ()) -> list[Any]:
    """Take up to ``limit`` due rows for this process; no other process gets the same row."""
    if skip_channels:
        return store.claim(now=now, lease=lease, limit=limit, skip_channels=tuple(skip_channels))
    return store.claim(now=now, lease=lease, limit=limit)


def release(store: OutboxStore, ids: Sequence[int]) -> None:
    """Give claimed rows back untouched (the server could not be reached: not the message's fault)."""
    store.release(ids)


def backoff(attempts: int) -> timedelta:
    return min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)


def message_for(row: Any, config: Config, now: datetime) -> Any:
    return build_message(sender=config.smtp.sender, recipient=row.recipient, recipient_name=row.recipient_name,
                         subject=row.subject, text=row.body_text, html=row.body_html, message_id=row.message_id,
                         date_header=format_datetime(local_time(row.created_at or now, config.policy.timezone)),
                         reply_to=getattr(row, "reply_to", "") or "")


def _again(store: OutboxStore, row: Any, attempts: int, max_attempts: int, error: str, now: datetime,
           result: DrainResult) -> None:
    """Back in the queue after the back-off, or failed once ``max_attempts`` are spent."""
    if attempts >= max_attempts:
        store.mark_failed(row.id, attempts=attempts, error=error[:500])
        result.failed += 1
    else:
        store.mark_pending(row.id, attempts=attempts, next_attempt_at=now + backoff(attempts), error=error[:500])
        result.retrying += 1


def _sent(store: OutboxStore, row: Any, channel: str, now: datetime, result: DrainResult) -> None:
    store.mark_sent(row.id, now=now)
    result.sent += 1
    result.sent_ids.append(row.id)
    result.by_channel[channel] = result.by_channel.get(channel, 0) + 1


def _send_one(store: OutboxStore, config: Config, mailer: Mailer, row: Any, now: datetime,
              result: DrainResult) -> None:
    """Send one claimed digest and mark it; MailServerProblem (the server, not this digest) is raised."""
    try:
        msg = message_for(row, config, now)
    except ValueError as exc:  # it cannot be built (no subject, an address that cannot be written)
        store.mark_failed(row.id, attempts=row.attempts + 1, error=f"无法生成邮件：{exc}"[:500])
        result.failed += 1
        return
    try:
        mailer.send(msg)
    except MessageRefused as exc:
        _again(store, row, row.attempts + 1, config.smtp.max_attempts, str(exc), now, result)
        return
    except MailServerProblem as exc:
        # A refusal of the whole session counts against no digest; a dropped connection against this one.
        attempts = row.attempts + (0 if isinstance(exc, ServerRefused) else 1)
        store.mark_pending(row.id, attempts=attempts, next_attempt_at=now, error=str(exc)[:500])
        raise
    _sent(store, row, "email", now, result)


class _Deliverer:
    """Every delivery other than e-mail, through its adapter; remembers which endpoints are down this drain."""

    def __init__(self, store: OutboxStore, config: Config, channels: ChannelSet) -> None:
        self.store, self.config, self.channels = store, config, channels
        self.down: dict[str, str] = {}  # endpoint → why (a robot by its place, a provider by its channel)

    def deliver(self, row: Any, now: datetime, result: DrainResult) -> None:
        channel, address = split_recipient(row.recipient)
        endpoint = row.recipient if channel.endswith("_robot") else channel
        if endpoint in self.down:  # not tried again this drain: no attempt counted
            self.store.mark_pending(row.id, attempts=row.attempts, next_attempt_at=now + BACKOFF_BASE,
                                    error=self.down[endpoint][:500])
            result.retrying += 1
            return
        delivery = Delivery(channel, address, row.subject, row.body_text, row.message_id)
        attempts, most = row.attempts + 1, self.config.channels.max_attempts
        try:
            self.channels.get(channel).send(delivery, now)
        except Rejected as exc:
            self.store.mark_failed(row.id, attempts=attempts, error=str(exc)[:500])
            result.failed += 1
        except Throttled as exc:
            self.store.mark_pending(row.id, attempts=row.attempts, next_attempt_at=now + exc.retry_after,
                                    error=str(exc)[:500])
            result.retrying += 1
            result.throttled += 1
        except Unreachable as exc:
            if not exc.maybe_delivered:
                self.down[endpoint] = str(exc)
            _again(self.store, row, attempts, most, str(exc), now, result)
        except DeliveryProblem as exc:
            _again(self.store, row, attempts, most, str(exc), now, result)
        else:
            _sent(self.store, row, channel, now, result)


def drain(store: OutboxStore, config: Config, mailer: Mailer, *, now: datetime, lease: timedelta = LEASE,
          channels: ChannelSet | None = None) -> DrainResult:
    """Send every due delivery. A mail server problem leaves the e-mail pending and is raised at the end, after
    the other channels have gone; rows another process holds are counted (``held``) and taken over only after
    their lease."""
    result = DrainResult()
    deliverer = _Deliverer(store, config, channels if channels is not None else ChannelSet(config))
    mail_down: MailServerProblem | None = None
    mail_open = False
    batch = claim(store, now=now, lease=lease)
    try:
        while batch:
            for k, row in enumerate(batch):
                try:
                    if split_recipient(row.recipient)[0] != "email":
                        deliverer.deliver(row, now, result)
                        continue
                    if mail_down is None and not mail_open:
                        try:
                            mailer.open()
                            mail_open = True
                        except MailServerProblem as exc:
                            mail_down = exc
                    if mail_down is not None:
                        release(store, [row.id])
                        continue
                    try:
                        _send_one(store, config, mailer, row, now, result)
                    except MailServerProblem as exc:
                        mail_down = exc
                except BaseException:
                    release(store, [r.id for r in batch[k + 1 :]] + [row.id])
                    raise
            batch = claim(store, now=now, lease=lease, skip_channels=("email",) if mail_down else ())
    finally:
        if mail_open:
            mailer.close()
        deliverer.channels.close()
    if mail_down is not None:
        raise mail_down
    result.held, result.held_until = store.held(now=now)
    return result
