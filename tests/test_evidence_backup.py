"""佐证材料 in a full backup (SPEC §14): ``export --all`` puts the files beside the JSON Lines by hash; ``restore``
into the other backend brings back the same files, and checks every hash before it writes anything."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from rectify.cli import cli
from rectify.write.engine import Workflow
from tests.conftest import NOW, FakeClock, add_org, walk
from tests.evidence_helpers import PDF, config_file, photo, write


@pytest.fixture
def other_url(db_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """An empty database on the other backend."""
    if db_url.startswith("sqlite"):
        return str(request.getfixturevalue("pg_server").new_database())
    return f"sqlite:///{tmp_path / 'restored.sqlite'}"


def _cli(url: str, cfg: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", url, "--actor", "测试员", *args], catch_exceptions=False,
                              env={"RECTIFY_NOW": NOW.isoformat(), "RECTIFY_CONFIG": str(cfg)})


@pytest.mark.postgres
def test_export_then_restore_into_the_other_backend_brings_the_same_files(
        db_url: str, wf: Workflow, clock: FakeClock, tmp_path: Path, other_url: str,
        run: Callable[..., Result]) -> None:
    add_org(wf)
    case = walk(wf, clock, "V001", "secretary_assigned")
    source_cfg = config_file(tmp_path / "a", tmp_path / "store-a")
    files = [write(tmp_path, "警示牌.jpg", photo()), write(tmp_path, "纪要.pdf", PDF)]
    attached = _cli(db_url, source_cfg, "case", "progress", str(case), "--on", "2026-03-10", "--note", "开会",
                    *(x for f in files for x in ("--attach", str(f))))
    assert attached.exit_code == 0, attached.output
    backup = tmp_path / "backup.jsonl"
    exported = _cli(db_url, source_cfg, "export", "--all", str(backup))
    assert exported.exit_code == 0 and "已导出佐证材料 2 个" in exported.stderr
    shas = sorted(hashlib.sha256(f.read_bytes()).hexdigest() for f in files)
    assert sorted(p.name for p in (tmp_path / "backup.jsonl.files").iterdir()) == shas

    # A corrupted or missing file is refused before anything is written (the source's key is trusted: another
    # installation's backup).
    key = _cli(db_url, source_cfg, "keys").stdout.strip()
    assert key.startswith("ed25519:"), key
    target_cfg = config_file(tmp_path / "b", tmp_path / "store-b")
    bundled = tmp_path / "backup.jsonl.files" / shas[0]
    good = bundled.read_bytes()
    bundled.write_bytes(good[:-1] + b"!")
    refused = _cli(other_url, target_cfg, "restore", str(backup), "--trust", key)
    assert refused.exit_code == 2 and "与其 SHA-256 不符" in refused.stderr and refused.stderr.count("\n") == 1
    bundled.unlink()
    refused = _cli(other_url, target_cfg, "restore", str(backup), "--trust", key)
    assert refused.exit_code == 2 and "备份缺少佐证材料文件" in refused.stderr
    assert not (tmp_path / "store-b").exists() and not (tmp_path / "restored.sqlite").exists()
    bundled.write_bytes(good)

    restored = _cli(other_url, target_cfg, "restore", str(backup), "--trust", key)
    assert restored.exit_code == 0, restored.output
    assert "已恢复佐证材料 2 个" in restored.stderr
    listed = json.loads(_cli(other_url, target_cfg, "case", "files", str(case), "--format", "json").stdout)
    assert sorted(f["sha256"] for f in listed) == shas
    for sha in shas:
        kept = tmp_path / "store-b" / sha[:2] / sha[2:4] / sha
        assert hashlib.sha256(kept.read_bytes()).hexdigest() == sha
    assert listed == json.loads(_cli(db_url, source_cfg, "case", "files", str(case), "--format", "json").stdout)
