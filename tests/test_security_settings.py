"""Security settings in the database (SPEC §12, issue 26): set by an admin with a signed history, a config file
only tightens them; the registry obeys them; an admin grants only within their scope; the clock and 操作员."""

from __future__ import annotations

import getpass
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from rectify.store import Database
from rectify.store.security import security_history

from .conftest import add_org, snapshot
from .test_people import as_, refused, registered

Run = Callable[..., Result]
COUNTY_ADMIN = ("people", "add", "钱管理", "--unit", "青山县委组织部", "--role", "admin", "--scope", "青山县")


def _loose_config(tmp_path: Path) -> dict[str, str]:
    conf = tmp_path / "loose.toml"
    conf.write_text("[security]\nrequire_registered_actor = false\n", encoding="utf-8")
    return {"RECTIFY_CONFIG": str(conf)}


def test_a_file_cannot_loosen_the_database_and_an_admin_sets_it_with_a_signed_event(
        run: Run, db: Database, tmp_path: Path) -> None:
    registered(run)
    add = ("org", "add", "Q001", "城关镇东街社区党支部", "--kind", "village", "--county", "青山县",
           "--township", "城关镇")
    before = snapshot(db)
    result = run("--actor", "冒名者", *add, env=_loose_config(tmp_path))
    assert (result.exit_code, result.stderr) == (1, "错误：操作人 冒名者 未登记（或已停用），请管理员用 rectify "
                                                    "people add 登记\n")
    assert snapshot(db) == before
    # Only an admin changes a setting.
    assert "只有系统管理员可以修改" in refused(run, db, "security", "set", "require_registered_actor", "false",
                                        actor="赵经办")
    assert "应为 true 或 false" in refused(run, db, "security", "set", "require_registered_actor", "maybe",
                                         code=2)
    assert "未知的安全设置" in refused(run, db, "security", "set", "nope", "true", code=2)
    done = as_(run, "王管理", "security", "set", "require_registered_actor", "false")
    assert done.exit_code == 0, done.output
    assert done.stderr == "安全设置 require_registered_actor：true → false（县委组织部 王管理 修改）\n"
    with db.connect() as conn:
        [event] = security_history(conn)
    assert (event.actor, event.actor_unit, event.operator, event.old_value, event.new_value) == (
        "王管理", "县委组织部", getpass.getuser(), "true", "false")
    # Loosened in the database and in the file: now it applies; the default file (true) still tightens it.
    assert run("--actor", "冒名者", *add, env=_loose_config(tmp_path)).exit_code == 0
    assert run("--actor", "冒名者2", "org", "list").exit_code == 1
    shown = json.loads(run("security", "show", "--format", "json").stdout)
    row = next(r for r in shown if r["key"] == "require_registered_actor")
    assert (row["database"], row["config"], row["effective"], row["set_by"]) == ("false", "true", "true",
                                                                                 "县委组织部 王管理")


def test_a_county_admin_grants_and_loosens_only_within_their_scope(run: Run, db: Database) -> None:
    registered(run)
    assert as_(run, "王管理", *COUNTY_ADMIN).exit_code == 0
    for scope in ("*", "绿水县", "青山县,绿水县"):
        role = "admin" if scope == "*" else "auditor" if "," in scope else "county_officer"
        err = refused(run, db, "people", "add", "新人", "--unit", "某单位", "--role", role, "--scope", scope,
                      actor="钱管理")
        assert "只能登记或停用此范围内的人员" in err, err
    assert as_(run, "钱管理", "people", "add", "新人", "--unit", "城关镇党委", "--role", "township_leader",
               "--scope", "青山县/城关镇").exit_code == 0
    assert "只能登记或停用此范围内的人员" in refused(run, db, "people", "disable", "王管理", actor="钱管理")
    # Tightening is any admin's; loosening what every county feels is for an admin of every county.
    assert as_(run, "钱管理", "security", "set", "require_registered_actor", "true").exit_code == 0
    assert "不能放宽安全设置" in refused(run, db, "security", "set", "require_registered_actor", "false",
                                   actor="钱管理")


def test_people_import_refuses_rows_outside_the_admins_scope(run: Run, db: Database, tmp_path: Path) -> None:
    registered(run)
    assert as_(run, "王管理", *COUNTY_ADMIN).exit_code == 0
    sheet = tmp_path / "people.csv"
    sheet.write_text("姓名,单位,角色,范围\n甲,青山县委组织部,county_officer,青山县\n乙,绿水县委组织部,county_officer,"
                     "绿水县\n", encoding="utf-8")
    err = refused(run, db, "people", "import", str(sheet), actor="钱管理", code=2)
    assert "第 3 行" in err and "超出 钱管理 的范围 青山县" in err


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # PostgreSQL: test_pg_roles
def test_actor_from_database_cannot_be_set_on_sqlite(run: Run, db: Database) -> None:
    registered(run)
    assert "只适用于 PostgreSQL" in refused(run, db, "security", "set", "actor_from_database", "true")


@pytest.mark.parametrize("now", ["9999-12-31T23:59:59+00:00", "1800-01-01T00:00:00+00:00"])
def test_a_clock_beyond_1900_2100_is_one_line(run: Run, db: Database, now: str) -> None:
    registered(run)
    before = snapshot(db)
    for args in (("case", "list"), ("org", "add", "Q1", "一村党支部", "--kind", "village", "--county", "青山县",
                                    "--township", "城关镇"), ("remind", "run", "--dry-run")):
        result = run("--actor", "赵经办", *args, env={"RECTIFY_NOW": now})
        assert result.exit_code == 2, result.output
        assert result.stderr.count("\n") == 1 and result.stderr.startswith("错误：时钟给出的时间")
        assert "内部错误" not in result.stderr
    assert snapshot(db) == before


def test_every_event_records_the_os_login_and_history_shows_it(run: Run, db: Database, wf: object) -> None:
    registered(run)
    assert as_(run, "赵经办", "org", "add", "Q001", "城关镇东街社区党支部", "--kind", "village", "--county", "青山县",
               "--township", "城关镇").exit_code == 0
    assert as_(run, "赵经办", "case", "open", "Q001", "--problem", "P01", "--identified", "2026-03-01").exit_code == 0
    history = json.loads(as_(run, "赵经办", "case", "history", "1", "--format", "json").stdout)
    assert [(e["actor"], e["operator"]) for e in history] == [("赵经办", getpass.getuser())]
    table = as_(run, "赵经办", "case", "history", "1").stdout
    assert "操作员" in table and getpass.getuser() in table


def test_remind_run_with_a_clock_before_the_last_sweep_refuses_and_sends_nothing(
        run: Run, db: Database, wf: object) -> None:
    from .conftest import walk

    add_org(wf)  # type: ignore[arg-type]
    walk(wf, None, "V001", "ledger_created")  # type: ignore[arg-type]
    first = run("remind", "run", env={"RECTIFY_NOW": "2026-06-30T02:00:00+00:00"})
    assert "提醒扫描 2026-06-30" in first.stderr
    before = snapshot(db)
    result = run("remind", "run", env={"RECTIFY_NOW": "2026-06-01T02:00:00+00:00"})
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == ("错误：时钟（2026-06-01）早于上次提醒扫描时的日期 2026-06-30，时钟可能被调回；"
                             "本次未记录、未发送任何提醒\n")
    assert snapshot(db) == before
