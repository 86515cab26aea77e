"""A declared step taken from a form: each input's text parsed by its kind (a malformed value is refused with
a reason on its field, before the engine is asked), then the engine's method called with the values.

The parsers here are the ones the CLI's options use too (measures, score items, e-mails), so a value means
the same on both faces.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from rectify.errors import BadInput, Reason
from rectify.states.stages import Stage
from rectify.states.steps import (
    CHOICE,
    DATE,
    FILE,
    FLAG,
    INTEGER,
    MEASURE_FORMAT,
    MEASURES,
    SCORES,
    Input,
    Step,
)
from rectify.write.engine import Outcome, Workflow


def parse_measure(text: str) -> dict[str, object]:
    """``P01,P03|内容|责任人（单位）|2026-06-30``: the problems it fixes, text, 责任人, due."""
    from rectify.validation import parse_date

    parts = [p.strip() for p in text.split("|")]
    if len(parts) != 4 or not parts[0]:
        raise BadInput(f"整改措施应写成 {MEASURE_FORMAT}（先写所针对的问题代码），收到 {text!r}")
    try:
        due = parse_date(parts[3])
    except BadInput:
        due = None
    if due is None:
        raise BadInput(f"整改措施的完成时限应为 2026-06-30、2026/6/30 或 2026年6月30日，收到 {parts[3]!r}")
    return {"problems": parts[0], "text": parts[1], "owner": parts[2], "due": due}


def parse_emails(pairs: tuple[str, ...] | list[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        role, sep, addr = pair.partition("=")
        if not sep or "@" not in addr:
            raise BadInput(f"应写成 NAME=邮箱地址 或 ROLE=邮箱地址，收到 {pair!r}")
        out[role.strip()] = addr.strip()
    return out


def parse_items(pairs: tuple[str, ...] | list[str]) -> dict[str, int]:
    """``班子=18`` …: the score sheet's areas and their scores."""
    out: dict[str, int] = {}
    for pair in pairs:
        area, sep, value = pair.partition("=")
        area, value = area.strip(), value.strip()
        if not sep or not area or not value.isdigit() or int(value) > 100:
            raise BadInput(f"评分项目应写成 项目=分数（0–100），如 班子=18，收到 {pair!r}")
        if area in out:
            raise BadInput(f"评分项目 {area} 重复")
        out[area] = int(value)
    return out


def _lines(value: Any) -> list[str]:
    """A multiple input's values: a list from a form's repeated field, or one text with a value a line (a web
    form's textarea is one field whose text holds a value a line, so each item is split into its lines too)."""
    items = value if isinstance(value, list | tuple) else [value]
    lines = [line for v in items for line in str(v or "").splitlines()]
    return [v.strip() for v in lines if v.strip()]


def _one(i: Input, raw: Any) -> Any:
    """One input's value from its text; None when left empty."""
    if i.kind == FILE:  # uploads (rectify.write.evidence.Upload), checked and kept by the service
        return list(raw) if isinstance(raw, list | tuple) else []
    if i.multiple:
        return _many(i, raw)
    text = str(raw[-1] if isinstance(raw, list | tuple) and raw else raw or "").strip()
    if i.kind == FLAG:
        return text not in ("", "0", "false", "off")
    if not text:
        return None
    return _single(i, text)


def _many(i: Input, raw: Any) -> Any:
    """A multiple input: its lines, read as measures or score items when it holds them."""
    lines = _lines(raw)
    if i.kind == MEASURES:
        return [parse_measure(x) for x in lines]
    if i.kind == SCORES:
        return parse_items(lines)
    return lines


def _single(i: Input, text: str) -> Any:
    """A single input's non-empty text, as its kind reads it."""
    from rectify.validation import MAX_COUNT, integer, parse_date

    if i.kind == DATE:
        return parse_date(text)
    if i.kind == INTEGER:
        return integer(text, i.label, lo=0, hi=MAX_COUNT)
    if i.kind == CHOICE and text not in {v for v, _ in i.choices} | {label for _, label in i.choices}:
        raise BadInput(f"{i.label}应为 {'、'.join(label for _, label in i.choices)} 之一，收到 {text!r}")
    if i.kind == CHOICE:
        return next((v for v, label in i.choices if text in (v, label)), text)
    return text


def parse_form(step: Step, form: Mapping[str, Any]) -> dict[str, Any]:
    """Every declared input's value; all malformed and missing required values refused at once, each on its field."""
    values: dict[str, Any] = {}
    reasons: list[Reason] = []
    for i in step.inputs:
        try:
            values[i.name] = _one(i, form.get(i.name))
        except BadInput as exc:
            reasons.append(Reason("bad_input", i.name, str(exc)))
            continue
        if i.required and values[i.name] in (None, [], {}):
            reasons.append(Reason("required", i.name, f"请填写{i.label}"))
    if reasons:
        raise BadInput(f"无法{step.label}：" + "；".join(r.message for r in reasons), reasons=reasons)
    return values


def _or(value: Any, default: Any) -> Any:
    return default if value is None else value


def _plan(wf: Workflow, ref: str | int, v: dict[str, Any], version: int | None) -> Outcome:
    return wf.plan(ref, measures=v["measures"], county_leader=_or(v["county_leader"], ""),
                   township_leader=_or(v["township_leader"], ""), township_cadre=_or(v["township_cadre"], ""),
                   helping_unit=_or(v["helping_unit"], ""), emails=parse_emails(v["emails"]), on=v["on"],
                   expected_version=version)


