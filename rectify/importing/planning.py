"""Planning: one row → the records its case writes (``CasePlan``), after checking it by the workflow's rules.

Which stage a row may stand in is decided by ``rectify.states.import_rules``: the guards of the moves that
lead there, run on the row's values; the importer only reads the cells and lays out the records.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from rectify.config import Config, PolicyConfig
from rectify.importing.cells import SECRETARY_WORDS, CellError, Parsers, parse_int
from rectify.importing.county import due_cell, measure_fields, note_measures, problems_cell
from rectify.importing.readings import ALL_PROBLEMS, parse_remarks
from rectify.importing.rows import Row
from rectify.importing.verification import IMPORTED, Facts, check_grade, import_note, read_facts
from rectify.states.deadlines import default_deadline, stage_due
from rectify.states.escalation import parse_step
from rectify.states.import_rules import RANK, RowCheck, shows
from rectify.states.roles import LEVEL_NAMES, Level
from rectify.states.stages import STAGE_LABELS, Stage
from rectify.states.thresholds import GRADE_LABELS, Grade, satisfaction_rate
from rectify.states.tracks import VILLAGE_ACTIONS, VILLAGE_STATUS_WORDS
from rectify.states.workdays import PUBLICITY, work_calendar
from rectify.store.bulk import (
    CasePlan,
    CaseRow,
    ExtensionRow,
    MeasureRow,
    PersonRow,
    ProgressRow,
    SecretaryRow,
    VerificationRow,
)
from rectify.store.tables import MAX_CASE_ID

_json_str: Callable[[str], str] = json.encoder.encode_basestring  # type: ignore[attr-defined]  # a JSON string
_RECTIFIED = RANK[Stage.rectified]
_GRADE_WORDS = {**{label: code for code, label in GRADE_LABELS.items()}, **{str(code): str(code) for code in Grade}}
PASSING = (Grade.good.value, Grade.basic.value)


def parse_grade(value: Any) -> str:
    """验收等次 as the ledger writes it (合格/基本合格/不合格) or its code."""
    code = _GRADE_WORDS.get(str(value).strip())
    if code is None:
        raise CellError(f"应为 {'、'.join(GRADE_LABELS.values())}，收到「{value}」")
    return code


def parse_percent(value: Any) -> float:
    """满意率 as the ledger writes it (95.9%), or a share (0.959)."""
    text = str(value).strip()
    try:
        share = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        raise CellError(f"应为百分数，如 95.9%，收到「{value}」") from None
    if not 0 <= share <= 1:
        raise CellError(f"应在 0% 到 100% 之间，收到「{value}」")
    return round(share, 3)


class _Cells:
    """A case row's cells, parsed; a cell that does not parse is reported on the row and left at its default."""

    __slots__ = ("problems", "identified_day", "deadline", "done", "total", "supervised", "struck", "verified_on",
                 "score", "rectified_on", "progress_on", "progress_note", "satisfied", "basic", "dissatisfied",
                 "sec_since", "sec_name", "sec_unit", "sec_kind", "leader", "cadre", "remarks", "explicit",
                 "level", "step", "look_backs", "earlier_years", "items", "owner", "owner_unit", "due", "term",
                 "village", "village_status", "grade", "satisfaction", "struck_off_on", "each", "notes", "case_id",
                 "facts")

    def __init__(self, r: Row, P: Parsers) -> None:
        self.problems = problems_cell(r, P)
        self.identified_day: date | None = r.parse("identified_on", P.date)
        if r.raw("identified_on") == "":
            r.fail("identified_on", "不能为空")
        year = self.identified_day.year if self.identified_day is not None else None
        self.deadline: date | None = due_cell(r, "deadline", P, year)
        self.items: tuple[dict[str, Any], ...] = r.parse("measures", P.measure_list, ())
        if self.items:
            self.total, self.done = len(self.items), sum(1 for m in self.items if m.get("done"))
        else:
            self.done, self.total = r.parse("measures", P.measures, (0, 0))
        if not self.items and (r.raw("measures_done") != "" or r.raw("measures_total") != ""):
            self.done, self.total = _measure_counts(r, P)
        self.owner: str
        self.owner_unit: str
        self.due: date | None
        self.owner, self.owner_unit, self.due, self.each = measure_fields(r, self.items, P, year)
        self.supervised = r.parse("supervised", P.bool, False)
        self.level, self.step = _supervision_cells(r)
        self.look_backs, self.earlier_years = r.text("look_backs"), r.text("earlier_years").replace("、", ",")
        self.struck = r.parse("struck_off", P.bool, False)
        self.grade: str = r.parse("grade", parse_grade, "")
        self.satisfaction: float | None = r.parse("satisfaction", parse_percent)
        self.struck_off_on: date | None = r.parse("struck_off_on", P.date)
        self.verified_on: date | None = r.parse("verified_on", P.date)
        self.score: int | None = r.parse("score", P.score)
        self.rectified_on: date | None = r.parse("rectified_on", P.date)
        self.progress_on, self.progress_note = r.parse("last_progress", P.progress, (None, ""))
        self.facts: Facts = read_facts(r, P, self.satisfaction)
        self.satisfied, self.basic, self.dissatisfied = (self.facts.satisfied, self.facts.basic,
                                                         self.facts.dissatisfied)
        if self.satisfaction is None and self.facts.surveyed:
            self.satisfaction = satisfaction_rate(self.satisfied, self.basic, self.dissatisfied)
        self.sec_since: date | None = r.parse("secretary_since", P.date)
        sec_text, _, term = r.text("secretary").partition("任期至")
        self.term: date | None = None
        if term.strip():
            try:
                self.term = P.date(term.strip())
            except CellError as exc:
                r.fail("secretary", f"任期至：{exc}")
        sec_name, sec_unit = P.secretary(sec_text.strip()) if sec_text.strip() else ("", "")
        self.sec_name: str = sec_name
        self.sec_unit = sec_unit or r.text("secretary_unit")
        self.sec_kind = "first"
        if r.text("secretary_kind"):
            self.sec_kind = SECRETARY_WORDS.get(r.text("secretary_kind"), "")
            if not self.sec_kind:
                r.fail("secretary_kind", f"应为 第一书记 或 选配书记，收到「{r.text('secretary_kind')}」")
        self.leader, self.cadre = r.text("county_leader"), r.text("township_cadre")
        self.village, self.village_status = _village_cell(r)
        self.remarks = r.text("remarks")
        self.notes = parse_remarks(self.remarks)
        self.case_id: int | None = r.parse("case_id", _parse_case_id)
        self.explicit: str | None = r.parse("stage", P.stage) if r.text("stage") else None


