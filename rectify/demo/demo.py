"""The demo county (SPEC §9): deterministic, built through the engine so its history is real.

About 300 organizations in 6 townships; about 8 % of them listed in one early-year batch of the as-of
year, plus a few additions; last year's cohort struck off and in its 巩固期, one 反弹 listed again. Every
step of a case is taken in date order, so its history reads forward; the dates around the as-of day are
placed relative to it, so the demo shows every stage, task and light whatever day it is built on.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from typing import Any

from rectify.config import Config
from rectify.demo.demo_data import (  # noqa: F401 (with_demo_report: re-exported)
    ADMIN,
    APPROVER,
    AUDITOR,
    CADRE,
    COUNTY_LEADERS,
    DEMO_COUNTY,
    DEMO_PASSWORD_HASH,
    DEMO_PEOPLE,
    LOCAL_WEIGHT,
    MAIL,
    OBJECTION,
    OFFICERS,
    OWN_SECRETARY_SOURCE,
    PROBLEM_WEIGHTS,
    PROGRESS_NOTES,
    SUPERVISOR,
    TEAM,
    TOWNSHIP_LEADERS,
    TOWNSHIPS,
    UNITS,
    VERIFIER,
    Names,
    demo_orgs,
    details,
    measure_texts,
    with_demo_report,
)
from rectify.errors import Refused
from rectify.states.deadlines import default_deadline
from rectify.states.roles import Role
from rectify.states.stages import Stage
from rectify.states.workdays import PUBLICITY as PUBLICITY_WINDOW
from rectify.states.workdays import work_calendar
from rectify.store import Database, describe
from rectify.store.demo import delete_orgs, foreign_rows
from rectify.write.accounts import Accounts
from rectify.write.engine import Workflow
from rectify.write.people import PersonInput, register_people

__all__ = ["ADMIN", "APPROVER", "AUDITOR", "CADRE", "DEMO_COUNTY", "DEMO_ORGS", "DEMO_PEOPLE", "OFFICERS",
           "SUPERVISOR", "TOWNSHIP_LEADERS", "VERIFIER", "batch_day", "build_demo", "clear_demo",
           "refuse_real_data", "score_items"]

DEMO_ORGS = demo_orgs()

# Targets that are not stages: verified then listed again after a relapse, failed verification once, in 公示.
REOPENED = "reopened"
FAILED_ONCE = "failed_once"
PUBLICITY = "publicity"
ADDED = "added"  # an addition after the batch, still at 已确定
ADDED_PLANNED = "added_planned"  # an addition after the batch, its plan filed
# The as-of year's batch: (target, count); 21 cases, with the 2 additions and the 反弹 4 per township. One
# waits for its first secretary long after the batch; 已确定 shows on an addition.
BATCH: tuple[tuple[str, int], ...] = (
    (Stage.ledger_created, 1), (Stage.secretary_assigned, 14), (FAILED_ONCE, 1),
    (Stage.rectified, 2), (PUBLICITY, 2), (Stage.withdrawn, 1),
)
ADDITIONS = (ADDED, ADDED_PLANNED)
LAST_YEAR = 20  # last year's cohort, struck off; one of them relapses and is listed again
PER_TOWNSHIP = 4  # the as-of year's listings in each township (4 of about 50: 8 %)
ESCALATION_NOTES = (("urge", "电话督促乡镇党委书记，限期报送整改进展"), ("talk", "约谈乡镇党委书记和党组织书记"),
                    ("notify", "在全县组织工作会议上通报整改滞后情况"))


def batch_day(as_of: date) -> date:
    """The as-of year's listing date (early March), or 110 days back early in the year so every stage shows."""
    return min(date(as_of.year, 3, 5), as_of - timedelta(days=110))


class _Clock:
    def __init__(self) -> None:
        self.day = date(2000, 1, 1)

    def __call__(self) -> datetime:
        return datetime.combine(self.day, time(1, 30), tzinfo=UTC)  # 09:30 in Asia/Shanghai


def clear_demo(db: Database) -> None:
    """Remove the demo's own organizations and their cases so a rebuild gives the same data.

    Only the demo's codes in the demo county are touched: an officer's own organizations, even in a
    county of the same name, and everything else are left as they are.
    """
    with db.begin() as conn:
        delete_orgs(conn, DEMO_COUNTY, [o["code"] for o in DEMO_ORGS])


