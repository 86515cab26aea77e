"""Each action's effect is defined once (rectify/states/effects.py): the engine writes it, the as-of rebuild folds
it. The equality of the two paths on real histories is tests/test_snapshot.py's and test_stateful.py's; here,
that one effect reads the engine's inputs and the history's JSON alike, and that every field it changes has a
home on both sides."""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import date
from typing import Any

import pytest

from rectify.config import PolicyConfig
from rectify.reports.snapshot import FOLDS, NOT_REPLAYED, CaseState
from rectify.states.effects import EFFECTS, NO_INPUTS, READS_NO_INPUTS, day, recorded_inputs
from rectify.states.transitions import TRANSITIONS
from rectify.store.cases import jsonable
from rectify.store.tables import case_t

ON = date(2026, 5, 6)
MEASURE = {"problems": ["P1"], "text": "整改", "owner": "张三", "owner_unit": "", "owner_email": "", "due": date(2026, 9, 1)}
# Inputs as the engine's steps build them (dates as dates), one per action.
INPUTS: dict[str, dict[str, Any]] = {
    "plan": {"measures": [MEASURE], "helping_unit": "县农业局", "on": ON},
    "revise_plan": {"measures": [MEASURE, MEASURE], "helping_unit": "", "on": ON},
    "complete_measure": {"measure_no": 1, "on": ON},
    "report_progress": {"on": ON, "note": "进展"},
    "mark_rectified": {"on": ON, "self_check": "乡镇初验合格", "applied_by": "李四"},
    "verify": {"on": ON, "score": 88, "grade": "good", "satisfaction": 0.9, "satisfied": 9, "basic": 0,
               "dissatisfied": 1, "publicity_until": date(2026, 5, 13)},
    "fail_verification": {"on": ON, "measures": [MEASURE], "deadline": date(2026, 12, 31)},
    "objection": {"on": ON, "text": "异议"},
    "dismiss_objection": {"on": ON, "note": "", "decision": "dismissed"},
    "uphold_objection": {"on": ON, "measures": [MEASURE], "decision": "upheld"},
    "strike_off": {"on": ON, "doc_no": "青组〔2026〕1号"},
    "withdraw": {"reason": "误判", "on": ON, "approved_by": "王五"},
    "extend": {"deadline": date(2026, 12, 31), "reason": "延期", "approved_by": "王五", "on": ON},
    "supervise": {"level": "county", "unit": "县委组织部", "matter": "整改迟缓", "due": None, "on": ON,
                  "reason": "整改迟缓"},
    "unsupervise": {"on": ON, "inspected_by": "赵六", "inspected_on": ON, "reason": "已整改", "findings": []},
    "escalate": {"step": "interview", "on": ON, "note": "约谈", "reason": "约谈"},
    "look_back": {"on": date(2027, 2, 1), "result": "stable", "note": "", "problems": [], "problem_texts": []},
}


def _state() -> CaseState:
    return CaseState(id=1, detail="", year=2026, org_code="V1", org_name="村", kind="village", county="青山县",
                  township="东岭镇", poor_village=False, problems=None, deadline=date(2026, 10, 31),
                  measures_total=2, measures_done=1, last_progress_on=date(2026, 5, 1), rectified_on=ON)


def test_every_action_has_its_inputs_here() -> None:
    assert set(INPUTS) == set(EFFECTS)
    assert set(EFFECTS) <= {t.trigger for t in TRANSITIONS} <= set(FOLDS)


@pytest.mark.parametrize("action", sorted(EFFECTS))
def test_an_effect_reads_the_engine_inputs_and_the_recorded_json_alike(action: str) -> None:
    policy = PolicyConfig()
    state = _state()
    if action == "look_back":
        state.look_backs = EFFECTS["strike_off"](state, {"on": date(2026, 8, 1)}, ON, policy)["look_backs"]
    recorded = json.loads(json.dumps(jsonable(INPUTS[action]), ensure_ascii=False, sort_keys=True))
    live = EFFECTS[action](state, INPUTS[action], ON, policy)
    assert EFFECTS[action](state, recorded, ON, policy) == live


@pytest.mark.parametrize("action", sorted(EFFECTS))
def test_every_field_an_effect_changes_is_a_column_and_rebuilt_or_named_as_not(action: str) -> None:
    state = _state()
    if action == "look_back":
        state.look_backs = EFFECTS["strike_off"](state, {"on": date(2026, 8, 1)}, ON, PolicyConfig())["look_backs"]
    changed = set(EFFECTS[action](state, INPUTS[action], ON, PolicyConfig()))
    held = {f.name for f in fields(CaseState)}
    assert changed <= set(case_t.c.keys())
    assert changed <= held | NOT_REPLAYED


@pytest.mark.parametrize("action", sorted(READS_NO_INPUTS))
def test_an_effect_said_to_read_no_inputs_gives_the_same_without_them(action: str) -> None:
    """The rebuild folds these without decoding the event's JSON (reports/snapshot.py ``_inputs``)."""
    state = _state()
    assert EFFECTS[action](state, INPUTS[action], ON, PolicyConfig()) == EFFECTS[action](state, NO_INPUTS, ON,
                                                                                           PolicyConfig())


def test_a_day_read_twice_is_the_same_day() -> None:
    assert day("2026-05-06") == day("2026-05-06") == day("2026-05-06T08:00:00") == ON
    assert day("") is None and day(None) is None and day(ON) is ON


def test_a_schedule_struck_off_the_same_day_is_the_same_text() -> None:
    first = EFFECTS["strike_off"](_state(), {"on": "2026-08-01"}, ON, PolicyConfig(look_back_after_days=(365, 180)))
    again = EFFECTS["strike_off"](_state(), {}, date(2026, 8, 1), PolicyConfig(look_back_after_days=(180, 365)))
    assert first == again | {"strike_off_doc": ""} and first["look_backs"].startswith("180|2027-01-28|")


def test_recorded_inputs_are_what_json_reads() -> None:
    for raw in ('{"on": "2026-05-06", "measure_no": 2}', ' {"a": [1, {"b": null}]} ', '{"note": "进展"}\n'):
        assert recorded_inputs(raw) == json.loads(raw)
    assert recorded_inputs("") == recorded_inputs(None) == {}
    with pytest.raises(json.JSONDecodeError):
        recorded_inputs('{"a": 1} x')
