"""排查 prints as PDF (SPEC §15): the 名单 and the 排查表 through Chromium, as the notices."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from click.testing import Result

from rectify.config import Config
from rectify.reports.screening import screening_view
from rectify.reports.screening_print import screening_html
from rectify.store import Database
from rectify.write.engine import Workflow
from rectify.write.screening import Screening

from .conftest import ACTOR, FakeClock, add_org

pytestmark = pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="needs Debian's chromium")


def decided(wf: Workflow, db: Database, config: Config, clock: FakeClock) -> Screening:
    """青山县 2026: 河口镇 ten villages, 石门镇 five; two listed, one with a hard criterion left out with a reason."""
    for n in range(1, 11):
        add_org(wf, f"H{n:02d}", f"河口镇第{n}村党支部")
    for n in range(1, 6):
        add_org(wf, f"S{n:02d}", f"石门镇第{n}村党支部", township="石门镇")
    s = Screening(db, config, actor=ACTOR, clock=clock)
    s.start("青山县", 2026, date(2026, 3, 1))
    s.finding("H01", "self_check", ["P03"], note="组织生活不经常", on=date(2026, 3, 2))
    s.finding("H01", "township_review", ["P03:三会一课不落实", "P05:村级集体经济薄弱"], on=date(2026, 3, 3))
    s.finding("S01", "self_check", ["P01:书记长期缺职"], on=date(2026, 3, 2))
    s.check("H02", respondents=40, satisfied=10, basic=10, dissatisfied=20, on=date(2026, 3, 4))
    s.judge("H01", "listed", on=date(2026, 3, 5))
    s.judge("S01", "listed", on=date(2026, 3, 5))
    s.judge("H02", "not_listed", reason="测评后已调整班子分工", on=date(2026, 3, 6))
    s.decide("青山县", on=date(2026, 3, 8), meeting="县委常委会第5次会议", doc="青组通〔2026〕8号", year=2026)
    return s


def test_the_print_says_what_the_decision_fixed(wf: Workflow, db: Database, config: Config, clock: FakeClock) -> None:
    decided(wf, db, config, clock)
    view = screening_view(db, config, county="青山县", year=2026)
    page = screening_html(view, "all")
    assert "青山县2026年度软弱涣散基层党组织名单（2026-03-08 县委常委会第5次会议、青组通〔2026〕8号确定）" in page
    assert page.count("<section>") == 3 and "不是指标" in page
    assert page.count('<tr class="flag">') == 1  # H02: satisfaction 50 %, not listed, its reason beside
    assert "测评后已调整班子分工" in page
    only = screening_html(view, "list")
    assert only.count("<section>") == 1 and "河口镇第1村党支部" in only and "河口镇第3村党支部" not in only
    view["list"][0]["name"] = "<script>x</script>"
    assert "&lt;script&gt;" in screening_html(view, "list")


def test_screening_show_prints_a_pdf(run: Callable[..., Result], wf: Workflow, db: Database, config: Config,
                                     clock: FakeClock, tmp_path: Path) -> None:
    decided(wf, db, config, clock)
    target = tmp_path / "名单.pdf"
    result = run("screening", "show", "--county", "青山县", "--year", "2026", "--part", "list", "--format", "pdf",
                 "-o", str(target))
    assert result.exit_code == 0, result.output
    assert "已导出排查到" in result.output
    assert target.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-layout", str(target), "-"], capture_output=True, text=True,
                              check=True).stdout
        assert "软弱涣散基层党组织名单" in text and "河口镇第1村党支部" in text and "石门镇第1村党支部" in text
    whole = tmp_path / "排查.pdf"
    assert run("screening", "show", "--county", "青山县", "--year", "2026", "--format", "pdf",
               "-o", str(whole)).exit_code == 0
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(whole)], capture_output=True, text=True, check=True).stdout
        assert re.search(r"Pages:\s+3\n", info) and re.search(r"841\.\d+ x 594\.\d+ pts \(A4\)", info)  # landscape
