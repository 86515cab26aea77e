"""The people registry (SPEC §12): admin first, only an admin manages it, imports all or nothing, plan names."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from click.testing import Result

from rectify.config import Config
from rectify.demo.demo import (
    APPROVER,
    DEMO_PEOPLE,
    OFFICERS,
    SUPERVISOR,
    TOWNSHIP_LEADERS,
    VERIFIER,
    build_demo,
)
from rectify.reports.cases import case_history
from rectify.states.roles import Role
from rectify.store import Database
from rectify.write.engine import Workflow
from rectify.write.people import people_rows

from .conftest import FakeClock, add_org, snapshot, walk

Run = Callable[..., Result]
ADMIN = ("people", "add", "王管理", "--unit", "县委组织部", "--role", "admin", "--scope", "*", "--login", "wang")
OFFICER = ("people", "add", "赵经办", "--unit", "县委组织部", "--role", "county_officer", "--scope", "青山县",
           "--email", "zhao@example.cn", "--login", "zhao")


def as_(run: Run, actor: str, *args: str) -> Result:
    """``run`` with another actor (the later --actor wins)."""
    return run("--actor", actor, *args)


def refused(run: Run, db: Database, *args: str, actor: str = "王管理", code: int = 1) -> str:
    """Runs a command that must be refused: exit ``code``, one line on stderr, nothing written."""
    before = snapshot(db)
    result = as_(run, actor, *args)
    assert result.exit_code == code, result.output
    assert snapshot(db) == before
    lines = result.stderr.strip().splitlines()
    assert lines and lines[-1].startswith("错误："), result.stderr
    return result.stderr


def registered(run: Run) -> None:
    assert run(*ADMIN).exit_code == 0
    result = as_(run, "王管理", *OFFICER)
    assert result.exit_code == 0, result.output


# -- admin first, admin only --------------------------------------------------------------------------


def test_the_first_person_must_be_an_admin(run: Run, db: Database) -> None:
    err = refused(run, db, *OFFICER, actor="随便谁")
    assert "第一位登记的人员必须是系统管理员" in err and "赵经办" in err
    result = run(*ADMIN)  # the bootstrap needs no registered actor
    assert result.exit_code == 0, result.output
    assert result.stderr == "已登记人员 王管理（县委组织部 系统管理员，范围 *）\n" and result.stdout == ""
    assert [(p["name"], p["role"], p["registered"]) for p in people_rows(db)] == [("王管理", "admin", True)]


@pytest.mark.parametrize("actor", ["测试员", "赵经办", "zhao"])
def test_only_an_admin_adds_imports_or_disables(run: Run, db: Database, tmp_path: Path, actor: str) -> None:
    registered(run)
    sheet = tmp_path / "people.csv"
    sheet.write_text("姓名,单位,角色,范围\n孙验收,县委组织部,county_verifier,青山县\n", encoding="utf-8")
    for args in (("people", "add", "孙验收", "--unit", "县委组织部", "--role", "county_verifier",
                  "--scope", "青山县"),
                 ("people", "import", str(sheet)),
                 ("people", "disable", "赵经办")):
        err = refused(run, db, *args, actor=actor)
        assert "只有系统管理员可以登记人员" in err and actor in err


def test_a_disabled_admin_manages_nothing(run: Run, db: Database) -> None:
    registered(run)
    assert as_(run, "王管理", "people", "add", "李管理", "--unit", "县委组织部", "--role", "admin",
               "--scope", "*").exit_code == 0
    assert as_(run, "李管理", "people", "disable", "王管理").stderr == "已停用人员 王管理\n"
    err = refused(run, db, "people", "disable", "赵经办", actor="wang")  # by login: still 王管理
    assert "只有系统管理员可以登记人员" in err
    assert "不能停用自己" in refused(run, db, "people", "disable", "李管理", actor="李管理")
    assert "已停用" in refused(run, db, "people", "disable", "王管理", actor="李管理")


def test_disable_refuses_an_unknown_person(run: Run, db: Database) -> None:
    registered(run)
    assert "找不到已登记的人员 无名氏" in refused(run, db, "people", "disable", "无名氏")


# -- what a person may be -----------------------------------------------------------------------------


def test_duplicate_name_or_login_refused(run: Run, db: Database) -> None:
    registered(run)
    err = refused(run, db, "people", "add", "赵经办", "--unit", "县委组织部", "--role", "county_verifier",
                  "--scope", "青山县")
    assert "人员 赵经办 已登记" in err
    err = refused(run, db, "people", "add", "钱经办", "--unit", "县委组织部", "--role", "county_officer",
                  "--scope", "青山县", "--login", "zhao")
    assert "登录名 zhao 已被使用（赵经办 的登录名）" in err
    err = refused(run, db, "people", "add", "zhao", "--unit", "县委组织部", "--role", "county_officer",
                  "--scope", "青山县")
    assert "姓名 zhao 已是 赵经办 的登录名" in err


@pytest.mark.parametrize(("role", "scope", "message"), [
    ("county_officer", "", "范围不能为空"),
    ("county_officer", "*", "范围 * （全部县）只适用于系统管理员"),
    ("county_officer", "青山县/城关镇/西街", "范围格式不对：青山县/城关镇/西街"),
    ("township_leader", "青山县,绿水县", "范围格式不对"),
    ("city_supervisor", "青山县/城关镇", "范围格式不对"),
    ("auditor", "青山县,,绿水县", "范围格式不对"),
])
def test_scope_syntax(run: Run, db: Database, role: str, scope: str, message: str) -> None:
    registered(run)
    err = refused(run, db, "people", "add", "孙某", "--unit", "县委组织部", "--role", role, "--scope", scope, code=2)
    assert message in err


def test_scopes_accepted_and_normalised(run: Run, db: Database) -> None:
    registered(run)
    for name, role, scope in (("钱督导", "city_supervisor", "青山县，绿水县、青山县"), ("周审计", "auditor", "绿水县"),
                              ("吴领导", "township_leader", "青山县 / 城关镇")):
        result = as_(run, "王管理", "people", "add", name, "--unit", "某单位", "--role", role, "--scope", scope)
        assert result.exit_code == 0, result.output
    scopes = {p["name"]: p["scope"] for p in people_rows(db)}
    assert (scopes["钱督导"], scopes["周审计"], scopes["吴领导"]) == ("青山县,绿水县", "绿水县", "青山县/城关镇")


@pytest.mark.parametrize(("args", "message"), [
    (("--email", "not-an-address"), "邮箱地址格式不对"),
    (("--login", "有 空格"), "登录名 有 空格 只能由字母"),
    (("--role", "boss"), "不是可选值之一"),
])
def test_malformed_person(run: Run, db: Database, args: tuple[str, ...], message: str) -> None:
    registered(run)
    base = ["people", "add", "孙某", "--unit", "县委组织部", "--scope", "青山县"]
    if "--role" not in args:
        base += ["--role", "county_officer"]
    assert message in refused(run, db, *base, *args, code=2)


# -- list -----------------------------------------------------------------------------------------------


def test_list_json_keys_are_stable(run: Run, db: Database) -> None:
    registered(run)
    data = json.loads(as_(run, "王管理", "people", "list", "--format", "json").stdout)
    assert data[1] == {"name": "赵经办", "unit": "县委组织部", "role": "county_officer", "role_label": "县委组织部经办人",
                       "scope": "青山县", "email": "zhao@example.cn", "phone": "", "login": "zhao",
                       "wecom_userid": "", "dingtalk_userid": "", "channels": "", "registered": True, "active": True}
    assert [list(p) for p in data] == [list(data[1])] * 2


def test_list_is_for_registered_readers_and_their_counties(run: Run, db: Database) -> None:
    registered(run)
    assert as_(run, "王管理", "people", "add", "钱绿水", "--unit", "县委组织部", "--role", "county_officer",
               "--scope", "绿水县").exit_code == 0
    refused(run, db, "people", "list", actor="外人")
    names = {p["name"] for p in json.loads(as_(run, "赵经办", "people", "list", "--format", "json").stdout)}
    assert names == {"王管理", "赵经办"}  # the admin's scope is every county; 绿水县's officer is not shown
    everyone = {p["name"] for p in json.loads(as_(run, "王管理", "people", "list", "--format", "json").stdout)}
    assert everyone == {"王管理", "赵经办", "钱绿水"}


def test_list_table_shows_unregistered_and_disabled(run: Run, db: Database, wf: Workflow, clock: FakeClock) -> None:
    registered(run)
    walk(wf, clock, add_org(wf), "ledger_created")
    assert as_(run, "王管理", "people", "disable", "赵经办").exit_code == 0
    lines = {line.split()[0]: line for line in as_(run, "王管理", "people", "list").stdout.splitlines()[2:]}
    assert lines["王管理"].endswith("在用")
    assert lines["赵经办"].endswith("已停用")
    assert lines["李县长"].endswith("未登记") and "县级联系领导" in lines["李县长"]
    csv_text = as_(run, "王管理", "people", "list", "--format", "csv").stdout
    assert csv_text.startswith("\ufeff姓名,单位,角色,范围,邮箱,电话,企业微信,提醒方式,登录名,状态")


# -- import ---------------------------------------------------------------------------------------------


def test_import_with_chinese_roles_and_english_headers(run: Run, db: Database, tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["人员名册"])  # a title row above the header
    ws.append(["name", "unit", "role", "scope", "email", "phone", "login"])
    ws.append(["王管理", "县委组织部", "系统管理员", "*", "", "", "wang"])
    ws.append(["孙验收", "县级验收组", "县级验收组成员", "青山县", "sun@example.cn", "13800000000", "sun"])
    ws.append(["钱督导", "市委组织部", "市委组织部督导", "青山县,绿水县", "", "", ""])
    ws.append(["周审计", "县审计局", "审计", "青山县", "", "", ""])
    ws.append(["吴领导", "城关镇党委", "township_leader", "青山县/城关镇", "", "", ""])
    path = tmp_path / "人员名册.xlsx"
    wb.save(path)
    dry = run("people", "import", str(path), "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert dry.stderr == "检查通过（--dry-run，未写入）：将导入 5 行：登记人员 5 人\n"
    assert people_rows(db) == []
    result = run("people", "import", str(path))  # an empty registry: the first row is the admin
    assert result.exit_code == 0, result.output
    assert [(p["name"], p["role"]) for p in people_rows(db)] == [
        ("王管理", Role.admin), ("孙验收", Role.county_verifier), ("钱督导", Role.city_supervisor),
        ("周审计", Role.auditor), ("吴领导", Role.township_leader)]


def test_import_is_all_or_nothing_with_line_numbers(run: Run, db: Database, tmp_path: Path) -> None:
    registered(run)
    path = tmp_path / "people.csv"
    path.write_text(
        "姓名,单位,角色,范围,邮箱,登录名\n"
        "孙验收,县级验收组,县级验收组成员,青山县,sun@example.cn,sun\n"   # line 2: good
        "钱某,县委组织部,局长,青山县,,\n"                                 # line 3: unknown role
        "赵经办,县委组织部,county_officer,青山县,,\n"                     # line 4: already registered
        "李某,县委组织部,county_officer,青山县/城关镇/西街,,\n"           # line 5: bad scope
        "周某,县委组织部,county_officer,青山县,bad,\n"                    # line 6: bad e-mail
        "吴某,县委组织部,county_officer,青山县,,sun\n"                    # line 7: login of line 2
        "孙验收,县级验收组,county_verifier,青山县,,\n",                   # line 8: name of line 2
        encoding="utf-8")
    before = snapshot(db)
    result = as_(run, "王管理", "people", "import", str(path))
    assert result.exit_code == 2, result.output
    assert snapshot(db) == before
    lines = result.stderr.splitlines()
    assert [line.split(" · ")[0] for line in lines[:-1]] == [f"第 {n} 行" for n in (3, 4, 5, 6, 7, 8)]
    assert lines[0].startswith("第 3 行 · 角色：未知的角色 局长")
    assert lines[1] == "第 4 行 · 姓名：人员 赵经办 已登记（县委组织部 县委组织部经办人），姓名不能重复"
    assert lines[2].startswith("第 5 行 · 范围：范围格式不对")
    assert lines[3].startswith("第 6 行 · 邮箱：")
    assert lines[4] == "第 7 行 · 登录名：与第 2 行重复（sun）"
    assert lines[5] == "第 8 行 · 姓名：与第 2 行重复（孙验收）"
    assert lines[-1] == "错误：导入失败：6 行有误（共 6 处，共 7 行），未写入任何数据"


def test_import_into_an_empty_registry_needs_an_admin_first(run: Run, db: Database, tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("姓名,单位,角色,范围\n孙验收,县级验收组,county_verifier,青山县\n王管理,县委组织部,admin,*\n",
                    encoding="utf-8")
    assert "第一位登记的人员必须是系统管理员" in refused(run, db, "people", "import", str(path))


def test_import_refuses_a_sheet_without_the_needed_columns(run: Run, db: Database, tmp_path: Path) -> None:
    registered(run)
    path = tmp_path / "people.csv"
    path.write_text("姓名,单位,邮箱\n孙验收,县级验收组,sun@example.cn\n", encoding="utf-8")
    result = as_(run, "王管理", "people", "import", str(path))
    assert result.exit_code == 2
    assert "第 1 行 · 角色：缺少这一列" in result.stderr and "第 1 行 · 范围：缺少这一列" in result.stderr


# -- people named on a case -----------------------------------------------------------------------------


def test_people_named_on_a_plan_appear_unregistered(db: Database, wf: Workflow, clock: FakeClock, run: Run) -> None:
    case_id = walk(wf, clock, add_org(wf), "secretary_assigned")
    people = {p["name"]: p for p in people_rows(db)}
    assert {n: (p["role"], p["registered"]) for n, p in people.items()} == {
        "李县长": ("county_leader", False), "张干部": ("township_cadre", False),
        "王建国": ("measure_owner", False), "李志强": ("measure_owner", False),
        "陈海涛": ("first_secretary", False)}
    assert (people["陈海涛"]["unit"], people["陈海涛"]["email"]) == ("县财政局", "secretary@example.cn")
    assert people["李县长"]["email"] == "leader@example.cn"
    # Naming them again (a revised plan, a replacement) adds no one twice.
    wf.plan(case_id, measures=[(["P01"], "完善村务公开栏", "王建国", date(2026, 10, 30))], county_leader="李县长")
    wf.recall_secretary(case_id, on=date(2026, 3, 10), reason="工作需要")
    wf.assign_secretary(case_id, name="刘新", unit="县人社局", since=date(2026, 3, 10))
    names = [p["name"] for p in people_rows(db)]
    assert len(names) == len(set(names)) == 6 and "刘新" in names
    # Registering one of them completes that row.
    registered(run)
    result = as_(run, "王管理", "people", "add", "李县长", "--unit", "青山县委", "--role", "county_officer",
                 "--scope", "青山县", "--email", "li@example.cn")
    assert result.exit_code == 0, result.output
    assert "此前由整顿方案带入" in result.stderr
    li = next(p for p in people_rows(db) if p["name"] == "李县长")
    assert (li["registered"], li["role"], li["unit"], li["email"]) == (True, "county_officer", "青山县委",
                                                                        "li@example.cn")


# -- the demo -------------------------------------------------------------------------------------------


def test_demo_registers_every_role_and_signs_each_step_by_its_person(db: Database) -> None:
    build_demo(db, Config(), date(2026, 6, 30))
    people = people_rows(db)
    assert people[0]["role"] == Role.admin  # the first person registered
    assert {p["role"] for p in people if p["registered"]} == set(Role)
    assert all(p["email"] and p["unit"] and p["scope"] for p in people if p["registered"])
    leaders = {p["scope"] for p in people if p["role"] == Role.township_leader}
    assert leaders == {f"青山县/{t}" for t in TOWNSHIP_LEADERS}
    assert any(not p["registered"] for p in people)
    assert {p.name for p in DEMO_PEOPLE} <= {p["name"] for p in people}

    from rectify.reports.cases import list_cases

    signers = {"open": {o.name for o in OFFICERS}, "plan": {o.name for o in OFFICERS},
               "assign_secretary": {o.name for o in OFFICERS}, "village_secretary": {o.name for o in OFFICERS},
               "verify": {VERIFIER.name}, "fail_verification": {VERIFIER.name},
               "withdraw": {APPROVER.name}, "extend": {OFFICERS[0].name}, "strike_off": {APPROVER.name},
               "objection": {OFFICERS[0].name}, "dismiss_objection": {OFFICERS[0].name},
               "supervise": {SUPERVISOR.name, OFFICERS[0].name}, "unsupervise": {SUPERVISOR.name},
               "escalate": {OFFICERS[0].name}, "look_back": {o.name for o in OFFICERS}}
    seen: set[str] = set()
    for case in list_cases(db, as_of=date(2026, 6, 30), config=Config()):
        leader = TOWNSHIP_LEADERS[case["township"]].name
        for event in case_history(db, case["case_id"]):
            action = event["action"]
            seen.add(action)
            allowed = signers.get(action, {leader})  # progress, measures done, rectified: the township
            assert event["actor"] in allowed, (case["case_id"], action, event["actor"])
    assert {"open", "plan", "report_progress", "mark_rectified", "verify", "fail_verification", "withdraw",
            "extend", "supervise", "village_secretary", "complete_measure", "unsupervise", "escalate",
            "look_back"} <= seen


def test_demo_rebuild_keeps_one_registry(db: Database) -> None:
    build_demo(db, Config(), date(2026, 6, 30))
    first = people_rows(db)
    build_demo(db, Config(), date(2026, 6, 30))
    assert people_rows(db) == first


# -- where each person reads (SPEC §16) ---------------------------------------------------------------


def test_people_carry_their_userids_and_preferred_channels(run: Run, db: Database, tmp_path: Path) -> None:
    registered(run)
    assert as_(run, "王管理", "people", "add", "陈书记", "--unit", "县财政局", "--role", "first_secretary",
               "--scope", "青山县/河口镇", "--phone", "13800000001", "--wecom-userid", "chenshuji",
               "--dingtalk-userid", "dt-chen", "--channels", "企业微信、sms").exit_code == 0
    sheet = tmp_path / "people.csv"
    sheet.write_text("姓名,单位,角色,范围,电话,企业微信账号,提醒方式\n"
                     "秦干部,河口镇,township_cadre,青山县/河口镇,13800000002,,短信\n", encoding="utf-8")
    assert as_(run, "王管理", "people", "import", str(sheet)).exit_code == 0
    rows = {p["name"]: p for p in people_rows(db)}
    assert (rows["陈书记"]["wecom_userid"], rows["陈书记"]["dingtalk_userid"], rows["陈书记"]["channels"]) == \
        ("chenshuji", "dt-chen", "wecom_app,sms")
    assert (rows["秦干部"]["phone"], rows["秦干部"]["channels"]) == ("13800000002", "sms")
    err = refused(run, db, "people", "add", "错渠道", "--unit", "x", "--role", "township_cadre", "--scope", "青山县",
                  "--channels", "微信", code=2)
    assert "提醒方式 微信 不认识" in err
    bad = tmp_path / "bad.csv"
    bad.write_text("姓名,单位,角色,范围,提醒方式\n甲,乙,township_cadre,青山县,fax\n", encoding="utf-8")
    err = refused(run, db, "people", "import", str(bad), code=2)
    assert "提醒方式" in err
