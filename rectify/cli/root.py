"""The ``rectify`` command's click root: parses, calls the domain, prints. No SQL and no business rule here.

:func:`rectify.cli.main` runs it for every command line the click-free fast path (:mod:`rectify.cli.fast`) does
not take. The root group knows every command's name and help line (:data:`COMMANDS`) and imports a command's
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
from rectify.cli.helpfmt import Context, install_short_help
from rectify.cli.lazy import LazyGroup
from rectify.locale import install_click_catalog

install_click_catalog()
install_short_help()


class LazyCommand(NamedTuple):
    module: str  # under rectify.cli
    attr: str
    help: str  # the first paragraph of the command's own help, for ``rectify --help``


COMMANDS: dict[str, LazyCommand] = {
    "case": LazyCommand("case", "case", "整顿对象（case）：列入整顿，按阶段办理，查看。"),
    "config": LazyCommand("config", "config_group", "配置文件（config）：写出带注释的样例，显示生效的配置。"),
    "demo": LazyCommand("admin", "demo", "在数据库中建立演示县（青山县）并打印其限期转化台账。"),
    "export": LazyCommand("data", "export_cmd", "全量导出备份（JSON Lines）；rectify restore 读回。"),
    "import": LazyCommand("data", "import_group", "批量导入的辅助命令（导入模板）。"),
    "init": LazyCommand("admin", "init", "建立或升级数据库结构（建库/升级）。"),
    "ledger": LazyCommand("ledger", "ledger",
                          "限期转化台账：每个整顿对象一行，在办的在前，按乡镇和编号排列（--sort deadline 按时限）。"),
    "notice": LazyCommand("notice", "notice",
                          "文书：整改通知书、挂牌督办通知书、公示、销号批复、验收评分表、民主测评表。"),
    "org": LazyCommand("org", "org", "基层党组织（org）：登记、列出、导入。"),
    "people": LazyCommand("people", "people", "人员登记（people）：谁可以签署变更，其角色和范围。"),
    "outbox": LazyCommand("remind", "outbox", "发件箱（outbox）：已记录、已发送或发送失败的提醒摘要。"),
    "remind": LazyCommand("remind", "remind", "到期提醒、逾期预警（remind）：按邮件等渠道发送，只发一次。"),
    "report": LazyCommand("reporting", "report",
                          "向市委组织部报送（报送）：县报送台账、统计表和名单，市接收、退回、汇总。"),
    "restore": LazyCommand("data", "restore_cmd", "从备份恢复到空数据库；非空的数据库拒绝恢复。"),
    "security": LazyCommand("security", "security", "安全设置（security）：保存在数据库中，由管理员设置。"),
    "keys": LazyCommand("security", "keys", "显示本安装签名密钥的公钥（签名公钥）；首次使用时生成。"),
    "scheduler": LazyCommand("remind", "scheduler", "定时提醒服务（scheduler，APScheduler）。"),
    "serve": LazyCommand("web", "serve", "启动网页端，与命令行使用同一数据库和配置。"),
    "snapshot": LazyCommand("admin", "snapshot", "按月末保存各整顿对象的状态，供回溯查询（--as-of）。"),
    "screening": LazyCommand("screening", "screening",
                             "年度排查（排查）：自查、乡镇复查、县级核查、研判、县委常委会确定名单，按名单列入整顿。"),
    "stats": LazyCommand("ledger", "stats",
                         "统计：按阶段、预警、问题类型、类别、乡镇统计，转化率，逾期清单；以及党内统计表"
                         "“整顿软弱涣散基层党组织情况”（总计/村/社区，26 列；数据无法回答的列留空并标注人工填报）。"),
}


class RectifyGroup(LazyGroup):
    """Loads a command's module on first use, and turns every error into one line on stderr and an exit code."""

    context_class = Context  # help measured in terminal cells (CJK characters are two)

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
        with formatter.section(click.core._("Commands")):  # type: ignore[attr-defined]
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
    """Every command takes -q/--quiet where it is typed (``rectify remind run -q``), as the root does, and
    writes its help measured in terminal cells."""
    command.context_class = Context
    if not any(p.name == "quiet" for p in command.params):
        quiet_option(command)  # appends the option to command.params
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _with_quiet(sub)


@click.group(cls=RectifyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.option("--db", "db_url", envvar="RECTIFY_DB", metavar="URL",
              help="数据库 URL 或 SQLite 文件（RECTIFY_DB）。默认：用户数据目录下的 rectify.sqlite。")
@click.option("--config", "config_path", envvar="RECTIFY_CONFIG", type=click.Path(dir_okay=False),
              help="TOML 配置文件（RECTIFY_CONFIG）。")
@click.option("--actor", envvar="RECTIFY_ACTOR", help="操作人：谁在办理这次变更（RECTIFY_ACTOR）。默认：登录名。")
@quiet_option
@click.version_option(package_name="rectify")
@click.pass_context
def cli(ctx: click.Context, db_url: str | None, config_path: str | None, actor: str | None) -> None:
    """rectify —— 整顿软弱涣散基层党组织工作台账：整顿对象、时限、提醒和限期转化台账。

    \b
    示例：
      rectify demo                     建立演示县（青山县）并打印其台账
      rectify case show QS01001        查看一个整顿对象的全部情况
      rectify ledger --format xlsx -o 台账.xlsx
      rectify -q remind run            只输出错误（供 cron 使用）；NO_COLOR=1 关闭颜色
    """
    ctx.color = colour_setting()  # NO_COLOR, TERM=dumb, FORCE_COLOR; None: colour only on a terminal
    ctx.obj = App(db_url, config_path, actor)
    if ctx.invoked_subcommand != "config":  # `config init --force` must be able to replace a broken file
        ctx.obj.config  # noqa: B018  (a bad configuration file is reported before anything else)
    ctx.call_on_close(ctx.obj.close)


def main() -> None:
    cli(prog_name="rectify")


__all__ = ["COMMANDS", "RectifyGroup", "cli", "main"]
