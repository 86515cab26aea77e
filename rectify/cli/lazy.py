"""A click group whose subcommands are imported on first use (click's "lazy group", as poetry's command loader).

A group built on it names each command's module and attribute; ``rectify case show`` imports ``case_read``
and nothing of the commands that change a case.
"""

from __future__ import annotations

import importlib

import click

__all__ = ["LazyGroup"]


class LazyGroup(click.Group):
    """Subcommands from ``lazy`` (name → (module under rectify.cli, attribute)), imported when one is asked for."""

    def __init__(self, *args: object, lazy: dict[str, tuple[str, str]] | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.lazy = dict(lazy or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.lazy, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands or cmd_name not in self.lazy:
            return self.commands.get(cmd_name)
        module, attr = self.lazy[cmd_name]
        command: click.Command = getattr(importlib.import_module(f"rectify.cli.{module}"), attr)
        self.loaded(command)
        self.add_command(command, cmd_name)
        return command

    def loaded(self, command: click.Command) -> None:
        """What a group does to a command it has just imported (the root adds -q/--quiet)."""
        from rectify.cli.common import quiet_option

        command.context_class = self.context_class  # help measured as the group's (terminal cells)
        if not any(p.name == "quiet" for p in command.params):
            quiet_option(command)  # appends the option to command.params

    def resolve_command(self, ctx: click.Context,
                        args: list[str]) -> tuple[str | None, click.Command | None, list[str]]:
        """As click's, but a mistyped name is matched against every command (click only looks at the
        loaded ones, and here none is loaded before it runs): 没有这个命令 'leger'。（是不是要输入 'ledger'？）"""
        try:
            return super().resolve_command(ctx, args)
        except click.exceptions.NoSuchCommand as exc:
            if exc.possibilities:
                raise
            raise click.exceptions.NoSuchCommand(exc.command_name, possibilities=self.list_commands(ctx),
                                                 ctx=ctx) from None
