"""Every step a person takes on a case, as data: its name (the CLI's command and the web's route), the moves
of the machine it may make, its inputs (name, kind, label, required, help, choices) and which input each
guard speaks of.

The CLI's options are checked against these declarations by a test; the web generates its forms from them;
:func:`available_steps` answers "what may this person press on this case now, and why not the others" from
the same rows the engine checks (:mod:`rectify.states.permissions`, :mod:`rectify.states.transitions`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from rectify.states.consolidation import RESULT_LABELS
from rectify.states.escalation import STEP_LABELS
from rectify.states.permissions import Actor, role_refusal, scope_refusal
from rectify.states.roles import LEVEL_NAMES
from rectify.states.stages import STAGE_LABELS
from rectify.states.tracks import RECALL_REASONS, VILLAGE_ACTIONS
from rectify.states.transitions import BY_TRIGGER

# The kinds of input a step declares; a face turns each into an option or a form field.
DATE, TEXT, LONGTEXT, INTEGER, CHOICE, PERSON, PROBLEMS, MEASURES, SCORES, FLAG, FILE = (
    "date", "text", "longtext", "integer", "choice", "person", "problems", "measures", "scores", "flag", "file")
KINDS = (DATE, TEXT, LONGTEXT, INTEGER, CHOICE, PERSON, PROBLEMS, MEASURES, SCORES, FLAG, FILE)


@dataclass(frozen=True)
class Input:
    name: str
    kind: str
    label: str
    required: bool = False
    help: str = ""
    choices: tuple[tuple[str, str], ...] = ()  # (value, label)
    multiple: bool = False


@dataclass(frozen=True)
class Step:
    name: str  # the CLI command (rectify case NAME) and the web route (/cases/{id}/steps/NAME)
    label: str
    triggers: tuple[str, ...]  # the machine's moves this step may make (the first is the usual one)
    inputs: tuple[Input, ...]
    fields: Mapping[str, str | None]  # guard → the input it speaks of (guards absent here: the step as a whole)
    phone: bool = False  # a township or first-secretary step: reachable in two taps from 我的待办
    # Facts-only preconditions: given the case as shown, why the step cannot be taken now (None: it can).
    precondition: Callable[[Mapping[str, Any]], str | None] | None = None

    def input(self, name: str) -> Input:
        return next(i for i in self.inputs if i.name == name)


def _i(name: str, kind: str, label: str, required: bool = False, help: str = "", choices: Any = (),
       multiple: bool = False) -> Input:
    pairs = tuple(choices.items()) if isinstance(choices, Mapping) else tuple((c, c) for c in choices)
    return Input(name, kind, label, required, help, pairs, multiple)


MEASURE_FORMAT = '"P01,P03|内容|责任人|YYYY-MM-DD"'  # how one measure is written, on the CLI and in a form
ON = _i("on", DATE, "日期", True, "事情发生的日期（业务日期）")
PLAN_DAY = _i("on", DATE, "方案确定日期", help="业务日期，默认今天")
MEASURE_LINES = _i("measures", MEASURES, "整改措施", False,
                   "每行一项：问题代码|内容|责任人|完成时限，如 P01,P03|配齐村两委班子|王建国（河口镇党委）|2026-06-30",
                   multiple=True)
EMAILS = _i("emails", TEXT, "邮箱", False, "责任人姓名=邮箱 或 角色=邮箱（officer、county_leader、township_cadre）",
            multiple=True)
# 佐证材料 (SPEC §14): several files, each with a caption that may start with its kind (会议纪要：…).
FILES = _i("files", FILE, "佐证材料", False,
           "照片、会议纪要、整改报告、评分表、测评表、批复等；每个文件一行说明，可以类别开头，"
           "如 会议纪要：6月支委会记录",
           multiple=True)
FINDINGS = _i("findings", LONGTEXT, "验收发现的问题", False, "每行一条", multiple=True)
NEW_DEADLINE = _i("deadline", DATE, "新的转化时限")

# Guards that name one input in every step that has them.
_COMMON_FIELDS: dict[str, str] = {
    "event_date_valid": "on", "has_note": "note", "has_reason": "reason", "has_measures": "measures",
    "has_new_measures": "measures", "measures_name_problems": "measures", "plan_covers_problems": "measures",
    "measures_within_deadline": "measures", "has_findings": "findings",
    "new_deadline_after_verification": "deadline", "after_rectification": "on", "within_publicity": "on",
    "publicity_over": "on", "after_objection": "on", "escalation_dates_in_order": "on",
}


def _fields(**extra: str | None) -> dict[str, str | None]:
    return {**_COMMON_FIELDS, **extra}


def _open_measures(case: Mapping[str, Any]) -> str | None:
    return None if case.get("measures_total", 0) > case.get("measures_done", 0) else "没有未完成的整顿措施"


def _applicable(case: Mapping[str, Any]) -> str | None:
    open_count = case.get("measures_total", 0) - case.get("measures_done", 0)
    return f"还有 {open_count} 项整顿措施未完成" if open_count > 0 else None


def _verifiable(case: Mapping[str, Any]) -> str | None:
    if case.get("publicity_until"):
        return f"已验收合格，正在公示（至 {case['publicity_until']}）"
    return None


def _in_publicity(case: Mapping[str, Any]) -> str | None:
    return None if case.get("publicity_until") else "尚未验收合格，没有进行中的公示"


def _first_secretary(case: Mapping[str, Any]) -> str | None:
    from rectify.states.stages import FIRST_SECRETARY

    in_post = [s for s in case.get("secretaries", ()) if s.get("kind") == FIRST_SECRETARY and not s.get("until")]
    return None if in_post else "没有在任的第一书记"


def _supervised(case: Mapping[str, Any]) -> str | None:
    return None if case.get("supervised") else "未挂牌督办"


def _not_supervised(case: Mapping[str, Any]) -> str | None:
    return "已在挂牌督办中" if case.get("supervised") else None


VILLAGE_STATUS = {"缺配": "缺配", "需调整": "需调整"}  # at listing; omitted when the secretary is in post and fit
OBJECTION_DECISIONS = {"": "登记异议", "dismissed": "不予采纳", "upheld": "采纳（验收不通过）"}

STEPS_LIST: tuple[Step, ...] = (
    Step("progress", "填报月度进展", ("report_progress",),
         (ON, _i("note", LONGTEXT, "进展情况", True, "本月开展的工作、取得的进展"), FILES),
         _fields(), phone=True),
    Step("measure-done", "完成整顿措施", ("complete_measure",),
         (_i("number", INTEGER, "措施序号", True, "整顿措施的序号（第几项）"), ON, FILES),
         _fields(measure_exists="number", measure_open="number"), phone=True, precondition=_open_measures),
    Step("rectified", "申请验收", ("mark_rectified",),
         (ON, _i("opinion", LONGTEXT, "乡镇初验意见", True, "乡镇党委逐项初验的意见"), FILES),
         _fields(has_self_check="opinion"), phone=True, precondition=_applicable),
    Step("plan", "建立工作台账（整顿方案）", ("plan", "revise_plan"),
         (PLAN_DAY, MEASURE_LINES, _i("county_leader", PERSON, "县级联系领导"),
          _i("township_leader", PERSON, "乡镇包村领导", help="乡镇党委班子成员"),
          _i("township_cadre", PERSON, "包村干部", help="乡镇包村领导之外的第二人（可不填）"),
          _i("helping_unit", TEXT, "结对帮扶单位"), EMAILS, FILES),
         _fields(has_county_leader="county_leader", has_township_cadre="township_leader")),
    Step("revise-plan", "修订整顿方案", ("revise_plan",), (PLAN_DAY, MEASURE_LINES, EMAILS), _fields()),
    Step("assign-secretary", "选派第一书记", ("assign_secretary", "replace_secretary"),
         (_i("name", PERSON, "第一书记姓名", True), _i("unit", TEXT, "派出单位", help="默认为结对帮扶单位"),
          _i("since", DATE, "到任日期", True), _i("term_until", DATE, "任期至", help="默认按任期年限推算"),
          _i("email", TEXT, "邮箱"), _i("phone", TEXT, "电话")),
         {"has_secretary": "name", "secretary_since_valid": "since", "term_valid": "term_until",
          "no_first_secretary_in_post": None}),
    Step("recall-secretary", "召回第一书记", ("recall_secretary",),
         (ON, _i("reason", CHOICE, "召回原因", True, choices=RECALL_REASONS), _i("note", TEXT, "说明")),
         {"recall_valid": "on"}, precondition=_first_secretary),
    Step("secretary-term", "延长第一书记任期", ("extend_term",),
         (ON, _i("term_until", DATE, "任期延至", True), _i("note", TEXT, "说明")),
         {"new_term_valid": "term_until"}, precondition=_first_secretary),
    Step("village-secretary", "选配/调整村党组织书记", ("village_secretary", "village_secretary_assigned"),
         (_i("name", PERSON, "村党组织书记姓名", True), _i("since", DATE, "任职日期", True),
          _i("action", CHOICE, "方式", True, choices=VILLAGE_ACTIONS), _i("source", TEXT, "人选来源"),
          _i("email", TEXT, "邮箱"), _i("phone", TEXT, "电话")),
         {"village_secretary_valid": "name"}),
    Step("work-team", "调整驻村工作队", ("work_team",),
         (_i("add", PERSON, "到任队员"), _i("unit", TEXT, "队员单位"), _i("since", DATE, "到任日期"),
          _i("remove", PERSON, "离队队员"), _i("on", DATE, "离队日期")),
         {"work_team_change_valid": "add"}),
    Step("verify", "验收", ("verify", "fail_verification"),
         (ON, _i("by", TEXT, "验收组"), _i("members", PERSON, "验收组成员", True, multiple=True),
          _i("items", SCORES, "评分", help="每项：项目=分数，如 班子=16", multiple=True),
          _i("score", INTEGER, "总分", help="不逐项评分时填写"),
          _i("satisfied", INTEGER, "满意人数", True), _i("dissatisfied", INTEGER, "不满意人数", True),
          _i("basic", INTEGER, "基本满意人数"), NEW_DEADLINE, FINDINGS, MEASURE_LINES, EMAILS, FILES),
         _fields(verification_complete="items", has_team="members", enough_surveyed="satisfied",
                 not_in_publicity=None, verifier_not_applicant="members", has_reason="findings"),
         precondition=_verifiable),
    Step("objection", "公示异议", ("objection", "dismiss_objection", "uphold_objection"),
         (ON, _i("text", LONGTEXT, "异议内容"),
          _i("decision", CHOICE, "处理", choices=OBJECTION_DECISIONS),
          _i("note", LONGTEXT, "处理说明"), NEW_DEADLINE, FINDINGS, MEASURE_LINES, EMAILS, FILES),
         _fields(has_objection_text="text", in_publicity=None, no_pending_objection=None, objection_pending=None),
         precondition=_in_publicity),
    Step("strike-off", "销号批复", ("strike_off",),
         (ON, _i("doc_no", TEXT, "批复文号", help="如 青组字〔2026〕31号"), FILES),
         _fields(approver_not_verifier=None), precondition=_in_publicity),
    Step("withdraw", "复核误判出列", ("withdraw",),
         (_i("on", DATE, "出列日期", help="默认今天"), _i("reason", LONGTEXT, "出列原因", True),
          _i("approved_by", PERSON, "批准人", help="挂牌督办中的整顿对象须由审批人（市级挂牌：市委组织部督导）批准")),
         _fields(withdrawal_approved="approved_by")),
    Step("extend", "延长转化时限", ("extend",),
         (_i("to", DATE, "新的转化时限", True), _i("reason", LONGTEXT, "延期原因", True),
          _i("approved_by", PERSON, "批准人", True), _i("on", DATE, "批准日期", help="默认今天")),
         _fields(has_approver="approved_by", new_deadline_valid="to", extends_deadline="to",
                 measures_fit_new_deadline="to")),
    Step("supervise", "挂牌督办", ("supervise",),
         (_i("level", CHOICE, "挂牌层级", choices=LEVEL_NAMES), _i("unit", TEXT, "挂牌单位"),
          _i("matter", LONGTEXT, "督办事项"), _i("due", DATE, "办结时限"), _i("on", DATE, "挂牌日期"),
          _i("reason", LONGTEXT, "督办事项（旧名）", help="同「督办事项」")),
         {"has_supervision_unit": "unit", "has_supervision_matter": "matter", "supervision_due_valid": "due",
          "event_date_valid": "on", "not_supervised": None}, precondition=_not_supervised),
    Step("unsupervise", "摘牌", ("unsupervise",),
         (_i("on", DATE, "摘牌日期"), _i("inspected_by", PERSON, "检查人"), _i("inspected_on", DATE, "检查日期"),
          _i("reason", LONGTEXT, "摘牌理由", True),
          _i("findings", LONGTEXT, "检查结论", help="每个督办事项一行，依次填写；措施都已完成时可不填", multiple=True),
          FILES),
         _fields(has_inspection="inspected_on", inspector_of_sign_level="inspected_by",
                 sign_up_after_strike_off=None, matters_answered="findings"), precondition=_supervised),
    Step("look-back", "回头看", ("look_back",),
         (ON, _i("result", CHOICE, "结果", True, choices=RESULT_LABELS), _i("note", LONGTEXT, "情况说明"),
          _i("problems", PROBLEMS, "反弹的问题", help="反弹时填写：P01…P10", multiple=True), NEW_DEADLINE, FILES),
         _fields(look_back_date_valid="on", look_back_due="on", has_look_back_result="result",
                 has_look_back_note="note", relapse_has_problems="problems")),
    Step("escalate", "督办升级", ("escalate",),
         (_i("step", CHOICE, "升级措施", True, choices=STEP_LABELS), _i("on", DATE, "日期"),
          _i("note", LONGTEXT, "情况说明", True)),
         {"escalation_in_order": "step", "has_escalation_note": "note", "event_date_valid": "on"},
         precondition=_supervised),
)

STEPS: dict[str, Step] = {s.name: s for s in STEPS_LIST}

# 列入整顿 starts a case from an organization, so it is no step on a case (available_steps leaves it out):
# the CLI's ``case open ORG`` and the web's ``/orgs/{code}/open`` take these inputs.
LISTING_DAY = "identified"  # the open step's input holding the 确定日期 (the CLI's --identified)
OPEN_STEP = Step("open", "列入整顿", ("open",),
                 (_i("problems", PROBLEMS, "软弱涣散情形", True, "每行一项：代码:具体表现，如 P01:书记空缺半年",
                     multiple=True),
                  _i("detail", LONGTEXT, "主要问题"), _i("identified", DATE, "确定日期", True),
                  _i("deadline", DATE, "转化时限", help="默认按政策（年底或 180 天后）"),
                  _i("officer", PERSON, "县委组织部经办人"), _i("officer_email", TEXT, "经办人邮箱"),
                  _i("village_secretary", CHOICE, "村党组织书记状况", choices=VILLAGE_STATUS)),
                 {})
# The step each of the machine's moves belongs to (a move may serve only one step).
STEP_OF_TRIGGER: dict[str, str] = {}
for _step in STEPS_LIST:
    for _t in _step.triggers:
        STEP_OF_TRIGGER.setdefault(_t, _step.name)


def field_of(trigger: str, guard: str) -> str | None:
    """The input a failed guard of ``trigger`` speaks of (None: the step as a whole)."""
    step = STEPS.get(STEP_OF_TRIGGER.get(trigger, ""))
    return step.fields.get(guard) if step is not None else None


@dataclass(frozen=True)
class Availability:
    step: Step
    allowed: bool
    code: str = ""  # role, scope, stage, or precondition — why not
    reason: str = ""


def availability(person: Actor, step: Step, case: Mapping[str, Any]) -> Availability:
    """Whether ``person`` may take ``step`` on ``case`` (a case as :func:`rectify.reports.cases.show_case`
    gives it) now, and if not, why: the role, the scope, the stage, then the step's own precondition."""
    place = case.get("organization", {})
    roles = [role_refusal(person, t, BY_TRIGGER[t].label) for t in step.triggers]
    if all(roles):
        return Availability(step, False, "role", roles[0] or "")
    scope = scope_refusal(person, place.get("county", ""), place.get("township", ""))
    if scope:
        return Availability(step, False, "scope", scope)
    stage = case.get("stage", "")
    if not any(stage in BY_TRIGGER[t].sources for t, r in zip(step.triggers, roles, strict=True) if r is None):
        label = STAGE_LABELS.get(stage, stage)
        return Availability(step, False, "stage", f"整顿对象处于「{label}」阶段，不能{step.label}")
    why = step.precondition(case) if step.precondition is not None else None
    if why:
        return Availability(step, False, "precondition", why)
    return Availability(step, True)


def available_steps(person: Actor, case: Mapping[str, Any]) -> list[Availability]:
    """Every declared step with whether ``person`` may take it on ``case`` now, in declaration order."""
    return [availability(person, step, case) for step in STEPS_LIST]


# The steps that do each task of the ledger's 当前待办 (rectify.states.tasks): a person's 我的待办 holds the
# cases whose task they may act on.
TASK_STEPS: dict[str, tuple[str, ...]] = {
    "plan": ("plan",), "assign_secretary": ("assign-secretary",), "apply": ("rectified", "measure-done", "progress"),
    "verify": ("verify",), "strike_off": ("strike-off",),
    "secretary_term": ("secretary-term", "recall-secretary"), "secretary_vacant": ("assign-secretary",),
}


def acts_on(person: Actor, task: str) -> bool:
    """Whether ``person``'s role takes one of the steps that do ``task``."""
    from rectify.states.permissions import may

    return any(may(t, person.role) for name in TASK_STEPS.get(task, ()) for t in STEPS[name].triggers)
