"""A report package carries the reported cases' 佐证材料 by hash (SPEC §14, §15): which file proves which case,
dated by the period's end and known by the submit day; a file uploaded after the submit day is not in it."""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Callable
from pathlib import Path

from click.testing import Result

from tests.conftest import FakeClock
from tests.evidence_helpers import config_file, photo, write


def test_the_package_lists_the_files_of_its_cases_by_hash(run: Callable[..., Result], clock: FakeClock,
                                                        tmp_path: Path) -> None:
    cfg = config_file(tmp_path / "cfg", tmp_path / "store")
    env = {"RECTIFY_CONFIG": str(cfg)}
    clock.set_day("2026-07-03")
    for args in (("org", "add", "V1", "河口镇王家庄村党支部", "--kind", "village", "--county", "青山县",
                  "--township", "河口镇"),
                 ("case", "open", "V1", "--problem", "P01", "--identified", "2026-03-01", "--deadline", "2026-12-31")):
        assert run(*args, env=env).exit_code == 0
    before = write(tmp_path, "警示牌.jpg", photo("red"))
    late = write(tmp_path, "公示栏.jpg", photo("blue"))
    assert run("case", "progress", "1", "--on", "2026-05-01", "--note", "开会", "--attach", f"{before}=照片：警示牌",
               env=env).exit_code == 0
    package = tmp_path / "pkg.zip"
    submitted = run("report", "submit", "--county", "青山县", "--period", "2026-H1", "-o", str(package), env=env)
    assert submitted.exit_code == 0, submitted.output
    clock.set_day("2026-07-05")
    assert run("case", "progress", "1", "--on", "2026-06-20", "--note", "又开会", "--attach", str(late),
               env=env).exit_code == 0
    with zipfile.ZipFile(package) as z:
        index = json.loads(z.read("evidence.json"))
        manifest = json.loads(z.read("manifest.json"))
    assert [(f["case_key"], f["sha256"], f["kind"], f["caption"], f["on"]) for f in index] == [
        ("青山县-1", hashlib.sha256(before.read_bytes()).hexdigest(), "照片", "警示牌", "2026-05-01")]
    assert manifest["counts"]["evidence"] == 1 and "evidence.json" in manifest["files"]
