"""The ``rectify`` command (the console script's ``rectify.cli:main``).

:func:`main` first offers the command line to the click-free fast path (:mod:`rectify.cli.fast`), which runs
``case show``, ``case list`` and a ledger table when the line is plainly one of them; every other line — help, an
unknown or malformed option, completion, anything that goes wrong — runs the click root (:mod:`rectify.cli.root`),
so that its messages and exit codes are the only ones. ``from rectify.cli import cli`` imports that root.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rectify.cli.root import COMMANDS, RectifyGroup, cli

_ROOT = ("COMMANDS", "RectifyGroup", "cli")


def main() -> None:
    args = sys.argv[1:]
    if ("case" in args or "ledger" in args) and "--help" not in args:  # else not even the fast path's tables
        from rectify.cli.fast import run

        code = run(args)
        if code is not None:
            sys.exit(code)
    from rectify.cli.root import main as click_main

    click_main()


def __getattr__(name: str) -> Any:
    """The click root's names, imported on first use (the fast path never imports click)."""
    if name in _ROOT:
        from rectify.cli import root

        return getattr(root, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["COMMANDS", "RectifyGroup", "cli", "main"]
