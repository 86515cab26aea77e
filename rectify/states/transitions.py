"""Every move of SPEC §3 as a row: the trigger, where it may start, where it lands, and what it needs.

Read top to bottom this is the workflow diagram. ``dest=None`` is an internal move: the case stays in
its stage but the change is still checked against the stage and recorded in the history.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rectify.states.stages import OPEN_STAGES, Stage

TYPE_CHECKING = False
if TYPE_CHECKING:  # a frozen dataclass to the type checker
    from dataclasses import dataclass
else:  # the same, without loading dataclasses on a read (issue 29)
    from rectify.frozen import dataclass

S = Stage
OPEN = OPEN_STAGES


@dataclass(frozen=True)
class Join:
    """Stage 3 is where two tracks meet (SPEC §3): the 整顿方案 filed and a 第一书记 in post, in either order.

    A move with a join lands on ``dest`` from ``sources`` when the case has the other half (the proposal's fact
    ``fact``; empty: from these sources it always has it), otherwise it makes its own move (its ``dest``, or
    none). The case reaches ``dest`` on the later of the two halves' days (the engine's ``joined_on`` fact)."""

    dest: str
    sources: tuple[str, ...]
    fact: str = ""
    label: str = ""  # the diagram's words for the other half


@dataclass(frozen=True)
class TransitionSpec:
    trigger: str
    sources: tuple[str, ...]
    dest: str | None
    guards: tuple[str, ...]
    label: str  # what the officer reads: 无法{label}
    join: Join | None = None

    @property
    def internal(self) -> bool:
        return self.dest is None

    @property
    def path_dest(self) -> str | None:
        """Where the move leads on the plain path: its own landing, else its join's."""
        return self.dest or (self.join.dest if self.join is not None else None)


# The facts a join reads: a 第一书记 in post at the plan (or, under secretary_rule "either", a village secretary
# chosen); the plan filed is a join's source (ledger_created), no fact.
IN_POST_FACT = "secretary_in_post"


