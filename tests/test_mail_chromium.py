"""The reminder digest's HTML as a mail client shows it: CJK fonts named first, rendered by Chromium."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from rectify.notifications.render import Renderer
from rectify.states.stages import Stage

from .test_ledger_chromium import FLAGS, _chromium

CJK_FONTS = ("Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC")


def _digest_html() -> str:
    items = [
        {
            "case_id": n,
            "kind": kind,
            "stage": str(Stage.secretary_assigned),
            "due_on": "2026-07-10",
            "days_left": days,
            "org_name": name,
            "org_code": f"3411221012{n:02d}",
            "township": "河口镇",
            "supervised": kind == "escalation",
            "last_progress_on": None,
            "role": "officer",
            "offset_days": 7,
        }
        for n, (kind, days, name) in enumerate(
            [("stage_due", 7, "河口镇王家庄村党支部"), ("overdue", -12, "河口镇李家湾村党支部"),
             ("escalation", -20, "河口镇郑家岗村党支部")], 1)
    ]
    return Renderer().render("zhao@example.cn", "赵经办", date(2026, 7, 3), items).html


def test_digest_names_cjk_fonts_before_sans_serif() -> None:
    html = _digest_html()
    style = re.search(r'<body style="([^"]*)"', html)
    assert style is not None
    family = re.search(r"font-family:([^;]*);", style.group(1))
    assert family is not None
    names = [n.strip().strip("'\"") for n in family.group(1).split(",")]
    assert names[: len(CJK_FONTS)] == list(CJK_FONTS)
    assert names[-1] == "sans-serif"


def test_digest_renders_in_chromium_with_a_cjk_font(tmp_path: Path) -> None:
    chromium = _chromium()
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.skip("pdftotext not installed (apt-get install -y poppler-utils)")
    page = tmp_path / "digest.html"
    page.write_text(_digest_html(), encoding="utf-8")
    pdf, png = tmp_path / "digest.pdf", tmp_path / "digest.png"
    for extra in ([f"--print-to-pdf={pdf}", "--no-pdf-header-footer"], [f"--screenshot={png}", "--window-size=900,700"]):
        done = subprocess.run(
            [chromium, *FLAGS, f"--user-data-dir={tmp_path / ('profile-' + extra[0][2:8])}", *extra, page.as_uri()],
            capture_output=True, text=True, timeout=120,
        )
        assert done.returncode == 0, done.stderr[-2000:]
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    text = subprocess.run([pdftotext, str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "河口镇王家庄村党支部" in text and "赵经办" in text and "已逾期 12 天" in text
