"""Which channels an item goes by (SPEC §16): per person from their settings, per place from ``[channels]``.

- A person on the case (the roles the item goes to) gets, besides the e-mail digest when they have an
  address, each of their preferred channels (``people add --channels wecom_app,sms``) that is configured and
  that they have an address for. With no preference: an application message when they have a 企业微信 userid,
  else an SMS when they have a phone and no e-mail.
- A group robot of the case's county (``"青山县"``) or township (``"青山县/城关镇"``) gets every item of the
  cases there that goes to the people on the case (not the leaders' monthly 专报, not what goes to the
  supervisors): a group hears only of its own place.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from rectify.config import Config
from rectify.notifications.channels.port import recipient_of

PERSON_CHANNELS = ("wecom_app", "sms")
_PHONE = re.compile(r"\+?[0-9]{5,20}")
NOT_BY_CHANNEL = frozenset({"brief"})


class AddressRow(NamedTuple):
    """A person on a case and where they read: rows of ``SweepReader.addresses``."""

    case_id: int
    role: str
    name: str
    email: str
    phone: str
    wecom_userid: str
    dingtalk_userid: str
    channels: str


class Target(NamedTuple):
    recipient: str
    role: str
    name: str
    problem: str


def configured(config: Config) -> bool:
    c = config.channels
    return bool(c.wecom_robots or c.dingtalk_robots or c.wecom_app or c.sms)


class ChannelPlanner:
    def __init__(self, config: Config) -> None:
        c = config.channels
        self.wecom = dict(c.wecom_robots)
        self.dingtalk = dict(c.dingtalk_robots)
        self.person_channels = {name for name, on in (("wecom_app", bool(c.wecom_app)), ("sms", bool(c.sms))) if on}

    @property
    def wants_people(self) -> bool:
        return bool(self.person_channels)

    def robots(self, county: str, township: str) -> list[Target]:
        places = [p for p in (county, f"{county}/{township}" if township else "") if p]
        return [Target(recipient_of(ch, place), "robot", place, "")
                for ch, robots in (("wecom_robot", self.wecom), ("dingtalk_robot", self.dingtalk))
                for place in places if place in robots]

    def people(self, roles: Sequence[str], rows: Iterable[AddressRow]) -> list[Target]:
        out: list[Target] = []
        for row in rows:
            if row.role in roles:
                out.extend(self._person(row))
        return out

    def _person(self, row: AddressRow) -> list[Target]:
        prefs = [p.strip() for p in row.channels.split(",") if p.strip()]
        phone, userid = row.phone.strip().replace(" ", "").replace("-", ""), row.wecom_userid.strip()
        if not prefs:
            prefs = ["wecom_app"] if userid else ["sms"] if phone and not row.email.strip() else []
        out = []
        for channel in prefs:
            if channel not in self.person_channels:
                continue
            if channel == "wecom_app" and userid:
                out.append(Target(recipient_of(channel, userid), row.role, row.name, ""))
            elif channel == "sms" and phone:
                problem = "" if _PHONE.fullmatch(phone) else f"无法发送短信：电话号码 {phone[:40]} 不是手机号"
                out.append(Target(recipient_of(channel, phone[:300]), row.role, row.name, problem))
        return out

    def targets(self, kind: str, roles: Sequence[str], rows: Iterable[AddressRow], county: str,
                township: str) -> list[Target]:
        """Everyone and every group this item goes to by a channel other than e-mail."""
        if kind in NOT_BY_CHANNEL:
            return []
        return self.people(roles, rows) + self.robots(county, township)


def by_case(rows: Iterable[Any]) -> dict[int, list[AddressRow]]:
    out: dict[int, list[AddressRow]] = {}
    for r in rows:
        out.setdefault(r.case_id, []).append(AddressRow(r.case_id, r.role, r.name, r.email or "", r.phone or "",
                                                        r.wecom_userid or "", r.dingtalk_userid or "",
                                                        r.channels or ""))
    return out
