"""The write side: every operation is one transaction that checks the guards, changes, and appends an event.

One module-level ``transitions`` machine serves every case: it moves a light :class:`Proposal`, never a
stored row. The database transaction around it is what makes a refused or failed step leave nothing
behind, and the ``version`` column is what makes the slower of two concurrent officers lose cleanly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy.engine import Row
from transitions import Machine, MachineError

from rectify import validation
from rectify.clock import Clock, local_today, system_clock
from rectify.config import Config
from rectify.errors import BadInput, Conflict, NotFound, Reason, Refused
from rectify.states import effects
from rectify.states.deadlines import default_deadline, stage_due
from rectify.states.guards import GUARDS, Proposal
from rectify.states.permissions import (
    ORG_ACTION,
    Actor,
    role_refusal,
    scope_refusal,
    sign_refusal,
)
from rectify.states.roles import Role
from rectify.states.stages import KINDS, STAGES, Stage
from rectify.states.steps import field_of
from rectify.states.tracks import VILLAGE_STATUS_WORDS
from rectify.states.transitions import ACTION_LABELS, BY_TRIGGER, OPEN_ACTION, TRANSITIONS, TransitionSpec
from rectify.states.workdays import work_calendar
from rectify.store import Database
from rectify.store.cases import CaseStore, DuplicateKey
from rectify.store.tables import org_t
from rectify.validation import email_address, limit
from rectify.write import consolidation, duties, secretaries, supervision, verification
from rectify.write.outcome import Outcome, stage_text
from rectify.write.plan import PERSON_ROLES
from rectify.write.plan import plan as file_plan
from rectify.write.plan_inputs import parse_problems
from rectify.write.step import Apply, Facts, person_name

__all__ = ["ACTION_LABELS", "MACHINE", "PERSON_ROLES", "Outcome", "Workflow", "parse_problems", "stage_text"]

# Where an operation's inputs carry its business date, in order of preference.
BUSINESS_DATE_KEYS = ("on", "since", "identified_on")


def _guards_pass(spec: TransitionSpec) -> Callable[[Any], bool]:
    guards = [(name, GUARDS[name]) for name in spec.guards]

    def check(event_data: Any) -> bool:
        proposal: Proposal = event_data.model
        failed: list[str] = []
        missing: list[str] = []
        for name, g in guards:
            m = g(proposal)
            if m:
                failed.append(name)
                missing.append(m)
        proposal.failed, proposal.missing = failed, missing
        return not missing

    return check


def _machine_moves(t: TransitionSpec) -> list[dict[str, Any]]:
    """A move as the machine takes it: a join's landing first (when its fact holds), then the move's own.

    The join's fact is asked before its guards: when it does not hold (a plan with no 第一书记 in post), the
    guards run once, for the move's own landing, not twice; when it holds, the same guards decide as before."""
    own = {"trigger": t.trigger, "source": list(t.sources), "dest": t.dest, "conditions": [_guards_pass(t)]}
    if t.join is None:
        return [own]
    fact = t.join.fact
    conditions = [*([lambda e: bool(e.model.facts.get(fact))] if fact else []), _guards_pass(t)]
    return [{"trigger": t.trigger, "source": list(t.join.sources), "dest": t.join.dest, "conditions": conditions},
            own]


MACHINE = Machine(
    model=None,
    states=[s.value for s in STAGES],
    transitions=[move for t in TRANSITIONS for move in _machine_moves(t)],
    initial=Stage.identified.value,
    auto_transitions=False,
    send_event=True,
)


class _Event:
    """What a guard condition is handed (``send_event``): the proposal as the event's model."""

    __slots__ = ("model",)

    def __init__(self, model: Proposal) -> None:
        self.model = model


def _plain(machine: Machine) -> bool:
    """No callbacks anywhere and every condition a function: firing is only the conditions and the new state."""
    hooks = (machine.prepare_event, machine.finalize_event, machine.before_state_change, machine.after_state_change,
             machine.on_exception)
    moves = [t for e in machine.events.values() for ts in e.transitions.values() for t in ts]
    return not any(hooks) and all(not (t.prepare or t.before or t.after) and all(callable(c.func) for c in
                                                                                 t.conditions) for t in moves) \
        and all(not (s.on_enter or s.on_exit) for s in machine.states.values())


