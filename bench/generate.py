"""A deterministic national-scale data set: N cases with realistic history, written in bulk.

Per case about 8 events, 3 measures and 2 progress reports; every stage and every light is present on
the as-of date. Rows go in with Core executemany in chunks, so building 100,000 cases takes seconds.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from rectify.config import Config
from rectify.states.deadlines import stage_due
from rectify.states.stages import PROBLEM_TYPES
from rectify.store import Database
from rectify.store.tables import (
    case_t,
    event_t,
    measure_problem_t,
    measure_t,
    org_t,
    person_t,
    problem_t,
    progress_t,
    secretary_t,
    verification_t,
)

AS_OF = date(2026, 6, 30)
PROVINCES = 10
COUNTIES_PER_PROVINCE = 30
TOWNSHIPS_PER_COUNTY = 8
CHUNK = 5000
# Shares in per mille: a national roll-up in mid-year, most cases converted, the open ones mostly with
# their secretary in place; with the due dates below about 2 % of all cases have something due on AS_OF.
STAGE_MIX = (("verified", 610), ("withdrawn", 20), ("identified", 3), ("ledger_created", 6),
             ("secretary_assigned", 351), ("rectified", 10))
PATH = ("identified", "ledger_created", "secretary_assigned", "rectified", "verified")


def _stage_for(rng: random.Random) -> str:
    roll = rng.randrange(1000)
    for stage, share in STAGE_MIX:
        if roll < share:
            return stage
        roll -= share
    return "secretary_assigned"


def rows(n: int, as_of: date = AS_OF, seed: int = 7) -> Iterator[dict[str, list[dict[str, Any]]]]:
    """Yield chunks of rows per table; case and organization ids are 1..n."""
    rng = random.Random(seed)
    policy = Config().policy
    codes = sorted(PROBLEM_TYPES)
    at = datetime.combine(as_of, datetime.min.time(), tzinfo=UTC)
    chunk: dict[str, list[dict[str, Any]]] = {}

    def add(table: str, row: dict[str, Any]) -> None:
        chunk.setdefault(table, []).append(row)

    ids = {"case_problem": 0, "measure": 0}  # explicit ids, so measures can name their problems

    for i in range(1, n + 1):
        p, c, t = i % PROVINCES, (i // PROVINCES) % COUNTIES_PER_PROVINCE, i % TOWNSHIPS_PER_COUNTY
        county, township = f"省{p:02d}县{c:02d}", f"省{p:02d}县{c:02d}镇{t}"
        kind = "community" if i % 9 == 0 else "village"
        add("organization", {"id": i, "code": f"B{i:08d}", "name": f"{township}第{i}村党支部", "kind": kind,
                             "county": county, "township": township, "poor_village": i % 5 == 0, "created_at": at})
        stage = _stage_for(rng)
        # How long ago the case was identified, by stage, so that about one open case in ten is overdue.
        back = {"identified": (0, 17), "ledger_created": (8, 33), "secretary_assigned": (30, 330),
                "rectified": (120, 360)}.get(stage, (200, 420))
        identified = as_of - timedelta(days=rng.randint(*back))
        deadline = identified + timedelta(days=rng.randint(180, 420))
        if stage == "secretary_assigned":
            deadline = max(deadline, as_of + timedelta(days=rng.randint(-3, 450)))
        reached = PATH[: PATH.index(stage) + 1] if stage != "withdrawn" else ("identified",)
        day = identified
        stage_days: dict[str, date] = {"identified": identified}
        for s in reached[1:]:
            gap = rng.randint(0, 35) if s == "rectified" and stage == "rectified" else rng.randint(5, 25)
            day = min(day + timedelta(days=gap), as_of) if s != "rectified" or stage != "rectified" \
                else as_of - timedelta(days=gap)
            stage_days[s] = day
        since = stage_days.get(stage, identified if stage == "withdrawn" else day)
        rectified_on = stage_days.get("rectified")
        due = stage_due(stage, cycle_start=identified, deadline=deadline, rectified_on=rectified_on, policy=policy)
        done = 3 if PATH.index(reached[-1]) >= 3 else rng.randint(0, 2) if len(reached) > 2 else 0
        n_measures = 3 if len(reached) > 1 else 0
        reports = 2 if len(reached) > 2 else 0
        if not reports:
            last_progress = None
        elif stage in ("verified", "rectified"):
            last_progress = min(since + timedelta(days=rng.randint(1, 40)), as_of)
        else:  # monthly reports keep coming; about one case in sixty is a few days late
            late = rng.random() < 1 / 60
            last_progress = max(as_of - timedelta(days=rng.randint(30, 36) if late else rng.randint(0, 29)), since)
        add("rectification_case", {
            "id": i, "org_id": i, "year": identified.year, "stage": stage, "identified_on": identified,
            "deadline": deadline, "stage_since": since, "stage_due": due, "cycle_start": identified, "cycle": 1,
            "version": 1, "detail": "班子软弱，群众意见大", "helping_unit": f"帮扶单位{i % 97}" if n_measures else "",
            "self_check": "自查到位" if rectified_on else "", "rectified_on": rectified_on,
            "verified_on": stage_days.get("verified"), "score": 85 if stage == "verified" else None,
            "struck_off_on": stage_days.get("verified"), "grade": "good" if stage == "verified" else "",
            "strike_off_doc": f"青组字〔{identified.year}〕{i}号" if stage == "verified" else "",
            "withdrawn_reason": "误判" if stage == "withdrawn" else "", "supervised": i % 50 == 0,
            "supervision_reason": "进度滞后" if i % 50 == 0 else "", "measures_total": n_measures,
            "measures_done": min(done, n_measures), "last_progress_on": last_progress,
            "created_at": at, "updated_at": at})
        problem_ids = []
        for code in rng.sample(codes, 1 + i % 2):
            ids["case_problem"] += 1
            problem_ids.append(ids["case_problem"])
            add("case_problem", {"id": ids["case_problem"], "case_id": i, "code": code, "text": PROBLEM_TYPES[code]})
        add("case_person", {"case_id": i, "role": "officer", "name": "经办人", "unit": "", "phone": "",
                            "email": f"officer{i % 300}@example.cn"})
        if n_measures:
            for role in ("county_leader", "township_cadre"):
                add("case_person", {"case_id": i, "role": role, "name": f"{role}{i % 500}", "unit": "", "phone": "",
                                    "email": f"{role}{i % 500}@example.cn"})
            for m in range(1, 4):
                ids["measure"] += 1
                add("measure", {"id": ids["measure"], "case_id": i, "seq": m, "text": f"整顿措施{m}",
                                "owner": "责任人", "due_on": min(deadline, identified + timedelta(days=60 * m)),
                                "done_on": since if m <= done else None})
                # each problem covered: measure m answers problem (m - 1) mod the case's problems
                add("measure_problem", {"measure_id": ids["measure"],
                                        "problem_id": problem_ids[(m - 1) % len(problem_ids)]})
        if len(reached) > 2:
            add("secretary_assignment", {"case_id": i, "name": f"书记{i}", "kind": "first", "unit": "派出单位",
                                         "since": stage_days["secretary_assigned"], "until": None,
                                         "email": f"secretary{i}@example.cn", "phone": "", "end_reason": ""})
        for r in range(reports):
            add("progress_report", {"case_id": i, "reported_on": last_progress - timedelta(days=30 * r),  # type: ignore[operator]
                                    "note": "按月报送进展", "actor": "bench"})
        if stage == "verified":
            add("verification", {"case_id": i, "verified_on": stage_days["verified"], "verifier": "验收组",
                                 "score": 85, "satisfied": 40, "basic": 5, "dissatisfied": 1, "passed": True,
                                 "reasons": "", "members": "验收员甲、验收员乙"})
        events = [("open", None, "identified")] + [
            (a, f, t_) for a, f, t_ in zip(("plan", "assign_secretary", "mark_rectified", "verify"),
                                          PATH, PATH[1:], strict=False) if t_ in reached]
        events += [("report_progress", "secretary_assigned", "secretary_assigned")] * reports
        events += [("complete_measure", s, s) for s in ("secretary_assigned",) * min(done, n_measures)]
        if stage == "withdrawn":
            events.append(("withdraw", "identified", "withdrawn"))
        details = {}
        if stage == "verified":  # the 公示 (ending on the day, for brevity) and the 销号 by an approver: what a
            # re-imported ledger must carry for a struck-off case (issue 26)
            day = stage_days["verified"].isoformat()
            details["verify"] = json.dumps({"passed": True, "publicity_until": day})
            events.append(("strike_off", "verified", "verified"))
        for action, f, t_ in events:
            add("case_event", {"case_id": i, "at": at, "actor": "审批人" if action == "strike_off" else "bench",
                               "action": action, "from_stage": f, "to_stage": t_, "reason": "",
                               "detail": details.get(action, "{}")})
        if i % CHUNK == 0:
            yield chunk
            chunk = {}
    if chunk:
        yield chunk


TABLES = {"organization": org_t, "rectification_case": case_t, "case_problem": problem_t, "case_person": person_t,
          "measure": measure_t, "measure_problem": measure_problem_t, "secretary_assignment": secretary_t,
          "progress_report": progress_t,
          "verification": verification_t, "case_event": event_t}


def populate(db: Database, n: int, as_of: date = AS_OF) -> dict[str, int]:
    counts: dict[str, int] = {}
    with db.engine.begin() as conn:
        for chunk in rows(n, as_of):
            for name, table in TABLES.items():
                batch = chunk.get(name)
                if batch:
                    conn.execute(sa.insert(table), batch)
                    counts[name] = counts.get(name, 0) + len(batch)
        if db.dialect == "postgresql":
            for name in TABLES:
                conn.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                                     f"(SELECT COALESCE(MAX(id), 1) FROM {name}))"))
    from rectify.config import Config
    from rectify.reports.month_end import fill

    fill(db, Config(), as_of)  # the month-end snapshots a production database has (rectify snapshot, monthly)
    return counts