def _village_cell(r: Row) -> tuple[tuple[str, str] | None, str]:
    """村（社区）党组织书记（是否调整）: ``赵六（已选配）`` → (赵六, 选配); 缺配 / 需调整 → the status at listing."""
    text = r.text("village_secretary")
    if not text:
        return None, ""
    if text in VILLAGE_STATUS_WORDS:
        return None, VILLAGE_STATUS_WORDS[text]
    name, _, action = text.partition("（")
    action = action.rstrip("）").removeprefix("已")
    if action and action not in VILLAGE_ACTIONS:
        r.fail("village_secretary", f"应写成 姓名（已选配/已调整）、缺配 或 需调整，收到「{text[:20]}」")
    # 选配 fills a post that was empty (缺配) at listing; 调整 replaces one that needed it (需调整).
    return (name.strip(), action), {"选配": "missing", "调整": "adjust"}.get(action, "")


def _measure_counts(r: Row, P: Parsers) -> tuple[int, int]:
    """措施已完成 and 措施总数, the ledger's two numeric columns (instead of the older "2/3" cell)."""
    done = r.parse("measures_done", P.int) or 0
    total = r.parse("measures_total", P.measure_total) or 0
    if done > total:
        r.fail("measures_done", f"已完成 {done} 项多于措施总数 {total} 项")
    return done, total


