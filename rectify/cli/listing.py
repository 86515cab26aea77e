"""The ``--format`` flag every listing command shares and the one way a listing is printed (table, CSV or JSON),
over the renderers of :mod:`rectify.output`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import click

from rectify.output import Column, render_csv, render_json, render_table

__all__ = ["emit", "output_options"]


def output_options(formats: Sequence[str] = ("table", "csv", "json")) -> Callable[[Any], Any]:
    """The ``--format`` flag every listing command shares."""

    def decorator(fn: Any) -> Any:
        return click.option("--format", "fmt", type=click.Choice(list(formats)), default=formats[0],
                            show_default=True, help="输出格式。")(fn)

    return decorator


def emit(rows: list[dict[str, Any]], columns: Sequence[Column], fmt: str, *, empty: str = "（无）",
         colour: Callable[[str, str, dict[str, Any]], str] | None = None, max_width: int = 30) -> None:
    if fmt == "json":
        click.echo(render_json(rows))
    elif fmt == "csv":
        click.echo(render_csv(rows, columns), nl=False)
    elif not rows:
        click.echo(empty)
    else:
        click.echo(render_table(rows, columns, colour=colour, max_width=max_width))
