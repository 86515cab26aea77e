"""The 巩固期 after 销号 and its 回头看 (SPEC §3 "After verified"), as data and guards.

After a case is struck off (today: ``verified``, dated ``verified_on``) the look-backs are scheduled at
``[policy] look_back_after_days`` (default 180 and 365 days) from the 销号 date; each is recorded in order
by ``case look-back`` with its result, 巩固 (stable) or 反弹 (relapse). A look-back may be recorded from
:data:`EARLY_DAYS` days before its scheduled date on (a review team visits in the weeks before the date),
never earlier, never before 销号, never after the last one. 反弹 lists the organization again as a new case.

The schedule and the results are kept on the case as one short text (``look_backs``), one item per
look-back ``days|due|result|done`` (result and done empty while pending), so the ledger reads it in its
one query and the history's replay writes the same text.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

TYPE_CHECKING = False
if TYPE_CHECKING:  # a frozen dataclass to the type checker; the Proposal for annotations only
    from dataclasses import dataclass

    from rectify.states.proposal import Proposal
else:  # the same, without loading dataclasses on a read (issue 29)
    from rectify.frozen import dataclass

STABLE = "stable"
RELAPSE = "relapse"
RESULT_LABELS: dict[str, str] = {STABLE: "巩固", RELAPSE: "反弹"}
# A look-back may be recorded from this many days before its scheduled date.
EARLY_DAYS = 30

_ITEM, _FIELD = ";", "|"


@dataclass(frozen=True)
class LookBack:
    days: int  # after 销号
    due: date
    result: str = ""  # "" pending, stable, relapse
    done: date | None = None

    @property
    def label(self) -> str:
        return months_label(self.days)


def months_label(days: int) -> str:
    """180 → 6个月, 365 → 12个月; other offsets by whole months, or days when under a month."""
    months = round(days / 30.4)
    return f"{months}个月" if months >= 1 else f"{days}天"


def parse_result(text: str) -> str | None:
    """A result's code from its code or its Chinese word (巩固 or stable); None when it is neither."""
    value = (text or "").strip()
    for code, label in RESULT_LABELS.items():
        if value in (code, label):
            return code
    return None


def schedule(struck_off: date, after_days: tuple[int, ...] | list[int]) -> list[LookBack]:
    return [LookBack(d, struck_off + timedelta(days=d)) for d in sorted(set(after_days))]


def encode(items: list[LookBack]) -> str:
    return _ITEM.join(_FIELD.join((str(i.days), i.due.isoformat(), i.result, i.done.isoformat() if i.done else ""))
                      for i in items)


def decode(text: str | None) -> list[LookBack]:
    out = []
    for part in (text or "").split(_ITEM):
        if not part:
            continue
        days, due, result, done = part.split(_FIELD)
        out.append(LookBack(int(days), date.fromisoformat(due), result, date.fromisoformat(done) if done else None))
    return out


def pending(items: list[LookBack]) -> LookBack | None:
    return next((i for i in items if not i.result), None)


def record(items: list[LookBack], on: date, result: str) -> list[LookBack]:
    """The schedule with its next pending look-back done on ``on``; a 反弹 ends the 巩固期 (the rest is dropped)."""
    out: list[LookBack] = []
    done = False
    for i in items:
        if not done and not i.result:
            out.append(LookBack(i.days, i.due, result, on))
            done = True
            if result == RELAPSE:
                break
        else:
            out.append(i)
    return out


def next_due(items: list[LookBack]) -> date | None:
    nxt = pending(items)
    return nxt.due if nxt is not None else None


def summary(text: str | None) -> str:
    """The ledger's 回头看 cell: 6个月：巩固（2027-01-05）；12个月：待回头看（2027-06-30）."""
    parts = []
    for i in decode(text):
        what = f"{RESULT_LABELS[i.result]}（{i.done}）" if i.result else f"待回头看（{i.due.isoformat()}）"
        parts.append(f"{i.label}：{what}")
    return "；".join(parts)


def from_summary(cell: str, struck_off: date, after_days: tuple[int, ...] | list[int]) -> str | None:
    """The ``look_backs`` text an imported ledger cell (:func:`summary`) stands for, scheduled from the 销号
    date by the policy's offsets; None when the cell is not in that form."""
    items = schedule(struck_off, after_days)
    for part in [p for p in cell.split("；") if p.strip()]:
        _, _, what = part.partition("：")
        result = parse_result(what[:2])
        if result is None:
            if what.startswith("待回头看"):
                continue
            return None
        try:
            done = date.fromisoformat(what[3:-1]) if what[2:3] == "（" else struck_off
        except ValueError:
            return None
        items = record(items, done, result)
    return encode(items)


def as_of_day(text: str, as_of: date) -> str:
    """The schedule as it stood at the end of ``as_of``: results recorded later are still pending."""
    items = decode(text)
    kept = [i if i.done is None or i.done <= as_of else LookBack(i.days, i.due) for i in items]
    return encode(kept)


def json_items(text: str | None) -> list[dict[str, Any]]:
    return [{"after_days": i.days, "due_on": i.due.isoformat(), "result": i.result or None,
             "done_on": i.done.isoformat() if i.done else None} for i in decode(text)]


def earlier_years(years: list[int], this_year: int) -> str:
    """The 曾列入年份 cell: the distinct earlier years an organization was listed, in order."""
    return ",".join(str(y) for y in sorted({y for y in years if y < this_year}))


# -- guards (registered in rectify.states.guards.GUARDS) ----------------------------------------------


def look_back_due(p: Proposal) -> str | None:
    """The next look-back in order: one must remain, and its window must have opened."""
    nxt = pending(decode(p.facts.get("look_backs")))
    if nxt is None:
        return "巩固期的回头看已全部完成（或已反弹重新列入整顿）"
    on = p.get("on")
    opens = nxt.due - timedelta(days=EARLY_DAYS)
    if on is not None and on < opens:
        return (f"{nxt.label}回头看定于 {nxt.due}，最早可于 {opens} 记录（计划日期前 {EARLY_DAYS} 天内），"
                f"{on} 太早")
    return None


def look_back_date_valid(p: Proposal) -> str | None:
    on, struck = p.get("on"), p.facts.get("verified_on")
    if on is None:
        return "缺少回头看日期"
    if struck is not None and on < struck:
        return f"回头看日期 {on} 早于销号日期 {struck}"
    today = p.facts.get("today")
    return f"回头看日期 {on} 晚于今天 {today}" if today is not None and on > today else None


def has_look_back_result(p: Proposal) -> str | None:
    return None if p.get("result") in RESULT_LABELS else "缺少回头看结果（巩固 或 反弹）"


def has_look_back_note(p: Proposal) -> str | None:
    note = p.get("note")
    return "缺少回头看情况说明（--note）" if note is None or not str(note).strip() else None


def relapse_has_problems(p: Proposal) -> str | None:
    """反弹 lists the organization again: it needs the problems found (--problem), and no open case."""
    if p.get("result") != RELAPSE:
        return None
    if not p.get("problems"):
        return "反弹须列明新的软弱涣散情形（--problem），据以重新列入整顿"
    other = p.facts.get("open_case")
    return f"该组织已有在办的整顿对象 {other}，不能再次列入" if other is not None else None


LOOK_BACK_GUARDS = {fn.__name__: fn for fn in (look_back_due, look_back_date_valid, has_look_back_result,
                                               has_look_back_note, relapse_has_problems)}
