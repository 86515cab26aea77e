"""The command line as officers and scripts use it: every command, exit codes, one-line refusals."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from rectify.cli import COMMANDS, cli
from rectify.cli.common import OutputError, exit_code
from rectify.config import ConfigError
from rectify.errors import BadInput, DatabaseProblem, NotFound, Refused
from rectify.store import Database

from .conftest import snapshot

Run = Callable[..., Result]


def ok(result: Result) -> str:
    """What the officer sees: data on stdout, confirmations on stderr (click's Result.output has both)."""
    assert result.exit_code == 0, result.output + result.stderr
    return result.output


def refused(result: Result, code: int, fragment: str) -> None:
    assert result.exit_code == code, result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("错误：")
    assert fragment in lines[0]
    assert "Traceback" not in result.output


def walk_cli(run: Run) -> None:
    ok(run("org", "add", "V001", "河口镇王家庄村党支部", "--kind", "village", "--county", "青山县",
           "--township", "河口镇"))
    ok(run("case", "open", "V001", "--problem", "P01", "--problem", "P10", "--detail", "书记长期外出",
           "--identified", "2026-03-01", "--deadline", "2026-12-31", "--officer", "赵经办",
           "--officer-email", "zhao@example.cn"))


def test_walk_all_five_stages_with_the_cli(run: Run) -> None:
    walk_cli(run)
    assert ok(run("case", "plan", "V001", "--measure", "P01|配齐村两委班子|王建国|2026-06-30",
                  "--measure", "P10|规范三会一课|李志强|2026-09-30", "--county-leader", "李县长",
                  "--township-cadre", "张干部", "--helping-unit", "县财政局",
                  "--email", "county_leader=li@example.cn")) == \
        "整顿对象 1（河口镇王家庄村党支部）：已确定 → 已建台账\n"
    assert "→ 整改中。第一书记 陈海涛（县财政局），任期至 2028-03-05" in ok(run(
        "case", "assign-secretary", "1", "--name", "陈海涛", "--unit", "县财政局", "--since", "2026-03-05"))
    assert ok(run("case", "measure-done", "1", "1", "--on", "2026-03-08")) == \
        "整顿对象 1（河口镇王家庄村党支部）：完成整顿措施，当前阶段：整改中。第1项「配齐村两委班子」已完成\n"
    ok(run("case", "measure-done", "V001", "2", "--on", "2026-03-09"))
    ok(run("case", "progress", "1", "--on", "2026-03-09", "--note", "召开党员大会"))
    assert "→ 已整改" in ok(run("case", "rectified", "1", "--on", "2026-03-10",
                                            "--self-check", "乡镇自查，整改到位"))
    assert ok(run("--actor", "验收员", "case", "verify", "1", "--on", "2026-03-10", "--by", "县委组织部验收组",
                  "--member", "验收员", "--score", "86", "--satisfied", "42", "--basic", "5", "--dissatisfied", "2")) == \
        ("整顿对象 1（河口镇王家庄村党支部）：验收，当前阶段：已整改。验收合格（86 分，满意率 95.9%），公示至 2026-03-17，"
         "期满且无异议成立后由县委组织部审批人销号\n")
    later = {"RECTIFY_NOW": "2026-03-18T02:00:00+00:00"}
    assert ok(run("--actor", "审批员", "case", "strike-off", "1", "--on", "2026-03-18", "--doc-no", "青组字〔2026〕3号",
                  env=later)) == \
        "整顿对象 1（河口镇王家庄村党支部）：已整改 → 已验收销号。2026-03-18 批复销号（青组字〔2026〕3号）\n"
    shown = json.loads(ok(run("case", "show", "1", "--format", "json", env=later)))
    assert shown["stage"] == "verified" and shown["score"] == 86
    history = json.loads(ok(run("case", "history", "1", "--format", "json")))
    assert [e["action"] for e in history] == ["open", "plan", "assign_secretary", "complete_measure",
                                              "complete_measure", "report_progress", "mark_rectified", "verify",
                                              "strike_off"]
    assert {e["actor"] for e in history} == {"测试员", "验收员", "审批员"}
    table = ok(run("case", "history", "1"))
    assert "2026-03-10  验收员  2026-03-10 10:00  验收 verify" in table and "2026-03-18  审批员  2026-03-18 10:00  销号 strike_off" in table


def test_side_paths_with_the_cli(run: Run) -> None:
    walk_cli(run)
    ok(run("case", "supervise", "1", "--unit", "县委组织部", "--matter", "进度滞后"))
    assert "转化时限改为 2027-03-31" in ok(run("case", "extend", "1", "--to", "2027-03-31", "--reason", "换届推迟",
                                              "--approved-by", "部务会"))
    refused = run("case", "unsupervise", "1", "--on", "2026-03-10", "--reason", "已改进")
    assert refused.exit_code == 1 and refused.stderr.startswith("错误：无法摘牌：") and "缺少检查人" in refused.stderr
    assert "→ 已撤销" in ok(run("case", "withdraw", "1", "--reason", "复核后误判", "--approved-by", "审批员"))
    history = ok(run("case", "history", "1"))
    for fragment in ("挂牌督办 supervise", "延长转化时限 extend", "换届推迟", "复核误判出列 withdraw", "复核后误判"):
        assert fragment in history


def test_fail_verification_needs_findings_and_new_measures_and_the_tracks(run: Run) -> None:
    walk_cli(run)
    ok(run("case", "plan", "1", "--measure", "P01,P10|配齐班子|王|2026-06-30", "--county-leader", "李", "--township-cadre", "张"))
    ok(run("case", "assign-secretary", "1", "--name", "陈海涛", "--unit", "县财政局", "--since", "2026-03-05"))
    assert ok(run("case", "village-secretary", "1", "--name", "周德明", "--since", "2026-03-08",
                  "--action", "调整", "--source", "本村致富能手")).endswith("调整村党组织书记 周德明（本村致富能手）\n")
    ok(run("case", "measure-done", "1", "1", "--on", "2026-03-09"))
    ok(run("case", "rectified", "1", "--on", "2026-03-09", "--self-check", "好"))
    failing = ("--actor", "验收员", "case", "verify", "1", "--on", "2026-03-10", "--by", "组", "--member", "验收员",
               "--score", "60", "--satisfied", "30", "--dissatisfied", "1", "--deadline", "2027-02-28")
    refused = run(*failing)
    assert refused.exit_code == 1 and "缺少验收发现的问题（--finding）；缺少新的整改措施" in refused.output
    assert "验收不合格：验收得分 60 低于 70 分，退回整改" in ok(run(
        *failing, "--finding", "班子分工不明", "--measure", "P01|重新明确班子分工|王|2027-01-31"))
    again = run("case", "rectified", "1", "--on", "2026-03-10", "--self-check", "再次自查")
    assert again.exit_code == 1 and "还有 1 项整顿措施未完成" in again.output
    ok(run("case", "measure-done", "1", "2", "--on", "2026-03-10"))
    ok(run("case", "rectified", "1", "--on", "2026-03-10", "--self-check", "再次自查"))
    ok(run("--actor", "验收员", "case", "verify", "1", "--on", "2026-03-10", "--by", "组", "--member", "验收员",
           "--score", "80", "--satisfied", "30", "--dissatisfied", "1"))
    assert run("case", "reopen", "1", "--reason", "回头看反弹").exit_code == 2  # a relapse is a new listing
    text = ok(run("case", "show", "1"))
    assert "第一书记：陈海涛（县财政局）2026-03-05 起" in text
    assert "村党组织书记：周德明" in text
    assert "验收：2026-03-10 组 得分 60" in text


def test_listing_commands_in_every_format(run: Run) -> None:
    walk_cli(run)
    orgs = json.loads(ok(run("org", "list", "--format", "json")))
    assert orgs == [{"code": "V001", "name": "河口镇王家庄村党支部", "kind": "village", "county": "青山县",
                     "township": "河口镇", "open_case": 1}]
    table = ok(run("org", "list"))
    assert table.splitlines()[0].split() == ["组织代码", "党组织名称", "类别", "县", "乡镇", "在办整顿对象"]
    csv_text = ok(run("case", "list", "--format", "csv"))
    assert csv_text.startswith("\ufeff编号,组织代码,党组织名称")
    rows = json.loads(ok(run("case", "list", "--open", "--format", "json")))
    assert rows[0]["stage"] == "identified" and rows[0]["light"] == "green" and rows[0]["days_left"] == 6
    assert json.loads(ok(run("case", "list", "--light", "red", "--format", "json"))) == []
    assert ok(run("case", "list", "--stage", "verified")) == "（无）\n"


MALFORMED = [
    (("case", "progress", "1", "--on", "2026-02-30", "--note", "x"), "日期不存在「2026-02-30」"),
    (("case", "open", "V001", "--problem", "P01", "--identified", "03/01/2026"), "日期无法识别「03/01/2026」"),
    (("case", "open", "V001", "--problem", "P99", "--identified", "2026-03-01"), "未知的软弱涣散情形代码 P99"),
    (("case", "plan", "1", "--measure", "配齐班子|王|2026-06-30"), "整改措施应写成 \"P01,P03|内容|责任人|YYYY-MM-DD\""),
    (("case", "plan", "1", "--measure", "P01,P10|配齐班子|王|明年"), "整改措施的完成时限应为 2026-06-30、2026/6/30 或 2026年6月30日"),
    (("case", "plan", "1", "--email", "county_leader"), "应写成 NAME=邮箱地址 或 ROLE=邮箱地址"),
    (("case", "verify", "1", "--on", "2026-03-10", "--score", "八十", "--satisfied", "1", "--dissatisfied", "0"),
     "不是有效的数字"),
    (("case", "progress", "1", "--note", "x"), "缺少选项 '--on'"),
    (("org", "add", "X", "名", "--kind", "town", "--county", "c", "--township", "t"), "'--kind' 取值无效：'town' 不是可选值之一"),
    (("case", "frobnicate"), "没有这个命令 'frobnicate'"),
    (("case", "verify", "1", "--on", "2026-03-10", "--by", "组", "--score", "150", "--satisfied", "1",
      "--dissatisfied", "0"), "150 不在允许范围 0<=x<=100"),
    (("case", "verify", "1", "--on", "2026-03-10", "--by", "组", "--score", "80", "--satisfied", "-1",
      "--dissatisfied", "0"), "应在 0–1000000 之间，收到 -1"),
    (("case", "assign-secretary", "1", "--name", "陈", "--unit", "局", "--since", "2026-03-05", "--email", "bad"),
     "书记邮箱地址格式不对：bad"),
]


@pytest.mark.parametrize(("args", "fragment"), MALFORMED, ids=[a[1][:16] for a in MALFORMED])
def test_malformed_input_exits_2_with_one_line(run: Run, db: Database, args: tuple[str, ...],
                                               fragment: str) -> None:
    walk_cli(run)
    before = snapshot(db)
    refused(run(*args), 2, fragment)
    assert snapshot(db) == before


RULES = [
    # From 列入整顿 on a 第一书记 may be sent (issue 27); a term ending before it starts is refused.
    (("case", "assign-secretary", "1", "--name", "陈", "--unit", "局", "--since", "2026-03-05", "--term-until",
      "2026-03-01"),
     "无法选派第一书记：整顿对象 1（河口镇王家庄村党支部）处于已确定阶段，任期截止 2026-03-01 应晚于任职日期 2026-03-05"),
    (("case", "plan", "1", "--measure", "P01,P10|配齐班子|王|2027-06-30", "--county-leader", "李", "--township-cadre", "张"),
     "整改措施「配齐班子」的完成时限 2027-06-30 不得晚于转化时限 2026-12-31"),
    (("case", "open", "V001", "--problem", "P01", "--identified", "2026-03-02"), "已有在办的整顿对象 1"),
    (("case", "open", "V404", "--problem", "P01", "--identified", "2026-03-02"), "找不到组织 V404"),
    (("case", "show", "77"), "找不到整顿对象或组织 77"),
    (("case", "history", "V404"), "找不到整顿对象或组织 V404"),
    (("case", "withdraw", "1"), "缺少原因"),
    (("org", "add", "V001", "重复", "--kind", "village", "--county", "c", "--township", "t"), "组织代码 V001 已存在"),
    (("case", "progress", "1", "--on", "2026-03-11", "--note", "明天"), "日期 2026-03-11 晚于今天 2026-03-10"),
    (("case", "extend", "1", "--to", "2026-06-30", "--reason", "r", "--approved-by", "a"),
     "新的转化时限 2026-06-30 应晚于现在的转化时限 2026-12-31（延期只能向后）"),
]


@pytest.mark.parametrize(("args", "fragment"), RULES, ids=[a[1][:16] for a in RULES])
def test_rule_refusals_exit_1_with_one_line(run: Run, db: Database, args: tuple[str, ...], fragment: str) -> None:
    walk_cli(run)
    before = snapshot(db)
    refused(run(*args), 1, fragment)
    assert snapshot(db) == before


def test_deadline_before_identification(run: Run, db: Database) -> None:
    ok(run("org", "add", "V1", "甲村党支部", "--kind", "village", "--county", "青山县", "--township", "河口镇"))
    before = snapshot(db)
    refused(run("case", "open", "V1", "--problem", "P01", "--identified", "2026-03-01", "--deadline", "2026-02-01"),
            1, "转化时限 2026-02-01 早于或等于确定日期 2026-03-01")
    assert snapshot(db) == before


# -- database problems -----------------------------------------------------------------------------


def test_missing_database_is_refused_and_not_created(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.sqlite"
    result = CliRunner().invoke(cli, ["--db", str(path), "case", "list"])
    refused(result, 1, f"数据库 {path} 不存在，请先运行 rectify init")
    assert not path.exists()


def test_init_creates_then_reports_up_to_date(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite"
    runner = CliRunner()
    first = runner.invoke(cli, ["--db", str(path), "init"])
    assert first.exit_code == 0 and "已创建数据库" in first.stderr
    second = runner.invoke(cli, ["--db", str(path), "init"])
    assert second.exit_code == 0 and "已是最新结构" in second.stderr
    assert runner.invoke(cli, ["--db", str(path), "case", "list"]).stdout == "（无）\n"


def test_uninitialised_and_unknown_schema_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.sqlite"
    sqlite3.connect(path).close()
    refused(CliRunner().invoke(cli, ["--db", str(path), "case", "list"]), 1, "尚未初始化，请先运行 rectify init")
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
    con.execute("INSERT INTO alembic_version VALUES ('9999')")
    con.commit()
    con.close()
    refused(CliRunner().invoke(cli, ["--db", str(path), "case", "list"]), 1, "结构版本 9999 比本程序新")
    refused(CliRunner().invoke(cli, ["--db", str(path), "init"]), 1, "结构版本 9999 比本程序新")


def test_locked_database_gives_one_line(tmp_path: Path) -> None:
    path = tmp_path / "locked.sqlite"
    runner = CliRunner()
    env = {"RECTIFY_NOW": "2026-03-10T02:00:00+00:00", "RECTIFY_DB_LOCK_TIMEOUT": "0.1"}
    assert runner.invoke(cli, ["--db", str(path), "init"]).exit_code == 0
    assert runner.invoke(cli, ["--db", str(path), "org", "add", "V1", "甲村党支部", "--kind", "village",
                               "--county", "青山县", "--township", "河口镇"], env=env).exit_code == 0
    before = path.read_bytes()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        result = runner.invoke(cli, ["--db", str(path), "case", "open", "V1", "--problem", "P01",
                                     "--identified", "2026-03-01"], env=env)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    refused(result, 1, "被其他进程锁定，请稍后重试")
    listed = runner.invoke(cli, ["--db", str(path), "case", "list", "--format", "json"], env=env)
    assert json.loads(listed.stdout) == []
    assert path.read_bytes() == before


def test_unreachable_postgresql_gives_one_line() -> None:
    result = CliRunner().invoke(cli, ["--db", "postgresql://rectify:secret@127.0.0.1:1/none", "case", "list"],
                                env={"RECTIFY_DB_CONNECT_TIMEOUT": "2"})
    refused(result, 1, "无法连接数据库 postgresql+psycopg://rectify:***@127.0.0.1:1/none")
    assert "secret" not in result.output


def test_bad_config_file_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "rectify.toml"
    bad.write_text("[lights]\nyellow = 0.1\norange = 0.2\n", encoding="utf-8")
    refused(CliRunner().invoke(cli, ["--config", str(bad), "--db", str(tmp_path / "x.sqlite"), "case", "list"]),
            2, "配置项 [lights] 应满足 0 < orange < yellow < 1")


# -- help ------------------------------------------------------------------------------------------


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], click.Command]]:
    out = []
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        assert cmd is not None, name
        out.append(((*prefix, name), cmd))
        if isinstance(cmd, click.Group):
            out.extend(_commands(cmd, (*prefix, name)))
    return out


