"""One PostgreSQL role per officer (SPEC §12, README "PostgreSQL and deployment"): with
``[security] actor_from_database = true`` the actor is the person whose login is ``current_user``.

Two real login roles on the test server, in the group role ``rectify_user`` with the grants the README
gives; each acts and is recorded as its own person, and neither can sign as the other.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result

from rectify.cli import cli
from rectify.store import open_database
from rectify.store.people import insert_person
from tests.conftest import NOW, PgServer, snapshot

pytestmark = pytest.mark.postgres

# The operator's script, as in the README (the group role is made once per server).
GRANTS = """
GRANT CONNECT ON DATABASE "{db}" TO rectify_user;
GRANT USAGE ON SCHEMA public TO rectify_user;
GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO rectify_user;
REVOKE UPDATE ON case_event FROM rectify_user;
GRANT DELETE ON outbox_digest, outbox_item, notification_state TO rectify_user;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO rectify_user;
"""


@pytest.fixture
def officers(pg_server: PgServer, pg_template: str, tmp_path: Path) -> dict[str, str]:
    """A database with two officers' roles (and one role nobody registered); returns role → URL."""
    url = pg_server.new_database(pg_template)
    dbname = url.rsplit("/", 1)[1]
    suffix = f"{os.getpid()}_{dbname}"
    roles = {"a": f"qs_{suffix}", "b": f"lv_{suffix}", "c": f"xx_{suffix}"}
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(sa.text("DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'rectify_user') "
                          "THEN CREATE ROLE rectify_user NOLOGIN; END IF; END$$"))
        for statement in GRANTS.format(db=dbname).strip().splitlines():
            c.execute(sa.text(statement))
        for role in roles.values():
            c.execute(sa.text(f'CREATE ROLE "{role}" LOGIN IN ROLE rectify_user'))
    admin.dispose()
    db = open_database(url)
    with db.begin() as conn:
        insert_person(conn, name="管理员", role="admin", scope="*", unit="市委组织部", now=NOW)
        insert_person(conn, name="青山经办", role="county_officer", scope="青山县", unit="青山县委组织部",
                      login=roles["a"], now=NOW)
        insert_person(conn, name="绿水经办", role="county_officer", scope="绿水县", unit="绿水县委组织部",
                      login=roles["b"], now=NOW)
    db.dispose()
    conf = tmp_path / "rectify.toml"
    conf.write_text("[security]\nactor_from_database = true\n", encoding="utf-8")
    out = {key: url.replace("rectify@", f"{role}@", 1) for key, role in roles.items()}
    out["owner"], out["config"] = url, str(conf)
    return out


def as_role(officers: dict[str, str], key: str, *args: str, actor_env: str | None = None,
            now: str | None = None) -> Result:
    """A per-officer role cannot set the clock: no RECTIFY_NOW unless ``now`` (then it is refused)."""
    env = {"RECTIFY_NOW": now, "RECTIFY_CONFIG": officers["config"], "RECTIFY_ACTOR": actor_env}
    return CliRunner().invoke(cli, ["--db", officers[key], *args], env=env, catch_exceptions=False)


ORG_ADD = ("org", "add", "Q001", "城关镇东街社区党支部", "--kind", "village", "--county", "青山县",
           "--township", "城关镇")