def case_from_row(r: Row, org_code: str | None, config: Config, today: date, now: datetime,
                  source: str, parsers: Parsers | None = None, check: RowCheck | None = None) -> CasePlan | None:
    """The row's case, or None when the row is bad (its problems are on ``r``)."""
    P = parsers or Parsers()
    c = _Cells(r, P)
    identified = c.identified_day
    if identified is None:
        return None
    if identified > today:
        r.fail("identified_on", f"确定日期 {identified} 晚于今天 {today}")
    if c.deadline is None:
        c.deadline = default_deadline(identified, config.policy)
    elif c.deadline <= identified:
        r.fail("deadline", f"转化时限 {c.deadline} 早于或等于确定日期 {identified}")
    stage = _stage(r, c, identified, check or RowCheck(config.verification))
    if c.struck and stage != Stage.verified:
        r.fail("struck_off", f"已销号的整顿对象阶段应为 已验收销号，本行为 {STAGE_LABELS[stage]}")
    for key, when in (("verified_on", c.verified_on), ("rectified_on", c.rectified_on),
                      ("secretary_since", c.sec_since), ("last_progress", c.progress_on)):
        if when is not None and when < identified:
            r.fail(key, f"日期 {when} 早于确定日期 {identified}")
    if org_code is None or r.bad:
        return None
    return _plan(r, c, org_code, stage, identified, config, today, now, source, P)


def _stage(r: Row, c: _Cells, identified: date, rules: RowCheck) -> str:
    """The stage the row states, held to the guards of the moves that lead there; else the furthest it shows."""
    p = rules.check({"county_leader": c.leader, "township_cadre": c.cadre, "name": c.sec_name,
                     "unit": c.sec_unit, "since": c.sec_since or identified, "kind": c.sec_kind or "first",
                     "done": c.done, "total": c.total, "rectified_on": c.rectified_on,
                     "verified_on": c.verified_on, "score": c.score, "struck_off": c.struck,
                     "struck_off_on": c.struck_off_on, **c.facts.inputs(c.score, rules.rules)}, c.total, c.done)
    stage = c.explicit
    if stage is None:
        stage = rules.furthest(p)
        if stage != Stage.rectified or not shows(Stage.verified, p, rules.rules):
            return _in_publicity_facts(r, c, stage, rules, p)
        # A rectified row that shows 销号 (or a passing score) is held to what a strike-off needs, column by column.
        stage = Stage.verified
    for key, reason in rules.lacks(p, stage):
        r.fail(key, f"{STAGE_LABELS[stage]}：{reason}")
    return _in_publicity_facts(r, c, stage, rules, p)


def _in_publicity_facts(r: Row, c: _Cells, stage: str, rules: RowCheck, p: Any) -> str:
    """A row of 已整改 with a passed verification (in 公示) carries the verification's facts; the 等次 it gives
    agrees with its score and survey."""
    if stage == Stage.rectified and _shows_publicity(c):
        for key, reason in rules.lacks_verification(p):
            r.fail(key, reason)
    if stage == Stage.verified or (stage == Stage.rectified and _shows_publicity(c)):
        check_grade(r, c.grade, c.score, c.facts, rules.rules)
    return stage


def _shows_publicity(c: _Cells) -> bool:
    return c.verified_on is not None and c.score is not None and c.grade in PASSING


def _since(stage: str, c: _Cells, identified: date) -> date:
    """When the case entered its stage, as far as the row tells."""
    if stage == Stage.secretary_assigned:
        return c.sec_since or identified
    if stage == Stage.rectified:
        return c.rectified_on or identified
    if stage == Stage.verified:
        return c.verified_on or identified
    return identified


_LEVEL_WORDS = {**{label: code for code, label in LEVEL_NAMES.items()}, **{code: code for code in LEVEL_NAMES}}


def _supervision_cells(r: Row) -> tuple[str, str]:
    """挂牌层级 (市级/县级) and 督办升级 (督促 … 挂牌), as the ledger writes them; empty when absent."""
    level_text, step_text = r.text("supervision_level"), r.text("escalation")
    level = _LEVEL_WORDS.get(level_text, "")
    if level_text and not level:
        r.fail("supervision_level", f"应为 市级 或 县级，收到「{level_text}」")
    step = parse_step(step_text) if step_text else ""
    if step is None:
        r.fail("escalation", f"应为 提醒、督促、约谈、通报 或 挂牌，收到「{step_text}」")
    return level, step or ""


