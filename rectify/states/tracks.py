"""The two leadership tracks and the work team (SPEC §2, §3 stage 3) as data, and which step each takes.

A first secretary (第一书记) is dispatched by a unit for a term; the organization's own village
secretary is chosen or replaced (选配/调整) on a separate track; neither ends the other's term.
"""

from __future__ import annotations

from datetime import date

from rectify.states.stages import FIRST_SECRETARY, VILLAGE_SECRETARY, Stage

# Why a first secretary's term ends (SPEC §3 side records).
RECALL_REASONS: tuple[str, ...] = ("不胜任", "期满轮换", "工作需要", "其他")
# What was done on the village-secretary track.
VILLAGE_ACTIONS: tuple[str, ...] = ("选配", "调整")
# The village secretary's state at listing (统计表: 年初缺配 / 年初需调整), code → 中文.
VILLAGE_STATUS: dict[str, str] = {"missing": "缺配", "adjust": "需调整"}
VILLAGE_STATUS_WORDS: dict[str, str] = {**{k: k for k in VILLAGE_STATUS}, **{v: k for k, v in VILLAGE_STATUS.items()}}
# [policy] secretary_rule: which track satisfies stage 3.
SECRETARY_RULES: tuple[str, ...] = ("first_secretary", "either")
PREEXISTING_LABEL = "原已驻村"


def join_kinds(rule: str) -> tuple[str, ...]:
    """The tracks whose person in post makes stage 3 with the plan filed: the 第一书记, and under
    ``secretary_rule = "either"`` a 选配/调整 village secretary too."""
    return (FIRST_SECRETARY, VILLAGE_SECRETARY) if rule == "either" else (FIRST_SECRETARY,)


def joined_on(terms: list[tuple[date, date | None]], cycle_start: date, plan_on: date) -> date | None:
    """The day a case planned on ``plan_on`` reaches stage 3 (SPEC §3, in either order): the first day, from the
    plan's on, that someone of ``terms`` ((since, until) on the join's tracks) is in post; None if no one is.

    A term is counted from the listing at the earliest (原已驻村 since before it), as its step is dated."""
    starts = [(max(since, cycle_start, plan_on), until) for since, until in terms]
    days = [start for start, until in starts if until is None or until > start]
    return min(days) if days else None


def first_secretary_trigger(stage: str) -> str:
    """Dispatching a first secretary from 列入整顿 on: before the plan it waits for it, with the plan filed it moves
    the case to stage 3 (the join of states/transitions.py); later it is a new term beside the stage."""
    return "assign_secretary" if stage in (Stage.identified, Stage.ledger_created) else "replace_secretary"


def village_secretary_trigger(stage: str, rule: str) -> str:
    """Under ``secretary_rule = "either"`` a 选配/调整 village secretary also takes a planned case to stage 3."""
    return "village_secretary_assigned" if rule == "either" and stage == Stage.ledger_created \
        else "village_secretary"


def default_term_until(since: date, years: int) -> date:
    """A first secretary's term: ``years`` from the day in post (29 February lands on 28 February)."""
    try:
        return since.replace(year=since.year + years)
    except ValueError:
        return since.replace(year=since.year + years, day=28)


# A measure that chooses the organization's secretary (一村一策 often records it so): "…选配村党组织书记",
# "调整不胜任的村党组织书记". The form's 本年度已选配/已调整 count it when no 选配/调整 was recorded on the track.
SECRETARY_WORD = "书记"
MEASURE_ACTION_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("调整", ("调整", "撤换", "更换")),
    ("选配", ("选配", "选优配强", "配强", "选派", "选任")),
)


def measure_secretary_action(text: str) -> str | None:
    """选配 or 调整 when a measure's text chooses the organization's secretary, else None (调整 first)."""
    if SECRETARY_WORD not in text or "第一书记" in text:
        return None
    for action, words in MEASURE_ACTION_WORDS:
        if any(w in text for w in words):
            return action
    return None
