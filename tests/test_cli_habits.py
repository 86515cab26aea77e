"""The habits of a good click tool (issue 16): Chinese messages from a real gettext catalog, help for bare
groups, -q, NO_COLOR/TERM=dumb/FORCE_COLOR, ``-o -``, Chinese option values, the import's date forms,
progress bars that finish and give the cursor back, confirmations on stderr.
"""

from __future__ import annotations

import csv
import gettext
import io
import json
import os
import pty
import re
import select
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import click
import pytest
from babel.messages.extract import extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from click.testing import CliRunner, Result

import rectify.locale
from rectify.cli import cli
from rectify.cli.common import DATE, ProgressBars, colour_setting, use_colour
from rectify.importing.cells import CellError
from rectify.importing.cells import parse_date as cell_date
from rectify.write.engine import Workflow

from .conftest import DEMO_ACTOR, FakeClock, add_org, snapshot
from .remind_helpers import AS_OF_ISO, build_county, start_server, write_config

Run = Callable[..., Result]
AS_OF = "2026-06-30"
PO = Path(rectify.locale.__file__).parent / "zh_CN" / "LC_MESSAGES" / "click.po"
HIDE, SHOW = "\x1b[?25l", "\x1b[?25h"


def ok(result: Result) -> Result:
    assert result.exit_code == 0, result.output
    return result


def one_line_error(result: Result, code: int) -> str:
    assert result.exit_code == code, result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("错误："), result.stderr
    assert "Traceback" not in result.output
    return lines[0]


def ledger_json(run: Run, *args: str) -> list[dict]:
    return json.loads(ok(run("ledger", "--format", "json", *args)).stdout)["cases"]


# -- the catalog -----------------------------------------------------------------------------------


def _catalog():  # type: ignore[no-untyped-def]
    with open(PO, "rb") as fh:
        return read_po(fh, locale="zh_CN", domain="click")


def test_the_shipped_mo_is_the_po_compiled() -> None:
    """Compared by messages, not bytes: another Babel release may write the same catalog differently."""
    compiled = io.BytesIO()
    write_mo(compiled, _catalog())
    compiled.seek(0)
    fresh = gettext.GNUTranslations(compiled)
    with open(PO.with_suffix(".mo"), "rb") as fh:
        shipped = gettext.GNUTranslations(fh)
    messages = [{k: v for k, v in c._catalog.items() if k != ""} for c in (shipped, fresh)]  # "" is the header
    assert messages[0] == messages[1], \
        "click.mo is stale: pybabel compile -D click -d rectify/locale -l zh_CN"


# --help is Chinese too, click's frame included (用法：, 选项：, 命令：); only a choice's repr, for a programmer's
# eyes, stays as click writes it.
HELP_LAYOUT = {"Choice({choices})"}


def test_the_catalog_translates_every_message_of_the_installed_click() -> None:
    click_dir = Path(click.__file__).parent
    extracted: set[str] = set()
    for name in rectify.locale.CLICK_MODULES:
        for _line, message, _comments, _context in extract_from_file(
                "python", str(click_dir / f"{name}.py"), keywords={"_": None, "ngettext": (1, 2)}):
            extracted.add(message[0] if isinstance(message, tuple) else message)
    catalog = _catalog()
    translated = {m.id[0] if isinstance(m.id, tuple) else m.id for m in catalog if m.id and m.string
                  and all(m.string if isinstance(m.string, tuple) else (m.string,))}
    assert extracted - HELP_LAYOUT <= translated, extracted - HELP_LAYOUT - translated
    assert not (translated & HELP_LAYOUT)


def test_plurals_are_translated_whatever_the_locale(run: Run) -> None:
    for env in ({}, {"LANG": "C", "LANGUAGE": "en", "LC_ALL": "C"}):
        line = one_line_error(run("ledger", "a", "b", env=env), 2)
        assert line == "错误：多余的参数（a b）（rectify ledger --help 查看用法）"
        assert "多余的参数s" not in line and "argument" not in line
        assert "多余的参数（a）" in one_line_error(run("ledger", "a", env=env), 2)


def test_did_you_mean_is_chinese_for_commands_and_options(run: Run) -> None:
    line = one_line_error(run("leger"), 2)
    assert "没有这个命令 'leger'" in line and "是不是要输入 'ledger'？" in line and "Did you mean" not in line
    line = one_line_error(run("ledger", "--lihgt", "red"), 2)
    assert "没有这个选项 '--lihgt'" in line and "是不是要输入 '--light'？" in line and "Did you mean" not in line


