"""The click-free fast path of ``case show``, ``case list`` and the ledger table (rectify/cli/fast.py, issue 29).

It takes a command line only when it is plainly one of these reads, and prints what the click command prints:
each command line below runs both ways — :func:`rectify.cli.main` (the fast path, else the click root) and the
click root alone — and gives the same stdout, stderr and exit code; the ones meant for the fast path load no click,
the others fall back. Its table of options is held equal to the click declarations.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import Result

from rectify.cli.fast import ROOT, SPECS, Fallback, parse

from .conftest import DEMO_ACTOR, FakeClock

# Runs each command line in a child forked from a bare interpreter (the fast side imports nothing first; the click
# side imports the click root once), its stdout and stderr in files; prints [stdout, stderr, code, click loaded].
RUNNER = r"""
import json, os, sys, traceback
side, variants, tmp = sys.argv[1], json.load(open(sys.argv[2], encoding="utf-8")), sys.argv[3]
if side == "click":
    from rectify.cli.root import main
results = []
for n, (argv, env) in enumerate(variants):
    paths = [os.path.join(tmp, f"{side}-{n}.{x}") for x in ("out", "err", "click")]
    pid = os.fork()
    if pid == 0:
        for fd, path in ((1, paths[0]), (2, paths[1])):
            os.dup2(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC), fd)
        for k, v in env.items():
            os.environ.pop(k, None) if v is None else os.environ.__setitem__(k, v)
        sys.argv = ["rectify", *argv]
        code = 0
        try:
            if side == "fast":
                from rectify.cli import main
            main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
        except BaseException:
            traceback.print_exc()
            code = 99
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except Exception:
            pass
        open(paths[2], "w").write(str("click" in sys.modules))
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    out, err, loaded = (open(p, "rb").read().decode("utf-8", "replace") for p in paths)
    results.append([out, err, os.waitstatus_to_exitcode(status), loaded == "True"])
