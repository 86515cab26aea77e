"""The engine fires the shared machine's transitions itself (``fire``): the same outcome as the library's
``trigger`` for every trigger from every stage, on facts that pass the guards and on facts that do not."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

import pytest
from transitions import MachineError

from rectify.states.guards import Proposal
from rectify.states.stages import STAGES
from rectify.states.transitions import TRANSITIONS
from rectify.write import engine
from rectify.write.engine import MACHINE, fire

PASSING = ({"problems": [("P01", "书记长期缺职")], "identified_on": date(2026, 3, 1), "deadline": date(2026, 12, 31),
            "supervised": False, "measures_total": 1, "measures_open": 0, "rectified_on": date(2026, 6, 1),
            "today": date(2026, 7, 1)},
           {"measures": [{"problems": ["P01"], "text": "配齐班子", "owner": "王", "due": date(2026, 6, 30)}],
            "county_leader": "李", "township_cadre": "张", "on": date(2026, 6, 20), "name": "周", "note": "报送",
            "self_check": "已整改", "reason": "误判", "approved_by": "赵"})
EMPTY: tuple[dict[str, Any], dict[str, Any]] = ({"today": date(2026, 7, 1)}, {})


def _outcome(run: Any, trigger: str, stage: str, facts: dict[str, Any], inputs: dict[str, Any]) -> Any:
    p = Proposal(state=stage, facts=dict(facts), inputs=dict(inputs))
    try:
        moved = run(trigger, p)
    except MachineError:
        return "MachineError", asdict(p)
    except Exception as exc:  # a guard that needs a fact these proposals lack fails the same way on both
        return type(exc).__name__, asdict(p)
    return moved, asdict(p)


@pytest.mark.parametrize("trigger", sorted({t.trigger for t in TRANSITIONS}))
def test_fire_agrees_with_the_library_from_every_stage(trigger: str) -> None:
    assert engine._PLAIN, "the shared machine gained callbacks: fire hands every step to the library"
    for stage in STAGES:
        for facts, inputs in (PASSING, EMPTY):
            ours = _outcome(fire, trigger, stage, facts, inputs)
            theirs = _outcome(lambda t, p: MACHINE.events[t].trigger(p), trigger, stage, facts, inputs)
            assert ours == theirs, (trigger, stage)
