"""Any past day as it stood (SPEC §6.2): each case rebuilt by folding its history up to the end of a day.

The history is append-only and every event carries its business date (``happened_on``); a case's state on
day D is its events dated by D (and, for ``--known-on``, recorded by the end of D2), folded in order of
business date then id. The fold is table-driven: :data:`FOLDS` maps each action to one small function
that applies the event's inputs (the detail the engine stored) to the state; the stage move itself is the
event's own ``to_stage``. What an action changes in the case's fields is its effect in
:mod:`rectify.states.effects`, the very function the engine's step called; a fold adds only what the
snapshot keeps as lists (measures, extensions, secretaries, the last progress note) and what old histories
need. A new action adds one effect there and one entry here.

The current tables are what the fold gives when nothing is dated after D nor recorded after D2
(:func:`needs_rebuild`), so the ledger reads them directly then; the tests hold the two paths equal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from rectify.config import Config, PolicyConfig
from rectify.reports.snapshot_import import fold_import, track
from rectify.states import effects
from rectify.states.deadlines import stage_due
from rectify.states.effects import EFFECTS, NO_INPUTS, READS_NO_INPUTS
from rectify.states.stages import CLOSED_STAGES, FIRST_SECRETARY, VILLAGE_SECRETARY, WORK_TEAM, Stage
from rectify.states.tracks import join_kinds
from rectify.states.transitions import IMPORT_ACTION, IN_POST_FACT, JOINS, OPEN_ACTION, lands
from rectify.states.workdays import WorkCalendar, work_calendar
from rectify.store import Database
from rectify.store.ledger import ITEM, PAIR, LedgerFilter
from rectify.store.snapshot import latest_dates, ranks_places, snapshot_cases, snapshot_events

__all__ = ["FOLDS", "CaseState", "known_by", "needs_rebuild", "rebuild", "snapshot_tuples"]


@dataclass(slots=True)
class CaseState:
    """One case as it stood: the ledger's values (``LEDGER_KEYS``) and what the form and ``show`` need."""

    id: int
    detail: str
    year: int
    org_code: str
    org_name: str
    kind: str
    county: str
    township: str
    poor_village: bool
    problems: str | None
    place_rank: int = 0
    stage: str = Stage.identified.value
    identified_on: date = date.min
    deadline: date = date.min
    stage_since: date = date.min
    stage_due: date | None = None
    cycle_start: date = date.min
    cycle: int = 1
    version: int = 0
    helping_unit: str = ""
    rectified_on: date | None = None
    verified_on: date | None = None
    score: int | None = None
    withdrawn_reason: str = ""
    supervised: bool = False
    supervision_reason: str = ""
    supervision_level: str = ""
    escalation_step: str = ""
    measures_total: int = 0
    measures_done: int = 0
    last_progress_on: date | None = None
    progress: Any = None  # the last progress report's event, or its note (imported)
    county_leader: str | None = None
    township_cadre: str | None = None
    township_leader: str | None = None  # the ledger's 乡镇包村领导: the leader, else (older plans) the one named
    # Every secretary, village secretary and work-team member by the day:
    # [name, unit, kind, since, until, action(, term end)]; one still in post has no until; action is 选配/调整
    # (village); a first secretary also carries the end of the term.
    secretaries: list[list[Any]] = field(default_factory=list)
    village_status: str = ""  # the village secretary at listing: missing (缺配) / adjust (需调整)
    # Every measure by the day: [seq, text, 责任人, unit, due (ISO), done (ISO) or None].
    measures: list[list[Any]] = field(default_factory=list)
    done_early: dict[int, str] = field(default_factory=dict)  # measure done dated before its plan was filed
    extensions: list[dict[str, Any]] = field(default_factory=list)
    n_failed: int = 0
    listed: bool = False
    look_backs: str = ""  # the 巩固期's schedule and results (states/consolidation.py)
    earlier_years: str = ""  # a repeat listing: the years the organization was listed before
    grade: str = ""
    satisfaction: float | None = None
    publicity_until: date | None = None
    struck_off_on: date | None = None

    @property
    def progress_note(self) -> str | None:
        p = self.progress
        return p.detail.get("note", "") if isinstance(p, Event) else p

    def in_post(self, kind: str) -> list[list[Any]]:
        return [s for s in self.secretaries if s[4] is None and s[2] == kind]

    def has_in_post(self, kinds: tuple[str, ...]) -> bool:
        return any(s[4] is None and s[2] in kinds for s in self.secretaries)

    def add_measures(self, given: list[dict[str, Any]]) -> None:
        """Numbered after the last, as the engine numbers them."""
        for m in given:
            due = _day(m.get("due"))
            seq = len(self.measures) + 1
            self.measures.append([seq, m.get("text", ""), m.get("owner", ""), m.get("owner_unit", ""),
                                  due.isoformat() if due else "", self.done_early.pop(seq, None)])

    @property
    def open_measure_due(self) -> date | None:
        """The earliest due date of the measures not done by the day (past it, the case is red)."""
        dues = [m[4] for m in self.measures if not m[5] and m[4]]
        return date.fromisoformat(min(dues)) if dues else None

    def measure_items(self) -> str | None:
        """What the ledger query's ``measure_items`` aggregate gives (its order aside)."""
        if not self.measures:
            return None
        return ITEM.join(PAIR.join((str(seq), text, owner, unit, due, done or ""))
                         for seq, text, owner, unit, due, done in self.measures)

    def village_secretary(self) -> list[Any] | None:
        current = self.in_post(VILLAGE_SECRETARY)
        return current[-1] if current else None

    @property
    def secretary(self) -> list[Any] | None:
        """The first secretary in post (the ledger's 第一书记 column)."""
        current = self.in_post(FIRST_SECRETARY)
        return current[-1] if current else None

    def ledger_tuple(self) -> tuple[Any, ...]:
        """The values in ``LEDGER_KEYS`` order, what the ledger query gives for the same case."""
        sec = vsec = vacant = None  # the last 第一书记 and village secretary in post; when none is, the day he left
        for x in self.secretaries:
            if x[2] == FIRST_SECRETARY:
                if x[4] is None:
                    sec = x
                elif vacant is None or x[4] > vacant:
                    vacant = x[4]
            elif x[4] is None and x[2] == VILLAGE_SECRETARY:
                vsec = x
        return (
            self.id, self.stage, self.identified_on, self.deadline, self.stage_since, self.stage_due,
            self.cycle_start, self.cycle, self.version, self.detail, self.helping_unit, self.verified_on,
            self.score, self.withdrawn_reason, self.supervised, self.supervision_reason, self.measures_total,
            self.measures_done, self.last_progress_on, self.org_code, self.org_name, self.kind, self.county,
            self.township, self.problems, self.county_leader, self.township_leader or self.township_cadre,
            sec[0] if sec else None, sec[1] if sec else None, sec[2] if sec else None,
            self.progress_note, len(self.extensions), self.n_failed, self.supervision_level,
            self.escalation_step, self.look_backs, self.earlier_years, self.measure_items(),
            sec[6] if sec and len(sec) > 6 else None,
            vsec[0] if vsec else None, vsec[5] if vsec else None, self.village_status,
            self.grade, self.satisfaction, self.struck_off_on, None if sec is not None else vacant,
        )

    @property
    def sec_vacant_since(self) -> date | None:
        """The day the last 第一书记 left while no one is in post (第一书记空缺)."""
        ended = [s[4] for s in self.secretaries if s[2] == FIRST_SECRETARY and s[4] is not None]
        return None if self.secretary is not None or not ended else max(ended)

    @property
    def sec_term_until(self) -> date | None:
        return (self.secretary or [None] * 7)[6]  # type: ignore[no-any-return]

    @property
    def vsec_action(self) -> str | None:
        return (self.village_secretary() or [None] * 6)[5]  # type: ignore[no-any-return]


