"""-o FILE and export --all FILE: a temporary file renamed only onto a regular file or a new path, symlinks
followed, the mode kept, devices/FIFOs/directories refused, nothing partial on a full disk, quiet broken pipes."""

from __future__ import annotations

import os
import resource
import signal
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from .conftest import DEMO_ACTOR, DEMO_ADMIN, DEMO_AS_OF

Run = Callable[..., Result]


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


def test_a_symlink_is_followed_to_its_target_and_stays_a_link(demo: Run, tmp_path: Path) -> None:
    target = tmp_path / "real.csv"
    target.write_text("old")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    res = demo("ledger", "--format", "csv", "-o", str(link))
    assert res.exit_code == 0, res.output
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text(encoding="utf-8-sig").startswith("序号,")
    assert leftovers(tmp_path) == []


def test_an_existing_file_keeps_its_mode(demo: Run, tmp_path: Path) -> None:
    target = tmp_path / "台账.xlsx"
    target.write_bytes(b"old")
    target.chmod(0o600)
    res = demo("ledger", "--format", "xlsx", "-o", str(target))
    assert res.exit_code == 0, res.output
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert target.read_bytes()[:2] == b"PK"


def test_a_new_file_gets_the_umask_mode(demo: Run, tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        res = demo("ledger", "--format", "csv", "-o", str(tmp_path / "new.csv"))
    finally:
        os.umask(old)
    assert res.exit_code == 0, res.output
    assert stat.S_IMODE((tmp_path / "new.csv").stat().st_mode) == 0o640


@pytest.mark.parametrize("kind", ["fifo", "device", "symlink-to-fifo"])
def test_devices_and_fifos_are_refused_with_one_line(demo: Run, tmp_path: Path, kind: str) -> None:
    if kind == "device":
        path = Path("/dev/null")
    else:
        path = tmp_path / "pipe"
        os.mkfifo(path)
        if kind == "symlink-to-fifo":
            link = tmp_path / "link"
            link.symlink_to(path)
            path = link
    res = demo("ledger", "--format", "csv", "-o", str(path))
    assert res.exit_code == 2
    assert res.output == f"错误：无法写入文件 {path}：不是普通文件（设备、管道或套接字），输出到标准输出请用 -o -\n"
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    assert leftovers(tmp_path) == []


def test_export_all_refuses_a_fifo_and_follows_a_symlink(demo: Run, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    res = demo("--actor", DEMO_ADMIN, "export", "--all", str(fifo))
    assert (res.exit_code, res.output) == (
        2, f"错误：无法写入文件 {fifo}：不是普通文件（设备、管道或套接字），输出到标准输出请用 -o -\n")
    target = tmp_path / "backup.jsonl"
    target.write_text("")
    target.chmod(0o600)
    link = tmp_path / "latest.jsonl"
    link.symlink_to(target)
    res = demo("--actor", DEMO_ADMIN, "export", "--all", str(link))
    assert res.exit_code == 0, res.output
    assert link.is_symlink() and target.read_text(encoding="utf-8").startswith("{")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_a_directory_behind_a_symlink_is_refused(demo: Run, tmp_path: Path) -> None:
    (tmp_path / "dir").mkdir()
    link = tmp_path / "out.csv"
    link.symlink_to(tmp_path / "dir")
    for args in (("ledger", "--format", "csv", "-o", str(link)), ("--actor", DEMO_ADMIN, "export", "--all", str(link))):
        res = demo(*args)
        assert res.exit_code == 2 and res.output.count("\n") == 1 and "是一个目录" in res.output
        assert link.is_symlink() and list((tmp_path / "dir").iterdir()) == []


# -- in a real process: a file size limit (a full disk), /dev/full, a closed pipe -----------------


def rectify(db_url: str, *args: str, stdout: int | None = None, fsize: int | None = None,
            ) -> subprocess.CompletedProcess[bytes]:
    def limit() -> None:  # runs in the child: EFBIG instead of SIGXFSZ beyond ``fsize`` bytes
        if fsize is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))

    env = {**os.environ, "RECTIFY_NOW": f"{DEMO_AS_OF}T02:00:00+00:00", "RECTIFY_CONFIG": "",
           "RECTIFY_DB": db_url, "RECTIFY_ACTOR": DEMO_ACTOR}
    return subprocess.run([sys.executable, "-m", "rectify.cli", *args], env=env, preexec_fn=limit,
                          stdout=subprocess.PIPE if stdout is None else stdout, stderr=subprocess.PIPE,
                          timeout=120, check=False)


