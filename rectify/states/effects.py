"""Each action's effect on the case, defined once: what a step changes in the case's fields.

An effect is a pure function of (the case as it stands, the step's inputs, its business date, the policy) →
the fields it changes. The engine's steps (``write/``) call it on the stored row with the inputs they are
about to record, and write what it returns; the as-of rebuild (:mod:`rectify.reports.snapshot`) calls the
same function on its folded state with the inputs the event recorded, so the two cannot drift. An effect
reads its inputs either way: dates as ``date`` (the engine's) or ISO text (the history's JSON).

What stays outside, and why:

- the stage move (``stage``, ``stage_since``, ``stage_due``, ``version``) is the engine's for every step
  alike (``Workflow.run_step``) and the event's own ``to_stage`` on replay;
- who signed (``verified_by``) is the event's actor, not an input: the engine adds it;
- the rows beside the case (measures, progress reports, extensions, signs, secretaries) are written by the
  engine into their own tables and rebuilt by the snapshot as lists; their counts on the case
  (``measures_total``, ``measures_done``, ``last_progress_on``) are effects here. The secretary tracks
  (assign, recall, village secretary, work team) change no case field at all: the engine writes the
  secretary table, the snapshot keeps the same people as its list; ``tests/test_snapshot.py`` and
  ``tests/test_stateful.py`` hold the two equal;
- the listing (``open``) and an imported row create the case rather than change it, and ``reopen`` is
  only replayed (old histories): those are the snapshot's alone.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import date
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from rectify.config import PolicyConfig
from rectify.states import consolidation
from rectify.states.escalation import Step
from rectify.states.thresholds import Grade, satisfaction_rate

__all__ = ["CARRIED_GOOD", "EFFECTS", "NO_INPUTS", "READS_NO_INPUTS", "Effect", "day", "recorded_inputs"]

Effect = Callable[[Any, Mapping[str, Any], date, PolicyConfig], dict[str, Any]]

# The 满意率 at which a verification recorded before 0007 (no 等次 in its inputs) is 合格, as 0007 carried it.
CARRIED_GOOD = 0.8


# ISO text already read, and what it spelled: a history repeats the same few thousand days (the as-of
# rebuild reads every event's); cleared when full, so it stays small.
_DAYS: dict[str, date] = {}
_DAYS_HELD = 50_000


def day(value: Any) -> date | None:
    """A date as the engine holds it or as the history's JSON spells it (ISO text); empty is None."""
    if type(value) is str:
        known = _DAYS.get(value)
        if known is not None:
            return known
        if not value:
            return None
        if len(_DAYS) >= _DAYS_HELD:
            _DAYS.clear()
        known = _DAYS[value] = date.fromisoformat(value[:10])
        return known
    if value is None or value == "":
        return None
    return value if isinstance(value, date) else date.fromisoformat(value[:10])


# What json.loads ends in (the C scanner), without its two calls and the whitespace matches around it.
_scan: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]


def recorded_inputs(raw: object) -> dict[str, Any]:
    """A step's inputs as the history recorded them (compact JSON text; empty is none): the scanner's value
    when it reads the whole text, else whatever ``json.loads`` makes of it (whitespace around, or its error)."""
    if not raw or not isinstance(raw, str):
        return {}
    try:
        value, end = _scan(raw, 0)
    except StopIteration:
        return json.loads(raw)  # type: ignore[no-any-return]
    return value if end == len(raw) else json.loads(raw)  # type: ignore[no-any-return]


def plan(s: Any, d: Mapping[str, Any], on: date, policy: PolicyConfig) -> dict[str, Any]:
    """整顿方案 (and its revision): the measures counted, the helping unit when one is named."""
    changes: dict[str, Any] = {"measures_total": s.measures_total + len(d.get("measures") or [])}
    if d.get("helping_unit"):
        changes["helping_unit"] = d["helping_unit"]
    return changes


def measure_done(s: Any, d: Mapping[str, Any], on: date, policy: PolicyConfig) -> dict[str, Any]:
    return {"measures_done": s.measures_done + 1}


def progress(s: Any, d: Mapping[str, Any], on: date, policy: PolicyConfig) -> dict[str, Any]:
    """The latest report's day; an earlier report entered late leaves it."""
    last = s.last_progress_on
    return {"last_progress_on": on if last is None or on > last else last}


def rectified(s: Any, d: Mapping[str, Any], on: date, policy: PolicyConfig) -> dict[str, Any]:
    """申请验收 on its own day ("on"): the event may be dated later, when the stage it leaves began later."""
    return {"rectified_on": day(d.get("on")) or on, "self_check": d.get("self_check", ""),
            "applied_by": d.get("applied_by", "")}


