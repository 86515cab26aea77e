"""Backups that restore and cannot be forged (issue 26): every value the product writes restores (a sweep's
measure items too), the manifest is signed with the installation key, and a tampered file writes nothing."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from rectify.cli import cli
from rectify.config import Config
from rectify.notifications.scheduler import ReminderService
from rectify.signing import load_or_create, verify
from rectify.store import SCHEMA_HEAD, Database, open_database
from rectify.store.manifest import make_manifest, manifest_path, render
from rectify.store.outbox import SqlOutboxStore

from .conftest import DEMO_ADMIN, NOW, FakeClock, snapshot
from .test_backup import (
    _assert_nothing_restored,
    empty_url,  # noqa: F401  (the fixture)
)


def _cli(url: str, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, ["--db", url, *args], catch_exceptions=False,
                              env={"RECTIFY_NOW": NOW.isoformat(), "RECTIFY_CONFIG": "", **(env or {})})


def _swept_demo(db: Database, clock: FakeClock) -> None:
    from rectify.demo.demo import build_demo

    build_demo(db, Config(), date(2026, 6, 30))
    clock.set_day("2026-06-30")

    def no_mail() -> None:
        raise AssertionError("a sweep sends nothing")

    result = ReminderService(SqlOutboxStore(db), Config(), clock, no_mail).sweep(date(2026, 6, 30))
    assert result.new_items > 0


def test_backup_after_a_sweep_restores(db: Database, run: Callable[..., Result], clock: FakeClock,
                                       empty_url: str, tmp_path: Path) -> None:  # noqa: F811
    _swept_demo(db, clock)
    path = tmp_path / "backup.jsonl"
    result = run("--actor", DEMO_ADMIN, "export", "--all", str(path))
    assert result.exit_code == 0, result.output
    assert '"stage": "measure#' in path.read_text(encoding="utf-8")
    restored = _cli(empty_url, "--actor", DEMO_ADMIN, "restore", str(path))
    assert restored.exit_code == 0, restored.output
    target = open_database(empty_url)
    try:
        assert snapshot(target) == snapshot(db)
    finally:
        target.dispose()


# -- the signed manifest ------------------------------------------------------------------------------


def _export(run: Callable[..., Result], tmp_path: Path, actor: str = DEMO_ADMIN) -> Path:
    path = tmp_path / "backup.jsonl"
    result = run("--actor", actor, "export", "--all", str(path))
    assert result.exit_code == 0, result.output
    return path


def _refused(url: str, path: Path, message: str, *extra: str) -> None:
    result = _cli(url, "--actor", DEMO_ADMIN, "restore", str(path), *extra)
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("错误："), result.stderr
    assert message in result.stderr, result.stderr
    _assert_nothing_restored(url)


def test_export_writes_a_manifest_signed_with_the_installation_key(
        demo: Callable[..., Result], run: Callable[..., Result], db_url: str, tmp_path: Path) -> None:
    path = _export(run, tmp_path)
    manifest = json.loads(manifest_path(path).read_text(encoding="utf-8"))
    public = run("keys").stdout.strip()
    assert public.startswith("ed25519:") and manifest["public_key"] == public
    assert manifest["schema"] == SCHEMA_HEAD and manifest["counts"]["rectification_case"] == 44
    assert manifest["files"]["backup.jsonl"]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert verify(public, json.dumps({k: v for k, v in manifest.items() if k != "signature"}, ensure_ascii=False,
                                     sort_keys=True, separators=(",", ":")).encode(), manifest["signature"])


def _edit_org_county(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        item = json.loads(line)
        if item.get("table") == "organization":
            item["row"]["county"] = "绿水县"  # a case moved to another county, every value still valid
            lines[i] = json.dumps(item, ensure_ascii=False)
            break
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_restore_refuses_an_edited_unsigned_or_foreign_backup(
        demo: Callable[..., Result], run: Callable[..., Result], empty_url: str,  # noqa: F811
        tmp_path: Path) -> None:
    path = _export(run, tmp_path)
    original, manifest = path.read_bytes(), manifest_path(path).read_text(encoding="utf-8")
    _edit_org_county(path)
    _refused(empty_url, path, "SHA-256 与签名清单不符")
    path.write_bytes(original)
    forged = json.loads(manifest)
    forged["counts"]["organization"] = 1
    manifest_path(path).write_text(json.dumps(forged), encoding="utf-8")
    _refused(empty_url, path, "签名无效")
    manifest_path(path).unlink()
    _refused(empty_url, path, "缺少签名清单 backup.jsonl.manifest.json")
    # Re-signed with a key of the forger's own: not this installation's.
    other = load_or_create(tmp_path / "elsewhere" / "key.pem")
    manifest_path(path).write_text(render(make_manifest(path, schema=SCHEMA_HEAD, counts=json.loads(manifest)[
        "counts"], key=other)), encoding="utf-8")
    _refused(empty_url, path, f"备份由公钥 {other.public} 签名，它不是本安装的密钥")
    trusted = _cli(empty_url, "--actor", DEMO_ADMIN, "restore", str(path), "--trust", other.public)
    assert trusted.exit_code == 0, trusted.output


@pytest.mark.parametrize("table, edit, message", [
    ("person", {"role": "township_cadre", "scope": "*"}, "不能有范围 *（全部县）"),
    ("rectification_case", {"verified_by": "__applicant__"}, "验收人"),
])
def test_restore_refuses_rows_that_break_a_rule_between_fields(
        demo: Callable[..., Result], run: Callable[..., Result], empty_url: str,  # noqa: F811
        tmp_path: Path, table: str, edit: dict[str, str], message: str) -> None:
    path = _export(run, tmp_path)
    lines = path.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        item = json.loads(line)
        row = item.get("row") or {}
        if item.get("table") == table and (table != "person" or row.get("registered")) and \
                (table != "rectification_case" or row.get("applied_by")):
            row.update({k: row["applied_by"] if v == "__applicant__" else v for k, v in edit.items()})
            lines[i] = json.dumps(item, ensure_ascii=False)
            number = i + 1
            break
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _refused(empty_url, path, f"备份文件第 {number} 行（表 {table}）")
    _refused(empty_url, path, message)


def test_a_county_admins_backup_holds_their_county_only(
        demo: Callable[..., Result], run: Callable[..., Result], db: Database, empty_url: str,  # noqa: F811
        tmp_path: Path) -> None:
    from rectify.write.engine import Workflow

    wf = Workflow(db, Config(), actor="周文博", clock=lambda: NOW)
    wf.add_org("LS001", "绿水县某村党支部", kind="village", county="绿水县", township="某镇")
    assert run("--actor", DEMO_ADMIN, "people", "add", "绿水经办", "--unit", "绿水县委组织部", "--role",
               "county_officer", "--scope", "绿水县").exit_code == 1  # outside 周文博's scope (青山县)
    path = _export(run, tmp_path)
    text = path.read_text(encoding="utf-8")
    assert "绿水县" not in text and "LS001" not in text
    assert _cli(empty_url, "--actor", DEMO_ADMIN, "restore", str(path)).exit_code == 0
