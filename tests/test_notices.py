"""``rectify notice`` (issue 28): the papers the office signs, as DOCX and PDF, in 公文 layout, from the case."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from click.testing import Result

from rectify.config import ReportConfig
from rectify.reports.notices import KINDS, build_notice, cn_date

from .conftest import DEMO_AS_OF

Run = Callable[..., Result]
SQLITE = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def _case(demo: Run, stage: str) -> dict:
    cases = json.loads(demo("ledger", "--as-of", DEMO_AS_OF, "--format", "json").stdout)["cases"]
    ref = next(c["case_id"] for c in cases if c["stage"] == stage)
    return json.loads(demo("case", "show", str(ref), "--format", "json").stdout)


def _docx_text(path: Path) -> str:
    from docx import Document

    doc = Document(str(path))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


@SQLITE
@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_as_docx_filled_from_the_case(demo: Run, tmp_path: Path, kind: str) -> None:
    case = _case(demo, "verified" if kind in ("公示", "销号批复") else "secretary_assigned")
    config = tmp_path / "r.toml"
    config.write_text('[report]\nunit = "中共青山县委组织部"\nphone = "0551-1234567"\n', encoding="utf-8")
    path = tmp_path / f"{kind}.docx"
    result = demo("notice", str(case["id"]), "--kind", kind, "-o", str(path), env={"RECTIFY_CONFIG": str(config)})
    assert result.exit_code == 0, result.output
    assert f"已生成{kind}到 {path}" in result.output
    text = _docx_text(path)
    name = case["organization"]["name"]
    assert name in text
    if kind in ("验收评分表", "民主测评表"):  # blanks for the visit, with the case's own items
        assert all(m["text"] in text for m in case["measures"])
        assert ("班子" in text and "合计" in text) if kind == "验收评分表" else "满意" in text
    else:  # 公文: 标题, 正文, 落款, 成文日期
        assert "中共青山县委组织部" in text
        dated = cn_date(case["struck_off_on"]) if kind == "销号批复" else cn_date(date.fromisoformat(DEMO_AS_OF))
        assert dated in text
    if kind == "整改通知书":
        assert "中共" + case["organization"]["township"] + "委员会：" in text and cn_date(case["deadline"]) in text
        assert all(m["text"] in text for m in case["measures"])
    if kind == "销号批复":
        assert case["strike_off_doc"] and case["strike_off_doc"] in text


@SQLITE
def test_pdf_through_chromium_and_docx_through_libreoffice(demo: Run, tmp_path: Path) -> None:
    if not (shutil.which("pdftotext") and shutil.which("soffice") and shutil.which("chromium")):
        pytest.skip("needs chromium, soffice and pdftotext")
    case = _case(demo, "secretary_assigned")
    pdf = tmp_path / "挂牌.pdf"
    assert demo("notice", str(case["id"]), "--kind", "挂牌督办通知书", "-o", str(pdf)).exit_code == 0
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "挂牌督办通知书" in text and case["organization"]["name"][:4] in text
    docx = tmp_path / "整改通知书.docx"
    assert demo("notice", str(case["id"]), "--kind", "整改通知书", "-o", str(docx)).exit_code == 0
    done = subprocess.run(["soffice", f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}", "--headless",
                           "--convert-to", "pdf", "--outdir", str(tmp_path / "lo-out"), str(docx)],
                          capture_output=True, text=True, timeout=180)
    out = tmp_path / "lo-out" / "整改通知书.pdf"
    assert done.returncode == 0 and out.exists(), done.stderr
    assert "限期整顿转化的通知" in subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True,
                                                 check=True).stdout.replace("\n", "")


@SQLITE
def test_bad_kind_and_unknown_case(demo: Run, tmp_path: Path) -> None:
    bad = demo("notice", "1", "--kind", "通报", "-o", str(tmp_path / "x.docx"))
    assert bad.exit_code == 2 and not (tmp_path / "x.docx").exists()
    missing = demo("notice", "9999", "--kind", "整改通知书", "-o", str(tmp_path / "y.docx"))
    assert missing.exit_code == 1 and "错误：" in missing.output and not (tmp_path / "y.docx").exists()


def test_build_notice_refuses_an_unknown_kind() -> None:
    from rectify.errors import BadInput

    with pytest.raises(BadInput, match="文书种类"):
        build_notice("通报", {}, ReportConfig(), date(2026, 6, 30))
