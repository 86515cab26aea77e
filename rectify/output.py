"""One renderer for every listing command: table (CJK-aware widths), CSV or JSON, chosen by ``--format``."""

from __future__ import annotations

import errno
import os
import re
import stat
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

Column = tuple[str, str]  # (key in the row dict, Chinese header)

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


_OS_REASONS = {
    errno.ENOENT: "目录不存在",
    errno.EACCES: "没有写入权限",
    errno.EPERM: "没有写入权限",
    errno.EISDIR: "是一个目录",
    errno.ENOTDIR: "路径中有一部分不是目录",
    errno.ENOSPC: "磁盘空间不足",
    errno.EROFS: "文件系统只读",
    errno.EFBIG: "文件超过允许的大小",
    errno.EDQUOT: "超出磁盘配额",
}
_OS_READ_REASONS = {**_OS_REASONS, errno.ENOENT: "文件不存在", errno.EACCES: "没有读取权限",
                    errno.EPERM: "没有读取权限"}


def os_reason(exc: OSError, *, reading: bool = False) -> str:
    """Why writing (or reading) a file failed, in Chinese for the common cases, else the system's words."""
    reasons = _OS_READ_REASONS if reading else _OS_REASONS
    reason = reasons.get(exc.errno) if exc.errno is not None else None
    return reason or exc.strerror or str(exc)


def display_width(text: str) -> int:
    if text.isascii():  # no ASCII character is wide: most cells of a table, counted without a look-up each
        return len(text)
    return _wide_text_width(text)


