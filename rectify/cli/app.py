"""What a command needs that needs no click: the context object (:class:`App`), who reads, colour, the table's
width and the stage and light in words.

The click commands (through :mod:`rectify.cli.common`, which re-exports these) and the click-free fast path
(:mod:`rectify.cli.fast`) share them, so that a read prints the same either way.
"""

from __future__ import annotations

import os
import sys
from datetime import date
from typing import TYPE_CHECKING, Any

from rectify.errors import BadInput
from rectify.states.deadlines import LIGHT_LABELS
from rectify.states.stages import STAGE_LABELS

if TYPE_CHECKING:
    from rectify.config import Config
    from rectify.service import Service
    from rectify.states.permissions import Actor
    from rectify.store import Database
    from rectify.write.engine import Workflow

__all__ = ["PIPE_WIDTH", "App", "colour_setting", "light_label", "reader", "silence_stdout", "stage_label",
           "table_width", "to_file", "use_colour"]


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
        self._service: Service | None = None
        self._clock: Any = None
        self._light: Any = None  # the light read path (rectify.store.light), False when not for this database

    @property
    def config(self) -> Config:
        if self._config is None:
            from rectify.config import find_config, load_config

            found = find_config(self.config_path)[0]
            self._config = load_config(found)
            if found is not None:
                from rectify.output import protect

                protect(found)
        return self._config

    def database(self, *, create: bool = False, check: bool = True) -> Database:
        if self._db is None:
            from rectify.store import open_database

            self._db = open_database(self.db_url or self.config.database.url or None, create=create, check=check)
        return self._db

    def light(self) -> Any:
        """The light read path on this command's SQLite file (:mod:`rectify.store.light`: no SQLAlchemy), or
        None: another database, or one not at this schema (SQLAlchemy's path then opens it or says why not)."""
        if self._light is None:
            from rectify.store.plain import resolve_url

            url = resolve_url(self.db_url or self.config.database.url or None)
            self._light = False
            if url.startswith("sqlite:"):  # PostgreSQL: not even the sqlite3 module is loaded
                from rectify.store.light import open_light

                self._light = open_light(url) or False
        return self._light or None

    def close(self) -> None:
        if self._light:
            self._light.close()
            self._light = None
        if self._db is not None:
            self._db.dispose()
            self._db = None
            self._service = None

    def clock(self) -> Any:
        """The wall clock, or the instant in RECTIFY_NOW (tests and replaying a day's work) — for an operator.

        A per-officer PostgreSQL role (``actor_from_database``) cannot set the time: RECTIFY_NOW is refused
        and the time is the database server's (SPEC §12)."""
        if self._clock is None:
            self._clock = self._make_clock()
        return self._clock

    def _per_officer(self) -> bool:
        from rectify.store.plain import resolve_url

        url = resolve_url(self.db_url or os.environ.get("RECTIFY_DB") or self.config.database.url or None)
        if not url.startswith("postgresql"):
            return False
        from rectify.write.actors import per_officer_session

        return per_officer_session(self.database(), self.config)

    def _make_clock(self) -> Any:
        from rectify.clock import checked_clock, fixed_clock, system_clock

        fixed = os.environ.get("RECTIFY_NOW")
        if not fixed:
            if self._per_officer():
                from rectify.store.security import database_clock

                return checked_clock(database_clock(self.database()))
            return checked_clock(system_clock)
        from datetime import datetime

        try:
            at = datetime.fromisoformat(fixed)
        except ValueError:
            at = None
        if at is None or at.tzinfo is None:
            import click  # a usage error, reported by the click root (the fast path hands it over)

            raise click.BadParameter(f"RECTIFY_NOW 应为带时区的 ISO 时间，收到 {fixed!r}") from None
        if self._per_officer():
            raise BadInput("RECTIFY_NOW 只供操作员使用（SQLite 文件或应用角色）；以个人数据库角色登录时，"
                           "时间由数据库服务器决定，请取消 RECTIFY_NOW")
        clock = checked_clock(fixed_clock(at))
        clock()  # a year beyond 1900–2100 is refused before anything is read or written
        return clock

    @property
    def service(self) -> Service:
        """The application layer (:class:`rectify.service.Service`) on this command's database, config and clock."""
        if self._service is None:
            from rectify.service import Service

            self._service = Service(self.database(), self.config, self.clock())
        return self._service

    def workflow(self) -> Workflow:
        return self.service.engine(self.person())

    def person(self) -> Actor:
        """The actor (SPEC §12), resolved once: a registered person with role and scope, or a legacy name."""
        if self._person is None:
            from dataclasses import replace

            self._person = replace(self.service.identify(self.given_actor), operator=_login())
        return self._person

    def today(self) -> date:
        return self.local_now().date()

    def local_now(self) -> Any:
        from zoneinfo import ZoneInfo

        return self.clock()().astimezone(ZoneInfo(self.config.policy.timezone))


def _login() -> str:
    """The system login, as :func:`getpass.getuser` finds it (without importing getpass, which loads termios)."""
    for name in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        user = os.environ.get(name)
        if user:
            return user
    try:
        import pwd

        return pwd.getpwuid(os.getuid())[0]
    except Exception:
        return "unknown"


def reader(app: App) -> Actor:
    """Who reads: every read command limits what it shows to this person's scope (SPEC §12). Found on the light
    read path when it plainly can be (:func:`rectify.reports.light.person`), else through the registry's rules."""
    if app._person is None and (light := app.light()) is not None:
        from rectify.frozen import replace  # dataclasses.replace, without loading dataclasses on a read
        from rectify.reports.light import person

        found = person(light, app.config, app.given_actor, _login())
        if found is not None:
            app._person = replace(found, operator=_login())
    return app.person()


def colour_setting(env: Any = None) -> bool | None:
    """True/False when the environment decides (FORCE_COLOR on; NO_COLOR or TERM=dumb off), else None.

    NO_COLOR (https://no-color.org) with any value wins over FORCE_COLOR.
    """
    env = os.environ if env is None else env
    if "NO_COLOR" in env:
        return False
    if env.get("FORCE_COLOR"):
        return True
    if env.get("TERM") == "dumb":
        return False
    return None


def use_colour(stream: Any = None) -> bool:
    """Whether to colour what goes to ``stream`` (stdout by default): the environment, else is it a terminal."""
    setting = colour_setting()
    if setting is not None:
        return setting
    stream = sys.stdout if stream is None else stream
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def stage_label(stage: str) -> str:
    """The stage in words (已整改); its code only in JSON and where it is typed."""
    return STAGE_LABELS.get(stage, stage)


def light_label(light: str | None) -> str:
    return LIGHT_LABELS.get(light, light) if light else ""


PIPE_WIDTH = 100_000  # a pipe or a file: every column, whole (up to each column's cap)


def table_width(width: int | None) -> int:
    """--width, else ``COLUMNS``, else the terminal's width; a pipe without ``COLUMNS`` takes the full width."""
    if width:
        return width
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return max(40, int(columns))
    if not sys.stdout.isatty():
        return PIPE_WIDTH
    import shutil  # only for a terminal: a pipe's read spares its import

    return max(40, shutil.get_terminal_size((120, 24)).columns)


def to_file(output: str | None) -> bool:
    """Whether ``-o`` names a file (not given, or ``-o -``, is stdout)."""
    return output is not None and output != "-"


def silence_stdout() -> None:
    """Point stdout at /dev/null so that the interpreter's last flush does not meet the closed pipe again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