def _required(field: str, message: str) -> BadInput:
    return BadInput(message, reasons=[Reason("required", field, message)])


def _work_team(wf: Workflow, ref: str | int, v: dict[str, Any], version: int | None) -> Outcome:
    if (v["add"] is None) == (v["remove"] is None):
        raise _required("add", "请填写到任队员或离队队员，二者取一")
    if v["add"] is not None:
        if v["since"] is None:
            raise _required("since", "请填写到任日期")
        return wf.work_team(ref, name=v["add"], unit=_or(v["unit"], ""), on=v["since"], expected_version=version)
    if v["on"] is None:
        raise _required("on", "请填写离队日期")
    return wf.work_team(ref, name=v["remove"], on=v["on"], remove=True, expected_version=version)


def _verify(wf: Workflow, ref: str | int, v: dict[str, Any], version: int | None) -> Outcome:
    return wf.verify(ref, on=v["on"], by=_or(v["by"], ""), members=v["members"], items=v["items"] or None,
                     score=v["score"], satisfied=v["satisfied"], dissatisfied=v["dissatisfied"],
                     basic=_or(v["basic"], 0), deadline=v["deadline"], findings=v["findings"],
                     measures=v["measures"], emails=parse_emails(v["emails"]), expected_version=version)


def _objection(wf: Workflow, ref: str | int, v: dict[str, Any], version: int | None) -> Outcome:
    if not v["decision"]:
        return wf.objection(ref, on=v["on"], text=_or(v["text"], ""), expected_version=version)
    return wf.decide_objection(ref, on=v["on"], upheld=v["decision"] == "upheld", note=_or(v["note"], ""),
                               findings=v["findings"], measures=v["measures"], emails=parse_emails(v["emails"]),
                               deadline=v["deadline"], expected_version=version)


Call = Callable[[Workflow, str | int, dict[str, Any], int | None], Outcome]

# Each step's call of the engine, its inputs by name (the CLI calls the same methods with the same values).
CALLS: dict[str, Call] = {
    "progress": lambda wf, ref, v, ver: wf.report_progress(ref, on=v["on"], note=v["note"], expected_version=ver),
    "measure-done": lambda wf, ref, v, ver: wf.complete_measure(ref, v["number"], on=v["on"], expected_version=ver),
    Stage.rectified.value: lambda wf, ref, v, ver: wf.mark_rectified(ref, on=v["on"], self_check=v["opinion"],
                                                          expected_version=ver),
    "plan": _plan,
    "revise-plan": lambda wf, ref, v, ver: wf.revise_plan(ref, measures=v["measures"], on=v["on"],
                                                         emails=parse_emails(v["emails"]), expected_version=ver),
    "assign-secretary": lambda wf, ref, v, ver: wf.assign_secretary(
        ref, name=v["name"], unit=_or(v["unit"], ""), since=v["since"], term_until=v["term_until"],
        email=_or(v["email"], ""), phone=_or(v["phone"], ""), expected_version=ver),
    "recall-secretary": lambda wf, ref, v, ver: wf.recall_secretary(ref, on=v["on"], reason=v["reason"],
                                                                   note=_or(v["note"], ""), expected_version=ver),
    "secretary-term": lambda wf, ref, v, ver: wf.extend_term(ref, on=v["on"], term_until=v["term_until"],
                                                             note=_or(v["note"], ""), expected_version=ver),
    "village-secretary": lambda wf, ref, v, ver: wf.village_secretary(
        ref, name=v["name"], since=v["since"], action=v["action"], source=_or(v["source"], ""),
        email=_or(v["email"], ""), phone=_or(v["phone"], ""), expected_version=ver),
    "work-team": _work_team,
    "verify": _verify,
    "objection": _objection,
    "strike-off": lambda wf, ref, v, ver: wf.strike_off(ref, on=v["on"], doc_no=_or(v["doc_no"], ""),
                                                       expected_version=ver),
    "withdraw": lambda wf, ref, v, ver: wf.withdraw(ref, reason=v["reason"], on=v["on"],
                                                   approved_by=_or(v["approved_by"], ""), expected_version=ver),
    "extend": lambda wf, ref, v, ver: wf.extend(ref, to=v["to"], reason=v["reason"], approved_by=v["approved_by"],
                                               on=v["on"], expected_version=ver),
    "supervise": lambda wf, ref, v, ver: wf.supervise(
        ref, level=v["level"], unit=_or(v["unit"], ""), matter=_or(v["matter"], ""), due=v["due"], on=v["on"],
        reason=_or(v["reason"], ""), expected_version=ver),
    "unsupervise": lambda wf, ref, v, ver: wf.unsupervise(
        ref, on=v["on"], inspected_by=_or(v["inspected_by"], ""), inspected_on=v["inspected_on"],
        reason=v["reason"], findings=v["findings"], expected_version=ver),
    "look-back": lambda wf, ref, v, ver: wf.look_back(ref, on=v["on"], result=v["result"], note=_or(v["note"], ""),
                                                     problems=v["problems"], deadline=v["deadline"],
                                                     expected_version=ver),
    "escalate": lambda wf, ref, v, ver: wf.escalate(ref, step=v["step"], on=v["on"], note=v["note"],
                                                   expected_version=ver),
}


def call_step(wf: Workflow, step: Step, ref: str | int, form: Mapping[str, Any], version: int | None) -> Outcome:
    return CALLS[step.name](wf, ref, parse_form(step, form), version)
