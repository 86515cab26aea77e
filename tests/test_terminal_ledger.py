"""The ledger in a terminal (issue 28): every width keeps 党组织名称, 转化时限, 剩余天数 and 预警, drops the wide texts
first, cuts by East-Asian width with a one-cell mark; a pipe takes COLUMNS or the full width."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from click.testing import Result

from rectify.output import display_width, truncate

from .conftest import DEMO_AS_OF

Run = Callable[..., Result]
SQLITE = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@SQLITE
@pytest.mark.parametrize("width", ["60", "80", "100", "120"])
def test_every_width_keeps_the_name_the_dates_and_the_light(demo: Run, width: str) -> None:
    lines = demo("ledger", "--as-of", DEMO_AS_OF, "--width", width).stdout.splitlines()
    header = lines[0].split()
    for kept in ("党组织名称", "转化时限", "待办剩余天数", "预警"):
        assert kept in header, (width, header)
    assert all(display_width(line) <= int(width) for line in lines[:-1])
    assert all(DATE.search(line) for line in lines[2:-1])  # 转化时限 on every row
    assert "…" not in "\n".join(lines)
    if int(width) <= 80:
        assert "主要问题" not in header and "整顿措施" not in header  # the wide texts go first


@SQLITE
def test_at_120_the_task_is_whole(demo: Run) -> None:
    out = demo("ledger", "--as-of", DEMO_AS_OF, "--width", "120").stdout
    assert "当前待办" in out.splitlines()[0] and "待办时限" in out.splitlines()[0]
    assert "完成整改并申请验收" in out


@SQLITE
def test_a_pipe_takes_columns_or_the_full_width(demo: Run) -> None:
    piped = demo("ledger", "--as-of", DEMO_AS_OF, env={"COLUMNS": ""}).stdout.splitlines()
    assert "主要问题" in piped[0] and "备注" in piped[0] and "限于宽度未显示" not in piped[-1]
    narrow = demo("ledger", "--as-of", DEMO_AS_OF, env={"COLUMNS": "90"}).stdout.splitlines()
    assert all(display_width(line) <= 90 for line in narrow[:-1]) and "限于宽度未显示" in narrow[-1]


def test_truncation_counts_east_asian_widths_with_a_one_cell_mark() -> None:
    assert truncate("完成整改并申请验收", 10) == "完成整改~"
    assert display_width(truncate("完成整改并申请验收", 10)) <= 10
    assert truncate("abcdef", 4) == "abc~" and truncate("短", 4) == "短"
