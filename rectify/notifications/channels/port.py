"""The channel port: a delivery is (channel, address, rendered body, idempotency key); what can go wrong.

An adapter raises one of the :class:`DeliveryProblem` kinds and the drain decides: ``Rejected`` fails the
delivery at once (a bad address, a template the provider does not have); ``Refused`` counts an attempt and
backs off; ``Throttled`` waits the time the provider asks for, counting nothing; ``Unreachable`` (the
provider down, a timeout) counts an attempt and backs off. A timeout may have delivered the message: the
next attempt may deliver it again (at-least-once).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple

CHANNELS = ("email", "wecom_robot", "wecom_app", "dingtalk_robot", "sms")
ROBOTS = ("wecom_robot", "dingtalk_robot")


class Delivery(NamedTuple):
    channel: str
    address: str  # a robot's place ("青山县/城关镇"), a userid, a phone number
    title: str
    body: str  # markdown, or for SMS the template's variables as JSON
    key: str  # the outbox row's idempotency key (its Message-ID)


def split_recipient(recipient: str) -> tuple[str, str]:
    """``sms:13800000000`` → (``sms``, ``13800000000``); an e-mail address has no prefix."""
    channel, sep, address = recipient.partition(":")
    if sep and channel in CHANNELS:
        return channel, address
    return "email", recipient


def recipient_of(channel: str, address: str) -> str:
    return address if channel == "email" else f"{channel}:{address}"


class DeliveryProblem(Exception):
    """Why one delivery did not go; one line in the officers' words."""


class Rejected(DeliveryProblem):
    """The provider will never take this delivery as it is: it fails at once."""


class Refused(DeliveryProblem):
    """Refused this time: an attempt counted, retried after the back-off."""


class Throttled(DeliveryProblem):
    """Too many messages: retried after ``retry_after``, no attempt counted."""

    def __init__(self, message: str, retry_after: timedelta = timedelta(minutes=1)) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Unreachable(DeliveryProblem):
    """The provider could not be reached or did not answer in time; ``maybe_delivered`` after a timeout."""

    def __init__(self, message: str, *, maybe_delivered: bool = False) -> None:
        super().__init__(message)
        self.maybe_delivered = maybe_delivered


@dataclass
class TokenBucket:
    """``capacity`` messages, refilled evenly over ``period``: a robot's 20 messages a minute."""

    capacity: int
    period: timedelta = timedelta(minutes=1)
    tokens: float = -1.0
    at: datetime | None = field(default=None)

    def take(self, now: datetime) -> timedelta | None:
        """Take a token at ``now``; None when taken, else how long until one is free."""
        rate = self.capacity / self.period.total_seconds()
        if self.at is None or self.tokens < 0:
            self.tokens, self.at = float(self.capacity), now
        elif now > self.at:
            self.tokens = min(float(self.capacity), self.tokens + (now - self.at).total_seconds() * rate)
            self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return None
        return timedelta(seconds=(1 - self.tokens) / rate)


class Channel(ABC):
    """One provider: ``send`` one delivery at ``now`` (its signatures and tokens are made for that time)."""

    name: str

    @abstractmethod
    def send(self, delivery: Delivery, now: datetime) -> None: ...

    def close(self) -> None:  # noqa: B027 (most adapters hold nothing open)
        pass
