"""A newcomer's path (issue 28): every ```bash block of the README runs as written after the two commands at
the top.

The first block (``bash scripts/demo.sh``, ``bash scripts/test.sh``) is what the newcomer types first; here the
demo it builds is made by ``rectify demo`` into the default database of a temporary HOME, on the day the README
prints (RECTIFY_NOW). Then every later ```bash block runs in order with ``bash -e``, in that same HOME and working
directory, with this interpreter's ``rectify`` first on PATH, and must exit 0 without a traceback.

A block is not run only when the README says so, visibly, on the line right before its fence:
``<!-- not run: REASON -->`` (a PostgreSQL server, another machine's setup, the suite itself). Transcripts are
```text or ```console and are never run. Each such block is reported here as a skipped test with its reason.
A block that sets its own ``RECTIFY_DB`` (the case from start to finish, on a database of its own) runs in a
fresh HOME of its own. Files a reader brings (photos, minutes, a roster) are made in the working directory first.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
README = ROOT / "README.md"
DEMO_NOW = "2026-11-24T10:00:00+08:00"  # the day the README's demo output was printed
NOT_RUN = re.compile(r"^<!--\s*not run:\s*(?P<reason>.+?)\s*-->$")
FENCE = re.compile(r"^```(?P<lang>\w*)\s*$")


@dataclass(frozen=True)
class Block:
    line: int  # 1-based line of the opening fence
    text: str
    skip: str | None  # the README's reason for not running it


def bash_blocks() -> list[Block]:
    lines = README.read_text(encoding="utf-8").split("\n")
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        end = next(j for j in range(i + 1, len(lines)) if lines[j].startswith("```"))
        if m["lang"] == "bash":
            before = NOT_RUN.match(lines[i - 1].strip()) if i else None
            blocks.append(Block(i + 1, "\n".join(lines[i + 1:end]), before["reason"] if before else None))
        i = end + 1
    return blocks[1:]  # the first block is the two commands at the top


def reader_files(work: Path) -> None:
    """What a reader has on their own machine before they try the blocks that name their files."""
    from openpyxl import Workbook
    from PIL import Image

    for name, colour in (("警示牌.jpg", "red"), ("公示栏.jpg", "blue")):
        Image.new("RGB", (64, 48), colour).save(work / name, "JPEG")
    (work / "支委会纪要.pdf").write_bytes(
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n")
    roster = Workbook()
    sheet = roster.active
    assert sheet is not None
    sheet.append(["姓名", "单位", "角色", "范围", "邮箱", "电话", "登录名"])
    sheet.append(["吴包村", "城关镇人民政府", "包村干部", "青山县/城关镇", "wu@example.cn", "13900000002", "qs-wu"])
    roster.save(work / "人员名册.xlsx")


def environment(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("RECTIFY_", "XDG_", "_RECTIFY")) and k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    bindir = str(Path(sys.executable).parent)
    env.update(HOME=str(home), PATH=bindir + os.pathsep + env.get("PATH", "/usr/bin:/bin"),
               PYTHONPATH=str(ROOT), RECTIFY_NOW=DEMO_NOW, COLUMNS="120", NO_COLOR="1", LANG="C.UTF-8")
    return env


def run_block(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-e", "-c", script], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300, stdin=subprocess.DEVNULL)


def fresh_home(base: Path, name: str) -> tuple[Path, Path]:
    home = base / name
    work = home / "work"
    work.mkdir(parents=True)
    reader_files(work)
    return home, work


def test_readme_blocks_run_in_order(tmp_path: Path) -> None:
    home, work = fresh_home(tmp_path, "demo")
    env = environment(home)
    demo = run_block("rectify demo >/dev/null", work, env)
    assert demo.returncode == 0, demo.stderr
    failures = []
    homes: dict[str, tuple[Path, Path]] = {}
    ran = 0
    for block in bash_blocks():
        if block.skip:
            continue
        cwd, block_env = work, env
        own = re.search(r"^export RECTIFY_DB=(\S+)", block.text, re.M)
        if own:  # a database of its own, in a HOME of its own (shared by the blocks that name the same one)
            if own[1] not in homes:
                homes[own[1]] = fresh_home(tmp_path, f"own-{len(homes)}")
            cwd = homes[own[1]][1]
            block_env = environment(homes[own[1]][0])
        commands = re.sub(r"\s+#.*$", "", block.text, flags=re.M)
        assert not re.search(r"(^|[\s=])(/etc|/var|/usr|/opt)/|\bsudo\b", commands), \
            f"README line {block.line} writes outside the reader's HOME; mark it <!-- not run: … -->"
        done = run_block(block.text, cwd, block_env)
        ran += 1
        output = done.stdout + done.stderr
        if done.returncode != 0 or "Traceback" in output:
            failures.append(f"README line {block.line}: exit {done.returncode}\n{block.text}\n---\n"
                            f"{done.stderr[-3000:]}")
    assert ran >= 12, "the README's runnable blocks were not found"
    assert not failures, "\n\n".join(failures)


@pytest.mark.parametrize("block", [b for b in bash_blocks() if b.skip], ids=lambda b: f"line{b.line}")
def test_blocks_the_readme_marks_not_run(block: Block) -> None:
    """Each block the README marks <!-- not run: … --> shows in the report as skipped, with the README's reason."""
    assert block.skip and len(block.skip) >= 8, "say why the block is not run"
    pytest.skip(f"README line {block.line}: {block.skip}")


def test_the_first_block_is_the_two_commands() -> None:
    text = README.read_text(encoding="utf-8")
    first = text.split("```bash\n", 1)[1].split("```", 1)[0]
    assert first.startswith("bash scripts/demo.sh") and "bash scripts/test.sh" in first