@pytest.mark.parametrize(("args", "fragment"), [
    (("ledger", "--light", "purple"), "'--light' 取值无效：'purple' 不是可选值之一"),
    (("ledger", "--year", "abc"), "'--year' 取值无效：'abc' 不是有效的数字"),
    (("ledger", "--year", "1800"), "不在允许范围"),
    (("case", "show"), "缺少参数 'CASE'"),
    (("ledger", "--as-of"), "选项 '--as-of' 需要 1 个值"),
], ids=lambda v: " ".join(v) if isinstance(v, tuple) else "")
def test_click_messages_are_chinese(run: Run, args: tuple[str, ...], fragment: str) -> None:
    line = one_line_error(run(*args), 2)
    assert fragment in line, line
    assert not re.search(r"is not|Invalid|Missing|requires|range\.", line), line


# -- bare groups -----------------------------------------------------------------------------------


@pytest.mark.parametrize("args", [(), ("case",), ("remind",), ("outbox",), ("import",)], ids=" ".join)
def test_a_bare_group_prints_its_help_and_exits_0(args: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, list(args), env={"RECTIFY_CONFIG": ""}, prog_name="rectify")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"用法：rectify {' '.join(args)}".rstrip() + " [选项] 命令 [参数]...")
    assert "\n命令：\n" in result.stdout and "\n选项：\n" in result.stdout and result.stderr == ""
    assert not re.search(r"Usage|Options|Commands|Show this message", result.stdout)


def test_bare_rectify_as_a_program() -> None:
    done = subprocess.run([sys.executable, "-m", "rectify.cli"], capture_output=True, text=True,
                          env={**os.environ, "RECTIFY_CONFIG": ""}, timeout=60)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.startswith("用法：rectify [选项] 命令 [参数]...") and "错误：" not in done.stdout


# -- confirmations on stderr, -q ------------------------------------------------------------------


def test_confirmations_go_to_stderr_and_q_silences_them(run: Run, tmp_path: Path) -> None:
    steps = [
        (("org", "add", "V001", "河口镇王家庄村党支部", "--kind", "村", "--county", "青山县", "--township", "河口镇"),
         "已登记组织 V001"),
        (("case", "open", "V001", "--problem", "P01", "--identified", "2026年3月1日", "--deadline", "2026/12/31"),
         "列入整顿，当前阶段：已确定。转化时限 2026-12-31"),
        (("case", "plan", "1", "--measure", "P01|配齐村两委班子|王建国|2026/6/30", "--county-leader", "李县长",
          "--township-cadre", "张干部"), "→ 已建台账"),
        (("ledger", "-o", str(tmp_path / "台账.csv"), "--format", "csv"), "已导出限期转化台账到"),
        (("stats", "-o", str(tmp_path / "统计.csv"), "--format", "csv"), "已导出统计到"),
        (("import", "template", "-o", str(tmp_path / "模板.xlsx")), "已生成导入模板"),
        (("export", "--all", str(tmp_path / "backup.jsonl")), "已导出"),
        (("init",), "已是最新结构"),
    ]
    for args, fragment in steps:
        result = ok(run(*args))
        assert result.stdout == "", args
        assert fragment in result.stderr, (args, result.stderr)
    for args, _fragment in steps[3:]:
        quiet = ok(run("-q", *args))
        assert (quiet.stdout, quiet.stderr) == ("", ""), args
    quiet = ok(run("case", "progress", "1", "--on", "2026/3/9", "--note", "召开党员大会", "-q"))
    assert (quiet.stdout, quiet.stderr) == ("", "")
    assert "召开党员大会" in ok(run("-q", "case", "show", "1")).stdout  # data is still printed with -q


def test_q_keeps_errors(run: Run) -> None:
    assert one_line_error(run("-q", "case", "show", "99"), 1).startswith("错误：")
    assert one_line_error(run("case", "show", "99", "-q"), 1).startswith("错误：")


def test_remind_run_q_prints_nothing_on_success(run: Run, wf: Workflow, clock: FakeClock, tmp_path: Path) -> None:
    build_county(wf, clock)
    server = start_server()
    try:
        cfg = write_config(tmp_path / "c.toml", server.port)
        loud = ok(run("remind", "run", "--as-of", AS_OF_ISO, "--dry-run", env={"RECTIFY_CONFIG": str(cfg)}))
        assert "收件人" in loud.stdout and loud.stderr.startswith("试运行 2026-12-24")
        quiet = ok(run("remind", "run", "--as-of", AS_OF_ISO, "-q", env={"RECTIFY_CONFIG": str(cfg)}))
        assert (quiet.stdout, quiet.stderr) == ("", "")
        assert len(server.sink.messages) == 6  # it did its work
    finally:
        server.controller.stop()
    # A failure still speaks with -q: nothing listens on the configured port any more.
    failed = run("-q", "remind", "run", "--as-of", "2026-12-31", env={"RECTIFY_CONFIG": str(cfg)})
    assert failed.exit_code == 1 and failed.stdout == "" and failed.stderr.startswith("错误：")