def _consolidation(r: Row, c: _Cells, verified: bool, policy: PolicyConfig) -> tuple[str, str, date | None]:
    """回头看 (the 巩固期's look-backs, from the 销号 date) and 曾列入年份, as the ledger writes them."""
    look_backs, due = "", None
    struck = c.struck_off_on or c.verified_on  # the 巩固期 runs from the 销号 date
    if verified and struck is not None:
        parsed, due = _look_backs(c.look_backs, struck, tuple(policy.look_back_after_days))
        if parsed is None:
            r.fail("look_backs", f"应为「6个月：巩固（日期）；12个月：待回头看（日期）」的形式，收到「{c.look_backs}」")
        look_backs = parsed or ""
    if c.earlier_years and not all(y.strip().isdigit() for y in c.earlier_years.split(",")):
        r.fail("earlier_years", f"应为年份，如 2025 或 2024、2025，收到「{c.earlier_years}」")
    return look_backs, c.earlier_years, due


@lru_cache(maxsize=4096)
def _look_backs(cell: str, struck: date, after_days: tuple[int, ...]) -> tuple[str | None, date | None]:
    """The ``look_backs`` text of a case struck off on ``struck`` (the row's 回头看 cell read, else the policy's
    schedule; None when the cell is not in the ledger's form) and its next look-back: the same few 销号 dates
    recur over a sheet, so each is worked out once."""
    from rectify.states import consolidation

    text = consolidation.from_summary(cell, struck, after_days) if cell else \
        consolidation.encode(consolidation.schedule(struck, after_days))
    return text, consolidation.next_due(consolidation.decode(text)) if text else None


def _plan(r: Row, c: _Cells, org_code: str, stage: str, identified: date, config: Config, today: date,
          now: datetime, source: str, P: Parsers) -> CasePlan:
    policy, calendar = config.policy, work_calendar(config)
    deadline = c.deadline
    assert deadline is not None
    done = c.done
    rank = RANK.get(stage, 0)
    rect = c.rectified_on if rank >= _RECTIFIED else None
    verified = stage == Stage.verified
    withdrawn = stage == Stage.withdrawn
    # 已整改 with a passed verification (验收等次 合格/基本合格): in 公示, from its verification date on.
    in_publicity = stage == Stage.rectified and _shows_publicity(c)
    judged = verified or in_publicity
    publicity_until = (c.facts.publicity_until or calendar.add_lenient(PUBLICITY, c.verified_on,
                                                                        policy.publicity_days)) \
        if in_publicity and c.verified_on else None
    case = _case_row(r, c, stage, identified, deadline, rect, publicity_until, judged=judged, now=now,
                     policy=policy, calendar=calendar)
    done_day = rect or min(max(today, identified), deadline)
    measures = _measures(c, P, deadline, done_day)
    described = _described(r, c.problems)
    links = _links(r, c, P, measures, described)
    people = [PersonRow(role, name, "", email, "")
              for role, name, email in (("officer", r.text("officer"), r.text("officer_email")),
                                        ("county_leader", c.leader, ""), ("township_cadre", c.cadre, ""))
              if name or email]
    secretary, village = _secretaries(c, identified, withdrawn)
    progress = None if c.progress_on is None else ProgressRow(c.progress_on, c.progress_note or "导入")
    snap = _snap(c, case, identified, deadline, rect, done_day if done else None, secretary, progress, measures,
                 village, publicity_until)
    return CasePlan(r.number, org_code, stage, identified, case, described, measures, people,
                    secretary, progress,
                    # a row in 公示 (已整改 with a verification) keeps its verification and the end of its 公示
                    _verification(r, c, judged) if stage != Stage.rectified or in_publicity else None,
                    _detail(r, c, org_code, stage, source, snap, judged), village, c.case_id,
                    _earlier(c, identified, deadline, rect),
                    import_note(c.facts, struck=verified, publicity_until=publicity_until), links)