def test_xlsx_onto_a_full_disk_is_one_line_and_leaves_no_file(demo: Run, db_url: str, tmp_path: Path) -> None:
    target = tmp_path / "台账.xlsx"
    done = rectify(db_url, "ledger", "--format", "xlsx", "-o", str(target), fsize=2000)
    assert done.returncode == 2
    assert done.stderr.decode() == f"错误：无法写入文件 {target}：文件超过允许的大小，未写入任何内容\n"
    assert not target.exists() and leftovers(tmp_path) == []


def test_a_full_disk_leaves_the_old_file_as_it_was(demo: Run, db_url: str, tmp_path: Path) -> None:
    target = tmp_path / "台账.csv"
    target.write_text("old")
    done = rectify(db_url, "ledger", "--format", "csv", "-o", str(target), fsize=1000)
    assert done.returncode == 2 and done.stderr.decode().count("\n") == 1
    assert target.read_text() == "old" and leftovers(tmp_path) == []


def test_stdout_on_a_full_device_is_one_line(demo: Run, db_url: str) -> None:
    with open("/dev/full", "wb") as full:
        done = rectify(db_url, "ledger", "--format", "xlsx", stdout=full.fileno())
    assert (done.returncode, done.stderr.decode()) == (2, "错误：无法写入标准输出：磁盘空间不足\n")


@pytest.mark.parametrize(("args", "code"), [
    (("ledger", "--format", "xlsx"), 1),
    (("ledger", "--format", "ics"), 1),
    (("ledger", "--format", "csv"), 0),
    (("ledger",), 0),
    (("case", "list"), 0),
])
def test_a_closed_pipe_ends_quietly(demo: Run, db_url: str, args: tuple[str, ...], code: int) -> None:
    read, write = os.pipe()
    os.close(read)  # the reader (``| head -c 10``) is gone before the first byte is written
    try:
        done = rectify(db_url, *args, stdout=write)
    finally:
        os.close(write)
    assert (done.returncode, done.stderr.decode()) == (code, "")


@pytest.mark.skipif(os.geteuid() != 0, reason="a directory root cannot write into needs another user")
def test_a_folder_without_write_permission_is_one_line(demo: Run, tmp_path: Path) -> None:
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(dir="/tmp"))  # reachable by nobody (pytest's own folders are not)
    folder.chmod(0o755)
    target = folder / "台账.csv"
    target.write_text("old")
    os.chown(target, 65534, 65534)
    done = subprocess.run(  # as nobody: the file is theirs, the folder is not
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable, "-c",
         "from rectify.output import write_file\n"
         f"write_file({str(target)!r}, lambda fh: fh.write('new'), binary=False)"],
        capture_output=True, text=True, check=False, env={**os.environ, "PYTHONPATH": str(Path.cwd())})
    try:
        assert done.returncode == 1
        assert done.stderr.splitlines()[-1] == (
            f"rectify.output.OutputError: 无法写入文件 {target}：无法在 {folder} 中建立临时文件（没有写入权限）")
        assert target.read_text() == "old" and [p.name for p in folder.iterdir()] == ["台账.csv"]
    finally:
        shutil.rmtree(folder)


def test_root_replacing_another_users_file_keeps_its_owner(demo: Run, tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("only root can give a file to another user")
    target = tmp_path / "台账.csv"
    target.write_text("old")
    os.chown(target, 65534, 65534)
    res = demo("ledger", "--format", "csv", "-o", str(target))
    assert res.exit_code == 0, res.output
    assert (target.stat().st_uid, target.stat().st_gid) == (65534, 65534)
