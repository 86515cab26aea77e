"""What each channel carries (SPEC §16): the e-mail keeps the full 公文 digest; robots and application
messages get a short markdown digest (称谓, counts, the most urgent items, a link to 我的待办) of at most
2 KB; an SMS only its template's variables (待办数 ``count``, 最近一项 ``item``, 时限 ``due``)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any

from rectify.config import Config
from rectify.notifications.render import DEFAULT_SENDER, chinese_date, item_context, salutation

DIGEST_LIMIT = 2048  # bytes of markdown: a short digest, half of what 企业微信 takes
SMS_ITEM_CHARS = 20  # a template variable 阿里云 takes is at most 35 characters; ours stays short
MOST_URGENT = 5


def todo_url(config: Config) -> str:
    """我的待办: ``[channels] todo_url``, else the web front's ``[web] base_url`` (its front page)."""
    if config.channels.todo_url:
        return config.channels.todo_url
    base = str(getattr(getattr(config, "web", None), "base_url", "") or "")
    return base.rstrip("/") + "/" if base else ""


def _urgency(ctx: dict[str, Any]) -> tuple[int, str, int]:
    return (ctx["days_left"], ctx["due_on"], ctx["case_id"])


def _line(ctx: dict[str, Any]) -> str:
    left = ctx["days_left"]
    when = f"逾期 {-left} 天" if left < 0 else "今日到期" if left == 0 else f"还有 {left} 天"
    what = ctx.get("measure_text") or ctx["task_label"]
    return f"{ctx['org_name']}：{what}（{ctx['due_label']} {ctx['due_on'][5:].replace('-', '月', 1)}日，{when}）"


def short_digest(greeting: str, as_of: date, items: Sequence[dict[str, Any]], config: Config,
                 limit: int = DIGEST_LIMIT) -> tuple[str, str]:
    """(title, markdown) within ``limit`` bytes: the counts, then the most urgent items while they fit."""
    ctxs = sorted((item_context(i) for i in items if i["kind"] != "brief"), key=_urgency)
    overdue = sum(1 for c in ctxs if c["days_left"] < 0)
    sender = config.report.unit.strip() or DEFAULT_SENDER
    title = f"整顿工作提醒（{chinese_date(as_of)}）"
    head = [f"**{title}**", f"{greeting}：", f"待办 **{len(ctxs)}** 项" + (f"，其中逾期 **{overdue}** 项" if overdue
                                                                        else "") + "。"]
    link = todo_url(config)
    tail = ([f"[查看我的待办]({link})"] if link else []) + [f"> {sender}"]
    lines: list[str] = []
    shown = 0
    for ctx in ctxs[:MOST_URGENT]:
        line = f"{shown + 1}. {_line(ctx)}"
        more = len(ctxs) - shown - 1
        trial = "\n".join([*head, *lines, line, *([f"另有 {more} 项"] if more else []), *tail])
        if len(trial.encode("utf-8")) > limit:
            break
        lines.append(line)
        shown += 1
    rest = [f"另有 {len(ctxs) - shown} 项"] if len(ctxs) > shown else []
    body = "\n".join([*head, *lines, *rest, *tail])
    while len(body.encode("utf-8")) > limit:  # a very long 称谓 or unit: cut, never send more than the limit
        body = body[: len(body) - 16]
    return title, body


def sms_variables(as_of: date, items: Sequence[dict[str, Any]]) -> tuple[str, str]:
    """(title, JSON of the variables): 待办数, the most urgent item (short), its 时限."""
    ctxs = sorted((item_context(i) for i in items if i["kind"] != "brief"), key=_urgency)
    if not ctxs:
        return "", ""
    first = ctxs[0]
    what = f"{first['org_name']}{first.get('measure_text') or first['task_label']}"
    due = date.fromisoformat(first["due_on"])
    values = {"count": str(len(ctxs)), "item": what[:SMS_ITEM_CHARS], "due": f"{due.month}月{due.day}日"}
    return f"整顿工作提醒（{chinese_date(as_of)}）", json.dumps(values, ensure_ascii=False)


def render_delivery(channel: str, address: str, name: str, as_of: date, items: Sequence[dict[str, Any]],
                    config: Config) -> tuple[str, str, str]:
    """(title, body, problem) of one delivery recorded at sweep time, so a resend is identical."""
    if channel == "sms":
        title, body = sms_variables(as_of, items)
    else:
        greeting = f"{address} 各位同志" if channel in ("wecom_robot", "dingtalk_robot") else salutation(name)
        title, body = short_digest(greeting, as_of, items, config)
    if not body:
        return "", "", "无法生成提醒：没有可发送的事项（月度专报只发邮件）"
    return title, body, ""
