"""Group robots: 企业微信 (markdown, a webhook key) and 钉钉 (markdown, 加签), each behind a token bucket."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime, timedelta
from urllib.parse import quote_plus

from rectify.notifications.channels.http import call, rebase
from rectify.notifications.channels.port import Channel, Delivery, Refused, Rejected, Throttled, TokenBucket

MARKDOWN_LIMIT = 4096  # bytes of markdown content 企业微信 takes; our digest keeps to 2 KB
WECOM_THROTTLED = frozenset({45009, 45033})
WECOM_REJECTED = frozenset({40058, 93000, 40008, 44004})  # too long, invalid webhook, invalid type, empty
DINGTALK_THROTTLED = frozenset({130101, 130102})
DINGTALK_REJECTED = frozenset({300001, 400013, 400101, 300004, 310000})  # token, content, signature/keywords


class Robots(Channel):
    """Every robot of one kind, by place; one token bucket per robot (state kept while the adapter lives)."""

    name = "robot"
    label = "群机器人"

    def __init__(self, robots: dict[str, str], *, base: str, per_minute: int, timeout: float) -> None:
        self.robots = robots
        self.base = base
        self.per_minute = per_minute
        self.timeout = timeout
        self.buckets: dict[str, TokenBucket] = {}

    def _url(self, place: str) -> str:
        url = self.robots.get(place)
        if not url:
            raise Rejected(f"[channels] 中没有 {place} 的{self.label}")
        return rebase(url, self.base)

    def _take(self, place: str, now: datetime) -> None:
        bucket = self.buckets.setdefault(place, TokenBucket(self.per_minute))
        wait = bucket.take(now)
        if wait is not None:
            raise Throttled(f"{place} 的{self.label}每分钟最多发送 {self.per_minute} 条，稍后发送", wait)


class WecomRobots(Robots):
    name = "wecom_robot"
    label = "企业微信群机器人"

    def send(self, delivery: Delivery, now: datetime) -> None:
        url = self._url(delivery.address)
        content = delivery.body
        if len(content.encode("utf-8")) > MARKDOWN_LIMIT:
            raise Rejected(f"消息超过企业微信 markdown 上限 {MARKDOWN_LIMIT} 字节")
        self._take(delivery.address, now)
        answer = call(url, where=f"{delivery.address} 的{self.label}", timeout=self.timeout,
                      body={"msgtype": "markdown", "markdown": {"content": content}})
        _check(answer, f"{delivery.address} 的{self.label}", WECOM_THROTTLED, WECOM_REJECTED)


class DingtalkRobots(Robots):
    name = "dingtalk_robot"
    label = "钉钉群机器人"

    def __init__(self, robots: dict[str, str], secrets: dict[str, str], *, base: str, per_minute: int,
                 timeout: float) -> None:
        super().__init__(robots, base=base, per_minute=per_minute, timeout=timeout)
        self.secrets = secrets

    def send(self, delivery: Delivery, now: datetime) -> None:
        url = self._url(delivery.address)
        secret = self.secrets.get(delivery.address, "")
        if secret:
            timestamp, sign = dingtalk_sign(secret, now)
            url += ("&" if "?" in url else "?") + f"timestamp={timestamp}&sign={sign}"
        self._take(delivery.address, now)
        answer = call(url, where=f"{delivery.address} 的{self.label}", timeout=self.timeout,
                      body={"msgtype": "markdown", "markdown": {"title": delivery.title, "text": delivery.body}})
        _check(answer, f"{delivery.address} 的{self.label}", DINGTALK_THROTTLED, DINGTALK_REJECTED)


def dingtalk_sign(secret: str, now: datetime) -> tuple[int, str]:
    """钉钉 加签: (timestamp in ms, url-encoded base64 of HMAC-SHA256 over "timestamp\\nsecret" keyed by secret)."""
    timestamp = int(now.timestamp() * 1000)
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    return timestamp, quote_plus(base64.b64encode(digest).decode("ascii"))


def _check(answer: dict[str, object], where: str, throttled: frozenset[int], rejected: frozenset[int]) -> None:
    code = answer.get("errcode", -1)
    if code == 0:
        return
    text = f"{where} 拒绝消息：{code} {answer.get('errmsg', '')}"
    if code in throttled:
        raise Throttled(f"{where} 限流：{code} {answer.get('errmsg', '')}", timedelta(minutes=1))
    if code in rejected:
        raise Rejected(text)
    raise Refused(text)
