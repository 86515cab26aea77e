"""挂牌督办 as a record, its 摘牌 after an inspection, and the escalation ladder (SPEC §3, §5).

The steps go through :meth:`Steps.run_step` like every other change, so each is checked by the rules of
``states/`` (guards, who may, the ladder's order), written in one transaction and recorded as a dated,
signed event whose detail carries every input (a replay of the history rebuilds the sign).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy.engine import Row

from rectify.errors import BadInput, Refused
from rectify.states import effects
from rectify.states.deadlines import Light, light_and_window, row_side
from rectify.states.escalation import RECORDED_STEPS, STEP_LABELS, Step, parse_step
from rectify.states.guards import Proposal
from rectify.states.permissions import SIGN_LEVEL, hang_refusal
from rectify.states.roles import LEVEL_NAMES, Level
from rectify.states.tasks import MEASURE_WINDOW, SIDE_WINDOW, TASK_WINDOW, light_reason
from rectify.states.transitions import BY_TRIGGER
from rectify.store.cases import CaseStore
from rectify.write.step import Outcome, Steps

__all__ = ["escalate", "supervise", "unsupervise"]


def supervise(wf: Steps, ref: str | int, *, level: str | None, unit: str, matter: str, due: date | None,
              on: date | None, expected_version: int | None) -> Outcome:
    """Hangs a sign: level (default the signer's), 督办单位 (default the signer's unit), matters, due."""
    level = level or SIGN_LEVEL.get(wf.person.role or "", Level.county)  # before levels, the county hung every sign
    if level not in LEVEL_NAMES:
        raise BadInput(f"未知的挂牌层级 {level}（应为 city 市级 / county 县级）")
    wf.check_may("supervise", BY_TRIGGER["supervise"].label)
    refusal = hang_refusal(wf.person, level)
    if refusal:
        raise Refused(refusal)
    inputs: dict[str, Any] = {"level": level, "unit": (unit or wf.person.unit).strip(), "matter": matter.strip(),
                              "due": due, "on": on or wf.today(), "reason": matter.strip()}

    def apply(store: CaseStore, row: Row[Any], p: Proposal) -> dict[str, Any]:
        store.hang_sign(row.id, level=level, unit=inputs["unit"], matter=inputs["matter"], due_on=due,
                        hung_on=inputs["on"], hung_by=wf.actor)
        return effects.supervised(row, inputs, inputs["on"], wf.config.policy)

    def message(p: Proposal) -> str:
        text = f"{LEVEL_NAMES[level]}挂牌，督办单位 {inputs['unit']}"
        return text + (f"，督办时限 {due}" if due else "")

    return wf.run_step(ref, "supervise", inputs, apply=apply, expected_version=expected_version, message=message,
                       facts=lambda store, row: {"last_escalation_on": _last_escalation(store, row)})


def _last_escalation(store: CaseStore, row: Row[Any]) -> date | None:
    last = store.last_escalation_on(row.id)
    return date.fromisoformat(last[:10]) if isinstance(last, str) else last


def unsupervise(wf: Steps, ref: str | int, *, on: date | None, inspected_by: str, inspected_on: date | None,
                reason: str, expected_version: int | None, findings: Iterable[str] = ()) -> Outcome:
    """摘牌: only after an inspection by a registered person of the level that hung the sign, every 督办事项
    answered (a finding each, or every measure done) and the case not red."""
    on = on or wf.today()
    inputs: dict[str, Any] = {"on": on, "inspected_by": inspected_by.strip(), "inspected_on": inspected_on or on,
                              "reason": reason.strip(), "findings": [f.strip() for f in findings if f.strip()]}

    def facts(store: CaseStore, row: Row[Any]) -> dict[str, Any]:
        sign = store.sign_up(row.id)
        name = inputs["inspected_by"]
        measures = store.open_measures(row.id)
        day = on or wf.today()
        side = row_side(store.secretary_facts(row.id), wf.config.policy)  # 第一书记延期或轮换, 第一书记空缺
        light, window = light_and_window(row.stage, stage_since=row.stage_since, stage_due_on=row.stage_due,
                                         cycle_start=row.cycle_start, deadline=row.deadline, as_of=day,
                                         lights=wf.config.lights,
                                         open_measure_due=min((due for _, due in measures), default=None), side=side)
        red = ""
        if light == Light.red:
            red = "整改措施逾期未完成" if window == MEASURE_WINDOW else \
                light_reason(light, window, task=None, task_left=None, deadline_left=None, side=side,
                             side_left=(side.due - day).days) if window == SIDE_WINDOW and side is not None else \
                "待办已逾期" if window == TASK_WINDOW else "转化时限已过"
        return {"sign": sign, "hung_on": sign.hung_on if sign is not None else None,
                "inspector": store.registered_person(name) if name else None,
                "supervision_level": row.supervision_level or (sign.level if sign is not None else ""),
                "sign_matter": sign.matter if sign is not None else row.supervision_reason,
                "open_measures": measures, "red_reason": red}

    def apply(store: CaseStore, row: Row[Any], p: Proposal) -> dict[str, Any]:
        sign = p.facts["sign"]
        if sign is not None:
            store.take_down_sign(sign.id, taken_down_on=on, inspected_by=inputs["inspected_by"],
                                 inspected_on=inputs["inspected_on"],
                                 down_reason="；".join([inputs["reason"], *inputs["findings"]]),
                                 taken_down_by=wf.actor)
        return effects.unsupervised(row, inputs, on, wf.config.policy)

    return wf.run_step(ref, "unsupervise", inputs, apply=apply, facts=facts, expected_version=expected_version,
                       message=lambda p: f"经 {inputs['inspected_by']} {inputs['inspected_on']} 检查后摘牌")


def escalate(wf: Steps, ref: str | int, *, step: str, on: date | None, note: str,
             expected_version: int | None) -> Outcome:
    """One rung of the ladder (督促, 约谈, 通报), in order; 挂牌 is :func:`supervise`."""
    code = parse_step(step)
    if code not in RECORDED_STEPS:
        names = "、".join(STEP_LABELS[s] for s in RECORDED_STEPS)
        hint = "；挂牌请用 rectify case supervise" if code == Step.sign else ""
        raise BadInput(f"未知的督办升级步骤 {step}（应为 {names}）{hint}")
    inputs: dict[str, Any] = {"step": code, "on": on or wf.today(), "note": note.strip(), "reason": note.strip()}

    def facts(store: CaseStore, row: Row[Any]) -> dict[str, Any]:
        return {"escalation_step": row.escalation_step, "last_escalation_on": _last_escalation(store, row)}

    def apply(store: CaseStore, row: Row[Any], p: Proposal) -> dict[str, Any]:
        return effects.escalated(row, inputs, inputs["on"], wf.config.policy)

    return wf.run_step(ref, "escalate", inputs, apply=apply, facts=facts, expected_version=expected_version,
                       message=lambda p: f"督办升级：{STEP_LABELS[code]}")
