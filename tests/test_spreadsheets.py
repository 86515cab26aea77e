"""The ledger's CSV and XLSX as LibreOffice, Excel and WPS users get them (issue 16), proven with LibreOffice.

LibreOffice headless converts the exported files (csv → xlsx → csv, xlsx → csv) and prints the XLSX to
PDF; ``case import`` reads the converted files into a fresh database and the ledger must come back with
every count, date and code; ``pdftotext`` checks the printed sizes and that wrapped cells print whole.
Each test run uses its own LibreOffice profile directory, so parallel runs do not clash.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from rectify.cli import cli
from rectify.config import Config
from rectify.demo.demo import build_demo
from rectify.reports.ledger_sheets import SHEET_HEADERS, TEXT_MARK, _text_cells, csv_cell, wrapped_lines
from rectify.store import Database, open_database
from rectify.write.engine import Workflow

from .conftest import ACTOR, DEMO_ACTOR, FakeClock, second_database_url, snapshot

AS_OF = "2026-03-10"  # the fake clock's day
DIGIT_CODES = ("012345", "341122101201")  # leading zero; 12 digits (3.41122E+11 in a spreadsheet)


# -- LibreOffice -----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def soffice(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """``convert(src, target, outdir, infilter=None)`` with LibreOffice headless and a profile of this run."""
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        if os.environ.get("CI") == "true":
            pytest.fail("LibreOffice (soffice) is required in CI: .ci/run installs libreoffice-calc")
        pytest.skip("LibreOffice (soffice) is not installed: apt-get install libreoffice-calc fonts-noto-cjk")
    profile = tmp_path_factory.mktemp("lo-profile").as_uri()

    def convert(src: Path, target: str, outdir: Path, infilter: str | None = None) -> Path:
        cmd = [exe, f"-env:UserInstallation={profile}", "--headless", "--norestore"]
        if infilter:
            cmd.append(f"--infilter={infilter}")
        cmd += ["--convert-to", target, "--outdir", str(outdir), str(src)]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=180, check=False)
        out = outdir / f"{src.stem}.{target.split(':')[0]}"
        if not out.exists():  # one sheet chosen by the CSV filter: written as STEM-SHEET.csv
            out = next(outdir.glob(f"{src.stem}-*.{target.split(':')[0]}"), out)
        assert done.returncode == 0 and out.exists(), f"LibreOffice failed: {done.stdout}{done.stderr}"
        return out

    return convert


CSV_IN = "CSV:44,34,76,1"  # comma, double quote, UTF-8, from line 1: what a user picks in the dialog
CSV_OUT = "csv:Text - txt - csv (StarCalc):44,34,76,1"
# The ledger's workbook holds the 简表, the 全表 and the measures; a user saving the 全表 as CSV picks its sheet (the
# filter's 12th token, LibreOffice 7.2 and later).
CSV_OUT_FULL = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,2"


# -- a county with digits-only codes ---------------------------------------------------------------


@pytest.fixture
def source_db(db_url: str, tmp_path: Path, request: pytest.FixtureRequest, clock: FakeClock) -> Iterator[Database]:
    """The demo county, plus two organizations whose codes a spreadsheet would mangle, on the test's backend."""
    database = open_database(second_database_url(request, db_url, tmp_path, "source"))
    build_demo(database, Config(), date.fromisoformat(AS_OF))
    wf = Workflow(database, Config(), actor=ACTOR, clock=clock)
    for code, name in zip(DIGIT_CODES, ("河口镇零号村党支部", "河口镇长码村党支部"), strict=True):
        wf.add_org(code, name, kind="village", county="青山县", township="河口镇")
        case_id = wf.open_case(code, problems=["P01"], identified_on=date(2026, 3, 1),
                               deadline=date(2026, 12, 31), detail="3/3 的班子成员长期外出").case_id
        wf.plan(case_id, measures=[(["P01"], "配齐班子", "王建国", date(2026, 6, 30))], county_leader="李县长",
                township_cadre="张干部")
    yield database
    database.dispose()


def _rectify(db_url: str, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, ["--db", db_url, "--actor", DEMO_ACTOR, *args],
                              env={"RECTIFY_NOW": f"{AS_OF}T02:00:00+00:00", "RECTIFY_CONFIG": "", **(env or {})})


def _export(db_url: str, fmt: str, path: Path, env: dict[str, str] | None = None) -> Path:
    result = _rectify(db_url, "ledger", "--as-of", AS_OF, "--format", fmt, "-o", str(path), env=env)
    assert result.exit_code == 0, result.output
    return path


