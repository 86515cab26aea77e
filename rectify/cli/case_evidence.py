"""佐证材料 on the command line (SPEC §14): ``--attach FILE[=说明]`` on the steps that take files, ``case files``
to list a case's files and ``case withdraw-file`` to withdraw one (a new event; the bytes stay)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from rectify.cli.common import App, pass_app, reader, say, whole
from rectify.cli.listing import emit, output_options

if TYPE_CHECKING:
    from rectify.write.engine import Workflow

ATTACH_HELP = ("佐证材料：照片、会议纪要、报告、评分表……（JPEG PNG WebP HEIC PDF OFD DOCX XLSX）；"
               "=说明 可以类别开头，如 \"会议纪要：6月支委会记录\"；可重复。")


def attach_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--attach", "files", multiple=True, metavar="FILE[=说明]", help=ATTACH_HELP)(fn)


def _split(given: str) -> tuple[Path, str]:
    """``photo.jpg=说明`` → (photo.jpg, 说明); a whole argument naming an existing file is that file."""
    from rectify.errors import BadInput

    if Path(given).is_file():
        return Path(given), ""
    path, _, caption = given.partition("=")
    if not Path(path).is_file():
        raise BadInput(f"--attach：找不到文件 {path}")
    return Path(path), caption


@contextmanager
def attached(app: App, files: tuple[str, ...]) -> Iterator[Workflow]:
    """The workflow for this command, carrying ``files`` (checked and staged) into the step it takes."""
    if not files:
        yield app.workflow()
        return
    from rectify.write.evidence import Upload, staged

    with ExitStack() as stack:
        uploads = []
        for given in files:
            path, caption = _split(given)
            uploads.append(Upload(path.name, stack.enter_context(path.open("rb")), caption))
        batch = stack.enter_context(staged(uploads, app.config, app.service.storage()))
        wf = app.workflow()
        wf.evidence = batch
        yield wf
        say(f"已保存佐证材料 {len(batch.files)} 个：{'、'.join(f.name for f in batch.files)}")


@click.command("files")
@click.argument("ref", metavar="CASE")
@output_options()
@pass_app
def case_files(app: App, ref: str, fmt: str) -> None:
    """佐证材料：整顿对象的佐证材料，按所证明的步骤列出（已撤回的标明）。

    \b
    示例：
      rectify case files 12
    """
    rows = app.service.files(reader(app), ref)
    if fmt != "json":
        for r in rows:
            r["status"] = "已撤回" if not r["current"] else ""
            r["size"] = f"{r['size'] / 1024:.0f} KB" if r["size"] < 1024 * 1024 else f"{r['size'] / 1048576:.1f} MB"
            r["sha256"] = r["sha256"][:12]
    emit(rows, [("id", "编号"), ("on", "日期"), ("kind", "类别"), ("name", "文件名"), ("caption", "说明"),
                ("size", "大小"), ("uploaded_by", "上传人"), ("sha256", "SHA-256"), ("status", "状态")], fmt,
         empty="（无佐证材料）")


@click.command("withdraw-file")
@click.argument("ref", metavar="CASE")
@click.argument("file_id", metavar="FILE_ID", type=whole(1, 2**31 - 1))
@click.option("--reason", required=True, help="撤回原因。")
@pass_app
def case_withdraw_file(app: App, ref: str, file_id: int, reason: str) -> None:
    """撤回佐证材料：记一条签名的新记录；文件本身留档。

    \b
    示例：
      rectify case withdraw-file 12 3 --reason "误传，应为7月会议纪要"
    """
    say(app.service.withdraw_file(app.person(), ref, file_id, reason))


COMMANDS: tuple[click.Command, ...] = (case_files, case_withdraw_file)