TRANSITIONS: tuple[TransitionSpec, ...] = (
    TransitionSpec("plan", (S.identified,), S.ledger_created,
                   ("has_measures", "measures_name_problems", "plan_covers_problems", "measures_within_deadline",
                    "has_county_leader", "has_township_cadre", "event_date_valid"),
                   "建立工作台账", Join(S.secretary_assigned, (S.identified,), IN_POST_FACT, "第一书记已在任")),
    TransitionSpec("revise_plan", (S.ledger_created, S.secretary_assigned), None,
                   ("has_new_measures", "measures_name_problems", "plan_covers_problems", "measures_within_deadline",
                    "has_county_leader", "has_township_cadre", "event_date_valid"),
                   "修订工作台账"),
    # From 列入整顿 on (先定村再定人, 因村派人): before the plan the case stays where it is; with the plan filed
    # it moves to stage 3.
    TransitionSpec("assign_secretary", (S.identified, S.ledger_created), None,
                   ("has_secretary", "secretary_since_valid", "term_valid", "no_first_secretary_in_post"),
                   "选派第一书记", Join(S.secretary_assigned, (S.ledger_created,))),
    TransitionSpec("village_secretary_assigned", (S.ledger_created,), S.secretary_assigned,
                   ("village_secretary_valid",),
                   "选配/调整村党组织书记"),
    TransitionSpec("complete_measure", (S.ledger_created, S.secretary_assigned), None,
                   ("measure_exists", "measure_open", "event_date_valid"),
                   "完成整顿措施"),
    TransitionSpec("mark_rectified", (S.secretary_assigned,), S.rectified,
                   ("all_measures_done", "has_self_check", "event_date_valid"),
                   "确认整改完成"),
    # Inside rectified (SPEC §3): the inspection, its 公示 with any objection, then the county's 销号批复.
    TransitionSpec("verify", (S.rectified,), None,
                   ("verification_complete", "has_team", "enough_surveyed", "event_date_valid", "after_rectification",
                    "not_in_publicity", "verifier_not_applicant", "applicant_not_on_team"),
                   "验收"),
    TransitionSpec("fail_verification", (S.rectified,), S.secretary_assigned,
                   ("verification_complete", "has_team", "enough_surveyed", "event_date_valid", "after_rectification",
                    "not_in_publicity", "verifier_not_applicant", "applicant_not_on_team", "has_reason",
                    "new_deadline_after_verification",
                    "has_findings", "has_new_measures", "measures_name_problems", "measures_within_deadline"),
                   "验收（未通过）"),
    TransitionSpec("objection", (S.rectified,), None,
                   ("in_publicity", "no_pending_objection", "has_objection_text", "event_date_valid",
                    "within_publicity"),
                   "登记公示异议"),
    TransitionSpec("dismiss_objection", (S.rectified,), None,
                   ("objection_pending", "has_note", "event_date_valid", "after_objection"),
                   "处理公示异议（不予采纳）"),
    TransitionSpec("uphold_objection", (S.rectified,), S.secretary_assigned,
                   ("objection_pending", "event_date_valid", "after_objection", "new_deadline_after_verification",
                    "has_findings", "has_new_measures", "measures_name_problems", "measures_within_deadline"),
                   "采纳公示异议（验收不通过）"),
    TransitionSpec("strike_off", (S.rectified,), S.verified,
                   ("in_publicity", "event_date_valid", "publicity_over", "no_pending_objection",
                    "approver_not_verifier"),
                   "销号"),
    TransitionSpec("withdraw", (S.identified, S.ledger_created), S.withdrawn,
                   ("has_reason", "event_date_valid", "second_person_valid", "withdrawal_approved"),
                   "复核误判出列"),
    TransitionSpec("replace_secretary", (S.secretary_assigned, S.rectified, S.verified), None,
                   ("has_secretary", "secretary_since_valid", "term_valid", "no_first_secretary_in_post"),
                   "选派第一书记"),
    TransitionSpec("recall_secretary", (*OPEN, S.verified), None,
                   ("first_secretary_in_post", "recall_valid"),
                   "召回第一书记"),
    # 延期 of a term ending before the 转化时限 (the task 第一书记延期或轮换, states/tasks.py); 轮换 is a recall and
    # a new dispatch.
    TransitionSpec("extend_term", (*OPEN, S.verified), None,
                   ("first_secretary_in_post", "new_term_valid"),
                   "延长第一书记任期"),
    TransitionSpec("village_secretary", (*OPEN, S.verified), None,
                   ("village_secretary_valid",),
                   "选配/调整村党组织书记"),
    TransitionSpec("work_team", (*OPEN, S.verified), None,
                   ("work_team_change_valid",),
                   "调整驻村工作队"),
    TransitionSpec("extend", OPEN, None,
                   ("has_reason", "has_approver", "second_person_valid", "new_deadline_valid", "extends_deadline",
                    "measures_fit_new_deadline", "event_date_valid"),
                   "延长转化时限"),
    TransitionSpec("report_progress", OPEN, None,
                   ("has_note", "event_date_valid"),
                   "填报月度进展"),
    TransitionSpec("supervise", OPEN, None,
                   ("not_supervised", "has_supervision_unit", "has_supervision_matter", "event_date_valid",
                    "supervision_due_valid", "escalation_dates_in_order"),
                   "挂牌督办"),
    TransitionSpec("unsupervise", (*OPEN, S.verified, S.withdrawn), None,
                   ("sign_up_after_strike_off", "has_inspection", "inspector_of_sign_level", "has_reason",
                    "event_date_valid", "matters_answered"),
                   "摘牌"),
    TransitionSpec("look_back", (S.verified,), None,
                   ("look_back_date_valid", "look_back_due", "has_look_back_result", "has_look_back_note",
                    "relapse_has_problems"),
                   "回头看"),
    TransitionSpec("escalate", OPEN, None,
                   ("escalation_in_order", "has_escalation_note", "event_date_valid", "escalation_dates_in_order"),
                   "督办升级"),
)

BY_TRIGGER: dict[str, TransitionSpec] = {t.trigger: t for t in TRANSITIONS}
JOINS: dict[str, Join] = {t.trigger: t.join for t in TRANSITIONS if t.join is not None}


def lands(trigger: str, source: str, facts: Mapping[str, Any], otherwise: str | None = None) -> str | None:
    """Where a move of ``trigger`` from ``source`` lands given the case's ``facts``: a join's landing, else its own
    ``dest`` (None: it stays); ``otherwise`` from a stage it does not start from. The rebuild of a past day
    (reports/snapshot.py) folds a join's events by this: whatever the stage was when each half was entered (a
    late entry dates them apart), the plan and the 第一书记 meet on the day as folded."""
    spec = BY_TRIGGER[trigger]
    join = spec.join
    if source not in spec.sources:
        return otherwise
    if join is not None and source in join.sources and (not join.fact or facts.get(join.fact)):
        return join.dest
    return spec.dest

# Actions recorded in the history that are not moves of the machine: a case is opened, or imported.
OPEN_ACTION = "open"
IMPORT_ACTION = "import"
WITHDRAW_FILE_ACTION = "withdraw_file"  # 撤回佐证材料 (SPEC §14): the file's row names this event; the bytes stay
# What the history calls each action.
ACTION_LABELS: dict[str, str] = {
    OPEN_ACTION: "列入整顿",
    IMPORT_ACTION: "导入",
    WITHDRAW_FILE_ACTION: "撤回佐证材料",
    **{t.trigger: t.label for t in TRANSITIONS},
    "reopen": "回头看重新整顿",  # no longer taken (a relapse is a new listing); old histories still name it
}