_NOTHING_EARLIER: tuple[list[ExtensionRow], list[VerificationRow]] = ([], [])

def _case_row(r: Row, c: _Cells, stage: str, identified: date, deadline: date, rect: date | None,
              publicity_until: date | None, *, judged: bool, now: datetime, policy: Any,
              calendar: Any) -> CaseRow:
    """The case's columns (see :class:`CaseRow`)."""
    notes = c.notes
    rank = RANK.get(stage, 0)
    verified = stage == Stage.verified
    withdrawn = stage == Stage.withdrawn
    look_backs, earlier_years, next_look_back_on = _consolidation(r, c, verified, policy)
    return CaseRow(
        year=identified.year, stage=stage, identified_on=identified, deadline=deadline,
        stage_since=_since(stage, c, identified),
        stage_due=stage_due(stage, cycle_start=identified, deadline=deadline, rectified_on=rect, policy=policy,
                            publicity_until=publicity_until, calendar=calendar),
        cycle_start=identified, cycle=notes.cycle, version=1, detail=r.text("detail"),
        helping_unit=r.text("helping_unit"), self_check=r.text("self_check") or ("导入" if rank >= _RECTIFIED else ""),
        rectified_on=rect, verified_on=c.verified_on if judged else None, score=c.score if judged else None,
        withdrawn_reason=(notes.withdrawal or notes.free or "导入时已撤销") if withdrawn else "",
        supervised=c.supervised and not withdrawn,
        supervision_reason=(notes.supervision or notes.free or "导入时已挂牌督办") if c.supervised else "",
        supervision_level=(c.level or Level.county.value) if c.supervised and not withdrawn else "",  # the county's
        measures_total=c.total, measures_done=c.done, last_progress_on=c.progress_on,
        created_at=now, updated_at=now, escalation_step=c.step, look_backs=look_backs,
        earlier_years=earlier_years, next_look_back_on=next_look_back_on,
        village_secretary_status=c.village_status, applied_by="", verified_by="",
        grade=c.grade if judged else "", satisfaction=c.satisfaction if judged else None,
        publicity_until=publicity_until,
        # an imported 销号: its date, else the verification's
        struck_off_on=(c.struck_off_on or c.verified_on) if verified else None,
        strike_off_doc=c.facts.doc_no if verified else "",
    )


def _secretaries(c: _Cells, identified: date, withdrawn: bool) -> tuple[SecretaryRow | None, SecretaryRow | None]:
    """The first secretary's and the village secretary's rows a row names (none on a withdrawn case)."""
    secretary = village = None
    if c.sec_name and not withdrawn:
        # name, kind, unit, since, until, email, phone, end_reason, term_until, action
        secretary = SecretaryRow(c.sec_name, c.sec_kind, c.sec_unit, c.sec_since or identified, None, "", "", "",
                                 c.term, "")
    if c.village is not None and not withdrawn:
        village = SecretaryRow(name=c.village[0], kind="village", unit="", since=identified, until=None, email="",
                               phone="", end_reason="", term_until=None, action=c.village[1])
    return secretary, village


