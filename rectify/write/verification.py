"""申请验收 → 验收 → 公示 → 销号 (SPEC §3 "Inside rectified"): the steps a case takes while it stands in ``rectified``.

The township's application is :meth:`Workflow.mark_rectified`. A passed verification keeps the case in
``rectified`` and starts its 公示 (``publicity_days``); an objection raised then is recorded, and decided:
dismissed, the 公示 goes on; upheld, the verification fails as ``fail_verification`` does (findings and new
measures). The county's 销号批复 then moves the case to ``verified``. Who signed each step is compared: the
verifier is not the applicant, the approver not the verifier. Each step goes through :meth:`Steps.run_step`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy.engine import Row

from rectify.config import PolicyConfig
from rectify.errors import BadInput
from rectify.states import effects
from rectify.states.guards import Proposal
from rectify.states.thresholds import GRADE_LABELS, Grade, grade, percent, satisfaction_rate, verification_shortfalls
from rectify.states.workdays import PUBLICITY, work_calendar
from rectify.store.cases import CaseStore
from rectify.validation import email_address
from rectify.write.plan import measures_with_emails
from rectify.write.step import Outcome, Steps

__all__ = ["decide_objection", "objection", "score_sheet", "strike_off", "verify"]

DECISIONS = ("upheld", "dismissed")


def score_sheet(items: dict[str, int] | None, score: int | None, areas: tuple[str, ...]) -> tuple[int, dict[str, int]]:
    """The score: the sum of the sheet's items (every configured area, once), else the total given."""
    if not items:
        if score is None:
            raise BadInput("缺少验收得分：请给出 --score，或按评分表逐项给出 --item 项目=分数")
        return score, {}
    unknown = [a for a in items if a not in areas]
    if unknown:
        raise BadInput(f"未知的评分项目 {'、'.join(unknown)}（应为 {'、'.join(areas)}）")
    missing = [a for a in areas if a not in items]
    if missing:
        raise BadInput(f"评分表缺少 {'、'.join(missing)} 的得分")
    if any(v < 0 for v in items.values()):
        raise BadInput("评分项目的得分不能为负")
    total = sum(items.values())
    if score is not None and score != total:
        raise BadInput(f"--score {score} 与各项得分之和 {total} 不一致")
    return total, {a: items[a] for a in areas}


def _facts(wf: Steps, store: CaseStore, row: Row[Any]) -> dict[str, Any]:
    """What the guards of these steps read: the signers, the 公示, a pending objection, the problems."""
    return {"signer": wf.actor, "applied_by": row.applied_by, "verified_by": row.verified_by,
            "verified_on": row.verified_on, "publicity_until": row.publicity_until,
            "objection": store.pending_objection(row.id), "problems": store.problems(row.id),
            "min_surveyed": wf.config.verification.min_surveyed}


def _send_back(store: CaseStore, row: Row[Any], inputs: dict[str, Any], policy: PolicyConfig) -> dict[str, Any]:
    """A failed verification (or an objection upheld): new measures, back to stage 3, the application cleared."""
    store.add_measures(row.id, inputs["measures"])
    return {**effects.sent_back(row, inputs, inputs["on"], policy), "stage_since": inputs["on"]}


def _fail_inputs(wf: Steps, inputs: dict[str, Any], findings: Iterable[str], measures: Iterable[Any],
                 emails: dict[str, str] | None, deadline: date | None) -> None:
    inputs["findings"] = [f.strip() for f in findings if f.strip()]
    inputs["measures"] = measures_with_emails(measures, {k: email_address(v, k) for k, v in (emails or {}).items()})
    if deadline is not None:
        inputs["deadline"] = deadline


