"""The engine on a real database (SQLite file and PostgreSQL): every transition, guard and refusal."""

from __future__ import annotations

import threading
from datetime import date

import pytest
import sqlalchemy as sa

from rectify.config import Config, VerificationConfig
from rectify.errors import BadInput, Conflict, NotFound, Refused
from rectify.reports.cases import case_history, list_cases, show_case
from rectify.store import Database
from rectify.store.people import insert_person
from rectify.store.tables import case_t
from rectify.write.engine import Workflow

from .conftest import ACTOR, APPROVER, NOW, VERIFIER, FakeClock, add_org, snapshot, walk

AS_OF = date(2026, 3, 10)


def stage_of(db: Database, case_id: int) -> str:
    with db.engine.connect() as c:
        return c.execute(sa.select(case_t.c.stage).where(case_t.c.id == case_id)).scalar_one()


def test_walk_all_five_stages_records_every_event(wf: Workflow, db: Database, clock: FakeClock,
                                                  config: Config) -> None:
    add_org(wf)
    case_id = walk(wf, clock, "V001", "verified")
    case = show_case(db, case_id, as_of=AS_OF, config=config)
    assert case["stage"] == "verified"
    assert case["light"] is None and case["days_left"] is None
    assert case["score"] == 88 and case["verified_on"] == "2026-03-10"
    assert [m["done_on"] for m in case["measures"]] == ["2026-03-09", "2026-03-10"]
    assert {p["role"]: p["email"] for p in case["people"]} == {
        "officer": "officer@example.cn", "county_leader": "leader@example.cn", "township_cadre": "cadre@example.cn"}
    history = case_history(db, case_id)
    assert [(e["action"], e["from_stage"], e["to_stage"]) for e in history] == [
        ("open", None, "identified"),
        ("plan", "identified", "ledger_created"),
        ("assign_secretary", "ledger_created", "secretary_assigned"),
        ("complete_measure", "secretary_assigned", "secretary_assigned"),
        ("complete_measure", "secretary_assigned", "secretary_assigned"),
        ("mark_rectified", "secretary_assigned", "rectified"),
        ("verify", "rectified", "rectified"),
        ("strike_off", "rectified", "verified"),
    ]
    assert [e["actor"] for e in history[-3:]] == [ACTOR, VERIFIER, APPROVER]
    assert case["struck_off_on"] == "2026-03-10" and case["strike_off_doc"] == "青组字〔2026〕1号"
    assert all(e["at"].endswith("+00:00") for e in history)
    assert case["version"] == len(history)


def verifier(wf: Workflow) -> Workflow:
    """The county verifier: not the one who applied (``wf``'s actor)."""
    return Workflow(wf.db, wf.config, actor=VERIFIER, clock=wf.clock)


def test_case_named_by_organization_code(wf: Workflow, db: Database, clock: FakeClock, config: Config) -> None:
    add_org(wf)
    case_id = walk(wf, clock, "V001", "identified")
    assert show_case(db, "V001", as_of=AS_OF, config=config)["id"] == case_id


def test_default_deadline_is_year_end_or_180_days(wf: Workflow, db: Database, config: Config) -> None:
    add_org(wf, "A")
    add_org(wf, "B", "B村党支部")
    early = wf.open_case("A", problems=["P01"], identified_on=date(2026, 1, 5)).case_id
    late = wf.open_case("B", problems=["P01"], identified_on=date(2025, 9, 1)).case_id
    assert show_case(db, early, as_of=AS_OF, config=config)["deadline"] == "2026-12-31"
    assert show_case(db, late, as_of=AS_OF, config=config)["deadline"] == "2026-02-28"


def test_failed_verification_returns_to_secretary_assigned_with_new_deadline(
        wf: Workflow, db: Database, clock: FakeClock, config: Config) -> None:
    add_org(wf)
    case_id = walk(wf, clock, "V001", "rectified")
    out = verifier(wf).verify(case_id, on=date(2026, 3, 10), by="验收组", members=["钱"], score=65, satisfied=10,
                    basic=0, dissatisfied=20, deadline=date(2027, 3, 1), findings=["三会一课记录不全"],
                    measures=[(["P10"], "补齐三会一课记录", "王建国（河口镇党委）", date(2027, 1, 31))])
    assert out.to_stage == "secretary_assigned"
    assert "验收得分 65 低于 70 分" in out.message and "不满意率 67% 超过 50%" in out.message
    case = show_case(db, case_id, as_of=AS_OF, config=config)
    assert case["deadline"] == "2027-03-01" and case["rectified_on"] is None and case["self_check"] == ""
    assert [(m["seq"], m["due_on"], m["done_on"]) for m in case["measures"]][-1] == (3, "2027-01-31", None)
    with pytest.raises(Refused, match="还有 1 项整顿措施未完成"):
        wf.mark_rectified(case_id, on=date(2026, 3, 10), self_check="再次自查")
    detail = case_history(db, case_id)[-1]["detail"]
    assert detail["findings"] == ["三会一课记录不全"] and detail["measures"][0]["owner_unit"] == "河口镇党委"
    assert case["verifications"][0]["passed"] is False
    assert case_history(db, case_id)[-1]["action"] == "fail_verification"