def _snap(c: _Cells, case: CaseRow, identified: date, deadline: date, rect: date | None,
          done_day: date | None, secretary: SecretaryRow | None, progress: ProgressRow | None,
          measures: list[MeasureRow], village: SecretaryRow | None, publicity_until: date | None) -> dict[str, Any]:
    """What a snapshot needs to rebuild the row's case on any day (SPEC §6.2): the dates it reached its stages."""
    notes = c.notes
    iso = _ISO_DAYS
    # In the keys' sorted order (the detail's JSON is written in it without sorting; see _snap_json).
    return {"county_leader": c.leader, "cycle": notes.cycle if notes.cycle > 1 else None,
            "deadline": iso[deadline], "done_on": iso[done_day] if done_day else None,
            "earlier_years": case.earlier_years, "escalation_step": c.step,
            # 备注's counts (第N轮, 延期N次, 验收未通过N次), only when there are any
            "extensions": notes.extensions or None, "failed": notes.failed or None, "grade": case.grade,
            "helping_unit": case.helping_unit, "identified_on": iso[identified], "look_backs": case.look_backs,
            # the snapshot reads these lists by position (rectify.reports.snapshot_import: ImportedSecretary, …)
            "measures": [[m.seq, m.text, m.owner, m.owner_unit, iso[m.due_on], iso[m.done_on]] for m in measures],
            "progress": [iso[progress.reported_on], progress.note] if progress else None,
            "publicity_until": iso[publicity_until], "rectified_on": iso[rect], "satisfaction": case.satisfaction,
            "score": case.score, "sec_since": iso[secretary.since] if secretary else None,
            "secretary": [secretary.name, secretary.kind, secretary.unit, iso[secretary.since]] if secretary else None,
            "struck_off_on": iso[case.struck_off_on], "supervised": case.supervised,
            "supervision_level": case.supervision_level, "supervision_reason": case.supervision_reason,
            "term_until": iso[c.term], "township_cadre": c.cadre, "verified_on": iso[case.verified_on],
            "village": [village.name, village.action] if village else None,
            "village_status": c.village_status, "withdrawn_reason": case.withdrawn_reason}


def _parse_case_id(value: Any) -> int:
    if type(value) is str and value.isdigit() and len(value) < 10 and value[0] != "0":
        return int(value)  # the ledger's 编号
    n = parse_int(value, low=1, high=MAX_CASE_ID)
    assert n is not None
    return n


def _earlier(c: _Cells, identified: date, deadline: date, rect: date | None
             ) -> tuple[list[ExtensionRow], list[VerificationRow]]:
    """What 备注 counts (延期N次, 验收未通过N次), recorded as that many extensions (to the row's deadline) and failed
    verifications (dated by the rectification, else the listing), each marked 导入."""
    if not (c.notes.extensions or c.notes.failed):
        return _NOTHING_EARLIER
    on = min(rect or identified, c.verified_on or rect or identified)
    return ([ExtensionRow(deadline, deadline, "导入（原台账记载延期）", "导入")] * c.notes.extensions,
            [VerificationRow(verified_on=on, verifier="导入", score=0, satisfied=0, basic=0, dissatisfied=0,
                             passed=False, reasons="导入（原台账记载验收未通过）", members="", score_sheet="",
                             grade="", signed_by="")] * c.notes.failed)


def _measures(c: _Cells, P: Parsers, deadline: date, done_day: date) -> list[MeasureRow]:
    """The measure rows: the cell's measures (each with its own 责任人 and 时限 when the sheet gives them, in the
    item or numbered alike in the 责任人 and 完成时限 columns; else the row's 责任人 and 完成时限, else its
    township leader and the deadline), or ``total`` placeholders."""
    owner, unit = (c.owner, c.owner_unit) if c.owner else (c.cadre or c.leader or "", "")
    due = c.due or deadline
    if not c.items:
        return [MeasureRow(n, P.measure(n), owner, due, done_day if n <= c.done else None, unit)
                for n in range(1, c.total + 1)]
    out = []
    for n, (m, (m_owner, m_unit, m_due)) in enumerate(zip(c.items, c.each, strict=True), 1):
        done = m.get("done")
        # seq, text, owner, due_on, done_on, owner_unit (by position: a keyword call costs twice as much)
        out.append(MeasureRow(n, m["text"], m_owner or owner, m_due or due,
                              (done_day if done is True else done) if done else None, m_unit if m_owner else unit))
    return out


def _links(r: Row, c: _Cells, P: Parsers, measures: list[MeasureRow],
           problems: tuple[tuple[str, str], ...]) -> list[tuple[str, ...]] | None:
    """The problems each of the cell's measures answers when the sheet says so (None: each answers all), noted
    for ``--dry-run`` with the measures as split."""
    ties = P.ties(tuple(m["text"] for m in c.items), problems) if c.items else []
    if c.items and P.readings.keep:
        note_measures(r, P, measures, ties)
    return [codes for codes, _ in ties] if any(how != ALL_PROBLEMS for _, how in ties) else None


