"""The ``rectify`` command: parses, calls the domain, prints. No SQL and no business rule here.

The root group knows every command's name and help line (:data:`COMMANDS`) and imports a command's
module only when that command runs (click's "lazy group", as poetry's command loader), so that
``rectify --help`` imports neither the domain nor its libraries.
"""

from __future__ import annotations

import gc
import importlib
import sys
from typing import Any, NamedTuple

import click

from rectify.cli.common import App, colour_setting, quiet_option, report
from rectify.cli.lazy import LazyGroup
from rectify.locale import install_click_catalog

install_click_catalog()


class LazyCommand(NamedTuple):
    module: str  # under rectify.cli
    attr: str
    help: str  # the first paragraph of the command's own help, for ``rectify --help``


COMMANDS: dict[str, LazyCommand] = {
    "case": LazyCommand("case", "case", "Rectification cases (整顿对象): open, walk through the stages, show."),
    "config": LazyCommand("config", "config_group",
                          "The configuration file (配置文件): write a commented sample, show the values in effect."),
    "demo": LazyCommand("admin", "demo",
                        "Build the demo county (青山县) in the database and print its ledger (演示台账)."),
    "export": LazyCommand("data", "export_cmd",
                          "Write a full backup as JSON Lines (全量导出备份); `rectify restore` reads it back."),
    "import": LazyCommand("data", "import_group", "Bulk import helpers (批量导入)."),
    "init": LazyCommand("admin", "init", "Create or upgrade the database schema (建库/升级)."),
    "ledger": LazyCommand("ledger", "ledger",
                          "The 限期转化台账: one row per case, open cases first by 乡镇 and code (--sort deadline)."),
    "notice": LazyCommand("notice", "notice",
                          "Notices as documents (文书): 整改通知书, 挂牌督办通知书, 公示, 销号批复, 验收评分表, "
                          "民主测评表."),
    "org": LazyCommand("org", "org", "Grassroots Party organizations (基层党组织)."),
    "people": LazyCommand("people", "people",
                          "The people registry (人员登记): who may sign a change, their role and scope."),
    "outbox": LazyCommand("remind", "outbox",
                          "The outbox of reminder digests (发件箱): what was recorded, sent, or failed."),
    "remind": LazyCommand("remind", "remind",
                          "Deadline reminders and overdue alerts (到期提醒、逾期预警), sent by e-mail once."),
    "report": LazyCommand("reporting", "report",
                          "向市委组织部报送（报送）：县报送台账、统计表和名单，市接收、退回、汇总。"),
    "restore": LazyCommand("data", "restore_cmd",
                           "Restore a full backup into an empty database (从备份恢复); a non-empty one is refused."),
    "security": LazyCommand("security", "security",
                            "Security settings (安全设置), kept in the database and set by an admin."),
    "keys": LazyCommand("security", "keys",
                        "Show the public part of the installation's signing key (签名公钥); made on first use."),
    "scheduler": LazyCommand("remind", "scheduler", "The reminder scheduler daemon (定时提醒服务, APScheduler)."),
    "serve": LazyCommand("web", "serve",
                         "Serve the web front (网页端) on the same database and configuration as the commands."),
    "screening": LazyCommand("screening", "screening",
                             "年度排查（排查）：自查、乡镇复查、县级核查、研判、县委常委会确定名单，按名单列入整顿。"),
    "stats": LazyCommand("ledger", "stats",
                         "Statistics (统计): by stage, light, problem type, kind, township; conversion rate; "
                         "overdue list; and the Party statistics form 整顿软弱涣散基层党组织情况 (总计/村/社区, 26 "
                         "columns; the columns the data cannot answer are left empty and marked 人工填报)."),
}


class RectifyGroup(LazyGroup):
    """Loads a command's module on first use, and turns every error into one line on stderr and an exit code."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMANDS, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands or cmd_name not in COMMANDS:
            return self.commands.get(cmd_name)
        lazy = COMMANDS[cmd_name]
        command: click.Command = getattr(importlib.import_module(f"rectify.cli.{lazy.module}"), lazy.attr)
        _with_quiet(command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """As click's, but from :data:`COMMANDS`: listing the commands imports none of them."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = [(name, click.Command(name, help=COMMANDS[name].help).get_short_help_str(limit)) for name in names]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            # A listing piped into ``head``: the reader has what it wanted (click itself would exit 1).
            raise click.exceptions.Exit(report(BrokenPipeError())) from None

    def main(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        standalone = kwargs.pop("standalone_mode", True)
        try:
            rv = super().main(*args, standalone_mode=False, **kwargs)  # type: ignore[call-overload]
        except Exception as exc:
            rv = report(exc)
        # Everything still alive is about to be freed by the interpreter anyway; freezing it spares the
        # exit-time garbage collection a walk over every SQLAlchemy and pydantic object (~0.3 s per command).
        gc.freeze()
        if standalone:
            sys.exit(rv or 0)
        return rv


def _with_quiet(command: click.Command) -> None:
    """Every command takes -q/--quiet where it is typed (``rectify remind run -q``), as the root does."""
    if not any(p.name == "quiet" for p in command.params):
        quiet_option(command)  # appends the option to command.params
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _with_quiet(sub)


@click.group(cls=RectifyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.option("--db", "db_url", envvar="RECTIFY_DB", metavar="URL",
              help="Database URL or SQLite file (RECTIFY_DB). Default: rectify.sqlite in the user data directory.")
@click.option("--config", "config_path", envvar="RECTIFY_CONFIG", type=click.Path(dir_okay=False),
              help="TOML configuration file (RECTIFY_CONFIG).")
@click.option("--actor", envvar="RECTIFY_ACTOR", help="Who is making the change (RECTIFY_ACTOR). Default: login name.")
@quiet_option
@click.version_option(package_name="rectify")
@click.pass_context
def cli(ctx: click.Context, db_url: str | None, config_path: str | None, actor: str | None) -> None:
    """rectify — 整顿软弱涣散基层党组织 case tracking: cases, deadlines, reminders and the 限期转化台账.

    \b
    Example:
      rectify demo                     build the demo county (青山县) and print its ledger
      rectify case show QS01001        one case in full
      rectify ledger --format xlsx -o 台账.xlsx
      rectify -q remind run            errors only (for cron); NO_COLOR=1 turns colour off
    """
    ctx.color = colour_setting()  # NO_COLOR, TERM=dumb, FORCE_COLOR; None: colour only on a terminal
    ctx.obj = App(db_url, config_path, actor)
    if ctx.invoked_subcommand != "config":  # `config init --force` must be able to replace a broken file
        ctx.obj.config  # noqa: B018  (a bad configuration file is reported before anything else)
    ctx.call_on_close(ctx.obj.close)


def main() -> None:
    cli(prog_name="rectify")


__all__ = ["COMMANDS", "RectifyGroup", "cli", "main"]