print(json.dumps(results))
"""

Variant = tuple[list[str], dict[str, str | None]]

FAST: list[Variant] = [(argv.split(), env) for argv, env in [
    ("case show 1", {}),
    ("case show 1 --format json", {}),
    ("case show 1 --format=json --mask-phones", {}),
    ("case show --mask-phones 7", {}),
    ("-q case show 1", {}),
    ("case -q show 1", {}),
    ("case --quiet show 1 -q", {}),
    ("case list", {}),
    ("case list --open", {}),
    ("case list --all --open --county 青山县", {}),
    ("case list --open --all", {}),
    ("case list --county=青山县 --format csv", {}),
    ("case list --format json --light 红", {}),
    ("case list --light red --kind 村", {}),
    ("case list --kind community --format csv", {}),
    ("case list --stage identified", {}),
    ("case list --stage 已建台账 --format json", {}),
    ("case list --year 2026 --supervised", {}),
    ("case list --year 2025", {}),
    ("case list --township 河口镇 --county 青山县", {}),
    ("case list --township 不存在镇", {}),
    ("case list --county 青山县 --county 绿水县", {}),
    ("ledger", {}),
    ("ledger --county 青山县", {}),
    ("ledger --open --sort deadline --width 100", {}),
    ("ledger --sort 时限 --layout 全表 --format table", {}),
    ("ledger --kind village --light yellow", {}),
    ("ledger --township 城关镇 --width=60", {}),
    ("ledger --county 青山县", {"FORCE_COLOR": "1"}),
    ("ledger", {"COLUMNS": "90"}),
    ("case list --light orange", {"NO_COLOR": "1"}),
]]

FALLBACK: list[Variant] = [(argv.split(), env) for argv, env in [
    ("case show 99999", {}),
    ("case show", {}),
    ("case show 1 2", {}),
    ("case show 1 --format xml", {}),
    ("case show 1 --format JSON", {}),
    ("case show 1 --help", {}),
    ("case show 1 -h", {}),
    ("--help", {}),
    ("case show -- 1", {}),
    ("case show -5", {}),
    ("case show 1 --mask-phones=yes", {}),
    ("case show 1 --as-of 2026-06-30", {}),
    ("case show 1 --known-on 2026-06-30", {}),
    ("case history 1", {}),
    ("case show 1", {"RECTIFY_NOW": "yesterday"}),
    ("case show 1", {"_RECTIFY_COMPLETE": "bash_complete", "COMP_WORDS": "rectify case sh", "COMP_CWORD": "2"}),
    ("case list --light purple", {}),
    ("case list --light 红灯", {}),
    ("case list --kind VILLAGE", {}),
    ("case list --year 99999", {}),
    ("case list --year abc", {}),
    ("case list --year 02026", {}),
    ("case list --year 1800", {}),
    ("case list --bogus", {}),
    ("case list --county", {}),
    ("case list --county --open", {}),
    ("case list extra", {}),
    ("case list --as-of 2026-06-30", {}),
    ("case list --open=1", {}),
    ("ledger --format csv", {}),
    ("ledger --format", {}),
    ("ledger --width 10", {}),
    ("ledger -o -", {}),
    ("ledger --known-on 2026-06-30", {}),
    ("ledger --sort random", {}),
    ("ledger --verbose", {}),
    ("--version", {}),
    ("--db", {}),
    ("case", {}),
    ("cases show 1", {}),
    ("leger", {}),
    ("stats", {}),
    ("--actor 不认识的人 case list", {}),
    ("case show 12", {"RECTIFY_ACTOR": None}),  # the login, whom the registry does not know
]]


def _both(variants: list[Variant], base: dict[str, str], tmp: Path) -> tuple[list[Any], list[Any]]:
    spec = tmp / "variants.json"
    spec.write_text(json.dumps(variants, ensure_ascii=False), encoding="utf-8")
    sides = []
    for side in ("fast", "click"):
        done = subprocess.run([sys.executable, "-c", RUNNER, side, str(spec), str(tmp)], capture_output=True,
                              text=True, env=base, timeout=600)
        assert done.returncode == 0, done.stderr
        sides.append(json.loads(done.stdout))
    return sides[0], sides[1]


def _env(clock: FakeClock, tmp_path: Path, db_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "NO_COLOR", "COLUMNS", "RECTIFY_DEBUG")}
    return {**env, "RECTIFY_NOW": clock.now.isoformat(), "RECTIFY_CONFIG": "", "RECTIFY_DB": db_url,
            "RECTIFY_ACTOR": DEMO_ACTOR, "XDG_CONFIG_HOME": str(tmp_path / "no-config"), "TERM": "xterm"}


def test_each_command_line_prints_the_same_both_ways(demo: Callable[..., Result], db_url: str, clock: FakeClock,
                                                     tmp_path: Path) -> None:
    """Same stdout, stderr and exit code; on SQLite the plain reads load no click, everything else falls back."""
    good, bad = tmp_path / "good.toml", tmp_path / "bad.toml"
    good.write_text('[lights]\nyellow = 0.4\n\n[policy]\ntimezone = "Asia/Shanghai"\n', encoding="utf-8")
    bad.write_text('[policy]\nmin_deadline_days = "8"\n', encoding="utf-8")
    configs: list[Variant] = [
        (["--config", str(good), "case", "list", "--open"], {}), (["ledger"], {"RECTIFY_CONFIG": str(good)}),
        (["--config", str(bad), "case", "show", "1"], {}), (["case", "list"], {"RECTIFY_CONFIG": str(bad)}),
        (["--config", str(tmp_path), "case", "show", "1"], {}),
        (["--config", str(tmp_path / "missing.toml"), "ledger"], {}),
        (["--db", str(tmp_path / "none.sqlite"), "case", "show", "1"], {}),
        (["--db", db_url, "--actor", DEMO_ACTOR, "case", "show", "3"], {"RECTIFY_DB": None, "RECTIFY_ACTOR": None}),
        (["--db=" + db_url, "--actor=" + DEMO_ACTOR, "-q", "ledger", "--open"], {"RECTIFY_DB": ""}),
    ]
    # On PostgreSQL every line falls back: the lines meant for the fast path and a few others are enough.
    variants = FAST + FALLBACK + configs if db_url.startswith("sqlite") else FAST + FALLBACK[:6] + configs[-2:]
    fast, slow = _both(variants, _env(clock, tmp_path, db_url), tmp_path)
    for (argv, env), f, s in zip(variants, fast, slow, strict=True):
        assert f[:3] == s[:3], (argv, env)
        assert s[3], argv
    meant = FAST + configs[:2] + configs[-2:] if db_url.startswith("sqlite") else []
    took = [not f[3] for f in fast]
    assert took == [v in meant for v in variants]
    assert [v for v, f, t in zip(variants, fast, took, strict=True) if t and not (f[2] == 0 and f[0])] == []
    shown = [f[0] for f in fast[:len(FAST)]]
    assert "当前阶段" in shown[0] and "共" in shown[FAST.index((["ledger"], {}))]


def _click_command(path: tuple[str, ...]) -> click.Command:
    from rectify.cli import cli

    ctx = click.Context(cli)
    command: Any = cli
    for word in path:
        command = command.get_command(ctx, word)
    return command  # type: ignore[no-any-return]


def _kind(param: click.Option) -> Any:
    """What the fast path's table says of an option's value, from its click type."""
    from rectify.cli.common import LabelledChoice, Whole

    t = param.type
    if isinstance(t, LabelledChoice):
        return t.labels
    if isinstance(t, click.Choice):
        return tuple(t.choices)
    if isinstance(t, Whole):
        return (t.lo, t.hi)
    if isinstance(t, click.IntRange):
        return (t.min, t.max)
    return "text" if t is click.STRING else t


@pytest.mark.parametrize("path", sorted(SPECS), ids=" ".join)
def test_the_fast_table_is_the_click_declaration(path: tuple[str, ...]) -> None:
    """Every option the fast path reads is the click command's, with the same parameter, value kind and default;
    the flags set what click's set; the argument is click's."""
    spec, command = SPECS[path], _click_command(path)
    options = {name: p for p in command.params if isinstance(p, click.Option) for name in (*p.opts, *p.secondary_opts)}
    for name, (key, kind) in spec.values.items():
        assert not options[name].is_flag and options[name].name == key, name
        declared = _kind(options[name])
        if isinstance(declared, tuple) and isinstance(declared[0], str):  # a choice: the fast path may take fewer
            assert set(kind) <= set(declared), name  # type: ignore[arg-type]
        else:
            assert declared == kind, name
    for name, (key, value) in spec.flags.items():
        opt = options[name]
        assert opt.is_flag and opt.name == key, name
        given = command.make_context("rectify", [name, *(["1"] if spec.argument else [])], resilient_parsing=True)
        assert given.params[key] is value, name
    arguments = [p.name for p in command.params if isinstance(p, click.Argument)]
    assert arguments == ([spec.argument] if spec.argument else [])
    read = {key for key, _ in (*spec.values.values(), *spec.flags.values())}
    bare = command.make_context("rectify", ["1"] if spec.argument else []).params
    assert spec.defaults == {k: v for k, v in bare.items() if k in read}
    assert set(spec.defaults) == read


def test_the_fast_root_is_the_click_root() -> None:
    from rectify.cli import cli

    options = {p.opts[0]: p for p in cli.params if isinstance(p, click.Option)}
    for name, (key, env) in ROOT.items():
        assert options[name].name == key and options[name].envvar == env and not options[name].is_flag
    assert set(options) - set(ROOT) == {"-q", "--version"}


@pytest.mark.parametrize("argv", [
    "case show 1 --format json", "--db x.sqlite case -q show --mask-phones QS01001",
    "case list --open --light 红 --kind village --year 2026", "ledger --sort 时限 --width 80 --all"])
def test_parse_reads_what_click_reads(argv: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The parameters the fast parser gives are those click gives the command."""
    from rectify.cli import cli

    monkeypatch.delenv("_RECTIFY_COMPLETE", raising=False)
    spec, _, params = parse(argv.split())
    args = argv.split()
    args = args[args.index(spec.path[-1]) + 1:]
    ctx = _click_command(spec.path).make_context("rectify", [a for a in args if a not in ("-q", "--quiet")],
                                                 parent=click.Context(cli))
    assert {k: v for k, v in ctx.params.items() if k in params} == params


@pytest.mark.parametrize("argv", ["case show", "case show 1 --format=", "--db", "case list --year 2026.0",
                                  "ledger --layout", "ledger --width 401", "case list -- --open", "case"])
def test_parse_falls_back_on_anything_not_plain(argv: str) -> None:
    with pytest.raises(Fallback):
        parse(argv.split())


def test_ctrl_c_on_the_fast_path_ends_as_on_the_click_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    """A blank line closing the terminal's ^C, then 已取消, exit 1 (click's Abort through the one error table)."""
    from rectify.cli import fast

    def interrupted(app: Any, params: dict[str, Any]) -> str:
        raise KeyboardInterrupt

    monkeypatch.setitem(fast.BODIES, ("case", "show"), interrupted)
    monkeypatch.setenv("RECTIFY_CONFIG", "")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.delenv("_RECTIFY_COMPLETE", raising=False)
    assert fast.run(["--db", str(tmp_path / "x.sqlite"), "case", "show", "1"]) == 1
    assert capsys.readouterr() == ("", "\n已取消\n")
