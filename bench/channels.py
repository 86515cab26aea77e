"""``channels``: a sweep of N cases delivered through every channel to local fakes (SPEC §16).

The copy of the database gives every current first secretary of an odd case a 企业微信 userid (in the registry)
and every even case's secretary a phone and no e-mail (an SMS), and ``[channels]`` a 企业微信 robot per township
and a 钉钉 robot (加签) per county; the fakes (``tests/channel_fakes.py``) run in their own process and check
each request as the providers do. The figure is the sweep and the drain as ``remind run`` does them (e-mail to
a mailer that drops it), its peak RSS beside it; the floor is the same number of requests posted by hand with
``urllib`` to the same fakes, with nothing decided, recorded or signed.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
import time
import urllib.request
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.figures import measure, peak_rss_mb

SECRETS = {"RECTIFY_WECOM_SECRET": "wecom-secret", "RECTIFY_SMS_KEY_ID": "LTAI-test",
           "RECTIFY_SMS_KEY_SECRET": "sms-key-secret"}


def _reach(path: Path) -> list[tuple[str, str]]:
    """Userids and phones on the copy; the (county, township) pairs of its cases."""
    con = sqlite3.connect(path)
    with con:
        con.execute("UPDATE secretary_assignment SET phone = printf('139%08d', case_id), email = '' "
                    "WHERE until IS NULL AND case_id % 2 = 0")
        con.execute("INSERT OR IGNORE INTO person (name, unit, role, scope, email, phone, wecom_userid, "
                    "dingtalk_userid, channels, login, registered, active, created_at) "
                    "SELECT name, unit, 'first_secretary', '', '', '', 'fs' || case_id, '', '', NULL, 1, 1, "
                    "'2026-06-30 02:00:00.000000' FROM secretary_assignment WHERE until IS NULL AND case_id % 2 = 1")
    places = con.execute("SELECT DISTINCT county, township FROM organization").fetchall()
    con.close()
    return [(c, t) for c, t in places]


class _Dropped:
    """A mailer that takes every message and keeps none (the figure is the channels, not SMTP)."""

    def open(self) -> None: ...

    def send(self, msg: Any) -> None: ...

    def close(self) -> None: ...


@measure("channels")
def channels_figure(db_path: Path, workdir: Path, n: int) -> dict[str, Any]:
    from bench.generate import AS_OF
    from rectify.config import ChannelsConfig, Config
    from rectify.notifications.channels.registry import ChannelSet
    from rectify.notifications.outbox import drain, run_sweep
    from rectify.notifications.render import Renderer
    from rectify.store import open_database
    from rectify.store.outbox import SqlOutboxStore

    copy = workdir / "channels.sqlite"
    shutil.copy(db_path, copy)
    places = _reach(copy)
    fake = subprocess.Popen([sys.executable, "-m", "tests.channel_fakes"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    assert fake.stdin is not None and fake.stdout is not None
    url = fake.stdout.readline().strip()
    now = datetime(AS_OF.year, AS_OF.month, AS_OF.day, 2, tzinfo=UTC)
    fake.stdin.write(now.isoformat() + "\n")
    fake.stdin.flush()
    config = replace(Config(), channels=ChannelsConfig(
        wecom_robots={f"{c}/{t}": f"{url}/cgi-bin/webhook/send?key=t{i}" for i, (c, t) in enumerate(places)},
        dingtalk_robots={c: {"url": f"{url}/robot/send?access_token=dt-qingshan", "secret": "QS"}
                         for c in sorted({c for c, _ in places})},
        wecom_app={"corp_id": "ww-qingshan", "agent_id": "1000002"},
        sms={"provider": "aliyun", "sign": "青山县委组织部", "template": "SMS_1001"},
        base_urls={"wecom": url, "aliyun": url}))
    env = {**SECRETS, "RECTIFY_DINGTALK_SECRET_QS": "SEC-dingtalk-secret"}
    db = open_database(str(copy))
    store = SqlOutboxStore(db)
    start = time.perf_counter()
    run_sweep(store, config, as_of=AS_OF, now=now, renderer=Renderer())
    sent = drain(store, config, _Dropped(), now=now, channels=ChannelSet(config, env))  # type: ignore[arg-type]
    value = time.perf_counter() - start
    db.dispose()
    delivered = sum(k for c, k in sent.by_channel.items() if c != "email")
    body = json.dumps({"msgtype": "markdown", "markdown": {"content": "**整顿工作提醒**\n" + "待办事项" * 40}},
                      ensure_ascii=False).encode("utf-8")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    start = time.perf_counter()
    for k in range(delivered):
        request = urllib.request.Request(f"{url}/cgi-bin/webhook/send?key=floor{k % 50}", data=body,
                                          headers={"Content-Type": "application/json"})
        with opener.open(request, timeout=10) as answer:
            answer.read()
    floor = time.perf_counter() - start
    fake.stdin.close()
    fake.wait(timeout=60)
    return {"value": value, "floor": max(floor, 1e-6), "unit": "s", "peak_rss_mb": peak_rss_mb(),
            "deliveries": sent.sent, "by_channel": sent.by_channel, "failed": sent.failed, "retrying": sent.retrying}
