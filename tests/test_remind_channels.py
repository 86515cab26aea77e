"""Reminders through every channel (SPEC §16), each checked on a local fake of its provider, on both backends."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from rectify.config import ChannelsConfig, Config
from rectify.notifications.channels.registry import ChannelSet
from rectify.notifications.mailer import MemoryMailer
from rectify.notifications.outbox import drain, list_outbox, retry, run_sweep
from rectify.notifications.render import Renderer
from rectify.store import Database
from rectify.store.outbox import SqlOutboxStore
from rectify.store.outbox_models import digest_t
from rectify.write.engine import Workflow
from rectify.write.people import PersonInput, register_people

from .channel_fakes import (
    AGENT_ID,
    CORP_ID,
    CORP_SECRET,
    DINGTALK_SECRET,
    DINGTALK_TOKEN,
    SMS_KEY_ID,
    SMS_KEY_SECRET,
    SMS_SIGN,
    TENCENT_APP,
    Fake,
)
from .conftest import FakeClock
from .remind_helpers import AS_OF_ISO, CADRE, OFFICER, SECRETARY, build_county, county_config

AS_OF = date.fromisoformat(AS_OF_ISO)
ENV = {"RECTIFY_WECOM_SECRET": CORP_SECRET, "RECTIFY_DINGTALK_SECRET_QS": DINGTALK_SECRET,
       "RECTIFY_SMS_KEY_ID": SMS_KEY_ID, "RECTIFY_SMS_KEY_SECRET": SMS_KEY_SECRET}
SECRETARY_USERID, CADRE_PHONE = "chenhaitao", "13800000002"


@pytest.fixture
def fake() -> Iterator[Fake]:
    server = Fake().start()
    yield server
    server.stop()


@pytest.fixture
def county(wf: Workflow, clock: FakeClock, db: Database) -> tuple[int, int]:
    """Case a (河口镇: deadline in 7 days, no report since March) and case b (石桥乡: ledger overdue); the
    first secretary reads 企业微信, the township cadre prefers SMS."""
    cases = build_county(wf, clock)
    register_people(db, [
        PersonInput("赵经办", "县委组织部", "county_officer", "青山县", OFFICER),  # reads the outbox
        PersonInput("陈海涛", "县财政局", "first_secretary", "青山县/河口镇", wecom_userid=SECRETARY_USERID),
        PersonInput("张干部", "河口镇", "township_cadre", "青山县/河口镇", phone=CADRE_PHONE, channels="sms"),
        PersonInput("外县书记", "绿水县", "first_secretary", "绿水县/城关镇", wecom_userid="zhangganbu",
                    phone="13900000009"),  # on no case of ours
    ], clock())
    clock.set_day(AS_OF_ISO)
    return cases


def channel_config(fake: Fake, **over: Any) -> Config:
    channels = ChannelsConfig(
        wecom_robots={"青山县/河口镇": fake.robot_url("hekou"), "青山县/石桥乡": fake.robot_url("shiqiao"),
                      "绿水县/城关镇": fake.robot_url("county")},
        dingtalk_robots={"青山县": {"url": f"{fake.url}/robot/send?access_token={DINGTALK_TOKEN}", "secret": "QS"}},
        wecom_app={"corp_id": CORP_ID, "agent_id": AGENT_ID},
        sms={"provider": "aliyun", "sign": SMS_SIGN, "template": "SMS_1001"},
        base_urls={"wecom": fake.url, "aliyun": fake.url, "tencent": fake.url},
        todo_url="https://rectify.qingshan.example.cn/",
    )
    return replace(county_config(), channels=replace(channels, **over))


def sweep(db: Database, config: Config, clock: FakeClock, as_of: date = AS_OF) -> list[dict[str, Any]]:
    return run_sweep(SqlOutboxStore(db), config, as_of=as_of, now=clock(), renderer=Renderer()).digests


def send(db: Database, config: Config, clock: FakeClock, fake: Fake, channels: ChannelSet | None = None,
         mailer: MemoryMailer | None = None) -> Any:
    fake.now = clock()
    return drain(SqlOutboxStore(db), config, mailer or MemoryMailer(), now=clock(),
                 channels=channels or ChannelSet(config, ENV))


def by_channel(db: Database) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    with db.engine.connect() as conn:
        for r in conn.execute(sa.select(digest_t).order_by(digest_t.c.id)):
            out.setdefault(r.channel, []).append(r)
    return out


def test_a_sweep_delivers_through_every_channel_and_a_second_sends_nothing(
        db: Database, clock: FakeClock, county: tuple[int, int], fake: Fake) -> None:
    config = channel_config(fake)
    mailer = MemoryMailer()
    sweep(db, config, clock)
    result = send(db, config, clock, fake, mailer=mailer)
    assert result.failed == 0 and result.retrying == 0
    assert set(result.by_channel) == {"email", "wecom_robot", "wecom_app", "dingtalk_robot", "sms"}
    # e-mail to the officers, as before
    assert {str(m["To"]).split("<")[-1].rstrip(">") for m in mailer.sent} >= {OFFICER, SECRETARY, CADRE}
    # each township's robot hears of its own cases only; the county's robot of both
    [hekou], [shiqiao] = fake.arrived.wecom_robot["hekou"], fake.arrived.wecom_robot["shiqiao"]
    assert "王家庄村" in hekou and "李家湾村" not in hekou
    assert "李家湾村" in shiqiao and "王家庄村" not in shiqiao
    assert "[查看我的待办](https://rectify.qingshan.example.cn/)" in hekou
    assert all(len(c.encode()) <= 2048 for c in (hekou, shiqiao))
    assert fake.arrived.wecom_robot["county"] == []  # 绿水县's robot: nothing of 青山县
    [ding] = fake.arrived.dingtalk
    assert "王家庄村" in ding["markdown"]["text"] and "李家湾村" in ding["markdown"]["text"]
    # the first secretary by 企业微信, the cadre by SMS with only the template's variables
    [app] = fake.arrived.wecom_app
    assert app["touser"] == SECRETARY_USERID and "陈海涛同志" in app["markdown"]["content"]
    [sms] = fake.arrived.sms
    assert sms["phone"] == CADRE_PHONE and set(sms["params"]) == {"count", "item", "due"}
    assert fake.arrived.tokens_issued == 1
    # the person on no case of ours gets nothing
    assert "zhangganbu" not in [m["touser"] for m in fake.arrived.wecom_app]
    # a second sweep the same day records nothing new, a drain sends nothing
    requests = fake.requests
    assert sweep(db, config, clock) == []
    again = send(db, config, clock, fake, mailer=mailer)
    assert again.sent == 0 and fake.requests == requests
    rows = list_outbox(SqlOutboxStore(db))
    assert {r["channel"] for r in rows} == {"email", "wecom_robot", "wecom_app", "dingtalk_robot", "sms"}
    assert all(r["status"] == "sent" for r in rows)


def test_throttling_is_retried_without_spending_an_attempt(
        db: Database, clock: FakeClock, county: tuple[int, int], fake: Fake) -> None:
    config = channel_config(fake)
    fake.answer_next("wecom_robot:hekou", {"errcode": 45009, "errmsg": "api freq out of limit"})
    fake.answer_next("aliyun", {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发分钟级流控Permits:1"})
    sweep(db, config, clock)
    first = send(db, config, clock, fake)
    assert first.throttled == 2 and first.failed == 0
    assert fake.arrived.wecom_robot["shiqiao"] and not fake.arrived.wecom_robot["hekou"] and not fake.arrived.sms
    waiting = [r for rows in by_channel(db).values() for r in rows if r.status == "pending"]
    assert len(waiting) == 2 and all(r.attempts == 0 and "限流" in r.last_error for r in waiting)
    assert send(db, config, clock, fake).sent == 0  # not before the time the provider asked for
    clock.advance(minutes=2)
    later = send(db, config, clock, fake)
    assert later.sent == 2
    assert len(fake.arrived.wecom_robot["hekou"]) == 1 and len(fake.arrived.sms) == 1


def test_one_broken_robot_leaves_the_rest_delivered_and_is_retried_by_itself(
        db: Database, clock: FakeClock, county: tuple[int, int], fake: Fake) -> None:
    from .remind_helpers import free_port

    config = channel_config(fake, wecom_robots={
        "青山县/河口镇": fake.robot_url("no-such-key"),  # the provider rejects it: failed at once
        "青山县/石桥乡": f"http://127.0.0.1:{free_port()}/cgi-bin/webhook/send?key=shiqiao",  # nobody listening
    }, base_urls={"aliyun": fake.url})
    config = replace(config, channels=replace(config.channels, wecom_app={}))
    sweep(db, config, clock)
    result = send(db, config, clock, fake)
    rows = {r.recipient: r for r in by_channel(db)["wecom_robot"]}
    assert rows["wecom_robot:青山县/河口镇"].status == "failed"
    assert "93000" in rows["wecom_robot:青山县/河口镇"].last_error
    assert rows["wecom_robot:青山县/石桥乡"].status == "pending"
    assert "连接被拒绝" in rows["wecom_robot:青山县/石桥乡"].last_error
    assert fake.arrived.dingtalk and fake.arrived.sms  # the others went
    assert result.failed == 1 and result.retrying == 1
    # the robot's webhook is fixed; the one failed delivery is put back by itself
    fixed = channel_config(fake)
    retry(SqlOutboxStore(db), rows["wecom_robot:青山县/河口镇"].id, now=clock())
    again = send(db, fixed, clock, fake)
    assert again.sent == 1 and len(fake.arrived.wecom_robot["hekou"]) == 1
    assert len(fake.arrived.dingtalk) == 1  # nothing else sent twice


def test_dingtalk_signature_and_its_one_hour_window(
        db: Database, clock: FakeClock, county: tuple[int, int], fake: Fake) -> None:
    config = channel_config(fake, wecom_robots={}, wecom_app={}, sms={})
    sweep(db, config, clock)
    fake.now = clock() + timedelta(hours=2)  # our clock two hours behind the provider's: outside the window
    drain(SqlOutboxStore(db), config, MemoryMailer(), now=clock(), channels=ChannelSet(config, ENV))
    [row] = by_channel(db)["dingtalk_robot"]
    assert row.status == "failed" and "310000" in row.last_error and not fake.arrived.dingtalk
    retry(SqlOutboxStore(db), row.id, now=clock())
    wrong = {**ENV, "RECTIFY_DINGTALK_SECRET_QS": "not-the-secret"}
    send(db, config, clock, fake, channels=ChannelSet(config, wrong))
    assert by_channel(db)["dingtalk_robot"][0].status == "failed" and not fake.arrived.dingtalk
    retry(SqlOutboxStore(db), row.id, now=clock())
    assert send(db, config, clock, fake).sent == 1
    assert fake.arrived.dingtalk[0]["markdown"]["title"].startswith("整顿工作提醒")


def test_the_access_token_is_cached_and_fetched_again_when_it_expires(fake: Fake, clock: FakeClock) -> None:
    from rectify.notifications.channels.port import Delivery, Rejected

    app = ChannelSet(channel_config(fake), ENV).get("wecom_app")
    fake.now = clock()

    def message(n: int, to: str = SECRETARY_USERID) -> Delivery:
        return Delivery("wecom_app", to, "提醒", f"**提醒** {n}", f"<key.{n}@example.cn>")

    app.send(message(1), clock())
    app.send(message(2), clock())
    assert fake.arrived.tokens_issued == 1  # cached
    fake.expire_tokens()  # revoked before its time: 企业微信 answers 42001
    app.send(message(3), clock())
    assert fake.arrived.tokens_issued == 2
    clock.advance(hours=2)  # past expires_in (7200 s, less our margin): fetched before sending
    app.send(message(4), clock())
    assert fake.arrived.tokens_issued == 3
    assert [m["markdown"]["content"][-1] for m in fake.arrived.wecom_app] == ["1", "2", "3", "4"]
    with pytest.raises(Rejected, match="userid"):
        app.send(message(5, "nobody"), clock())


def test_sms_through_tencent_sends_the_template_variables_in_order(
        db: Database, clock: FakeClock, county: tuple[int, int], fake: Fake) -> None:
    config = channel_config(fake, wecom_robots={}, dingtalk_robots={}, wecom_app={},
                            sms={"provider": "tencent", "sign": SMS_SIGN, "template": "2002",
                                 "variables": "count,due", "app_id": TENCENT_APP})
    fake.answer_next("tencent", {"Response": {"Error": {"Code": "RequestLimitExceeded", "Message": "请求频率超限"},
                                              "RequestId": "R"}})
    sweep(db, config, clock)
    assert send(db, config, clock, fake).throttled == 1
    clock.advance(minutes=5)
    assert send(db, config, clock, fake).sent == 1
    [sms] = fake.arrived.sms
    [row] = by_channel(db)["sms"]
    values = json.loads(row.body_text)
    assert sms["phone"] == "+86" + CADRE_PHONE and sms["params"] == [values["count"], values["due"]]


def test_a_template_the_provider_does_not_have_fails_that_sms_only(
        db: Database, clock: FakeClock, county: tuple[int, int], fake: Fake) -> None:
    config = channel_config(fake, sms={"provider": "aliyun", "sign": SMS_SIGN, "template": "SMS_1002"})
    sweep(db, config, clock)  # SMS_1002 takes count and due: our three variables are refused
    result = send(db, config, clock, fake)
    [row] = by_channel(db)["sms"]
    assert row.status == "failed" and "isv.TEMPLATE_PARAMS_ILLEGAL" in row.last_error
    assert result.failed == 1 and fake.arrived.wecom_app and fake.arrived.dingtalk


def test_the_robot_digest_keeps_to_2kb_and_says_how_many_more() -> None:
    from rectify.notifications.channels.render import short_digest

    items = [{"case_id": n, "kind": "overdue", "stage": "identified", "task": "", "task_label": "制定整顿方案" * 5,
              "due_on": "2026-12-01", "days_left": -23, "offset_days": -22, "org_name": f"第{n}村党支部" * 4,
              "org_code": str(n), "township": "河口镇", "role": "township_cadre"} for n in range(200)]
    title, body = short_digest("青山县/河口镇 各位同志", AS_OF, items, Config())
    assert len(body.encode("utf-8")) <= 2048
    assert "待办 **200** 项，其中逾期 **200** 项" in body and "另有" in body


def test_the_token_bucket_allows_its_rate() -> None:
    from rectify.notifications.channels.port import TokenBucket

    bucket = TokenBucket(20)
    now = FakeClock().now
    assert all(bucket.take(now) is None for _ in range(20))
    wait = bucket.take(now)
    assert wait is not None and timedelta(seconds=2) <= wait <= timedelta(seconds=4)
    assert bucket.take(now + timedelta(seconds=3)) is None


def test_the_demo_county_reaches_everyone_where_they_read(
        demo: Any, db: Database, clock: FakeClock, fake: Fake) -> None:
    """SPEC §16 done: e-mail to the officers, a digest to each township's robot, application messages to the
    first secretaries (each has a 企业微信 userid), SMS to the village secretaries with a phone; then nothing."""
    from rectify.store.tables import case_t, org_t

    with db.engine.connect() as conn:
        towns = sorted(conn.execute(sa.select(org_t.c.county, org_t.c.township).distinct()
                                    .join(case_t, case_t.c.org_id == org_t.c.id)).all())
    keys = {f"{c}/{t}": f"town{i}" for i, (c, t) in enumerate(towns)}
    fake.robot_keys = set(keys.values())
    fake.users = {f"fs{n:03d}" for n in range(1, 1000)}
    config = channel_config(fake, wecom_robots={place: fake.robot_url(key) for place, key in keys.items()},
                            dingtalk_robots={})
    mailer = MemoryMailer()
    as_of = clock().date()
    assert sweep(db, config, clock, as_of)
    result = send(db, config, clock, fake, mailer=mailer)
    assert result.failed == 0 and result.retrying == 0, list_outbox(SqlOutboxStore(db), "failed")[:3]
    assert mailer.sent and result.by_channel["email"] == len(mailer.sent)
    assert {key for key, got in fake.arrived.wecom_robot.items() if got} == set(keys.values())
    assert all(len(got) == 1 for got in fake.arrived.wecom_robot.values())
    assert fake.arrived.wecom_app and all(m["touser"].startswith("fs") for m in fake.arrived.wecom_app)
    assert fake.arrived.sms and all(s["phone"].startswith("1390000") for s in fake.arrived.sms)
    for place, key in keys.items():  # each robot hears of its own township only
        town = place.split("/")[1]
        with db.engine.connect() as conn:
            others = conn.execute(sa.select(org_t.c.name).where(org_t.c.township != town)).scalars().all()
        assert not any(name in fake.arrived.wecom_robot[key][0] for name in others)
    requests = fake.requests
    assert sweep(db, config, clock, as_of) == []
    assert send(db, config, clock, fake, mailer=mailer).sent == 0 and fake.requests == requests


def test_remind_run_and_outbox_list_from_the_command_line(
        run: Any, smtp: Any, db: Database, clock: FakeClock, county: tuple[int, int], fake: Fake,
        tmp_path: Any) -> None:
    from .remind_helpers import write_config

    fake.now = clock()
    cfg = write_config(tmp_path / "c.toml", smtp.port, extra=(
        "[channels]\n"
        f'wecom_robots = {{ "青山县/河口镇" = "{fake.robot_url("hekou")}" }}\n'
        f'sms = {{ provider = "aliyun", sign = "{SMS_SIGN}", template = "SMS_1001" }}\n'
        f'base_urls = {{ aliyun = "{fake.url}" }}\n'))
    env = {"RECTIFY_CONFIG": str(cfg), **ENV}
    res = run("remind", "run", "--as-of", AS_OF_ISO, env=env)
    assert res.exit_code == 0, res.output
    assert res.output.splitlines()[-1] == "已发送 8 封摘要（邮件 6、企业微信群 1、短信 1）"
    assert len(smtp.sink.messages) == 6 and fake.arrived.wecom_robot["hekou"] and fake.arrived.sms
    listing = run("--actor", "赵经办", "outbox", "list", env=env)
    assert "渠道" in listing.output and "企业微信群" in listing.output and "sms:13800000002" in listing.output
    again = run("--actor", "赵经办", "remind", "run", "--as-of", AS_OF_ISO, env=env)
    assert again.output.splitlines()[-1] == "已发送 0 封摘要"


def test_each_robot_keeps_to_its_rate_and_the_rest_waits_in_the_outbox(
        db: Database, clock: FakeClock, county: tuple[int, int], fake: Fake) -> None:
    config = channel_config(fake, robot_per_minute=1, dingtalk_robots={}, wecom_app={}, sms={})
    sweep(db, config, clock)
    clock.advance(days=4)  # not drained in between: the 3-day reminder's digest joins the 7-day one's
    sweep(db, config, clock, AS_OF + timedelta(days=4))
    hekou = [r for r in by_channel(db)["wecom_robot"] if r.recipient.endswith("河口镇")]
    assert len(hekou) == 2
    channels = ChannelSet(config, ENV)
    first = send(db, config, clock, fake, channels=channels)
    assert len(fake.arrived.wecom_robot["hekou"]) == 1 and first.throttled >= 1
    waiting = [r for r in by_channel(db)["wecom_robot"] if r.status == "pending"]
    assert waiting and all("每分钟最多发送 1 条" in r.last_error and r.attempts == 0 for r in waiting)
    clock.advance(minutes=1)
    send(db, config, clock, fake, channels=channels)
    assert len(fake.arrived.wecom_robot["hekou"]) == 2


def test_the_channels_settings_are_checked(tmp_path: Any) -> None:
    from rectify.config import ConfigError, load_config

    path = tmp_path / "c.toml"
    path.write_text('[channels]\nwecom_app = { corp_id = "ww", agent_id = 1000002 }\n'
                    'dingtalk_robots = { "青山县" = { url = "https://x/robot/send?access_token=t", secret = "QS" } }\n',
                    encoding="utf-8")
    assert load_config(path).channels.wecom_app["agent_id"] == 1000002
    for bad, words in (('sms = { provider = "sina", sign = "s", template = "t" }', "aliyun 或 tencent"),
                       ('sms = { provider = "aliyun", sign = "s", template = "t", variables = "name" }', "variables"),
                       ('dingtalk_robots = { "青山县" = { secret = "QS" } }', "dingtalk_robots"),
                       ('base_urls = { weixin = "http://x" }', "weixin")):
        path.write_text(f"[channels]\n{bad}\n", encoding="utf-8")
        with pytest.raises(ConfigError, match=words):
            load_config(path)


def test_a_timeout_is_retried_and_may_deliver_twice(
        db: Database, clock: FakeClock, county: tuple[int, int], fake: Fake) -> None:
    """A provider that took the request and did not answer in time: the delivery goes again (at-least-once)."""
    import socket

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # connections wait in the backlog; nothing ever answers
    try:
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/cgi-bin/webhook/send?key=hekou"
        config = channel_config(fake, wecom_robots={"青山县/河口镇": url}, dingtalk_robots={}, wecom_app={},
                                sms={}, base_urls={}, timeout_seconds=0.3)
        sweep(db, config, clock)
        result = send(db, config, clock, fake)
    finally:
        silent.close()
    [row] = by_channel(db)["wecom_robot"]
    assert row.status == "pending" and row.attempts == 1 and "可能已送达" in row.last_error
    assert result.retrying == 1
    clock.advance(minutes=10)
    fixed = channel_config(fake, dingtalk_robots={}, wecom_app={}, sms={})
    send(db, fixed, clock, fake)
    assert len(fake.arrived.wecom_robot["hekou"]) == 1 and by_channel(db)["wecom_robot"][0].status == "sent"


def test_the_memory_outbox_plans_the_same_deliveries(
        db: Database, clock: FakeClock, county: tuple[int, int], fake: Fake) -> None:
    from .remind_helpers import memory_store

    config = channel_config(fake)
    memory = memory_store(db)
    in_memory = run_sweep(memory, config, as_of=AS_OF, now=clock(), renderer=Renderer()).digests
    in_sql = sweep(db, config, clock)
    assert sorted((d["channel"], d["recipient"], d["items"]) for d in in_memory) == \
        sorted((d["channel"], d["recipient"], d["items"]) for d in in_sql)
    assert {d["channel"] for d in in_sql} == {"email", "wecom_robot", "wecom_app", "dingtalk_robot", "sms"}
