"""The workflow as data: the table is consistent, and the shared machine moves a Proposal by it."""

from __future__ import annotations

from datetime import date

import pytest
from transitions import MachineError

from rectify.states.guards import GUARDS, Proposal
from rectify.states.stages import OPEN_STAGES, STAGES, Stage
from rectify.states.transitions import BY_TRIGGER, TRANSITIONS
from rectify.write.engine import MACHINE

FACTS = {"problems": [("P01", "书记长期缺职")], "identified_on": date(2026, 3, 1), "deadline": date(2026, 12, 31), "supervised": False,
         "measures_total": 0, "measures_open": 0}


def test_every_guard_named_in_the_table_exists() -> None:
    named = {g for t in TRANSITIONS for g in t.guards}
    assert named <= set(GUARDS)
    assert set(GUARDS) - named == set(), "a guard nobody uses"


def test_main_path_reaches_verified_in_order() -> None:
    main = [BY_TRIGGER[t] for t in ("plan", "assign_secretary", "mark_rectified", "strike_off")]
    stage = Stage.identified
    for spec in main:
        assert stage in spec.sources
        stage = Stage(spec.path_dest)
    assert stage == Stage.verified
    assert {s for t in TRANSITIONS for s in (*t.sources, t.dest) if s} == set(STAGES)


def test_withdrawn_is_terminal() -> None:
    # Only a supervision sign still up may be taken down (摘牌) after the case is closed.
    assert [t.trigger for t in TRANSITIONS if Stage.withdrawn in t.sources] == ["unsupervise"]


@pytest.mark.parametrize("trigger", [t.trigger for t in TRANSITIONS if set(STAGES) - set(t.sources)])
def test_illegal_source_raises_machine_error(trigger: str) -> None:
    spec = BY_TRIGGER[trigger]
    outside = [s for s in STAGES if s not in spec.sources]
    assert outside, trigger
    p = Proposal(state=outside[0], facts=dict(FACTS), inputs={})
    with pytest.raises(MachineError):
        MACHINE.events[trigger].trigger(p)
    assert p.state == outside[0]


def test_machine_is_shared_and_holds_no_model() -> None:
    assert MACHINE.models == []
    p = Proposal(state=Stage.identified, facts=dict(FACTS), inputs={
        "measures": [{"problems": ["P01"], "text": "配齐班子", "owner": "王", "due": date(2026, 6, 30)}],
        "county_leader": "李", "township_cadre": "张", "on": date(2026, 3, 20)})
    assert MACHINE.events["plan"].trigger(p) is True
    assert p.state == Stage.ledger_created
    assert MACHINE.models == []


