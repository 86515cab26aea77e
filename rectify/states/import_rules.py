"""What an imported row must show for the stage it stands in (SPEC §7): the CLI's guards, read off a sheet row.

A case arrives by import in some stage without having made the moves that lead there. The row is held to
the guards of those moves (``PATH``, from ``identified`` on, as ``transitions`` states them), run on one
:class:`Proposal` built from the row. A sheet holds counts and names rather than each move's inputs
("2/3" measures, no survey counts), so ``ROW_RULES`` says, move by move, which guard a row answers, in
which column, and how the refusal reads; ``NOT_FROM_ROWS`` names the guards a row is not held to here,
and why. ``shows`` is the evidence that lets a row without a stage column stand in a later stage.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from rectify.config import VerificationConfig
from rectify.states.guards import GUARDS, Guard, Proposal
from rectify.states.stages import Stage
from rectify.states.thresholds import score_passes
from rectify.states.transitions import BY_TRIGGER

# The moves that take a case from identified to each stage of the plain path, in order.
# (A verification inside rectified, then the strike-off: a sheet row shows the two as one, 已验收销号.)
PATH: tuple[str, ...] = ("plan", "assign_secretary", "mark_rectified", "strike_off")


def _path_stages() -> tuple[str, ...]:
    stages: list[str] = [Stage.identified]
    for trigger in PATH:
        spec = BY_TRIGGER[trigger]
        dest = spec.path_dest
        assert stages[-1] in spec.sources and dest is not None, trigger
        stages.append(dest)
    return tuple(stages)


PATH_STAGES: tuple[str, ...] = _path_stages()  # identified, ledger_created, …, verified
RANK: dict[str, int] = {s: i for i, s in enumerate(PATH_STAGES)}  # a stage off the path (withdrawn) has none
MOVES_TO: dict[str, tuple[str, ...]] = {s: PATH[:i] for i, s in enumerate(PATH_STAGES)}


def has_verification_date(p: Proposal) -> str | None:
    """The row's part of ``event_date_valid`` for ``verify``: the date itself (its order is checked once)."""
    return "缺少验收日期" if p.get("verified_on") is None else None


def has_score(p: Proposal) -> str | None:
    """The row's part of ``verification_complete``: an imported verification may lack the survey counts."""
    return "缺少验收得分" if p.get("score") is None else None


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# A late stage's verification facts (issue 26): an imported verification is held to what the CLI's ``verify``
# and ``strike_off`` need — the team, the score and a survey of at least ``min_surveyed`` people that pass, the
# 公示, the approver (not the verifier), the 文号 — or the row is refused, naming its column.


def has_verifier(p: Proposal) -> str | None:
    return "缺少验收组（验收人）" if _blank(p.get("verifier")) else None


def has_team(p: Proposal) -> str | None:
    return "缺少验收组成员" if not p.get("members") else None


def has_survey(p: Proposal) -> str | None:
    least, surveyed = p.facts.get("min_surveyed", 0), p.get("surveyed") or 0
    return f"民主测评 {surveyed} 人，少于 {least} 人" if surveyed < least or surveyed == 0 else None


def survey_passes(p: Proposal) -> str | None:
    """The score and the survey, judged by [verification]'s thresholds, must pass (合格 or 基本合格)."""
    return p.get("shortfall") or None


def has_publicity(p: Proposal) -> str | None:
    start, until = p.get("publicity_from"), p.get("publicity_until")
    if start is None or until is None:
        return "缺少公示起止日期"
    verified = p.get("verified_on")
    if until < start or (verified is not None and start < verified):
        return f"公示 {start} 至 {until} 应在验收日期之后、起止有序"
    return None


def publicity_before_strike_off(p: Proposal) -> str | None:
    until, on = p.get("publicity_until"), p.get("struck_off_on") or p.get("verified_on")
    if until is None or on is None or on >= until:
        return None
    return f"销号日期 {on} 早于公示期满 {until}"


def has_approver(p: Proposal) -> str | None:
    approver = p.get("approver")
    if _blank(approver):
        return "缺少销号批复人"
    if approver == p.get("verifier") or approver in (p.get("members") or ()):
        return f"{approver} 是验收人，不能批复自己验收的整顿对象销号"
    return None


def has_doc(p: Proposal) -> str | None:
    return "缺少销号文号" if _blank(p.get("doc_no")) else None


ROW_GUARDS: dict[str, Guard] = {
    **GUARDS, "has_verification_date": has_verification_date, "has_score": has_score, "has_verifier": has_verifier,
    "has_team": has_team, "has_survey": has_survey, "survey_passes": survey_passes, "has_publicity": has_publicity,
    "publicity_before_strike_off": publicity_before_strike_off, "has_approver": has_approver, "has_doc": has_doc}


class RowRule(NamedTuple):
    guard: str  # a name in ROW_GUARDS
    column: str  # the import's field key that answers it
    reason: str  # what the row lacks; may name the row's values, e.g. {done}/{total}


