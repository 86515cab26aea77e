"""The HTML ledger opened in headless Chromium and printed to PDF and PNG."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import Result

from .conftest import FakeClock, as_demo_officer
from .ledger_helpers import AS_OF

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _chromium() -> str:
    found = next(
        (
            p
            for p in (
                "/usr/bin/chromium",
                shutil.which("chromium") or "",
                shutil.which("chromium-browser") or "",
            )
            if p and os.path.exists(p)
        ),
        None,
    )
    if found is None:
        reason = "chromium not installed (apt-get install -y chromium) — the HTML print test needs it"
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the Chromium test: {reason}")
        pytest.skip(reason)
    return found


def _pdftotext() -> str:
    found = shutil.which("pdftotext")
    if found is None:
        reason = "pdftotext not installed (apt-get install -y poppler-utils) — the HTML print test needs it"
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the Chromium test: {reason}")
        pytest.skip(reason)
    return found


def _chrome(chromium: str, tmp_path: Path, *extra: str, page: Path) -> None:
    done = subprocess.run(
        [chromium, *FLAGS, f"--user-data-dir={tmp_path / ('profile-' + extra[0][2:8])}", *extra, page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_html_renders_to_pdf_and_png(run: object, clock: FakeClock, tmp_path: Path) -> None:
    chromium, pdftotext = _chromium(), _pdftotext()
    clock.set_day(AS_OF)
    invoke = run  # type: ignore[assignment]
    result: Result = invoke("demo", "--as-of", AS_OF)  # type: ignore[operator]
    assert result.exit_code == 0, result.output
    invoke = as_demo_officer(run)  # type: ignore[arg-type]
    html = tmp_path / "台账.html"
    result = invoke("ledger", "--as-of", AS_OF, "--format", "html", "--layout", "全表", "-o", str(html))  # type: ignore[operator]
    assert result.exit_code == 0, result.output
    cases = json.loads(invoke("ledger", "--as-of", AS_OF, "--format", "json").stdout)["cases"]  # type: ignore[operator]
    assert len(cases) == 44
    pdf, png = tmp_path / "ledger.pdf", tmp_path / "ledger.png"
    # No browser header/footer: the page numbers must come from the page's own @page margin boxes.
    _chrome(chromium, tmp_path, f"--print-to-pdf={pdf}", "--no-pdf-header-footer", page=html)
    _chrome(chromium, tmp_path, f"--screenshot={png}", "--window-size=1600,1000", page=html)
    assert pdf.read_bytes().startswith(b"%PDF-") and pdf.stat().st_size > 5000
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n") and png.stat().st_size > 5000
    # A4 landscape: the media box is wider than high.
    box = re.search(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf.read_bytes())
    assert box is not None and float(box.group(1)) > float(box.group(2))

    text = subprocess.run([pdftotext, str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = [p for p in text.split("\f") if p.strip()]
    # 44 cases on a few pages, not one character a line over dozens: each row holds its measures, one line
    # each (整改措施), so about ten rows fill an A4 landscape page, every column on it (printed at 6 pt).
    assert 2 <= len(pages) <= 7, len(pages)
    for n, page in enumerate(pages, 1):
        squeezed = re.sub(r"\s+", "", page)
        assert f"第{n}页共{len(pages)}页" in squeezed, (n, page[-200:])
        # The header row is repeated on every printed page, the last column included (a header cell may wrap).
        assert "党组织名称" in squeezed and "备注" in squeezed, n
    # Short cells on one line: every date whole, no county or township broken into characters.
    dates = {c[k] for c in cases for k in ("identified_on", "deadline", "verified_on") if c[k]}
    assert "2026-06-20" in dates
    for d in dates:
        assert d in text, d
    assert text.count("青山县") >= len(cases)
    for township in {c["township"] for c in cases}:
        assert text.count(township) >= sum(c["township"] == township for c in cases), township
    orgs = {c["org_name"] for c in cases}
    assert all(o[:3] in text for o in orgs)
    # On screen the header row stays in view while the rows scroll (print repeats it instead).
    page_text = html.read_text(encoding="utf-8")
    assert re.search(r"\n  th \{[^}]*position: sticky; top: 0;", page_text)
    assert re.search(r"td\.c-deadline \{ white-space: nowrap", page_text)
    assert "white-space: nowrap" not in re.search(r"td\.c-problems \{[^}]*\}", page_text).group(0)  # type: ignore[union-attr]

