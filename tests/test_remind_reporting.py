"""报送 reminders (SPEC §15): a county late with a report hears of it once, through the outbox, in Chinese."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from click.testing import Result

from rectify.config import Config, ReportingConfig
from rectify.notifications.mailer import Mailer
from rectify.notifications.outbox import list_outbox
from rectify.notifications.reporting import late_reports
from rectify.notifications.scheduler import ReminderService
from rectify.states.permissions import Actor
from rectify.states.reporting import due_on, parse_period
from rectify.store import Database
from rectify.store.outbox import SqlOutboxStore, digest_ids_within
from rectify.store.people import insert_person
from rectify.write.engine import Workflow
from rectify.write.reporting import Reporting

from .conftest import FakeClock


def _config(tmp: Path) -> Config:
    c = Config()
    return replace(c, reporting=replace(ReportingConfig(), remind_from="2026-07-01", key_file=str(tmp / "k.key")),
                   channels=replace(c.channels, wecom_app={"corp_id": "ww1", "agent_id": 1000002}))


def _no_mail() -> Mailer:
    raise AssertionError("the sweep sends nothing")


@pytest.fixture
def counties(db: Database, wf: Workflow, clock: FakeClock) -> None:
    """青山县 and 绿水县 on one database; each with its county officers, one of 绿水县 on 企业微信 only."""
    wf.add_org("QS001", "城关镇第一村党支部", kind="village", county="青山县", township="城关镇")
    wf.add_org("LS001", "清溪镇第一村党支部", kind="village", county="绿水县", township="清溪镇")
    with db.engine.begin() as conn:
        insert_person(conn, name="钱明远", role="county_officer", unit="青山县委组织部", scope="青山县",
                      email="qian@example.cn", now=clock.now)
        insert_person(conn, name="孙立", role="county_officer", unit="青山县委组织部", scope="青山县/石桥乡",
                      email="sun@example.cn", now=clock.now)
        insert_person(conn, name="周绿水", role="county_officer", unit="绿水县委组织部", scope="绿水县",
                      wecom_userid="zhoulvshui", now=clock.now)
        insert_person(conn, name="韩乡镇", role="township_leader", scope="绿水县/清溪镇", email="han@example.cn",
                      now=clock.now)
        insert_person(conn, name="褚振华", role="city_supervisor", scope="青山县,绿水县", email="chu@example.cn",
                      now=clock.now)


def _sweep(db: Database, config: Config, clock: FakeClock, day: str) -> tuple[list[dict], list[dict]]:
    clock.set_day(day)
    service = ReminderService(SqlOutboxStore(db), config, clock, _no_mail)
    before = {d["id"] for d in list_outbox(service.store)}
    result = service.sweep()
    assert result.reports is not None
    return result.digests, [d for d in list_outbox(service.store) if d["id"] not in before]


def test_the_calendar_moves_a_due_day_off_a_rest_day(tmp_path: Path) -> None:
    config = _config(tmp_path)
    assert due_on(parse_period("2026-06"), config) == date(2026, 7, 6)  # 7-5 is a Sunday
    assert due_on(parse_period("2026-H1"), config) == date(2026, 7, 15)
    assert due_on(parse_period("2026-09"), config) == date(2026, 10, 8)  # 国庆 holidays (10-1 to 10-7)
    assert late_reports(date(2026, 7, 6), config, ["青山县"], set()) == []
    late = late_reports(date(2026, 7, 7), config, ["青山县"], set())
    assert [(x.county, x.period.code, x.due) for x in late] == [("青山县", "2026-06", date(2026, 7, 6))]
    assert late_reports(date(2026, 7, 7), replace(config, reporting=ReportingConfig()), ["青山县"], set()) == []


def test_late_counties_are_reminded_once_per_period(db: Database, counties: None, clock: FakeClock,
                                                    tmp_path: Path) -> None:
    config = _config(tmp_path)
    assert _sweep(db, config, clock, "2026-07-06")[1] == []  # due today (moved from Sunday 7-5): not late yet
    clock.set_day("2026-07-03")
    Reporting(db, config, actor=Actor("钱明远", role="county_officer", counties=("青山县",)), clock=clock).submit("2026-06")

    recorded, listed = _sweep(db, config, clock, "2026-07-07")
    assert sorted(d["recipient"] for d in listed) == ["wecom_app:zhoulvshui"]  # 青山县 reported, 绿水县 did not
    (wecom,) = recorded
    assert wecom["items"] == 1 and "绿水县" in wecom["subject"] and "报送提醒" in wecom["subject"]
    assert _sweep(db, config, clock, "2026-07-08")[1] == []  # a second sweep sends nothing

    # 青山县's submission is returned: it is late again with 2026-06, and H1 is now due for both
    with db.connect() as conn:
        from rectify.store import reporting as store
        (sub,) = store.of_period(conn, "2026-06")
    Reporting(db, config, actor=Actor("褚振华", role="city_supervisor", counties=("青山县", "绿水县")),
              clock=clock).return_submission(sub.id, "请补报河口镇的整改进展")
    recorded, listed = _sweep(db, config, clock, "2026-07-16")
    assert sorted(d["recipient"] for d in listed) == ["qian@example.cn", "sun@example.cn", "wecom_app:zhoulvshui"]
    texts = {d["recipient"]: d for d in recorded}
    assert texts["qian@example.cn"]["items"] == 2  # 2026-06 (returned) and 2026-H1, in one digest
    assert texts["wecom_app:zhoulvshui"]["items"] == 1  # only H1: 2026-06 was reminded already
    assert _sweep(db, config, clock, "2026-07-20")[1] == []


def test_the_digest_in_chinese_and_the_outbox_scope(db: Database, counties: None, clock: FakeClock,
                                                    tmp_path: Path) -> None:
    config = _config(tmp_path)
    clock.set_day("2026-07-07")
    shown: list[dict] = []
    service = ReminderService(SqlOutboxStore(db), config, clock, _no_mail)
    service.sweep(on_digest=shown.append)
    mail = next(d for d in shown if d["recipient"] == "qian@example.cn")
    assert mail["subject"] == "【报送提醒】2026年7月7日 青山县有 1 期报告逾期未报送"
    assert mail["body_text"].startswith("钱明远同志：")
    assert "青山县 2026-06 月报（截至 2026-06-30）" in mail["body_text"]
    assert "报送时限：2026年7月6日；已逾期 1 天" in mail["body_text"]
    assert "rectify report submit --period 2026-06" in mail["body_text"]
    ids = {d["recipient"]: d["id"] for d in list_outbox(service.store)}
    assert digest_ids_within(db, ("青山县",), None) == {ids["qian@example.cn"], ids["sun@example.cn"]}
    assert digest_ids_within(db, ("青山县",), "城关镇") == set()
    assert digest_ids_within(db, ("青山县", "绿水县"), None) == set(ids.values())


def test_remind_run_says_who_is_late(run: Callable[..., Result], db: Database, counties: None, clock: FakeClock,
                                     tmp_path: Path) -> None:
    conf = tmp_path / "rectify.toml"
    conf.write_text('[reporting]\nremind_from = "2026-07-01"\n'
                    '[smtp]\nhost = "127.0.0.1"\nport = 9\nsender = "rectify@example.cn"\n', encoding="utf-8")
    clock.set_day("2026-07-07")
    result = run("remind", "run", "--dry-run", env={"RECTIFY_CONFIG": str(conf)})
    assert result.exit_code == 0, result.output
    assert "【报送提醒】2026年7月7日 青山县有 1 期报告逾期未报送" in result.output
    assert list_outbox(SqlOutboxStore(db)) == []  # a dry run records nothing
    bad = tmp_path / "bad.toml"
    bad.write_text('[reporting]\nremind_from = "7月1日"\n', encoding="utf-8")
    result = run("remind", "run", env={"RECTIFY_CONFIG": str(bad)})
    assert result.exit_code == 2 and "remind_from 应为日期" in result.output
    assert json.loads("[]") == []


def test_the_schedulers_daily_sweep_mails_them(db: Database, counties: None, clock: FakeClock, tmp_path: Path) -> None:
    from rectify.notifications.mailer import MemoryMailer
    from rectify.notifications.scheduler import Daemon

    config = replace(_config(tmp_path), channels=Config().channels)  # e-mail only: 周绿水 cannot be reached
    mailer = MemoryMailer()
    service = ReminderService(SqlOutboxStore(db), config, clock, lambda: mailer)
    logs: list[str] = []
    daemon = Daemon(service, config, log=logs.append)
    clock.set_day("2026-07-07")
    daemon.sweep_job()
    assert sorted((str(m["To"]), str(m["Subject"])) for m in mailer.sent if "报送提醒" in str(m["Subject"])) == [
        (f"{name} <{mail}>", "【报送提醒】2026年7月7日 青山县有 1 期报告逾期未报送")
        for name, mail in (("孙立", "sun@example.cn"), ("钱明远", "qian@example.cn"))]
    sent = len(mailer.sent)
    clock.set_day("2026-07-08")
    daemon.sweep_job()
    assert not any("报送提醒" in str(m["Subject"]) for m in mailer.sent[sent:])  # once per county and period
    result = service.sweep(date(2026, 7, 8), dry_run=True)
    # nobody of 绿水县 reads e-mail: it is named every day, until someone can be told
    assert result.reports is not None and result.reports.unreached == ["绿水县 2026-06 月报"]
    assert any("报送提醒" in line or "提醒扫描" in line for line in logs)