_PLAIN = _plain(MACHINE)


def fire(trigger: str, proposal: Proposal) -> bool:
    """``MACHINE.events[trigger].trigger(proposal)``, without the library's per-call machinery (event data, callback
    resolution, logging, ~50 µs a step): the machine's own transitions out of the proposal's stage, in order, the
    first whose conditions all hold moving it. :class:`MachineError` when the trigger does not leave that stage.
    Only for a machine without callbacks (:func:`_plain`, checked at import; else the library fires it)."""
    if not _PLAIN:
        return bool(MACHINE.events[trigger].trigger(proposal))
    moves = _MOVES.get((trigger, proposal.state))
    if moves is None:
        moves = _MOVES[trigger, proposal.state] = _moves(trigger, proposal.state)
    if not moves:
        raise MachineError(f'"Can\'t trigger event {trigger} from state {proposal.state}!"')
    data = _Event(proposal)
    for dest, conditions in moves:
        for func, target in conditions:  # every condition in order, the first that fails ends the move
            if func(data) != target:
                break
        else:
            if dest is not None:
                proposal.state = dest
            return True
    return False


# (trigger, stage) → the machine's moves out of the stage, in order: (destination, ((condition, its target), …))
_MOVES: dict[tuple[str, str], tuple[tuple[str | None, tuple[tuple[Callable[[Any], Any], bool], ...]], ...]] = {}


def _moves(trigger: str, state: str) -> tuple[tuple[str | None, tuple[tuple[Callable[[Any], Any], bool], ...]], ...]:
    return tuple((move.dest, tuple((cast(Callable[[Any], Any], c.func), c.target) for c in move.conditions))
                 for move in MACHINE.events[trigger].transitions.get(state, ()))


def _refusal_head(spec: TransitionSpec, row: Row[Any]) -> str:
    return f"无法{spec.label}：整顿对象 {row.id}（{row.org_name}）处于{stage_text(row.stage)}阶段"


