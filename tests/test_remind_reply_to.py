"""A reminder's Reply-To is the officer in charge its body names as 联系人 (issue 28), through a real SMTP
server on both backends and both outbox stores; its Date is in ``[policy] timezone``; migration 0016 adds the
column to an existing outbox and keeps its rows."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from click.testing import Result

from rectify.config import Config, SmtpConfig
from rectify.notifications.mailer import SmtpMailer, build_message
from rectify.notifications.outbox import drain, run_sweep
from rectify.notifications.render import Renderer
from rectify.notifications.store import OutboxStore
from rectify.store import SCHEMA_HEAD, Database, alembic_config, upgrade
from rectify.store.outbox import SqlOutboxStore
from rectify.store.outbox_models import digest_t
from rectify.write.engine import Workflow

from .conftest import FakeClock
from .remind_helpers import AS_OF_ISO, OFFICER, SmtpServer, build_county, county_config, memory_store, write_config
from .test_remind_contact import register

AS_OF = date.fromisoformat(AS_OF_ISO)
QIAN, SUN = "qian@example.cn", "sun@example.cn"


@pytest.fixture
def county(wf: Workflow, clock: FakeClock) -> tuple[int, int]:
    return build_county(wf, clock)


def _config(port: int) -> Config:
    base = county_config()
    return dataclasses.replace(base, smtp=SmtpConfig(host="127.0.0.1", port=port, security="none",
                                                     sender=base.smtp.sender, max_attempts=3))


def _replies(msg: EmailMessage) -> list[tuple[str, str]]:
    header = msg["Reply-To"]
    return [] if header is None else [(a.display_name, a.addr_spec) for a in header.addresses]


@pytest.mark.parametrize("backend", ["sql", "memory"])
def test_reply_to_is_the_officer_in_charge(db: Database, clock: FakeClock, county: tuple, smtp: SmtpServer,
                                           backend: str) -> None:
    register(db, clock)
    store: OutboxStore = SqlOutboxStore(db) if backend == "sql" else memory_store(db)
    config = _config(smtp.port)
    run_sweep(store, config, as_of=AS_OF, now=clock.now, renderer=Renderer())
    result = drain(store, config, SmtpMailer(config.smtp), now=clock.now)
    assert result.sent == len(smtp.sink.messages) > 2
    [officer] = smtp.sink.to(OFFICER)
    # both cases: each one's officer in charge, as the body's 联系人 names them, in case order
    assert _replies(officer) == [("钱明远", QIAN), ("孙立", SUN)]
    body = officer.get_body(("plain",)).get_content()
    assert "联系人：县委组织部组织二科 钱明远" in body and "县委组织部组织一科 孙立" in body
    for msg in smtp.sink.messages:
        text = msg.get_body(("plain",)).get_content()
        names = [n for n, _ in _replies(msg)]
        assert names and all(n in text for n in names)  # Reply-To is whom the body names, no one else
        if "王家庄村" not in text:  # about case b alone: its township's officer only
            assert names == ["孙立"]
        # the Date is Beijing time (the default [policy] timezone), the sweep's instant
        sent = parsedate_to_datetime(str(msg["Date"]))
        assert sent.utcoffset() == timedelta(hours=8) and sent == clock.now


@pytest.mark.parametrize("backend", ["sql", "memory"])
def test_no_registered_officer_no_reply_to(db: Database, clock: FakeClock, county: tuple, smtp: SmtpServer,
                                           backend: str) -> None:
    store: OutboxStore = SqlOutboxStore(db) if backend == "sql" else memory_store(db)
    config = _config(smtp.port)
    run_sweep(store, config, as_of=AS_OF, now=clock.now, renderer=Renderer())
    drain(store, config, SmtpMailer(config.smtp), now=clock.now)
    assert smtp.sink.messages and all(m["Reply-To"] is None for m in smtp.sink.messages)


def test_the_officer_is_not_asked_to_reply_to_himself(db: Database, clock: FakeClock, county: tuple,
                                                      smtp: SmtpServer) -> None:
    """The officer in charge, who gets his own reminders, has no Reply-To of himself."""
    register(db, clock)
    config = _config(smtp.port)
    with db.engine.begin() as conn:  # 钱明远 is on case a as its officer (the case people's e-mail)
        from rectify.store.people import insert_person

        insert_person(conn, name="冯二科", role="county_officer", unit="县委组织部", scope="青山县/河口镇",
                      email=OFFICER, now=clock.now)
    run_sweep(SqlOutboxStore(db), config, as_of=AS_OF, now=clock.now, renderer=Renderer())
    drain(SqlOutboxStore(db), config, SmtpMailer(config.smtp), now=clock.now)
    [officer] = smtp.sink.to(OFFICER)
    assert _replies(officer) == [("孙立", SUN)]  # case a's officer is the recipient himself


def test_remind_run_through_the_cli_sets_reply_to(run: Callable[..., Result], db: Database, clock: FakeClock,
                                                  county: tuple, smtp: SmtpServer, tmp_path: Path) -> None:
    register(db, clock)
    cfg = write_config(tmp_path / "c.toml", smtp.port)
    res = run("remind", "run", "--as-of", AS_OF_ISO, env={"RECTIFY_CONFIG": str(cfg)})
    assert res.exit_code == 0, res.output
    assert _replies(smtp.sink.to(OFFICER)[0]) == [("钱明远", QIAN), ("孙立", SUN)]
    with db.engine.connect() as conn:
        stored = dict(conn.execute(sa.select(digest_t.c.recipient, digest_t.c.reply_to)).all())
    assert stored[OFFICER] == "钱明远 <qian@example.cn>, 孙立 <sun@example.cn>"


@pytest.mark.parametrize(("reply_to", "expected"), [
    ("", []),
    ("钱明远 <qian@example.cn>", [("钱明远", QIAN)]),
    ("qian@example.cn, 孙立 <sun@example.cn>", [("", QIAN), ("孙立", SUN)]),
    ("县委组织部组织二科（负责整顿工作的同志）钱明远 <qian@example.cn>",  # a long name: folded encoded words
     [("县委组织部组织二科（负责整顿工作的同志）钱明远", QIAN)]),
    ('"Qian, Mingyuan" <qian@example.cn>', [("Qian, Mingyuan", QIAN)]),  # quoted: the email package's path
])
def test_build_message_writes_reply_to(reply_to: str, expected: list[tuple[str, str]]) -> None:
    from email import message_from_bytes, policy

    msg = build_message(sender="青山县委组织部 <zzb@qingshan.example.cn>", recipient=OFFICER, recipient_name="赵经办",
                        subject="提醒", text="正文", html="<p>正文</p>", message_id="<x@qingshan.example.cn>",
                        date_header="Thu, 24 Dec 2026 10:00:00 +0800", reply_to=reply_to)
    parsed = message_from_bytes(msg.as_bytes(), policy=policy.default)
    # (the standard library's parser puts a space where a long name was folded between two encoded words)
    assert [(n.replace(" ", "") if not n.isascii() else n, a) for n, a in _replies(parsed)] == expected  # type: ignore[arg-type]
    assert all(len(line) <= 78 for line in msg.as_bytes().decode("ascii").splitlines())


def test_migration_0016_keeps_an_existing_outbox(db: Database, clock: FakeClock, county: tuple) -> None:
    register(db, clock)
    run_sweep(SqlOutboxStore(db), county_config(), as_of=AS_OF, now=clock.now, renderer=Renderer())
    with db.engine.connect() as conn:
        before = conn.execute(sa.select(digest_t.c.id, digest_t.c.recipient, digest_t.c.subject)
                              .order_by(digest_t.c.id)).all()
        items = conn.execute(sa.text("SELECT count(*) FROM outbox_item")).scalar_one()
    assert before and items
    cfg = alembic_config(db)
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0015")
        assert "reply_to" not in {c["name"] for c in sa.inspect(conn).get_columns("outbox_digest")}
    assert upgrade(db) == ("0015", SCHEMA_HEAD)
    with db.engine.connect() as conn:
        after = conn.execute(sa.select(digest_t.c.id, digest_t.c.recipient, digest_t.c.subject)
                             .order_by(digest_t.c.id)).all()
        assert after == before
        assert set(conn.execute(sa.select(digest_t.c.reply_to)).scalars()) == {""}
        assert conn.execute(sa.text("SELECT count(*) FROM outbox_item")).scalar_one() == items


@pytest.mark.parametrize(("zone", "shown"), [("", "Asia/Shanghai"), ("America/New_York", "America/New_York")])
def test_outbox_list_reads_in_the_policy_timezone(run: Callable[..., Result], db: Database, clock: FakeClock,
                                                  county: tuple, smtp: SmtpServer, tmp_path: Path, zone: str,
                                                  shown: str) -> None:
    """A person reads the send time in ``[policy] timezone``, never UTC; JSON keeps the instant with its offset."""
    from zoneinfo import ZoneInfo

    extra = f'[policy]\ntimezone = "{zone}"\n' if zone else ""
    cfg = write_config(tmp_path / "c.toml", smtp.port, extra=extra)
    env = {"RECTIFY_CONFIG": str(cfg)}
    assert run("remind", "run", "--as-of", AS_OF_ISO, env=env).exit_code == 0
    table = run("outbox", "list", env=env)
    assert table.exit_code == 0, table.output
    local = clock.now.astimezone(ZoneInfo(shown)).strftime("%Y-%m-%d %H:%M")
    utc = clock.now.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%d %H:%M")
    assert f"时间（{shown}）" in table.stdout and local in table.stdout and utc not in table.stdout
    assert "已发送" in table.stdout and " sent" not in table.stdout
    listed = json.loads(run("outbox", "list", "--format", "json", env=env).stdout)
    assert listed[0]["status"] == "sent"
    assert {datetime.fromisoformat(d["sent_at"]) for d in listed} == {clock.now}
