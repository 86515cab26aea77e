"""Issue 12's ledger columns and county sheets: measures a line each with numeric counts, the two
secretary tracks, and a ledger exported and imported again giving the same ledger (both backends)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from rectify.cli import cli
from rectify.config import Config
from rectify.importing.cells import CellError, parse_measure_list
from rectify.reports.cases import show_case
from rectify.reports.ledger import LEDGER_COLUMNS, LedgerFilter, ledger_rows
from rectify.store import Database
from rectify.write.engine import Workflow

from .conftest import DEMO_ACTOR, FakeClock, add_org, snapshot, walk

AS_OF = date(2026, 3, 10)
Run = Callable[..., Result]



def _ledger(db_url: str, fmt: str, path: Path | None = None) -> Result:
    args = ["--db", db_url, "--actor", DEMO_ACTOR, "ledger", "--as-of", AS_OF.isoformat(), "--format", fmt]
    result = CliRunner().invoke(cli, [*args, "-o", str(path) if path else "-"],
                                env={"RECTIFY_NOW": "2026-03-10T02:00:00+00:00"})
    assert result.exit_code == 0, result.output
    return result


# What an import cannot carry over, and says so: the case's own number and version, the row number,
# and the history a sheet does not hold (extensions, failed verifications, the cycle of a relapse, the
# sign's matter), which are the remarks (备注) and the fields behind them.
# The current task's due date (next_due, and the days left and light drawn from it) is fixed when the
# stage started, which the sheet does not say until it has a 待办时限 column: the importer gives the policy's.
NOT_IN_A_SHEET = {"seq", "case_id", "version", "remarks", "cycle", "extensions", "failed_verifications",
                  "supervision_reason", "withdrawn_reason", "next_due", "days_left", "light", "light_reason"}


def _comparable(db_url: str, tmp_path: Path, name: str) -> list[dict[str, Any]]:
    path = tmp_path / f"{name}.json"
    _ledger(db_url, "json", path)
    cases = json.loads(path.read_text(encoding="utf-8"))["cases"]
    out = [{k: v for k, v in c.items() if k not in NOT_IN_A_SHEET} for c in cases]
    return sorted(out, key=lambda c: (c["org_code"], c["identified_on"]))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_exported_ledger_imports_to_the_same_ledger(fmt: str, source_db: Database, db_url: str,
                                                       run: Run, tmp_path: Path) -> None:
    sheet = tmp_path / f"台账.{fmt}"
    _ledger(source_db.url, fmt, sheet)
    result = run("case", "import", str(sheet))
    assert result.exit_code == 0, result.output
    before = _comparable(source_db.url, tmp_path, "before")
    after = _comparable(db_url, tmp_path, "after")
    assert len(after) == 44
    diffs = [{k: (a[k], b.get(k)) for k in a if a[k] != b.get(k)} for a, b in zip(after, before, strict=True)]
    assert [d for d in diffs if d] == []
    measured = [c for c in after if c["measures"]["items"]]
    assert measured and all(m["owner"] and m["due_on"] for c in measured for m in c["measures"]["items"])


def test_measure_counts_and_the_overdue_count_of_a_past_day(wf: Workflow, clock: FakeClock, db: Database,
                                                             run: Run) -> None:
    add_org(wf)
    case_id = walk(wf, clock, "V001", "secretary_assigned")  # measures due 06-30 and 09-30
    clock.set_day("2026-08-10")
    wf.complete_measure(case_id, 2, on=date(2026, 8, 10))

    def row(as_of: date, rebuild: bool | None = None) -> dict[str, Any]:
        [r] = ledger_rows(db, as_of=as_of, config=Config(), filters=LedgerFilter(), rebuild=rebuild).dicts()
        return r

    today = row(date(2026, 8, 10))
    assert {k: today["measures"][k] for k in ("done", "total", "overdue")} == {"done": 1, "total": 2, "overdue": 1}
    # On 07-31 measure 2 was not done yet: one overdue (due 06-30), one open.
    past = row(date(2026, 7, 31))
    assert {k: past["measures"][k] for k in ("done", "total", "overdue")} == {"done": 0, "total": 2, "overdue": 1}
    assert [m["done_on"] for m in past["measures"]["items"]] == [None, None]
    assert row(date(2026, 8, 10), rebuild=True) == today
    csv_text = run("ledger", "--as-of", "2026-08-10", "--format", "csv").stdout
    import csv
    import io

    header, line = list(csv.reader(io.StringIO(csv_text.lstrip("\ufeff"))))[:2]
    cells = dict(zip(header, line, strict=True))
    assert (cells["措施已完成"], cells["措施总数"], cells["措施逾期"]) == ("1", "2", "1")
    detail = csv_text.split("整改措施")[1]
    assert "1. 配齐村两委班子；责任人：王建国；时限：2026-06-30；逾期未完成" in csv_text
    assert "2. 规范三会一课；责任人：李志强；时限：2026-09-30；已完成（2026-08-10）" in detail
    assert "陈海涛（县财政局）任期至 2028-03-09" in csv_text


def test_xlsx_wraps_the_measures_a_line_each(wf: Workflow, clock: FakeClock, run: Run, tmp_path: Path) -> None:
    import openpyxl

    add_org(wf)
    walk(wf, clock, "V001", "secretary_assigned")
    path = tmp_path / "台账.xlsx"
    assert run("ledger", "--format", "xlsx", "-o", str(path)).exit_code == 0
    ws = openpyxl.load_workbook(path)["限期转化台账"]
    header_row = next(r for r in ws.iter_rows(min_row=1, max_row=5) if any(c.value == "措施总数" for c in r))
    col = {c.value: c.column for c in header_row}
    data = header_row[0].row + 1
    cell = ws.cell(data, col["整改措施（每项：内容、责任人、时限、完成情况）"])
    assert cell.value.count("\n") == 1 and cell.alignment.wrap_text
    assert ws.cell(data, col["措施总数"]).value == 2 and ws.cell(data, col["措施逾期"]).value == 0


def test_village_secretary_column(wf: Workflow, clock: FakeClock, db: Database) -> None:
    add_org(wf)
    add_org(wf, "V002", "河口镇李家湾村党支部")
    a = walk(wf, clock, "V001", "ledger_created")
    wf.open_case("V002", problems=["P01"], identified_on=date(2026, 3, 1), deadline=date(2026, 12, 31),
                 village_secretary="adjust")
    wf.village_secretary(a, name="赵六", since=date(2026, 3, 5), action="选配", source="本村致富能手")
    rows = list(ledger_rows(db, as_of=AS_OF, config=Config(), filters=LedgerFilter()))
    by_name = {cells[3]: cells for _, cells, _ in rows}
    col = [k for k, _ in LEDGER_COLUMNS].index("village_secretary")
    assert by_name["河口镇王家庄村党支部"][col] == "赵六（已选配）"
    assert by_name["河口镇李家湾村党支部"][col] == "需调整"


COUNTY_SHEET = (
    "县,乡镇,党组织名称,类别,软弱涣散情形,存在问题,整改措施,责任人,完成时限,乡镇包村领导,确定日期,转化时限\n"
    "青山县,河口镇,王家庄村党支部,村,P02,书记年龄偏大、长期外出,"
    "\"1.召开专题组织生活会；2.调整班子分工\",王建国（河口镇党委）,2026-06-30,张干部,2026-03-01,2026-12-31\n"
    "青山县,河口镇,李家湾村党支部,村,P03;P09,,1.建设党群服务中心,,,刘委员,2026-03-01,2026-12-31\n"
)


def test_a_county_sheet_gives_one_measure_per_item(db: Database, db_url: str, run: Run, tmp_path: Path,
                                                   config: Config) -> None:
    path = tmp_path / "乡镇台账.csv"
    path.write_text(COUNTY_SHEET, encoding="utf-8")
    result = run("case", "import", str(path))
    assert result.exit_code == 0, result.output
    cases = {c["org_name"]: c for c in json.loads(run("ledger", "--format", "json").stdout)["cases"]}
    first = cases["王家庄村党支部"]
    assert [(m["text"], m["owner"], m["owner_unit"], m["due_on"]) for m in first["measures"]["items"]] == [
        ("召开专题组织生活会", "王建国", "河口镇党委", "2026-06-30"), ("调整班子分工", "王建国", "河口镇党委", "2026-06-30")]
    assert first["problems"] == [{"code": "P02", "text": "书记年龄偏大、长期外出"}]
    assert first["township_cadre"] == "张干部"
    second = cases["李家湾村党支部"]
    [m] = second["measures"]["items"]
    assert (m["text"], m["owner"], m["due_on"]) == ("建设党群服务中心", "刘委员", "2026-12-31")
    shown = show_case(db, second["case_id"], as_of=AS_OF, config=config)
    assert {p["code"] for p in shown["problems"]} == {"P03", "P09"}
    assert all(not p.get("uncovered") for p in shown["problems"])


@pytest.mark.parametrize("header, cell, message", [
    ("村党组织书记", "赵六（已撤换）", "第 2 行 · 村党组织书记：应写成 姓名（已选配/已调整）、缺配 或 需调整"),
    ("第一书记", "王五（县财政局）任期至 明年", "第 2 行 · 第一书记：任期至："),
    ("整改措施", "1.召开专题组织生活会；时限：下个月", "第 2 行 · 整改措施："),
])
def test_bad_issue_12_cells_are_refused_and_nothing_is_written(header: str, cell: str, message: str, db: Database,
                                                               run: Run, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(f"县,乡镇,党组织名称,类别,软弱涣散情形,确定日期,{header}\n"
                    f"青山县,河口镇,王家庄村党支部,村,P01,2026-03-01,{cell}\n", encoding="utf-8")
    before = snapshot(db)
    result = run("case", "import", str(path))
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert result.stderr.startswith(message), result.stderr
    assert snapshot(db) == before


def test_measure_list_parser() -> None:
    assert parse_measure_list("1.召开专题组织生活会；2.调整班子分工") == [
        {"text": "召开专题组织生活会"}, {"text": "调整班子分工"}]
    assert parse_measure_list("1. 配齐班子；责任人：王建国（河口镇党委）；时限：2026-06-30；已完成（2026-06-20）\n"
                              "2. 规范三会一课；责任人：李志强；时限：2026-09-30；逾期未完成") == [
        {"text": "配齐班子", "owner": "王建国", "owner_unit": "河口镇党委", "due": date(2026, 6, 30),
         "done": date(2026, 6, 20)},
        {"text": "规范三会一课", "owner": "李志强", "owner_unit": "", "due": date(2026, 9, 30)}]
    assert parse_measure_list("2/3") == []
    with pytest.raises(CellError):
        parse_measure_list("1.配齐班子；时限：明年")