class Event:
    """One event: its action, the stage it moved to, its business date, and its inputs (read when needed)."""

    __slots__ = ("_detail", "action", "on", "raw", "to_stage")

    def __init__(self, action: str, to_stage: str | None, on: date, raw: str | dict[str, Any] | None) -> None:
        self.action, self.to_stage, self.on = action, to_stage, on
        self.raw = raw
        self._detail: dict[str, Any] | None = raw if isinstance(raw, dict) else None

    @property
    def detail(self) -> dict[str, Any]:
        if self._detail is None:
            self._detail = effects.recorded_inputs(self.raw)
        return self._detail

    @property
    def inputs(self) -> Mapping[str, Any]:
        """What its effect reads: none decoded when its action's effect reads no inputs."""
        return NO_INPUTS if self.action in READS_NO_INPUTS else self.detail


_day = effects.day


# -- one function per action ---------------------------------------------------------------------------

# Columns an effect changes that the ledger does not show: the day's rebuild leaves them out.
NOT_REPLAYED = frozenset({"self_check", "applied_by", "verified_by", "strike_off_doc", "next_look_back_on"})


def _change(s: CaseState, changes: dict[str, Any]) -> None:
    """An effect's changes on the state (a field it does not hold fails: a new column must be placed)."""
    for key, value in changes.items():
        if key not in NOT_REPLAYED:
            setattr(s, key, value)


