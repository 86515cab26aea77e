"""What every command module shares: the context object, option types and choices, the error table, output files.

Only click, the standard library and the dependency-free parts of the package are imported here; the
domain (SQLAlchemy, SQLModel, transitions) is imported inside the commands. The context object and the helpers
that need no click live in :mod:`rectify.cli.app` (the fast path shares them) and are re-exported here.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

import click

from rectify.cli.app import (  # noqa: F401  (re-exported: every command module imports them from here)
    PIPE_WIDTH,
    App,
    _login,
    colour_setting,
    light_label,
    reader,
    silence_stdout,
    stage_label,
    table_width,
    to_file,
    use_colour,
)
from rectify.config import ConfigError
from rectify.errors import BadInput, RectifyError
from rectify.output import OutputError, os_error_in, os_reason, write_file
from rectify.states.deadlines import LIGHT_LABELS
from rectify.states.stages import KINDS, SECRETARY_KINDS, STAGE_LABELS

if TYPE_CHECKING:
    from rectify.write.engine import Outcome

SECRETARY_KIND_CHOICES: tuple[str, ...] = tuple(SECRETARY_KINDS)


class LabelledChoice(click.Choice):  # type: ignore[type-arg]
    """A choice of English codes that also takes their Chinese labels (红, 村, 已整改) and any case of a code.

    The codes and labels come from ``states/`` (KINDS, STAGE_LABELS, LIGHT_LABELS); the value given to the
    command is always the code. Help shows the Chinese (``[督促|约谈|通报]``; :meth:`pairs` for the help text
    names the codes beside them) and completion offers both.
    """

    def __init__(self, labels: dict[str, str]) -> None:
        super().__init__(tuple(labels), case_sensitive=False)
        self.labels = dict(labels)
        self.by_label = {label: code for code, label in labels.items()}

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        text = str(value).strip()
        code = self.by_label.get(text) or self.by_label.get(text.removesuffix("灯"))
        return super().convert(code or text, param, ctx)

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        shown = "|".join(dict.fromkeys(self.labels.values()))
        return f"{{{shown}}}" if param.required and param.param_type_name == "argument" else f"[{shown}]"

    def get_invalid_choice_message(self, value: Any, ctx: click.Context | None) -> str:
        words, codes = "、".join(dict.fromkeys(self.labels.values())), "、".join(self.labels)
        return f"{value!r} 不是可选值之一（{words}，或 {codes}）。"

    def pairs(self) -> str:
        """``督促 urge、约谈 talk、通报 notify``: each label with the code a script types."""
        return "、".join(f"{label} {code}" if label != code else code for code, label in self.labels.items())

    def shell_complete(self, ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
        """Labels and codes that begin with what was typed (a code in any case), each with the other as help."""
        from click.shell_completion import CompletionItem

        typed = incomplete.casefold()
        items = [CompletionItem(label, help=code) for code, label in self.labels.items()
                 if label != code and label.startswith(incomplete)]
        items += [CompletionItem(code, help=label) for code, label in self.labels.items()
                  if code.casefold().startswith(typed)]
        return items


KIND = LabelledChoice(KINDS)
STAGE = LabelledChoice(STAGE_LABELS)
LIGHT = LabelledChoice(LIGHT_LABELS)


# The one table from error classes to exit codes: 1 a rule refused, 2 malformed input or usage.
# The first class the error is an instance of wins, so subclasses come before their bases.
EXIT_CODES: tuple[tuple[type[Exception], int], ...] = (
    (click.Abort, 1),
    (click.UsageError, 2),
    (OutputError, 2),
    (click.ClickException, 1),
    (ConfigError, 2),
    (BadInput, 2),
    (RectifyError, 1),
)

# click >= 8.2 raises this for a group called without a command; older clicks printed help and exited.
_NO_ARGS_IS_HELP: type[click.UsageError] | tuple[()] = getattr(click.exceptions, "NoArgsIsHelpError", ())


def exit_code(exc: Exception) -> int | None:
    """The exit code for ``exc`` from :data:`EXIT_CODES`; None for an error that is not ours (a bug)."""
    if isinstance(exc, click.exceptions.Exit):
        return exc.exit_code
    for cls, code in EXIT_CODES:
        if isinstance(exc, cls):
            return code
    return None


def report(exc: Exception) -> int:
    """Turn ``exc`` into one line on stderr and return the exit code."""
    if isinstance(exc, BrokenPipeError):  # a listing piped into ``head``: the reader has what it wanted
        silence_stdout()
        return 0
    code = exit_code(exc)
    if code is None and "permission denied" in str(getattr(exc, "orig", "")):
        # A database role without the right (an officer's read-only role, deploy/postgres-officer-roles.sql).
        click.echo("错误：当前数据库角色无权修改数据（只读角色），未写入任何内容；修改请经应用或操作员办理", err=True)
        return 1
    if code is None:
        if os.environ.get("RECTIFY_DEBUG"):
            raise exc
        first = str(exc).splitlines()[0] if str(exc) else ""
        click.echo(f"内部错误：{type(exc).__name__}: {first}（设置 RECTIFY_DEBUG=1 可查看详情，请报告此问题）",
                   err=True)
        return 1
    if isinstance(exc, click.exceptions.Exit):
        return code
    if isinstance(exc, _NO_ARGS_IS_HELP):
        # A bare group (``rectify``, ``rectify case``) asks for its help: that is no mistake.
        click.echo(exc.format_message(), color=exc.ctx.color if exc.ctx is not None else None)
        return 0
    if isinstance(exc, click.Abort):
        click.echo("已取消", err=True)
    elif isinstance(exc, click.UsageError):
        hint = f"（rectify {exc.ctx.command_path.partition(' ')[2]} --help 查看用法）".replace("  ", " ") \
            if exc.ctx is not None else ""
        message = re.sub(r"'\.(\s|$)", r"'。\1", exc.format_message())  # click's own full stop after a name
        click.echo(f"错误：{message}{hint}", err=True)
    elif isinstance(exc, click.ClickException):
        click.echo(f"错误：{exc.format_message()}", err=True)
    else:
        click.echo(f"错误：{exc}", err=True)
    return code


class DateType(click.ParamType):
    """A date in any form the import accepts: 2026-06-30, 2026/6/30, 2026.6.30, 2026年6月30日, 20260630."""

    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        from rectify.validation import parse_date

        if isinstance(value, date):
            return value
        try:
            parsed = parse_date(str(value))
        except BadInput as exc:
            self.fail(str(exc), param, ctx)
        if parsed is None:
            self.fail("日期不能为空（应为 2026-06-30、2026/6/30 或 2026年6月30日）", param, ctx)
        return parsed


DATE = DateType()


class Whole(click.ParamType):
    """A whole number within ``lo`` … ``hi`` by :func:`rectify.validation.integer`: a 20-digit number is
    malformed input (exit 2), never an overflow inside the database driver."""

    name = "INTEGER"

    def __init__(self, lo: int, hi: int) -> None:
        self.lo, self.hi = lo, hi

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        from rectify.validation import integer

        try:
            return integer(value, "", lo=self.lo, hi=self.hi)
        except BadInput as exc:
            self.fail(str(exc), param, ctx)


def whole(lo: int, hi: int | None = None) -> Whole:
    """``Whole(lo, hi)``; ``hi`` defaults to the validation layer's MAX_COUNT."""
    from rectify.validation import MAX_COUNT

    return Whole(lo, MAX_COUNT if hi is None else hi)