def refuse_real_data(db: Database) -> None:
    """The demo only goes into an empty database or one holding the demo: fake cases in a county's real
    ledger would be reported as real ones."""
    with db.connect() as conn:
        orgs, people = foreign_rows(conn, DEMO_COUNTY, [o["code"] for o in DEMO_ORGS], [p.name for p in DEMO_PEOPLE])
    if orgs or people:
        raise Refused(f"数据库 {describe(db.url)} 中已有非演示数据（组织 {orgs} 个、登记人员 {people} 名），"
                      "rectify demo 只在空数据库或演示数据库中建立演示县；请用 --db 指定一个新的数据库")


class Signers:
    """One workflow per registered person of the demo, so each step is signed by whoever may take it."""

    def __init__(self, db: Database, config: Config, clock: _Clock) -> None:
        self._flows = {p.name: Workflow(db, config, actor=p.name, clock=clock, role=str(p.role))
                       for p in DEMO_PEOPLE}

    def __call__(self, person: PersonInput) -> Workflow:
        return self._flows[person.name]


@dataclass
class County:
    """What the walks share: the signers, the clock, the names, the leaders' turn, the people to register."""

    signers: Signers
    clock: _Clock
    rng: random.Random
    names: Names
    as_of: date
    local: dict[str, str]
    leader_turn: int = 0
    emails: dict[str, str] = field(default_factory=dict)
    unit_people: dict[str, list[str]] = field(default_factory=dict)
    secretaries: list[PersonInput] = field(default_factory=list)

    def email(self, name: str, prefix: str) -> str:
        if name not in self.emails:
            self.emails[name] = CADRE.email if name == CADRE.name else f"{prefix}{len(self.emails) + 1}@{MAIL}"
        return self.emails[name]

    def unit_person(self, unit: str) -> str:
        pool = self.unit_people.setdefault(unit, [])
        if len(pool) < 2:
            pool.append(self.names.new())
            return pool[-1]
        return self.rng.choice(pool)

    def problems(self) -> list[str]:
        weights = {**PROBLEM_WEIGHTS, **{code: LOCAL_WEIGHT for code in self.local}}
        codes, w = list(weights), list(weights.values())
        n = self.rng.choice((1, 1, 2, 2, 2, 3))
        chosen: set[str] = set()
        while len(chosen) < n:
            chosen.add(self.rng.choices(codes, w)[0])
        return sorted(chosen)


def _pick_orgs(rng: random.Random) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]:
    """(the as-of year's new listings, last year's cohort, the organization that relapses): 4 listings this
    year in each township (the relapse one counted in its township), two of 城关镇's in communities."""
    by_town: dict[str, list[dict[str, Any]]] = {}
    for o in DEMO_ORGS:
        if o["kind"] in ("village", "community"):
            by_town.setdefault(o["township"], []).append(o)
    towns = [t for t, _, _ in TOWNSHIPS]
    relapse_town = towns[rng.randrange(len(towns))]
    this_year: list[dict[str, Any]] = []
    last_year: list[dict[str, Any]] = []
    relapse: dict[str, Any] = {}
    for n, town in enumerate(towns):
        pool = by_town[town][:]
        rng.shuffle(pool)
        communities = [o for o in pool if o["kind"] == "community"]
        if len(communities) > 4:  # the town seat: communities listed too
            pool = communities[:2] + [o for o in pool if o not in communities[:2]]
        fresh = PER_TOWNSHIP - (town == relapse_town)
        this_year += pool[:fresh]
        cohort = pool[fresh:fresh + (4 if n < 2 else 3)]
        if town == relapse_town:
            relapse = cohort[0]
        last_year += cohort
    return this_year, last_year, relapse