def test_each_role_acts_as_its_own_person_and_cannot_sign_as_another(officers: dict[str, str]) -> None:
    assert as_role(officers, "a", *ORG_ADD).exit_code == 0
    done = as_role(officers, "a", "case", "open", "Q001", "--problem", "P01", "--identified", "2026-03-01")
    assert done.exit_code == 0, done.stderr
    owner = open_database(officers["owner"])
    try:
        before = snapshot(owner)
        result = as_role(officers, "a", "--actor", "绿水经办", "case", "withdraw", "1", "--reason", "误判")
        assert result.exit_code == 2
        assert result.stderr == ("错误：已启用 [security] actor_from_database：操作人由数据库登录角色决定，"
                                 "不能用 --actor 或 RECTIFY_ACTOR 指定（收到 绿水经办）\n")
        result = as_role(officers, "a", "case", "withdraw", "1", "--reason", "误判", actor_env="绿水经办")
        assert result.exit_code == 2
        result = as_role(officers, "b", "case", "withdraw", "1", "--reason", "误判")
        assert (result.exit_code, result.stderr) == (1, "错误：找不到整顿对象或组织 1\n")
        result = as_role(officers, "c", "case", "withdraw", "1", "--reason", "误判")
        assert result.exit_code == 1
        assert result.stderr.startswith(f"错误：数据库角色 xx_{os.getpid()}_")
        assert snapshot(owner) == before
        history = as_role(officers, "a", "case", "history", "1", "--format", "json").stdout
        assert '"actor": "青山经办"' in history and '"actor_unit": "青山县委组织部"' in history
        # The role cannot rewrite the history to sign as another, nor delete it.
        role_a = sa.create_engine(officers["a"])
        for statement in ("UPDATE case_event SET actor = '绿水经办'", "DELETE FROM case_event"):
            with pytest.raises(sa.exc.ProgrammingError, match="permission denied"), role_a.begin() as c:
                c.execute(sa.text(statement))
        role_a.dispose()
        assert snapshot(owner) == before
    finally:
        owner.dispose()


def test_a_per_officer_role_sets_no_clock_and_names_nobody_in_the_registry(officers: dict[str, str]) -> None:
    owner = open_database(officers["owner"])
    try:
        before = snapshot(owner)
        result = as_role(officers, "a", *ORG_ADD, now="2026-07-02T02:00:00+00:00")
        assert (result.exit_code, result.stderr.count("\n")) == (2, 1)
        assert result.stderr.startswith("错误：RECTIFY_NOW 只供操作员使用")
        for args in (("people", "add", "新管理", "--unit", "x", "--role", "admin", "--scope", "*"),
                     ("people", "disable", "绿水经办")):
            result = as_role(officers, "a", "--actor", "管理员", *args)
            assert result.exit_code == 2 and "不能用 --actor 或 RECTIFY_ACTOR 指定" in result.stderr
            result = as_role(officers, "a", *args)  # as itself: an officer, not an admin
            assert result.exit_code == 1 and "只有系统管理员可以登记人员" in result.stderr
        assert snapshot(owner) == before
        # The recorded time is the server's, whatever the officer's machine says.
        assert as_role(officers, "a", *ORG_ADD).exit_code == 0
        done = as_role(officers, "a", "case", "open", "Q001", "--problem", "P01", "--identified", "2026-03-01")
        assert done.exit_code == 0, done.output
        with owner.connect() as conn:
            at, server = conn.execute(sa.text("SELECT at, now() FROM case_event")).one()
        assert at.date() == server.date() and at != NOW
    finally:
        owner.dispose()


def test_actor_from_database_kept_in_the_database_binds_without_any_file(officers: dict[str, str],
                                                                         tmp_path: Path) -> None:
    """The owner (the application role) is an operator: it names the admin who sets the setting."""
    env = {"RECTIFY_NOW": NOW.isoformat(), "RECTIFY_CONFIG": ""}
    done = CliRunner().invoke(cli, ["--db", officers["owner"], "--actor", "管理员", "security", "set",
                                    "actor_from_database", "true"], env=env, catch_exceptions=False)
    assert done.exit_code == 0, done.output
    officers = {**officers, "config": ""}  # no file at all: the database's word is enough
    result = as_role(officers, "a", "--actor", "绿水经办", "org", "list")
    assert result.exit_code == 2 and "不能用 --actor 或 RECTIFY_ACTOR 指定" in result.stderr
    assert as_role(officers, "a", *ORG_ADD).exit_code == 0
    loose = tmp_path / "loose.toml"
    loose.write_text("[security]\nactor_from_database = false\n", encoding="utf-8")
    result = as_role({**officers, "config": str(loose)}, "b", "--actor", "青山经办", "org", "list")
    assert result.exit_code == 2  # a file cannot turn it off
