"""Who may change what (SPEC §12): the actor, the who-may table, role and scope on every change.

Two counties (青山县, 绿水县) and a city supervisor over both, on both backends. Every refusal is
checked to leave the database exactly as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import Result

from rectify.config import Config, SecurityConfig
from rectify.errors import BadInput, NotFound, Refused
from rectify.states.permissions import WHO_MAY, Actor, may, parse_scope
from rectify.states.roles import ROLE_NAMES
from rectify.states.transitions import TRANSITIONS
from rectify.store import Database
from rectify.store.people import insert_person
from rectify.store.tables import people_t
from rectify.write.actors import resolve_actor
from rectify.write.engine import Workflow
from tests.conftest import NOW, FakeClock, snapshot

# name → (role, scope, unit, login)
PEOPLE: dict[str, tuple[str, str, str, str | None]] = {
    "管理员": ("admin", "*", "市委组织部", None),
    "青山经办": ("county_officer", "青山县", "青山县委组织部", "qs_officer"),
    "绿水经办": ("county_officer", "绿水县", "绿水县委组织部", "lv_officer"),
    "青山验收": ("county_verifier", "青山县", "青山县验收组", None),
    "城关包村": ("township_leader", "青山县/城关镇", "城关镇党委", None),
    "市督导": ("city_supervisor", "青山县,绿水县", "市委组织部", None),
    "审计员": ("auditor", "青山县,绿水县", "市审计局", None),
}


def register(db: Database, people: dict[str, tuple[str, str, str, str | None]] = PEOPLE) -> None:
    with db.begin() as conn:
        for name, (role, scope, unit, login) in people.items():
            insert_person(conn, name=name, role=role, scope=scope, unit=unit, login=login, now=NOW)


def as_(db: Database, config: Config, clock: FakeClock, name: str | None) -> Workflow:
    return Workflow(db, config, actor=resolve_actor(db, config, name), clock=clock)


def refused(db: Database, step: Callable[[], object], message: str) -> None:
    """The step is refused with exactly ``message`` and nothing at all is written."""
    before = snapshot(db)
    with pytest.raises(Refused) as info:
        step()
    assert str(info.value) == message
    assert snapshot(db) == before


def hidden(db: Database, step: Callable[[], object], message: str) -> None:
    """The step is refused as if the case did not exist (``message``), and nothing at all is written."""
    before = snapshot(db)
    with pytest.raises(NotFound) as info:
        step()
    assert str(info.value) == message
    assert snapshot(db) == before


MEASURES = [(["P01"], "配齐村两委班子", "王建国", date(2026, 6, 30))]


def opened(wf: Workflow, code: str) -> int:
    return wf.open_case(code, problems=["P01"], identified_on=date(2026, 3, 1), deadline=date(2026, 12, 31)).case_id


def planned(wf: Workflow, code: str) -> int:
    case_id = opened(wf, code)
    wf.plan(case_id, measures=MEASURES, county_leader="李县长", township_cadre="张干部")
    wf.assign_secretary(case_id, name="陈海涛", unit="县财政局", since=date(2026, 3, 9))
    return case_id


@pytest.fixture
def county(db: Database, config: Config, clock: FakeClock) -> dict[str, Workflow]:
    """The two counties' organizations, registered by their own officers, and everyone's workflow."""
    register(db)
    wfs = {name: as_(db, config, clock, name) for name in PEOPLE}
    wfs["青山经办"].add_org("Q001", "城关镇东街社区党支部", kind="village", county="青山县", township="城关镇")
    wfs["青山经办"].add_org("Q002", "石桥乡黄泥塘村党支部", kind="village", county="青山县", township="石桥乡")
    wfs["绿水经办"].add_org("L001", "河口镇王家庄村党支部", kind="village", county="绿水县", township="河口镇")
    return wfs


# -- the table ------------------------------------------------------------------------------------


def test_every_step_of_the_machine_has_its_roles_and_no_read_only_role_takes_one() -> None:
    for t in TRANSITIONS:
        assert WHO_MAY[t.trigger], t.trigger
    for roles in WHO_MAY.values():
        assert set(roles) <= set(ROLE_NAMES)
        assert not roles & {"auditor", "admin"}
    assert may("verify", None)  # legacy: an unregistered actor is never checked
    assert not may("verify", "township_leader")
    assert not may("no_such_step", "county_officer")


@pytest.mark.parametrize(("scope", "expected"), [
    ("青山县", (("青山县",), None)),
    ("青山县/城关镇", (("青山县",), "城关镇")),
    ("青山县,绿水县", (("青山县", "绿水县"), None)),
    ("青山县、 绿水县", (("青山县", "绿水县"), None)),
    ("*", ((), None)),
])
def test_scope_text(scope: str, expected: tuple[tuple[str, ...], str | None]) -> None:
    assert parse_scope(scope) == expected


# -- the done test ----------------------------------------------------------------------------------


def test_each_county_officer_changes_only_their_county(db: Database, county: dict[str, Workflow]) -> None:
    qs, lv = county["青山经办"], county["绿水经办"]
    refused(db, lambda: qs.add_org("L002", "河口镇李家湾村党支部", kind="village", county="绿水县",
                                   township="河口镇"),
            "青山经办 的范围是 青山县，不能操作 绿水县 的整顿对象")
    # Another county's organization reads exactly as an unknown code (issue 26).
    hidden(db, lambda: opened(qs, "L001"), "找不到组织 L001，请先用 rectify org add 登记")
    q = opened(qs, "Q001")
    l1 = opened(lv, "L001")
    # Another county's case reads exactly as an unknown one (SPEC §12: nothing of it shows).
    hidden(db, lambda: lv.plan(q, measures=MEASURES, county_leader="李县长", township_cadre="张干部"),
           f"找不到整顿对象或组织 {q}")
    hidden(db, lambda: qs.withdraw(l1, reason="误判"), f"找不到整顿对象或组织 {l1}")
    hidden(db, lambda: qs.withdraw(f"case:{l1}", reason="误判"), f"找不到整顿对象 {l1}")
    hidden(db, lambda: qs.withdraw("L001", reason="误判"), "找不到整顿对象或组织 L001")
    assert qs.plan(q, measures=MEASURES, county_leader="李县长", township_cadre="张干部").to_stage == "ledger_created"
    assert lv.withdraw(l1, reason="误判").to_stage == "withdrawn"


def test_a_township_leader_reports_and_applies_but_does_not_verify(db: Database, county: dict[str, Workflow],
                                                                  clock: FakeClock) -> None:
    qs, leader = county["青山经办"], county["城关包村"]
    case_id = planned(qs, "Q001")
    other_township = planned(qs, "Q002")
    refused(db, lambda: leader.plan(case_id, measures=MEASURES, county_leader="李县长", township_cadre="张干部"),
            "城关包村（乡镇包村领导）不能修订工作台账：此操作须由县委组织部经办人进行")
    hidden(db, lambda: leader.report_progress(other_township, on=date(2026, 3, 9), note="召开党员大会"),
           f"找不到整顿对象或组织 {other_township}")
    leader.report_progress(case_id, on=date(2026, 3, 9), note="召开党员大会")
    leader.complete_measure(case_id, 1, on=date(2026, 3, 9))
    assert leader.mark_rectified(case_id, on=date(2026, 3, 10), self_check="逐项自查").to_stage == "rectified"
    refused(db, lambda: leader.verify(case_id, on=date(2026, 3, 10), by="验收组", members=["钱"], score=88,
                                      satisfied=40, dissatisfied=1),
            "城关包村（乡镇包村领导）不能验收：验收须由县级验收组成员进行")
    refused(db, lambda: qs.verify(case_id, on=date(2026, 3, 10), by="验收组", members=["钱"], score=88, satisfied=40,
                                  dissatisfied=1),
            "青山经办（县委组织部经办人）不能验收：验收须由县级验收组成员进行")
    assert county["青山验收"].verify(case_id, on=date(2026, 3, 10), by="验收组", members=["钱"], score=88,
                                     satisfied=40, dissatisfied=1).to_stage == "rectified"  # in 公示
    refused(db, lambda: county["青山验收"].strike_off(case_id, on=date(2026, 3, 10)),
            "青山验收（县级验收组成员）不能销号：销号须由县委组织部审批人批复")


def test_a_city_supervisor_hangs_and_takes_down_city_signs_in_either_county_but_does_not_plan(
        db: Database, county: dict[str, Workflow]) -> None:
    qs, lv, city = county["青山经办"], county["绿水经办"], county["市督导"]
    q, l1 = opened(qs, "Q001"), opened(lv, "L001")
    refused(db, lambda: city.plan(q, measures=MEASURES, county_leader="李县长", township_cadre="张干部"),
            "市督导（市委组织部督导）不能建立工作台账：此操作须由县委组织部经办人进行")
    for case_id in (q, l1):
        city.supervise(case_id, matter="进度滞后，市级挂牌")
    with db.connect() as conn:
        levels = conn.execute(sa.text("SELECT supervision_level FROM rectification_case ORDER BY id")).scalars().all()
    assert levels == ["city", "city"]
    refused(db, lambda: lv.unsupervise(l1, on=date(2026, 3, 10), inspected_by="市督导", reason="已整改"),
            "绿水经办（县委组织部经办人）不能摘牌：这是市级挂牌，只能由挂牌的市级摘牌")
    city.unsupervise(l1, on=date(2026, 3, 10), inspected_by="市督导", reason="已按期整改")
    city.unsupervise(q, on=date(2026, 3, 10), inspected_by="市督导", reason="已按期整改")
    lv.supervise(l1, matter="县级挂牌")
    refused(db, lambda: city.unsupervise(l1, on=date(2026, 3, 10), inspected_by="市督导", reason="已整改"),
            "市督导（市委组织部督导）不能摘牌：这是县级挂牌，只能由挂牌的县级摘牌")
    assert lv.unsupervise(l1, on=date(2026, 3, 10), inspected_by="绿水经办", reason="已整改").to_stage == "identified"


@pytest.mark.parametrize("name", ["审计员", "管理员"])
def test_auditor_and_admin_change_nothing(db: Database, county: dict[str, Workflow], name: str) -> None:
    case_id = planned(county["青山经办"], "Q001")
    wf = county[name]
    label = ROLE_NAMES[PEOPLE[name][0]]
    steps: list[tuple[str, Callable[[], object]]] = [
        ("登记组织", lambda: wf.add_org("Q009", "城关镇西街社区党支部", kind="village", county="青山县",
                                   township="城关镇")),
        ("列入整顿", lambda: opened(wf, "Q002")),
        ("填报月度进展", lambda: wf.report_progress(case_id, on=date(2026, 3, 9), note="进展")),
        ("完成整顿措施", lambda: wf.complete_measure(case_id, 1, on=date(2026, 3, 9))),
        ("挂牌督办", lambda: wf.supervise(case_id, reason="督办")),
        ("延长转化时限", lambda: wf.extend(case_id, to=date(2027, 3, 31), reason="换届", approved_by="部务会")),
    ]
    for label_of_step, step in steps:
        before = snapshot(db)
        with pytest.raises(Refused, match=f"^{name}（{label}）不能{label_of_step}："):
            step()
        assert snapshot(db) == before


def test_history_names_the_signer_and_their_unit(db: Database, county: dict[str, Workflow]) -> None:
    from rectify.reports.cases import case_history

    case_id = opened(county["青山经办"], "Q001")
    county["市督导"].supervise(case_id, reason="督办")
    rows = case_history(db, case_id)
    assert [(r["actor_unit"], r["actor"]) for r in rows] == [("青山县委组织部", "青山经办"), ("市委组织部", "市督导")]


# -- the actor ------------------------------------------------------------------------------------


def test_no_one_registered_is_the_legacy_mode(db: Database, config: Config, clock: FakeClock) -> None:
    actor = resolve_actor(db, config, "随便谁")
    assert actor == Actor(name="随便谁")
    wf = Workflow(db, config, actor=actor, clock=clock)
    wf.add_org("L001", "河口镇王家庄村党支部", kind="village", county="绿水县", township="河口镇")
    assert opened(wf, "L001") == 1


def test_unknown_and_disabled_actors_are_refused(db: Database, config: Config) -> None:
    register(db)
    with pytest.raises(Refused, match="^操作人 外人 未登记（或已停用），请管理员用 rectify people add 登记$"):
        resolve_actor(db, config, "外人")
    with db.begin() as conn:
        conn.execute(sa.update(people_t).where(people_t.c.name == "绿水经办").values(active=False))
    with pytest.raises(Refused, match="^操作人 绿水经办 已停用"):
        resolve_actor(db, config, "绿水经办")
    assert resolve_actor(db, config, "qs_officer").name == "青山经办"  # by login
    loose = replace(config, security=SecurityConfig(require_registered_actor=False))
    with pytest.raises(Refused, match="^操作人 外人 未登记"):  # a file cannot loosen the database's setting
        resolve_actor(db, loose, "外人")
    from rectify.write.security import set_security

    set_security(db, resolve_actor(db, config, "管理员"), "require_registered_actor", "false", clock=lambda: NOW)
    assert resolve_actor(db, loose, "外人") == Actor(name="外人")  # both loose now
    with pytest.raises(Refused, match="^操作人 外人 未登记"):  # the file may still tighten it
        resolve_actor(db, config, "外人")
    with pytest.raises(Refused):
        resolve_actor(db, loose, "绿水经办")
    assert resolve_actor(db, loose, "青山经办").role == "county_officer"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # PostgreSQL: test_pg_roles
def test_actor_from_database_is_refused_on_sqlite(db: Database) -> None:
    config = Config(security=SecurityConfig(actor_from_database=True))
    with pytest.raises(BadInput, match=r"actor_from_database = true 只适用于 PostgreSQL"):
        resolve_actor(db, config, None)


# -- the command line -------------------------------------------------------------------------------


def test_cli_refusals_are_one_line_exit_1_and_history_shows_the_unit(
        db: Database, run: Callable[..., Result]) -> None:
    register(db)
    assert run("--actor", "青山经办", "org", "add", "Q001", "城关镇东街社区党支部", "--kind", "village",
               "--county", "青山县", "--township", "城关镇").exit_code == 0
    assert run("--actor", "青山经办", "case", "open", "Q001", "--problem", "P01", "--identified",
               "2026-03-01").exit_code == 0
    before = snapshot(db)
    for actor, args, message in [
        ("外人", ("case", "progress", "1", "--on", "2026-03-09", "--note", "进展"),
         "错误：操作人 外人 未登记（或已停用），请管理员用 rectify people add 登记\n"),
        ("审计员", ("case", "withdraw", "1", "--reason", "误判"),
         "错误：审计员（审计（只读））不能复核误判出列：撤销须由县委组织部经办人或审批人办理\n"),
        ("绿水经办", ("case", "withdraw", "1", "--reason", "误判"),
         "错误：找不到整顿对象或组织 1\n"),
    ]:
        result = run("--actor", actor, *args)
        assert (result.exit_code, result.stderr, result.stdout) == (1, message, "")
        assert snapshot(db) == before
    out = run("--actor", "青山经办", "case", "history", "1").stdout
    assert "青山县委组织部 青山经办" in out


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # PostgreSQL: test_pg_roles
def test_cli_actor_from_database_on_sqlite_is_exit_2(db: Database, run: Callable[..., Result],
                                                     tmp_path: Path) -> None:
    conf = tmp_path / "rectify.toml"
    conf.write_text("[security]\nactor_from_database = true\n", encoding="utf-8")
    before = snapshot(db)
    result = run("org", "add", "Q001", "城关镇东街社区党支部", "--kind", "village", "--county", "青山县",
                 "--township", "城关镇", env={"RECTIFY_CONFIG": str(conf)})
    assert result.exit_code == 2
    assert result.stderr.startswith("错误：配置项 [security] actor_from_database = true 只适用于 PostgreSQL")
    assert snapshot(db) == before


def test_imports_check_the_role_and_every_rows_county(db: Database, run: Callable[..., Result],
                                                      tmp_path: Path) -> None:
    register(db)
    sheet = tmp_path / "orgs.csv"
    sheet.write_text("组织代码,党组织名称,类别,县,乡镇\n"
                     "Q001,城关镇东街社区党支部,村,青山县,城关镇\n"
                     "L001,河口镇王家庄村党支部,村,绿水县,河口镇\n", encoding="utf-8")
    before = snapshot(db)
    result = run("--actor", "青山经办", "org", "import", str(sheet))
    assert result.exit_code == 2
    assert "第 3 行 · 县：青山经办 的范围是 青山县，不能操作 绿水县 的整顿对象" in result.stderr
    assert "第 2 行" not in result.stderr
    assert snapshot(db) == before
    result = run("--actor", "城关包村", "org", "import", str(sheet))
    assert (result.exit_code, result.stderr) == (
        1, "错误：城关包村（乡镇包村领导）不能导入组织：此操作须由县委组织部经办人进行\n")
    cases = tmp_path / "cases.csv"
    cases.write_text("组织代码,党组织名称,类别,县,乡镇,软弱涣散情形,确定日期\n"
                     "L001,河口镇王家庄村党支部,村,绿水县,河口镇,P01,2026-03-01\n", encoding="utf-8")
    result = run("--actor", "市督导", "case", "import", str(cases))
    assert (result.exit_code, result.stderr) == (
        1, "错误：市督导（市委组织部督导）不能导入整顿对象：此操作须由县委组织部经办人进行\n")
    result = run("--actor", "青山经办", "case", "import", str(cases))
    assert result.exit_code == 2, result.stderr
    assert "第 2 行 · 县：青山经办 的范围是 青山县" in result.stderr
    assert snapshot(db) == before
    result = run("--actor", "绿水经办", "case", "import", str(cases))
    assert result.exit_code == 0, result.stderr
    history = run("--actor", "绿水经办", "case", "history", "1").stdout
    assert "绿水县委组织部 绿水经办" in history