def _effect(action: str) -> Fold:
    """The fold of an action whose whole effect is its shared one (:data:`rectify.states.effects.EFFECTS`)."""
    effect = EFFECTS[action]

    def fold(s: CaseState, e: Event, policy: PolicyConfig, as_of: date) -> None:
        _change(s, effect(s, e.inputs, e.on, policy))

    return fold


def _open(s: CaseState, e: Event, policy: PolicyConfig, as_of: date) -> None:
    d = e.detail
    s.listed = True
    s.village_status = d.get("village_secretary") or ""
    s.identified_on = s.cycle_start = s.stage_since = _day(d.get("identified_on")) or e.on
    s.deadline = _day(d.get("deadline")) or s.deadline
    s.earlier_years = d.get("earlier_years") or ""
    s.helping_unit = d.get("helping_unit") or s.helping_unit  # a relapse keeps the earlier case's
    for sec in d.get("carried_secretaries") or ():  # a relapse's new listing keeps the first secretary
        s.secretaries.append([sec.get("name", ""), sec.get("unit", ""), FIRST_SECRETARY,
                              _day(sec.get("since")) or s.identified_on, None, "", _day(sec.get("term_until"))])


def _plan(s: CaseState, e: Event, policy: PolicyConfig, as_of: date) -> None:
    d = e.detail
    _change(s, effects.plan(s, d, e.on, policy))
    s.add_measures(d.get("measures") or [])
    s.county_leader = d.get("county_leader") or s.county_leader
    s.township_cadre = d.get("township_cadre") or s.township_cadre
    s.township_leader = d.get("township_leader") or s.township_leader


def _end(s: CaseState, kind: str, on: date, name: str | None = None) -> None:
    for sec in s.in_post(kind):
        if name is None or sec[0] == name:
            sec[4] = on


def _assign(s: CaseState, e: Event, policy: PolicyConfig, as_of: date) -> None:
    d = e.detail
    since = _day(d.get("since")) or e.on
    kind = track(d.get("kind"))
    _end(s, kind, since)
    s.secretaries.append([d.get("name", ""), d.get("unit", ""), kind, since, None, "",
                          _day(d.get("term_until"))])


def _replace(s: CaseState, e: Event, policy: PolicyConfig, as_of: date) -> None:
    """An old (pre-0005) replacement: ends the one in post on the same track."""
    since = _day(e.detail.get("since")) or e.on
    current = [x for x in s.secretaries if x[4] is None]
    kind = track(e.detail.get("kind") or (current[-1][2] if current else None))
    _end(s, kind, since)
    s.secretaries.append([e.detail.get("name", ""), e.detail.get("unit", ""), kind, since, None,
                          "调整" if kind == VILLAGE_SECRETARY else "", _day(e.detail.get("term_until"))])