def verify(wf: Steps, ref: str | int, *, on: date, by: str, members: Iterable[str], score: int | None,
           items: dict[str, int] | None, satisfied: int, basic: int, dissatisfied: int, deadline: date | None,
           findings: Iterable[str], measures: Iterable[Any], emails: dict[str, str] | None,
           expected_version: int | None) -> Outcome:
    """验收: the team, the score sheet, the survey; 合格/基本合格 start 公示, 不合格 takes ``fail_verification``."""
    rules = wf.config.verification
    total, sheet = score_sheet(items, score, rules.items)
    reasons = verification_shortfalls(total, satisfied, basic, dissatisfied, rules)
    level = grade(total, satisfied, basic, dissatisfied, rules)
    passed = level != Grade.fail
    rate = satisfaction_rate(satisfied, basic, dissatisfied)
    team = [m.strip() for m in members if m.strip()]
    until = work_calendar(wf.config).add(PUBLICITY, on, wf.config.policy.publicity_days)
    inputs: dict[str, Any] = {"on": on, "by": by.strip(), "members": team, "items": sheet, "score": total,
                              "satisfied": satisfied, "basic": basic, "dissatisfied": dissatisfied,
                              "passed": passed, "grade": level.value, "satisfaction": rate,
                              "reason": "；".join(reasons)}
    if passed:
        inputs["publicity_until"] = until
    else:
        _fail_inputs(wf, inputs, findings, measures, emails, deadline)

    def apply(store: CaseStore, row: Row[Any], p: Proposal) -> dict[str, Any]:
        store.add_verification(row.id, verified_on=on, verifier=inputs["by"], score=total, satisfied=satisfied,
                               basic=basic, dissatisfied=dissatisfied, passed=passed, reasons=inputs["reason"],
                               members="、".join(team),
                               score_sheet=json.dumps(sheet, ensure_ascii=False) if sheet else "",
                               grade=level.value, signed_by=wf.actor)
        if passed:  # who signed is the event's actor, not an input
            return {**effects.verified(row, inputs, on, wf.config.policy), "verified_by": wf.actor}
        return _send_back(store, row, inputs, wf.config.policy)

    def facts(store: CaseStore, row: Row[Any]) -> dict[str, Any]:
        if not passed:  # [policy] propose_sign_after_failures: this failure proposes a county sign
            after = wf.config.policy.propose_sign_after_failures
            inputs["propose_sign"] = bool(after) and not row.supervised \
                and store.failed_verifications(row.id) + 1 >= after
        return _facts(wf, store, row)

    def message(p: Proposal) -> str:
        if passed:
            return (f"验收{GRADE_LABELS[level]}（{total} 分，满意率 {percent(rate)}），公示至 {until}，"
                    f"期满且无异议成立后由县委组织部审批人销号")
        sign = "。已多次验收不合格，建议县级挂牌督办" if inputs.get("propose_sign") else ""
        return f"验收不合格：{inputs['reason']}，退回整改{sign}"

    return wf.run_step(ref, "verify" if passed else "fail_verification", inputs, apply=apply, facts=facts,
                       expected_version=expected_version, message=message)


def objection(wf: Steps, ref: str | int, *, on: date, text: str, expected_version: int | None) -> Outcome:
    """A 公示 objection, recorded as pending; :func:`decide_objection` dismisses or upholds it."""
    inputs: dict[str, Any] = {"on": on, "text": text.strip()}

    def apply(store: CaseStore, row: Row[Any], p: Proposal) -> dict[str, Any]:
        store.add_objection(row.id, raised_on=on, text=inputs["text"], raised_by=wf.actor)
        return {}

    return wf.run_step(ref, "objection", inputs, apply=apply, facts=lambda store, row: _facts(wf, store, row),
                       expected_version=expected_version, message=lambda p: "公示异议已登记，待处理（采纳或不予采纳）")


def decide_objection(wf: Steps, ref: str | int, *, on: date, upheld: bool, note: str,
                     findings: Iterable[str] = (), measures: Iterable[Any] = (),
                     emails: dict[str, str] | None = None, deadline: date | None = None,
                     expected_version: int | None = None) -> Outcome:
    """Dismissed: 公示 goes on. Upheld: the verification fails, as ``fail_verification`` does."""
    inputs: dict[str, Any] = {"on": on, "note": note.strip(), "decision": DECISIONS[0] if upheld else DECISIONS[1]}
    if upheld:
        _fail_inputs(wf, inputs, findings, measures, emails, deadline)

    def apply(store: CaseStore, row: Row[Any], p: Proposal) -> dict[str, Any]:
        pending = p.facts["objection"]
        inputs["text"] = pending.text
        store.decide_objection(pending.id, decision=inputs["decision"], decided_on=on, decided_by=wf.actor,
                               note=inputs["note"])
        if not upheld:
            return {}
        store.overturn_verification(row.id, f"公示异议成立：{pending.text}")
        return _send_back(store, row, inputs, wf.config.policy)

    def message(p: Proposal) -> str:
        if upheld:
            return "公示异议成立，验收不通过，退回整改"
        return f"公示异议不予采纳，公示继续（至 {p.facts['publicity_until']}）"

    return wf.run_step(ref, "uphold_objection" if upheld else "dismiss_objection", inputs, apply=apply,
                       facts=lambda store, row: _facts(wf, store, row), expected_version=expected_version,
                       reason=f"公示异议成立：{note.strip()}" if upheld else "", message=message)


def strike_off(wf: Steps, ref: str | int, *, on: date, doc_no: str, expected_version: int | None) -> Outcome:
    """销号批复: after the 公示, with no objection pending, by someone other than the verifier."""
    inputs: dict[str, Any] = {"on": on, "doc_no": doc_no.strip()}

    def apply(store: CaseStore, row: Row[Any], p: Proposal) -> dict[str, Any]:
        # 销号: the 巩固期's look-backs are scheduled from this day (SPEC §3)
        return effects.struck_off(row, inputs, on, wf.config.policy)

    doc = f"（{doc_no.strip()}）" if doc_no.strip() else ""
    return wf.run_step(ref, "strike_off", inputs, apply=apply, facts=lambda store, row: _facts(wf, store, row),
                       expected_version=expected_version, message=lambda p: f"{on} 批复销号{doc}")
