"""Bulk import, full export and restore: ``rectify import | export | restore`` (and the import helper
that ``org import`` and ``case import`` share).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from rectify.cli.common import App, pass_app, progress_bar, reader, say, to_file, write_output
from rectify.output import os_reason


def run_import(kind: str, app: App, file: str, dry_run: bool, defaults: Any = None) -> None:
    """``org import`` and ``case import``: every rejected row on stderr, then the one-line refusal."""
    from rectify.importing import ImportRejected, import_cases, import_orgs

    db = app.database()
    try:
        with progress_bar() as progress:
            if kind == "org":
                result = import_orgs(db, file, actor=app.person(), clock=app.clock(), dry_run=dry_run,
                                     progress=progress)
            else:
                result = import_cases(db, file, config=app.config, actor=app.person(), clock=app.clock(),
                                      dry_run=dry_run, progress=progress, defaults=defaults)
    except ImportRejected as exc:
        for line in exc.report:
            click.echo(line)
        for problem in exc.problems:
            click.echo(problem.line(), err=True)
        raise
    for line in result.report:
        click.echo(line)
    if result.ignored_columns:
        say("已忽略无法识别的列：" + "、".join(result.ignored_columns))
    say(result.describe(kind))


@click.group("import")
def import_group() -> None:
    """批量导入的辅助命令（导入模板）。"""


@import_group.command("template")
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv"]), default="xlsx", show_default=True,
              help="模板格式。")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True, allow_dash=True),
              help="写入的文件（默认：整顿对象导入模板.xlsx/.csv；- 为标准输出）。")
@pass_app
def import_template(app: App, fmt: str, output: str | None) -> None:
    """导入模板：写出一张只有表头和一行示例的导入表。

    \b
    示例：
      rectify import template --format xlsx -o 导入模板.xlsx
      rectify case import 导入模板.xlsx --dry-run
    """
    import io

    from rectify.importing import write_template

    path = output or f"整顿对象导入模板.{fmt}"
    sheet = io.BytesIO()
    write_template(sheet, fmt)
    write_output(path, fmt, lambda out: out.write(sheet.getvalue()), binary=True)
    if to_file(path):
        say(f"已生成导入模板 {path}（表头与限期转化台账一致，第 2 行为示例，导入前请删除）")


@click.command("export")
@click.option("--all", "everything", is_flag=True, required=True,
              help="全量备份：组织、整顿对象、每条下属记录和事件。")
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
@pass_app
def export_cmd(app: App, everything: bool, file: str) -> None:
    """全量导出备份（JSON Lines）；rectify restore 读回。

    登记了人员之后只有系统管理员可以导出：备份含所有县。第一行写明格式和结构版本；其后每行一条记录
    {"table": …, "row": {…}}，含编号，边读边写，全省规模的数据库也能导出。

    \b
    示例：
      rectify export --all backup-2026-06-30.jsonl
      rectify --db new.sqlite restore backup-2026-06-30.jsonl
    """
    from rectify.store.manifest import manifest_path

    counts, person = _write_backup(app, file)
    scope = f"，范围 {person.scope_text}" if person.role and person.counties else ""
    say(f"已导出 {sum(counts.values())} 行（{len(counts)} 张表，组织 {counts.get('organization', 0)} 个，"
        f"整顿对象 {counts.get('rectification_case', 0)} 个{scope}）到 {file}，签名清单 {manifest_path(file)}")
    if counts.get("evidence_file"):
        _export_files(app, file)


def _write_backup(app: App, file: str) -> tuple[dict[str, int], Any]:
    """The backup of what the reader may export and its signed manifest beside it; the rows per table, the reader."""
    from pathlib import Path

    from rectify.errors import Refused
    from rectify.states.reading import export_all_refusal
    from rectify.store import SCHEMA_HEAD
    from rectify.store.backup import export_all
    from rectify.store.keys import installation_key
    from rectify.store.manifest import make_manifest, manifest_path, render
    from rectify.write.people import person_in_scope

    db = app.database()
    person = reader(app)
    refusal = export_all_refusal(person)
    if refusal is not None:
        raise Refused(refusal)
    key = installation_key(db.url, app.config.security.key_file)
    counts: dict[str, int] = {}

    def write(out: Any) -> None:
        counts.update(export_all(db, out, counties=person.counties if person.role else (),
                                 township=person.township, keep_person=lambda s: person_in_scope(s, person)))

    # Through a temporary file renamed at the end, as ledger -o: never half a backup under the real name.
    write_output(file, "jsonl", write)
    manifest = make_manifest(Path(file), schema=SCHEMA_HEAD, counts=counts, key=key)
    write_output(str(manifest_path(file)), "json", lambda out: out.write(render(manifest)))
    return counts, person


def _export_files(app: App, file: str) -> None:
    """佐证材料 beside the backup, by SHA-256 (SPEC §14)."""
    from rectify.cli.common import to_file
    from rectify.evidence.bundle import copy_out, files_folder
    from rectify.store.evidence import hashes

    if not to_file(file):
        say("注意：输出到标准输出时不附带佐证材料文件；请用 export --all 文件名")
        return
    with app.database().connect() as conn:
        kept = hashes(conn)
    copied, missing = copy_out(kept, app.service.storage(), files_folder(file))
    say(f"已导出佐证材料 {copied} 个到 {files_folder(file)}"
        + (f"；存储中缺少 {len(missing)} 个：{'、'.join(m[:12] for m in missing)}" if missing else ""))


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--trust", "trusted", multiple=True, metavar="PUBLIC_KEY",
              help="也信任用这个公钥签名的备份（另一个安装的 rectify keys）。")
@pass_app
def restore_cmd(app: App, file: str, trusted: tuple[str, ...]) -> None:
    """从备份恢复到空数据库；非空的数据库拒绝恢复。

    新数据库先建立结构；全部恢复或全部不写入，编号不变。先检查每一行（拒绝时指出行号），再检查备份旁的
    签名清单（FILE.manifest.json）：须由本安装的密钥或 --trust 给出的公钥签名，且与文件的 SHA-256 和行数相符。

    \b
    示例：
      rectify --db postgresql://rectify@db/county restore backup-2026-06-30.jsonl
      rectify restore backup.jsonl --trust ed25519:…    （另一个安装的备份）
    """
    from pathlib import Path

    from rectify.evidence.bundle import check_backup_files, put_back
    from rectify.store import SCHEMA_HEAD
    from rectify.store.keys import trusted_public
    from rectify.store.manifest import check_manifest

    named = check_backup_files(file)  # every file the backup names, checked before anything is written
    db = app.database(create=True, check=False)
    own = trusted_public(db.url, app.config.security.key_file)
    keys = [*([own] if own else []), *(k.strip() for k in trusted)]

    def signed(counts: dict[str, int]) -> None:
        check_manifest(Path(file), trusted=keys, schema=SCHEMA_HEAD, counts=counts)

    counts = _restore_rows(app, db, file, signed)
    say(f"已恢复 {sum(counts.values())} 行（组织 {counts.get('organization', 0)} 个，"
               f"整顿对象 {counts.get('rectification_case', 0)} 个）")
    if named:
        say(f"已恢复佐证材料 {put_back(named, file, app.service.storage())} 个（均已核对 SHA-256）")


def _restore_rows(app: App, db: Any, file: str, signed: Callable[[dict[str, int]], None]) -> dict[str, int]:
    """Every row of the backup, or none; the rows per table."""
    from rectify.errors import BadInput
    from rectify.store import sqlite_file, upgrade
    from rectify.store.backup import restore_all

    # SQLite makes the file on first connection: when this restore makes it, a refusal takes it away again.
    path = sqlite_file(db.url)
    fresh = path is not None and not path.exists()
    try:
        upgrade(db)
        with open(file, encoding="utf-8-sig") as source:
            counts = restore_all(db, source, signed)
    except BaseException as exc:
        if fresh and path is not None:
            app.close()
            for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm"),
                             path.with_name(path.name + "-journal")):
                leftover.unlink(missing_ok=True)
        if isinstance(exc, UnicodeDecodeError):
            raise BadInput(f"备份文件 {file} 不是 UTF-8 文本，不是 rectify 备份文件") from None
        if isinstance(exc, OSError):
            raise BadInput(f"无法读取备份文件 {file}：{os_reason(exc, reading=True)}") from None
        raise
    return counts
