"""The printed 台账 (issue 28): the demo's 44 cases on at most 4 A4 pages at 9 pt or more, through LibreOffice (the
XLSX's 简表) and Chromium (the HTML), the title and the header on every page; the 全表 and the measure detail beside."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from rectify.reports.ledger_print import BRIEF_HEADERS, brief_cells, four_ones, measures_brief, problems_brief

from .conftest import DEMO_AS_OF

Run = Callable[..., Result]
SQLITE = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def _tool(name: str, package: str) -> str:
    found = shutil.which(name)
    if found is None:
        reason = f"{name} is not installed (apt-get install {package})"
        if os.environ.get("CI"):
            pytest.fail(f"CI must print the ledger: {reason}")
        pytest.skip(reason)
    return found


def _pages(pdf: Path) -> list[str]:
    text = subprocess.run([_tool("pdftotext", "poppler-utils"), "-raw", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    return [re.sub(r"\s+", "", p) for p in text.split("\f") if p.strip()]


def _smallest_text(pdf: Path, last_page: int) -> float:
    out = subprocess.run([_tool("pdftotext", "poppler-utils"), "-bbox", "-f", "1", "-l", str(last_page), str(pdf),
                          "-"], capture_output=True, text=True, check=True).stdout
    heights = [float(y1) - float(y0) for y0, y1 in
               re.findall(r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">', out)]
    assert heights
    return min(heights)


def _pdf_pages(pdf: Path) -> int:
    out = subprocess.run([_tool("pdfinfo", "poppler-utils"), str(pdf)], capture_output=True, text=True,
                         check=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", out).group(1))  # type: ignore[union-attr]


def _export(demo: Run, fmt: str, path: Path, *extra: str, env: dict[str, str] | None = None) -> Path:
    result = demo("ledger", "--as-of", DEMO_AS_OF, "--format", fmt, *extra, "-o", str(path), env=env)
    assert result.exit_code == 0, result.output
    return path


def _orgs(demo: Run) -> list[str]:
    import json

    cases = json.loads(demo("ledger", "--as-of", DEMO_AS_OF, "--format", "json").stdout)["cases"]
    assert len(cases) == 44
    return [c["org_name"] for c in cases]


def _brief_pages_hold_every_case(pages: list[str], orgs: list[str]) -> None:
    for n, page in enumerate(pages, 1):
        assert "限期转化台账" in page, n  # the title on every page
        assert all(h in page for h in ("序号", "党组织名称", "主要问题", "转化时限", "当前待办", "预警", "挂牌")), n
    printed = "".join(pages)
    assert all(o in printed for o in orgs)


@SQLITE
def test_xlsx_brief_prints_on_four_a4_pages_through_libreoffice(demo: Run, tmp_path: Path) -> None:
    soffice = _tool("soffice", "libreoffice-calc fonts-noto-cjk")
    xlsx = _export(demo, "xlsx", tmp_path / "台账.xlsx")
    done = subprocess.run([soffice, f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}", "--headless",
                           "--convert-to", "pdf", "--outdir", str(tmp_path), str(xlsx)],
                          capture_output=True, text=True, timeout=180, check=False)
    pdf = tmp_path / "台账.pdf"
    assert done.returncode == 0 and pdf.exists(), done.stderr
    pages = _pages(pdf)
    # LibreOffice prints every sheet of the book: the 简表 first, then the 全表 and the measure detail.
    brief = [p for p in pages if "四个一" in p]
    assert 1 <= len(brief) <= 4 and pages[:len(brief)] == brief
    _brief_pages_hold_every_case(brief, _orgs(demo))
    assert _smallest_text(pdf, len(brief)) >= 9
    assert "填报单位（盖章）" in brief[-1]


@SQLITE
def test_html_brief_prints_on_four_a4_pages_through_chromium(demo: Run, tmp_path: Path) -> None:
    chromium = next((p for p in ("/usr/bin/chromium", shutil.which("chromium") or "") if p and os.path.exists(p)),
                    None) or _tool("chromium", "chromium")
    html = _export(demo, "html", tmp_path / "台账.html")
    pdf = tmp_path / "台账.pdf"
    done = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                           f"--user-data-dir={tmp_path / 'profile'}", "--no-pdf-header-footer",
                           f"--print-to-pdf={pdf}", html.as_uri()], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    n = _pdf_pages(pdf)
    assert 1 <= n <= 4
    pages = _pages(pdf)
    _brief_pages_hold_every_case(pages, _orgs(demo))
    for i, page in enumerate(pages, 1):
        assert f"第{i}页共{n}页" in page
    assert _smallest_text(pdf, n) >= 9


@SQLITE
def test_workbook_sheets_and_a3_paper(demo: Run, tmp_path: Path) -> None:
    import openpyxl

    config = tmp_path / "rectify.toml"
    config.write_text('[report]\npaper = "A3"\n', encoding="utf-8")
    env = {"RECTIFY_CONFIG": str(config)}
    wb = openpyxl.load_workbook(_export(demo, "xlsx", tmp_path / "a3.xlsx", env=env))
    assert wb.sheetnames == ["台账简表", "限期转化台账", "措施明细"] and wb.active.title == "台账简表"
    brief, detail = wb["台账简表"], wb["措施明细"]
    assert [c.value for c in brief[2]] == BRIEF_HEADERS
    assert brief.print_title_rows == "$2:$2" and "&N" in brief.oddFooter.center.text
    assert "限期转化台账" in brief.oddHeader.center.text
    assert str(brief.page_setup.paperSize) == "8" and brief.page_setup.orientation == "landscape"
    assert all(brief.cell(r, 1).font.sz >= 9 for r in range(3, 3 + 44))
    assert [c.value for c in detail[2]] == ["编号", "乡镇", "党组织名称", "问题（本对象）", "序号", "整改措施", "责任人",
                                            "时限", "完成情况"]
    measures = [r for r in detail.iter_rows(min_row=3, values_only=True) if r[0] is not None]
    assert len(measures) > 44 and all(r[7] is not None and r[8] for r in measures)
    full = openpyxl.load_workbook(_export(demo, "xlsx", tmp_path / "full.xlsx", "--layout", "全表"))
    assert full.active.title == "限期转化台账"
    page = _export(demo, "html", tmp_path / "a3.html", env=env).read_text(encoding="utf-8")
    assert "@page { size: A3 landscape" in page
    bad = demo("ledger", "--format", "xlsx", "-o", str(tmp_path / "x.xlsx"),
               env={"RECTIFY_CONFIG": str(_write(tmp_path / "bad.toml", '[report]\npaper = "B5"\n'))})
    assert bad.exit_code == 2 and "[report] paper 应为 A4 或 A3" in bad.output


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_brief_cells_say_it_short() -> None:
    from rectify.reports.ledger import LEDGER_COLUMNS, LEDGER_KEYS
    from rectify.store.ledger import ITEM, PAIR

    cells: list[object] = [""] * len(LEDGER_COLUMNS)
    col = {k: i for i, (k, _) in enumerate(LEDGER_COLUMNS)}
    raw: list[object] = [None] * len(LEDGER_KEYS)
    raw[LEDGER_KEYS.index("problems")] = ITEM.join(["P01" + PAIR + "x", "P10" + PAIR + "y", "P11" + PAIR + "村集体经济薄弱"])
    raw[LEDGER_KEYS.index("sec_name")] = "蔡家豪"
    cells[col["county_leader"]] = "段海波（县委常委、县委办公室主任）"
    cells[col["township_cadre"]] = "曾淑珍"
    cells[col["helping_unit"]] = "县财政局"
    cells[col["measures_done"]], cells[col["measures_total"]], cells[col["measures_overdue"]] = 1, 3, 2
    cells[col["supervised"]], cells[col["supervision_level"]] = "是", "县级"
    assert problems_brief(raw[LEDGER_KEYS.index("problems")]) == "班子不全；服务能力弱；村集体经济薄弱"  # type: ignore[arg-type]
    assert four_ones(cells, tuple(raw)) == "段海波、曾淑珍\n蔡家豪\n县财政局"
    assert measures_brief(cells) == "1/3，逾期2"
    row = brief_cells(("red", cells, tuple(raw)))
    assert len(row) == len(BRIEF_HEADERS) and row[-1] == "县级"


@SQLITE
def test_party_form_on_one_landscape_page_with_its_marks(demo: Run, tmp_path: Path) -> None:
    import openpyxl

    config = _write(tmp_path / "r.toml", '[report]\nunit = "中共青山县委组织部"\nform_number = "中组统整1表"\n')
    path = tmp_path / "统计.xlsx"
    result = demo("stats", "--as-of", DEMO_AS_OF, "--format", "xlsx", "-o", str(path), env={"RECTIFY_CONFIG": str(config)})
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(path)
    ws = wb["统计表"]
    assert wb.sheetnames[0] == "统计表"
    assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight in (None, 1)  # 1 is the default
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.orientation == "landscape"
    texts = [str(c.value) for row in ws.iter_rows() for c in row if c.value]
    assert any("表\u3000\u3000号：中组统整1表" in t and "制表机关：中共中央组织部" in t for t in texts)
    assert any("负责人（签名）" in t and "填报单位（盖章）：中共青山县委组织部" in t for t in texts)
    assert any("填报日期：2026年6月30日" in t for t in texts)
    rate = next(r for r in wb["概况"].iter_rows() if r[0].value == "转化率")[1]
    assert isinstance(rate.value, int | float) and rate.number_format == "0.0%"  # a number cell (0 reads back as int)
