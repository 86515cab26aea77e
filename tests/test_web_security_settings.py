"""The web's password, sign-in and session rules are security settings in the database (SPEC §12, issue 26): set by
an admin (``rectify security set``), read by the web from there; the caller's configuration file only tightens."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from starlette.testclient import TestClient

from rectify.config import Config, WebConfig
from rectify.errors import BadInput
from rectify.states.permissions import Actor
from rectify.store import Database
from rectify.store.security import security_history
from rectify.web.app import create_app
from rectify.write.accounts import Accounts, character_classes
from rectify.write.security import WebSecurity, set_security, web_security
from tests.conftest import FakeClock, snapshot
from tests.test_people import as_, refused, registered
from tests.web_helpers import KEY, LEADER, OFFICER, PASSWORD, cheap_hasher, register, service, sign_in

Run = Callable[..., Result]
ADMIN = Actor("王管理", unit="县委组织部", role="admin")  # scope * (no counties)


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    import rectify.write.accounts as accounts

    hasher = cheap_hasher()
    dummy = hasher.hash("dummy")
    monkeypatch.setattr(accounts, "_hasher", lambda: hasher)
    monkeypatch.setattr(accounts, "_dummy_hash", lambda: dummy)


def _app(db: Database, clock: FakeClock, config: Config | None = None) -> Any:
    register(db, clock, LEADER, OFFICER)
    return create_app(service(db, config or Config(), clock), secret_key=KEY)


def _file(tmp_path: Path, text: str) -> dict[str, str]:
    conf = tmp_path / "mine.toml"
    conf.write_text(text, encoding="utf-8")
    return {"RECTIFY_CONFIG": str(conf)}


def test_the_defaults_are_the_databases_and_a_file_only_tightens(db: Database, clock: FakeClock) -> None:
    assert web_security(db, Config()) == WebSecurity()
    set_security(db, ADMIN, "min_password_length", "12", clock=clock)
    set_security(db, ADMIN, "session_idle_minutes", "20", clock=clock)
    loose = Config(web=WebConfig(min_password_length=8, session_idle_minutes=600, session_max_hours=168))
    rules = web_security(db, loose)
    assert (rules.min_password_length, rules.session_idle_minutes, rules.session_max_hours) == (12, 20, 12)
    strict = Config(web=WebConfig(min_password_length=16, session_idle_minutes=5, session_max_hours=2))
    rules = web_security(db, strict)
    assert (rules.min_password_length, rules.session_idle_minutes, rules.session_max_hours) == (16, 5, 2)


def test_only_an_admin_sets_them_in_range_and_only_an_admin_of_every_county_loosens(
        run: Run, db: Database, tmp_path: Path) -> None:
    registered(run)
    assert as_(run, "王管理", "people", "add", "钱管理", "--unit", "青山县委组织部", "--role", "admin",
               "--scope", "青山县").exit_code == 0
    assert "只有系统管理员可以修改" in refused(run, db, "security", "set", "min_password_length", "12",
                                        actor="赵经办")
    for key, value in (("min_password_length", "7"), ("min_password_length", "十二"), ("session_max_hours", "169"),
                       ("min_password_classes", "5"), ("sign_in_free_failures", "0")):
        assert "的整数" in refused(run, db, "security", "set", key, value, code=2), (key, value)
    done = as_(run, "钱管理", "security", "set", "min_password_length", "14")  # tightening: any admin
    assert done.exit_code == 0, done.output
    assert done.stderr == "安全设置 min_password_length：10 → 14（青山县委组织部 钱管理 修改）\n"
    assert as_(run, "钱管理", "security", "set", "sign_in_free_failures", "3").exit_code == 0
    for key, value in (("min_password_length", "10"), ("sign_in_free_failures", "5")):
        assert "不能放宽安全设置" in refused(run, db, "security", "set", key, value, actor="钱管理")
    assert as_(run, "王管理", "security", "set", "min_password_length", "10").exit_code == 0
    with db.connect() as conn:
        changes = [(e.name, e.old_value, e.new_value, e.actor) for e in security_history(conn)]
    assert changes == [("min_password_length", "10", "14", "钱管理"), ("sign_in_free_failures", "5", "3", "钱管理"),
                       ("min_password_length", "14", "10", "王管理")]
    # The caller's file tightens what it shows in force, never loosens.
    shown = json.loads(run("security", "show", "--format", "json",
                           env=_file(tmp_path, "[web]\nmin_password_length = 20\nsession_idle_minutes = 900\n")).stdout)
    rows = {r["key"]: r for r in shown}
    assert (rows["min_password_length"]["database"], rows["min_password_length"]["config"],
            rows["min_password_length"]["effective"]) == ("10", "20", "20")
    assert (rows["session_idle_minutes"]["config"], rows["session_idle_minutes"]["effective"]) == ("900", "30")
    assert (rows["sign_in_free_failures"]["config"], rows["sign_in_free_failures"]["effective"]) == ("", "3")


def test_the_password_rules_come_from_the_database(db: Database, clock: FakeClock) -> None:
    register(db, clock, LEADER)
    accounts = Accounts(db, Config(), clock)
    accounts.set_password(ADMIN, LEADER.login, "twelve-chars")
    set_security(db, ADMIN, "min_password_length", "14", clock=clock)
    set_security(db, ADMIN, "min_password_classes", "3", clock=clock)
    before = snapshot(db)
    with pytest.raises(BadInput, match="密码至少 14 个字符"):
        accounts.set_password(ADMIN, LEADER.login, "twelve-chars")
    with pytest.raises(BadInput, match="密码应至少包含 3 类字符"):
        accounts.set_password(ADMIN, LEADER.login, "only-lower-case-here")
    assert snapshot(db) == before
    accounts.set_password(ADMIN, LEADER.login, "Three-Kinds-Here")
    assert [character_classes(p) for p in ("abc", "aB", "aB3", "aB3-", "密码密码1")] == [1, 2, 3, 4, 2]


def test_a_config_file_cannot_loosen_the_password_length(run: Run, db: Database, db_url: str, clock: FakeClock,
                                                         tmp_path: Path) -> None:
    from click.testing import CliRunner

    from rectify.cli import cli

    registered(run)
    env = {"RECTIFY_NOW": clock.now.isoformat(), **_file(tmp_path, "[web]\nmin_password_length = 8\n")}
    result = CliRunner().invoke(cli, ["--db", db_url, "--actor", "王管理", "people", "password", "王管理"],
                                input="short-pw9\n", env=env)
    assert result.exit_code == 2 and "密码至少 10 个字符" in result.stderr, result.output
    bad = run("config", "show", env=_file(tmp_path, "[web]\nmin_password_length = 4\n"))
    assert bad.exit_code == 2 and "min_password_length" in bad.stderr, bad.output


def test_the_web_sign_in_back_off_follows_the_database(db: Database, clock: FakeClock) -> None:
    app = _app(db, clock)
    set_security(db, ADMIN, "sign_in_free_failures", "2", clock=clock)
    set_security(db, ADMIN, "sign_in_max_wait_minutes", "1", clock=clock)
    c = TestClient(app, follow_redirects=False)
    for _ in range(2):
        assert sign_in(c, LEADER.login, "wrong-password").status_code == 200
    third = sign_in(c, LEADER.login, PASSWORD)
    assert third.status_code == 429 and "请 1 分钟后再试" in third.text
    clock.advance(seconds=61)
    assert sign_in(c, LEADER.login, "wrong-again").status_code == 200
    clock.advance(seconds=61)  # at most a minute, however many failures
    assert sign_in(c, LEADER.login, PASSWORD).status_code == 303


def test_the_web_session_timeouts_follow_the_database(db: Database, clock: FakeClock) -> None:
    app = _app(db, clock, Config(web=WebConfig(session_idle_minutes=600)))  # a loose file changes nothing
    c = TestClient(app, follow_redirects=False)
    assert sign_in(c, LEADER.login).status_code == 303
    clock.advance(minutes=25)
    assert c.get("/").status_code == 200
    set_security(db, ADMIN, "session_idle_minutes", "10", clock=clock)  # holds from the next request on
    clock.advance(minutes=11)
    assert c.get("/").status_code == 303
    assert sign_in(c, LEADER.login).status_code == 303
    set_security(db, ADMIN, "session_max_hours", "1", clock=clock)
    for _ in range(6):
        clock.advance(minutes=9)
        assert c.get("/").status_code == 200
    clock.advance(minutes=9)
    assert c.get("/").status_code == 303
