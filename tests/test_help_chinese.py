"""Help Chinese first (issue 28, SPEC §10): click's frame from the catalog, columns aligned by the cells a
terminal draws (a CJK character is two), Chinese choices accepted and offered by shell completion, stages
named in words, and -q silencing every confirmation."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable

import click
import pytest
from click.testing import CliRunner, Result

from rectify.cli import cli
from rectify.cli.helpfmt import HelpFormatter, short_help, width, wrap_text

Run = Callable[..., Result]


def help_of(*path: str, columns: int = 100) -> str:
    result = CliRunner().invoke(cli, [*path, "--help"], prog_name="rectify", terminal_width=columns,
                                env={"RECTIFY_CONFIG": ""})
    assert result.exit_code == 0, result.output
    return result.output


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    ctx = click.Context(group)
    out: list[tuple[str, ...]] = []
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        out.append((*prefix, name))
        if isinstance(cmd, click.Group):
            out.extend(_commands(cmd, (*prefix, name)))
    return out


def _section(text: str, heading: str) -> list[str]:
    """The lines of one section of a help page (选项：, 命令：), up to the next blank line."""
    lines = text.split(f"\n{heading}\n", 1)[1].split("\n\n", 1)[0].splitlines()
    return [line for line in lines if line.strip()]


# -- the frame ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [(), ("case",), ("ledger",), ("case", "escalate"), ("people", "add")], ids=" ".join)
def test_the_frame_is_chinese(path: tuple[str, ...]) -> None:
    text = help_of(*path)
    assert text.startswith(f"用法：rectify {' '.join(path)}".rstrip() + " [选项]")
    assert "\n选项：\n" in text and "显示本帮助并退出。" in text
    assert not re.search(r"Usage:|Options:|Commands:|Show this message|\[OPTIONS\]|\[required\]|\[default:", text)
    if path in ((), ("case",)):
        assert "\n命令：\n" in text and "[选项] 命令 [参数]..." in text


def test_defaults_and_required_are_chinese() -> None:
    text = help_of("ledger")
    assert "[默认：table]" in text and "[默认：place]" in text
    assert "[必填]" in help_of("case", "escalate")
    assert "版本" in CliRunner().invoke(cli, ["--version"], prog_name="rectify").output


@pytest.mark.parametrize("path", _commands(cli), ids=" ".join)
def test_every_help_text_is_chinese_first(path: tuple[str, ...]) -> None:
    """The command's first line and every option's help begin in Chinese (the codes typed come after)."""
    text = help_of(*path)
    first = text.split("\n\n", 2)[1].strip()
    assert re.match(r"(rectify —— )?[\u4e00-\u9fff（“]", first), (path, first)
    for line in _section(text, "选项："):
        spec, _, said = line.strip().partition("  ")
        said = said.strip()
        if said and spec.startswith("-"):
            assert not re.match(r"[A-Za-z]{3,} [a-z]", said), (path, line)


# -- widths ---------------------------------------------------------------------------------------


def test_width_counts_cells() -> None:
    assert width("abc") == 3 and width("台账") == 4 and width("FILE[=说明]") == 11
    assert width("\x1b[31m红\x1b[0m") == 2 and width("，（）") == 6


def test_a_cjk_metavar_keeps_the_help_column() -> None:
    """``--result 巩固|反弹`` and ``--attach FILE[=说明]``: every option's help starts in one column on screen."""
    text = help_of("case", "look-back")
    rows = [line for line in _section(text, "选项：") if line.startswith("  -") and "  " in line.strip()]
    starts = set()
    for line in rows:
        spec = re.match(r"( +\S.*?)  +(?=\S)", line)
        assert spec is not None, line
        starts.add(width(line[: spec.end()]))
    assert any("巩固|反弹" in r for r in rows) and any("FILE[=说明]" in r for r in rows)
    assert len(starts) == 1, rows


def test_the_formatter_aligns_by_display_width() -> None:
    formatter = HelpFormatter(width=60)
    formatter.write_dl([("--a 文件", "说明一"), ("--bb TEXT", "说明二"), ("--结果 巩固|反弹", "说明三")])
    lines = formatter.getvalue().splitlines()
    assert {width(line.split("说明")[0]) for line in lines} == {width("--结果 巩固|反弹") + 2}