# What a ledger row says that an import must bring back: every count, date and code (not the history
# the import cannot know: case numbers, versions, extensions, the computed lights and days).
_KEPT = ("org_code", "org_name", "county", "township", "kind", "problems", "detail", "measures", "county_leader",
         "township_cadre", "secretary", "helping_unit", "identified_on", "deadline", "stage", "verified_on",
         "score", "struck_off", "supervised", "last_progress")


def _ledger(db_url: str) -> list[dict[str, Any]]:
    result = _rectify(db_url, "ledger", "--as-of", AS_OF, "--format", "json")
    assert result.exit_code == 0, result.output
    cases = json.loads(result.stdout)["cases"]
    for c in cases:
        if c["secretary"]:
            c["secretary"].pop("kind")
    return sorted(({k: c[k] for k in _KEPT} for c in cases), key=lambda c: (c["org_code"], c["identified_on"]))


@pytest.mark.parametrize("route", ["csv-xlsx-csv", "xlsx-csv"])
def test_libreoffice_round_trip_keeps_counts_dates_and_codes(
        route: str, source_db: Database, db_url: str, db: Database, soffice: Callable[..., Path],
        tmp_path: Path) -> None:
    """rectify ledger → LibreOffice (re-save) → case import into a new database → the same ledger."""
    work = tmp_path / "lo"
    work.mkdir()
    if route == "csv-xlsx-csv":
        exported = _export(source_db.url, "csv", work / "ledger.csv")
        as_xlsx = soffice(exported, "xlsx", work / "x", infilter=CSV_IN)
        resaved = soffice(as_xlsx, CSV_OUT, work / "c")
    else:
        exported = _export(source_db.url, "xlsx", work / "ledger.xlsx")
        resaved = soffice(exported, CSV_OUT_FULL, work / "c")
    text = resaved.read_text(encoding="utf-8-sig")
    assert "3.41122E+11" not in text and ",12345," not in text
    assert not re.search(r",\d{1,2}/\d{1,2}(/\d{2,4})?,", text), "a count or code became a date"
    result = _rectify(db_url, "--actor", "县委组织部", "case", "import", str(resaved))
    assert result.exit_code == 0, result.output
    assert "导入整顿对象 46 个" in result.output
    before, after = _ledger(source_db.url), _ledger(db_url)
    assert len(after) == 46
    assert after == before
    assert {c["org_code"] for c in after} >= set(DIGIT_CODES)


def test_libreoffice_reads_the_xlsx_dates_as_dates(source_db: Database, soffice: Callable[..., Path],
                                                   tmp_path: Path) -> None:
    """A date filter works: the XLSX's date columns are date cells, the counts numbers, the codes text."""
    import openpyxl

    exported = _export(source_db.url, "xlsx", tmp_path / "ledger.xlsx")
    resaved = soffice(exported, "xlsx", tmp_path / "lo")  # LibreOffice's own save of what it read
    ws = openpyxl.load_workbook(resaved)["限期转化台账"]
    header = [c.value for c in ws[2]]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=3, max_row=2 + 46)]
    col = header.index
    assert all(isinstance(r[col("确定日期")], date) and isinstance(r[col("转化时限")], date) for r in rows)
    assert all(isinstance(r[col("措施已完成")], int | float) and isinstance(r[col("措施总数")], int | float)
               for r in rows)
    assert {r[col("组织代码")] for r in rows} >= set(DIGIT_CODES)


# -- printing --------------------------------------------------------------------------------------


def _pdf_words(pdf: Path) -> list[tuple[float, str]]:
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [(float(y1) - float(y0), text) for y0, y1, text in
            re.findall(r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>', out)]


def test_printed_xlsx_is_readable_and_whole(source_db: Database, soffice: Callable[..., Path],
                                            tmp_path: Path) -> None:
    """Printed by LibreOffice: no text below 9 pt, every wrapped cell printed to its last line, page numbers."""
    if shutil.which("pdftotext") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("pdftotext is required in CI: .ci/run installs poppler-utils")
        pytest.skip("pdftotext is not installed: apt-get install poppler-utils")
    exported = _export(source_db.url, "xlsx", tmp_path / "ledger.xlsx")
    pdf = soffice(exported, "pdf", tmp_path / "pdf")
    words = _pdf_words(pdf)
    assert words
    smallest = min(h for h, _ in words)
    assert smallest >= 9, f"text printed at {smallest:.1f} pt"
    # -raw keeps the order LibreOffice draws in: a cell's lines one after another. A line cut off by too
    # short a row is not drawn at all, so a cut cell is not found whole.
    printed = re.sub(r"\s+", "", subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True,
                                                text=True, check=True).stdout)
    rows = list(csv.reader(io.StringIO(_export(source_db.url, "csv", tmp_path / "l.csv")
                                       .read_text(encoding="utf-8-sig"))))
    wrapped = [cell for row in rows[1:] for cell in row if wrapped_lines(cell, 12) > 1]
    assert len(wrapped) > 40
    missing = [cell for cell in wrapped if re.sub(r"\s+", "", cell.replace(TEXT_MARK, "")) not in printed]
    assert missing == []
    pages = int(re.search(r"共 (\d+) 页", subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True,
                                                         text=True, check=True).stdout).group(1))  # type: ignore[union-attr]
    assert pages > 1 and f"第{pages}页共{pages}页" in printed
    assert printed.count("党组织名称") >= pages  # the key columns' header on every page