def test_verification_thresholds_are_configurable(db: Database, clock: FakeClock) -> None:
    strict = Workflow(db, Config(verification=VerificationConfig(pass_score=90, max_dissatisfied_share=0.1)),
                      actor=ACTOR, clock=clock)
    add_org(strict)
    case_id = walk(strict, clock, "V001", "rectified")
    out = verifier(strict).verify(case_id, on=date(2026, 3, 10), by="组", members=["钱"], score=88, satisfied=40,
                                  dissatisfied=1, findings=["台账不全"],
                                  measures=[(["P01"], "补台账", "王", date(2026, 6, 30))])
    assert out.to_stage == "secretary_assigned"
    assert out.message == "验收不合格：验收得分 88 低于 90 分，退回整改"


def test_pass_at_exact_thresholds(wf: Workflow, clock: FakeClock) -> None:
    add_org(wf)
    case_id = walk(wf, clock, "V001", "rectified")
    out = verifier(wf).verify(case_id, on=date(2026, 3, 10), by="组", members=["钱"], score=70, satisfied=10,
                              dissatisfied=10)
    assert out.to_stage == "rectified" and "验收基本合格（70 分，满意率 50.0%），公示至 2026-03-17" in out.message


def test_withdraw_is_terminal_and_frees_the_organization(wf: Workflow, db: Database, clock: FakeClock) -> None:
    add_org(wf)
    case_id = walk(wf, clock, "V001", "ledger_created")
    wf.withdraw(case_id, reason="误判")
    assert stage_of(db, case_id) == "withdrawn"
    with pytest.raises(Refused, match="处于已撤销阶段"):
        wf.report_progress(case_id, on=date(2026, 3, 10), note="x")
    again = wf.open_case("V001", problems=["P02"], identified_on=date(2026, 3, 10)).case_id
    assert again != case_id


def test_extend_keeps_every_extension_and_moves_the_stage_due(wf: Workflow, db: Database, clock: FakeClock,
                                                              config: Config) -> None:
    add_org(wf)
    case_id = walk(wf, clock, "V001", "secretary_assigned")
    wf.extend(case_id, to=date(2027, 3, 31), reason="换届推迟", approved_by="部务会")
    wf.extend(case_id, to=date(2027, 6, 30), reason="再次推迟", approved_by="部务会")
    case = show_case(db, case_id, as_of=AS_OF, config=config)
    assert case["deadline"] == "2027-06-30" and case["stage_due"] == "2027-06-30"
    assert [(e["old_deadline"], e["new_deadline"]) for e in case["extensions"]] == [
        ("2026-12-31", "2027-03-31"), ("2027-03-31", "2027-06-30")]


def test_supervise_and_unsupervise(wf: Workflow, db: Database, clock: FakeClock, config: Config) -> None:
    add_org(wf)
    case_id = walk(wf, clock, "V001", "identified")
    wf.supervise(case_id, unit="县委组织部", matter="进度滞后")
    assert show_case(db, case_id, as_of=AS_OF, config=config)["supervision_reason"] == "进度滞后"
    with pytest.raises(Refused, match="已在挂牌督办中"):
        wf.supervise(case_id, unit="县委组织部", matter="again")
    with db.begin() as conn:
        insert_person(conn, name="钱检查", role="county_officer", scope="绿水县", unit="县委组织部", now=NOW)
    wf.unsupervise(case_id, on=date(2026, 3, 10), inspected_by="钱检查", reason="已整改")
    case = show_case(db, case_id, as_of=AS_OF, config=config)
    assert case["supervised"] is False and case["supervision_reason"] == ""