@pytest.mark.parametrize(("trigger", "state", "inputs", "facts", "expected"), [
    ("plan", "identified", {"on": date(2026, 3, 20), }, {}, ["缺少整顿措施（至少一项：问题|内容|责任人|完成时限）",
                                    "问题「P01 书记长期缺职」没有对应的整改措施", "缺少县级联系领导", "缺少乡镇包村领导（--township-leader）"]),
    ("plan", "identified", {"on": date(2026, 3, 20), "measures": [{"problems": ["P01"], "text": "x", "owner": "y", "due": date(2027, 1, 1)}],
                            "county_leader": "李", "township_cadre": "张"}, {},
     ["整改措施「x」的完成时限 2027-01-01 不得晚于转化时限 2026-12-31"]),
    ("plan", "identified", {"on": date(2026, 3, 20), "measures": [{"problems": ["P01"], "text": " ", "owner": "y", "due": date(2026, 5, 1)}],
                            "county_leader": "李", "township_cadre": "张"}, {},
     ["第1项整顿措施缺少内容、责任人或完成时限"]),
    ("plan", "identified", {"on": date(2026, 3, 20), "measures": [{"problems": [], "text": "x", "owner": "y", "due": date(2026, 5, 1)}],
                            "county_leader": "李", "township_cadre": "张"}, {},
     ["第1项整顿措施「x」未注明针对的问题（如 P01,P03|内容|责任人|时限）",
      "问题「P01 书记长期缺职」没有对应的整改措施"]),
    ("plan", "identified", {"on": date(2026, 3, 20), "measures": [{"problems": ["P05"], "text": "x", "owner": "y", "due": date(2026, 5, 1)}],
                            "county_leader": "李", "township_cadre": "张"}, {},
     ["第1项整顿措施「x」针对的问题 P05 不在本整顿对象的问题清单（P01）中",
      "问题「P01 书记长期缺职」没有对应的整改措施"]),
    ("assign_secretary", "ledger_created", {}, {}, ["缺少第一书记姓名、派出单位（或结对帮扶单位）、任职日期"]),
    ("assign_secretary", "ledger_created", {"name": "陈", "unit": "局", "since": date(2026, 2, 1),
                                            "term_until": date(2026, 1, 1)}, {},
     ["任期截止 2026-01-01 应晚于任职日期 2026-02-01"]),
    ("recall_secretary", "secretary_assigned", {"on": date(2026, 4, 1), "reason": "调走"}, {},
     ["没有在任的第一书记", "召回原因应为 不胜任、期满轮换、工作需要、其他 之一"]),
    ("village_secretary", "secretary_assigned", {"name": "周", "since": date(2026, 2, 1), "action": "换"}, {},
     ["缺少来源、方式（选配/调整）"]),
    ("fail_verification", "rectified", {"on": date(2026, 5, 1), "by": "组", "members": ["钱"], "score": 50, "satisfied": 1, "basic": 0,
                                        "dissatisfied": 0, "reason": "低于 70 分"}, {},
     ["缺少验收发现的问题（--finding）", "缺少新的整改措施（至少一项：问题|内容|责任人|完成时限）"]),
    ("mark_rectified", "secretary_assigned", {"on": date(2026, 5, 1)}, {"measures_open": 2},
     ["还有 2 项整顿措施未完成", "缺少乡镇初验意见（--opinion）"]),
    ("mark_rectified", "secretary_assigned", {"on": date(2026, 1, 1), "self_check": "好"}, {},
     ["日期 2026-01-01 不得早于确定日期 2026-03-01"]),
    ("verify", "rectified", {"on": date(2026, 5, 1), "by": "", "members": ["钱"], "score": 101, "satisfied": 1, "basic": 0,
                             "dissatisfied": 0}, {}, ["缺少验收人；验收得分应在 0–100 之间（现为 101）"]),
    ("verify", "rectified", {"on": date(2026, 5, 1), "by": "组", "members": ["钱"], "score": 80, "satisfied": -1, "basic": 0,
                             "dissatisfied": 0}, {}, ["满意度测评满意人数不能为负"]),
    ("verify", "rectified", {"on": date(2026, 5, 1), "by": "组", "members": ["钱"], "score": 80, "satisfied": 0, "basic": 0,
                             "dissatisfied": 0}, {}, ["满意度测评人数不能全为 0"]),
    ("withdraw", "identified", {"reason": "  ", "on": date(2026, 5, 2)}, {}, ["缺少原因"]),
    ("verify", "rectified", {"on": date(2026, 5, 1), "by": "组", "members": [" "], "score": 80, "satisfied": 10,
                             "basic": 0, "dissatisfied": 0},
     {"min_surveyed": 15, "signer": "孙", "applied_by": "孙", "publicity_until": date(2026, 5, 6),
      "verified_on": date(2026, 5, 1)},
     ["缺少验收组成员（--member，至少一人）", "民主测评 10 人，少于 15 人",
      "已于 2026-05-01 验收合格，正在公示（至 2026-05-06），待销号批复", "孙 是申请验收人，不能验收自己申请的整顿对象"]),
    ("objection", "rectified", {"on": date(2026, 5, 2), "text": " "}, {}, ["尚未验收合格，没有进行中的公示",
                                                                        "缺少异议内容（--text）"]),
    ("objection", "rectified", {"on": date(2026, 5, 8), "text": "不公开"},
     {"verified_on": date(2026, 5, 1), "publicity_until": date(2026, 5, 6)},
     ["异议日期 2026-05-08 不在公示期（2026-05-01 至 2026-05-06）内"]),
    ("dismiss_objection", "rectified", {"on": date(2026, 5, 2)}, {}, ["没有待处理的公示异议", "缺少进展情况"]),
    ("uphold_objection", "rectified", {"on": date(2026, 5, 2)}, {},
     ["没有待处理的公示异议", "缺少验收发现的问题（--finding）", "缺少新的整改措施（至少一项：问题|内容|责任人|完成时限）"]),
    ("strike_off", "rectified", {"on": date(2026, 5, 5)},
     {"verified_on": date(2026, 5, 1), "publicity_until": date(2026, 5, 6), "signer": "钱", "verified_by": "钱"},
     ["公示期至 2026-05-06 才满，2026-05-07 起方可销号，2026-05-05 不能销号", "钱 是验收人，不能批复自己验收的整顿对象销号"]),
    ("strike_off", "rectified", {"on": date(2026, 5, 5)}, {}, ["尚未验收合格，没有进行中的公示"]),
    ("extend", "secretary_assigned", {"deadline": date(2026, 8, 1), "on": date(2026, 5, 2)}, {"latest_open_measure_due": date(2026, 9, 1)},
     ["缺少原因", "缺少批准人", "新的转化时限 2026-08-01 应晚于现在的转化时限 2026-12-31（延期只能向后）",
      "新的转化时限 2026-08-01 早于未完成整顿措施的完成时限 2026-09-01"]),
    ("mark_rectified", "secretary_assigned", {"on": date(2026, 5, 2), "self_check": "好"},
     {"today": date(2026, 5, 1)}, ["日期 2026-05-02 晚于今天 2026-05-01"]),
    ("verify", "rectified", {"on": date(2026, 5, 1), "by": "组", "members": ["钱"], "score": 80, "satisfied": 5, "basic": 0,
                             "dissatisfied": 0}, {"rectified_on": date(2026, 5, 3)},
     ["验收日期 2026-05-01 不得早于整改完成日期 2026-05-03"]),
    ("plan", "identified", {"on": date(2026, 3, 20), "measures": [{"problems": ["P01"], "text": "x", "owner": "y", "due": date(2026, 2, 1)}],
                            "county_leader": "李", "township_cadre": "张"}, {},
     ["整改措施「x」的完成时限 2026-02-01 不得早于确定日期 2026-03-01"]),
    ("assign_secretary", "ledger_created", {"name": "陈", "unit": "局", "since": date(2026, 6, 1), "kind": "first"},
     {"today": date(2026, 5, 1)}, ["任职日期 2026-06-01 晚于今天 2026-05-01"]),
    ("report_progress", "ledger_created", {"on": date(2026, 4, 1)}, {}, ["缺少进展情况"]),
    ("supervise", "identified", {"unit": "县委组织部", "matter": "慢", "on": date(2026, 4, 1)}, {"supervised": True},
     ["已在挂牌督办中"]),
    ("supervise", "identified", {"on": date(2026, 4, 1), "due": date(2026, 3, 31)}, {},
     ["缺少督办单位", "缺少督办事项", "督办时限 2026-03-31 不得早于挂牌日期 2026-04-01"]),
    ("unsupervise", "identified", {"reason": "好", "on": date(2026, 4, 1), "inspected_on": date(2026, 4, 1),
                                   "inspected_by": "钱"}, {"inspector": None}, ["未在挂牌督办中",
                                                                             "检查人 钱 未登记，摘牌须经登记的人员检查（rectify people add）"]),
    ("unsupervise", "verified", {"reason": "好", "on": date(2026, 4, 1)}, {},
     ["已销号（或撤销）且没有在挂的牌，不能摘牌", "缺少检查人、检查日期：摘牌须在挂牌单位同级检查之后"]),
    ("unsupervise", "withdrawn", {"reason": "好", "on": date(2026, 4, 3), "inspected_on": date(2026, 4, 1),
                                  "inspected_by": "钱"}, {"supervised": True, "hung_on": date(2026, 4, 2),
                                                         "inspector": None, "supervision_level": "city"},
     ["检查日期 2026-04-01 早于挂牌日期 2026-04-02", "检查人 钱 未登记，摘牌须经登记的市级人员检查（rectify people add）"]),
    ("escalate", "secretary_assigned", {"step": "talk", "on": date(2026, 4, 1), "note": "约谈书记"}, {},
     ["「约谈」前须先「督促」（提醒 → 督促 → 约谈 → 通报 → 挂牌）"]),
    ("escalate", "secretary_assigned", {"step": "urge", "on": date(2026, 4, 1)}, {"escalation_step": "talk"},
     ["督办已升级到「约谈」，不能再「督促」（升级只能逐级向上）", "缺少情况说明（--note）"]),
    ("complete_measure", "ledger_created", {"measure_no": 4, "on": date(2026, 4, 1)}, {"measure": None},
     ["没有第4项整顿措施"]),
    ("complete_measure", "ledger_created", {"measure_no": 1, "on": date(2026, 4, 1)},
     {"measure": {"done_on": date(2026, 3, 20)}}, ["第1项整顿措施已于 2026-03-20 完成，不能重复完成"]),
])
def test_guard_refusals_name_what_is_missing(trigger: str, state: str, inputs: dict, facts: dict,
                                             expected: list[str]) -> None:
    p = Proposal(state=state, facts={**FACTS, **facts}, inputs=inputs)
    assert MACHINE.events[trigger].trigger(p) is False
    assert p.missing == expected
    assert p.state == state


def test_open_stages_are_the_sources_of_extend() -> None:
    assert tuple(BY_TRIGGER["extend"].sources) == OPEN_STAGES


def test_every_action_has_a_label() -> None:
    from rectify.states.transitions import ACTION_LABELS

    assert set(ACTION_LABELS) == {t.trigger for t in TRANSITIONS} | {"open", "import", "reopen", "withdraw_file"}
    assert ACTION_LABELS["open"] == "列入整顿" and ACTION_LABELS["plan"] == "建立工作台账"
