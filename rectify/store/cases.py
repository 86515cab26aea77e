"""The engine's statements: load a case and the facts its guards need, apply a step, append the event.

A :class:`CaseStore` wraps the connection of one engine operation, so every statement of that
operation runs in its one transaction; the engine decides, the store only reads and writes.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any, NamedTuple, cast

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from rectify import validation
from rectify.states.stages import CLOSED_STAGES
from rectify.store.driver import hot, runner
from rectify.store.month_end import drop_from, latest_of_case
from rectify.store.people import find_person
from rectify.store.reads import secretary_columns
from rectify.store.tables import (
    BUMP,
    CASE_WITH_ORG,
    INSERTS,
    MAX_CASE_ID,
    case_t,
    event_t,
    extension_t,
    measure_problem_t,
    measure_t,
    objection_t,
    org_t,
    person_t,
    problem_t,
    progress_t,
    resolve,
    secretary_t,
    supervision_t,
    verification_t,
)

__all__ = ["CaseStore", "DuplicateKey", "jsonable"]

DuplicateKey = IntegrityError  # a unique key already taken: the other officer's row won

# The case by number with its organization's place, so a step's scope check needs no second statement.
# With the day of its latest month-end snapshot, so a back-dated event knows, without a statement, whether it
# must delete snapshots (append_event). On PostgreSQL the row is locked for the step (SQLite's BEGIN IMMEDIATE
# already holds the write lock): a month-end fill locks the same rows, so the snapshot day read here is never
# one the fill is about to change under the step.
_CASE_BY_ID_PLACED = CASE_WITH_ORG.add_columns(org_t.c.county.label("org_county"),
                                               org_t.c.township.label("org_township"),
                                               latest_of_case(case_t.c.id).label("snapshot_on")).where(
    case_t.c.id == sa.bindparam("id")).with_for_update(of=case_t)
# stage != each closed stage: the same test as NOT IN, written so the statement compiles once for the driver
_STILL_OPEN = [case_t.c.stage != s for s in sorted(CLOSED_STAGES)]
_ORG_NAME_BY_CODE = sa.select(org_t.c.name).where(org_t.c.code == sa.bindparam("code"))
_ORG_PLACE = sa.select(org_t.c.county, org_t.c.township).where(org_t.c.id == sa.bindparam("id"))
_ORG_BY_CODE = sa.select(org_t.c.id, org_t.c.name, org_t.c.county, org_t.c.township).where(
    org_t.c.code == sa.bindparam("code"))
_OPEN_CASE_ELSEWHERE = sa.select(case_t.c.id).where(
    case_t.c.org_id == sa.bindparam("org_id"), case_t.c.id != sa.bindparam("case_id"),
    *_STILL_OPEN)
_PEOPLE = sa.select(person_t.c.id, person_t.c.role, person_t.c.name, person_t.c.email).where(
    person_t.c.case_id == sa.bindparam("case_id"))
_LAST_MEASURE_SEQ = sa.select(sa.func.coalesce(sa.func.max(measure_t.c.seq), 0)).where(
    measure_t.c.case_id == sa.bindparam("case_id"))
_MEASURE = sa.select(measure_t.c.id, measure_t.c.text, measure_t.c.done_on).where(
    measure_t.c.case_id == sa.bindparam("case_id"), measure_t.c.seq == sa.bindparam("seq"))
_LATEST_OPEN_MEASURE_DUE = sa.select(sa.func.max(measure_t.c.due_on)).where(
    measure_t.c.case_id == sa.bindparam("case_id"), measure_t.c.done_on.is_(None))
_LAST_ESCALATION = sa.select(sa.func.max(event_t.c.happened_on)).where(
    event_t.c.case_id == sa.bindparam("case_id"), event_t.c.action.in_(("escalate", "supervise")))
_OPEN_MEASURES = (sa.select(measure_t.c.seq, measure_t.c.due_on)
                  .where(measure_t.c.case_id == sa.bindparam("case_id"), measure_t.c.done_on.is_(None))
                  .order_by(measure_t.c.seq))
_CURRENT_ON_TRACK = (sa.select(secretary_t.c.id, secretary_t.c.name, secretary_t.c.kind, secretary_t.c.since,
                               secretary_t.c.term_until)
                     .where(secretary_t.c.case_id == sa.bindparam("case_id"), secretary_t.c.until.is_(None),
                            secretary_t.c.kind == sa.bindparam("kind"))
                     .order_by(secretary_t.c.id))
# The case's problems, each with whether a measure already covers it: what a plan's guards and its links read.
_PROBLEMS = (sa.select(problem_t.c.id, problem_t.c.code, problem_t.c.text,
                       sa.exists().where(measure_problem_t.c.problem_id == problem_t.c.id).label("covered"))
             .where(problem_t.c.case_id == sa.bindparam("case_id")).order_by(problem_t.c.id))

_ORG_CASES = (sa.select(case_t.c.id, case_t.c.year, case_t.c.stage).where(case_t.c.org_id == sa.bindparam("org_id"))
                  .order_by(case_t.c.id))
# Every term on every track of a case (a handful of rows): the kinds a join reads are picked in Python, so the
# statement is a constant the driver runs compiled (an IN list built per call cost ~500 µs in SQLAlchemy).
_TERMS = (sa.select(secretary_t.c.since, secretary_t.c.until, secretary_t.c.kind)
          .where(secretary_t.c.case_id == sa.bindparam("case_id")).order_by(secretary_t.c.id))
_IN_POST_FULL = (sa.select(secretary_t).where(secretary_t.c.case_id == sa.bindparam("case_id"),
                                              secretary_t.c.until.is_(None),
                                              secretary_t.c.kind == sa.bindparam("kind"))
                 .order_by(secretary_t.c.id))

_FAILED_VERIFICATIONS = sa.select(sa.func.count()).select_from(verification_t).where(
    verification_t.c.case_id == sa.bindparam("case_id"), verification_t.c.passed.is_(False))

_SIGN_UP = (sa.select(supervision_t).where(supervision_t.c.case_id == sa.bindparam("case_id"),
                                           supervision_t.c.taken_down_on.is_(None))
            .order_by(supervision_t.c.id.desc()).limit(1))
_PENDING_OBJECTION = (sa.select(objection_t).where(objection_t.c.case_id == sa.bindparam("case_id"),
                                                   objection_t.c.decision == "")
                      .order_by(objection_t.c.id.desc()).limit(1))
_COMPLETE_MEASURE = sa.update(measure_t).where(measure_t.c.id == sa.bindparam("_id"))
_INSERT_PROBLEMS = sa.insert(problem_t)
_INSERT_LINKS = sa.insert(measure_problem_t)

# What a step runs on every case, compiled once for SQLite's driver (driver.py).
for _stmt in (_CASE_BY_ID_PLACED, _ORG_NAME_BY_CODE, _ORG_PLACE, _ORG_BY_CODE, _OPEN_CASE_ELSEWHERE,
              _PEOPLE, _LAST_MEASURE_SEQ, _MEASURE, _LATEST_OPEN_MEASURE_DUE, _CURRENT_ON_TRACK, _PROBLEMS,
              _ORG_CASES, _TERMS, _IN_POST_FULL, _FAILED_VERIFICATIONS, _SIGN_UP, _PENDING_OBJECTION,
              _COMPLETE_MEASURE, _INSERT_PROBLEMS, _INSERT_LINKS, BUMP, *INSERTS.values()):
    hot(_stmt)


class _Person(NamedTuple):
    """A case's person in a role, as :meth:`CaseStore.set_person` keeps it for the rest of the step."""

    id: int
    role: str
    name: str
    email: str