def verified(s: Any, d: Mapping[str, Any], on: date, policy: PolicyConfig) -> dict[str, Any]:
    """A passed verification: its score, 等次 and 满意率, and the 公示 it starts (events before 0007 carry no
    等次 nor 满意率: both from the survey's counts)."""
    rate = d["satisfaction"] if "satisfaction" in d else satisfaction_rate(
        d.get("satisfied") or 0, d.get("basic") or 0, d.get("dissatisfied") or 0)
    level = d.get("grade") or (Grade.good if rate is None or rate >= CARRIED_GOOD else Grade.basic)
    return {"verified_on": on, "score": d.get("score"), "grade": level, "satisfaction": rate,
            "publicity_until": day(d.get("publicity_until"))}


def sent_back(s: Any, d: Mapping[str, Any], on: date, policy: PolicyConfig) -> dict[str, Any]:
    """A failed verification, or an objection upheld in 公示: the new measures, the application cleared."""
    changes: dict[str, Any] = {
        "rectified_on": None, "self_check": "", "applied_by": "", "verified_by": "", "verified_on": None,
        "score": None, "grade": "", "satisfaction": None, "publicity_until": None,
        "measures_total": s.measures_total + len(d.get("measures") or [])}
    if day(d.get("deadline")) is not None:
        changes["deadline"] = day(d.get("deadline"))
    return changes


def struck_off(s: Any, d: Mapping[str, Any], on: date, policy: PolicyConfig) -> dict[str, Any]:
    """销号: the 公示 is over, and the 巩固期's look-backs are scheduled from this day."""
    when = day(d.get("on")) or on
    look_backs, next_on = _scheduled(when, tuple(policy.look_back_after_days))
    return {"struck_off_on": when, "strike_off_doc": d.get("doc_no", ""), "publicity_until": None,
            "look_backs": look_backs, "next_look_back_on": next_on}


@lru_cache(maxsize=4096)
def _scheduled(struck_off_on: date, after_days: tuple[int, ...]) -> tuple[str, date | None]:
    """The 巩固期 scheduled from a 销号 day, as the case keeps it, and its first look-back (the same few days
    recur across a history's cases)."""
    items = consolidation.schedule(struck_off_on, after_days)
    return consolidation.encode(items), consolidation.next_due(items)


def looked_back(s: Any, d: Mapping[str, Any], on: date, policy: PolicyConfig) -> dict[str, Any]:
    """回头看 recorded against the next scheduled one (a relapse's new listing is its own event)."""
    items = consolidation.record(consolidation.decode(s.look_backs), day(d.get("on")) or on, d.get("result", ""))
    return {"look_backs": consolidation.encode(items), "next_look_back_on": consolidation.next_due(items)}


def withdrawn(s: Any, d: Mapping[str, Any], on: date, policy: PolicyConfig) -> dict[str, Any]:
    return {"withdrawn_reason": d.get("reason", "")}


def extended(s: Any, d: Mapping[str, Any], on: date, policy: PolicyConfig) -> dict[str, Any]:
    return {"deadline": day(d.get("deadline")) or s.deadline}


def supervised(s: Any, d: Mapping[str, Any], on: date, policy: PolicyConfig) -> dict[str, Any]:
    """挂牌: the sign's matters (``reason`` their older name) and level; the ladder's last rung."""
    return {"supervised": True, "supervision_reason": d.get("matter") or d.get("reason", ""),
            "supervision_level": d.get("level", ""), "escalation_step": Step.sign.value}


def unsupervised(s: Any, d: Mapping[str, Any], on: date, policy: PolicyConfig) -> dict[str, Any]:
    return {"supervised": False, "supervision_reason": "", "supervision_level": ""}


def escalated(s: Any, d: Mapping[str, Any], on: date, policy: PolicyConfig) -> dict[str, Any]:
    return {"escalation_step": d.get("step", "")}


def recorded(s: Any, d: Mapping[str, Any], on: date, policy: PolicyConfig) -> dict[str, Any]:
    """An objection raised or dismissed: in the history, nothing on the case moves."""
    return {}


# The actions whose effect reads none of the step's inputs (only the case and the day): the as-of rebuild
# need not decode their recorded JSON to fold them (tests/test_effects.py holds each to it).
READS_NO_INPUTS = frozenset({"complete_measure", "report_progress", "objection", "dismiss_objection",
                             "unsupervise"})
NO_INPUTS: Mapping[str, Any] = MappingProxyType({})

EFFECTS: dict[str, Effect] = {
    "plan": plan,
    "revise_plan": plan,
    "complete_measure": measure_done,
    "report_progress": progress,
    "mark_rectified": rectified,
    "verify": verified,
    "fail_verification": sent_back,
    "objection": recorded,
    "dismiss_objection": recorded,
    "uphold_objection": sent_back,
    "strike_off": struck_off,
    "withdraw": withdrawn,
    "extend": extended,
    "supervise": supervised,
    "unsupervise": unsupervised,
    "escalate": escalated,
    "look_back": looked_back,
}
