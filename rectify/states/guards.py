"""Guards: each names what a move needs and returns the Chinese phrase for what is missing, or None.

A guard reads a :class:`Proposal` — the case as loaded plus the officer's input — and never the
database, so the whole workflow can be checked without one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from rectify.states.consolidation import LOOK_BACK_GUARDS
from rectify.states.escalation import escalation_refusal
from rectify.states.permissions import inspector_refusal
from rectify.states.proposal import Proposal
from rectify.states.stages import CLOSED_STAGES

Guard = Callable[[Proposal], str | None]


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def has_measures(p: Proposal) -> str | None:
    measures = p.get("measures") or []
    if not measures and not p.facts.get("measures_total"):
        return "缺少整顿措施（至少一项：问题|内容|责任人|完成时限）"
    for i, m in enumerate(measures, 1):
        if _blank(m.get("text")) or _blank(m.get("owner")) or m.get("due") is None:
            return f"第{i}项整顿措施缺少内容、责任人或完成时限"
    return None


def has_new_measures(p: Proposal) -> str | None:
    """Revising a plan, or sending a case back after a failed verification, adds ≥1 measure with its due date."""
    if not p.get("measures"):
        return "缺少新的整改措施（至少一项：问题|内容|责任人|完成时限）"
    return has_measures(p)


def measures_name_problems(p: Proposal) -> str | None:
    """Each measure names the problem(s) it fixes, and only problems the case carries."""
    codes = [code for code, _ in p.facts.get("problems", [])]
    for i, m in enumerate(p.get("measures") or [], 1):
        named = m.get("problems") or []
        if not named:
            return f"第{i}项整顿措施「{m.get('text')}」未注明针对的问题（如 P01,P03|内容|责任人|时限）"
        stray = [c for c in named if c not in codes]
        if stray:
            return (f"第{i}项整顿措施「{m.get('text')}」针对的问题 {'、'.join(stray)} 不在本整顿对象的问题清单"
                    f"（{'、'.join(codes)}）中")
    return None


def plan_covers_problems(p: Proposal) -> str | None:
    """问题清单 → 措施清单: every problem has ≥1 measure, counting those already filed."""
    covered = set(p.facts.get("covered", ()))
    for m in p.get("measures") or []:
        covered.update(m.get("problems") or ())
    missing = [f"{code} {text}" for code, text in p.facts.get("problems", []) if code not in covered]
    if missing:
        return f"问题「{'；'.join(missing)}」没有对应的整改措施"
    return None


def measures_within_deadline(p: Proposal) -> str | None:
    """Each new measure is due by the 转化时限 (the new one, when a failed verification gives it)."""
    deadline: date = p.get("deadline") or p.facts["deadline"]
    start: date = p.facts["identified_on"]
    for m in p.get("measures") or []:
        if m["due"] > deadline:
            return f"整改措施「{m['text']}」的完成时限 {m['due']} 不得晚于转化时限 {deadline}"
        if m["due"] < start:
            return f"整改措施「{m['text']}」的完成时限 {m['due']} 不得早于确定日期 {start}"
    return None


def has_county_leader(p: Proposal) -> str | None:
    return "缺少县级联系领导" if _blank(p.get("county_leader") or p.facts.get("county_leader")) else None


def has_township_cadre(p: Proposal) -> str | None:
    """The plan names who is in charge on the ground: the 乡镇包村领导 (a plan filed before the two were told
    apart named one person, as --township-cadre, and stays valid)."""
    named = [p.get(k) or p.facts.get(k) for k in ("township_leader", "township_cadre")]
    return "缺少乡镇包村领导（--township-leader）" if all(_blank(n) for n in named) else None


def has_secretary(p: Proposal) -> str | None:
    missing = [label for key, label in (("name", "第一书记姓名"), ("unit", "派出单位（或结对帮扶单位）"),
                                        ("since", "任职日期")) if _blank(p.get(key))]
    return ("缺少" + "、".join(missing)) if missing else None


def secretary_since_valid(p: Proposal) -> str | None:
    """A first secretary already in post before the listing is allowed (原已驻村); one from the future is not."""
    return _not_future(p.get("since"), p, "任职日期")


def term_valid(p: Proposal) -> str | None:
    since, until = p.get("since"), p.get("term_until")
    if since is not None and until is not None and until <= since:
        return f"任期截止 {until} 应晚于任职日期 {since}"
    on = p.get("on") or p.facts.get("today")  # the business day: a late entry of a term since ended is fine
    if until is not None and on is not None and until < on:
        return f"任期截止 {until} 早于到任日期 {on}，不能再作为在任第一书记登记"
    return None


def no_first_secretary_in_post(p: Proposal) -> str | None:
    current = p.facts.get("first_secretary")
    if current is not None:
        return f"第一书记 {current.name} 仍在任（{current.since} 起），请先用 recall-secretary 召回"
    return None


def first_secretary_in_post(p: Proposal) -> str | None:
    return None if p.facts.get("first_secretary") is not None else "没有在任的第一书记"


def recall_valid(p: Proposal) -> str | None:
    from rectify.states.tracks import RECALL_REASONS

    if p.get("reason") not in RECALL_REASONS:
        return f"召回原因应为 {'、'.join(RECALL_REASONS)} 之一"
    current, on = p.facts.get("first_secretary"), p.get("on")
    if current is not None and on is not None and on < current.since:
        return f"召回日期 {on} 早于第一书记 {current.name} 的任职日期 {current.since}"
    return _not_future(on, p, "召回日期")


def new_term_valid(p: Proposal) -> str | None:
    """A term is extended to a later day than it ends now, and not before the day of the extension."""
    current, until, on = p.facts.get("first_secretary"), p.get("term_until"), p.get("on")
    if until is None:
        return "缺少延长后的任期截止日期（--term-until）"
    if current is not None and current.term_until is not None and until <= current.term_until:
        return f"延长后的任期截止 {until} 应晚于现在的任期截止 {current.term_until}"
    if on is not None and until < on:
        return f"延长后的任期截止 {until} 早于延期日期 {on}"
    return _not_future(on, p, "延期日期")


def village_secretary_valid(p: Proposal) -> str | None:
    from rectify.states.tracks import VILLAGE_ACTIONS

    missing = [label for key, label in (("name", "村党组织书记姓名"), ("since", "任职日期"), ("source", "来源"))
               if _blank(p.get(key))]
    if p.get("action") not in VILLAGE_ACTIONS:
        missing.append(f"方式（{'/'.join(VILLAGE_ACTIONS)}）")
    if missing:
        return "缺少" + "、".join(missing)
    since = p.get("since")
    if since < p.facts["identified_on"]:
        return f"选配/调整日期 {since} 不得早于确定日期 {p.facts['identified_on']}"
    return _not_future(since, p, "任职日期")


def work_team_change_valid(p: Proposal) -> str | None:
    name, on = p.get("name"), p.get("on")
    if _blank(name) or on is None:
        return "缺少驻村工作队员姓名或日期"
    members = p.facts.get("work_team", {})
    if p.get("remove"):
        member = members.get(name)
        if member is None:
            return f"{name} 不是在任的驻村工作队员"
        if on < member.since:
            return f"离队日期 {on} 早于 {name} 的到任日期 {member.since}"
    else:
        if _blank(p.get("unit")):
            return "缺少驻村工作队员的派出单位"
        if name in members:
            return f"{name} 已是在任的驻村工作队员"
    return _not_future(on, p, "日期")


def new_deadline_after_verification(p: Proposal) -> str | None:
    new, on = p.get("deadline"), p.get("on")
    if new is not None and on is not None and new <= on:
        return f"新的转化时限 {new} 必须晚于验收日期 {on}"
    return None


def has_findings(p: Proposal) -> str | None:
    return "缺少验收发现的问题（--finding）" if not [f for f in p.get("findings") or [] if not _blank(f)] else None


def _not_future(day: date | None, p: Proposal, label: str) -> str | None:
    today = p.facts.get("today")
    if day is not None and today is not None and day > today:
        return f"{label} {day} 晚于今天 {today}"
    return None


def measure_exists(p: Proposal) -> str | None:
    return None if p.facts.get("measure") is not None else f"没有第{p.get('measure_no')}项整顿措施"


def measure_open(p: Proposal) -> str | None:
    m = p.facts.get("measure")
    if m is not None and m["done_on"] is not None:
        return f"第{p.get('measure_no')}项整顿措施已于 {m['done_on']} 完成，不能重复完成"
    return None


def event_date_valid(p: Proposal) -> str | None:
    on = p.get("on")
    if on is None:
        return "缺少日期"
    if on < p.facts["identified_on"]:
        return f"日期 {on} 不得早于确定日期 {p.facts['identified_on']}"
    return _not_future(on, p, "日期")


def after_rectification(p: Proposal) -> str | None:
    on, rectified_on = p.get("on"), p.facts.get("rectified_on")
    if on is not None and rectified_on is not None and on < rectified_on:
        return f"验收日期 {on} 不得早于整改完成日期 {rectified_on}"
    return None


def all_measures_done(p: Proposal) -> str | None:
    open_count = p.facts.get("measures_open", 0)
    return f"还有 {open_count} 项整顿措施未完成" if open_count else None


def has_self_check(p: Proposal) -> str | None:
    return "缺少乡镇初验意见（--opinion）" if _blank(p.get("self_check")) else None


# -- 验收 → 公示 → 销号 (SPEC §3 "Inside rectified"); facts: the case's signers, its 公示, a pending objection --


def has_team(p: Proposal) -> str | None:
    return "缺少验收组成员（--member，至少一人）" if not [m for m in p.get("members") or [] if not _blank(m)] else None


def enough_surveyed(p: Proposal) -> str | None:
    least = p.facts.get("min_surveyed", 0)
    counts = [p.get(k) or 0 for k in ("satisfied", "basic", "dissatisfied")]
    if any(c < 0 for c in counts):
        return None  # verification_complete names it
    return f"民主测评 {sum(counts)} 人，少于 {least} 人" if sum(counts) < least else None


def not_in_publicity(p: Proposal) -> str | None:
    """A passed verification waits for its 公示 and 销号; it is not verified again."""
    verified = p.facts.get("publicity_until")
    if verified is not None:
        return f"已于 {p.facts.get('verified_on')} 验收合格，正在公示（至 {verified}），待销号批复"
    return None


def _same_signer(p: Proposal, key: str) -> str | None:
    signer, other = p.facts.get("signer"), p.facts.get(key)
    return other if not _blank(other) and signer == other else None


def verifier_not_applicant(p: Proposal) -> str | None:
    who = _same_signer(p, "applied_by")
    return f"{who} 是申请验收人，不能验收自己申请的整顿对象" if who else None


def applicant_not_on_team(p: Proposal) -> str | None:
    """Separation of duties (issue 26): whoever applied for the verification does not sit on its team."""
    applicant = p.facts.get("applied_by")
    if _blank(applicant) or applicant not in [str(m).strip() for m in p.get("members") or []]:
        return None
    return f"{applicant} 是申请验收人，不能作为验收组成员"


def approver_not_verifier(p: Proposal) -> str | None:
    who = _same_signer(p, "verified_by")
    return f"{who} 是验收人，不能批复自己验收的整顿对象销号" if who else None


def in_publicity(p: Proposal) -> str | None:
    return "尚未验收合格，没有进行中的公示" if p.facts.get("publicity_until") is None else None


def within_publicity(p: Proposal) -> str | None:
    on, start, until = p.get("on"), p.facts.get("verified_on"), p.facts.get("publicity_until")
    if on is None or until is None or start is None:
        return None
    if not start <= on <= until:
        return f"异议日期 {on} 不在公示期（{start} 至 {until}）内"
    return None


def publicity_over(p: Proposal) -> str | None:
    """销号 from the day after the 公示 ends (an objection is still admissible on its last day); with no 公示
    (``publicity_days = 0``) on the verification day."""
    on, until, start = p.get("on"), p.facts.get("publicity_until"), p.facts.get("verified_on")
    if on is None or until is None:
        return None
    if on < until or (on == until and (start is None or until > start)):
        return f"公示期至 {until} 才满，{until + timedelta(days=1)} 起方可销号，{on} 不能销号"
    return None


def no_pending_objection(p: Proposal) -> str | None:
    pending = p.facts.get("objection")
    if pending is not None:
        return f"{pending.raised_on} 登记的公示异议「{pending.text}」尚未处理"
    return None


def objection_pending(p: Proposal) -> str | None:
    return None if p.facts.get("objection") is not None else "没有待处理的公示异议"


def after_objection(p: Proposal) -> str | None:
    pending, on = p.facts.get("objection"), p.get("on")
    if pending is not None and on is not None and on < pending.raised_on:
        return f"处理日期 {on} 早于异议登记日期 {pending.raised_on}"
    return None


def has_objection_text(p: Proposal) -> str | None:
    return "缺少异议内容（--text）" if _blank(p.get("text")) else None


def verification_complete(p: Proposal) -> str | None:
    missing = []
    if _blank(p.get("by")):
        missing.append("缺少验收人")
    score = p.get("score")
    if score is None:
        missing.append("缺少验收得分")
    elif not 0 <= score <= 100:
        missing.append(f"验收得分应在 0–100 之间（现为 {score}）")
    for key, label in (("satisfied", "满意"), ("basic", "基本满意"), ("dissatisfied", "不满意")):
        value = p.get(key)
        if value is None or value < 0:
            missing.append(f"满意度测评{label}人数不能为负")
    if not missing and (p.get("satisfied") + p.get("basic") + p.get("dissatisfied")) == 0:
        missing.append("满意度测评人数不能全为 0")
    return "；".join(missing) or None


def has_reason(p: Proposal) -> str | None:
    return "缺少原因" if _blank(p.get("reason")) else None


def second_person_valid(p: Proposal) -> str | None:
    """Where the procedure names a second person (an extension's approver, a supervised case's withdrawal),
    the engine looked them up in the registry; this names what is wrong (issue 26)."""
    return p.facts.get("second_person_problem")


def has_approver(p: Proposal) -> str | None:
    return "缺少批准人" if _blank(p.get("approved_by")) else None


def new_deadline_valid(p: Proposal) -> str | None:
    new = p.get("deadline")
    if new is None:
        return None
    if new <= p.facts["identified_on"]:
        return f"新的转化时限 {new} 必须晚于确定日期 {p.facts['identified_on']}"
    return None


def extends_deadline(p: Proposal) -> str | None:
    new, current = p.get("deadline"), p.facts["deadline"]
    if new is not None and new <= current:
        return f"新的转化时限 {new} 应晚于现在的转化时限 {current}（延期只能向后）"
    return None


def measures_fit_new_deadline(p: Proposal) -> str | None:
    new = p.get("deadline")
    latest = p.facts.get("latest_open_measure_due")
    if new is not None and latest is not None and latest > new:
        return f"新的转化时限 {new} 早于未完成整顿措施的完成时限 {latest}"
    return None


def has_note(p: Proposal) -> str | None:
    return "缺少进展情况" if _blank(p.get("note")) else None


def not_supervised(p: Proposal) -> str | None:
    return "已在挂牌督办中" if p.facts.get("supervised") else None


def sign_up_after_strike_off(p: Proposal) -> str | None:
    """After 销号 (or withdrawal) only a sign still up may be taken down."""
    if p.facts.get("supervised"):
        return None
    if p.state in CLOSED_STAGES:
        return "已销号（或撤销）且没有在挂的牌，不能摘牌"
    return "未在挂牌督办中"


def has_supervision_unit(p: Proposal) -> str | None:
    return "缺少督办单位" if _blank(p.get("unit")) else None


def has_supervision_matter(p: Proposal) -> str | None:
    return "缺少督办事项" if _blank(p.get("matter")) else None


def supervision_due_valid(p: Proposal) -> str | None:
    due, on = p.get("due"), p.get("on")
    if due is not None and on is not None and due < on:
        return f"督办时限 {due} 不得早于挂牌日期 {on}"
    return None


def has_inspection(p: Proposal) -> str | None:
    """摘牌 only after an inspection: who inspected and when, on or before the day the sign comes down."""
    missing = [label for key, label in (("inspected_by", "检查人"), ("inspected_on", "检查日期"))
               if _blank(p.get(key))]
    if missing:
        return f"缺少{'、'.join(missing)}：摘牌须在挂牌单位同级检查之后"
    inspected, on, hung = p.get("inspected_on"), p.get("on"), p.facts.get("hung_on")
    if on is not None and inspected > on:
        return f"检查日期 {inspected} 晚于摘牌日期 {on}"
    if hung is not None and inspected < hung:
        return f"检查日期 {inspected} 早于挂牌日期 {hung}"
    return None


def _sign_matters(matter: str) -> list[str]:
    """The 督办事项 of a sign: its matter text, one item per line or per "；"."""
    import re

    return [m.strip() for m in re.split(r"[；;\n]+", matter or "") if m.strip()]


def matters_answered(p: Proposal) -> str | None:
    """摘牌 only when every 督办事项 is answered — an inspection finding recorded for each (``--finding``, in the
    matters' order), or every measure of the case done — and the case is not red; else what is open."""
    if not p.facts.get("supervised") or p.facts.get("sign_matter") is None:
        return None
    open_parts = []
    if p.facts.get("red_reason"):
        open_parts.append(f"整顿对象亮红灯（{p.facts['red_reason']}）")
    matters = _sign_matters(p.facts["sign_matter"])
    findings = [f for f in p.get("findings") or [] if not _blank(f)]
    measures = p.facts.get("open_measures") or []
    if measures and len(findings) < len(matters):
        unanswered = "、".join(f"「{m}」" for m in matters[len(findings):])
        numbers = "、".join(str(seq) for seq, _ in measures)
        open_parts.append(f"督办事项{unanswered}尚无检查结论（--finding），整改措施第{numbers}项未完成")
    return "，".join(open_parts) + "，不能摘牌" if open_parts else None


def inspector_of_sign_level(p: Proposal) -> str | None:
    name = p.get("inspected_by")
    if _blank(name):
        return None
    person = p.facts.get("inspector")
    return inspector_refusal(name, person.role if person is not None else None,
                             person.active if person is not None else True, p.facts.get("supervision_level", ""))


def escalation_in_order(p: Proposal) -> str | None:
    step = p.get("step")
    if _blank(step):
        return "缺少督办升级步骤（督促、约谈或通报）"
    return escalation_refusal(p.facts.get("escalation_step"), step)


def escalation_dates_in_order(p: Proposal) -> str | None:
    """A rung is not dated before the one it follows."""
    on, last = p.get("on"), p.facts.get("last_escalation_on")
    if on is not None and last is not None and on < last:
        return f"督办升级日期 {on} 早于上一步督办（{last}）"
    return None


def withdrawal_approved(p: Proposal) -> str | None:
    """A case under 挂牌督办 leaves the list only by the county's 审批人 or with one named (``--approved-by``);
    a registered signer's duties are checked by ``second_person_valid``, which this does not repeat."""
    if not p.facts.get("supervised") or p.facts.get("signer_is_approver") or p.facts.get("second_person_problem"):
        return None
    return "挂牌督办中的整顿对象出列须经审批人批准（--approved-by）" if _blank(p.get("approved_by")) else None


def has_escalation_note(p: Proposal) -> str | None:
    return "缺少情况说明（--note）" if _blank(p.get("note")) else None


GUARDS: dict[str, Guard] = {
    name: fn for name, fn in globals().items()
    if callable(fn) and getattr(fn, "__module__", None) == __name__ and not name.startswith("_")
    and name not in ("Proposal",)
}
GUARDS.update(LOOK_BACK_GUARDS)  # the 巩固期's look-back guards live beside their rules
