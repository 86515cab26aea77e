"""The web's commands: ``rectify people password`` (an admin, or the person; from stdin; to be changed at the next
sign-in), ``rectify serve --help``, and the demo's known password for each of its people."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from starlette.testclient import TestClient

from rectify.cli import cli
from rectify.config import Config
from rectify.store import Database, open_database
from rectify.web.app import create_app
from rectify.write.accounts import Accounts, SignInRefused
from tests.conftest import FakeClock, snapshot
from tests.web_helpers import ADMIN, KEY, LEADER, OFFICER, PASSWORD, cheap_hasher, register, service, sign_in


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    import rectify.write.accounts as accounts

    hasher = cheap_hasher()
    monkeypatch.setattr(accounts, "_hasher", lambda: hasher)


@pytest.fixture
def password(db_url: str, clock: FakeClock, db: Database) -> Callable[..., Result]:
    """``rectify --actor ACTOR people password NAME`` with ``text`` on stdin."""
    register(db, clock, LEADER, OFFICER)

    def invoke(actor: str, name: str, text: str) -> Result:
        env = {"RECTIFY_NOW": clock.now.isoformat(), "RECTIFY_CONFIG": ""}
        return CliRunner().invoke(cli, ["--db", db_url, "--actor", actor, "people", "password", name], input=text,
                                  env=env, catch_exceptions=False)

    return invoke


def test_an_admin_sets_a_password_that_must_be_changed(password: Callable[..., Result], db: Database,
                                                       clock: FakeClock) -> None:
    result = password(ADMIN.name, LEADER.name, "start-here-2026\n")
    assert (result.exit_code, result.stderr) == (0, f"已设置 {LEADER.name} 的网页登录密码；下次登录时须修改\n")
    assert result.stdout == ""
    signed = Accounts(db, Config(), clock).sign_in(LEADER.login, "start-here-2026", "127.0.0.1")
    assert signed.must_change and signed.actor.name == LEADER.name


def test_a_person_sets_their_own_password_and_no_one_else_s(password: Callable[..., Result]) -> None:
    assert password(LEADER.login, LEADER.login, "my-own-password\n").exit_code == 0
    refused = password(LEADER.name, OFFICER.name, "not-mine-to-set\n")
    assert (refused.exit_code, refused.stderr) == (
        1, f"错误：无法设置 {OFFICER.name} 的密码：只有系统管理员或本人可以设置\n")


@pytest.mark.parametrize(("name", "text", "code", "message"), [
    (LEADER.name, "short\n", 2, "错误：密码至少 10 个字符\n"),
    (LEADER.name, "\n", 2, "错误：没有读到密码：请从标准输入提供一行密码（rectify people password --help 查看用法）\n"),
    (LEADER.name, LEADER.login + "\n", 2, "错误：密码不能与姓名或登录名相同\n"),
    ("查无此人", "long-enough-password\n", 1, "错误：找不到已登记的人员 查无此人\n"),
])
def test_a_bad_password_is_refused_and_nothing_written(password: Callable[..., Result], db: Database, name: str,
                                                       text: str, code: int, message: str) -> None:
    before = snapshot(db)
    result = password(ADMIN.name, name, text)
    assert (result.exit_code, result.stderr) == (code, message)
    assert snapshot(db) == before


def test_serve_has_help_with_an_example() -> None:
    result = CliRunner().invoke(cli, ["serve", "--help"])
    assert result.exit_code == 0 and "--host" in result.output and "--port" in result.output
    assert "rectify serve" in result.output


def test_the_demo_people_sign_in_with_the_known_password(demo: Callable[..., Result], db: Database,
                                                         clock: FakeClock) -> None:
    from rectify.demo.demo_data import DEMO_PASSWORD

    app: Any = create_app(service(db, Config(), clock), secret_key=KEY)
    for login in ("qs-han", "qs-qian"):
        c = TestClient(app, follow_redirects=False)
        response = sign_in(c, login, DEMO_PASSWORD)
        assert (response.status_code, response.headers["location"]) == (303, "/"), login  # no change asked
        assert "<h1>我的待办</h1>" in c.get("/").text


def test_a_backup_carries_the_passwords_and_the_sign_in_log(password: Callable[..., Result], db: Database,
                                                             db_url: str, clock: FakeClock, tmp_path: Path,
                                                             request: pytest.FixtureRequest) -> None:
    accounts = Accounts(db, Config(), clock)
    with pytest.raises(SignInRefused):
        accounts.sign_in(LEADER.login, "wrong-password", "10.0.0.7")
    accounts.calendar_token(accounts.sign_in(OFFICER.login, PASSWORD, "10.0.0.8").person_id)
    backup = tmp_path / "backup.jsonl"
    env = {"RECTIFY_NOW": clock.now.isoformat(), "RECTIFY_CONFIG": ""}
    exported = CliRunner().invoke(cli, ["--db", db_url, "--actor", ADMIN.name, "export", "--all", str(backup)],
                                  env=env, catch_exceptions=False)
    assert exported.exit_code == 0, exported.output
    empty = (f"sqlite:///{tmp_path / 'restored.sqlite'}" if db_url.startswith("sqlite")
             else str(request.getfixturevalue("pg_server").new_database()))
    restored = CliRunner().invoke(cli, ["--db", empty, "restore", str(backup)], env=env, catch_exceptions=False)
    assert restored.exit_code == 0, restored.output
    target = open_database(empty)
    try:
        assert snapshot(target) == snapshot(db)
        assert len(snapshot(target)["sign_in"]) == 2
        assert Accounts(target, Config(), clock).sign_in(OFFICER.login, PASSWORD, "10.0.0.8").actor.name == OFFICER.name
    finally:
        target.dispose()


def test_serve_hands_the_app_on_the_database_to_uvicorn(db_url: str, db: Database, clock: FakeClock,
                                                        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import uvicorn

    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(app=app, **kw))
    conf = tmp_path / "rectify.toml"
    conf.write_text(f'[web]\nsecret_key_file = "{tmp_path / "web.key"}"\n', encoding="utf-8")
    env = {"RECTIFY_NOW": clock.now.isoformat(), "RECTIFY_CONFIG": str(conf)}
    result = CliRunner().invoke(cli, ["--db", db_url, "serve", "--port", "8123"], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert (seen["host"], seen["port"]) == ("127.0.0.1", 8123)
    assert result.stderr == "网页端：http://127.0.0.1:8123/ （Ctrl-C 停止）\n"
    assert TestClient(seen["app"]).get("/healthz").text == "ok"
    assert oct((tmp_path / "web.key").stat().st_mode & 0o777) == "0o600"