_PLAIN = frozenset({str, int, float, bool})


def _detail_encoder() -> Any:
    """``json.dumps(…, ensure_ascii=False, sort_keys=True)`` with its C encoder made once, not per call (the
    same text: the encoder ``JSONEncoder.encode`` makes for a one-shot dump, without the circular check, which a
    :func:`jsonable` value never needs)."""
    from json import encoder

    kept = json.JSONEncoder(ensure_ascii=False, sort_keys=True)
    make = getattr(encoder, "c_make_encoder", None)
    if make is None:
        return kept.encode
    fast = make(None, kept.default, encoder.encode_basestring, None, kept.key_separator, kept.item_separator,
                True, False, True)

    def encode(value: Any) -> str:
        return "".join(fast(value, 0)) if type(value) is dict else kept.encode(value)

    return encode


_DETAIL = _detail_encoder()


# (actor, unit, reason, operator) of events whose columns passed validation.row (bounded; strings are immutable)
_EVENT_SIGNED: set[tuple[str, str, str, str]] = set()


def jsonable(value: Any) -> Any:
    """Dates as ISO text and no ``None`` keys, so an event's detail reads the same on every backend."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is dict:  # a plain value is itself: no call for it
        return {k: v if type(v) in _PLAIN else jsonable(v) for k, v in value.items() if v is not None}
    if kind is date:
        return value.isoformat()
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def _new_id(result: Any) -> int:
    pk = result.inserted_primary_key
    assert pk is not None
    return int(pk[0])


class CaseStore:
    """The statements of one engine operation, on the connection of its transaction.

    A store lives for one transaction, so what it read once (a case's problems, its people, an
    organization's cases) it keeps for the rest of the step and keeps up to date with what it writes.
    """

    __slots__ = ("_org_cases", "_people", "_problems", "_snapshot_on", "conn")

    def __init__(self, conn: Connection) -> None:
        self.conn = runner(conn)
        self._snapshot_on: dict[int, Any] = {}  # case id → the day of its latest month-end snapshot (None: none)
        self._problems: dict[int, list[Any]] = {}
        self._people: dict[int, dict[str, Any]] = {}
        self._org_cases: dict[int, list[Any]] = {}

    # -- the case and its history -------------------------------------------------------------------

    def case(self, ref: str | int, sees: Any = None) -> sa.Row[Any]:
        """The case row joined with its organization's name and code; see :func:`tables.resolve`.

        A case number is read in one statement together with the organization's place (:meth:`place_of`).
        With ``sees`` (county, township → bool), a case out of the reader's scope reads as an unknown one.
        """
        text = str(ref).strip()
        if text.isdigit() and int(text) <= MAX_CASE_ID:
            row = self.conn.execute(_CASE_BY_ID_PLACED, {"id": int(text)}).one_or_none()
            if row is not None and (sees is None or sees(row.org_county, row.org_township)):
                self._snapshot_on[row.id] = row.snapshot_on
                return row
        return resolve(self.conn, ref, sees)

    def place_of(self, row: sa.Row[Any]) -> tuple[str, str]:
        """``(county, township)`` of the case's organization: from the row when :meth:`case` read it there."""
        try:
            return row.org_county, row.org_township  # type: ignore[no-any-return]
        except AttributeError:  # a row read without them (resolve by organization code)
            return self.place(row.org_id)

    def bump(self, case_id: int, version: int, changes: dict[str, Any]) -> bool:
        """Write ``changes`` only if the case is still at ``version``; False when another officer won."""
        validation.row(case_t, changes)
        return self.conn.execute(BUMP, {**changes, "_id": case_id, "_version": version}).rowcount == 1

    def append_event(self, case_id: int, *, at: datetime, actor: str, action: str, from_stage: str | None,
                     to_stage: str | None, reason: str, detail: dict[str, Any] | None,
                     actor_unit: str = "", happened_on: date | None = None, operator: str = "") -> int:
        who = (actor, actor_unit, reason, operator)
        if who not in _EVENT_SIGNED:  # checked once per signature: the same officer signs step after step
            validation.row(event_t, {"actor": actor, "actor_unit": actor_unit, "reason": reason, "operator": operator})
            if len(_EVENT_SIGNED) < 4096:
                _EVENT_SIGNED.add(who)
        self._drop_later_snapshots(case_id, happened_on)
        return _new_id(self.conn.execute(INSERTS[event_t], {
            "case_id": case_id, "at": at, "happened_on": happened_on, "actor": actor, "actor_unit": actor_unit,
            "operator": operator,
            "action": action,
            "from_stage": from_stage, "to_stage": to_stage, "reason": reason,
            "detail": _DETAIL(jsonable(detail or {})),
        }))

    def _drop_later_snapshots(self, case_id: int, happened_on: date | None) -> None:
        """An event dated on or before the case's latest month-end snapshot makes the snapshots from its day on
        stale: they are deleted (one statement, only then; a case this store did not read is checked blind)."""
        if happened_on is None:
            return
        latest = self._snapshot_on.get(case_id, happened_on)
        if latest is not None and happened_on <= (latest if isinstance(latest, date) else date.fromisoformat(latest)):
            drop_from(self.conn, case_id, happened_on)
            self._snapshot_on[case_id] = None

    # -- organizations and new cases ----------------------------------------------------------------

    def org_name(self, code: str) -> str | None:
        return cast(str | None, self.conn.execute(_ORG_NAME_BY_CODE, {"code": code}).scalar())

    def place(self, org_id: int) -> tuple[str, str]:
        """``(county, township)`` of the organization: what a person's scope is checked against."""
        row = self.conn.execute(_ORG_PLACE, {"id": org_id}).one()
        return row.county, row.township

    def org(self, code: str) -> sa.Row[Any] | None:
        """``(id, name, county, township)`` of the organization with that code."""
        return self.conn.execute(_ORG_BY_CODE, {"code": code}).one_or_none()

    def add_org(self, **values: Any) -> int:
        """Raises :data:`DuplicateKey` when the code was taken meanwhile."""
        validation.row(org_t, values)
        return _new_id(self.conn.execute(INSERTS[org_t], values))

    def _cases_of(self, org_id: int) -> list[Any]:
        rows = self._org_cases.get(org_id)
        if rows is None:
            rows = self._org_cases[org_id] = list(self.conn.execute(_ORG_CASES, {"org_id": org_id}))
        return rows

    def open_case_of(self, org_id: int) -> sa.Row[Any] | None:
        """``(id, year, stage)`` of the organization's open case (the one not in a closed stage)."""
        return next((r for r in self._cases_of(org_id) if r.stage not in CLOSED_STAGES), None)

    def open_case_elsewhere(self, org_id: int, case_id: int) -> int | None:
        return cast(int | None, self.conn.execute(_OPEN_CASE_ELSEWHERE, {"org_id": org_id, "case_id": case_id})
                    .scalar())

    def add_case(self, **values: Any) -> int:
        """Raises :data:`DuplicateKey` when the organization got an open case meanwhile."""
        validation.row(case_t, values)
        self._org_cases.pop(values.get("org_id"), None)  # type: ignore[arg-type]
        case_id = _new_id(self.conn.execute(INSERTS[case_t], values))
        self._snapshot_on[case_id] = None  # a new case has no snapshot
        return case_id

    def add_problems(self, case_id: int, problems: list[tuple[str, str]]) -> None:
        new = [{"case_id": case_id, "code": c, "text": t} for c, t in problems]
        validation.rows(problem_t, new, where="软弱涣散情形")
        self._problems.pop(case_id, None)
        self.conn.execute(_INSERT_PROBLEMS, new)

    def _problem_rows(self, case_id: int) -> list[Any]:
        """``(id, code, text, covered)`` of the case's problems, read once a step."""
        rows = self._problems.get(case_id)
        if rows is None:
            rows = self._problems[case_id] = list(self.conn.execute(_PROBLEMS, {"case_id": case_id}))
        return rows

    def problems(self, case_id: int) -> list[tuple[str, str]]:
        """``(code, text)`` of the case's problems, in the order listed."""
        return [(r.code, r.text) for r in self._problem_rows(case_id)]

    def covered_problems(self, case_id: int) -> set[str]:
        """Codes of the problems that already have a measure."""
        return {r.code for r in self._problem_rows(case_id) if r.covered}

    # -- people ------------------------------------------------------------------------------------

    def _people_rows(self, case_id: int) -> dict[str, Any]:
        """role → ``(id, role, name, email)`` of the case's people, read once a step."""
        rows = self._people.get(case_id)
        if rows is None:
            rows = self._people[case_id] = {r.role: r for r in self.conn.execute(_PEOPLE, {"case_id": case_id})}
        return rows

    def people(self, case_id: int) -> dict[str, str]:
        """role → name."""
        return {role: r.name for role, r in self._people_rows(case_id).items()}

    def add_person(self, case_id: int, role: str, name: str, email: str) -> None:
        values = dict(case_id=case_id, role=role, name=name, email=email, unit="", phone="")
        validation.row(person_t, values)
        person_id = _new_id(self.conn.execute(INSERTS[person_t], values))
        if case_id in self._people:
            self._people[case_id][role] = _Person(person_id, role, name, email)

    def set_person(self, case_id: int, role: str, name: str | None, email: str | None) -> None:
        """Adds the person in that role, or changes the name and e-mail given (empty ones are kept)."""
        current = self._people_rows(case_id).get(role)
        if current is None:
            if name or email:
                self.add_person(case_id, role, name or "", email or "")
            return
        values = {}
        if name:
            values["name"] = name
        if email:
            values["email"] = email
        if values:
            validation.row(person_t, values)
            self._people.pop(case_id, None)
            self.conn.execute(sa.update(person_t).where(person_t.c.id == current.id).values(**values))

    # -- measures ----------------------------------------------------------------------------------

    def add_measures(self, case_id: int, measures: list[dict[str, Any]]) -> int:
        """Numbers the measures after the case's last one and links each to the problems it names
        (by code; a code the case carries twice links both); returns how many were added."""
        start = self.conn.execute(_LAST_MEASURE_SEQ, {"case_id": case_id}).scalar_one()
        new = [{"case_id": case_id, "seq": start + i, "text": m["text"], "owner": m["owner"],
                "owner_unit": m.get("owner_unit", ""), "owner_email": m.get("owner_email", ""),
                "due_on": m["due"], "done_on": None} for i, m in enumerate(measures, 1)]
        validation.count(start + len(new), "整顿措施数", validation.MAX_MEASURES)
        validation.rows(measure_t, new, where="整顿措施")
        problem_ids: dict[str, list[int]] = {}
        for r in self._problem_rows(case_id):
            problem_ids.setdefault(r.code, []).append(r.id)
        links = []
        for values, m in zip(new, measures, strict=True):
            measure_id = _new_id(self.conn.execute(INSERTS[measure_t], values))
            links += [{"measure_id": measure_id, "problem_id": pid}
                      for code in dict.fromkeys(m.get("problems") or ()) for pid in problem_ids.get(code, ())]
        if links:
            self._problems.pop(case_id, None)  # the problems these measures name are covered now
            self.conn.execute(_INSERT_LINKS, links)
        return len(new)

    def measure(self, case_id: int, number: int) -> dict[str, Any] | None:
        """``id``, ``text`` and ``done_on`` of the case's measure with that number."""
        m = self.conn.execute(_MEASURE, {"case_id": case_id, "seq": number}).one_or_none()
        return m._asdict() if m is not None else None

    def complete_measure(self, measure_id: int, on: date) -> None:
        self.conn.execute(_COMPLETE_MEASURE, {"_id": measure_id, "done_on": on})

    def latest_open_measure_due(self, case_id: int) -> date | None:
        return cast(date | None, self.conn.execute(_LATEST_OPEN_MEASURE_DUE, {"case_id": case_id}).scalar())

    def last_escalation_on(self, case_id: int) -> date | None:
        """The business date of the case's latest escalation step or sign."""
        return cast(date | None, self.conn.execute(_LAST_ESCALATION, {"case_id": case_id}).scalar())

    def open_measures(self, case_id: int) -> list[tuple[int, date]]:
        """``(seq, due_on)`` of the case's measures not done, by number."""
        return [(int(seq), due) for seq, due in self.conn.execute(_OPEN_MEASURES, {"case_id": case_id})]

    # -- secretaries -------------------------------------------------------------------------------

    def in_post(self, case_id: int, kind: str) -> list[sa.Row[Any]]:
        """``(id, name, kind, since, term_until)`` of everyone in post on one track (first | village | work_team)."""
        return list(self.conn.execute(_CURRENT_ON_TRACK, {"case_id": case_id, "kind": kind}))

    def secretary_facts(self, case_id: int) -> sa.Row[Any]:
        """``(stage, deadline, sec_term_until, sec_vacant_since, vsec_action)`` of the case: what the 第一书记 track's
        task reads (:func:`rectify.states.deadlines.row_side`), by the statements the case list reads it with."""
        q = sa.select(case_t.c.stage, case_t.c.deadline, *secretary_columns()).where(case_t.c.id == case_id)
        return self.conn.execute(q).one()

    def set_term(self, assignment_id: int, term_until: date) -> None:
        self.conn.execute(sa.update(secretary_t).where(secretary_t.c.id == assignment_id)
                          .values(term_until=term_until))

    def end_secretary(self, assignment_id: int, until: date, reason: str) -> None:
        self.conn.execute(sa.update(secretary_t).where(secretary_t.c.id == assignment_id)
                          .values(until=until, end_reason=reason))

    def add_secretary(self, case_id: int, *, name: str, kind: str, unit: str, since: date, email: str = "",
                      phone: str = "", term_until: date | None = None, preexisting: bool = False,
                      action: str = "", source: str = "", carried: bool = False) -> None:
        values = dict(case_id=case_id, name=name, kind=kind, unit=unit, since=since, until=None, email=email,
                      phone=phone, end_reason="", term_until=term_until, preexisting=preexisting, action=action,
                      source=source, carried=carried)
        validation.row(secretary_t, values, where="书记")
        self.conn.execute(INSERTS[secretary_t], values)

    def terms(self, case_id: int, kinds: tuple[str, ...]) -> list[tuple[date, date | None]]:
        """``(since, until)`` of every assignment on the tracks ``kinds``, ended or not (stage 3's join)."""
        return [(since, until) for since, until, kind in self.conn.execute(_TERMS, {"case_id": case_id})
                if kind in kinds]

    def in_post_full(self, case_id: int, kind: str) -> list[sa.Row[Any]]:
        """Every column of everyone in post on one track (what a relapse carries into the new listing)."""
        return list(self.conn.execute(_IN_POST_FULL, {"case_id": case_id, "kind": kind}))

    def cases_of_org(self, org_id: int) -> list[sa.Row[Any]]:
        """``(id, year, stage)`` of every case the organization has had, oldest first (a repeat listing's link)."""
        return list(self._cases_of(org_id))

    # -- reports, verifications, extensions ----------------------------------------------------------

    def add_progress(self, case_id: int, *, on: date, note: str, actor: str) -> None:
        values = dict(case_id=case_id, reported_on=on, note=note, actor=actor)
        validation.row(progress_t, values)
        self.conn.execute(INSERTS[progress_t], values)

    def add_verification(self, case_id: int, **values: Any) -> None:
        validation.row(verification_t, values)
        self.conn.execute(INSERTS[verification_t], dict(case_id=case_id, **values))

    def failed_verifications(self, case_id: int) -> int:
        return int(self.conn.execute(_FAILED_VERIFICATIONS, {"case_id": case_id}).scalar_one())

    def add_extension(self, case_id: int, **values: Any) -> None:
        validation.row(extension_t, values)
        self.conn.execute(INSERTS[extension_t], dict(case_id=case_id, **values))


    # -- supervision (挂牌督办) ---------------------------------------------------------------------

    def sign_up(self, case_id: int) -> sa.Row[Any] | None:
        """The case's sign still up, if any."""
        return self.conn.execute(_SIGN_UP, {"case_id": case_id}).one_or_none()

    def hang_sign(self, case_id: int, **values: Any) -> None:
        self.conn.execute(INSERTS[supervision_t], dict(
            case_id=case_id, taken_down_on=None, inspected_by="", inspected_on=None, down_reason="",
            taken_down_by="", **values))

    def take_down_sign(self, sign_id: int, **values: Any) -> None:
        self.conn.execute(sa.update(supervision_t).where(supervision_t.c.id == sign_id).values(**values))

    def registered_person(self, name: str) -> sa.Row[Any] | None:
        """The registered person of that name or login (``role``, ``active``); None when not registered."""
        row = find_person(self.conn, name)
        return row if row is not None and row.registered else None

    # -- verification, 公示 and its objections -----------------------------------------------------------

    def pending_objection(self, case_id: int) -> sa.Row[Any] | None:
        """The objection raised in 公示 and not yet decided, if any."""
        return self.conn.execute(_PENDING_OBJECTION, {"case_id": case_id}).one_or_none()

    def add_objection(self, case_id: int, **values: Any) -> None:
        validation.row(objection_t, values)
        self.conn.execute(INSERTS[objection_t], dict(
            case_id=case_id, decision="", decided_on=None, decided_by="", note="", **values))

    def decide_objection(self, objection_id: int, **values: Any) -> None:
        self.conn.execute(sa.update(objection_t).where(objection_t.c.id == objection_id).values(**values))

    def overturn_verification(self, case_id: int, reasons: str) -> None:
        """An objection upheld in 公示: the case's last passed verification counts as failed."""
        last = sa.select(sa.func.max(verification_t.c.id)).where(
            verification_t.c.case_id == case_id, verification_t.c.passed.is_(True)).scalar_subquery()
        self.conn.execute(sa.update(verification_t).where(verification_t.c.id == last).values(
            passed=False, grade="fail", reasons=reasons))