def _recall(s: CaseState, e: Event, policy: PolicyConfig, as_of: date) -> None:
    _end(s, FIRST_SECRETARY, _day(e.detail.get("on")) or e.on)


def _extend_term(s: CaseState, e: Event, policy: PolicyConfig, as_of: date) -> None:
    for sec in s.in_post(FIRST_SECRETARY)[-1:]:  # 延期: the 第一书记 in post stays to the new term end
        sec[6:] = [_day(e.detail.get("term_until"))]


def _village(s: CaseState, e: Event, policy: PolicyConfig, as_of: date) -> None:
    since = _day(e.detail.get("since")) or e.on
    _end(s, VILLAGE_SECRETARY, since)
    s.secretaries.append([e.detail.get("name", ""), s.org_name, VILLAGE_SECRETARY, since, None,
                          e.detail.get("action", "")])


def _work_team(s: CaseState, e: Event, policy: PolicyConfig, as_of: date) -> None:
    on = _day(e.detail.get("on")) or e.on
    if e.detail.get("remove"):
        _end(s, WORK_TEAM, on, e.detail.get("name", ""))
    else:
        s.secretaries.append([e.detail.get("name", ""), e.detail.get("unit", ""), WORK_TEAM, on, None, ""])


def _measure_done(s: CaseState, e: Event, policy: PolicyConfig, as_of: date) -> None:
    d = e.detail
    _change(s, effects.measure_done(s, e.inputs, e.on, policy))
    number = d.get("measure_no")
    done_on = (_day(d.get("on")) or e.on).isoformat()
    for m in s.measures:
        if m[0] == number:
            m[5] = done_on
            return
    if number is not None:  # dated before the plan that holds it was filed: kept for it
        s.done_early[int(number)] = done_on


def _progress(s: CaseState, e: Event, policy: PolicyConfig, as_of: date) -> None:
    # The business date is the report's "on"; its note is read only for the last report (:attr:`progress`).
    if s.last_progress_on is None or e.on >= s.last_progress_on:
        s.progress = e
    _change(s, effects.progress(s, e.inputs, e.on, policy))


def _verify(s: CaseState, e: Event, policy: PolicyConfig, as_of: date) -> None:
    """A passed verification starts 公示; one recorded before 0007 was the strike-off too (to_stage verified)."""
    _change(s, effects.verified(s, e.detail, e.on, policy))
    if e.to_stage == Stage.verified:
        _change(s, effects.struck_off(s, {}, e.on, policy))


def _fail(s: CaseState, e: Event, policy: PolicyConfig, as_of: date) -> None:
    """A failed verification, or an objection upheld in 公示: new measures, the application cleared."""
    s.n_failed += 1
    _change(s, effects.sent_back(s, e.detail, e.on, policy))
    s.add_measures(e.detail.get("measures") or [])


def _reopen(s: CaseState, e: Event, policy: PolicyConfig, as_of: date) -> None:
    """An old history's reopening (no longer taken: a relapse is a new listing)."""
    s.cycle += 1
    s.cycle_start = e.on
    s.deadline = _day(e.detail.get("deadline")) or s.deadline
    s.verified_on = s.rectified_on = s.score = None


def _extend(s: CaseState, e: Event, policy: PolicyConfig, as_of: date) -> None:
    old = s.deadline
    _change(s, effects.extended(s, e.detail, e.on, policy))
    s.extensions.append({"old_deadline": old.isoformat(), "new_deadline": s.deadline.isoformat(),
                         "reason": e.detail.get("reason", ""), "approved_by": e.detail.get("approved_by", "")})


Fold = Callable[[CaseState, Event, PolicyConfig, date], None]