# -- colour ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("env", "expected"), [
    ({}, None), ({"NO_COLOR": "1"}, False), ({"NO_COLOR": ""}, False), ({"TERM": "dumb"}, False),
    ({"FORCE_COLOR": "1"}, True), ({"FORCE_COLOR": "1", "TERM": "dumb"}, True),
    ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, False), ({"FORCE_COLOR": ""}, None), ({"TERM": "xterm"}, None),
])
def test_colour_setting(env: dict[str, str], expected: bool | None) -> None:
    assert colour_setting(env) is expected


class FakeTty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_use_colour_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("NO_COLOR", "FORCE_COLOR", "TERM"):
        monkeypatch.delenv(name, raising=False)
    assert use_colour(FakeTty()) and not use_colour(io.StringIO())
    monkeypatch.setenv("TERM", "dumb")
    assert not use_colour(FakeTty())
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert use_colour(io.StringIO())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not use_colour(FakeTty())


@pytest.mark.parametrize("command", [("ledger", "--as-of", AS_OF), ("demo", "--as-of", AS_OF)], ids=" ".join)
def test_force_color_colours_a_pipe_and_no_color_wins(demo: Run, command: tuple[str, ...]) -> None:
    assert "\x1b[" not in ok(demo(*command)).stdout  # a pipe: plain
    assert "\x1b[" in ok(demo(*command, env={"FORCE_COLOR": "1"})).stdout
    assert "\x1b[" not in ok(demo(*command, env={"FORCE_COLOR": "1", "NO_COLOR": "1"})).stdout


def _on_a_terminal(args: list[str], env: dict[str, str], *, stdout: bool) -> tuple[int, str, str]:
    """Run ``rectify`` with stdout (or stderr) on a real pseudo-terminal; returns (code, tty text, other)."""
    master, slave = pty.openpty()
    streams = {"stdout": slave, "stderr": subprocess.PIPE} if stdout else {"stdout": subprocess.PIPE, "stderr": slave}
    proc = subprocess.Popen([sys.executable, "-m", "rectify.cli", *args], env={**os.environ, **env},
                            stdin=subprocess.DEVNULL, **streams)  # type: ignore[call-overload]
    os.close(slave)
    chunks: list[bytes] = []
    while True:
        ready, _, _ = select.select([master], [], [], 60)
        if not ready:
            proc.kill()
            break
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed its end
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    pipe = proc.stderr if stdout else proc.stdout
    assert pipe is not None
    with pipe:
        other = pipe.read().decode()
    return proc.wait(timeout=60), b"".join(chunks).decode(errors="replace"), other


@pytest.fixture
def demo_file(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "demo.sqlite"
    env = {**os.environ, "RECTIFY_CONFIG": "", "RECTIFY_NOW": "2026-06-30T02:00:00+00:00"}
    subprocess.run([sys.executable, "-m", "rectify.cli", "--db", str(path), "-q", "demo", "--as-of", AS_OF],
                   check=True, capture_output=True, env=env, timeout=120)
    yield path


def test_a_terminal_gets_colour_unless_term_is_dumb_or_no_color(demo_file: Path) -> None:
    args = ["--db", str(demo_file), "--actor", DEMO_ACTOR, "ledger", "--as-of", AS_OF]
    base = {"RECTIFY_CONFIG": "", "TERM": "xterm", "COLUMNS": "120"}
    for name in ("NO_COLOR", "FORCE_COLOR"):
        base.pop(name, None)
    clean = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    os_env = {**clean, **base}
    code, text, _ = _on_a_terminal(args, os_env, stdout=True)
    assert code == 0 and "\x1b[" in text and "党组织名称" in text
    for off in ({"TERM": "dumb"}, {"NO_COLOR": "1"}):
        code, text, _ = _on_a_terminal(args, {**os_env, **off}, stdout=True)
        assert code == 0 and "\x1b[" not in text and "党组织名称" in text, off


# -- -o - ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("args", "start"), [
    (("ledger", "--format", "csv"), "\ufeff序号".encode()),
    (("ledger", "--format", "json"), b"{"),
    (("ledger", "--format", "xlsx"), b"PK"),
    (("ledger", "--format", "ics"), b"BEGIN:VCALENDAR"),
    (("stats", "--format", "json"), b"{"),
    (("stats", "--format", "xlsx"), b"PK"),
    (("import", "template"), b"PK"),
    (("import", "template", "--format", "csv"), "\ufeff".encode()),
], ids=lambda v: " ".join(v) if isinstance(v, tuple) else "")
def test_dash_is_stdout(demo: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...],
                        start: bytes) -> None:
    here = tmp_path / "cwd"
    here.mkdir()
    monkeypatch.chdir(here)
    result = ok(demo(*args, "-o", "-"))
    assert result.stdout_bytes.startswith(start)
    assert result.stderr == ""
    assert list(here.iterdir()) == []  # no file named "-" (nor "-.part")


