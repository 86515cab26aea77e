"""A driver's operational error becomes one line the officer can act on (rectify.store.database._operational),
first matching words winning: a lost race is a Conflict, the rest a DatabaseProblem naming the database."""

from __future__ import annotations

import pytest

from rectify.errors import Conflict, DatabaseProblem
from rectify.store.database import _operational

URL = "postgresql://u:secret@db.example/rectify"
DB = "postgresql://u:***@db.example/rectify"


@pytest.mark.parametrize(("driver_says", "expected"), [
    ("database is locked", f"数据库 {DB} 被其他进程锁定，请稍后重试"),
    ("database is locked (snapshot)", None),
    ("could not serialize access due to concurrent update", None),
    ("deadlock detected", None),
    ("unable to open database file", f"无法打开数据库 {DB}"),
    ("attempt to write a readonly database", f"数据库 {DB} 只读，无法写入"),
    ('password authentication failed for user "u"', f"无法登录数据库 {DB}：用户名或密码错误"),
    ('database "rectify" does not exist', f"数据库 {DB} 不存在"),
    ('role "x" does not exist', f"数据库 {DB} 出错：role \"x\" does not exist"),
    ("canceling statement due to statement timeout", f"数据库 {DB} 响应超时"),
    ("connection refused", f"无法连接数据库 {DB}（服务器未启动或地址错误）"),
    ("no such table: rectification_case", f"数据库 {DB} 结构不完整，请运行 rectify init"),
    ("", f"数据库 {DB} 出错：未知错误"),
])
def test_an_operational_error_in_one_line(driver_says: str, expected: str | None) -> None:
    error = _operational(Exception(driver_says), URL)
    if expected is None:
        assert isinstance(error, Conflict) and str(error) == "整顿对象已被他人修改，本次操作未写入，请重新查看后再试"
    else:
        assert isinstance(error, DatabaseProblem) and str(error) == expected