# -- the files themselves --------------------------------------------------------------------------


@pytest.mark.parametrize("value, date_column, expected", [
    ("012345", False, TEXT_MARK + "012345"),
    ("341122101201", False, TEXT_MARK + "341122101201"),
    ("3/3", False, TEXT_MARK + "3/3"),
    ("3月3日", False, TEXT_MARK + "3月3日"),
    ("1.5e3", False, TEXT_MARK + "1.5e3"),
    ("TRUE", False, TEXT_MARK + "TRUE"),
    ("QS01001", False, "QS01001"),
    ("P03 班子不团结", False, "P03 班子不团结"),
    ("2026-03-10", True, "2026-03-10"),
    ("-1+2", False, "'-1+2"),
    (-10, False, -10),
    (3, False, 3),
    (None, False, ""),
])
def test_csv_cells_a_spreadsheet_cannot_mangle(value: Any, date_column: bool, expected: Any) -> None:
    assert csv_cell(value, date_column) == expected


def test_text_cells_quick_test_agrees_with_csv_cell() -> None:
    """The ledger's own-text columns skip csv_cell when its quick test finds nothing: the same cells either way."""
    values = ["012345", "3/3", "3月3日", "1.5e3", "TRUE", "false", "falsely", "QS01001", "P03 班子不团结", "-1+2",
              "=SUM(A1)", "+86", "@x", "\tx", "\rx", "", " ", "..", "2026-03-10", "1. 措施；时限：2026-03-10",
              "2026-01-06 按月报送进展", "95.7%", "年月日", "12e", "x\n1", "1\n", None, 3]
    for value in values:
        assert list(_text_cells((value, "文本"))) == [csv_cell(value), "文本"], value


def test_csv_has_counts_as_numbers_and_marked_codes(source_db: Database, tmp_path: Path) -> None:
    rows = list(csv.reader(io.StringIO(_export(source_db.url, "csv", tmp_path / "l.csv")
                                       .read_text(encoding="utf-8-sig"))))
    assert rows[0] == SHEET_HEADERS and "整顿措施" not in rows[0]
    col = rows[0].index
    assert all(r[col("措施已完成")].isdigit() and r[col("措施总数")].isdigit() for r in rows[1:])
    codes = {r[col("组织代码")] for r in rows[1:]}
    assert {TEXT_MARK + c for c in DIGIT_CODES} <= codes and "QS01001" in codes
    assert not any("/" in c for r in rows[1:] for c in r[col("措施已完成"):col("措施总数") + 1])


def test_xlsx_prints_at_ten_points_with_signatures(source_db: Database, tmp_path: Path) -> None:
    import openpyxl

    config = tmp_path / "rectify.toml"
    config.write_text('[report]\nunit = "中共青山县委组织部"\npreparer = "赵经办"\nreviewer = "钱审核"\n'
                      'phone = "0551-1234567"\n', encoding="utf-8")
    exported = _export(source_db.url, "xlsx", tmp_path / "l.xlsx", env={"RECTIFY_CONFIG": str(config)})
    ws = openpyxl.load_workbook(exported)["限期转化台账"]
    fit = ws.sheet_properties.pageSetUpPr
    assert not (fit and fit.fitToPage) and ws.page_setup.scale in (None, 100)  # no shrinking to fit
    assert ws.print_title_cols == "$A:$D" and ws.print_title_rows == "$2:$2"
    assert "&P" in ws.oddFooter.center.text and "&N" in ws.oddFooter.center.text
    header = [c.value for c in ws[2]]
    first = 3
    assert ws.cell(first, header.index("党组织名称") + 1).font.sz >= 10
    deadline = ws.cell(first, header.index("转化时限") + 1)
    assert deadline.is_date and deadline.number_format == "yyyy-mm-dd"
    tall = [ws.row_dimensions[r].height for r in range(first, first + 46)]
    assert max(tall) > 2 * 15  # rows grow with their wrapped text
    texts = [c.value for row in ws.iter_rows(min_row=first + 46) for c in row if c.value]
    assert any("填报单位（盖章）：中共青山县委组织部" in t and "填报人：赵经办" in t and "审核人：钱审核" in t
               for t in texts)
    assert any("联系电话：0551-1234567" in t and f"填报日期：{AS_OF}" in t for t in texts)