# -- Chinese values --------------------------------------------------------------------------------


@pytest.mark.parametrize(("option", "chinese", "code"), [
    ("--light", "红", "red"), ("--light", "黄", "yellow"), ("--light", "橙", "orange"), ("--light", "绿", "green"),
    ("--light", "RED", "red"), ("--kind", "村", "village"), ("--kind", "社区", "community"),
    ("--kind", "Village", "village"), ("--stage", "已整改", "rectified"), ("--stage", "整改中", "secretary_assigned"),
    ("--stage", "已验收销号", "verified"), ("--stage", "LEDGER_CREATED", "ledger_created"),
])
def test_chinese_values_are_the_codes(demo: Run, option: str, chinese: str, code: str) -> None:
    by_code = ledger_json(demo, "--as-of", AS_OF, option, code)
    assert by_code and ledger_json(demo, "--as-of", AS_OF, option, chinese) == by_code
    listed = json.loads(ok(demo("case", "list", "--as-of", AS_OF, option, chinese, "--format", "json")).stdout)
    assert [c["case_id"] for c in listed] == \
        [c["case_id"] for c in json.loads(ok(demo("case", "list", "--as-of", AS_OF, option, code,
                                            "--format", "json")).stdout)]


def test_org_add_takes_a_chinese_kind(run: Run) -> None:
    ok(run("org", "add", "C001", "城关镇新华社区党支部", "--kind", "社区", "--county", "青山县", "--township", "城关镇"))
    assert json.loads(ok(run("org", "list", "--kind", "社区", "--format", "json")).stdout)[0]["kind"] == "community"


@pytest.mark.parametrize(("option", "value"), [("--light", "紫"), ("--kind", "乡"), ("--stage", "已完成")])
def test_an_unknown_chinese_value_is_refused(run: Run, db, option: str, value: str) -> None:  # type: ignore[no-untyped-def]
    line = one_line_error(run("ledger", option, value), 2)
    assert f"'{option}' 取值无效：'{value}' 不是可选值之一" in line


# -- dates -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["2026-06-30", "2026/6/30", "2026年6月30日", "2026.6.30", "20260630",
                                  " 2026 年 6 月 30 日 "])
def test_one_date_parser_for_cli_and_import(text: str) -> None:
    from datetime import date

    assert DATE.convert(text, None, None) == cell_date(text) == date(2026, 6, 30)


@pytest.mark.parametrize(("text", "message"), [("2026-02-30", "日期不存在「2026-02-30」"),
                                               ("30/6/2026", "日期无法识别「30/6/2026」"),
                                               ("明天", "日期无法识别「明天」")])
def test_a_bad_date_is_the_same_refusal_in_cli_and_import(run: Run, db, text: str, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CellError, match=message):
        cell_date(text)
    line = one_line_error(run("ledger", "--as-of", text), 2)
    assert line.startswith(f"错误：'--as-of' 取值无效：{message}")


@pytest.mark.parametrize("form", ["2026/6/30", "2026年6月30日"])
def test_every_date_form_gives_the_same_ledger(demo: Run, form: str) -> None:
    assert ledger_json(demo, "--as-of", form) == ledger_json(demo, "--as-of", AS_OF)


def test_case_steps_take_the_import_date_forms(run: Run, wf: Workflow, db) -> None:  # type: ignore[no-untyped-def]
    add_org(wf)
    ok(run("case", "open", "V001", "--problem", "P01", "--identified", "2026年3月1日", "--deadline", "2026/12/31"))
    ok(run("case", "plan", "1", "--measure", "P01|配齐村两委班子|王建国|2026年6月30日", "--county-leader", "李县长",
           "--township-cadre", "张干部"))
    shown = json.loads(ok(run("case", "show", "1", "--format", "json")).stdout)
    assert (shown["identified_on"], shown["deadline"]) == ("2026-03-01", "2026-12-31")
    assert shown["measures"][0]["due_on"] == "2026-06-30"
    before = snapshot(db)
    line = one_line_error(run("case", "progress", "1", "--on", "2026/2/30", "--note", "x"), 2)
    assert "日期不存在「2026/2/30」" in line and snapshot(db) == before


