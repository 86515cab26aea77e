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
from rectify.demo.demo import build_demo
from rectify.output import render_json
from rectify.reports.cases import case_history, list_cases, show_case
from rectify.store import SCHEMA_HEAD, Database, open_database
from rectify.write.engine import Workflow

from .conftest import DEMO_ADMIN, NOW, FakeClock, add_org, snapshot

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
    result = run("--actor", DEMO_ADMIN, "export", "--all", str(path))
    assert result.exit_code == 0, result.output
    lines = path.read_text(encoding="utf-8").splitlines()
    header = json.loads(lines[0])
    assert (header["format"], header["version"], header["schema"]) == ("rectify-backup", 1, SCHEMA_HEAD)
    tables = {json.loads(line)["table"] for line in lines[1:-1]}
    end = json.loads(lines[-1])
    assert end["end"] is True
    assert sum(end["counts"].values()) == len(lines) - 2
    assert (end["counts"]["organization"], end["counts"]["rectification_case"]) == (295, 44)
    assert {"organization", "rectification_case", "case_event", "measure", "secretary_assignment",
            "verification", "deadline_extension", "progress_report", "case_person", "case_problem"} <= tables

    restored = _cli(empty_url, "restore", str(path))
    assert restored.exit_code == 0, restored.output
    assert restored.stderr.startswith(f"已恢复 {len(lines) - 2} 行（组织 295 个，整顿对象 44 个）")
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
        assert opened.case_id == 45
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
    assert "不是空的（已有 1 行数据，其中组织 1 个、整顿对象 0 个），只能恢复到新建的空数据库" in result.stderr
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
    _assert_nothing_restored(empty_url)


def _assert_nothing_restored(url: str) -> None:
    """A new SQLite file is taken away again; a server database keeps no rows."""
    if url.startswith("sqlite"):
        db_file = Path(url.removeprefix("sqlite:///"))
        assert list(db_file.parent.glob(db_file.name + "*")) == []
        return
    target = open_database(url, check=False)
    try:
        assert all(not rows for name, rows in snapshot(target).items() if name != "alembic_version")
    finally:
        target.dispose()


def _backup(db: Database, wf: Workflow, run: Callable[..., Result], tmp_path: Path) -> list[str]:
    add_org(wf)
    add_org(wf, "V002", "二村党支部")
    wf.open_case("V001", problems=["P01"], identified_on=AS_OF)
    path = tmp_path / "backup.jsonl"
    result = run("export", "--all", str(path))
    assert result.exit_code == 0, result.output
    return path.read_text(encoding="utf-8").splitlines()


def _tamper_count(lines: list[str]) -> list[str]:
    end = json.loads(lines[-1])
    end["counts"]["organization"] = 3
    return [*lines[:-1], json.dumps(end)]


@pytest.mark.parametrize("cut, message", [
    (lambda lines: lines[:-1], "错误：备份文件不完整：缺少结束行，文件可能被截断，未恢复任何数据"),
    (lambda lines: lines[:3], "错误：备份文件不完整：缺少结束行，文件可能被截断，未恢复任何数据"),
    (lambda lines: [*lines[:2], *lines[3:]],
     "错误：备份文件不完整：表 organization 应有 2 行，实际读到 1 行，未恢复任何数据"),
    (_tamper_count, "错误：备份文件不完整：表 organization 应有 3 行，实际读到 2 行，未恢复任何数据"),
    (lambda lines: [*lines, lines[1]], "结束行之后还有内容"),
    (lambda lines: [lines[0], *lines[2:]], "错误：备份文件第 3 行（表 rectification_case）：org_id = 1 引用的 organization 行不存在"),
    (lambda lines: [*lines[:-1], '{"end": true, "counts": [1]}'], "错误：备份文件的结束行格式不对"),
])
def test_restore_refuses_truncated(db: Database, wf: Workflow, run: Callable[..., Result], empty_url: str,
                                   tmp_path: Path, cut: Callable[[list[str]], list[str]], message: str) -> None:
    lines = _backup(db, wf, run, tmp_path)
    path = tmp_path / "cut.jsonl"
    path.write_text("\n".join(cut(lines)) + "\n", encoding="utf-8")
    result = _cli(empty_url, "restore", str(path))
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("错误：")
    assert message in result.stderr
    assert result.stdout == ""
    _assert_nothing_restored(empty_url)


def test_restore_truncated_into_existing_empty_sqlite(db: Database, wf: Workflow, run: Callable[..., Result],
                                                      tmp_path: Path) -> None:
    lines = _backup(db, wf, run, tmp_path)
    path = tmp_path / "cut.jsonl"
    path.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'existing.sqlite'}"
    assert _cli(url, "init").exit_code == 0
    result = _cli(url, "restore", str(path))
    assert result.exit_code == 2
    assert "缺少结束行" in result.stderr
    assert (tmp_path / "existing.sqlite").exists()  # an existing database is kept, only its rows rolled back
    target = open_database(url)
    try:
        assert all(not rows for name, rows in snapshot(target).items() if name != "alembic_version")
    finally:
        target.dispose()


def test_export_into_missing_directory(db: Database, wf: Workflow, run: Callable[..., Result],
                                       tmp_path: Path) -> None:
    add_org(wf)
    target = tmp_path / "nodir" / "b.jsonl"
    result = run("export", "--all", str(target))
    assert result.exit_code == 2
    assert result.stderr == f"错误：无法写入文件 {target}：目录不存在\n"
    assert not (tmp_path / "nodir").exists()
