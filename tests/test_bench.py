"""The benchmark keeps working: a small run prints every figure and writes the JSON the issue names."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIGURES = {"import_cases", "transition", "ledger_csv", "ledger_asof", "ledger_xlsx", "sweep", "digest_send", "cli_help", "cli_show"}


def test_bench_smoke(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    done = subprocess.run([sys.executable, "-m", "bench", "--cases", "200", "--runs", "1", "--json", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["cases"] == 200
    assert set(data["figures"]) == FIGURES
    for name, fig in data["figures"].items():
        assert fig["value"] > 0 and fig["floor"] > 0, name
        assert abs(fig["ratio"] - fig["value"] / fig["floor"]) < 1e-9
        assert fig["unit"] in ("s", "ms", "µs")
    assert data["figures"]["ledger_xlsx"]["peak_rss_mb"] > 0
    for name in FIGURES:
        assert name in done.stdout