@pytest.mark.parametrize(("path", "command"), _commands(cli), ids=lambda v: " ".join(v) if isinstance(v, tuple) else "")
def test_every_command_has_help_with_an_example(path: tuple[str, ...], command: click.Command) -> None:
    assert command.help, f"rectify {' '.join(path)} has no help"
    if not isinstance(command, click.Group):
        assert "\b" in command.help and "rectify " in command.help, f"rectify {' '.join(path)} lacks an example"
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0 and result.output.startswith("用法：")
    assert "Usage:" not in result.output and "Options:" not in result.output


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_the_root_lists_each_command_with_its_own_help_line(name: str) -> None:
    command = cli.get_command(click.Context(cli), name)
    assert command is not None and command.name == name
    for limit in (30, 45, 80, 200):
        assert click.Command(name, help=COMMANDS[name].help).get_short_help_str(limit) == \
            command.get_short_help_str(limit)


HEAVY = ("sqlalchemy", "sqlmodel", "pydantic", "openpyxl", "xlsxwriter", "jinja2", "apscheduler", "smtplib",
         "transitions", "alembic", "rectify.write", "rectify.reports", "rectify.store",
         "rectify.importing", "rectify.demo", "rectify.notifications")


@pytest.mark.parametrize("args", [("--help",), ("--version",), ("case", "--help"), ("ledger", "--help"),
                                  ("remind", "run", "--help"), ("import", "--help")], ids=" ".join)
