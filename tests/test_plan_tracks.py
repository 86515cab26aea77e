"""一村一策 and the leadership tracks on both backends: problems → measures → 责任人, first secretary beside
the village secretary, work team, and what a failed verification asks for."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from rectify.config import Config, PolicyConfig
from rectify.errors import BadInput, Refused
from rectify.reports.cases import case_history, show_case
from rectify.store import Database
from rectify.write.engine import Workflow

from .conftest import ACTOR, FakeClock, add_org, snapshot, walk

AS_OF = date(2026, 3, 10)
LEAD = {"county_leader": "李县长", "township_cadre": "张干部"}


def opened(wf: Workflow, problems: list[str] | None = None) -> int:
    add_org(wf)
    return wf.open_case("V001", problems=problems or ["P03:班子成员因土地流转矛盾突出", "P09"],
                        identified_on=date(2026, 3, 1), deadline=date(2026, 12, 31),
                        village_secretary="需调整").case_id


def test_a_plan_leaving_a_problem_uncovered_is_refused_naming_it(wf: Workflow, db: Database) -> None:
    case_id = opened(wf)
    before = snapshot(db)
    with pytest.raises(Refused, match="问题「P03 班子成员因土地流转矛盾突出」没有对应的整改措施"):
        wf.plan(case_id, measures=[(["P09"], "建设党群服务中心", "王建国", date(2026, 9, 30))], **LEAD)
    with pytest.raises(Refused, match="针对的问题 P05 不在本整顿对象的问题清单"):
        wf.plan(case_id, measures=[(["P03", "P05"], "召开专题组织生活会", "王", date(2026, 9, 30)),
                                   (["P09"], "建设党群服务中心", "王", date(2026, 9, 30))], **LEAD)
    assert snapshot(db) == before


def test_measures_carry_problems_and_owners_and_problems_strike_off_one_by_one(
        wf: Workflow, db: Database, config: Config) -> None:
    case_id = opened(wf)
    wf.plan(case_id, measures=[(["P03"], "召开专题组织生活会", "王建国（河口镇党委）", date(2026, 6, 30)),
                               (["P03", "P09"], "调整班子分工", "李华", date(2026, 9, 30))],
            emails={"王建国": "wang@example.cn"}, **LEAD)
    wf.revise_plan(case_id, measures=[(["P09"], "建设党群服务中心", "赵六", date(2026, 10, 31))])
    case = show_case(db, case_id, as_of=AS_OF, config=config)
    assert [(m["seq"], m["problems"], m["owner"], m["owner_unit"], m["owner_email"]) for m in case["measures"]] == [
        (1, "P03", "王建国", "河口镇党委", "wang@example.cn"), (2, "P03,P09", "李华", "", ""),
        (3, "P09", "赵六", "", "")]
    assert case["problems"][0]["text"] == "班子成员因土地流转矛盾突出"
    assert case["village_secretary_status"] == "adjust"
    wf.assign_secretary(case_id, name="陈海涛", unit="县财政局", since=date(2026, 3, 9))
    wf.complete_measure(case_id, 1, on=date(2026, 3, 9))
    wf.complete_measure(case_id, 2, on=date(2026, 3, 10))
    problems = show_case(db, case_id, as_of=AS_OF, config=config)["problems"]
    assert [(p["code"], p["measures"], p["open_measures"]) for p in problems] == [("P03", 2, 0), ("P09", 2, 1)]
    assert case_history(db, case_id)[2]["detail"]["measures"][0]["problems"] == ["P09"]


def test_revise_plan_needs_a_filed_plan_and_a_new_measure(wf: Workflow, db: Database) -> None:
    case_id = opened(wf)
    with pytest.raises(Refused, match="此操作只适用于已建台账"):
        wf.revise_plan(case_id, measures=[(["P03"], "x", "王", date(2026, 6, 30))])
    wf.plan(case_id, measures=[(["P03", "P09"], "调整班子分工", "李华", date(2026, 9, 30))], **LEAD)
    with pytest.raises(Refused, match="缺少新的整改措施"):
        wf.revise_plan(case_id, measures=[])


def test_local_problem_types_are_accepted_from_config(db: Database, clock: FakeClock) -> None:
    local = Workflow(db, Config(policy=PolicyConfig(local_problem_types={"P11": "村集体经济薄弱"})), actor=ACTOR,
                     clock=clock)
    add_org(local)
    case_id = local.open_case("V001", problems=["P11"], identified_on=date(2026, 3, 1)).case_id
    local.plan(case_id, measures=[(["P11"], "发展村级集体经济项目", "王", date(2026, 9, 30))], **LEAD)
    with pytest.raises(BadInput, match="未知的软弱涣散情形代码 P11"):
        Workflow(db, Config(), actor=ACTOR, clock=clock).open_case("V001", problems=["P11"],
                                                                  identified_on=date(2026, 3, 1))


def test_first_secretary_defaults_preexisting_and_term_warning(wf: Workflow, db: Database, config: Config) -> None:
    add_org(wf)
    case_id = wf.open_case("V001", problems=["P01"], identified_on=date(2026, 3, 1),
                           deadline=date(2026, 12, 31)).case_id
    wf.plan(case_id, measures=[(["P01"], "配齐班子", "王", date(2026, 6, 30))], helping_unit="县财政局", **LEAD)
    out = wf.assign_secretary(case_id, name="刘芳", since=date(2025, 6, 1))
    assert out.to_stage == "secretary_assigned"
    assert out.message == ("第一书记 刘芳（县财政局），任期至 2027-06-01，原已驻村")
    sec = show_case(db, case_id, as_of=AS_OF, config=config)["secretaries"][0]
    assert (sec["kind"], sec["unit"], sec["term_until"], sec["preexisting"]) == ("first", "县财政局", "2027-06-01", True)
    assert case_history(db, case_id)[-1]["detail"]["on"] == "2026-03-01"  # business date: the listing


def test_a_term_ending_before_the_deadline_is_recorded_with_a_warning(wf: Workflow) -> None:
    add_org(wf)
    case_id = wf.open_case("V001", problems=["P01"], identified_on=date(2026, 3, 1),
                           deadline=date(2026, 12, 31)).case_id
    wf.plan(case_id, measures=[(["P01"], "配齐班子", "王", date(2026, 6, 30))], **LEAD)
    out = wf.assign_secretary(case_id, name="刘芳", unit="县人社局", since=date(2026, 3, 5),
                              term_until=date(2026, 10, 1))
    assert "注意：任期在转化时限 2026-12-31 前结束" in out.message


def test_tracks_never_end_each_other_and_recall_needs_one_of_four_reasons(
        wf: Workflow, db: Database, clock: FakeClock, config: Config) -> None:
    add_org(wf)
    case_id = walk(wf, clock, "V001", "secretary_assigned")
    wf.village_secretary(case_id, name="周德明", since=date(2026, 3, 9), action="调整", source="本村致富能手")
    secs = show_case(db, case_id, as_of=AS_OF, config=config)["secretaries"]
    assert [(s["kind"], s["name"], s["until"]) for s in secs] == [("first", "陈海涛", None), ("village", "周德明", None)]
    before = snapshot(db)
    with pytest.raises(Refused, match="召回原因应为 不胜任、期满轮换、工作需要、其他 之一"):
        wf.recall_secretary(case_id, on=date(2026, 3, 10), reason="调走")
    with pytest.raises(Refused, match="第一书记 陈海涛 仍在任"):
        wf.assign_secretary(case_id, name="孙丽", unit="县农业农村局", since=date(2026, 3, 10))
    assert snapshot(db) == before
    out = wf.recall_secretary(case_id, on=date(2026, 3, 10), reason="不胜任", note="长期不在岗")
    assert out.to_stage == "secretary_assigned"
    wf.assign_secretary(case_id, name="孙丽", unit="县农业农村局", since=date(2026, 3, 10))
    secs = show_case(db, case_id, as_of=AS_OF, config=config)["secretaries"]
    assert [(s["kind"], s["name"], s["until"], s["end_reason"]) for s in secs] == [
        ("first", "陈海涛", "2026-03-10", "不胜任：长期不在岗"), ("village", "周德明", None, ""),
        ("first", "孙丽", None, "")]
    with pytest.raises(Refused, match=r"缺少方式（选配/调整）"):
        wf.village_secretary(case_id, name="吴", since=date(2026, 3, 10), action="换人", source="x")


def test_secretary_rule_either_lets_a_village_secretary_satisfy_stage_three(db: Database, clock: FakeClock) -> None:
    for rule, stage in (("first_secretary", "ledger_created"), ("either", "secretary_assigned")):
        wf = Workflow(db, Config(policy=PolicyConfig(secretary_rule=rule)), actor=ACTOR, clock=clock)
        code = f"R{rule[:3]}"
        add_org(wf, code, f"{rule}村党支部")
        case_id = wf.open_case(code, problems=["P01"], identified_on=date(2026, 3, 1),
                               village_secretary="缺配").case_id
        wf.plan(case_id, measures=[(["P01"], "选配书记", "王", date(2026, 6, 30))], **LEAD)
        out = wf.village_secretary(case_id, name="周德明", since=date(2026, 3, 9), action="选配", source="回乡大学生")
        assert out.to_stage == stage


def test_work_team_joins_and_leaves(wf: Workflow, db: Database, clock: FakeClock, config: Config) -> None:
    add_org(wf)
    case_id = walk(wf, clock, "V001", "ledger_created")
    wf.work_team(case_id, name="孙丽", unit="县农业农村局", on=date(2026, 3, 5))
    with pytest.raises(Refused, match="孙丽 已是在任的驻村工作队员"):
        wf.work_team(case_id, name="孙丽", unit="县农业农村局", on=date(2026, 3, 6))
    with pytest.raises(Refused, match="吴 不是在任的驻村工作队员"):
        wf.work_team(case_id, name="吴", on=date(2026, 3, 6), remove=True)
    wf.work_team(case_id, name="孙丽", on=date(2026, 3, 9), remove=True)
    secs = show_case(db, case_id, as_of=AS_OF, config=config)["secretaries"]
    assert [(s["kind"], s["name"], s["since"], s["until"]) for s in secs] == [
        ("work_team", "孙丽", "2026-03-05", "2026-03-09")]


def test_village_secretary_status_at_listing_is_checked(wf: Workflow) -> None:
    add_org(wf)
    with pytest.raises(BadInput, match="村党组织书记状况应为 缺配 或 需调整"):
        wf.open_case("V001", problems=["P01"], identified_on=date(2026, 3, 1), village_secretary="空")


# -- a county's own sheet ---------------------------------------------------------------------------


@pytest.mark.parametrize(("cell", "codes"), [
    ("属于党组织书记不胜任现职、工作不在状态、严重影响班子整体战斗力的", ["P02"]),
    ("党组织服务意识差、服务能力弱、群众意见大；P03", ["P10", "P03"]),
    ("班子不团结、内耗严重、工作不能正常开展", ["P03"]),
])
def test_the_official_and_form_wordings_are_read(cell: str, codes: list[str]) -> None:
    from rectify.importing.cells import parse_problems

    assert [c for c, _ in parse_problems(cell)] == codes


def test_a_county_sheet_with_numbered_measures_imports(run: Any, db: Database, config: Config,
                                                       tmp_path: Path) -> None:
    path = tmp_path / "县台账.csv"
    path.write_text("县,乡镇,党组织名称,类别,软弱涣散情形,整顿措施,确定日期\n"
                    "青山县,河口镇,王家庄村党支部,村,属于党组织书记不胜任现职、工作不在状态、严重影响班子整体战斗力的,"
                    "1.召开专题组织生活会；2.调整班子分工,2026-01-05\n", encoding="utf-8")
    result = run("case", "import", str(path))
    assert result.exit_code == 0, result.output
    from rectify.reports.cases import list_cases

    case = list_cases(db, as_of=AS_OF, config=config)[0]
    shown = show_case(db, case["case_id"], as_of=AS_OF, config=config)
    assert [p["code"] for p in shown["problems"]] == ["P02"]
    assert [(m["seq"], m["problems"], m["done_on"]) for m in shown["measures"]] == [(1, "P02", None),
                                                                                   (2, "P02", None)]
