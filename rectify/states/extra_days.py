"""A county's extra-days file (``[calendar] extra_days``): one day a line, ``YYYY-MM-DD 休`` (a holiday) or
``YYYY-MM-DD 班`` (a 调休 working weekend), an optional name after it, and ``#`` comments.

Its own module so the configuration can check the file and the calendar (:mod:`rectify.states.workdays`)
can read it without importing one another.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from rectify.errors import BadInput

__all__ = ["REST", "WORK", "load_extra_days"]

REST, WORK = "休", "班"


def load_extra_days(path: str) -> tuple[set[date], set[date], set[int]]:
    """(holidays, 调休 working days, years named) of an extra-days file; a bad line is one Chinese line."""
    holidays: set[date] = set()
    workdays: set[date] = set()
    try:
        lines = Path(path).read_text(encoding="utf-8-sig").splitlines()
    except OSError as exc:
        raise BadInput(f"无法读取 [calendar] extra_days 文件 {path}：{exc.strerror or exc}") from None
    for number, raw in enumerate(lines, 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        try:
            day = date.fromisoformat(parts[0])
        except ValueError:
            day = None
        if day is None or len(parts) < 2 or parts[1] not in (REST, WORK):
            raise BadInput(f"[calendar] extra_days 文件 {path} 第 {number} 行应写成 “2027-01-01 休 元旦” 或 "
                           f"“2027-02-07 班 调休”，收到 {raw.strip()!r}")
        (holidays if parts[1] == REST else workdays).add(day)
    return holidays, workdays, {d.year for d in holidays | workdays}