def test_help_imports_no_domain_library(args: tuple[str, ...]) -> None:
    code = ("import sys\nfrom rectify.cli import cli\ntry:\n    cli.main(sys.argv[1:], prog_name='rectify')\n"
            "except SystemExit:\n    pass\nprint('MODULES', ' '.join(sys.modules))")
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True)
    assert "用法：" in done.stdout or "版本" in done.stdout
    loaded = done.stdout.rpartition("MODULES ")[2].split()
    assert [m for m in loaded if m.split(".")[0] in HEAVY or m.startswith(HEAVY)] == []


@pytest.mark.parametrize(("error", "code"), [
    (click.UsageError("x"), 2), (click.BadParameter("x"), 2), (OutputError("x"), 2), (click.ClickException("x"), 1),
    (click.Abort(), 1), (ConfigError("x"), 2), (BadInput("x"), 2), (NotFound("x"), 1), (Refused("x"), 1),
    (DatabaseProblem("x"), 1), (ValueError("x"), None),
])
def test_one_table_maps_errors_to_exit_codes(error: Exception, code: int | None) -> None:
    assert exit_code(error) == code


def test_show_can_mask_phone_numbers(run: Run) -> None:
    walk_cli(run)
    ok(run("case", "plan", "1", "--measure", "P01,P10|配齐班子|王|2026-06-30", "--county-leader", "李", "--township-cadre", "张"))
    ok(run("case", "assign-secretary", "1", "--name", "陈海涛", "--unit", "县财政局", "--since", "2026-03-05",
           "--phone", "13812345678"))
    assert "13812345678" in ok(run("case", "show", "1"))
    masked = ok(run("case", "show", "1", "--mask-phones"))
    assert "138****5678" in masked and "13812345678" not in masked
    data = json.loads(ok(run("case", "show", "1", "--mask-phones", "--format", "json")))
    assert data["secretaries"][0]["phone"] == "138****5678"


