"""Officers' words (SPEC §2): a case is an 整顿对象 and opening one is 列入整顿; no Chinese text the product
prints says the disciplinary office's words. Checked in every template and message table of the package
(its Python strings, templates and catalogs) and in what the demo county prints."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

import rectify

# Spelled by code point, so this file does not hold the words it forbids.
FORBIDDEN = ("\u7acb\u6848", "\u6848\u4f8b")
PACKAGE = Path(rectify.__file__).parent
TEXT_SUFFIXES = {".py", ".txt", ".html", ".j2", ".po", ".toml", ".md"}


def _hits(text: str) -> list[str]:
    return [w for w in FORBIDDEN if w in text]


def test_no_file_of_the_package_says_them() -> None:
    """Every message table, template and catalog; old migrations keep their history as written."""
    found = {}
    for path in PACKAGE.rglob("*"):
        if path.suffix not in TEXT_SUFFIXES or "migrations" in path.parts:
            continue
        hits = _hits(path.read_text(encoding="utf-8"))
        if hits:
            found[str(path.relative_to(PACKAGE))] = hits
    assert found == {}


@pytest.mark.parametrize("command", [
    ("ledger",),
    ("ledger", "--format", "csv"),
    ("ledger", "--format", "json"),
    ("ledger", "--format", "html"),
    ("ledger", "--format", "ics"),
    ("stats",),
    ("case", "list"),
    ("org", "list"),
    ("remind", "run", "--dry-run"),
    ("case", "--help"),
    ("--help",),
])
def test_the_demo_prints_none_of_them(demo: Callable[..., Result], command: tuple[str, ...]) -> None:
    result = demo(*command)
    assert result.exit_code == 0, result.output
    assert result.output.strip()
    assert _hits(result.output) == []


def test_a_case_and_its_history_say_none_of_them(demo: Callable[..., Result]) -> None:
    cases = json.loads(demo("ledger", "--format", "json").output)["cases"]
    for row in cases[:: max(1, len(cases) // 8)]:
        for command in (("case", "show", str(row["case_id"])), ("case", "history", str(row["case_id"]))):
            result = demo(*command)
            assert result.exit_code == 0, result.output
            assert _hits(result.output) == [], command
    refused = demo("case", "show", "99999")
    assert refused.exit_code != 0 and _hits(refused.output) == []