ROW_RULES: dict[str, tuple[RowRule, ...]] = {
    "plan": (
        RowRule("has_measures", "measures", "此阶段需要整顿措施（如 0/3）"),
        RowRule("has_county_leader", "county_leader", "此阶段需要县级联系领导"),
        RowRule("has_township_cadre", "township_cadre", "此阶段需要乡镇包村领导"),
    ),
    "assign_secretary": (
        RowRule("has_secretary", "secretary", "此阶段需要第一书记，写成 姓名（派出单位）"),
    ),
    "mark_rectified": (
        RowRule("all_measures_done", "measures", "此阶段整顿措施应全部完成，现为 {done}/{total}"),
    ),
    "strike_off": (
        RowRule("has_verification_date", "verified_on", "已验收销号的整顿对象需要验收日期"),
        RowRule("has_score", "score", "已验收销号的整顿对象需要验收得分"),
        *(RowRule(guard, column, "{why}") for guard, column in (
            ("has_verifier", "verifier"), ("has_team", "verification_team"), ("has_survey", "surveyed"),
            ("survey_passes", "score"), ("has_publicity", "publicity_from"),
            ("publicity_before_strike_off", "struck_off_on"), ("has_approver", "approver"),
            ("has_doc", "strike_off_doc"))),
    ),
}
# A row of 已整改 that carries a passed verification (in 公示) is held to the verification's part of these.
IN_PUBLICITY_RULES: tuple[RowRule, ...] = tuple(
    RowRule(guard, column, "已验收、公示中的整顿对象：{why}") for guard, column in (
        ("has_verifier", "verifier"), ("has_team", "verification_team"), ("has_survey", "surveyed"),
        ("survey_passes", "score"), ("has_publicity", "publicity_from")))

NOT_FROM_ROWS: dict[str, str] = {
    "measures_within_deadline": "imported measures are due on the deadline itself",
    "secretary_since_valid": "every date of a row is checked against its identification date once",
    "has_self_check": "an imported rectification's self-check defaults to 导入",
    "event_date_valid": "every date of a row is checked against its identification date once",
    "verification_complete": "held by has_score, has_verifier, has_team and has_survey, in the row's columns",
    "after_rectification": "not checked on import",
    "measures_name_problems": "a sheet's measures answer the row's problems (存在问题); each is linked to them",
    "plan_covers_problems": "a sheet's measures answer the row's problems (存在问题); each is linked to them",
    "term_valid": "an imported first secretary's term is not on the sheet",
    "no_first_secretary_in_post": "an imported case has no secretary before its row",
    "in_publicity": "a sheet row shows 已验收销号 as one step: the verification and the strike-off together",
    "publicity_over": "held by has_publicity and publicity_before_strike_off (the row's 公示 columns)",
    "no_pending_objection": "a sheet carries no 公示 objections",
    "approver_not_verifier": "held by has_approver: the row's 销号批复人 is neither its verifier nor on the team",
}

_RULES: dict[str, tuple[tuple[Guard, str, str], ...]] = {
    trigger: tuple((ROW_GUARDS[r.guard], r.column, r.reason) for r in rules) for trigger, rules in ROW_RULES.items()
}
# Every rule on the way to each stage, in the order of the moves (a stage off the path needs none).
_CHAIN: dict[str, tuple[tuple[Guard, str, str], ...]] = {
    stage: tuple(rule for trigger in moves for rule in _RULES[trigger]) for stage, moves in MOVES_TO.items()
}


_IN_PUBLICITY = tuple((ROW_GUARDS[r.guard], r.column, r.reason) for r in IN_PUBLICITY_RULES)


def _lacking(p: Proposal, rules: tuple[tuple[Guard, str, str], ...]) -> list[tuple[str, str]]:
    """(column, reason) of each rule the row fails; a reason may name the row's values and the guard's ``{why}``."""
    out = []
    for guard, column, reason in rules:
        why = guard(p)
        if why is not None:
            out.append((column, reason.format_map({**p.inputs, "why": why}) if "{" in reason else reason))
    return out


class RowCheck:
    """Holds imported rows to the rules above: one Proposal for the whole import, refilled row by row.

    ``check(values, total, done)`` takes the row's values as the guards' inputs (the secretary's ``name``,
    ``unit``, ``since``, ``kind``; ``county_leader``, ``township_cadre``; ``rectified_on``, ``verified_on``,
    ``score``, ``struck_off``; ``done`` and ``total`` for the wording) and its measure counts as facts.
    """

    def __init__(self, rules: VerificationConfig) -> None:
        self.rules = rules
        self.proposal = Proposal(Stage.identified, {"measures_total": 0, "measures_open": 0,
                                                    "min_surveyed": rules.min_surveyed}, {})

    def check(self, values: dict[str, Any], total: int, done: int) -> Proposal:
        p = self.proposal
        p.inputs = values
        facts = p.facts
        facts["measures_total"] = total
        facts["measures_open"] = total - done
        return p

    def lacks(self, p: Proposal, stage: str) -> list[tuple[str, str]]:
        """What the row lacks to stand in ``stage``: (column, reason), in the order of the moves."""
        return _lacking(p, _CHAIN.get(stage, ()))

    def lacks_verification(self, p: Proposal) -> list[tuple[str, str]]:
        """What a row of 已整改 carrying a passed verification (in 公示) lacks of the verification's facts."""
        return _lacking(p, _IN_PUBLICITY)

    def furthest(self, p: Proposal) -> str:
        """The furthest stage on the path the row both satisfies (every move up to it) and shows."""
        stage: str = Stage.identified
        for trigger, dest in zip(PATH, PATH_STAGES[1:], strict=True):
            if any(guard(p) is not None for guard, _, _ in _RULES[trigger]):
                break
            if shows(dest, p, self.rules):
                stage = dest
        return stage


def shows(stage: str, p: Proposal, rules: VerificationConfig) -> bool:
    """Whether a row without a stage column shows this step taken: a rectification date, a pass or 销号."""
    if stage == Stage.rectified:
        return p.get("rectified_on") is not None
    if stage == Stage.verified:
        return bool(p.get("struck_off")) or score_passes(p.get("score"), rules)
    return True
