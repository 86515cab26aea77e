"""The paths that stream at national scale give what reading everything at once gave: the import's encoding
check read in chunks, and the reminder sweep taken a chunk of cases at a time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from click.testing import Result

from rectify import spill
from rectify.importing import sheets
from rectify.notifications import sweeping
from rectify.notifications.outbox import run_sweep
from rectify.notifications.render import Renderer
from rectify.store import Database
from rectify.store.outbox import SqlOutboxStore
from rectify.write.engine import Workflow

from .conftest import FakeClock
from .remind_helpers import AS_OF_ISO, build_county, county_config

HEADER = "县,乡镇,党组织名称,类别,软弱涣散情形,确定日期\r\n"
AS_OF = date.fromisoformat(AS_OF_ISO)
ROWS = "".join(f"青山县,河口镇,第{k}村党支部,村,P01,2026-01-05\r\n" for k in range(1, 6))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "utf-16"])
def test_a_sheet_read_in_tiny_chunks_keeps_its_encoding(encoding: str, monkeypatch: pytest.MonkeyPatch,
                                                      tmp_path: Path) -> None:
    """A character cut by a chunk boundary is not taken for another encoding (every 3-byte boundary is tried)."""
    monkeypatch.setattr(sheets, "_CHUNK", 3)
    path = tmp_path / "名单.csv"
    path.write_bytes((HEADER + ROWS).encode(encoding))
    sheet = sheets.open_sheet(path, sheets.alias_map(sheets.CASE_FIELDS))
    rows = list(sheet.rows)
    assert [cells[2] for _, cells in rows] == [f"第{k}村党支部" for k in range(1, 6)]
    assert sheet.estimate in (5, 6)  # physical lines below the header (UTF-16 counts one more), for a bar


def test_a_file_in_no_known_encoding_is_refused(tmp_path: Path, run: Callable[..., Result]) -> None:
    path = tmp_path / "坏文件.csv"
    path.write_bytes(HEADER.encode("utf-8") + b"\xff\xfe\xfd\x80\x81" * 3 + b"\r\n")
    result = run("case", "import", str(path))
    assert result.exit_code == 2 and "无法识别文件编码" in result.output
    assert "Traceback" not in result.output


def test_the_sweep_in_chunks_of_one_case_records_the_same(wf: Workflow, clock: FakeClock, db: Database,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    build_county(wf, clock)
    store = SqlOutboxStore(db)

    def dry() -> list[tuple[str, str, int]]:
        result = run_sweep(store, county_config(), as_of=AS_OF, now=clock.now, renderer=Renderer(),
                           dry_run=True)
        assert result.cases == 2
        return [(d["recipient"], d["body_text"], d["items"]) for d in result.digests]

    whole = dry()
    # one case, one measure, one recipient per chunk and sorted runs of one row on disk
    monkeypatch.setattr(sweeping, "CHUNK", 1)
    monkeypatch.setattr(spill, "CHUNK", 1)
    monkeypatch.setattr(sweeping, "PLAN_CHUNK", 1)  # the sort by recipient's own bound
    monkeypatch.setattr(sweeping, "KEEP", 0)  # the spools on disk too (held whole, the plan is sorted in memory)
    assert dry() == whole and whole
    first = run_sweep(store, county_config(), as_of=AS_OF, now=clock.now, renderer=Renderer())
    again = run_sweep(store, county_config(), as_of=AS_OF, now=clock.now, renderer=Renderer())
    assert first.digests and not again.digests  # exactly once, chunk by chunk
