"""Scope that never leaks (SPEC §12, issue 26): the outbox, the ambiguity and not-found messages consider only
what the reader may see; an unseen case reads exactly like an unknown one."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date

from click.testing import Result

from rectify.config import Config
from rectify.notifications.scheduler import ReminderService
from rectify.store import Database
from rectify.store.outbox import SqlOutboxStore
from rectify.write.engine import Workflow

from .conftest import DEMO_ACTOR, FakeClock

Run = Callable[..., Result]


def _other_county(db: Database, clock: FakeClock, code: str = "LS001") -> int:
    """An organization and an open case of 绿水县, written on a trusted path (no registry check)."""
    wf = Workflow(db, Config(), actor="系统", clock=clock)
    wf.add_org(code, "绿水县河口镇某村党支部", kind="village", county="绿水县", township="河口镇")
    return wf.open_case(code, problems=["P01"], identified_on=date(2026, 3, 1), deadline=date(2026, 7, 10),
                        officer="绿水经办", officer_email="lv@example.cn").case_id


def test_outbox_list_shows_only_the_readers_county(demo: Run, db: Database, clock: FakeClock) -> None:
    _other_county(db, clock)
    ReminderService(SqlOutboxStore(db), Config(), clock, lambda: None).sweep()  # type: ignore[arg-type,return-value]
    admin = demo("--actor", "周文博", "outbox", "list", "--format", "json")
    assert admin.exit_code == 0, admin.output
    everything = json.loads(admin.stdout)
    shown = json.loads(demo("outbox", "list", "--format", "json").stdout)
    assert shown and "lv@example.cn" not in {r["recipient"] for r in shown}
    assert "lv@example.cn" not in json.dumps(everything)  # the demo's admin is 青山县's too


def test_an_unseen_case_reads_like_an_unknown_one(demo: Run, db: Database, clock: FakeClock) -> None:
    other = _other_county(db, clock)
    unknown = demo("case", "show", "999999")
    for ref in (str(other), "LS001", f"case:{other}"):
        for args in (("case", "show", ref), ("case", "history", ref),
                     ("case", "withdraw", ref, "--reason", "误判")):
            result = demo(*args)
            assert result.exit_code == unknown.exit_code == 1, result.output
            expected = f"错误：找不到整顿对象 {other}\n" if ref.startswith("case:") else \
                f"错误：找不到整顿对象或组织 {ref}\n"
            assert result.stderr == expected, (args, result.stderr)


def test_ambiguity_counts_only_what_the_reader_sees(demo: Run, db: Database, clock: FakeClock) -> None:
    shown = json.loads(demo("case", "list", "--format", "json").stdout)
    mine = shown[0].get("case_id", shown[0].get("id"))
    _other_county(db, clock, code=str(mine))  # another county's organization coded like one of my cases
    result = demo("case", "show", str(mine), "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["id"] == mine
    assert "绿水县" not in result.output
    assert DEMO_ACTOR