FOLDS: dict[str, Fold] = {
    OPEN_ACTION: _open,
    IMPORT_ACTION: fold_import,
    "plan": _plan,
    "revise_plan": _plan,
    "assign_secretary": _assign,
    "replace_secretary": _replace,
    "recall_secretary": _recall,
    "extend_term": _extend_term,
    "village_secretary": _village,
    "village_secretary_assigned": _village,  # under secretary_rule "either": the same record, and stage 3
    "work_team": _work_team,
    "complete_measure": _measure_done,
    "report_progress": _progress,
    "mark_rectified": _effect("mark_rectified"),
    "verify": _verify,
    "fail_verification": _fail,
    "objection": _effect("objection"),
    "dismiss_objection": _effect("dismiss_objection"),
    "uphold_objection": _fail,
    "strike_off": _effect("strike_off"),
    "withdraw": _effect("withdraw"),
    "reopen": _reopen,
    "extend": _extend,
    "supervise": _effect("supervise"),
    "unsupervise": _effect("unsupervise"),
    "escalate": _effect("escalate"),
    "look_back": _effect("look_back"),
}


def apply_event(s: CaseState, e: Event, policy: PolicyConfig, as_of: date) -> None:
    """One event on the state: its action's fold, then the stage move (the event's own ``to_stage``)."""
    action = e.action
    fold = FOLDS.get(action)
    if fold is not None:
        fold(s, e, policy, as_of)
    s.version += 1
    join = JOINS.get(action)
    to_stage = e.to_stage if join is None else lands(  # stage 3's join, on the day as folded (its fact if it has one)
        action, s.stage, {IN_POST_FACT: s.has_in_post(join_kinds(policy.secretary_rule))} if join.fact else NO_INPUTS,
        e.to_stage)
    if to_stage is not None and to_stage != s.stage and action != IMPORT_ACTION:
        # The engine's stage_since is the inputs' "on", else the day: the event's business date.
        s.stage, s.stage_since = to_stage, e.on


def settle(s: CaseState, policy: PolicyConfig, calendar: WorkCalendar | None = None) -> None:
    """The due date the engine fixed at the last move or deadline change: every input of it (stage, start,
    deadline, rectified date) changes only with a move or an extension, so the folded state gives it."""
    s.stage_due = stage_due(s.stage, cycle_start=s.cycle_start, deadline=s.deadline, rectified_on=s.rectified_on,
                            policy=policy, publicity_until=s.publicity_until, calendar=calendar)


# -- the rebuild ---------------------------------------------------------------------------------------


def known_by(known_on: date | None, timezone: str) -> datetime | None:
    """The end of ``known_on`` in the policy's timezone: what had been recorded by then is known."""
    if known_on is None:
        return None
    return datetime.combine(known_on + timedelta(days=1), time(), ZoneInfo(timezone)) - timedelta(microseconds=1)


def needs_rebuild(db: Database, as_of: date, known_on: date | None, config: Config) -> bool:
    """Whether anything is dated after ``as_of`` or recorded after ``known_on``: else the tables are the day."""
    with db.connect() as conn:
        latest_day, latest_at = latest_dates(conn)
    if latest_day is not None and latest_day > as_of:
        return True
    limit = known_by(known_on, config.policy.timezone)
    return limit is not None and latest_at is not None and latest_at > limit


def _matches(s: CaseState, f: LedgerFilter) -> bool:
    if f.stage is not None and s.stage != f.stage:
        return False
    if f.year is not None and s.year != f.year:
        return False
    return not (f.open_only and s.stage in CLOSED_STAGES)