def test_verified_organization_code_points_to_its_case_number(run: Run) -> None:
    walk_cli(run)
    ok(run("case", "withdraw", "V001", "--reason", "误判"))
    refused(run("case", "show", "V001"), 1, "组织 V001（河口镇王家庄村党支部）没有在办的整顿对象；它最近的整顿对象是 1（withdrawn），请用整顿对象编号")


@pytest.mark.parametrize(("setup", "args", "code", "fragment"), [
    ("garbage", (), 1, "不是 rectify 的数据库文件"),
    ("mysql", (), 1, "不支持的数据库 mysql：rectify 使用 SQLite 或 PostgreSQL"),
    ("lock-timeout", (), 2, "环境变量 RECTIFY_DB_LOCK_TIMEOUT 应为数字，现为 'abc'"),
    ("timezone", (), 2, "配置项 [policy] timezone 不是有效的时区：Mars/Base"),
    ("sweep_at", (), 2, "配置项 [scheduler] sweep_at 应为 HH:MM"),
    ("port", (), 2, "配置项 [smtp] port 应在 1–65535 之间，现为 99999"),
    ("negative", (), 2, "配置项 [policy] ledger_due_days 应为正整数，现为 -5"),
    ("templates", (), 2, "配置项 [templates] folder 指向的目录不存在"),
])
def test_bad_environment_is_one_line(tmp_path: Path, setup: str, args: tuple[str, ...], code: int,
                                     fragment: str) -> None:
    db = tmp_path / "db.sqlite"
    CliRunner().invoke(cli, ["--db", str(db), "init"])
    argv, env = ["--db", str(db)], {}
    config = {"timezone": "[policy]\ntimezone = \"Mars/Base\"\n", "sweep_at": "[scheduler]\nsweep_at = \"25:99\"\n",
              "port": "[smtp]\nport = 99999\n", "negative": "[policy]\nledger_due_days = -5\n",
              "templates": "[templates]\nfolder = \"/nonexistent/templates\"\n"}
    if setup == "garbage":
        garbage = tmp_path / "garbage.sqlite"
        garbage.write_text("not a database at all " * 100, encoding="utf-8")
        argv = ["--db", str(garbage)]
    elif setup == "mysql":
        argv = ["--db", "mysql://u@h/db"]
    elif setup == "lock-timeout":
        env["RECTIFY_DB_LOCK_TIMEOUT"] = "abc"
    else:
        path = tmp_path / "rectify.toml"
        path.write_text(config[setup], encoding="utf-8")
        argv += ["--config", str(path)]
    refused(CliRunner().invoke(cli, [*argv, *args, "case", "list"], env=env), code, fragment)
