"""How a person reads the outbox: each delivery's status and channel in words (the CLI's list and the web's page)."""

from __future__ import annotations

STATUS_LABELS: dict[str, str] = {"pending": "待发送", "sending": "发送中", "sent": "已发送", "failed": "发送失败"}
CHANNEL_LABELS: dict[str, str] = {"email": "邮件", "wecom_robot": "企业微信群", "wecom_app": "企业微信",
                                  "dingtalk_robot": "钉钉群", "sms": "短信"}