def build_demo(db: Database, config: Config, as_of: date, *, actor: str = "demo") -> int:
    """Build the demo county as it stands on ``as_of``; returns the number of cases.

    ``actor`` is who asked for the demo; the steps themselves are signed by the demo's own people.
    """
    refuse_real_data(db)
    clear_demo(db)
    rng = random.Random(20240305)
    clock = _Clock()
    register_people(db, DEMO_PEOPLE, clock())
    Accounts(db, config, clock).set_known_hash([p.login for p in DEMO_PEOPLE if p.login], DEMO_PASSWORD_HASH)
    county = County(Signers(db, config, clock), clock, rng, Names(rng), as_of,
                    dict(config.policy.local_problem_types))
    for o in DEMO_ORGS:
        county.signers(OFFICERS[0]).add_org(o["code"], o["name"], kind=o["kind"], county=DEMO_COUNTY,
                                            township=o["township"], poor_village=o["poor_village"])
    this_year, last_year, relapse = _pick_orgs(rng)
    rng.shuffle(this_year)
    targets = [t for t, n in BATCH for _ in range(n)] + list(ADDITIONS)
    last_year.sort(key=lambda o: o is not relapse)  # the relapse first: it is rectified earliest
    walks = [_Walk(county, o, Stage.verified if o is not relapse else REOPENED, k, last_year=True)
             for k, o in enumerate(last_year)]
    walks += [_Walk(county, o, target, k) for k, (o, target) in enumerate(zip(this_year, targets, strict=True))]
    for walk in walks:
        walk.schedule()
        walk.execute()
    # The first secretaries the plans named, registered once they serve (scope: their township).
    register_people(db, county.secretaries, clock())
    return len(walks) + 1  # the relapse is listed again: a second case