pass_app = click.make_pass_decorator(App)

# -- what is printed where: data on stdout; confirmations on stderr, silenced by -q; colour by the environment

QUIET_KEY = "rectify.quiet"


def quiet() -> bool:
    ctx = click.get_current_context(silent=True)
    return bool(ctx is not None and ctx.meta.get(QUIET_KEY))


def _set_quiet(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value:
        ctx.meta[QUIET_KEY] = True


quiet_option = click.option("-q", "--quiet", is_flag=True, expose_value=False, is_eager=True, callback=_set_quiet,
                            help="静默：只输出错误（供 cron 使用）。")


def say(message: str) -> None:
    """A confirmation or summary ("已写入 …"): on stderr, so stdout carries only data; nothing with -q."""
    if not quiet():
        click.echo(message, err=True)


def done(outcome: Outcome) -> None:
    say(outcome.describe())


# -- writing output files --------------------------------------------------------------------------

_BINARY_FORMATS = ("xlsx", "ics")


def write_output(output: str | None, fmt: str, write: Callable[[Any], Any], *, binary: bool | None = None) -> None:
    """Write to ``-o FILE`` via a temporary file renamed at the end (:func:`rectify.output.write_file`:
    never half-written, symlinks followed, devices refused), or to stdout (no -o, or ``-o -``)."""
    binary = fmt in _BINARY_FORMATS if binary is None else binary
    if to_file(output):
        assert output is not None
        write_file(output, write, binary=binary)
        return
    sys.stdout.flush()
    stream = sys.stdout.buffer
    if binary and stream.isatty():
        raise click.UsageError(f"{fmt} 是二进制格式，请用 -o 文件名 指定输出文件")
    try:
        if binary:
            write(stream)
            stream.flush()
        else:
            import io

            text = io.TextIOWrapper(stream, encoding="utf-8", newline="", write_through=True)
            try:
                write(text)
            finally:
                text.flush()
                text.detach()
    except Exception as exc:
        error = os_error_in(exc)  # XlsxWriter wraps the OSError it met
        if isinstance(error, BrokenPipeError):
            # The reader went away (``| head``): text ends quietly; binary output is cut short, exit 1.
            silence_stdout()
            raise click.exceptions.Exit(1 if binary else 0) from None
        if error is None:
            raise
        raise OutputError(f"无法写入标准输出：{os_reason(error)}") from None


class ProgressBars:
    """Progress bars on stderr, drawn only when stderr is a terminal (not in pipes, cron, tests, or with -q).

    Called as the importers' and writers' ``progress(label, total)``, it returns a ``tick(n)``. A bar
    appears with its first row (so a slow query before it does not count as row time), the previous bar
    is finished when the next starts, and leaving the ``with`` block finishes the last one: at 100 % when
    the job succeeded, where it stood otherwise — and the terminal cursor, which click hides while it
    draws, is shown again even after an error or Ctrl-C. No ETA: the totals are estimates (a CSV's
    physical lines), and an estimate of an estimate misled more than it helped.
    """

    def __init__(self, file: Any = None) -> None:
        self.file = sys.stderr if file is None else file
        isatty = getattr(self.file, "isatty", None)
        self.live = bool(isatty and isatty()) and not quiet()
        self._bar: Any = None

    def __enter__(self) -> ProgressBars:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *rest: Any) -> None:
        self._finish(complete=exc_type is None)

    def __call__(self, label: str, total: int) -> Callable[[int], None]:
        if not self.live:
            return _no_tick
        self._finish(complete=True)
        mine: list[Any] = []

        def tick(n: int) -> None:
            if not mine:
                self._bar = click.progressbar(length=max(total, 1), label=label, file=self.file, show_eta=False,
                                              show_pos=True, show_percent=True, color=use_colour(self.file))
                mine.append(self._bar)
                self._bar.render_progress()
            mine[0].update(n)

        return tick

    def _finish(self, *, complete: bool) -> None:
        bar, self._bar = self._bar, None
        if bar is None:
            return
        if complete:
            bar.pos = max(bar.pos, bar.length or 0)
            bar.finished = True
        bar.render_progress()
        bar.render_finish()


def _no_tick(n: int) -> None:
    return None


def progress_bar(file: Any = None) -> ProgressBars:
    """Progress bars for one job: ``with progress_bar() as progress: import_cases(..., progress=progress)``."""
    return ProgressBars(file)
