"""A read command starts light: the real CLI, in a process of its own, loads no ORM, no pydantic and no other
database's dialect (issue 18), and no write command's module (issue 29). On SQLite it loads no SQLAlchemy at all:
its statements, compiled once (rectify/store/compiled.py), run on sqlite3 (rectify/store/light.py), and it loads no
click (the fast path, rectify/cli/fast.py); on PostgreSQL they run on the generated Core tables (schema.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from tests.conftest import DEMO_ACTOR, FakeClock

# Never on a read: the ORM and what SQLModel brings, the write side's machinery, the config file's checker.
HEAVY = ("pydantic", "pydantic_core", "sqlmodel", "sqlalchemy.orm", "sqlalchemy.ext.asyncio", "alembic",
         "transitions", "annotated_types", "tomllib", "openpyxl", "xlsxwriter", "jinja2", "apscheduler")
# The modules of the commands that change something: a read command imports none of them (issue 29).
WRITE_COMMANDS = tuple(f"rectify.cli.{m}" for m in (
    "case_write", "case_verification", "case_tracks", "case_supervision", "case_consolidation", "case_evidence",
    "data", "admin", "people", "org", "remind", "reporting", "screening", "security", "notice", "web"))
OTHER_DIALECT = {"sqlite": ("psycopg", "sqlalchemy.dialects.postgresql"),
                 "postgresql": ("sqlite3", "sqlalchemy.dialects.sqlite")}
PROBE = ("import atexit, sys\n"
         "atexit.register(lambda: print('\\nMODULES', ' '.join(sorted(sys.modules))))\n"
         "from rectify.cli import main\nmain()\n")


def _loaded(db_url: str, clock: FakeClock, tmp_path: Path, *args: str) -> tuple[str, list[str]]:
    env = {**os.environ, "RECTIFY_NOW": clock.now.isoformat(), "RECTIFY_CONFIG": "",
           "XDG_CONFIG_HOME": str(tmp_path / "no-config")}
    done = subprocess.run([sys.executable, "-c", PROBE, "--db", db_url, "--actor", DEMO_ACTOR, *args],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    output, _, modules = done.stdout.rpartition("\nMODULES ")
    return output, modules.split()


def _heavy(modules: list[str], names: tuple[str, ...]) -> list[str]:
    return [m for m in modules if any(m == n or m.startswith(n + ".") for n in names)]


@pytest.mark.parametrize(("args", "shows"), [
    (("case", "show", "1"), "当前阶段"),
    (("case", "list"), "剩余天数"),
    (("ledger",), "共 44 个整顿对象"),
    (("case", "show", "1", "--format", "json"), '"stage"'),
    (("case", "list", "--open", "--county", "青山县"), "剩余天数"),
    (("ledger", "--county", "青山县"), "共"),
    (("ledger", "--format", "csv"), "序号"),
], ids=" ".join)
def test_a_read_command_loads_no_orm_and_no_other_dialect(demo: Callable[..., Result], db_url: str,
                                                          clock: FakeClock, tmp_path: Path,
                                                          args: tuple[str, ...], shows: str) -> None:
    output, modules = _loaded(db_url, clock, tmp_path, *args)
    assert shows in output
    backend = "sqlite" if db_url.startswith("sqlite") else "postgresql"
    assert _heavy(modules, HEAVY) == []
    assert _heavy(modules, WRITE_COMMANDS) == []
    assert _heavy(modules, OTHER_DIALECT[backend]) == []
    if backend == "sqlite":
        assert _heavy(modules, ("sqlalchemy",)) == []
        assert "rectify.store.light" in modules  # the probe sees what the command really loaded
        if "csv" in args:  # a file format goes through click (rectify/cli/fast.py takes the three screen reads)
            return
        # …nor click: the fast path (rectify/cli/fast.py) runs it, nor the click root and its commands' modules
        assert _heavy(modules, ("click", "rectify.cli.root", "rectify.cli.common", "rectify.cli.case_read",
                                "rectify.cli.ledger", "rectify.cli.helpfmt")) == []
        # …nor dataclasses (and its inspect): the configuration's and the states' classes are rectify.frozen's
        assert _heavy(modules, ("dataclasses", "inspect")) == []
    else:
        assert f"sqlalchemy.dialects.{backend}" in modules


def test_a_write_command_still_runs_on_the_same_tables(demo: Callable[..., Result], db_url: str,
                                                       clock: FakeClock, tmp_path: Path) -> None:
    """…and loads neither SQLModel nor pydantic: the engine reads column lengths from the Core tables."""
    _, modules = _loaded(db_url, clock, tmp_path, "case", "progress", "22", "--on", "2026-06-30",
                         "--note", "召开党员大会")
    assert _heavy(modules, ("sqlmodel", "pydantic", "pydantic_core")) == []
    output, _ = _loaded(db_url, clock, tmp_path, "case", "history", "1")
    assert "填报月度进展" in output


def test_the_case_group_names_every_command_of_its_modules() -> None:
    """``rectify case`` imports a command's module when it runs: its table names each command every module has."""
    import importlib

    from rectify.cli.case import case

    modules = {module for module, _ in case.lazy.values()}
    declared = {(c.name, module) for module in modules
                for c in importlib.import_module(f"rectify.cli.{module}").COMMANDS}
    assert declared == {(name, module) for name, (module, _) in case.lazy.items()}
    for name, (module, attr) in case.lazy.items():
        assert getattr(importlib.import_module(f"rectify.cli.{module}"), attr).name == name


@pytest.mark.parametrize("xdg", [None, "", "  ", "/tmp/xdg-config"])
def test_the_user_configuration_file_is_where_platformdirs_says(monkeypatch: pytest.MonkeyPatch,
                                                                xdg: str | None) -> None:
    """``user_config_file`` follows platformdirs' rule without importing it on every command."""
    import platformdirs

    from rectify.config import user_config_file

    if xdg is None:
        monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    else:
        monkeypatch.setenv("XDG_CONFIG_HOME", xdg)
    assert user_config_file() == platformdirs.user_config_path("rectify") / "rectify.toml"
