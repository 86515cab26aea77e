"""Outputs and inputs that cannot be turned against the installation (issue 26): ``-o`` never replaces the
database, a PostgreSQL data file, the configuration or a key; hostile file names, cells, archives and templates
each give one line (exit 2) and write nothing."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from rectify.store import Database, sqlite_file

from .conftest import snapshot

Run = Callable[..., Result]


def _one_line(result: Result, code: int = 2) -> str:
    assert result.exit_code == code, result.output
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("错误："), result.stderr
    return result.stderr


def test_output_refuses_the_live_database_its_journal_the_config_and_a_key(
        demo: Run, db: Database, tmp_path: Path) -> None:
    targets: list[tuple[Path, str]] = []
    live = sqlite_file(str(db.url))
    if live is not None:
        link = tmp_path / "innocent.csv"
        link.symlink_to(live)
        targets += [(link, "这是 SQLite 数据库文件"), (live, "这是 SQLite 数据库文件")]
    other = tmp_path / "other.sqlite"
    other.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    (tmp_path / "other.sqlite-wal").write_bytes(b"wal")
    pgdata = tmp_path / "pgdata" / "base" / "1"
    pgdata.mkdir(parents=True)
    (tmp_path / "pgdata" / "PG_VERSION").write_text("15\n")
    key = tmp_path / "k.pem"
    key.write_text("-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n")
    conf = tmp_path / "rectify.toml"
    conf.write_text("[report]\nunit = \"青山县委组织部\"\n", encoding="utf-8")
    targets += [(other, "这是 SQLite 数据库文件"), (tmp_path / "other.sqlite-wal", "日志文件"),
                (pgdata / "16384", "PostgreSQL 数据目录"), (key, "这是私钥文件")]
    before = snapshot(db)
    for target, why in targets:
        err = _one_line(demo("ledger", "--format", "csv", "-o", str(target)))
        assert why in err, err
    err = _one_line(demo("ledger", "--format", "csv", "-o", str(conf), env={"RECTIFY_CONFIG": str(conf)}))
    assert "正在使用的配置文件" in err
    assert conf.read_text(encoding="utf-8").startswith("[report]")
    assert key.read_text().startswith("-----BEGIN PRIVATE KEY")
    assert snapshot(db) == before


@pytest.mark.parametrize("name", ["a\nb.csv", "ledger\x1b[31m.csv", "tab\there.csv"])
def test_file_names_with_control_characters_are_refused(demo: Run, tmp_path: Path, name: str) -> None:
    err = _one_line(demo("ledger", "--format", "csv", "-o", str(tmp_path / name)))
    assert "文件名含控制字符" in err
    assert not [p for p in tmp_path.iterdir() if not p.name.startswith("rectify.sqlite")]


def test_a_csv_cell_over_the_field_limit_is_one_line(demo: Run, db: Database, tmp_path: Path) -> None:
    sheet = tmp_path / "big.csv"
    sheet.write_text("组织代码,党组织名称\nX1," + "长" * 2_000_000 + "\n", encoding="utf-8")
    before = snapshot(db)
    err = _one_line(demo("case", "import", str(sheet)))
    assert "单元格超过" in err and "未导入任何数据" in err
    assert snapshot(db) == before


def test_an_xlsx_deflate_bomb_is_refused_before_it_is_inflated(demo: Run, db: Database, tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("xl/worksheets/sheet1.xml", "w") as member:
            chunk = b"\x00" * (1 << 20)
            for _ in range(64):  # 64 MB of zeros, about 64 KB compressed
                member.write(chunk)
    assert bomb.stat().st_size < 1 << 20
    before = snapshot(db)
    err = _one_line(demo("case", "import", str(bomb)))
    assert "可能是压缩炸弹" in err and "xl/worksheets/sheet1.xml" in err
    assert snapshot(db) == before


def test_a_template_hitting_the_sandbox_range_limit_is_one_line(demo: Run, db: Database, tmp_path: Path) -> None:
    folder = tmp_path / "tpl"
    folder.mkdir()
    (folder / "subject.txt").write_text("{% for i in range(10**9) %}x{% endfor %}", encoding="utf-8")
    conf = tmp_path / "c.toml"
    conf.write_text(f"[templates]\nfolder = \"{folder}\"\n", encoding="utf-8")
    before = snapshot(db)
    err = _one_line(demo("remind", "run", env={"RECTIFY_CONFIG": str(conf)}))
    assert "超出模板沙箱的限制" in err and "subject.txt" in err
    assert snapshot(db) == before