@lru_cache(maxsize=8192)
def _wide_text_width(text: str) -> int:
    """A table measures each cell two or three times (its column's width, the cut, the padding), and a column's
    cells repeat (乡镇, 阶段, 类别): each text is counted once."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


TRUNCATION_MARK = "~"  # ASCII: "…" is East Asian ambiguous, drawn two cells wide by CJK terminals


def truncate(text: str, width: int) -> str:
    """``text`` cut to ``width`` display cells (a CJK character counts two), its end marked with one cell."""
    if display_width(text) <= width:
        return text
    out, used = [], 0
    for ch in text:
        w = 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
        if used + w > width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + TRUNCATION_MARK


def pad(text: str, width: int, right: bool = False, measured: int | None = None) -> str:
    """``text`` padded to ``width`` cells; ``measured``: its width, when the caller has it already."""
    gap = " " * max(0, width - (display_width(text) if measured is None else measured))
    return gap + text if right else text + gap


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list | tuple):
        return "、".join(cell_text(v) for v in value)
    return str(value)


def mask_phone(phone: str) -> str:
    """138****5678: keep the first three and last four digits, as published lists do."""
    digits = phone.strip()
    if len(digits) < 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def safe_cell(value: Any) -> str:
    """Neutralise text a spreadsheet would read as a formula (CSV/XLSX injection).

    Numbers (int and float, not bool) are no formula: -10 stays -10. Text keeps the protection, so a
    text cell "-1+2" still becomes "'-1+2".
    """
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    text = cell_text(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def table_lines(headers: Sequence[str], texts: Sequence[Sequence[str]], *,
                right: Sequence[bool] | Callable[[int, int], bool] = (),
                widths: Sequence[int] | None = None, right_headers: bool = False,
                style: Callable[[int, int, str], str] | None = None,
                measured: Sequence[Sequence[int]] | None = None) -> list[str]:
    """The one table layout of the CLI: CJK-aware padding, two spaces between columns, a rule of dashes.

    ``texts`` are the cells' text, already shortened; ``widths`` default to the widest cell or header.
    ``right`` says per column (or per row and column) which cells are right-aligned, and ``style``
    may colour a padded cell (row, column, text); ``measured`` gives the cells' widths when the caller has them.
    """
    if widths is None:
        widths = [max([display_width(h)] + [display_width(t[i]) for t in texts]) for i, h in enumerate(headers)]
    columns = [False] * len(headers) if callable(right) or not right else list(right)
    lines = ["  ".join(pad(h, widths[i], right=right_headers and columns[i])
                       for i, h in enumerate(headers)).rstrip(),
             "  ".join("-" * w for w in widths)]
    k = len(widths)
    for n, t in enumerate(texts):  # each cell as pad() makes it, without a call per cell
        cells = t[:k]
        sizes = measured[n][:k] if measured is not None else [display_width(c) for c in cells]
        flags = [right(n, i) for i in range(k)] if callable(right) else columns[:k]
        parts = [" " * (w - m) + c if r else c + " " * (w - m)
                 for w, c, m, r in zip(widths, cells, sizes, flags, strict=True)]
        if style:
            parts = [style(n, i, c) for i, c in enumerate(parts)]
        lines.append("  ".join(parts).rstrip())
    return lines


def render_table(rows: Sequence[dict[str, Any]], columns: Sequence[Column], *, max_width: int = 30,
                 colour: Callable[[str, str, dict[str, Any]], str] | None = None) -> str:
    texts = [[truncate(cell_text(r.get(k)), max_width) for k, _ in columns] for r in rows]
    numeric = [all(isinstance(r.get(k), int) and not isinstance(r.get(k), bool) or r.get(k) is None
                   for r in rows) and bool(rows) for k, _ in columns]

    def style(n: int, i: int, text: str) -> str:
        return colour(columns[i][0], text, rows[n]) if colour else text

    return "\n".join(table_lines([h for _, h in columns], texts, right=numeric, style=style if colour else None))


def render_csv(rows: Iterable[dict[str, Any]], columns: Sequence[Column], *, bom: bool = True) -> str:
    import csv  # here, not at import: the tables of the read commands need neither
    import io

    buf = io.StringIO()
    if bom:
        buf.write("\ufeff")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([h for _, h in columns])
    for r in rows:
        w.writerow([safe_cell(r.get(k)) for k, _ in columns])
    return buf.getvalue()


def render_json(data: Any) -> str:
    import json

    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False)


def ansi_style(text: str, fg: str | int | None = None, bold: bool | None = None) -> str:
    """``text`` in a terminal colour, byte for byte as ``click.style`` writes it (this module has no click)."""
    codes = {"black": 30, "red": 31, "green": 32, "yellow": 33, "blue": 34, "magenta": 35, "cyan": 36, "white": 37}
    bits = []
    if fg is not None:
        bits.append(f"\033[38;5;{fg}m" if isinstance(fg, int) else f"\033[{codes[fg]}m")
    if bold is not None:
        bits.append(f"\033[{1 if bold else 22}m")
    return "".join(bits) + text + "\033[0m"


# -- writing output files --------------------------------------------------------------------------


class OutputError(Exception):
    """A file we were asked to write cannot be written (exit 2: the path given is unusable; ``cli/common.py``)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def os_error_in(exc: BaseException) -> OSError | None:
    """The OSError behind ``exc`` (a writer such as XlsxWriter wraps the one it met), if any."""
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            return None
        if isinstance(seen, OSError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _umask_mode() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


# Files no output may replace, whatever they are called (the configuration file in use; see ``protect``).
PROTECTED: set[Path] = set()
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SQLITE_HEADER = b"SQLite format 3\x00"


def protect(path: str | Path) -> None:
    """Never let ``-o`` replace this file (the configuration file the command read)."""
    PROTECTED.add(Path(os.path.realpath(path)))


def _guarded(given: Path, target: Path) -> str | None:
    """Why ``-o`` must not write ``target``: the configuration, a key, a SQLite or PostgreSQL data file."""
    if target in PROTECTED:
        return "这是正在使用的配置文件"
    for folder in (target.parent, *target.parent.parents):
        if (folder / "PG_VERSION").is_file():
            return f"它在 PostgreSQL 数据目录 {folder} 中"
    name = target.name
    for suffix in ("-wal", "-shm", "-journal"):
        if name.endswith(suffix) and _is_sqlite(target.with_name(name[: -len(suffix)])):
            return "这是 SQLite 数据库的日志文件"
    if _is_sqlite(target):
        return "这是 SQLite 数据库文件"
    if _is_regular(target):
        try:
            with open(target, "rb") as fh:
                if b"PRIVATE KEY-----" in fh.read(64):
                    return "这是私钥文件"
        except OSError:
            pass
    return None


def _is_regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def _is_sqlite(path: Path) -> bool:
    """Whether ``path`` is a SQLite file (only a regular file is opened: a FIFO would block)."""
    if not _is_regular(path):
        return False
    try:
        with open(path, "rb") as fh:
            return fh.read(16) == _SQLITE_HEADER
    except OSError:
        return False


def output_target(output: str) -> tuple[Path, int, tuple[int, int] | None]:
    """Where ``-o output`` really goes, the mode it will have and the owner it keeps (uid, gid).

    A symlink is followed to its target (the link stays a link); an existing regular file keeps its
    mode and owner; a directory, a device or a FIFO is refused (stdout is ``-o -``); so are a name with
    control characters, a database file, the configuration in use and a private key (issue 26).
    """
    if _CONTROL.search(output):
        raise OutputError(f"无法写入文件 {output!r}：文件名含控制字符")
    given = Path(output)
    target = Path(os.path.realpath(given))
    why = _guarded(given, target)
    if why is not None:
        raise OutputError(f"拒绝写入 {given}：{why}，输出请换一个文件名")
    try:
        st = os.stat(target)
    except FileNotFoundError:
        if not target.parent.is_dir():
            raise OutputError(f"无法写入文件 {given}：目录不存在") from None
        return target, _umask_mode(), None
    except OSError as exc:
        raise OutputError(f"无法写入文件 {given}：{os_reason(exc)}") from None
    if stat.S_ISDIR(st.st_mode):
        raise OutputError(f"无法写入文件 {given}：是一个目录")
    if not stat.S_ISREG(st.st_mode):
        raise OutputError(f"无法写入文件 {given}：不是普通文件（设备、管道或套接字），输出到标准输出请用 -o -")
    return target, stat.S_IMODE(st.st_mode), (st.st_uid, st.st_gid)


def write_file(output: str, write: Callable[[Any], Any], *, binary: bool) -> None:
    """Write ``output`` through a temporary file beside its target, renamed onto it only when complete.

    Never a partial or empty file under the real name: on any error (a full disk, a file size limit,
    a writer's failure) the temporary file is removed and the target is as it was.
    """
    target, mode, owner = output_target(output)
    try:
        import tempfile  # here: a read command printing to stdout does not pay for it

        fd, part_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    except OSError as exc:
        raise OutputError(f"无法写入文件 {output}：无法在 {target.parent} 中建立临时文件（{os_reason(exc)}）") from None
    part = Path(part_name)
    try:
        os.fchmod(fd, mode)
        if owner is not None and owner != (os.geteuid(), os.getegid()):
            try:
                os.fchown(fd, *owner)  # root replacing another user's file: it stays theirs
            except PermissionError:
                pass
        fh: Any = os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="")
        with fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(part, target)
    except BaseException as exc:
        part.unlink(missing_ok=True)
        os_error = os_error_in(exc) if isinstance(exc, Exception) else None
        if os_error is not None:
            raise OutputError(f"无法写入文件 {output}：{os_reason(os_error)}，未写入任何内容") from None
        raise
