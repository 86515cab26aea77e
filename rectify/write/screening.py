"""排查 (SPEC §15), the write side: each finding, the 研判, the 县委常委会 decision, and the listing it allows.

Every step is one transaction that checks who may (states/screening.py) and the organization's scope.
The listing opens the 名单's cases through the engine (:meth:`Workflow.open_case`), 确定日期 = the decision's
date, problems carried from the findings; all are checked before the first is opened, and each opened case
is written back to its entry, so a listing interrupted half-way is finished by running it again.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from typing import Any

from rectify import validation
from rectify.clock import Clock, local_today, system_clock
from rectify.config import Config
from rectify.errors import BadInput, NotFound, Refused
from rectify.states import screening as rules
from rectify.states.permissions import Actor, scope_refusal
from rectify.store import Database
from rectify.store import screening as store
from rectify.write.plan_inputs import parse_problems

__all__ = ["Screening", "stored_problems"]


def _few(names: list[str]) -> str:
    """The first three names, and 等 when there are more."""
    return "、".join(names[:3]) + ("等" if len(names) > 3 else "")


def stored_problems(raw: str) -> list[str]:
    """The findings' problems as ``P01:具体表现`` items (the form ``case open --problem`` takes)."""
    return list(json.loads(raw)) if raw else []


class Screening:
    """The steps of one actor on the screening rounds of one database, at the clock's time."""

    def __init__(self, db: Database, config: Config | None = None, *, actor: Actor | str = "system",
                 clock: Clock = system_clock) -> None:
        self.db = db
        self.config = config or Config()
        self.person = actor if isinstance(actor, Actor) else Actor(name=actor)
        self.clock = clock

    def today(self) -> date:
        return local_today(self.clock, self.config.policy.timezone)

    def county(self, given: str | None) -> str:
        """The county named, else the actor's own when the scope has one."""
        if given and given.strip():
            return given.strip()
        if len(self.person.counties) == 1:
            return self.person.counties[0]
        raise BadInput("请用 --county 指定县")

    def _may(self, step: str, decided: bool) -> None:
        refusal = rules.step_refusal(step, self.person.role, self.person.who, decided=decided)
        if refusal:
            raise Refused(refusal)

    def _day(self, on: date | None, what: str) -> date:
        day = on or self.today()
        if day > self.today():
            raise Refused(f"{what}日期 {day} 晚于今天 {self.today()}")
        return day

    def _round(self, conn: Any, county: str, year: int) -> Any:
        row = store.round_of(conn, county, year, lock=True)
        if row is None:
            raise NotFound(f"{county} 尚未开始 {year} 年度排查（rectify screening start）")
        return row

    def _org_round(self, conn: Any, code: str, year: int | None, step: str) -> tuple[Any, Any]:
        org = store.org_by_code(conn, code.strip())
        if org is None or not self.person.sees(org.county, org.township):  # unseen reads as unknown (SPEC §12)
            raise NotFound(f"找不到组织 {code}")
        rnd = self._round(conn, org.county, year or self.today().year)
        self._may(step, rnd.decided_on is not None)
        return org, rnd

    # -- the steps -----------------------------------------------------------------------------------

    def start(self, county: str | None, year: int | None = None, on: date | None = None) -> int:
        """开始年度排查: the round of the county and year, over its whole organization register."""
        self._may("start", decided=False)
        county = self.county(county)
        year = year or self.today().year
        day = self._day(on, "开始")
        if refusal := scope_refusal(self.person, county, ""):
            raise Refused(refusal)
        with self.db.begin() as conn:
            if store.round_of(conn, county, year) is not None:
                raise Refused(f"{county} {year} 年度排查已经开始")
            return store.insert_round(conn, county=county, year=year, started_on=day, started_by=self.person.name,
                                      meeting="", doc="", decided_by="", created_at=self.clock())

    def finding(self, code: str, stage: str, problems: Iterable[str], *, note: str = "", on: date | None = None,
                year: int | None = None) -> str:
        """自查 or 乡镇复查 of one organization: the candidate problems (none: nothing found) and a note."""
        if stage not in rules.FINDING_STAGES:
            raise BadInput(f"排查环节应为 {'、'.join(rules.FINDING_STAGES)}，收到 {stage}")
        given = [p for p in problems if p.strip()]
        parsed = parse_problems(given, note, self.config.policy.local_problem_types) if given else []
        items = json.dumps([f"{c}:{t}" for c, t in parsed], ensure_ascii=False) if parsed else ""
        note = validation.text(note, "说明", multiline=True)
        day = self._day(on, rules.FINDING_STAGES[stage])
        with self.db.begin() as conn:
            org, rnd = self._org_round(conn, code, year, stage)
            values: dict[str, Any] = ({"self_problems": items, "self_note": note, "self_on": day}
                                      if stage == "self_check" else
                                      {"township_problems": items, "township_note": note, "township_on": day,
                                       "township_by": self.person.name})
            store.save_entry(conn, rnd.id, org.id, self.clock(), **values)
        return f"已登记 {org.name} 的{rules.FINDING_STAGES[stage]}（{len(parsed)} 项情形）"

    def check(self, code: str, *, respondents: int | None, satisfied: int | None, basic: int | None,
              dissatisfied: int | None, vacant_since: date | None = None, on: date | None = None,
              year: int | None = None) -> str:
        """县级核查 of one organization: who and when, the 群众满意度 survey, a vacant secretary post."""
        counts = [n for n in (satisfied, basic, dissatisfied) if n is not None]
        if respondents is not None and sum(counts) > respondents:
            raise BadInput(f"满意、基本满意、不满意之和 {sum(counts)} 多于参与测评人数 {respondents}")
        if counts and respondents is None:
            raise BadInput("请填写参与测评人数（--respondents）")
        day = self._day(on, "核查")
        if vacant_since is not None and vacant_since > day:
            raise BadInput(f"书记空缺起始日期 {vacant_since} 晚于核查日期 {day}")
        with self.db.begin() as conn:
            org, rnd = self._org_round(conn, code, year, "county_check")
            store.save_entry(conn, rnd.id, org.id, self.clock(), checked_on=day, checked_by=self.person.name,
                             respondents=respondents, satisfied=satisfied, basic=basic, dissatisfied=dissatisfied,
                             vacant_since=vacant_since)
        rate = rules.satisfaction(respondents, satisfied, basic)
        return f"已登记 {org.name} 的县级核查" + (f"（满意率 {rate:.0%}）" if rate is not None else "")

    def judge(self, code: str, outcome: str, *, reason: str = "", on: date | None = None,
              year: int | None = None) -> str:
        """研判: 列入, 不列入 (with the reason; needed when a hard criterion is met) or 待定."""
        if outcome not in rules.OUTCOMES:
            words = "、".join(f"{k}（{v}）" for k, v in rules.OUTCOMES.items())
            raise BadInput(f"研判结果应为 {words}，收到 {outcome}")
        reason = validation.text(reason, "理由", multiline=True)
        day = self._day(on, "研判")
        with self.db.begin() as conn:
            org, rnd = self._org_round(conn, code, year, "judge")
            row = store.entry(conn, rnd.id, org.id)
            met = self._criteria(row, day)
            if outcome == rules.NOT_LISTED and met and not reason:
                raise Refused(f"{org.name} 符合硬性情形（{'；'.join(met)}），不列入须说明理由（--reason）")
            store.save_entry(conn, rnd.id, org.id, self.clock(), outcome=outcome, reason=reason, judged_on=day,
                             judged_by=self.person.name)
        return f"已研判 {org.name}：{rules.OUTCOMES[outcome]}"

    def _criteria(self, row: Any, on: date) -> list[str]:
        if row is None:
            return []
        s = self.config.screening
        return rules.hard_criteria(rate=rules.satisfaction(row.respondents, row.satisfied, row.basic),
                                   vacant_since=row.vacant_since, on=on, weak_satisfaction=s.weak_satisfaction,
                                   vacancy_months=s.vacancy_months)

    def decide(self, county: str | None, *, on: date | None = None, meeting: str = "", doc: str = "",
               year: int | None = None) -> str:
        """县委常委会 专题研究 确定名单: refused while any 研判 is 待定, or an organization meeting a hard
        criterion is left out without a reason."""
        meeting = validation.text(meeting, "会议名称", max_len=200)
        doc = validation.text(doc, "文号", max_len=100)
        if not meeting and not doc:
            raise BadInput("请写明会议名称（--meeting）或文号（--doc）")
        county = self.county(county)
        day = self._day(on, "会议")
        with self.db.begin() as conn:
            rnd = self._round(conn, county, year or self.today().year)
            self._may("decide", rnd.decided_on is not None)
            if day < rnd.started_on:
                raise Refused(f"会议日期 {day} 早于排查开始日期 {rnd.started_on}")
            register = store.register(conn, rnd.id, county)
            pending = [r.name for r in register if r.outcome == rules.PENDING]
            if pending:
                raise Refused(f"还有 {len(pending)} 个组织研判待定（{_few(pending)}），请先研判")
            unexplained = [r.name for r in register if r.outcome != rules.LISTED and not r.reason
                           and self._criteria(r if r.checked_on or r.vacant_since else None, day)]
            if unexplained:
                raise Refused(f"{_few(unexplained)}符合硬性情形而未列入，须研判并说明理由")
            if not any(r.outcome == rules.LISTED for r in register):
                raise Refused(f"{county} {rnd.year} 年度排查没有研判为列入的组织，名单为空")
            store.update_round(conn, rnd.id, decided_on=day, meeting=meeting, doc=doc, decided_by=self.person.name)
            listed = sum(r.outcome == rules.LISTED for r in register)
        return f"已登记县委常委会确定名单：{county} {rnd.year} 年度列入整顿 {listed} 个（{day}）"

    def list_from_decision(self, county: str | None, *, year: int | None = None) -> list[Any]:
        """按名单列入整顿: every listed organization not yet opened becomes a case, 确定日期 = the decision's date."""
        from rectify.write.engine import Workflow

        county = self.county(county)
        with self.db.connect() as conn:
            rnd = self._round(conn, county, year or self.today().year)
            self._may("list", rnd.decided_on is not None)
            todo = [r for r in store.register(conn, rnd.id, county) if r.outcome == rules.LISTED and r.case_id is None]
            blocked = store.open_cases_of(conn, [r.org_id for r in todo])
        bare = [r.name for r in todo if not (r.township_problems or r.self_problems)]
        if bare:
            raise Refused(f"{_few(bare)}的自查、复查未登记软弱涣散情形，无法列入整顿")
        if blocked:
            names = [f"{r.name}（整顿对象 {blocked[r.org_id]}）" for r in todo if r.org_id in blocked]
            raise Refused(f"{_few(names)}已有在办整顿对象，无法按名单列入")
        wf = Workflow(self.db, self.config, actor=self.person, clock=self.clock)
        basis = "、".join(x for x in (rnd.meeting, rnd.doc) if x)
        outcomes = []
        for r in todo:
            outcome = wf.open_case(r.code, problems=stored_problems(r.township_problems or r.self_problems),
                                   identified_on=rnd.decided_on, detail=f"{rnd.year} 年度排查，{basis}确定")
            with self.db.begin() as conn:
                store.save_entry(conn, rnd.id, r.org_id, self.clock(), case_id=outcome.case_id)
            outcomes.append(outcome)
        with self.db.begin() as conn:
            store.update_round(conn, rnd.id, listed_on=self.today())
        return outcomes
