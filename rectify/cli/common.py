"""What every command module shares: the context object, option types and choices, the error table, output files.

Only click, the standard library and the dependency-free parts of the package are imported here; the
domain (SQLAlchemy, SQLModel, transitions) is imported inside the commands.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

import click

from rectify.config import ConfigError
from rectify.errors import BadInput, RectifyError
from rectify.output import os_reason
from rectify.states.deadlines import LIGHT_LABELS, Light
from rectify.states.stages import KINDS, SECRETARY_KINDS, STAGE_LABELS, Stage

if TYPE_CHECKING:
    from rectify.config import Config
    from rectify.states.permissions import Actor
    from rectify.workflow.engine import Outcome, Workflow
    from rectify.workflow.persistence import Database

KIND_CHOICES: tuple[str, ...] = tuple(KINDS)
STAGE_CHOICES: tuple[str, ...] = tuple(str(s) for s in Stage)
LIGHT_CHOICES: tuple[str, ...] = tuple(str(light) for light in Light)
SECRETARY_KIND_CHOICES: tuple[str, ...] = tuple(SECRETARY_KINDS)


class OutputError(click.ClickException):
    """A file we were asked to write cannot be written."""


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

_CLICK_PHRASES = (
    ("Missing option", "缺少选项"), ("Missing argument", "缺少参数"), ("No such option", "没有这个选项"),
    ("No such command", "没有这个命令"), ("Invalid value for", "取值无效"),
    ("Got unexpected extra argument", "多余的参数"), ("Got unexpected extra arguments", "多余的参数"),
    ("is not one of", "不是可选值之一"), ("is not a valid integer", "不是有效的整数"),
    ("requires an argument", "需要一个值"), ("is not in the range", "不在允许范围"),
    ("is a directory", "是一个目录"), ("does not exist", "不存在"), ("Invalid value", "取值无效"),
)


def _zh(message: str) -> str:
    for en, zh in _CLICK_PHRASES:
        message = message.replace(en, zh)
    return message


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
    code = exit_code(exc)
    if code is None:
        if os.environ.get("RECTIFY_DEBUG"):
            raise exc
        first = str(exc).splitlines()[0] if str(exc) else ""
        click.echo(f"内部错误：{type(exc).__name__}: {first}（设置 RECTIFY_DEBUG=1 可查看详情，请报告此问题）",
                   err=True)
        return 1
    if isinstance(exc, click.exceptions.Exit):
        return code
    if isinstance(exc, click.Abort):
        click.echo("已取消", err=True)
    elif isinstance(exc, click.UsageError):
        hint = f"（rectify {exc.ctx.command_path.partition(' ')[2]} --help 查看用法）".replace("  ", " ") \
            if exc.ctx is not None else ""
        click.echo(f"错误：{_zh(exc.format_message())}{hint}", err=True)
    elif isinstance(exc, click.ClickException):
        click.echo(f"错误：{_zh(exc.format_message())}", err=True)
    else:
        click.echo(f"错误：{exc}", err=True)
    return code


class DateType(click.ParamType):
    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value).strip())
        except ValueError:
            self.fail(f"日期格式应为 YYYY-MM-DD，收到 {value!r}", param, ctx)


DATE = DateType()


class App:
    """What every command needs, made on first use: configuration, database, workflow."""

    def __init__(self, db_url: str | None, config_path: str | None, actor: str | None) -> None:
        self.db_url = db_url
        self.config_path = config_path
        self.given_actor = actor  # --actor / RECTIFY_ACTOR as given; None when neither was
        self.actor = actor or _login()
        self._config: Config | None = None
        self._db: Database | None = None
        self._person: Actor | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            from rectify.config import find_config, load_config

            self._config = load_config(find_config(self.config_path)[0])
        return self._config

    def database(self, *, create: bool = False, check: bool = True) -> Database:
        if self._db is None:
            from rectify.workflow.persistence import open_database

            self._db = open_database(self.db_url or self.config.database.url or None, create=create, check=check)
        return self._db

    def close(self) -> None:
        if self._db is not None:
            self._db.dispose()
            self._db = None

    def clock(self) -> Any:
        """The wall clock, or the instant in RECTIFY_NOW (tests and replaying a day's work)."""
        from rectify.clock import fixed_clock, system_clock

        fixed = os.environ.get("RECTIFY_NOW")
        if not fixed:
            return system_clock
        from datetime import datetime

        try:
            at = datetime.fromisoformat(fixed)
        except ValueError:
            raise click.BadParameter(f"RECTIFY_NOW 应为带时区的 ISO 时间，收到 {fixed!r}") from None
        if at.tzinfo is None:
            raise click.BadParameter(f"RECTIFY_NOW 应为带时区的 ISO 时间，收到 {fixed!r}")
        return fixed_clock(at)

    def workflow(self) -> Workflow:
        from rectify.workflow.engine import Workflow

        return Workflow(self.database(), self.config, actor=self.person(), clock=self.clock())

    def person(self) -> Actor:
        """The actor (SPEC §12), resolved once: a registered person with role and scope, or a legacy name."""
        if self._person is None:
            from rectify.workflow.actors import resolve_actor

            self._person = resolve_actor(self.database(), self.config, self.given_actor)
        return self._person

    def today(self) -> date:
        return self.local_now().date()

    def local_now(self) -> Any:
        from zoneinfo import ZoneInfo

        return self.clock()().astimezone(ZoneInfo(self.config.policy.timezone))


def _login() -> str:
    try:
        import getpass

        return getpass.getuser()
    except Exception:
        return "unknown"


pass_app = click.make_pass_decorator(App)


def reader(app: App) -> Actor:
    """Who reads: every read command limits what it shows to this person's scope (SPEC §12)."""
    return app.person()


def done(outcome: Outcome) -> None:
    click.echo(outcome.describe())


def stage_label(stage: str) -> str:
    return f"{STAGE_LABELS[stage]} {stage}"


def light_label(light: str | None) -> str:
    return f"{LIGHT_LABELS[light]} {light}" if light else ""


# -- writing output files --------------------------------------------------------------------------

_BINARY_FORMATS = ("xlsx", "ics")


def table_width(width: int | None) -> int:
    if width:
        return width
    import shutil

    return max(80, min(160, shutil.get_terminal_size((120, 24)).columns))


def write_output(output: str | None, fmt: str, write: Callable[[Any], Any]) -> None:
    """Write to ``-o FILE`` via a temporary file renamed at the end (never half-written), or to stdout."""
    import io

    binary = fmt in _BINARY_FORMATS
    if output is None:
        sys.stdout.flush()
        stream = sys.stdout.buffer
        if binary and stream.isatty():
            raise click.UsageError(f"{fmt} 是二进制格式，请用 -o 文件名 指定输出文件")
        if binary:
            write(stream)
        else:
            text = io.TextIOWrapper(stream, encoding="utf-8", newline="", write_through=True)
            try:
                write(text)
            finally:
                text.flush()
                text.detach()
        return
    from pathlib import Path

    target = Path(output)
    part = target.with_name(target.name + ".part")
    try:
        if binary:
            with open(part, "wb") as fh:
                write(fh)
        else:
            with open(part, "w", encoding="utf-8", newline="") as fh:
                write(fh)
        os.replace(part, target)
    except OSError as exc:
        part.unlink(missing_ok=True)
        raise OutputError(f"无法写入文件 {target}：{os_reason(exc)}") from None
    except BaseException:
        part.unlink(missing_ok=True)
        raise


def progress_bar() -> Any:
    """A progress bar on stderr when stderr is a terminal; silent otherwise (pipes, cron, tests)."""
    if not sys.stderr.isatty():
        return lambda label, total: (lambda n: None)
    bars: list[Any] = []

    def start(label: str, total: int) -> Any:
        for bar in bars:
            bar.render_finish()
        bar = click.progressbar(length=max(total, 1), label=label, file=sys.stderr)
        bars.append(bar)
        return bar.update

    return start
