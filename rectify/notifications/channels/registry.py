"""The adapters a drain sends through, built from ``[channels]`` and the environment when first needed."""

from __future__ import annotations

import os
from collections.abc import Mapping

from rectify.config import Config
from rectify.notifications.channels.port import Channel, Rejected
from rectify.notifications.channels.robots import DingtalkRobots, WecomRobots
from rectify.notifications.channels.sms import Sms
from rectify.notifications.channels.wecom_app import WecomApp

WECOM_SECRET = "RECTIFY_WECOM_SECRET"
DINGTALK_SECRET = "RECTIFY_DINGTALK_SECRET_"
SMS_KEY_ID, SMS_KEY_SECRET = "RECTIFY_SMS_KEY_ID", "RECTIFY_SMS_KEY_SECRET"


class ChannelSet:
    """One adapter per channel, kept for the life of this object (token caches and rate buckets with it)."""

    def __init__(self, config: Config, env: Mapping[str, str] | None = None) -> None:
        self.config = config
        self.env = os.environ if env is None else env
        self.adapters: dict[str, Channel] = {}

    def get(self, channel: str) -> Channel:
        adapter = self.adapters.get(channel)
        if adapter is None:
            adapter = self.adapters[channel] = self._build(channel)
        return adapter

    def _build(self, channel: str) -> Channel:
        c = self.config.channels
        base, timeout = c.base_urls, c.timeout_seconds
        if channel == "wecom_robot":
            return WecomRobots(dict(c.wecom_robots), base=base.get("wecom", ""), per_minute=c.robot_per_minute,
                               timeout=timeout)
        if channel == "dingtalk_robot":
            urls = {place: r["url"] for place, r in c.dingtalk_robots.items()}
            secrets = {place: self.env.get(DINGTALK_SECRET + r["secret"], "") if r.get("secret") else ""
                       for place, r in c.dingtalk_robots.items()}
            return DingtalkRobots(urls, secrets, base=base.get("dingtalk", ""), per_minute=c.robot_per_minute,
                                  timeout=timeout)
        if channel == "wecom_app" and c.wecom_app:
            return WecomApp(corp_id=str(c.wecom_app.get("corp_id", "")), agent_id=str(c.wecom_app.get("agent_id", 0)),
                            secret=self.env.get(WECOM_SECRET, ""), base=base.get("wecom", ""), timeout=timeout)
        if channel == "sms" and c.sms:
            provider = c.sms["provider"]
            return Sms(provider=provider, sign=c.sms["sign"], template=c.sms["template"],
                       variables=[v.strip() for v in c.sms.get("variables", "count,item,due").split(",")],
                       app_id=c.sms.get("app_id", ""), key_id=self.env.get(SMS_KEY_ID, ""),
                       key_secret=self.env.get(SMS_KEY_SECRET, ""), base=base.get(provider, ""), timeout=timeout,
                       region=c.sms.get("region", ""))
        raise Rejected(f"渠道 {channel} 未在 [channels] 中配置，无法发送")

    def close(self) -> None:
        for adapter in self.adapters.values():
            adapter.close()