@pytest.mark.parametrize("path", [("ledger",), ("case", "import"), ("people", "add"), ("case", "verify")],
                         ids=" ".join)
@pytest.mark.parametrize("columns", [80, 120])
def test_help_lines_fit_the_terminal(path: tuple[str, ...], columns: int) -> None:
    """Chinese text is wrapped by the cells it takes, not by its length (click's would run to twice the width);
    a real process, so that the width is the terminal's (COLUMNS), as click measures it."""
    done = subprocess.run([sys.executable, "-m", "rectify.cli", *path, "--help"], capture_output=True, text=True,
                          env={**os.environ, "RECTIFY_CONFIG": "", "COLUMNS": str(columns)}, timeout=60, check=True)
    text = done.stdout
    limit = min(columns, 110) - 2
    assert any(width(line) > limit - 12 for line in text.splitlines())  # the width is used, not wasted
    for line in text.splitlines():
        if line.lstrip().startswith(("rectify ", "--", "-o", "-q", "-h", "--role")) or "|" in line.split("  ")[0]:
            continue  # example lines are left as written, an option's spec may stand alone
        assert width(line) <= limit, (line, width(line), limit)


def test_wrapping_never_starts_a_line_with_a_closing_mark() -> None:
    text = "每个问题至少要有一条措施，有问题没有措施的方案被拒绝，并指出是哪个问题。" * 3
    for limit in range(10, 40):
        lines = wrap_text(text, limit).splitlines()
        assert "".join(lines) == text  # no space put between Chinese characters
        assert all(width(line) <= limit for line in lines)
        assert not any(line[0] in "，。、；：）" for line in lines)


def test_a_paragraph_wrapped_in_the_source_is_joined_without_spaces() -> None:
    assert wrap_text("整顿对象\n列入整顿 rectify\ncase open", 80) == "整顿对象列入整顿 rectify case open"
    assert wrap_text("按 --as-of 计算。\nxlsx 可打印", 80) == "按 --as-of 计算。xlsx 可打印"


def test_short_help_stops_at_the_first_full_stop_and_fits() -> None:
    assert short_help("延长转化时限；每次延期都留有记录。第二句。") == "延长转化时限；每次延期都留有记录。"
    cut = short_help("批量导入整顿对象：从台账或县里的表格（CSV 或 XLSX）导入，全部成功或全部不写入。", 30)
    assert width(cut) <= 30 and cut.endswith("...")


def test_the_command_list_fits_at_80_columns() -> None:
    for line in _section(help_of(columns=80), "命令："):
        assert width(line) <= 78, line


# -- Chinese choices ------------------------------------------------------------------------------


def test_a_chinese_role_is_the_code(run: Run, db) -> None:  # type: ignore[no-untyped-def]
    assert run("people", "add", "王管理", "--unit", "县委组织部", "--role", "系统管理员", "--scope", "*").exit_code == 0
    added = run("--actor", "王管理", "people", "add", "赵经办", "--unit", "县委组织部", "--role", "县委组织部经办人",
                "--scope", "青山县")
    assert added.exit_code == 0, added.output
    listed = json.loads(run("--actor", "王管理", "people", "list", "--format", "json").stdout)
    assert {p["name"]: p["role"] for p in listed} == {"王管理": "admin", "赵经办": "county_officer"}
    table = run("--actor", "王管理", "people", "list").stdout
    assert "县委组织部经办人" in table and "county_officer" not in table


def test_the_outbox_status_and_ledger_order_take_chinese(demo: Run) -> None:
    assert demo("outbox", "list", "--status", "发送失败", "--format", "json").stdout == \
        demo("outbox", "list", "--status", "failed", "--format", "json").stdout
    by_words = json.loads(demo("ledger", "--sort", "时限", "--format", "json").stdout)["cases"]
    assert by_words == json.loads(demo("ledger", "--sort", "deadline", "--format", "json").stdout)["cases"]


def test_metavars_show_the_chinese_and_the_help_names_the_codes() -> None:
    text = help_of("case", "escalate")
    assert "--step [督促|约谈|通报]" in text and "督促 urge、约谈 talk、通报 notify" in text
    assert "--light [绿|黄|橙|红]" in help_of("ledger") and "--level [市级|县级]" in help_of("case", "supervise")


