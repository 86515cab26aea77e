"""The lifecycle's seven steps by hand in raw sqlite3: the floor of ``transition`` and the persistence of the
``transitions`` peer.

The same work as rectify's engine, by the shortest hand-written path: on rectify's schema and pragmas, every
step one transaction (``BEGIN`` … ``COMMIT``) that reads what the step decides on (the case with its
organization; the people, problems, measure, secretary in post or pending objection its rules look at; the
registry for the names it brings), writes the same rows with the same values (the case's columns, the step's
own records, the people named, the versioned update, the history row with its JSON detail) and sends the same
statements, since none of them could be left out by a hand-written tracker doing that work. What it leaves
out is everything that is not SQL: roles and scope, the guards, deadline arithmetic, validation, the driver's
type conversion.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

AT = datetime(2026, 6, 30, 2, 0, tzinfo=UTC)
STAMP = AT.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
TODAY = "2026-06-30"
PRAGMAS = ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON")

_CASE = ("SELECT c.stage, c.version, c.*, o.name, o.code, o.county, o.township FROM rectification_case c "
         "JOIN organization o ON o.id = c.org_id WHERE c.id = ?")
_UPDATE = "UPDATE rectification_case SET {} WHERE id = ? AND version = ?"
_EVENT = ("INSERT INTO case_event (case_id, at, actor, action, from_stage, to_stage, reason, detail, actor_unit, "
          "happened_on, operator) VALUES (?, ?, ?, ?, ?, ?, '', ?, '', ?, '')")
_NAMES = "SELECT name, login FROM person WHERE name IN ({0}) OR login IN ({0})"
_NEW_PERSON = ("INSERT INTO person (name, unit, role, scope, email, phone, wecom_userid, dingtalk_userid, channels, "
               "login, registered, active, created_at, must_change) VALUES (?, ?, ?, '', '', '', '', '', '', NULL, "
               "FALSE, TRUE, ?, FALSE) ON CONFLICT (name) DO NOTHING")
_PROBLEMS = ("SELECT id, code, text, EXISTS (SELECT * FROM measure_problem WHERE measure_problem.problem_id = "
             "case_problem.id) FROM case_problem WHERE case_id = ? ORDER BY id")
_NEW_CASE = ("INSERT INTO rectification_case (org_id, year, stage, identified_on, deadline, stage_since, stage_due, "
             "cycle_start, cycle, version, detail, helping_unit, self_check, withdrawn_reason, supervised, "
             "supervision_reason, supervision_level, escalation_step, measures_total, measures_done, "
             "village_secretary_status, previous_case_id, earlier_years, look_backs, applied_by, verified_by, grade, "
             "strike_off_doc, created_at, updated_at) VALUES (?, 2026, 'identified', '2026-01-05', '2026-12-31', "
             "'2026-01-05', '2026-01-20', '2026-01-05', 1, 1, '', '', '', '', FALSE, '', '', '', 0, 0, '', NULL, '', "
             "'', '', '', '', '', ?, ?)")
PROBLEM_TEXT = "班子配备不齐、书记长期缺职、工作处于停滞状态"


def connect(path: Path) -> sqlite3.Connection:
    con = sqlite3.connect(path, isolation_level=None)
    for pragma in PRAGMAS:
        con.execute(f"PRAGMA {pragma}")
    return con


def _detail(values: dict[str, Any]) -> str:
    return json.dumps(values, ensure_ascii=False, sort_keys=True)


def _case(con: sqlite3.Connection, case_id: int, stage: str) -> int:
    """Reads the case with its organization; checks its stage; returns its version."""
    row = con.execute(_CASE, (case_id,)).fetchone()
    assert row[0] == stage, (case_id, row[0], stage)
    return int(row[1])


def _move(con: sqlite3.Connection, case_id: int, version: int, actor: str, action: str, source: str, dest: str,
          on: str, detail: dict[str, Any], **changes: Any) -> None:
    """The versioned update, then the history row."""
    cols = ", ".join(f"{k} = ?" for k in (*changes, "version", "updated_at"))
    cur = con.execute(_UPDATE.format(cols), (*changes.values(), version + 1, STAMP, case_id, version))
    assert cur.rowcount == 1
    con.execute(_EVENT, (case_id, STAMP, actor, action, source, dest, _detail(detail), on))


def _names(con: sqlite3.Connection, people: list[tuple[str, str, str]]) -> None:
    """Every name the step brings looked up at once; the ones the registry lacks added, unregistered."""
    names = [n for n, _, _ in people]
    known = {v for row in con.execute(_NAMES.format(",".join("?" * len(names))), names + names) for v in row if v}
    new = [(n, unit, role, STAMP) for n, role, unit in people if n not in known]
    if new:
        con.executemany(_NEW_PERSON, new)


def open_case(con: sqlite3.Connection, code: str, actor: str) -> int:
    org_id, _name, _county, _township = con.execute(
        "SELECT id, name, county, township FROM organization WHERE code = ?", (code,)).fetchone()
    cases = con.execute("SELECT id, year, stage FROM rectification_case WHERE org_id = ? ORDER BY id",
                        (org_id,)).fetchall()
    assert all(stage in ("verified", "withdrawn") for _, _, stage in cases)
    case_id = int(con.execute(_NEW_CASE, (org_id, STAMP, STAMP)).lastrowid or 0)
    con.execute("INSERT INTO case_problem (case_id, code, text) VALUES (?, 'P01', ?)", (case_id, PROBLEM_TEXT))
    con.execute("INSERT INTO case_person (case_id, role, name, unit, email, phone) VALUES (?, 'officer', ?, '', '', "
                "'')", (case_id, "赵经办"))
    con.execute(_EVENT, (case_id, STAMP, actor, "open", None, "identified", _detail({
        "deadline": "2026-12-31", "detail": "", "earlier_years": "", "identified_on": "2026-01-05",
        "officer": "赵经办", "org": code, "problem_texts": [PROBLEM_TEXT], "problems": ["P01"],
        "village_secretary": ""}), "2026-01-05"))
    return case_id


def plan(con: sqlite3.Connection, case_id: int, actor: str) -> None:
    version = _case(con, case_id, "identified")
    # who is in post on the tracks that make stage 3 with the plan (none yet: the plan moves to ledger_created)
    assert not [t for t in con.execute("SELECT since, until, kind FROM secretary_assignment WHERE case_id = ? "
                                       "ORDER BY id", (case_id,)) if t[2] == "first"]
    people = {role: (pid, name) for pid, role, name, _ in con.execute(
        "SELECT id, role, name, email FROM case_person WHERE case_id = ?", (case_id,))}
    problems = con.execute(_PROBLEMS, (case_id,)).fetchall()
    assert "officer" in people and all(not covered for *_, covered in problems)
    seq = con.execute("SELECT coalesce(max(seq), 0) FROM measure WHERE case_id = ?", (case_id,)).fetchone()[0] + 1
    measure_id = con.execute("INSERT INTO measure (case_id, seq, text, owner, due_on, done_on, owner_unit, "
                             "owner_email) VALUES (?, ?, '健全组织生活制度', '钱支书', '2026-03-06', NULL, '', '')",
                             (case_id, seq)).lastrowid
    con.execute("INSERT INTO measure_problem (measure_id, problem_id) VALUES (?, ?)", (measure_id, problems[0][0]))
    for role, name in (("county_leader", "孙县领导"), ("township_cadre", "李包村干部")):
        con.execute("INSERT INTO case_person (case_id, role, name, unit, email, phone) VALUES (?, ?, ?, '', '', '')",
                    (case_id, role, name))
    _names(con, [("孙县领导", "county_leader", ""), ("李包村干部", "township_cadre", ""),
                 ("钱支书", "measure_owner", "")])
    _move(con, case_id, version, actor, "plan", "identified", "ledger_created", TODAY, {
        "county_leader": "孙县领导", "emails": {}, "helping_unit": "", "measures": [{
            "due": "2026-03-06", "owner": "钱支书", "owner_email": "", "owner_unit": "", "problems": ["P01"],
            "text": "健全组织生活制度"}], "on": TODAY, "township_cadre": "李包村干部", "township_leader": ""},
          stage="ledger_created", stage_since=TODAY, stage_due="2026-02-04", measures_total=1)


def assign_secretary(con: sqlite3.Connection, case_id: int, actor: str) -> None:
    version = _case(con, case_id, "ledger_created")
    assert not con.execute("SELECT id, name, kind, since, term_until FROM secretary_assignment WHERE case_id = ? AND "
                           "until IS NULL AND kind = 'first' ORDER BY id", (case_id,)).fetchall()
    con.execute("INSERT INTO secretary_assignment (case_id, name, kind, unit, since, until, email, phone, end_reason, "
                "term_until, preexisting, action, source, carried) VALUES (?, '周第一书记', 'first', '县委组织部', "
                "'2026-01-15', NULL, '', '', '', '2028-01-15', FALSE, '', '', FALSE)", (case_id,))
    _names(con, [("周第一书记", "first_secretary", "县委组织部")])
    _move(con, case_id, version, actor, "assign_secretary", "ledger_created", "secretary_assigned", TODAY, {
        "email": "", "name": "周第一书记", "on": "2026-01-15", "phone": "", "preexisting": False,
        "since": "2026-01-15", "term_until": "2028-01-15", "unit": "县委组织部"},
          stage="secretary_assigned", stage_since=TODAY, stage_due="2026-12-31")


def report_progress(con: sqlite3.Connection, case_id: int, actor: str) -> None:
    version = _case(con, case_id, "secretary_assigned")
    con.execute("INSERT INTO progress_report (case_id, reported_on, note, actor) VALUES (?, '2026-02-04', "
                "'按月报送进展', ?)", (case_id, actor))
    _move(con, case_id, version, actor, "report_progress", "secretary_assigned", "secretary_assigned", "2026-02-04",
          {"note": "按月报送进展", "on": "2026-02-04"}, last_progress_on="2026-02-04")


def complete_measure(con: sqlite3.Connection, case_id: int, actor: str) -> None:
    version = _case(con, case_id, "secretary_assigned")
    measure_id, _text, done_on = con.execute("SELECT id, text, done_on FROM measure WHERE case_id = ? AND seq = 1",
                                             (case_id,)).fetchone()
    assert done_on is None
    con.execute("UPDATE measure SET done_on = '2026-02-24' WHERE id = ?", (measure_id,))
    _move(con, case_id, version, actor, "complete_measure", "secretary_assigned", "secretary_assigned", "2026-02-24",
          {"measure_no": 1, "on": "2026-02-24"}, measures_done=1)


def mark_rectified(con: sqlite3.Connection, case_id: int, actor: str) -> None:
    version = _case(con, case_id, "secretary_assigned")
    _move(con, case_id, version, actor, "mark_rectified", "secretary_assigned", "rectified", TODAY,
          {"applied_by": actor, "on": "2026-03-06", "self_check": "对照问题逐项整改"},
          stage="rectified", stage_since=TODAY, stage_due="2026-04-07", self_check="对照问题逐项整改",
          rectified_on="2026-03-06", applied_by=actor)


def verify(con: sqlite3.Connection, case_id: int, actor: str) -> None:
    version = _case(con, case_id, "rectified")
    assert con.execute("SELECT * FROM objection WHERE case_id = ? AND decision = '' ORDER BY id DESC LIMIT 1",
                       (case_id,)).fetchone() is None
    con.execute(_PROBLEMS, (case_id,)).fetchall()
    con.execute("INSERT INTO verification (case_id, verified_on, verifier, score, satisfied, basic, dissatisfied, "
                "passed, reasons, members, score_sheet, grade, signed_by) VALUES (?, '2026-03-16', '县委组织部', 90, "
                "40, 0, 2, TRUE, '', '验收员', '', 'good', ?)", (case_id, actor))
    _move(con, case_id, version, actor, "verify", "rectified", "rectified", "2026-03-16", {
        "basic": 0, "by": "县委组织部", "dissatisfied": 2, "grade": "good", "items": {}, "members": ["验收员"],
        "on": "2026-03-16", "passed": True, "publicity_until": "2026-03-23", "reason": "", "satisfaction": 0.952,
        "satisfied": 40, "score": 90},
          stage_due="2026-03-30", verified_on="2026-03-16", score=90, verified_by=actor, grade="good",
          satisfaction=0.952, publicity_until="2026-03-23")


# The six steps after the opening, in the order of bench.lifecycle.STEPS, each (connection, case id, actor).
STEP_FUNCTIONS: tuple[Callable[[sqlite3.Connection, int, str], None], ...] = (
    plan, assign_secretary, report_progress, complete_measure, mark_rectified, verify)