def _described(r: Row, problems: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """存在问题: the concrete description of the row's one problem (several: the numbered items in order)."""
    text = r.text("problem_text")
    if not text or not problems:
        return problems
    if len(problems) == 1:
        return ((problems[0][0], text),)
    parts = [p.strip() for p in re.split(r"(?:^|[；;\n])\s*\d+\s*[.．、]\s*", text) if p.strip()]
    if len(parts) == len(problems):
        return tuple((code, part) for (code, _), part in zip(problems, parts, strict=True))
    return problems


def _verification(r: Row, c: _Cells, passed: bool) -> VerificationRow | None:
    if c.verified_on is None or c.score is None:
        return None
    f = c.facts
    return VerificationRow(verified_on=c.verified_on, verifier=f.verifier or IMPORTED, score=c.score,
                           satisfied=f.satisfied, basic=f.basic, dissatisfied=f.dissatisfied,
                           passed=passed, reasons="" if passed else IMPORTED, members="、".join(f.team), score_sheet="",
                           grade=c.grade if passed else "", signed_by=IMPORTED)


def _detail(r: Row, c: _Cells, org_code: str, stage: str, source: str, snap: dict[str, Any], judged: bool) -> str:
    """json.dumps({"source", "row", "org", "stage", "measures", "remarks"?, "last_progress"?, "snap"},
    ensure_ascii=False, sort_keys=True), written out in key order: one json.dumps per row cost more than
    the rest of the plan."""
    note, remarks = c.progress_note, c.remarks
    return "".join((
        "{", f'"last_progress": {_json_str(note)}, ' if c.progress_on is None and note else "",
        f'"measures": "{c.done}/{c.total}", "org": {_json_str(org_code)}, ',
        f'"remarks": {_json_str(remarks)}, ' if remarks else "",
        f'"row": {int(r.number)}, "snap": {_snap_json(snap)}, "source": {_json_str(source)}, '
        f'"stage": {_json_str(stage)}', _facts_json(c.facts) if judged and c.facts.verifier else "", "}"))


def _facts_json(f: Facts) -> str:
    """The import event's ``verification``: the facts a late stage carries that no column of the case keeps —
    ``json.dumps({"verifier", "team", "publicity", "approver", "doc_no"}, ensure_ascii=False, sort_keys=True)``
    written from its template (its keys and their order are fixed)."""
    return (f', "verification": {{"approver": {_json_str(f.approver)}, "doc_no": {_json_str(f.doc_no)}, '
            f'"publicity": [{_json_day(f.publicity_from)}, {_json_day(f.publicity_until)}], '
            f'"team": [{", ".join(map(_json_str, f.team))}], "verifier": {_json_str(f.verifier)}}}')


def _json_day(day: date | None) -> str:
    return "null" if day is None else f'"{_ISO_DAYS[day]}"'


class _IsoDays(dict[date | None, str | None]):
    """A day's ISO text by the day (None stays None): the snapshot's dates, written once each (the same few
    hundred days recur), so ``json.dumps`` meets only text; at most 4,096 are kept."""

    def __missing__(self, day: date) -> str:
        if len(self) >= 4096:
            self.clear()
            self[None] = None
        text = self[day] = day.isoformat()
        return text


_ISO_DAYS = _IsoDays({None: None})


def _snap_encoder() -> Callable[[Any], str]:
    """``json.dumps(…, ensure_ascii=False, sort_keys=True, default=date.isoformat)`` of a snap, whose keys ``_snap``
    puts in their sorted order (so the encoder need not sort them), its C encoder made once (a snapshot holds no
    cycle to look for): ``json.dumps`` makes an encoder per call, half its time on a row's snap."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # no C accelerator: the same output through the pure-Python encoder
        return json.JSONEncoder(ensure_ascii=False, sort_keys=True, default=date.isoformat).encode
    encode = make(None, date.isoformat, _json_str, None, ": ", ", ", False, False, True)
    return lambda obj: "".join(encode(obj, 0))


_SNAP_JSON = _snap_encoder()


def _snap_json(snap: dict[str, Any]) -> str:
    return _SNAP_JSON({k: v for k, v in snap.items() if v not in (None, "", False)})
