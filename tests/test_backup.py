"""Full backup and restore (export --all / restore): nothing lost, ids kept, non-empty targets refused."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from rectify.cli import cli
from rectify.config import Config
from rectify.output import render_json
from rectify.workflow.cases import case_history, list_cases, show_case
from rectify.workflow.demo import build_demo
from rectify.workflow.engine import Workflow
from rectify.workflow.persistence import SCHEMA_HEAD, Database, open_database

from .conftest import NOW, FakeClock, add_org, snapshot

AS_OF = date(2026, 3, 10)


@pytest.fixture
def empty_url(db_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A database with nothing in it, not even the schema: restore creates it."""
    if db_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'restored.sqlite'}"
    return str(request.getfixturevalue("pg_server").new_database())


def _cli(url: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", url, "--actor", "测试员", *args], catch_exceptions=False,
                              env={"RECTIFY_NOW": NOW.isoformat(), "RECTIFY_CONFIG": ""})


def test_demo_export_restore_identical(db: Database, config: Config, run: Callable[..., Result], empty_url: str,
                                       tmp_path: Path, clock: FakeClock) -> None:
    build_demo(db, config, AS_OF)
    path = tmp_path / "backup.jsonl"
    result = run("export", "--all", str(path))
    assert result.exit_code == 0, result.output
    lines = path.read_text(encoding="utf-8").splitlines()
    header = json.loads(lines[0])
    assert (header["format"], header["version"], header["schema"]) == ("rectify-backup", 1, SCHEMA_HEAD)
    tables = {json.loads(line)["table"] for line in lines[1:]}
    assert {"organization", "rectification_case", "case_event", "measure", "secretary_assignment",
            "verification", "deadline_extension", "progress_report", "case_person", "case_problem"} <= tables

    restored = _cli(empty_url, "restore", str(path))
    assert restored.exit_code == 0, restored.output
    assert restored.stdout.startswith(f"已恢复 {len(lines) - 1} 行（组织 40 个，案例 38 个）")
    target = open_database(empty_url)
    try:
        assert snapshot(target) == {k: v for k, v in snapshot(db).items()}
        for item in list_cases(db, as_of=AS_OF, config=config):
            cid = item["case_id"]
            assert show_case(target, cid, as_of=AS_OF, config=config) == show_case(db, cid, as_of=AS_OF,
                                                                                   config=config)
            assert case_history(target, cid) == case_history(db, cid)
            # What `rectify case show --format json` prints, byte for byte.
            assert render_json(show_case(target, cid, as_of=AS_OF, config=config)) == render_json(
                show_case(db, cid, as_of=AS_OF, config=config))
        # New rows continue after the restored ids (the PostgreSQL sequences were moved on).
        wf = Workflow(target, config, actor="测试员", clock=clock)
        add_org(wf, "NEW01", "新登记村党支部")
        opened = wf.open_case("NEW01", problems=["P01"], identified_on=AS_OF)
        assert opened.case_id == 39
    finally:
        target.dispose()


def test_restore_refuses_non_empty(db: Database, wf: Workflow, run: Callable[..., Result], tmp_path: Path) -> None:
    add_org(wf)
    path = tmp_path / "backup.jsonl"
    assert run("export", "--all", str(path)).exit_code == 0
    before = snapshot(db)
    result = run("restore", str(path))
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert "不是空的（已有 1 行数据，其中组织 1 个、案例 0 个），只能恢复到新建的空数据库" in result.stderr
    assert snapshot(db) == before


HEADER = json.dumps({"format": "rectify-backup", "version": 1, "schema": SCHEMA_HEAD})


@pytest.mark.parametrize("content, message", [
    ('{"hello": 1}\n', "错误：这不是 rectify export --all 生成的备份文件（缺少文件头）"),
    (HEADER + '\n{"table": "nope", "row": {}}\n',
     "错误：备份文件第 2 行：未知的表 'nope'，与本数据库结构不符"),
    (HEADER + "\n{broken\n",
     "错误：备份文件第 2 行不是有效的 JSON，文件可能已损坏"),
])
def test_restore_bad_files(empty_url: str, tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(content, encoding="utf-8")
    result = _cli(empty_url, "restore", str(path))
    assert result.exit_code == 2
    assert result.stderr.strip() == message
    target = open_database(empty_url)
    try:
        assert all(not rows for name, rows in snapshot(target).items() if name != "alembic_version")
    finally:
        target.dispose()