@dataclass
class _Walk:
    """One case: its steps scheduled on plausible dates, then taken through the engine in date order."""

    county: County
    org: dict[str, Any]
    target: str
    k: int
    last_year: bool = False
    steps: list[tuple[date, int, Callable[[date], Any]]] = field(default_factory=list)
    case_id: int = 0
    problems: list[str] = field(default_factory=list)
    helping_unit: str = ""
    due_by: date = date.min  # the conversion deadline as listed

    @property
    def code(self) -> str:
        return str(self.org["code"])

    @property
    def township(self) -> str:
        return str(self.org["township"])

    @property
    def kind(self) -> str:
        return "community" if self.org["kind"] == "community" else "village"

    @property
    def as_of(self) -> date:
        return self.county.as_of

    @property
    def rng(self) -> random.Random:
        return self.county.rng

    @property
    def officer_person(self) -> PersonInput:
        return OFFICERS[self.k % len(OFFICERS)]

    def sign(self, person: PersonInput) -> Workflow:
        return self.county.signers(person)

    def do(self, day: date, step: Callable[[date], Any]) -> date:
        """Schedules a step on ``day`` (never after the as-of day); returns the day."""
        day = min(day, self.as_of)
        self.steps.append((day, len(self.steps), step))
        return day

    def execute(self) -> None:
        for day, _, step in sorted(self.steps, key=lambda s: (s[0], s[1])):
            self.county.clock.day = day
            step(day)

    # -- the plan of each target ---------------------------------------------------------------------

    def schedule(self) -> None:
        as_of, batch = self.as_of, batch_day(self.as_of)
        if self.last_year:
            self.schedule_last_year(date(batch.year - 1, batch.month, min(batch.day, 28)))
            return
        if self.target in ADDITIONS:
            identified = as_of - timedelta(days=3 if self.target == ADDED else 25)
            self.open(identified)
            if self.target == ADDED_PLANNED:
                self.plan(as_of - timedelta(days=14), identified)
            return
        self.open(batch, self.deadline(batch))
        if self.target == Stage.withdrawn:
            self.do(batch + timedelta(days=10), lambda d: self.sign(APPROVER).withdraw(
                self.code, reason="复核后不属于软弱涣散，排查时误判"))
            return
        if self.target == Stage.identified:
            return
        preexisting = self.target == Stage.secretary_assigned and self.k % 7 == 3
        planned = self.plan(batch + timedelta(days=0 if preexisting else self.rng.randint(5, 12)), batch)
        if self.target == Stage.ledger_created:
            return
        assigned = self.assign(planned + timedelta(days=self.rng.randint(8, 16)), preexisting)
        self.schedule_under_way(assigned)

    def deadline(self, batch: date) -> date | None:
        """The conversion deadline: year end (the default) for most, set shorter or longer for a few so the
        lights spread over the cases under way."""
        if self.target not in (Stage.secretary_assigned,):
            return None
        span = (self.as_of - batch).days
        share = (None, 0.22, 0.08, None)[self.k % 4]
        if share is None:
            return None if self.k % 4 == 0 else self.as_of - timedelta(days=10)
        return self.as_of + timedelta(days=round(share * span / (1 - share)))

    def schedule_under_way(self, assigned: date) -> None:
        as_of = self.as_of
        if self.target == Stage.secretary_assigned:
            self.reports(assigned, as_of)
            self.late_steps()
            return
        rect_day = as_of - timedelta(days={FAILED_ONCE: 30, PUBLICITY: 20}.get(self.target, 12 + 14 * (self.k % 2)))
        self.reports(assigned, rect_day - timedelta(days=1))
        self.rectify(rect_day)
        if self.target == FAILED_ONCE:
            self.fail(rect_day + timedelta(days=15))
            self.do(as_of - timedelta(days=5), lambda d: self.sign(TOWNSHIP_LEADERS[self.township]).report_progress(
                self.code, on=d, note="按验收反馈意见逐项整改"))
        elif self.target == PUBLICITY:
            self.publicity()

    def schedule_last_year(self, batch: date) -> None:
        self.open(batch)
        planned = self.plan(batch + timedelta(days=self.rng.randint(5, 12)), batch)
        assigned = self.assign(planned + timedelta(days=self.rng.randint(8, 16)), False)
        rect_day = batch + timedelta(days=200 if self.target == REOPENED else 205 + self.rng.randint(0, 50))
        self.reports(assigned, rect_day - timedelta(days=1))
        self.rectify(rect_day)
        struck = self.verify(rect_day + timedelta(days=self.rng.randint(10, 20)))
        self.look_backs(struck)

    # -- the steps --------------------------------------------------------------------------------

    def open(self, identified: date, deadline: date | None = None) -> None:
        self.problems = problems = self.county.problems()
        officer, k = self.officer_person, self.k
        status = "缺配" if k % 5 == 0 else "需调整" if k % 7 == 2 else ""
        text = details(self.kind, self.problems, self.county.local)
        self.due_by = deadline or default_deadline(identified, self.sign(officer).config.policy)

        def step(d: date) -> None:
            self.case_id = self.sign(officer).open_case(
                self.code, problems=problems, identified_on=d, deadline=deadline, detail=text,
                officer=officer.name, officer_email=officer.email, village_secretary=status).case_id

        self.do(identified, step)

    def measures(self, day: date, deadline: date, helping_unit: str) -> list[Any]:
        """Three measures drawn for the problems (each problem covered), each naming the one it fixes."""
        rng, county, out = self.rng, self.county, []
        floor = day + timedelta(days=20)
        if self.target == Stage.secretary_assigned and self.k % 4 in (1, 2):
            # On schedule, so the conversion deadline gives these their yellow and orange lights (an overdue
            # measure would make them red).
            floor = max(floor, min(deadline, self.as_of + timedelta(days=1)))
        for i in range(3):
            code = self.problems[i % len(self.problems)]
            text = measure_texts(self.kind, code, county.local)[i // len(self.problems) % 3]
            if code in ("P09", "P10") and i:
                owner = f"{county.unit_person(helping_unit)}（{helping_unit}）"
            else:
                owner = f"{county.names.cadre(self.township)}（{self.township}党委）"
            due = max(deadline - timedelta(days=rng.randint(5, 40)), floor)
            out.append(([code], text, owner, due))
        return out

    def plan(self, day: date, identified: date, deadline: date | None = None) -> date:
        county = self.county
        name, post = COUNTY_LEADERS[county.leader_turn % len(COUNTY_LEADERS)]
        county.leader_turn += 1
        helping_unit = self.helping_unit = self.helping_unit or self.rng.choice(UNITS)  # it stays on a relapse
        cadre = county.names.cadre(self.township)
        measures = self.measures(day, deadline or self.due_by, helping_unit)
        emails = {"county_leader": county.email(name, "leader"), "township_cadre": county.email(cadre, "cadre")}
        return self.do(day, lambda d: self.sign(self.officer_person).plan(
            self.code, measures=measures, county_leader=f"{name}（{post}）",
            township_leader=TOWNSHIP_LEADERS[self.township].name, township_cadre=cadre,
            helping_unit=helping_unit, emails=emails))

    def assign(self, day: date, preexisting: bool) -> date:
        """The first secretary, dispatched by the helping unit (its 派出单位); a few already in post (原已驻村)."""
        county, name = self.county, self.county.names.new()
        email = f"secretary{len(county.secretaries) + 1}@{MAIL}"

        def step(d: date) -> None:
            wf = self.sign(self.officer_person)
            since = d - timedelta(days=400) if preexisting else d
            wf.assign_secretary(self.code, name=name, since=since, email=email)  # 派出单位: the helping unit
            n = len(county.secretaries) + 1  # each reads 企业微信 (SPEC §16)
            county.secretaries.append(PersonInput(name, self.helping_unit, Role.first_secretary,
                                                  f"{DEMO_COUNTY}/{self.township}", email, wecom_userid=f"fs{n:03d}"))
            if self.k % 5 == 0:  # the own track beside it: a new secretary of the organization chosen, by SMS
                wf.village_secretary(self.code, name=county.names.new(), since=d, action="选配",
                                     source=OWN_SECRETARY_SOURCE[self.kind], phone=f"1390000{self.k:04d}")

        return self.do(day, step)

    def reports(self, start: date, until: date) -> None:
        """Monthly progress reports (some lapse 45 days before ``until``, to show the reminder)."""
        day = start + timedelta(days=30)
        lapse = timedelta(days=0 if self.k % 3 or self.last_year else 45)
        notes = PROGRESS_NOTES[self.kind]
        while day <= until - lapse:
            self.do(day, partial(self.report, note=self.rng.choice(notes)))
            day += timedelta(days=30)

    def report(self, day: date, note: str) -> None:
        self.sign(TOWNSHIP_LEADERS[self.township]).report_progress(self.code, on=day, note=note)

    def late_steps(self) -> None:
        """Supervision, an extension and a first measure done, spread over the cases still under way."""
        k, as_of = self.k, self.as_of
        if k % 6 == 1:
            self.do(as_of - timedelta(days=20), lambda d: self.sign(SUPERVISOR).supervise(
                self.code, unit=SUPERVISOR.unit, on=d, matter="整顿进度滞后，列入市级挂牌督办"))
            if k % 12 == 1:  # a case on schedule (its measures not yet due), inspected: the matter answered
                self.do(as_of - timedelta(days=3), lambda d: self.sign(SUPERVISOR).unsupervise(
                    self.code, on=d, inspected_by=SUPERVISOR.name, reason="经市级检查，督办事项已整改到位",
                    findings=["班子已配齐，整改进度已赶上计划"]))
        if k % 6 == 5:
            self.escalate((k // 6 + 1) % 3)
        if k % 6 == 3:
            self.do(as_of - timedelta(days=60), lambda d: self.sign(OFFICERS[0]).extend(
                self.code, to=self.due_by + timedelta(days=30), reason="换届工作推迟，整改周期延长",
                approved_by=APPROVER.name))
        if k % 4 == 0:
            self.do(as_of - timedelta(days=5), lambda d: self.sign(TOWNSHIP_LEADERS[self.township]).complete_measure(
                self.code, 1, on=d))

    def escalate(self, rungs: int) -> None:
        """督促, then 约谈, then 通报 and a county sign: the escalation ladder on a few cases under way."""
        officer, as_of = self.sign(OFFICERS[0]), self.as_of
        for n, (step, note) in enumerate(ESCALATION_NOTES[:rungs + 1]):
            self.do(as_of - timedelta(days=28 - 7 * n), partial(self.escalate_step, step=step, note=note))
        if rungs == 2:
            self.do(as_of - timedelta(days=6), lambda d: officer.supervise(
                self.code, unit=OFFICERS[0].unit, on=d, due=as_of + timedelta(days=30),
                matter="约谈、通报后整改仍滞后，列入县级挂牌督办，一个月内配齐班子"))

    def escalate_step(self, day: date, step: str, note: str) -> None:
        self.sign(OFFICERS[0]).escalate(self.code, step=step, on=day, note=note)

    def measure_done(self, day: date, number: int) -> None:
        self.sign(TOWNSHIP_LEADERS[self.township]).complete_measure(self.code, number, on=day)

    def rectify(self, rect_day: date) -> None:
        leader = TOWNSHIP_LEADERS[self.township]
        for n in (1, 2, 3):
            self.do(rect_day - timedelta(days=4 - n), partial(self.measure_done, number=n))
        self.do(rect_day, lambda d: self.sign(leader).mark_rectified(
            self.code, on=d, self_check="乡镇党委逐项对照整改清单初验，问题均已整改到位，申请验收"))

    def fail(self, day: date) -> None:
        """One verification below the thresholds: back to 整改中 (stage 3) with a finding and a new measure."""
        owner = f"{self.county.names.cadre(self.township)}（{self.township}党委）"
        deadline = self.as_of + timedelta(days=60)
        self.do(day, lambda d: self.sign(VERIFIER).verify(
            self.code, on=d, by="县委组织部验收组", members=[VERIFIER.name, *TEAM], score=62, satisfied=30, basic=10,
            dissatisfied=12, deadline=deadline, findings=["“三会一课”记录不全，群众满意度偏低"],
            measures=[([self.problems[0]], "补齐“三会一课”记录并逐户走访群众", owner, deadline - timedelta(days=10))]))

    def verify(self, day: date) -> date:
        """验收 by the verifier; 公示; then 销号 by the approver. Returns the strike-off day."""
        rng = self.rng
        score = rng.randint(78, 95)
        surveyed = (rng.randint(35, 50), rng.randint(3, 10), rng.randint(0, 3))
        self.do(day, lambda d: self.sign(VERIFIER).verify(
            self.code, on=d, by="县委组织部验收组", members=[VERIFIER.name, *TEAM],
            items=score_items(score, self.sign(VERIFIER).config.verification.items), satisfied=surveyed[0],
            basic=surveyed[1], dissatisfied=surveyed[2]))
        approver = self.sign(APPROVER).config
        until = work_calendar(approver).add(PUBLICITY_WINDOW, day, approver.policy.publicity_days)
        struck = until + timedelta(days=1 + rng.randint(0, 4))
        return self.do(struck, lambda d: self.sign(APPROVER).strike_off(
            self.code, on=d, doc_no=f"青组字〔{d.year}〕{30 + self.k}号"))

    def look_backs(self, struck: date) -> None:
        """The 巩固期: every 回头看 due by now done (巩固), but one left due on the first case; the relapse is
        found at the latest look-back and listed again as a new 整顿对象, its first secretary carried over."""
        policy = self.sign(OFFICERS[0]).config.policy
        dues = [struck + timedelta(days=n) for n in policy.look_back_after_days]
        wf = self.sign(self.officer_person)
        if self.target == REOPENED:
            again = self.as_of - timedelta(days=20)
            stable = [d for d in dues if d <= again][:-1]
        else:
            stable = [d for d in dues if d <= self.as_of][:(-1 if self.k == 1 else None)]
        for due in stable:
            self.do(due, lambda d: wf.look_back(self.case_id, on=d, result="巩固",
                                                note="班子团结稳定，组织生活正常，群众满意"))
        if self.target == REOPENED:
            self.do(again, lambda d: wf.look_back(self.case_id, on=d, result="反弹", problems=["P03"],
                                                  note="班子成员矛盾再起，组织生活停滞",
                                                  deadline=self.as_of + timedelta(days=150)))
            self.problems = ["P03"]  # the new case's problem list, its plan drawn for it
            self.plan(again + timedelta(days=self.rng.randint(5, 12)), again, self.as_of + timedelta(days=150))

    def publicity(self) -> None:
        """Verified a few days ago and in 公示; on one of them an objection looked into and not upheld."""
        verifier, officer = self.sign(VERIFIER), self.sign(OFFICERS[0])
        day = self.as_of - timedelta(days=2 + self.k % 2)
        self.do(day, lambda d: verifier.verify(
            self.code, on=d, by="县委组织部验收组", members=[VERIFIER.name, *TEAM],
            items=score_items(84 + self.k % 5, verifier.config.verification.items), satisfied=41, basic=6,
            dissatisfied=1))
        if self.k % 2 == 0:
            text, note = OBJECTION[self.kind]
            self.do(day + timedelta(days=1), lambda d: officer.objection(self.code, on=d, text=text))
            self.do(day + timedelta(days=1), lambda d: officer.decide_objection(self.code, on=d, upheld=False,
                                                                                note=note))


def score_items(score: int, areas: tuple[str, ...]) -> dict[str, int]:
    """A score sheet of the configured areas (default the 六有) adding up to ``score``."""
    base, extra = divmod(score, len(areas))
    return {a: base + (1 if i < extra else 0) for i, a in enumerate(areas)}