def test_revise_plan_adds_measures_with_following_numbers(wf: Workflow, db: Database, clock: FakeClock,
                                                          config: Config) -> None:
    add_org(wf)
    case_id = walk(wf, clock, "V001", "ledger_created")
    out = wf.plan(case_id, measures=[(["P01"], "建设党群服务中心", "王", date(2026, 10, 1))])
    assert out.action == "revise_plan" and out.to_stage == "ledger_created"
    case = show_case(db, case_id, as_of=AS_OF, config=config)
    assert [m["seq"] for m in case["measures"]] == [1, 2, 3] and case["measures_total"] == 3


def test_progress_report_keeps_the_latest_date(wf: Workflow, db: Database, clock: FakeClock,
                                               config: Config) -> None:
    add_org(wf)
    case_id = walk(wf, clock, "V001", "ledger_created")
    wf.report_progress(case_id, on=date(2026, 3, 8), note="召开党员大会")
    wf.report_progress(case_id, on=date(2026, 3, 5), note="补报")
    case = show_case(db, case_id, as_of=AS_OF, config=config)
    assert case["last_progress_on"] == "2026-03-08"
    assert [r["note"] for r in case["progress_reports"]] == ["补报", "召开党员大会"]


# -- refusals: each leaves the database exactly as it was ------------------------------------------


REFUSALS = [
    # (stage to reach, operation, expected error type, message fragment)
    ("identified", lambda wf, c: wf.assign_secretary(c, name="陈", unit="局", since=date(2026, 3, 9),
                                                     term_until=date(2026, 3, 1)),
     Refused, "无法选派第一书记：整顿对象 1（河口镇王家庄村党支部）处于已确定阶段，任期截止 2026-03-01 应晚于任职日期"),
    ("identified", lambda wf, c: wf.plan(c, measures=[], county_leader="李"),
     Refused, "缺少整顿措施（至少一项：问题|内容|责任人|完成时限）；问题「P01 班子配备不齐、书记长期缺职、工作处于停滞状态；"
              "P10 服务意识差、服务能力弱、群众意见大」没有对应的整改措施；缺少乡镇包村领导（--township-leader）"),
    ("identified", lambda wf, c: wf.plan(c, measures=[(["P01"], "x", "y", date(2027, 1, 1))], county_leader="李",
                                         township_cadre="张"),
     Refused, "完成时限 2027-01-01 不得晚于转化时限 2026-12-31"),
    ("identified", lambda wf, c: wf.plan(c, measures=[(["P01"], "x", "y", date(2026, 5, 1))], county_leader="李",
                                         township_cadre="张", emails={"boss": "a@b.cn"}),
     BadInput, "邮箱对应的 boss 既不是角色（officer, county_leader, township_leader, township_cadre）也不是本次措施的责任人"),
    ("ledger_created", lambda wf, c: wf.assign_secretary(c, name="", unit="", since=None),  # type: ignore[arg-type]
     Refused, "缺少第一书记姓名、任职日期"),  # 派出单位: the helping unit
    ("ledger_created", lambda wf, c: wf.mark_rectified(c, on=date(2026, 3, 10), self_check="好"),
     Refused, "此操作只适用于整改中阶段"),
    ("secretary_assigned", lambda wf, c: wf.mark_rectified(c, on=date(2026, 3, 10), self_check="好"),
     Refused, "还有 2 项整顿措施未完成"),
    ("secretary_assigned", lambda wf, c: wf.complete_measure(c, 9, on=date(2026, 3, 10)),
     Refused, "没有第9项整顿措施"),
    ("secretary_assigned", lambda wf, c: wf.verify(c, on=date(2026, 3, 10), by="组", score=90, satisfied=1,
                                                   dissatisfied=0),
     Refused, "无法验收："),
    ("rectified", lambda wf, c: wf.verify(c, on=date(2026, 3, 10), by="组", score=101, satisfied=1,
                                          dissatisfied=0),
     Refused, "验收得分应在 0–100 之间（现为 101）"),
    ("rectified", lambda wf, c: wf.verify(c, on=date(2026, 3, 10), by="组", score=-5, satisfied=1,
                                          dissatisfied=0),
     Refused, "验收得分应在 0–100 之间（现为 -5）"),
    ("rectified", lambda wf, c: wf.verify(c, on=date(2026, 3, 10), by="组", score=50, satisfied=1,
                                          dissatisfied=0, deadline=date(2026, 3, 1)),
     Refused, "新的转化时限 2026-03-01 必须晚于验收日期 2026-03-10"),
    ("rectified", lambda wf, c: wf.withdraw(c, reason="误判"),
     Refused, "无法复核误判出列"),
    ("identified", lambda wf, c: wf.withdraw(c, reason=""), Refused, "缺少原因"),
    ("secretary_assigned", lambda wf, c: wf.extend(c, to=date(2026, 8, 1), reason="", approved_by=""),
     Refused, "缺少原因；缺少批准人；新的转化时限 2026-08-01 应晚于现在的转化时限 2026-12-31（延期只能向后）；"
              "新的转化时限 2026-08-01 早于未完成整顿措施的完成时限 2026-09-30"),
    ("secretary_assigned", lambda wf, c: wf.report_progress(c, on=date(2026, 3, 11), note="明天的进展"),
     Refused, "日期 2026-03-11 晚于今天 2026-03-10"),
    ("identified", lambda wf, c: wf.extend(c, to=date(2026, 2, 1), reason="r", approved_by="a"),
     Refused, "新的转化时限 2026-02-01 必须晚于确定日期 2026-03-01"),
    ("verified", lambda wf, c: wf.extend(c, to=date(2027, 2, 1), reason="r", approved_by="a"),
     Refused, "无法延长转化时限"),
    ("identified", lambda wf, c: wf.unsupervise(c, on=date(2026, 3, 10), inspected_by="x", reason="r"), Refused,
     "未在挂牌督办中"),
    ("identified", lambda wf, c: wf.report_progress(c, on=date(2026, 2, 1), note="x"),
     Refused, "日期 2026-02-01 不得早于确定日期 2026-03-01"),
    ("identified", lambda wf, c: wf.report_progress(999, on=date(2026, 3, 5), note="x"),
     NotFound, "找不到整顿对象或组织 999"),
    ("identified", lambda wf, c: wf.open_case("V001", problems=["P01"], identified_on=date(2026, 3, 2)),
     Refused, "已有在办的整顿对象 1（当前阶段：已确定），一个组织同时只能有一个在办整顿对象"),
    ("identified", lambda wf, c: wf.open_case("NOPE", problems=["P01"], identified_on=date(2026, 3, 2)),
     NotFound, "找不到组织 NOPE"),
    ("withdrawn", lambda wf, c: wf.open_case("V001", problems=["P11"], identified_on=date(2026, 3, 2)),
     BadInput, "未知的软弱涣散情形代码 P11"),
    ("withdrawn", lambda wf, c: wf.open_case("V001", problems=["other"], identified_on=date(2026, 3, 2)),
     BadInput, "软弱涣散情形 other 需写明具体内容"),
    ("withdrawn", lambda wf, c: wf.open_case("V001", problems=["P01"], identified_on=date(2026, 3, 2),
                                             deadline=date(2026, 3, 1)),
     Refused, "转化时限 2026-03-01 早于或等于确定日期 2026-03-02"),
    ("withdrawn", lambda wf, c: wf.open_case("V001", problems=["P01"], identified_on=date(2026, 4, 2)),
     Refused, "确定日期 2026-04-02 晚于今天 2026-03-10"),
    ("identified", lambda wf, c: wf.add_org("V001", "重复", kind="village", county="青山县", township="河口镇"),
     Refused, "组织代码 V001 已存在（河口镇王家庄村党支部）"),
    ("identified", lambda wf, c: wf.add_org("V9", "新", kind="town", county="青山县", township="河口镇"),
     BadInput, "未知的组织类别 town"),
]