# -- progress bars ---------------------------------------------------------------------------------


def test_a_bar_starts_with_its_first_row_and_ends_full() -> None:
    tty = FakeTty()
    with ProgressBars(tty) as bars:
        tick = bars("检查", 10)
        assert tty.getvalue() == ""  # nothing drawn before the first row
        tick(1)
        assert "检查" in tty.getvalue() and HIDE in tty.getvalue()
        tick(3)
    out = tty.getvalue()
    assert out.rstrip("\n").endswith(SHOW) and "100%" in out and "10/10" in out
    assert not re.search(r"\d\d:\d\d:\d\d", out)  # no ETA


def test_the_next_bar_finishes_the_previous_one() -> None:
    tty = FakeTty()
    with ProgressBars(tty) as bars:
        bars("检查", 2)(2)
        bars("写入", 5)(1)
        first = tty.getvalue()
        assert first.count(SHOW) == 1 and "写入" in first
    assert tty.getvalue().count(SHOW) == 2


@pytest.mark.parametrize("interruption", [ValueError, KeyboardInterrupt])
def test_the_cursor_comes_back_after_an_error_or_ctrl_c(interruption: type[BaseException]) -> None:
    tty = FakeTty()
    with pytest.raises(interruption), ProgressBars(tty) as bars:
        bars("检查", 100)(7)
        raise interruption()
    out = tty.getvalue()
    assert out.rindex(SHOW) > out.rindex(HIDE)
    assert "7/100" in out.rsplit(HIDE, 1)[-1] and "100%" not in out  # left where it stood


def test_no_bar_off_a_terminal() -> None:
    plain = io.StringIO()
    with ProgressBars(plain) as bars:
        bars("检查", 3)(3)
    assert plain.getvalue() == ""


def test_an_import_on_a_terminal_draws_on_stderr_and_restores_the_cursor(demo_file: Path, tmp_path: Path) -> None:
    env = {**os.environ, "RECTIFY_CONFIG": "", "RECTIFY_NOW": "2026-06-30T02:00:00+00:00", "TERM": "xterm"}
    sheet = tmp_path / "台账.csv"
    subprocess.run([sys.executable, "-m", "rectify.cli", "--db", str(demo_file), "--actor", DEMO_ACTOR, "ledger", "--as-of", AS_OF,
                    "--open", "--format", "csv", "-o", str(sheet)], check=True, capture_output=True, env=env, timeout=120)
    target = tmp_path / "new.sqlite"
    subprocess.run([sys.executable, "-m", "rectify.cli", "--db", str(target), "init"], check=True,
                   capture_output=True, env=env, timeout=120)
    code, text, stdout = _on_a_terminal(["--db", str(target), "org", "import", str(sheet)], env, stdout=False)
    assert code == 0, text
    assert stdout == ""  # the bar and the summary are on stderr
    assert "检查" in text and "100%" in text and "已导入 23 行" in text
    assert text.rindex(SHOW) > text.rindex(HIDE)
    assert not re.search(r"\d\d:\d\d:\d\d", text)
    # A refused import stops the bar where it stood and still gives the cursor back.
    rows = list(csv.reader(io.StringIO(sheet.read_text(encoding="utf-8-sig"))))
    broken = tmp_path / "坏.csv"
    with broken.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([*rows, ["乡" if c == "村" else c for c in rows[-1]]])
    code, text, _ = _on_a_terminal(["--db", str(target), "org", "import", str(broken)], env, stdout=False)
    assert code == 2 and "错误：导入失败" in text and f"第 {len(rows) + 1} 行" in text
    assert text.rindex(SHOW) > text.rindex(HIDE)


def test_no_bar_when_stderr_is_a_pipe(demo: Run, tmp_path: Path) -> None:
    sheet = tmp_path / "台账.csv"
    # open cases only: a relapse listed again puts its organization twice in the full ledger
    ok(demo("ledger", "--as-of", AS_OF, "--open", "--format", "csv", "-o", str(sheet)))
    result = ok(demo("org", "import", str(sheet), "--dry-run"))
    assert HIDE not in result.stderr and "\r" not in result.stderr and result.stdout == ""