class Workflow:
    """The operations of SPEC §3 on one database, performed by one actor at the clock's time."""

    def __init__(self, db: Database, config: Config | None = None, *, actor: Actor | str = "system",
                 clock: Clock = system_clock, role: str | None = None) -> None:
        """``actor`` is the resolved person (:func:`rectify.write.actors.resolve_actor`); a bare name
        (with an optional ``role``) is kept for scripts and tests written before the registry."""
        self.db = db
        self.config = config or Config()
        self.person = actor if isinstance(actor, Actor) else Actor(name=actor, role=role)
        self.clock = clock
        self.evidence: Any = None  # the files the next step attaches (rectify.write.evidence.Attachments)

    @property
    def actor(self) -> str:
        return self.person.name

    # -- helpers ---------------------------------------------------------------------------------

    def today(self) -> date:
        return local_today(self.clock, self.config.policy.timezone)

    def record_event(self, store: CaseStore, case_id: int, action: str, from_stage: str | None, to_stage: str | None,
               reason: str = "", detail: dict[str, Any] | None = None, at: datetime | None = None,
               on: date | None = None) -> int:
        """Appends to the history; ``on`` is the business date (default: the inputs' date, else today)."""
        return store.append_event(case_id, at=at or self.clock(), actor=self.actor, actor_unit=self.person.unit,
                                  operator=self.person.operator, action=action, from_stage=from_stage,
                                  to_stage=to_stage, reason=reason or "", detail=detail,
                                  happened_on=self.business_date(detail or {}, on))

    def business_date(self, inputs: dict[str, Any], on: date | None = None) -> date:
        if on:
            return on
        for key in BUSINESS_DATE_KEYS:
            given = inputs.get(key)
            if isinstance(given, date):
                return given
        return self.today()  # asked only when no input carries a date

    def check_may(self, trigger: str, label: str) -> None:
        """The role check, before any statement: who, which step, why not."""
        refusal = role_refusal(self.person, trigger, label)
        if refusal:
            raise Refused(refusal, reasons=[Reason("role", None, refusal)])

    def _check_scope(self, county: str, township: str) -> None:
        """The scope check, inside the change's transaction (the organization read there)."""
        refusal = scope_refusal(self.person, county, township)
        if refusal:
            raise Refused(refusal, reasons=[Reason("scope", None, refusal)])

    def _propose(self, store: CaseStore, row: Row[Any], spec: TransitionSpec, inputs: dict[str, Any],
                 facts: Facts | None) -> Proposal:
        """Moves a proposal of the case by the shared machine, or refuses naming the stage and what is missing."""
        proposal = Proposal(state=row.stage, facts={
            "identified_on": row.cycle_start, "deadline": row.deadline, "supervised": row.supervised,
            "measures_total": row.measures_total,
            "measures_open": row.measures_total - row.measures_done,
            "rectified_on": row.rectified_on, "today": self.today(),
        }, inputs=inputs)
        if facts is not None:
            proposal.facts.update(facts(store, row))
        try:
            moved = fire(spec.trigger, proposal)
        except MachineError:
            allowed = "、".join(stage_text(x) for x in spec.sources)
            line = f"{_refusal_head(spec, row)}，此操作只适用于{allowed}阶段"
            raise Refused(line, reasons=[Reason("stage", None, line)]) from None
        if not moved:
            raise Refused(f"{_refusal_head(spec, row)}，{'；'.join(proposal.missing)}", reasons=[
                Reason(guard, field_of(spec.trigger, guard), message)
                for guard, message in zip(proposal.failed, proposal.missing, strict=True)])
        return proposal

    def run_step(self, ref: str | int, trigger: str | Callable[[Row[Any]], str], inputs: dict[str, Any], *,
             apply: Apply, facts: Facts | None = None, expected_version: int | None = None, reason: str = "",
             message: Callable[[Proposal], str] | None = None) -> Outcome:
        """The one path of every step: who may, load, guard, apply, version-checked update, event.

        ``trigger`` may be chosen from the case as loaded (plan or revise_plan, …), in the same transaction."""
        if isinstance(trigger, str):
            self.check_may(trigger, BY_TRIGGER[trigger].label)
        with self.db.step() as conn:
            store = CaseStore(conn)
            row = store.case(ref, self.person.sees)  # a case out of scope reads as unknown (SPEC §12)
            if not isinstance(trigger, str):
                trigger = trigger(row)
                self.check_may(trigger, BY_TRIGGER[trigger].label)
            spec = BY_TRIGGER[trigger]
            self._check_scope(*store.place_of(row))
            if trigger == "unsupervise" and (refusal := sign_refusal(self.person, row.supervision_level)):
                raise Refused(refusal)
            if expected_version is not None and row.version != expected_version:
                raise Conflict(f"整顿对象 {row.id}（{row.org_name}）已被他人修改（版本 {expected_version} → "
                               f"{row.version}），本次操作未写入，请重新查看后再试")
            proposal = self._propose(store, row, spec, inputs, facts)
            changes = apply(store, row, proposal)
            to_stage = proposal.state
            now = self.clock()
            moved_on: date | None = None
            if to_stage != row.stage:
                # A stage never starts before the one it follows (a secretary in post since before the plan
                # moves the case on the plan's day or later), so the history replays in business-date order.
                step_on = max(inputs.get("on") or self.today(), row.stage_since)
                changes.setdefault("stage_since", max(step_on, proposal.facts.get("joined_on") or step_on))
                changes["stage"] = to_stage
                moved_on = min(changes["stage_since"], step_on)  # a join may start its stage after the step's day
            if to_stage != row.stage or "deadline" in changes or "publicity_until" in changes:
                changes["stage_due"] = stage_due(
                    to_stage, cycle_start=changes.get("cycle_start", row.cycle_start),
                    deadline=changes.get("deadline", row.deadline),
                    rectified_on=changes.get("rectified_on", row.rectified_on), policy=self.config.policy,
                    publicity_until=changes.get("publicity_until", row.publicity_until),
                    calendar=work_calendar(self.config))
            changes["version"] = row.version + 1
            changes["updated_at"] = now
            if not store.bump(row.id, row.version, changes):
                raise Conflict(f"整顿对象 {row.id}（{row.org_name}）已被他人修改，本次操作未写入，请重新查看后再试")
            event_id = self.record_event(store, row.id, trigger, row.stage, to_stage,
                                   reason or inputs.get("reason") or "", inputs, at=now, on=moved_on)
            if self.evidence is not None:  # the step's files, in its transaction (rectify.write.evidence)
                self.evidence.record(store, row.id, event_id, self.actor, self.business_date(inputs, moved_on), now)
        return Outcome(row.id, row.org_name, trigger, row.stage, to_stage, message(proposal) if message else "")

    # -- organizations --------------------------------------------------------------------------

    def add_org(self, code: str, name: str, *, kind: str, county: str, township: str,
                poor_village: bool = False) -> int:
        code, name = validation.text(code, "组织代码", max_len=limit(org_t, "code")), \
            validation.text(name, "组织名称", max_len=limit(org_t, "name"))
        county = validation.text(county, "县", max_len=limit(org_t, "county"))
        township = validation.text(township, "乡镇", max_len=limit(org_t, "township"))
        if not code or not name:
            raise BadInput("组织代码和名称不能为空")
        if kind not in KINDS:
            raise BadInput(f"未知的组织类别 {kind}（应为 {', '.join(KINDS)}）")
        if not county.strip() or not township.strip():
            raise BadInput("县和乡镇不能为空")
        self.check_may(ORG_ACTION, "登记组织")
        self._check_scope(county.strip(), township.strip())
        with self.db.begin() as conn:
            store = CaseStore(conn)
            exists = store.org(code)
            if exists is not None:  # the name only to one who may see it (SPEC §12)
                seen = self.person.sees(*store.place(exists.id))
                raise Refused(f"组织代码 {code} 已存在" + (f"（{exists.name}）" if seen else ""))
            try:
                return store.add_org(code=code, name=name, kind=kind, county=county.strip(),
                                     township=township.strip(), poor_village=poor_village, created_at=self.clock())
            except DuplicateKey:
                raise Refused(f"组织代码 {code} 已存在") from None

    # -- cases -----------------------------------------------------------------------------------

    def open_case(self, org_code: str, *, problems: Iterable[str], identified_on: date,
                  deadline: date | None = None, detail: str = "", officer: str = "",
                  officer_email: str = "", village_secretary: str = "") -> Outcome:
        """列入整顿; ``village_secretary``: the organization's own secretary at listing, 缺配 or 需调整."""
        parsed = parse_problems(problems, detail, self.config.policy.local_problem_types)
        status = VILLAGE_STATUS_WORDS.get(village_secretary.strip(), None) if village_secretary.strip() else ""
        if status is None:
            raise BadInput(f"村党组织书记状况应为 缺配 或 需调整，收到 {village_secretary!r}")
        officer_email = email_address(officer_email, "经办人")
        officer = person_name(officer, "经办人")
        deadline = deadline or default_deadline(identified_on, self.config.policy)
        self.check_may(OPEN_ACTION, ACTION_LABELS[OPEN_ACTION])
        now = self.clock()
        with self.db.step() as conn:
            store = CaseStore(conn)
            org = store.org(org_code.strip())
            if org is None or not self.person.sees(org.county, org.township):  # unseen reads as unknown (SPEC §12)
                raise NotFound(f"找不到组织 {org_code}，请先用 rectify org add 登记")
            if deadline <= identified_on:
                raise Refused(f"无法列入整顿：{org.name} 的转化时限 {deadline} 早于或等于确定日期 {identified_on}")
            if identified_on > self.today():
                raise Refused(f"无法列入整顿：{org.name} 的确定日期 {identified_on} 晚于今天 {self.today()}")
            existing = store.open_case_of(org.id)
            if existing is not None:
                raise Refused(f"无法列入整顿：{org.name} 已有在办的整顿对象 {existing.id}"
                              f"（当前阶段：{stage_text(existing.stage)}），一个组织同时只能有一个在办整顿对象")
            links = consolidation.link(store, org.id, identified_on.year)  # a repeat listing
            try:
                case_id = store.add_case(
                    org_id=org.id, year=identified_on.year, stage=Stage.identified,
                    identified_on=identified_on, deadline=deadline, stage_since=identified_on,
                    cycle_start=identified_on,
                    stage_due=stage_due(Stage.identified, cycle_start=identified_on, deadline=deadline,
                                        rectified_on=None, policy=self.config.policy,
                                        calendar=work_calendar(self.config)),
                    cycle=1, version=1, detail=detail.strip(), helping_unit="", self_check="",
                    withdrawn_reason="", supervised=False, supervision_reason="", measures_total=0,
                    measures_done=0, village_secretary_status=status, created_at=now, updated_at=now, **links)
            except DuplicateKey:
                raise Conflict(f"无法列入整顿：{org.name} 刚刚已由他人列入整顿，请用 rectify case list 查看") from None
            store.add_problems(case_id, parsed)
            if officer.strip() or officer_email.strip():
                store.add_person(case_id, "officer", officer.strip(), officer_email.strip())
            self.record_event(store, case_id, OPEN_ACTION, None, Stage.identified, detail={
                "org": org_code, "problems": [c for c, _ in parsed], "identified_on": identified_on,
                "deadline": deadline, "detail": detail, "officer": officer,
                "problem_texts": [t for _, t in parsed], "village_secretary": status, **links}, at=now)
        return Outcome(case_id, org.name, OPEN_ACTION, Stage.identified, Stage.identified,
                       f"转化时限 {deadline}")

    def plan(self, ref: str | int, *, measures: list[Any], county_leader: str = "",
             township_cadre: str = "", helping_unit: str = "", emails: dict[str, str] | None = None,
             expected_version: int | None = None, revise: bool = False, on: date | None = None,
             township_leader: str = "") -> Outcome:
        """Files the 整顿方案 (or, once filed, adds measures: revise_plan); see :func:`rectify.write.plan.plan`."""
        return file_plan(self, ref, measures=measures, county_leader=county_leader, township_cadre=township_cadre,
                         helping_unit=helping_unit, emails=emails, expected_version=expected_version,
                         revise=revise, on=on, township_leader=township_leader)

    def revise_plan(self, ref: str | int, *, measures: list[Any], emails: dict[str, str] | None = None,
                    expected_version: int | None = None, on: date | None = None) -> Outcome:
        """修订整顿方案: adds ≥1 measure to a filed plan; a case not yet planned is refused."""
        return self.plan(ref, measures=measures, emails=emails, expected_version=expected_version, revise=True,
                         on=on)

    def assign_secretary(self, ref: str | int, *, name: str, unit: str = "", since: date,
                         term_until: date | None = None, email: str = "", phone: str = "",
                         expected_version: int | None = None) -> Outcome:
        """A first secretary in post (see :mod:`rectify.write.secretaries`)."""
        return secretaries.assign_secretary(self, ref, name=name, unit=unit, since=since, term_until=term_until,
                                            email=email, phone=phone, expected_version=expected_version)

    def recall_secretary(self, ref: str | int, *, on: date, reason: str, note: str = "",
                         expected_version: int | None = None) -> Outcome:
        """Ends the first secretary's term (不胜任/期满轮换/工作需要/其他); the stage and the village track stay."""
        return secretaries.recall_secretary(self, ref, on=on, reason=reason, note=note,
                                            expected_version=expected_version)

    def extend_term(self, ref: str | int, *, on: date, term_until: date, note: str = "",
                    expected_version: int | None = None) -> Outcome:
        """延期 of the 第一书记 in post to ``term_until`` (see :mod:`rectify.write.secretaries`)."""
        return secretaries.extend_term(self, ref, on=on, term_until=term_until, note=note,
                                       expected_version=expected_version)

    def village_secretary(self, ref: str | int, *, name: str, since: date, action: str, source: str,
                          email: str = "", phone: str = "", expected_version: int | None = None) -> Outcome:
        """The organization's own secretary, 选配 or 调整 (see :mod:`rectify.write.secretaries`)."""
        return secretaries.village_secretary(self, ref, name=name, since=since, action=action, source=source,
                                             email=email, phone=phone, expected_version=expected_version)

    def work_team(self, ref: str | int, *, name: str, on: date, unit: str = "", remove: bool = False,
                  expected_version: int | None = None) -> Outcome:
        """A 驻村工作队员 joins (``unit``, from ``on``) or leaves (``remove``, on ``on``)."""
        return secretaries.work_team(self, ref, name=name, on=on, unit=unit, remove=remove,
                                     expected_version=expected_version)


    def complete_measure(self, ref: str | int, number: int, *, on: date,
                         expected_version: int | None = None) -> Outcome:
        inputs = {"measure_no": number, "on": on}

        def facts(store: CaseStore, row: Row[Any]) -> dict[str, Any]:
            return {"measure": store.measure(row.id, number)}

        def apply(store: CaseStore, row: Row[Any], p: Proposal) -> dict[str, Any]:
            store.complete_measure(p.facts["measure"]["id"], on)
            return effects.measure_done(row, inputs, on, self.config.policy)

        return self.run_step(ref, "complete_measure", inputs, apply=apply, facts=facts,
                         expected_version=expected_version,
                         message=lambda p: f"第{number}项「{p.facts['measure']['text']}」已完成")

    def report_progress(self, ref: str | int, *, on: date, note: str,
                        expected_version: int | None = None) -> Outcome:
        inputs: dict[str, Any] = {"on": on, "note": note.strip()}

        def apply(store: CaseStore, row: Row[Any], p: Proposal) -> dict[str, Any]:
            store.add_progress(row.id, on=on, note=inputs["note"], actor=self.actor)
            return effects.progress(row, inputs, on, self.config.policy)

        return self.run_step(ref, "report_progress", inputs, apply=apply, expected_version=expected_version)

    def mark_rectified(self, ref: str | int, *, on: date, self_check: str,
                       expected_version: int | None = None) -> Outcome:
        """申请验收: the township's 初验 opinion (``self_check``) and application, signed by the actor."""
        inputs = {"on": on, "self_check": self_check.strip(), "applied_by": self.actor}

        def apply(store: CaseStore, row: Row[Any], p: Proposal) -> dict[str, Any]:
            return effects.rectified(row, inputs, on, self.config.policy)

        return self.run_step(ref, "mark_rectified", inputs, apply=apply, expected_version=expected_version)

    def verify(self, ref: str | int, *, on: date, by: str, score: int | None = None, satisfied: int,
               dissatisfied: int, basic: int = 0, members: Iterable[str] = (), items: dict[str, int] | None = None,
               deadline: date | None = None, findings: Iterable[str] = (), measures: Iterable[Any] = (),
               emails: dict[str, str] | None = None, expected_version: int | None = None) -> Outcome:
        """验收 (see :mod:`rectify.write.verification`): passed, the case stays in rectified for its 公示;
        failed, ``fail_verification`` with the findings and ≥1 new measure, the application cleared."""
        return verification.verify(self, ref, on=on, by=by, members=members, score=score, items=items,
                                   satisfied=satisfied, basic=basic, dissatisfied=dissatisfied, deadline=deadline,
                                   findings=findings, measures=measures, emails=emails,
                                   expected_version=expected_version)

    def objection(self, ref: str | int, *, on: date, text: str, expected_version: int | None = None) -> Outcome:
        """An objection raised in 公示, pending until decided."""
        return verification.objection(self, ref, on=on, text=text, expected_version=expected_version)

    def decide_objection(self, ref: str | int, *, on: date, upheld: bool, note: str = "",
                         findings: Iterable[str] = (), measures: Iterable[Any] = (),
                         emails: dict[str, str] | None = None, deadline: date | None = None,
                         expected_version: int | None = None) -> Outcome:
        """The pending objection dismissed (公示 goes on) or upheld (the verification fails)."""
        return verification.decide_objection(self, ref, on=on, upheld=upheld, note=note, findings=findings,
                                             measures=measures, emails=emails, deadline=deadline,
                                             expected_version=expected_version)

    def strike_off(self, ref: str | int, *, on: date, doc_no: str = "",
                   expected_version: int | None = None) -> Outcome:
        """销号批复 → verified: after 公示, no objection pending, by someone other than the verifier."""
        return verification.strike_off(self, ref, on=on, doc_no=doc_no, expected_version=expected_version)

    def withdraw(self, ref: str | int, *, reason: str, on: date | None = None, approved_by: str = "",
                 expected_version: int | None = None) -> Outcome:
        """复核误判出列 on ``on`` (default today); ``approved_by`` names who approved it."""
        inputs: dict[str, Any] = {"reason": reason.strip(), "on": on or self.today(),
                                  "approved_by": approved_by.strip()}

        def apply(store: CaseStore, row: Row[Any], p: Proposal) -> dict[str, Any]:
            return effects.withdrawn(row, inputs, inputs["on"], self.config.policy)

        return self.run_step(ref, "withdraw", inputs, apply=apply, expected_version=expected_version,
                         facts=lambda s, r: {"signer_is_approver": self.person.role == Role.county_approver,
                                             **duties.supervised_withdrawal(s, self.person, r, approved_by.strip())})

    def extend(self, ref: str | int, *, to: date, reason: str, approved_by: str, on: date | None = None,
               expected_version: int | None = None) -> Outcome:
        inputs: dict[str, Any] = {"deadline": to, "reason": reason.strip(), "approved_by": approved_by.strip(),
                  "on": on or self.today()}

        def facts(store: CaseStore, row: Row[Any]) -> dict[str, Any]:
            return {"latest_open_measure_due": store.latest_open_measure_due(row.id),
                    **duties.extension_approver(store, self.person, row, approved_by.strip())}

        def apply(store: CaseStore, row: Row[Any], p: Proposal) -> dict[str, Any]:
            store.add_extension(row.id, old_deadline=row.deadline, new_deadline=to, reason=inputs["reason"],
                                approved_by=inputs["approved_by"], at=self.clock())
            return effects.extended(row, inputs, inputs["on"], self.config.policy)

        return self.run_step(ref, "extend", inputs, apply=apply, facts=facts, expected_version=expected_version,
                         message=lambda p: f"转化时限改为 {to}")

    def supervise(self, ref: str | int, *, level: str | None = None, unit: str = "", matter: str = "",
                  due: date | None = None, on: date | None = None, reason: str = "",
                  expected_version: int | None = None) -> Outcome:
        """挂牌督办; ``reason`` is the matters' older name. See :mod:`rectify.write.supervision`."""
        return supervision.supervise(self, ref, level=level, unit=unit, matter=matter or reason, due=due, on=on,
                                     expected_version=expected_version)

    def unsupervise(self, ref: str | int, *, on: date | None, inspected_by: str, reason: str,
                    inspected_on: date | None = None, findings: Iterable[str] = (),
                    expected_version: int | None = None) -> Outcome:
        """摘牌, after an inspection by the level that hung the sign, every 督办事项 answered, the case not red."""
        return supervision.unsupervise(self, ref, on=on, inspected_by=inspected_by, inspected_on=inspected_on,
                                       reason=reason, findings=findings, expected_version=expected_version)

    def look_back(self, ref: str | int, *, on: date, result: str, note: str, problems: Iterable[str] = (),
                  deadline: date | None = None, expected_version: int | None = None) -> Outcome:
        """回头看 in the 巩固期, 巩固 or 反弹; 反弹 lists the organization again. See :mod:`.consolidation`."""
        return consolidation.look_back(self, ref, on=on, result=result, note=note, problems=list(problems),
                                       deadline=deadline, expected_version=expected_version)

    def escalate(self, ref: str | int, *, step: str, on: date | None, note: str,
                 expected_version: int | None = None) -> Outcome:
        """督促 → 约谈 → 通报, each dated and signed, in the ladder's order."""
        return supervision.escalate(self, ref, step=step, on=on, note=note, expected_version=expected_version)