@pytest.mark.parametrize(("stage", "operation", "error", "message"), REFUSALS,
                         ids=[f"{i}-{r[3][:12]}" for i, r in enumerate(REFUSALS)])
def test_refusal_names_the_problem_and_changes_nothing(wf: Workflow, db: Database, clock: FakeClock,
                                                       stage: str, operation, error, message: str) -> None:
    add_org(wf)
    if stage == "withdrawn":
        case_id = walk(wf, clock, "V001", "identified")
        wf.withdraw(case_id, reason="误判")
    else:
        case_id = walk(wf, clock, "V001", stage)
    before = snapshot(db)
    with pytest.raises(error) as info:
        operation(wf, case_id)
    assert message in str(info.value)
    assert "\n" not in str(info.value)
    assert snapshot(db) == before


# -- concurrency -----------------------------------------------------------------------------------


def test_two_sessions_on_one_case_one_wins(db: Database, config: Config, clock: FakeClock) -> None:
    first = Workflow(db, config, actor="甲", clock=clock)
    second = Workflow(db, config, actor="乙", clock=clock)
    add_org(first)
    case_id = walk(first, clock, "V001", "ledger_created")
    seen = show_case(db, case_id, as_of=AS_OF, config=config)["version"]  # both officers looked at this
    first.assign_secretary(case_id, name="陈", unit="局", since=date(2026, 3, 9), expected_version=seen)
    after_first = snapshot(db)
    with pytest.raises(Conflict, match="已被他人修改"):
        second.withdraw(case_id, reason="误判", expected_version=seen)
    assert snapshot(db) == after_first
    assert [e["actor"] for e in case_history(db, case_id)][-1] == "甲"


