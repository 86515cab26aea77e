"""Migration 0021: a relapsed case planned before stage 3 became the join of the plan and a 第一书记 in post kept
已建台账 although its carried-over 第一书记 was in post; the upgrade moves its stored stage to what the history
folded today says (整改中 from the plan's day, due at the 转化时限), on both backends, and leaves alone a relapse
whose carried-over 第一书记 was recalled before its plan."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from alembic import command

from rectify.config import Config
from rectify.reports.ledger import ledger_rows
from rectify.states.stages import Stage
from rectify.store import SCHEMA_HEAD, Database, alembic_config, upgrade
from rectify.write.engine import Workflow

from .conftest import NOW, FakeClock, add_org, walk

PLAN_DAY = date(2026, 9, 15)


def _relapse(wf: Workflow, clock: FakeClock, code: str, *, recalled_on: date | None = None) -> int:
    """An earlier case struck off, its 回头看 反弹 on 09-10 (the 第一书记 carried into the new listing), planned
    09-15; with ``recalled_on`` the carried-over 第一书记 is recalled that day first."""
    clock.now = NOW  # the walk's steps dated as the other tests' walks are
    add_org(wf, code, f"河口镇{code}村党支部")
    old = walk(wf, clock, code, "verified")
    clock.set_day("2026-09-20")
    out = wf.look_back(old, on=date(2026, 9, 10), result="反弹", note="书记辞职，工作停滞", problems=["P04"])
    new_id = int(out.message.split("整顿对象 ")[1].split("，")[0])
    if recalled_on is not None:
        wf.recall_secretary(new_id, on=recalled_on, reason="工作需要")
    wf.plan(new_id, measures=[(["P04"], "规范三会一课", "王建国", date(2026, 12, 31))],
            county_leader="李县长", township_leader="张书记", on=PLAN_DAY)
    return new_id


def _stored(db: Database, case_id: int) -> tuple[Any, ...]:
    with db.engine.connect() as conn:
        row = conn.execute(sa.text("SELECT stage, stage_since, stage_due FROM rectification_case WHERE id = :id"),
                           {"id": case_id}).one()
    return tuple(date.fromisoformat(v) if isinstance(v, str) and v[:1].isdigit() else v for v in row)


def test_0021_moves_a_relapse_planned_with_its_carried_secretary_in_post_to_stage_3(
        wf: Workflow, db: Database, clock: FakeClock) -> None:
    joined = _relapse(wf, clock, "V001")
    recalled = _relapse(wf, clock, "V002", recalled_on=date(2026, 9, 12))
    assert _stored(db, joined) == (Stage.secretary_assigned, PLAN_DAY, date(2027, 3, 9))  # due at its 转化时限
    assert _stored(db, recalled)[0] == Stage.ledger_created
    now = {case_id: _stored(db, case_id) for case_id in (joined, recalled)}
    cfg = alembic_config(db)
    with db.engine.begin() as conn:  # at 0020, as the plan stored it before the join: 已建台账, 选派第一书记 due
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0020")
        conn.execute(sa.text("UPDATE rectification_case SET stage = :stage, stage_since = :since, stage_due = :due "
                             "WHERE id = :id"),
                     {"stage": Stage.ledger_created.value, "since": PLAN_DAY, "due": date(2026, 10, 10),
                      "id": joined})
    assert _stored(db, joined) == (Stage.ledger_created, PLAN_DAY, date(2026, 10, 10))
    assert upgrade(db) == ("0020", SCHEMA_HEAD)
    assert {case_id: _stored(db, case_id) for case_id in now} == now
    for day in (date(2026, 9, 20), date(2026, 12, 31)):  # the stored row is what the history folds to
        stored = list(ledger_rows(db, as_of=day, config=Config(), rebuild=False).dicts())
        assert stored == list(ledger_rows(db, as_of=day, config=Config(), rebuild=True).dicts()), day