# -- the import refuses codes a spreadsheet damaged ------------------------------------------------

_HEAD = "组织代码,党组织名称,县,乡镇,类别,软弱涣散情形,确定日期,转化时限,措施已完成,措施总数\n"


def _import(run: Callable[..., Result], tmp_path: Path, body: str) -> Result:
    path = tmp_path / "台账.csv"
    path.write_text(_HEAD + body, encoding="utf-8-sig")
    return run("case", "import", str(path))


@pytest.mark.parametrize("code, message", [
    ("3.41122E+11", "第 2 行 · 组织代码：「3.41122E+11」是电子表格改成科学计数法的组织代码"),
    ("12345", "第 2 行 · 组织代码：「12345」与已登记的组织代码 012345 只差开头的 0"),
])
def test_import_refuses_codes_a_spreadsheet_damaged(code: str, message: str, run: Callable[..., Result],
                                                   wf: Workflow, db: Database, tmp_path: Path) -> None:
    wf.add_org("012345", "河口镇零号村党支部", kind="village", county="青山县", township="河口镇")
    before = snapshot(db)
    result = _import(run, tmp_path, f"{code},河口镇某村党支部,青山县,河口镇,村,P01,2026-03-01,2026-12-31,0,0\n")
    assert result.exit_code == 2
    assert message in result.output and "未写入任何数据" in result.output
    assert "Traceback" not in result.output
    assert snapshot(db) == before


def test_import_reads_the_count_columns_and_the_old_form(run: Callable[..., Result], tmp_path: Path) -> None:
    result = _import(run, tmp_path, "V1,河口镇甲村党支部,青山县,河口镇,村,P01,2026-03-01,2026-12-31,1,3\n")
    assert result.exit_code == 0, result.output
    shown = json.loads(run("ledger", "--format", "json").stdout)["cases"]
    assert {k: shown[0]["measures"][k] for k in ("done", "total", "overdue")} == {"done": 1, "total": 3, "overdue": 0}
    old = tmp_path / "old.csv"
    old.write_text("组织代码,党组织名称,县,乡镇,类别,软弱涣散情形,确定日期,转化时限,整顿措施\n"
                   "V2,河口镇乙村党支部,青山县,河口镇,村,P01,2026-03-01,2026-12-31,2/3\n", encoding="utf-8-sig")
    assert run("case", "import", str(old)).exit_code == 0
    shown = json.loads(run("ledger", "--format", "json").stdout)["cases"]
    assert {c["org_code"]: c["measures"]["done"] for c in shown} == {"V1": 1, "V2": 2}


def test_import_refuses_more_done_than_total(run: Callable[..., Result], db: Database, tmp_path: Path) -> None:
    before = snapshot(db)
    result = _import(run, tmp_path, "V1,河口镇甲村党支部,青山县,河口镇,村,P01,2026-03-01,2026-12-31,4,3\n")
    assert result.exit_code == 2
    assert "第 2 行 · 措施已完成：已完成 4 项多于措施总数 3 项" in result.output
    assert snapshot(db) == before


def test_printed_statistics_form_is_readable(source_db: Database, soffice: Callable[..., Path],
                                            tmp_path: Path) -> None:
    """The Party statistics form prints at ≥ 9 pt with every header whole and the signature lines."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed: apt-get install poppler-utils")
    path = tmp_path / "统计.xlsx"
    result = _rectify(source_db.url, "stats", "--as-of", AS_OF, "--format", "xlsx", "-o", str(path))
    assert result.exit_code == 0, result.output
    pdf = soffice(path, "pdf", tmp_path / "pdf")
    assert min(h for h, _ in _pdf_words(pdf)) >= 9
    printed = re.sub(r"\s+", "", subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True,
                                                text=True, check=True).stdout)
    # The form is dated in Chinese, as the official sheet is, and signed by its 负责人 too.
    assert "填报单位（盖章）" in printed and "负责人（签名）" in printed and "填报日期：2026年3月10日" in printed
    assert "无固定办公活动场所及便民服务设施" in printed and "第1页共" in printed
