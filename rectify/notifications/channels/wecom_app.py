"""企业微信 application messages to one person (markdown), with the access token cached until it expires."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlencode

from rectify.notifications.channels.http import call
from rectify.notifications.channels.port import Channel, Delivery, Refused, Rejected, Throttled

WECOM_BASE = "https://qyapi.weixin.qq.com"
TOKEN_INVALID = frozenset({40014, 42001, 40082})  # invalid or expired access_token: fetch a new one
THROTTLED = frozenset({45009, 45033, 45047})
REJECTED = frozenset({81013, 40003, 60111, 40058, 82001})  # no such user, too long …
TOKEN_MARGIN = timedelta(minutes=5)


class WecomApp(Channel):
    name = "wecom_app"

    def __init__(self, *, corp_id: str, agent_id: str, secret: str, base: str, timeout: float) -> None:
        self.corp_id, self.agent_id, self.secret = corp_id, agent_id, secret
        self.base = (base or WECOM_BASE).rstrip("/")
        self.timeout = timeout
        self.token: str = ""
        self.token_until: datetime | None = None
        self.tokens_fetched = 0

    def _token(self, now: datetime) -> str:
        if self.token and self.token_until is not None and now < self.token_until:
            return self.token
        if not self.secret:
            raise Rejected("未设置企业微信应用 Secret（环境变量 RECTIFY_WECOM_SECRET）")
        query = urlencode({"corpid": self.corp_id, "corpsecret": self.secret})
        answer = call(f"{self.base}/cgi-bin/gettoken?{query}", where="企业微信（获取 access_token）",
                      timeout=self.timeout)
        if answer.get("errcode", 0) != 0 or not answer.get("access_token"):
            raise Refused(f"企业微信拒绝发放 access_token：{answer.get('errcode')} {answer.get('errmsg', '')}"
                          "（检查 corp_id 与 RECTIFY_WECOM_SECRET）")
        self.tokens_fetched += 1
        self.token = str(answer["access_token"])
        expires = int(answer.get("expires_in", 7200))  # type: ignore[call-overload]
        self.token_until = now + timedelta(seconds=expires) - TOKEN_MARGIN
        return self.token

    def send(self, delivery: Delivery, now: datetime) -> None:
        body = {"touser": delivery.address, "msgtype": "markdown", "agentid": int(self.agent_id),
                "markdown": {"content": delivery.body}, "enable_duplicate_check": 1,
                "duplicate_check_interval": 1800}
        for _ in range(2):
            token = self._token(now)
            answer = call(f"{self.base}/cgi-bin/message/send?access_token={token}", body=body,
                          where="企业微信应用消息", timeout=self.timeout)
            code = answer.get("errcode", -1)
            if code not in TOKEN_INVALID:
                break
            self.token = ""  # expired before its time: fetch a new one and send again, once
        where = f"企业微信应用消息（{delivery.address}）"
        if code == 0:
            if answer.get("invaliduser"):
                raise Rejected(f"{where}：企业微信中没有这个 userid")
            return
        text = f"{where} 被拒绝：{code} {answer.get('errmsg', '')}"
        if code in THROTTLED:
            raise Throttled(f"{where} 限流：{code} {answer.get('errmsg', '')}", timedelta(minutes=1))
        if code in REJECTED:
            raise Rejected(text)
        raise Refused(text)