def test_racing_threads_exactly_one_update_lands(db: Database, config: Config, clock: FakeClock) -> None:
    wf = Workflow(db, config, actor=ACTOR, clock=clock)
    add_org(wf)
    case_id = walk(wf, clock, "V001", "ledger_created")
    version = show_case(db, case_id, as_of=AS_OF, config=config)["version"]
    start = threading.Barrier(4)
    results: list[str] = []

    def officer(n: int) -> None:
        start.wait()
        try:
            Workflow(db, config, actor=f"officer{n}", clock=clock).report_progress(
                case_id, on=date(2026, 3, 10), note=f"进展{n}", expected_version=version)
            results.append("ok")
        except Conflict:
            results.append("conflict")

    threads = [threading.Thread(target=officer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["conflict"] * 3 + ["ok"]
    case = show_case(db, case_id, as_of=AS_OF, config=config)
    assert len(case["progress_reports"]) == 1 and case["version"] == version + 1


def test_duplicate_open_case_is_stopped_by_the_database_too(db: Database, wf: Workflow) -> None:
    add_org(wf)
    wf.open_case("V001", problems=["P01"], identified_on=date(2026, 3, 1))
    org_id = 1
    with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as c:
        c.execute(sa.insert(case_t).values(
            org_id=org_id, year=2026, stage="ledger_created", identified_on=date(2026, 3, 1),
            deadline=date(2026, 12, 31), stage_since=date(2026, 3, 1), cycle_start=date(2026, 3, 1), cycle=1,
            version=1, detail="", helping_unit="", self_check="", withdrawn_reason="", supervised=False,
            supervision_reason="", measures_total=0, measures_done=0, created_at=wf.clock(),
            updated_at=wf.clock()))


def test_list_filters_and_lights(wf: Workflow, db: Database, clock: FakeClock, config: Config) -> None:
    add_org(wf, "A", "A村党支部")
    add_org(wf, "B", "B社区党支部", kind="community", township="城关镇")
    walk(wf, clock, "A", "secretary_assigned")
    wf.open_case("B", problems=["P04"], identified_on=date(2026, 2, 1))
    rows = list_cases(db, as_of=AS_OF, config=config)
    # same deadline (2026-12-31), so township decides: 城关镇 sorts before 河口镇
    assert [r["org_code"] for r in rows] == ["B", "A"]
    assert list_cases(db, as_of=AS_OF, config=config, township="城关镇")[0]["org_code"] == "B"
    assert list_cases(db, as_of=AS_OF, config=config, kind="community")[0]["org_code"] == "B"
    b = list_cases(db, as_of=AS_OF, config=config, stage="identified")[0]
    # identified 2026-02-01, ledger due 15 days later (02-16, in 春节: the next working day 02-24): overdue on 03-10
    assert (b["light"], b["days_left"]) == ("red", -14)
    assert [r["org_code"] for r in list_cases(db, as_of=AS_OF, config=config, light="red")] == ["B"]
    assert list_cases(db, as_of=AS_OF, config=config, year=2025) == []


def test_a_long_numeric_organization_code_names_its_open_case(wf: Workflow, db: Database, clock: FakeClock,
                                                              config: Config) -> None:
    add_org(wf, "341122101201", "河口镇王家庄村党支部")
    case_id = walk(wf, clock, "341122101201", "identified")
    assert show_case(db, "341122101201", as_of=AS_OF, config=config)["id"] == case_id


def test_who_may_is_asked_before_every_step(wf: Workflow, db: Database, clock: FakeClock,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from rectify.states import permissions

    add_org(wf)
    case_id = walk(wf, clock, "V001", "identified")
    before = snapshot(db)
    monkeypatch.setitem(permissions.WHO_MAY, "withdraw", frozenset({"county_approver"}))
    wf.person = permissions.Actor(name="张三", role="county_officer")
    with pytest.raises(Refused, match="张三（县委组织部经办人）不能复核误判出列"):
        wf.withdraw(case_id, reason="误判")
    assert snapshot(db) == before
    wf.person = permissions.Actor(name="李四", role="county_approver")
    assert wf.withdraw(case_id, reason="误判").to_stage == "withdrawn"
