"""The HTML ledger opened in headless Chromium and printed to PDF and PNG."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import Result

from .conftest import FakeClock
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


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_html_renders_to_pdf_and_png(run: object, clock: FakeClock, tmp_path: Path) -> None:
    chromium = _chromium()
    clock.set_day(AS_OF)
    invoke = run  # type: ignore[assignment]
    result: Result = invoke("demo", "--as-of", AS_OF)  # type: ignore[operator]
    assert result.exit_code == 0, result.output
    html = tmp_path / "台账.html"
    result = invoke("ledger", "--as-of", AS_OF, "--format", "html", "-o", str(html))  # type: ignore[operator]
    assert result.exit_code == 0, result.output
    pdf, png = tmp_path / "ledger.pdf", tmp_path / "ledger.png"
    for extra in (
        [f"--print-to-pdf={pdf}", "--no-pdf-header-footer"],
        [f"--screenshot={png}", "--window-size=1600,1200"],
    ):
        done = subprocess.run(
            [
                chromium,
                *FLAGS,
                f"--user-data-dir={tmp_path / ('profile-' + extra[0][2:8])}",
                *extra,
                html.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr[-2000:]
    assert pdf.read_bytes().startswith(b"%PDF-") and pdf.stat().st_size > 5000
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n") and png.stat().st_size > 5000
    # A4 landscape: the media box is wider than high.
    import re

    box = re.search(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf.read_bytes())
    assert box is not None and float(box.group(1)) > float(box.group(2))
