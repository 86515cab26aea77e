"""Scope that never leaks in messages (SPEC §12, issue 26): a refusal because something belongs to another county
reads exactly like the refusal for an unknown thing, naming nothing stored of what the reader may not see."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from click.testing import Result

from rectify.config import Config
from rectify.notifications.scheduler import ReminderService
from rectify.store import Database
from rectify.store.outbox import SqlOutboxStore
from rectify.write.people import PersonInput, register_people

from .conftest import FakeClock, snapshot
from .test_scope_leaks import _other_county

Run = Callable[..., Result]
FOREIGN = ("绿水县", "河口镇某村", "绿水经办", "lv@example.cn")


def _same(demo: Run, db: Database, foreign: tuple[str, ...], unknown: tuple[str, ...]) -> str:
    """Both refused alike (exit 1, the same line with the reference swapped), nothing written, nothing of the other
    county named but the reference the reader typed."""
    before = snapshot(db)
    seen, none = demo(*foreign), demo(*unknown)
    assert snapshot(db) == before
    assert seen.exit_code == none.exit_code == 1, (seen.output, none.output)
    for word in set(FOREIGN) - set(foreign):
        assert word not in seen.output, (foreign, seen.output)
    assert seen.stderr.replace(foreign[-1], "?") == none.stderr.replace(unknown[-1], "?") or \
        seen.stderr.replace(foreign[2], "?") == none.stderr.replace(unknown[2], "?")
    return seen.stderr


def test_outbox_retry_of_another_countys_delivery_reads_like_an_unknown_id(
        demo: Run, db: Database, clock: FakeClock) -> None:
    _other_county(db, clock)
    ReminderService(SqlOutboxStore(db), Config(), clock, lambda: None).sweep()  # type: ignore[arg-type,return-value]
    with db.engine.begin() as conn:
        rows = conn.execute(sa.text("SELECT id, recipient FROM outbox_digest")).all()
        [theirs] = [r.id for r in rows if r.recipient == "lv@example.cn"]
        conn.execute(sa.text("UPDATE outbox_digest SET status = 'failed' WHERE id = :id"), {"id": theirs})
    err = _same(demo, db, ("outbox", "retry", str(theirs)), ("outbox", "retry", "999999"))
    assert err == f"错误：找不到发送记录 {theirs}（rectify outbox list 查看）\n"
    assert demo("--actor", "周文博", "outbox", "retry", str(theirs)).exit_code == 1  # the county's admin alike


def test_case_open_on_another_countys_organization_reads_like_an_unknown_code(
        demo: Run, db: Database, clock: FakeClock) -> None:
    _other_county(db, clock, code="LS002")
    listing = ("--problem", "P01", "--identified", "2026-06-01")
    err = _same(demo, db, ("case", "open", "LS002", *listing), ("case", "open", "NOPE9", *listing))
    assert err == "错误：找不到组织 LS002，请先用 rectify org add 登记\n"


def test_a_case_of_another_county_reads_like_an_unknown_one_in_every_step(
        demo: Run, db: Database, clock: FakeClock) -> None:
    other = _other_county(db, clock)
    for step in (("case", "extend", "{}", "--to", "2026-12-01", "--reason", "进度", "--approved-by", "郑怀远"),
                 ("case", "progress", "{}", "--on", "2026-06-30", "--note", "开会"), ("case", "files", "{}")):
        foreign = tuple(a.replace("{}", str(other)) for a in step)
        unknown = tuple(a.replace("{}", "999999") for a in step)
        err = _same(demo, db, foreign, unknown)
        assert err == f"错误：找不到整顿对象或组织 {other}\n", (step, err)


def test_org_add_and_import_of_a_code_another_county_holds_name_nothing_of_it(
        demo: Run, db: Database, clock: FakeClock, tmp_path: Path) -> None:
    _other_county(db, clock)
    before = snapshot(db)
    added = demo("org", "add", "LS001", "某村党支部", "--kind", "village", "--county", "青山县",
                 "--township", "河口镇")
    assert (added.exit_code, added.stderr) == (1, "错误：组织代码 LS001 已存在\n")
    sheet = tmp_path / "orgs.csv"
    sheet.write_text("组织代码,党组织名称,类别,县,乡镇\nLS001,某村党支部,村,,\n", encoding="utf-8")
    cases = tmp_path / "cases.csv"
    cases.write_text("组织代码,党组织名称,软弱涣散情形,确定日期\nLS001,,P01,2026-03-01\n", encoding="utf-8")
    for args in (("org", "import", str(sheet)), ("case", "import", str(cases))):
        result = demo(*args)
        assert result.exit_code == 2, result.output
        assert result.stderr.startswith("第 2 行 · 组织代码：组织代码 LS001 已被占用，不能用于本行\n"), result.stderr
        for word in FOREIGN:
            assert word not in result.output
    assert snapshot(db) == before


def test_a_county_admin_cannot_tell_another_countys_person_from_an_unknown_name(
        demo: Run, db: Database, clock: FakeClock) -> None:
    register_people(db, [PersonInput("绿水经办", "绿水县委组织部", "county_officer", "绿水县",
                                     email="lv@example.cn", login="lv-officer")], clock())
    err = _same(demo, db, ("--actor", "周文博", "people", "disable", "绿水经办"),
                ("--actor", "周文博", "people", "disable", "查无此人"))
    assert err == "错误：无法停用人员：找不到已登记的人员 绿水经办\n"
    for args in (("people", "add", "绿水经办", "--unit", "某单位", "--role", "county_officer", "--scope", "青山县"),
                 ("people", "add", "新经办", "--unit", "某单位", "--role", "county_officer", "--scope", "青山县",
                  "--login", "lv-officer")):
        result = demo("--actor", "周文博", *args)
        assert result.exit_code == 1, result.output
        assert "绿水县委组织部" not in result.stderr and "（绿水经办" not in result.stderr, result.stderr


def test_a_county_admin_cannot_set_another_countys_password(
        demo: Run, db: Database, db_url: str, clock: FakeClock) -> None:
    from click.testing import CliRunner

    from rectify.cli import cli

    register_people(db, [PersonInput("绿水经办", "绿水县委组织部", "county_officer", "绿水县",
                                     email="lv@example.cn", login="lv-officer")], clock())
    before = snapshot(db)
    env = {"RECTIFY_NOW": clock.now.isoformat(), "RECTIFY_CONFIG": ""}

    def password(name: str) -> Result:
        return CliRunner().invoke(cli, ["--db", db_url, "--actor", "周文博", "people", "password", name],
                                  input="a-long-new-password\n", env=env)

    theirs, nobody = password("lv-officer"), password("no-such-login")
    assert theirs.exit_code == nobody.exit_code == 1, theirs.output
    assert theirs.stderr == "错误：找不到已登记的人员 lv-officer\n"
    assert nobody.stderr == "错误：找不到已登记的人员 no-such-login\n"
    assert snapshot(db) == before