def _complete(words: str) -> list[str]:
    """Real bash completion through click's protocol (the variable a completion script sets)."""
    parts = words.split(" ")
    result = CliRunner().invoke(cli, [], prog_name="rectify", env={
        "_RECTIFY_COMPLETE": "bash_complete", "COMP_WORDS": words, "COMP_CWORD": str(len(parts) - 1),
        "RECTIFY_CONFIG": ""})
    assert result.exit_code == 0, result.output
    return [line.split(",", 1)[1] for line in result.output.splitlines() if line]


def test_completion_offers_the_chinese_and_the_codes() -> None:
    assert _complete("rectify case escalate 12 --step 督") == ["督促"]
    assert _complete("rectify case escalate 12 --step ") == ["督促", "约谈", "通报", "urge", "talk", "notify"]
    assert _complete("rectify case escalate 12 --step t") == ["talk"]
    assert _complete("rectify ledger --light 红") == ["红"]
    assert set(_complete("rectify ledger --stage 已")) == {"已确定", "已建台账", "已整改", "已验收销号", "已撤销"}
    assert _complete("rectify ledger --stage 整") == ["整改中"]
    assert _complete("rectify people add x --role 县委") == ["县委组织部经办人", "县委组织部审批人"]
    assert _complete("rectify outbox list --status 发送") == ["发送中", "发送失败"]


# -- stages in words, -q --------------------------------------------------------------------------


def test_confirmations_and_errors_name_the_stage_in_words(run: Run, wf, db) -> None:  # type: ignore[no-untyped-def]
    from .conftest import add_org

    add_org(wf)
    opened = run("case", "open", "V001", "--problem", "P01", "--identified", "2026-03-01", "--deadline", "2026-12-31")
    assert "列入整顿，当前阶段：已确定。" in opened.stderr and "identified" not in opened.stderr
    refused = run("case", "assign-secretary", "1", "--name", "陈海涛", "--since", "2026-03-05")
    assert refused.exit_code == 1
    assert "处于已确定阶段，缺少派出单位" in refused.stderr
    assert not re.search(r"identified|ledger_created", refused.stderr)
    shown = run("case", "show", "1").stdout
    assert "当前阶段：已确定" in shown and "identified" not in shown


def test_q_silences_every_confirmation_of_the_registry(run: Run, db) -> None:  # type: ignore[no-untyped-def]
    steps = [
        ("-q", "people", "add", "王管理", "--unit", "县委组织部", "--role", "admin", "--scope", "*"),
        ("--actor", "王管理", "people", "add", "赵经办", "--unit", "县委组织部", "--role", "county_officer",
         "--scope", "青山县", "-q"),
        ("--actor", "王管理", "-q", "people", "disable", "赵经办"),
        ("--actor", "王管理", "-q", "security", "set", "require_registered_actor", "true"),
    ]
    for args in steps:
        result = run(*args)
        assert result.exit_code == 0, (args, result.output)
        assert (result.stdout, result.stderr) == ("", ""), args
    loud = run("--actor", "王管理", "people", "add", "钱明远", "--unit", "县委组织部", "--role", "county_officer",
               "--scope", "青山县")
    assert loud.stderr.startswith("已登记人员 钱明远")


def test_the_readme_shows_the_help_as_printed() -> None:
    from pathlib import Path

    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    pasted = readme.split("$ rectify case escalate --help\n", 1)[1].split("```", 1)[0]
    assert pasted == help_of("case", "escalate")


@pytest.mark.parametrize(("args", "line"), [
    (("case", "escalate", "1", "--step", "挂牌"),
     "错误：'--step' 取值无效：'挂牌' 不是可选值之一（督促、约谈、通报，或 urge、talk、notify）。"
     "（rectify case escalate --help 查看用法）"),
    (("case", "escalate"), "错误：缺少参数 'CASE'。（rectify case escalate --help 查看用法）"),
], ids=["choice", "missing"])
def test_a_refused_value_names_the_chinese_choices(args: tuple[str, ...], line: str) -> None:
    result = CliRunner().invoke(cli, list(args), prog_name="rectify", env={"RECTIFY_CONFIG": ""})
    assert result.exit_code == 2 and result.stderr.strip() == line and result.stdout == ""
