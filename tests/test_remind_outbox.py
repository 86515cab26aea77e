"""The outbox on both backends: recorded once, drained once, retried, never lost."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import Result

from rectify.errors import NotFound, Refused
from rectify.notifications.mailer import MailServerProblem, MemoryMailer
from rectify.notifications.outbox import LEASE, claim, drain, last_sweep_date, list_outbox, retry, run_sweep
from rectify.notifications.render import Renderer
from rectify.notifications.store import OutboxStore
from rectify.store import Database
from rectify.store.outbox import SqlOutboxStore
from rectify.store.outbox_models import digest_t, item_t
from rectify.write.engine import Workflow

from .conftest import FakeClock, snapshot
from .remind_helpers import (
    AS_OF_ISO,
    CADRE,
    CITY_SUP,
    COUNTY_SUP,
    LEADER,
    OFFICER,
    SECRETARY,
    build_county,
    county_config,
    memory_store,
    write_config,
)

AS_OF = date.fromisoformat(AS_OF_ISO)


@pytest.fixture
def county(wf: Workflow, clock: FakeClock) -> tuple[int, int]:
    return build_county(wf, clock)


@pytest.fixture(params=["sql", "memory"])
def store(request: pytest.FixtureRequest, db: Database, county: tuple) -> OutboxStore:
    """The same cases over the SQL adapter and the in-memory one (built after the county)."""
    return SqlOutboxStore(db) if request.param == "sql" else memory_store(db)


def sweep_once(store: Database | OutboxStore, clock: FakeClock, as_of: date = AS_OF) -> list[dict]:
    if isinstance(store, Database):
        store = SqlOutboxStore(store)
    return run_sweep(store, county_config(), as_of=as_of, now=clock.now, renderer=Renderer()).digests


def test_one_digest_per_recipient_listing_all_their_items(
    db: Database, clock: FakeClock, county: tuple
) -> None:
    a, b = county
    digests = {d["recipient"]: d for d in sweep_once(db, clock)}
    assert set(digests) == {OFFICER, LEADER, CADRE, SECRETARY, COUNTY_SUP, CITY_SUP}
    with db.engine.connect() as conn:
        items = conn.execute(
            sa.select(item_t.c.recipient, item_t.c.case_id, item_t.c.kind).order_by(
                item_t.c.recipient, item_t.c.case_id, item_t.c.kind
            )
        ).all()
    by: dict[str, list[tuple[int, str]]] = {}
    for r in items:
        by.setdefault(r.recipient, []).append((r.case_id, r.kind))
    # The officer is on both cases: both deadlines in 7 days, no report since March on a, b's ledger overdue.
    assert by[OFFICER] == [(a, "deadline"), (a, "progress"), (b, "deadline"), (b, "overdue")]
    assert by[LEADER] == [(a, "brief")]  # the county leader gets the monthly 专报, and reminders only when overdue
    assert by[SECRETARY] == [(a, "deadline"), (a, "progress")]
    assert by[COUNTY_SUP] == [(b, "escalation")]
    assert by[CITY_SUP] == [(b, "escalation")]  # b is under listed supervision
    text = digests[OFFICER]["body_text"]
    assert "河口镇王家庄村党支部" in text and "石桥乡李家湾村党支部" in text and "剩余 7 天" in text
    assert digests[OFFICER]["items"] == 4
    assert "赵经办" in text


def test_rerunning_the_sweep_records_nothing_new(db: Database, clock: FakeClock, county: tuple) -> None:
    assert len(sweep_once(db, clock)) == 6
    before = snapshot(db)
    assert sweep_once(db, clock) == []
    after = snapshot(db)
    assert before == after
    # A later day in the same reminder window: still nothing; the next windows are new (3-day reminder,
    # and b's weekly escalation, day 287 overdue).
    assert sweep_once(db, clock, AS_OF + timedelta(days=1)) == []
    assert {d["recipient"] for d in sweep_once(db, clock, AS_OF + timedelta(days=4))} == {
        OFFICER,
        CADRE,
        SECRETARY,
        COUNTY_SUP,
        CITY_SUP,
    }


def test_recorded_once_and_a_dry_run_keeps_nothing(store: OutboxStore, clock: FakeClock) -> None:
    dry = run_sweep(store, county_config(), as_of=AS_OF, now=clock.now, renderer=Renderer(), dry_run=True)
    assert len(dry.digests) == 6 and dry.new_items == 11
    assert list_outbox(store) == [] and last_sweep_date(store) is None
    assert [d["recipient"] for d in sweep_once(store, clock)] == [d["recipient"] for d in dry.digests]
    assert sweep_once(store, clock) == [] and len(list_outbox(store)) == 6
    assert last_sweep_date(store) == AS_OF
    sweep_once(store, clock, AS_OF - timedelta(days=1))  # a late run for an earlier day
    assert last_sweep_date(store) == AS_OF  # the last sweep date only moves forward


def test_drain_sends_each_digest_once(store: OutboxStore, clock: FakeClock, county: tuple) -> None:
    sweep_once(store, clock)
    mailer = MemoryMailer()
    result = drain(store, county_config(), mailer, now=clock.now)
    assert result.sent == 6 and mailer.opened == 1
    assert drain(store, county_config(), mailer, now=clock.now).sent == 0
    assert len(mailer.sent) == 6
    rows = {r["message_id"]: r for r in list_outbox(store)}
    assert {m["Message-ID"] for m in mailer.sent} == set(rows)
    assert {r["status"] for r in rows.values()} == {"sent"}


def test_refused_message_backs_off_then_fails_then_retry(
    store: OutboxStore, clock: FakeClock, county: tuple
) -> None:
    sweep_once(store, clock)
    cfg = county_config()  # max_attempts = 3
    mailer = MemoryMailer(refuse={LEADER})
    first = drain(store, cfg, mailer, now=clock.now)
    assert (first.sent, first.retrying, first.failed) == (5, 1, 0)
    [row] = list_outbox(store, "pending")
    assert row["attempts"] == 1 and "收件人被拒绝" in row["last_error"]
    assert drain(store, cfg, mailer, now=clock.now).retrying == 0  # not due yet: backoff
    assert drain(store, cfg, mailer, now=clock.now + timedelta(minutes=5)).retrying == 1
    assert drain(store, cfg, mailer, now=clock.now + timedelta(minutes=14)).retrying == 0
    assert drain(store, cfg, mailer, now=clock.now + timedelta(minutes=15)).failed == 1
    [failed] = list_outbox(store, "failed")
    assert failed["attempts"] == 3
    with pytest.raises(Refused):
        retry(store, list_outbox(store, "sent")[0]["id"], now=clock.now)
    with pytest.raises(NotFound):
        retry(store, 9999, now=clock.now)
    retry(store, failed["id"], now=clock.now + timedelta(hours=1))
    ok = MemoryMailer()
    assert drain(store, cfg, ok, now=clock.now + timedelta(hours=1)).sent == 1
    assert [m["Message-ID"] for m in ok.sent] == [failed["message_id"]]


def test_server_down_loses_nothing(store: OutboxStore, clock: FakeClock, county: tuple) -> None:
    sweep_once(store, clock)
    with pytest.raises(MailServerProblem):
        drain(store, county_config(), MemoryMailer(down=True), now=clock.now)
    rows = list_outbox(store)
    assert {(r["status"], r["attempts"]) for r in rows} == {("pending", 0)}
    mailer = MemoryMailer()
    assert drain(store, county_config(), mailer, now=clock.now).sent == 6


def test_abandoned_claim_is_retried_after_the_lease_with_the_same_message_id(
    store: OutboxStore, clock: FakeClock, county: tuple
) -> None:
    sweep_once(store, clock)
    claimed = claim(store, now=clock.now)  # a process that dies right after claiming
    assert len(claimed) == 6
    assert claim(store, now=clock.now) == []  # nobody else gets them
    mailer = MemoryMailer()
    assert drain(store, county_config(), mailer, now=clock.now + LEASE - timedelta(seconds=1)).sent == 0
    assert drain(store, county_config(), mailer, now=clock.now + LEASE + timedelta(seconds=1)).sent == 6
    assert sorted(m["Message-ID"] for m in mailer.sent) == sorted(r.message_id for r in claimed)
    assert {r["attempts"] for r in list_outbox(store)} == {1}


def test_cli_dry_run_prints_and_records_nothing(
    run: Callable[..., Result], db: Database, county: tuple, tmp_path: Path
) -> None:
    cfg = write_config(tmp_path / "c.toml", 1)
    before = snapshot(db)
    res = run("remind", "run", "--as-of", AS_OF_ISO, "--dry-run", env={"RECTIFY_CONFIG": str(cfg)})
    assert res.exit_code == 0, res.output
    assert snapshot(db) == before
    assert f"<{OFFICER}>（4 项）" in res.output
    assert "主题：【整顿工作提醒】2026年12月24日 您有 4 项应办事项（其中逾期 2 项）" in res.output
    assert res.output.rstrip().endswith("将发送 6 封摘要（11 项提醒）；未记录、未发送")


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        (
            "digest.txt",
            "{{ recipient }} {{ no_such_thing }}",
            "错误：邮件模板 digest.txt 使用了未定义的变量：'no_such_thing' is undefined",
        ),
        ("digest.html", "{% for x in items %}", "错误：邮件模板 digest.html 第 1 行语法错误："),
        (
            "subject.txt",
            "{{ items|no_such_filter }}",
            "错误：邮件模板 subject.txt 第 1 行语法错误：No filter named 'no_such_filter'.",
        ),
    ],
)
def test_broken_template_stops_the_run_and_changes_nothing(
    run: Callable[..., Result],
    db: Database,
    county: tuple,
    tmp_path: Path,
    name: str,
    text: str,
    message: str,
) -> None:
    folder = tmp_path / "tpl"
    folder.mkdir()
    (folder / name).write_text(text, encoding="utf-8")
    cfg = write_config(tmp_path / "c.toml", 1, extra=f'[templates]\nfolder = "{folder}"\n')
    before = snapshot(db)
    res = run("remind", "run", "--as-of", AS_OF_ISO, env={"RECTIFY_CONFIG": str(cfg)})
    assert res.exit_code == 1
    assert res.output.startswith(message) and res.output.count("\n") == 1, res.output
    assert snapshot(db) == before


def test_template_folder_overrides_one_template(
    run: Callable[..., Result], db: Database, county: tuple, tmp_path: Path
) -> None:
    folder = tmp_path / "tpl"
    folder.mkdir()
    (folder / "subject.txt").write_text("青山县提醒：{{ items|length }} 项", encoding="utf-8")
    cfg = write_config(tmp_path / "c.toml", 1, extra=f'[templates]\nfolder = "{folder}"\n')
    res = run("remind", "run", "--as-of", AS_OF_ISO, "--dry-run", env={"RECTIFY_CONFIG": str(cfg)})
    assert "主题：青山县提醒：4 项" in res.output
    assert "2026年12月24日" in res.output and "同志：" in res.output  # the built-in body is still used


def test_html_is_autoescaped(db: Database, clock: FakeClock, wf: Workflow) -> None:
    from .conftest import add_org, walk

    add_org(wf, "X1", "<script>alert(1)</script>村党支部")
    walk(wf, clock, "X1", "secretary_assigned")
    sweep_once(db, clock)
    with db.engine.connect() as conn:
        html, text = conn.execute(
            sa.select(digest_t.c.body_html, digest_t.c.body_text).where(digest_t.c.recipient == OFFICER)
        ).one()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;村党支部" in html and "<script>" not in html
    assert "<script>alert(1)</script>村党支部" in text


def test_cli_outbox_list_and_retry(
    run: Callable[..., Result], db: Database, clock: FakeClock, county: tuple
) -> None:
    sweep_once(db, clock)
    res = run("outbox", "list", "--status", "pending", "--format", "json")
    rows = json.loads(res.output)
    assert len(rows) == 6 and {r["status"] for r in rows} == {"pending"}
    assert set(rows[0]) >= {"id", "status", "recipient", "items", "attempts", "message_id", "sent_at"}
    table = run("outbox", "list")
    assert "待发送" in table.output and OFFICER in table.output
    res = run("outbox", "retry", "999")
    assert res.exit_code == 1 and res.output == "错误：找不到发送记录 999（rectify outbox list 查看）\n"
    res = run("outbox", "retry", str(rows[0]["id"]))
    assert res.exit_code == 1 and "只有 failed" in res.output
    assert run("outbox", "list", "--status", "bogus").exit_code == 2
