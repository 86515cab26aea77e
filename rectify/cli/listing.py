"""The ``--format`` flag every listing command shares and the one way a listing is printed (table, CSV or JSON),
over the renderers of :mod:`rectify.output`. click is imported only by the flag and :func:`emit`: the fast path
(:mod:`rectify.cli.fast`) prints the same text (:func:`emitted`) without it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from rectify.output import Column, render_csv, render_json, render_table

__all__ = ["emit", "emitted", "output_options"]


def output_options(formats: Sequence[str] = ("table", "csv", "json")) -> Callable[[Any], Any]:
    """The ``--format`` flag every listing command shares."""
    import click

    def decorator(fn: Any) -> Any:
        return click.option("--format", "fmt", type=click.Choice(list(formats)), default=formats[0],
                            show_default=True, help="输出格式。")(fn)

    return decorator


def emitted(rows: list[dict[str, Any]], columns: Sequence[Column], fmt: str, *, empty: str = "（无）",
            colour: Callable[[str, str, dict[str, Any]], str] | None = None, max_width: int = 30) -> str:
    """The listing as it is printed: JSON, CSV or a table (``empty`` when there are no rows)."""
    if fmt == "json":
        return render_json(rows) + "\n"
    if fmt == "csv":
        return render_csv(rows, columns)
    if not rows:
        return empty + "\n"
    return render_table(rows, columns, colour=colour, max_width=max_width) + "\n"


def emit(rows: list[dict[str, Any]], columns: Sequence[Column], fmt: str, *, empty: str = "（无）",
         colour: Callable[[str, str, dict[str, Any]], str] | None = None, max_width: int = 30) -> None:
    import click

    click.echo(emitted(rows, columns, fmt, empty=empty, colour=colour, max_width=max_width), nl=False)
