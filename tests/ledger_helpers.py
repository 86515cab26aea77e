"""Helpers for the ledger tests: the demo at a fixed date, golden files, a county with hostile text."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from rectify.write.engine import Workflow

from .conftest import FakeClock

AS_OF = "2026-06-30"
GOLDEN = Path(__file__).parent / "golden"
REGEN_ENV = "RECTIFY_REGEN_GOLDEN"

HOSTILE_NAME = '=HYPERLINK("http://evil.example/x","点我")'
HOSTILE_NOTE = "<script>alert('x')</script>@SUM(A1)"


def assert_golden(name: str, data: bytes) -> None:
    """Compare with tests/golden/NAME; with RECTIFY_REGEN_GOLDEN=1 rewrite it instead (deliberately)."""
    path = GOLDEN / name
    if os.environ.get(REGEN_ENV):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return
    assert path.exists(), f"missing golden file {path}; run the tests once with {REGEN_ENV}=1"
    expected = path.read_bytes()
    assert data == expected, (
        f"{name} differs from its golden file (regenerate with {REGEN_ENV}=1 if intended)"
    )


def hostile_county(wf: Workflow, clock: FakeClock) -> int:
    """One case whose organization name and progress note try formula and script injection."""
    clock.set_day("2026-03-10")
    wf.add_org("H001", HOSTILE_NAME, kind="village", county="-2+3县", township="+乡镇")
    case_id = wf.open_case(
        "H001",
        problems=["P01", "other:@外部势力干扰"],
        identified_on=date(2026, 3, 1),
        deadline=date(2026, 12, 31),
        detail="<b>粗体</b>",
    ).case_id
    wf.plan(
        case_id,
        measures=[(["P01", "other"], "=1+1", "王建国", date(2026, 6, 30))],
        county_leader="-李县长",
        township_cadre="张干部",
        helping_unit="@县财政局",
    )
    wf.assign_secretary(case_id, name="陈海涛", unit="<i>县财政局</i>", since=date(2026, 3, 9))
    wf.report_progress(case_id, on=date(2026, 3, 10), note=HOSTILE_NOTE)
    wf.supervise(case_id, unit="县委组织部", matter="<img src=x onerror=alert(1)>")
    return case_id