def rebuild(db: Database, *, as_of: date, config: Config, filters: LedgerFilter | None = None,
            known_on: date | None = None, case_id: int | None = None,
            snapshots: bool = True) -> Iterator[CaseState]:
    """Every case listed by the end of ``as_of`` as it stood then, by case id, within the filter: each from its
    latest month-end snapshot (:mod:`rectify.reports.month_end`) unless ``known_on`` is given (a snapshot does not
    know when its events were recorded) or ``snapshots`` is false; then, and without one, from its first event."""
    f = filters or LedgerFilter()
    recorded_by = known_by(known_on, config.policy.timezone)
    policy = config.policy
    with db.connect() as conn:
        if snapshots and known_on is None:
            from rectify.reports.snapshot_codec import streams

            case_rows, event_rows, start = streams(conn, f, as_of, policy, case_id, CaseState)
        else:
            event_rows = snapshot_events(conn, f, as_of, recorded_by, case_id)
            case_rows = snapshot_cases(conn, f, as_of, case_id)
            start = _fresh
        try:
            yield from _fold_all(case_rows, iter(event_rows), f, policy, as_of, work_calendar(config), start)
        finally:  # a reader that stops early must not leave a server-side cursor open
            case_rows.close()
            event_rows.close()


def _fresh(row: tuple[Any, ...]) -> CaseState:
    """A case row of :func:`rectify.store.snapshot.snapshot_cases`, before its first event."""
    cid, detail, year, code, name, kind, county, township, poor, problems, rank = row
    return CaseState(id=cid, detail=detail, year=year, org_code=code, org_name=name, kind=kind, county=county,
                     township=township, poor_village=bool(poor), problems=problems, place_rank=rank)


def _fold_all(case_rows: Any, events: Iterator[Any], f: LedgerFilter, policy: PolicyConfig,
              as_of: date, calendar: WorkCalendar | None = None,
              start: Callable[[Any], CaseState] = _fresh) -> Iterator[CaseState]:
    """Merges the cases and their events (both by case id, driver tuples) and folds each case from ``start``."""
    day = _day
    pending = next(events, None)
    for row in case_rows:
        s = start(row)
        cid = s.id
        while pending is not None and pending[0] < cid:
            pending = next(events, None)
        while pending is not None and pending[0] == cid:
            _, action, to_stage, on, raw = pending
            apply_event(s, Event(action, to_stage, day(on) or as_of, raw), policy, as_of)
            pending = next(events, None)
        if s.listed and _matches(s, f):
            settle(s, policy, calendar)
            yield s


def snapshot_tuples(db: Database, *, as_of: date, config: Config, filters: LedgerFilter,
                    known_on: date | None = None) -> Iterator[tuple[Any, ...]]:
    """The ledger's tuples for the day in the ledger query's order (``persistence.ledger.ledger_order``: open
    cases first then place, or by deadline then place), sorted with a bounded memory
    (:func:`rectify.spill.sorted_spilling`)."""
    from rectify.spill import sorted_spilling

    by_deadline = filters.sort == "deadline"
    if ranks_places(db.dialect):
        keyed: Iterator[tuple[Any, tuple[Any, ...]]] = (
            (((s.deadline if by_deadline else s.stage in CLOSED_STAGES), s.place_rank), s.ledger_tuple())
            for s in rebuild(db, as_of=as_of, config=config, filters=filters, known_on=known_on))
    else:  # place_rank is 0: the place's values, in one text that sorts as SQLite sorts them (one compare a pair)
        keyed = ((_place_key(s, by_deadline), s.ledger_tuple())
                 for s in rebuild(db, as_of=as_of, config=config, filters=filters, known_on=known_on))
    return (row for _, row in sorted_spilling(keyed, key=_first))


def _place_key(s: CaseState, by_deadline: bool) -> str:
    """The order key of a case on SQLite: the deadline (ISO, fixed width) or whether it is closed, then county,
    township and code joined by NUL (below every character they hold, so the text sorts as the tuple of them, by
    code point: SQLite's BINARY order of UTF-8) and the id at fixed width."""
    first = s.deadline.isoformat() if by_deadline else ("1" if s.stage in CLOSED_STAGES else "0")
    return f"{first}\0{s.county}\0{s.township}\0{s.org_code}\0{s.id:020d}"


def _first(pair: tuple[Any, Any]) -> Any:
    return pair[0]
