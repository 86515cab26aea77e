"""The case import checks its rows in batches and asks the database what earlier batches took (SPEC §7): with a
batch of two rows, every lookup crosses a batch boundary, and the answers are those of one pass over the file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import Result

from rectify.importing import cases as import_module
from rectify.store import Database
from rectify.write.engine import Workflow

from .conftest import FakeClock, add_org, snapshot, walk

HEADER = "组织代码,党组织名称,类别,县,乡镇,软弱涣散情形,确定日期,转化时限\n"


@pytest.fixture(autouse=True)
def _two_rows_a_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(import_module, "BATCH", 2)


def _sheet(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "cases.csv"
    path.write_text(HEADER + body, encoding="utf-8-sig")
    return path


def test_organizations_and_cases_of_earlier_batches_are_found(db: Database, wf: Workflow, clock: FakeClock,
                                                               run: Callable[..., Result], tmp_path: Path) -> None:
    add_org(wf, "V001", "河口镇王家庄村党支部")
    path = _sheet(tmp_path,
                  "V001,河口镇王家庄村党支部,村,青山县,河口镇,P01,2026-02-01,2026-12-31\n"  # row 2: a stored org
                  ",李家湾村党支部,村,青山县,河口镇,P02,2026-02-01,2026-12-31\n"  # row 3: new, named without code
                  "V009,张家坪村党支部,村,青山县,河口镇,P03,2025-02-01,2025-12-31\n"  # row 4: new (closed below)
                  "V009,张家坪村党支部,,青山县,河口镇,P04,2026-02-01,2026-12-31\n"  # row 5: the same org, batch 3
                  ",李家湾村党支部,,青山县,河口镇,P05,2026-03-01,2026-12-31\n")  # row 6: found by its names
    result = run("case", "import", str(path))
    assert result.exit_code == 2
    # Rows 5 and 6 would open a second case for an organization that has one open since row 4 / row 3.
    lines = result.stderr.strip().splitlines()
    assert "第 6 行 · 党组织名称：组织 G" in lines[1] and "在第 3 行已有在办整顿对象" in lines[1], lines
    assert "第 5 行 · 组织代码：组织 V009 在第 4 行已有在办整顿对象" in lines[0], lines


def test_a_good_file_across_batches_counts_once(db: Database, wf: Workflow, run: Callable[..., Result],
                                                tmp_path: Path) -> None:
    add_org(wf, "V001", "河口镇王家庄村党支部")
    add_org(wf, "V002", "李家湾村党支部")
    path = _sheet(tmp_path,
                  "V001,河口镇王家庄村党支部,村,青山县,河口镇,P01,2026-02-01,2026-12-31\n"
                  "V003,张家坪村党支部,村,青山县,河口镇,P03,2026-02-01,2026-12-31\n"
                  ",刘家沟村党支部,村,青山县,河口镇,P02,2026-02-01,2026-12-31\n"
                  "V002,李家湾村党支部,村,青山县,河口镇,P04,2026-02-01,2026-12-31\n"
                  ",王家湾村党支部,村,青山县,河口镇,P02,2025-02-01,2025-12-31\n")
    dry = run("case", "import", "--dry-run", str(path))
    assert dry.exit_code == 0, dry.output
    before = snapshot(db)
    result = run("case", "import", str(path))
    assert result.exit_code == 0, result.output
    assert result.stderr.strip() == "已导入 5 行：新建组织 3 个，沿用已有组织 2 个，导入整顿对象 5 个", result.stderr
    assert dry.stderr.replace("（试运行，未写入）", "").strip().endswith("导入整顿对象 5 个")
    assert snapshot(db) != before
    with db.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM organization")).scalar_one() == 5
        assert conn.execute(sa.text("SELECT count(*) FROM rectification_case")).scalar_one() == 5


def test_a_bad_row_then_more_batches_writes_nothing_and_checks_on(db: Database, wf: Workflow, clock: FakeClock,
                                                                   run: Callable[..., Result],
                                                                   tmp_path: Path) -> None:
    add_org(wf, "V001", "河口镇王家庄村党支部")
    walk(wf, clock, "V001", "identified")
    before = snapshot(db)
    path = _sheet(tmp_path,
                  "V001,河口镇王家庄村党支部,村,青山县,河口镇,P01,2026-02-01,2026-12-31\n"  # row 2: open case 1
                  "V004,刘家沟村党支部,村,青山县,河口镇,P03,2026-02-01,2026-12-31\n"  # row 3: new, not written
                  "V005,陈家岭村党支部,村,青山县,河口镇,P04,2026-02-01,2026-12-31\n"
                  "V006,王家湾村党支部,村,青山县,河口镇,P04,2026-02-01,2026-12-31\n"
                  "V004,刘家沟村党支部,,青山县,河口镇,P05,2026-02-01,2026-12-31\n")  # row 6: same key as row 3
    result = run("case", "import", str(path))
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines()[:-1] == [
        "第 2 行 · 组织代码：组织 V001 已有在办整顿对象 1，一个组织同时只能有一个在办整顿对象",
        "第 6 行 · 组织代码：该组织 2026-02-01 确定的整顿对象已存在（第 3 行）",
    ]
    assert snapshot(db) == before


def test_a_number_taken_in_an_earlier_batch_is_found(db: Database, wf: Workflow, run: Callable[..., Result],
                                                     tmp_path: Path) -> None:
    """The 编号 earlier batches took are kept in the database, not in memory, and still found: written as the
    ledger writes them, and otherwise (``8.0``, asked for alone). A bad row (row 3) takes no number."""
    path = tmp_path / "cases.csv"
    path.write_text(HEADER.strip() + ",编号\n"
                    "V001,王家庄村党支部,村,青山县,河口镇,P01,2026-02-01,2026-12-31,7\n"  # row 2: batch 1
                    "V002,李家湾村党支部,村,青山县,河口镇,P99,2026-02-01,2026-12-31,9\n"
                    "V003,张家坪村党支部,村,青山县,河口镇,P03,2026-02-01,2026-12-31,8\n"  # row 4: batch 2
                    "V004,刘家沟村党支部,村,青山县,河口镇,P04,2026-02-01,2026-12-31,7\n"
                    "V005,陈家岭村党支部,村,青山县,河口镇,P05,2026-02-01,2026-12-31,8.0\n"  # row 6: batch 3
                    "V006,王家湾村党支部,村,青山县,河口镇,P05,2026-02-01,2026-12-31,9\n", encoding="utf-8-sig")
    result = run("case", "import", str(path))
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 4 and lines[0].startswith("第 3 行 · 软弱涣散情形："), lines
    assert lines[1:3] == ["第 5 行 · 编号：编号 7 与第 2 行重复", "第 6 行 · 编号：编号 8 与第 4 行重复"]
