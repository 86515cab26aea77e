"""The ``rectify`` command: parses, calls the domain, prints. No SQL and no business rule here.

Imports of the domain (SQLAlchemy, SQLModel, transitions) happen inside the commands, so that
``rectify --help`` starts fast.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

import click

from rectify.output import emit, os_reason, output_options

if TYPE_CHECKING:
    from rectify.config import Config
    from rectify.workflow.engine import Outcome, Workflow
    from rectify.workflow.persistence import Database

KIND_CHOICES = ("village", "community", "soe", "agency", "institution", "private", "social")
STAGE_CHOICES = ("identified", "ledger_created", "secretary_assigned", "rectified", "verified", "withdrawn")
LIGHT_CHOICES = ("green", "yellow", "orange", "red")

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


class RectifyGroup(click.Group):
    """Turns every error into one line on stderr and an exit code: 1 rule, 2 malformed input."""

    def main(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        from rectify.config import ConfigError

        standalone = kwargs.pop("standalone_mode", True)
        try:
            rv = super().main(*args, standalone_mode=False, **kwargs)  # type: ignore[call-overload]
        except click.exceptions.Exit as exc:
            rv = exc.exit_code
        except click.Abort:
            click.echo("已取消", err=True)
            rv = 1
        except click.UsageError as exc:
            hint = f"（rectify {exc.ctx.command_path.partition(' ')[2]} --help 查看用法）".replace("  ", " ") \
                if exc.ctx is not None else ""
            click.echo(f"错误：{_zh(exc.format_message())}{hint}", err=True)
            rv = 2
        except click.ClickException as exc:
            click.echo(f"错误：{_zh(exc.format_message())}", err=True)
            rv = exc.exit_code
        except ConfigError as exc:
            click.echo(f"错误：{exc}", err=True)
            rv = 2
        except Exception as exc:
            rv = _domain_error(exc)
        # Everything still alive is about to be freed by the interpreter anyway; freezing it spares the
        # exit-time garbage collection a walk over every SQLAlchemy and pydantic object (~0.3 s per command).
        gc.freeze()
        if standalone:
            sys.exit(rv or 0)
        return rv


def _domain_error(exc: Exception) -> int:
    from rectify.errors import RectifyError

    if isinstance(exc, RectifyError):
        click.echo(f"错误：{exc}", err=True)
        return exc.exit_code
    if os.environ.get("RECTIFY_DEBUG"):
        raise exc
    first = str(exc).splitlines()[0] if str(exc) else ""
    click.echo(f"内部错误：{type(exc).__name__}: {first}（设置 RECTIFY_DEBUG=1 可查看详情，请报告此问题）", err=True)
    return 1


class App:
    """What every command needs, made on first use: configuration, database, workflow."""

    def __init__(self, db_url: str | None, config_path: str | None, actor: str | None) -> None:
        self.db_url = db_url
        self.config_path = config_path
        self.actor = actor or _login()
        self._config: Config | None = None
        self._db: Database | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            from rectify.config import load_config

            self._config = load_config(self.config_path)
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

        return Workflow(self.database(), self.config, actor=self.actor, clock=self.clock())

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


@click.group(cls=RectifyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.option("--db", "db_url", envvar="RECTIFY_DB", metavar="URL",
              help="Database URL or SQLite file (RECTIFY_DB). Default: rectify.sqlite in the user data directory.")
@click.option("--config", "config_path", envvar="RECTIFY_CONFIG", type=click.Path(dir_okay=False),
              help="TOML configuration file (RECTIFY_CONFIG).")
@click.option("--actor", envvar="RECTIFY_ACTOR", help="Who is making the change (RECTIFY_ACTOR). Default: login name.")
@click.version_option(package_name="rectify")
@click.pass_context
def cli(ctx: click.Context, db_url: str | None, config_path: str | None, actor: str | None) -> None:
    """rectify — 整顿软弱涣散基层党组织 case tracking: cases, deadlines, reminders and the 限期转化台账.

    \b
    Example:
      rectify demo                     build the demo county (青山县) and print its ledger
      rectify case show QS01001        one case in full
      rectify ledger --format xlsx -o 台账.xlsx
    """
    ctx.obj = App(db_url, config_path, actor)
    ctx.obj.config  # noqa: B018  (a bad configuration file is reported before anything else)
    ctx.call_on_close(ctx.obj.close)


def _done(outcome: Outcome) -> None:
    click.echo(outcome.describe())


# -- init and demo ---------------------------------------------------------------------------------


@cli.command()
@pass_app
def init(app: App) -> None:
    """Create or upgrade the database schema (建库/升级).

    A database on an older schema is refused by every other command until this upgrades it.

    \b
    Example:
      rectify --db /srv/rectify/county.sqlite init
    """
    from rectify.workflow.persistence import describe, upgrade

    db = app.database(create=True, check=False)
    before, after = upgrade(db)
    if before == after:
        click.echo(f"数据库 {describe(db.url)} 已是最新结构（{after}）")
    elif before is None:
        click.echo(f"已创建数据库 {describe(db.url)}（结构版本 {after}）")
    else:
        click.echo(f"已将数据库 {describe(db.url)} 从结构版本 {before} 升级到 {after}")


@cli.command()
@click.option("--as-of", type=DATE, help="Date the demo and its ledger are built for (default: today).")
@pass_app
def demo(app: App, as_of: date | None) -> None:
    """Build the demo county (青山县) in the database and print its ledger (演示台账).

    Rebuilding replaces only the demo's own organizations (codes QS…) and their cases;
    every other organization, case and history is left alone.

    \b
    Example:
      rectify demo --as-of 2026-06-30
    """
    from rectify.workflow.demo import build_demo
    from rectify.workflow.persistence import upgrade

    as_of = as_of or app.today()
    db = app.database(create=True, check=False)
    upgrade(db)
    n = build_demo(db, app.config, as_of, actor=app.actor)
    click.echo(f"演示县 青山县：已建立 {n} 个整顿案例（截至 {as_of}）")
    _print_ledger(app, as_of)


def _print_ledger(app: App, as_of: date) -> None:
    from rectify.workflow.ledger import LedgerFilter

    click.echo(_ledger_table(app, as_of, LedgerFilter(), None, sys.stdout.isatty()))


def _stage_label(stage: str) -> str:
    from rectify.states.stages import STAGE_LABELS

    return f"{STAGE_LABELS[stage]} {stage}"


def _light_label(light: str | None) -> str:
    from rectify.states.deadlines import LIGHT_LABELS

    return f"{LIGHT_LABELS[light]} {light}" if light else ""


# -- organizations ---------------------------------------------------------------------------------


@cli.group()
def org() -> None:
    """Grassroots Party organizations (基层党组织)."""


@org.command("add")
@click.argument("code")
@click.argument("name")
@click.option("--kind", type=click.Choice(KIND_CHOICES), required=True, help="类别: village 村, community 社区, …")
@click.option("--county", required=True, help="县/市/区.")
@click.option("--township", required=True, help="乡镇/街道.")
@click.option("--poor-village", is_flag=True, help="建档立卡贫困村.")
@pass_app
def org_add(app: App, code: str, name: str, kind: str, county: str, township: str, poor_village: bool) -> None:
    """Register an organization (登记基层党组织).

    \b
    Example:
      rectify org add 341122101201 河口镇王家庄村党支部 --kind village --county 青山县 --township 河口镇
    """
    app.workflow().add_org(code, name, kind=kind, county=county, township=township, poor_village=poor_village)
    click.echo(f"已登记组织 {code}（{name}）")


@org.command("list")
@click.option("--county")
@click.option("--township")
@click.option("--kind", type=click.Choice(KIND_CHOICES))
@output_options()
@pass_app
def org_list(app: App, county: str | None, township: str | None, kind: str | None, fmt: str) -> None:
    """List organizations and their open case (组织列表).

    \b
    Example:
      rectify org list --township 河口镇 --format json
    """
    from rectify.workflow.cases import list_orgs

    rows = list_orgs(app.database(), county=county, township=township, kind=kind)
    if fmt != "json":
        from rectify.states.stages import KINDS

        for r in rows:
            r["kind"] = f"{KINDS.get(r['kind'], r['kind'])} {r['kind']}"
    emit(rows, [("code", "组织代码"), ("name", "党组织名称"), ("kind", "类别"), ("county", "县"),
                ("township", "乡镇"), ("open_case", "在办案例")], fmt)


# -- cases -----------------------------------------------------------------------------------------


@cli.group()
def case() -> None:
    """Rectification cases (整顿案例): open, walk through the stages, show."""


def _measure(text: str) -> tuple[str, str, date]:
    parts = [p.strip() for p in text.split("|")]
    if len(parts) != 3:
        raise click.BadParameter(f"整顿措施应写成 \"内容|责任人|完成时限\"，收到 {text!r}", param_hint="--measure")
    try:
        due = date.fromisoformat(parts[2])
    except ValueError:
        raise click.BadParameter(f"整顿措施的完成时限应为 YYYY-MM-DD，收到 {parts[2]!r}",
                                 param_hint="--measure") from None
    return parts[0], parts[1], due


def _emails(pairs: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        role, sep, addr = pair.partition("=")
        if not sep or "@" not in addr:
            raise click.BadParameter(f"应写成 ROLE=邮箱地址，收到 {pair!r}", param_hint="--email")
        out[role.strip()] = addr.strip()
    return out


@case.command("open")
@click.argument("org_code", metavar="ORG")
@click.option("--problem", "problems", multiple=True, required=True,
              help="软弱涣散情形: P01…P10, or other:TEXT. Repeat for several.")
@click.option("--detail", default="", help="主要问题 (free text).")
@click.option("--identified", type=DATE, required=True, help="确定日期.")
@click.option("--deadline", type=DATE, help="转化时限 (default: policy, year end or +180 days).")
@click.option("--officer", default="", help="县委组织部经办人.")
@click.option("--officer-email", default="", help="经办人邮箱.")
@pass_app
def case_open(app: App, org_code: str, problems: tuple[str, ...], detail: str, identified: date,
              deadline: date | None, officer: str, officer_email: str) -> None:
    """Open a rectification case for an organization (立案) → identified.

    \b
    Example:
      rectify case open QS01001 --problem P01 --problem P10 --identified 2026-03-05 --deadline 2026-12-31
    """
    _done(app.workflow().open_case(org_code, problems=problems, identified_on=identified, deadline=deadline,
                                   detail=detail, officer=officer, officer_email=officer_email))


@case.command("plan")
@click.argument("ref", metavar="CASE")
@click.option("--measure", "measures", multiple=True, help='整顿措施 "TEXT|OWNER|YYYY-MM-DD". Repeat.')
@click.option("--county-leader", default="", help="县级联系领导.")
@click.option("--township-cadre", default="", help="乡镇包村干部.")
@click.option("--helping-unit", default="", help="结对帮扶单位.")
@click.option("--email", "emails", multiple=True, metavar="ROLE=ADDR",
              help="E-mail for officer, county_leader or township_cadre.")
@pass_app
def case_plan(app: App, ref: str, measures: tuple[str, ...], county_leader: str, township_cadre: str,
              helping_unit: str, emails: tuple[str, ...]) -> None:
    """Create (or revise) the case's ledger (建立工作台账) → ledger_created.

    \b
    Example:
      rectify case plan 12 --measure "配齐村两委班子|王建国|2026-06-30" \\
          --county-leader 李志强 --township-cadre 张秀英 --helping-unit 县财政局
    """
    _done(app.workflow().plan(ref, measures=[_measure(m) for m in measures], county_leader=county_leader,
                              township_cadre=township_cadre, helping_unit=helping_unit, emails=_emails(emails)))


@case.command("assign-secretary")
@click.argument("ref", metavar="CASE")
@click.option("--name", default="", help="书记姓名.")
@click.option("--unit", default="", help="派出单位.")
@click.option("--since", type=DATE, help="任职日期.")
@click.option("--kind", type=click.Choice(["first", "local"]), default="first", show_default=True,
              help="first 第一书记 / local 选配书记.")
@click.option("--email", default="")
@click.option("--phone", default="")
@pass_app
def case_assign_secretary(app: App, ref: str, name: str, unit: str, since: date | None, kind: str,
                          email: str, phone: str) -> None:
    """Record the dispatched first secretary (选派第一书记) → secretary_assigned.

    \b
    Example:
      rectify case assign-secretary 12 --name 陈海涛 --unit 县财政局 --since 2026-04-01
    """
    _done(app.workflow().assign_secretary(ref, name=name, unit=unit, since=since, kind=kind,  # type: ignore[arg-type]
                                          email=email, phone=phone))


@case.command("replace-secretary")
@click.argument("ref", metavar="CASE")
@click.option("--name", default="", help="新书记姓名.")
@click.option("--unit", default="", help="派出单位.")
@click.option("--since", type=DATE, help="任职日期.")
@click.option("--reason", default="", help="更换原因.")
@click.option("--kind", type=click.Choice(["first", "local"]), help="Default: as the secretary replaced.")
@click.option("--email", default="")
@click.option("--phone", default="")
@pass_app
def case_replace_secretary(app: App, ref: str, name: str, unit: str, since: date | None, reason: str,
                           kind: str | None, email: str, phone: str) -> None:
    """Replace the secretary (更换书记); the stage stays, the old secretary is kept in the history.

    \b
    Example:
      rectify case replace-secretary 12 --name 周德明 --unit 县农业农村局 --since 2026-07-01 --reason 工作调动
    """
    _done(app.workflow().replace_secretary(ref, name=name, unit=unit, since=since, reason=reason,  # type: ignore[arg-type]
                                           kind=kind, email=email, phone=phone))


@case.command("measure-done")
@click.argument("ref", metavar="CASE")
@click.argument("number", type=int)
@click.option("--on", type=DATE, required=True, help="完成日期.")
@pass_app
def case_measure_done(app: App, ref: str, number: int, on: date) -> None:
    """Mark measure N of the case done (整顿措施完成).

    \b
    Example:
      rectify case measure-done 12 1 --on 2026-05-20
    """
    _done(app.workflow().complete_measure(ref, number, on=on))


@case.command("progress")
@click.argument("ref", metavar="CASE")
@click.option("--on", type=DATE, required=True, help="进展日期.")
@click.option("--note", default="", help="进展情况.")
@pass_app
def case_progress(app: App, ref: str, on: date, note: str) -> None:
    """Record a progress report (月度进展).

    \b
    Example:
      rectify case progress 12 --on 2026-05-31 --note "召开党员大会，通报整顿进展"
    """
    _done(app.workflow().report_progress(ref, on=on, note=note))


@case.command("rectified")
@click.argument("ref", metavar="CASE")
@click.option("--on", type=DATE, required=True, help="整改完成日期.")
@click.option("--self-check", default="", help="乡镇自查情况.")
@pass_app
def case_rectified(app: App, ref: str, on: date, self_check: str) -> None:
    """Declare the case rectified after the township self-check (已整改) → rectified.

    \b
    Example:
      rectify case rectified 12 --on 2026-10-15 --self-check "乡镇党委逐项自查，整改到位"
    """
    _done(app.workflow().mark_rectified(ref, on=on, self_check=self_check))


@case.command("verify")
@click.argument("ref", metavar="CASE")
@click.option("--on", type=DATE, required=True, help="验收日期.")
@click.option("--by", default="", help="验收人/验收组.")
@click.option("--score", type=click.IntRange(0, 100), required=True, help="验收得分 0–100.")
@click.option("--satisfied", type=click.IntRange(min=0), required=True, help="满意人数.")
@click.option("--dissatisfied", type=click.IntRange(min=0), required=True, help="不满意人数.")
@click.option("--basic", type=click.IntRange(min=0), default=0, show_default=True, help="基本满意人数.")
@click.option("--deadline", type=DATE, help="New 转化时限 if the verification fails.")
@pass_app
def case_verify(app: App, ref: str, on: date, by: str, score: int, satisfied: int, dissatisfied: int,
                basic: int, deadline: date | None) -> None:
    """County verification (验收): passes → verified (销号); below the thresholds → back to secretary_assigned.

    \b
    Example:
      rectify case verify 12 --on 2026-11-10 --by 县委组织部验收组 --score 86 --satisfied 42 --dissatisfied 2
    """
    _done(app.workflow().verify(ref, on=on, by=by, score=score, satisfied=satisfied, dissatisfied=dissatisfied,
                                basic=basic, deadline=deadline))


@case.command("withdraw")
@click.argument("ref", metavar="CASE")
@click.option("--reason", default="", help="撤销原因.")
@pass_app
def case_withdraw(app: App, ref: str, reason: str) -> None:
    """Withdraw a mis-identified case (撤销) → withdrawn.

    \b
    Example:
      rectify case withdraw 12 --reason "复核后不属于软弱涣散"
    """
    _done(app.workflow().withdraw(ref, reason=reason))


@case.command("reopen")
@click.argument("ref", metavar="CASE")
@click.option("--reason", default="", help="回头看发现的问题.")
@click.option("--deadline", type=DATE, help="New 转化时限 (default: policy).")
@pass_app
def case_reopen(app: App, ref: str, reason: str, deadline: date | None) -> None:
    """Reopen a verified case after a look-back relapse (回头看反弹) → ledger_created.

    \b
    Example:
      rectify case reopen 12 --reason "回头看发现问题反弹" --deadline 2027-06-30
    """
    _done(app.workflow().reopen(ref, reason=reason, deadline=deadline))


@case.command("extend")
@click.argument("ref", metavar="CASE")
@click.option("--to", "to", type=DATE, required=True, help="新的转化时限.")
@click.option("--reason", default="", help="延期原因.")
@click.option("--approved-by", default="", help="批准人.")
@pass_app
def case_extend(app: App, ref: str, to: date, reason: str, approved_by: str) -> None:
    """Move the deadline (延长转化时限); every extension is kept.

    \b
    Example:
      rectify case extend 12 --to 2027-03-31 --reason "换届推迟" --approved-by 县委组织部部务会
    """
    _done(app.workflow().extend(ref, to=to, reason=reason, approved_by=approved_by))


@case.command("supervise")
@click.argument("ref", metavar="CASE")
@click.option("--reason", default="", help="挂牌督办原因.")
@pass_app
def case_supervise(app: App, ref: str, reason: str) -> None:
    """Put the case under listed supervision (挂牌督办).

    \b
    Example:
      rectify case supervise 12 --reason "进度滞后"
    """
    _done(app.workflow().supervise(ref, reason=reason))


@case.command("unsupervise")
@click.argument("ref", metavar="CASE")
@click.option("--reason", default="", help="取消原因.")
@pass_app
def case_unsupervise(app: App, ref: str, reason: str) -> None:
    """Lift listed supervision (取消挂牌督办).

    \b
    Example:
      rectify case unsupervise 12 --reason "已按期整改"
    """
    _done(app.workflow().unsupervise(ref, reason=reason))


@case.command("show")
@click.argument("ref", metavar="CASE")
@click.option("--as-of", type=DATE, help="Date for the light and days left (default: today).")
@click.option("--mask-phones", is_flag=True, help="Mask phone numbers (138****5678) for sharing.")
@output_options(("table", "json"))
@pass_app
def case_show(app: App, ref: str, as_of: date | None, mask_phones: bool, fmt: str) -> None:
    """Show one case in full (案例详情).

    \b
    Example:
      rectify case show 12 --format json
      rectify case show QS01001 --mask-phones
    """
    from rectify.output import mask_phone, render_json
    from rectify.workflow.cases import show_case

    data = show_case(app.database(), ref, as_of=as_of or app.today(), config=app.config)
    if mask_phones:
        for person in (*data["people"], *data["secretaries"]):
            person["phone"] = mask_phone(person["phone"]) if person["phone"] else ""
    if fmt == "json":
        click.echo(render_json(data))
        return
    _print_case(data)


def _print_case(c: dict[str, Any]) -> None:
    from rectify.states.stages import KINDS, ROLE_LABELS, SECRETARY_KINDS
    from rectify.states.wording import days_left_text

    o = c["organization"]
    line: Callable[[str, Any], None] = lambda k, v: click.echo(f"{k}：{v}")  # noqa: E731
    click.echo(f"案例 {c['id']} · {o['name']}（{o['code']}）")
    line("类别", f"{KINDS.get(o['kind'], o['kind'])} · {o['county']} {o['township']}")
    line("当前阶段", _stage_label(c["stage"]) + (f"（第 {c['cycle']} 轮）" if c["cycle"] > 1 else ""))
    line("确定日期", c["identified_on"])
    line("转化时限", c["deadline"])
    if c["next_due"]:
        left = c["days_left"]
        when = days_left_text(left)
        line("下一期限", f"{c['next_due']}（{when}，{_light_label(c['light'])}，截至 {c['as_of']}）")
    if c["supervised"]:
        line("挂牌督办", c["supervision_reason"])
    line("软弱涣散情形", "；".join(f"{p['code']} {p['text']}" for p in c["problems"]))
    if c["detail"]:
        line("主要问题", c["detail"])
    for p in c["people"]:
        line(ROLE_LABELS.get(p["role"], p["role"]), " ".join(x for x in (p["name"], p["email"], p["phone"]) if x))
    if c["helping_unit"]:
        line("结对帮扶单位", c["helping_unit"])
    for s in c["secretaries"]:
        span = f"{s['since']} 起" + (f"，{s['until']} 止（{s['end_reason']}）" if s["until"] else "")
        contact = "".join(f" {x}" for x in (s["email"], s["phone"]) if x)
        line(SECRETARY_KINDS.get(s["kind"], s["kind"]), f"{s['name']}（{s['unit']}）{span}{contact}")
    if c["measures"]:
        click.echo("整顿措施：")
        for m in c["measures"]:
            done = f"已完成 {m['done_on']}" if m["done_on"] else "未完成"
            click.echo(f"  {m['seq']}. {m['text']} — {m['owner']}，时限 {m['due_on']}，{done}")
    for r in c["progress_reports"][-3:]:
        line("最近进展", f"{r['reported_on']} {r['note']}")
    for e in c["extensions"]:
        line("延期", f"{e['old_deadline']} → {e['new_deadline']}（{e['reason']}，{e['approved_by']} 批准）")
    if c["self_check"]:
        line("乡镇自查", c["self_check"])
    for v in c["verifications"]:
        result = "通过" if v["passed"] else f"未通过（{v['reasons']}）"
        line("验收", f"{v['verified_on']} {v['verifier']} 得分 {v['score']}，满意 {v['satisfied']}/基本满意 "
                     f"{v['basic']}/不满意 {v['dissatisfied']}，{result}")
    if c["withdrawn_reason"]:
        line("撤销原因", c["withdrawn_reason"])


@case.command("history")
@click.argument("ref", metavar="CASE")
@output_options()
@pass_app
def case_history_cmd(app: App, ref: str, fmt: str) -> None:
    """Every change to the case, with actor, time and reason (变更记录).

    \b
    Example:
      rectify case history 12
    """
    from rectify.workflow.cases import case_history

    rows = case_history(app.database(), ref)
    if fmt != "json":
        from datetime import datetime
        from zoneinfo import ZoneInfo

        from rectify.workflow.engine import ACTION_LABELS

        tz = ZoneInfo(app.config.policy.timezone)
        for r in rows:
            r["stages"] = (r["to_stage"] if r["from_stage"] == r["to_stage"]
                           else f"{r['from_stage']} → {r['to_stage']}" if r["from_stage"] else f"→ {r['to_stage']}")
            r["at"] = datetime.fromisoformat(r["at"]).astimezone(tz).strftime("%Y-%m-%d %H:%M")
            r["action"] = f"{ACTION_LABELS.get(r['action'], r['action'])} {r['action']}"
    emit(rows, [("at", "时间"), ("actor", "操作人"), ("action", "操作"), ("stages", "阶段"),
                ("reason", "原因")], fmt, max_width=60)


@case.command("list")
@click.option("--county")
@click.option("--township")
@click.option("--kind", type=click.Choice(KIND_CHOICES))
@click.option("--stage", type=click.Choice(STAGE_CHOICES))
@click.option("--light", type=click.Choice(LIGHT_CHOICES))
@click.option("--year", type=int)
@click.option("--supervised", is_flag=True, default=None, help="Only cases under 挂牌督办.")
@click.option("--open/--all", "open_only", default=False, help="Only open cases, or all (default).")
@click.option("--as-of", type=DATE, help="Date for lights and days left (default: today).")
@output_options()
@pass_app
def case_list(app: App, county: str | None, township: str | None, kind: str | None, stage: str | None,
              light: str | None, year: int | None, supervised: bool | None, open_only: bool,
              as_of: date | None, fmt: str) -> None:
    """List cases by deadline, with filters (案例列表).

    \b
    Example:
      rectify case list --open --light red
    """
    from rectify.workflow.cases import list_cases

    rows = list_cases(app.database(), as_of=as_of or app.today(), config=app.config, county=county,
                      township=township, kind=kind, stage=stage, year=year, open_only=open_only, light=light,
                      supervised=supervised)
    if fmt != "json":
        for r in rows:
            r["stage"] = _stage_label(r["stage"])
            r["light"] = _light_label(r["light"])
    emit(rows, [("case_id", "案例"), ("org_code", "组织代码"), ("org_name", "党组织名称"), ("township", "乡镇"),
                ("stage", "当前阶段"), ("deadline", "转化时限"), ("days_left", "剩余天数"), ("light", "预警"),
                ("supervised", "挂牌督办")], fmt)


# -- ledger and statistics (限期转化台账) ------------------------------------------------------------

LEDGER_FORMATS = ("table", "csv", "xlsx", "html", "json", "ics")
STATS_FORMATS = ("table", "json", "csv", "xlsx")
_BINARY_FORMATS = ("xlsx", "ics")
_PROGRESS_FROM = 5000  # rows; smaller exports finish before a bar would help


class _OutputError(click.ClickException):
    exit_code = 2


def _table_width(width: int | None) -> int:
    if width:
        return width
    import shutil

    return max(80, min(160, shutil.get_terminal_size((120, 24)).columns))


def _write_output(output: str | None, fmt: str, write: Callable[[Any], Any]) -> None:
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
        raise _OutputError(f"无法写入文件 {target}：{os_reason(exc)}") from None
    except BaseException:
        part.unlink(missing_ok=True)
        raise


def _ledger_filter(county: str | None, township: str | None, kind: str | None, stage: str | None,
                   light: str | None, year: int | None, open_only: bool) -> Any:
    from rectify.workflow.ledger import LedgerFilter

    return LedgerFilter(county=county, township=township, kind=kind, stage=stage, light=light, year=year,
                        open_only=open_only)


def _ledger_filters(fn: Any) -> Any:
    for opt in reversed((
        click.option("--county", help="县 (exact name)."),
        click.option("--township", help="乡镇 (exact name)."),
        click.option("--kind", type=click.Choice(KIND_CHOICES), help="类别."),
        click.option("--stage", type=click.Choice(STAGE_CHOICES), help="当前阶段."),
        click.option("--light", type=click.Choice(LIGHT_CHOICES), help="预警 on the as-of date."),
        click.option("--year", type=click.IntRange(1990, 2200), help="Year of identification (确定年度)."),
        click.option("--open/--all", "open_only", default=False,
                     help="Only open cases (在办), or all including 销号 and 撤销 (default)."),
        click.option("--as-of", type=DATE, help="Date every figure is computed for (default: today)."),
    )):
        fn = opt(fn)
    return fn


def _ledger_table(app: App, as_of: date, filters: Any, width: int | None, colour: bool) -> str:
    from rectify.workflow.ledger import ledger_rows
    from rectify.workflow.ledger_formats import render_ledger_table

    return render_ledger_table(ledger_rows(app.database(), as_of=as_of, config=app.config, filters=filters),
                               width=_table_width(width), colour=colour)


@cli.command()
@_ledger_filters
@click.option("--format", "fmt", type=click.Choice(LEDGER_FORMATS), default="table", show_default=True,
              help="table, csv (UTF-8 BOM), xlsx, html (self-contained, printable), json, ics (iCalendar).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to FILE instead of stdout.")
@click.option("--width", type=click.IntRange(60, 400),
              help="Table width in columns (default: terminal, 80–160).")
@pass_app
def ledger(app: App, county: str | None, township: str | None, kind: str | None, stage: str | None,
           light: str | None, year: int | None, open_only: bool, as_of: date | None, fmt: str,
           output: str | None, width: int | None) -> None:
    """The 限期转化台账: one row per case, sorted by deadline then county/township.

    Days left and warning lights (预警) are computed for --as-of. xlsx and html are print-ready
    (A4 landscape); ics holds each open case's deadline and stage due date, with stable UIDs so a
    re-import updates the events.

    \b
    Example:
      rectify ledger --open --light red
      rectify ledger --as-of 2026-06-30 --format xlsx -o 台账.xlsx
      rectify ledger --township 河口镇 --format html -o 台账.html
      rectify ledger --format ics -o 转化时限.ics
    """
    from contextlib import ExitStack

    from rectify.workflow import ledger_formats as lf
    from rectify.workflow.ledger import count_cases, ledger_rows, ledger_title, scope_counties

    as_of = as_of or app.today()
    filters = _ledger_filter(county, township, kind, stage, light, year, open_only)
    db = app.database()
    if fmt == "table":
        colour = output is None and sys.stdout.isatty()
        text = _ledger_table(app, as_of, filters, width, colour) + "\n"
        _write_output(output, fmt, lambda out: out.write(text))
        return

    def write(out: Any) -> None:
        with ExitStack() as stack:
            progress = None
            if sys.stderr.isatty():
                total = count_cases(db, filters)
                if total >= _PROGRESS_FROM:
                    bar = stack.enter_context(
                        click.progressbar(length=total, label="导出台账", file=sys.stderr))
                    progress = bar.update
            rows = ledger_rows(db, as_of=as_of, config=app.config, filters=filters)
            title = ledger_title(scope_counties(db, filters) if fmt in ("xlsx", "html", "ics") else [], as_of)
            by_stage = by_light = None
            if fmt == "html":
                from rectify.workflow.stats import compute_stats, stage_light_counts

                by_stage, by_light = stage_light_counts(
                    compute_stats(db, as_of=as_of, config=app.config, filters=filters, full=False))
            lf.WRITERS[fmt](rows, out, lf.LedgerExport(
                as_of=as_of, title=title, filters=filters.describe(), by_stage=by_stage, by_light=by_light,
                generated=app.local_now().strftime("%Y-%m-%d %H:%M") if fmt == "html" else "",
                lights=app.config.lights, stamp=app.clock()() if fmt == "ics" else None, progress=progress))

    _write_output(output, fmt, write)
    if output is not None:
        click.echo(f"已导出限期转化台账到 {output}（截至 {as_of}）", err=True)


@cli.command()
@click.option("--county", help="县 (exact name).")
@click.option("--year", type=click.IntRange(1990, 2200), help="Year of identification (确定年度).")
@click.option("--as-of", type=DATE, help="Date every figure is computed for (default: today).")
@click.option("--format", "fmt", type=click.Choice(STATS_FORMATS), default="table", show_default=True,
              help="Output format (输出格式).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to FILE instead of stdout.")
@pass_app
def stats(app: App, county: str | None, year: int | None, as_of: date | None, fmt: str,
          output: str | None) -> None:
    """Statistics (统计): by stage, light, problem type, kind, township; conversion rate; overdue list;
    and the Party statistics form 整顿软弱涣散基层党组织情况 (总计/村/社区, 26 columns; the columns
    the data cannot answer are left empty and marked 人工填报).

    \b
    Example:
      rectify stats --as-of 2026-12-31
      rectify stats --year 2026 --format xlsx -o 党内统计.xlsx
      rectify stats --format json
    """
    from rectify.output import render_json
    from rectify.workflow import ledger_formats as lf
    from rectify.workflow.ledger import LedgerFilter, scope_counties
    from rectify.workflow.stats import compute_stats

    as_of = as_of or app.today()
    filters = LedgerFilter(county=county, year=year)
    db = app.database()
    data = compute_stats(db, as_of=as_of, config=app.config, filters=filters)
    if fmt == "json":
        text = render_json(data) + "\n"
        _write_output(output, fmt, lambda out: out.write(text))
    elif fmt == "table":
        text = lf.render_stats_table(data)
        _write_output(output, fmt, lambda out: out.write(text))
    elif fmt == "csv":
        _write_output(output, fmt, lambda out: lf.write_stats_csv(data, out))
    else:
        scope = "、".join(scope_counties(db, filters)) or "全部"
        _write_output(output, fmt, lambda out: lf.write_stats_xlsx(data, out, title=scope))
    if output is not None:
        click.echo(f"已导出统计到 {output}（截至 {as_of}）", err=True)

# (end of ledger and statistics)


# -- reminders, outbox and scheduler -------------------------------------------------------------------


def _reminder_service(app: App) -> Any:
    from rectify.notifications.scheduler import ReminderService, smtp_factory

    return ReminderService(app.database(), app.config, app.clock(), smtp_factory(app.config))


@cli.group()
def remind() -> None:
    """Deadline reminders and overdue alerts (到期提醒、逾期预警), sent by e-mail once."""


@remind.command("run")
@click.option("--as-of", type=DATE, help="Date the sweep is for (default: today in Asia/Shanghai).")
@click.option("--dry-run", is_flag=True, help="Print the digests that would be sent; record and send nothing.")
@pass_app
def remind_run(app: App, as_of: date | None, dry_run: bool) -> None:
    """Sweep for what is due and send each person one digest (提醒扫描并发送), once — for cron.

    Running it again the same day sends nothing new; mail that could not be sent stays in the
    outbox (发件箱) and is retried by the next run or the scheduler.

    \b
    Example:
      rectify remind run
      rectify remind run --as-of 2026-06-30 --dry-run
      30 8 * * *  rectify --config /etc/rectify.toml remind run     (crontab)
    """
    from rectify.notifications.mailer import MailServerProblem

    service = _reminder_service(app)
    result = service.sweep(as_of, dry_run=dry_run)
    if dry_run:
        for d in result.digests:
            click.echo(f"=== 收件人：{d['recipient_name'] or ''} <{d['recipient']}>（{d['items']} 项）")
            click.echo(f"主题：{d['subject']}")
            click.echo(d["body_text"])
        click.echo(f"试运行 {result.as_of}：{result.cases} 个候选案例，将发送 {len(result.digests)} 封摘要"
                   f"（{result.new_items} 项提醒）；未记录、未发送")
        return
    click.echo(f"提醒扫描 {result.as_of}：{result.cases} 个候选案例，新记录 {result.new_items} 项提醒、"
               f"{len(result.digests)} 封摘要")
    try:
        sent = service.drain()
    except MailServerProblem as exc:
        raise MailServerProblem(f"{exc}；未发送的邮件留在发件箱，下次运行时重发") from None
    click.echo(f"已发送 {sent.sent} 封摘要" + (f"，{sent.retrying} 封稍后重试" if sent.retrying else "")
               + (f"，{sent.failed} 封放弃发送" if sent.failed else ""))
    if sent.retrying or sent.failed:
        raise click.ClickException(f"{sent.retrying + sent.failed} 封摘要未能发送（rectify outbox list 查看原因）")


@cli.group()
def outbox() -> None:
    """The outbox of reminder digests (发件箱): what was recorded, sent, or failed."""


@outbox.command("list")
@click.option("--status", type=click.Choice(["pending", "sending", "sent", "failed"]),
              help="Only digests in this status.")
@output_options(("table", "json"))
@pass_app
def outbox_list(app: App, status: str | None, fmt: str) -> None:
    """List reminder digests with their status (发件箱列表).

    \b
    Example:
      rectify outbox list --status failed
      rectify outbox list --format json
    """
    from rectify.notifications.outbox import list_outbox

    rows = list_outbox(app.database(), status)
    if fmt != "json":
        labels = {"pending": "待发送", "sending": "发送中", "sent": "已发送", "failed": "发送失败"}
        for r in rows:
            r["status"] = f"{labels[r['status']]} {r['status']}"
            r["when"] = (r["sent_at"] or r["next_attempt_at"] or "")[:16].replace("T", " ")
    emit(rows, [("id", "编号"), ("status", "状态"), ("recipient", "收件人"), ("sweep_date", "扫描日期"),
                ("items", "提醒项"), ("attempts", "尝试次数"), ("when", "时间(UTC)"), ("last_error", "错误")], fmt)


@outbox.command("retry")
@click.argument("digest_id", metavar="ID", type=int)
@pass_app
def outbox_retry(app: App, digest_id: int) -> None:
    """Put a failed digest back in the queue (重新发送); the next run or drain sends it.

    \b
    Example:
      rectify outbox retry 17
    """
    from rectify.notifications.outbox import retry

    retry(app.database(), digest_id, now=app.clock()())
    click.echo(f"发送记录 {digest_id} 已重新排队，下次发送时重发")


@cli.group()
def scheduler() -> None:
    """The reminder scheduler daemon (定时提醒服务, APScheduler)."""


@scheduler.command("start")
@pass_app
def scheduler_start(app: App) -> None:
    """Run the daily sweep at [scheduler] sweep_at and drain the outbox until stopped (Ctrl-C / SIGTERM).

    If today's sweep was missed while the daemon was down, it runs once on start.

    \b
    Example:
      rectify --config /etc/rectify.toml scheduler start
    """
    from rectify.notifications.scheduler import Daemon

    daemon = Daemon(_reminder_service(app), app.config, log=lambda line: click.echo(line, err=True))
    daemon.start()


# (end of reminders, outbox and scheduler)


# -- bulk import, export and restore ---------------------------------------------------------------


def _progress_bar() -> Any:
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


def _run_import(kind: str, app: App, file: str, dry_run: bool) -> None:
    from rectify.workflow.importing import ImportRejected, import_cases, import_orgs

    db = app.database()
    try:
        if kind == "org":
            result = import_orgs(db, file, clock=app.clock(), dry_run=dry_run, progress=_progress_bar())
        else:
            result = import_cases(db, file, config=app.config, actor=app.actor, clock=app.clock(),
                                  dry_run=dry_run, progress=_progress_bar())
    except ImportRejected as exc:
        for problem in exc.problems:
            click.echo(problem.line(), err=True)
        raise
    if result.ignored_columns:
        click.echo("已忽略无法识别的列：" + "、".join(result.ignored_columns), err=True)
    click.echo(result.describe(kind))


@org.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check every row and report, write nothing (只检查不写入).")
@pass_app
def org_import(app: App, file: str, dry_run: bool) -> None:
    """Import organizations from CSV or XLSX (批量导入基层党组织); all rows or none.

    Columns (Chinese or English headers): 组织代码/code, 党组织名称/name, 类别/kind (村, 社区, … or
    village, community, …), 县/county, 乡镇/township, 建档立卡贫困村/poor_village. Without a code a
    stable one is generated from county, township and name. CSV may be UTF-8 or GBK. Every bad row is
    listed with its row number and column; nothing is written unless all rows are good (exit 2).

    \b
    Example:
      rectify org import 组织名册.xlsx --dry-run
      rectify org import 组织名册.csv
    """
    _run_import("org", app, file, dry_run)


@case.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check every row and report, write nothing (只检查不写入).")
@pass_app
def case_import(app: App, file: str, dry_run: bool) -> None:
    """Import cases from a ledger or county sheet, CSV or XLSX (批量导入整顿案例); all rows or none.

    Reads the columns of the 限期转化台账 as `rectify ledger` writes them (县, 乡镇, 党组织名称, 类别,
    软弱涣散情形, 整顿措施 done/total, 第一书记（派出单位）, 确定日期, 转化时限, 当前阶段, …) or
    their English keys; 组织代码 is optional. Organizations not yet registered are created. 序号,
    剩余天数 and 预警 are computed, so they are ignored. Without 当前阶段 the stage is the furthest the
    row's data supports. `rectify import template` writes an empty sheet to fill in.

    \b
    Example:
      rectify case import 2025年台账.xlsx --dry-run
      rectify --actor 县委组织部 case import 台账.csv
    """
    _run_import("case", app, file, dry_run)


@cli.group("import")
def import_group() -> None:
    """Bulk import helpers (批量导入)."""


@import_group.command("template")
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv"]), default="xlsx", show_default=True,
              help="Sheet format (模板格式).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True),
              help="File to write (default: 整顿案例导入模板.xlsx/.csv).")
@pass_app
def import_template(app: App, fmt: str, output: str | None) -> None:
    """Write an empty import sheet with the headers and one example row (导入模板).

    \b
    Example:
      rectify import template --format xlsx -o 导入模板.xlsx
      rectify case import 导入模板.xlsx --dry-run
    """
    from pathlib import Path

    from rectify.workflow.importing import write_template

    path = Path(output or f"整顿案例导入模板.{fmt}")
    try:
        write_template(path, fmt)
    except OSError as exc:
        from rectify.output import os_reason

        raise _OutputError(f"无法写入文件 {path}：{os_reason(exc)}") from None
    click.echo(f"已生成导入模板 {path}（表头与限期转化台账一致，第 2 行为示例，导入前请删除）")


@cli.command("export")
@click.option("--all", "everything", is_flag=True, required=True,
              help="Everything: organizations, cases, every child record and event (全量备份).")
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
@pass_app
def export_cmd(app: App, everything: bool, file: str) -> None:
    """Write a full backup as JSON Lines (全量导出备份); `rectify restore` reads it back.

    The first line names the format and the schema revision; each further line is one row,
    {"table": …, "row": {…}}, ids included, streamed so a province-sized database fits.

    \b
    Example:
      rectify export --all backup-2026-06-30.jsonl
      rectify --db new.sqlite restore backup-2026-06-30.jsonl
    """
    from rectify.workflow.backup import export_all

    db = app.database()
    counts: dict[str, int] = {}

    def write(out: Any) -> None:
        counts.update(export_all(db, out))

    # Through a temporary file renamed at the end, as ledger -o: never half a backup under the real name.
    _write_output(file, "jsonl", write)
    click.echo(f"已导出 {sum(counts.values())} 行（{len(counts)} 张表，组织 {counts.get('organization', 0)} 个，"
               f"案例 {counts.get('rectification_case', 0)} 个）到 {file}")


@cli.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@pass_app
def restore_cmd(app: App, file: str) -> None:
    """Restore a full backup into an empty database (从备份恢复); a non-empty one is refused.

    Creates the schema when the database is new; all rows or none, ids preserved.

    \b
    Example:
      rectify --db postgresql://rectify@db/county restore backup-2026-06-30.jsonl
    """
    from rectify.errors import BadInput
    from rectify.workflow.backup import restore_all
    from rectify.workflow.persistence import sqlite_file, upgrade

    db = app.database(create=True, check=False)
    # SQLite makes the file on first connection: when this restore makes it, a refusal takes it away again.
    path = sqlite_file(db.url)
    fresh = path is not None and not path.exists()
    try:
        upgrade(db)
        with open(file, encoding="utf-8-sig") as source:
            counts = restore_all(db, source)
    except BaseException as exc:
        if fresh and path is not None:
            app.close()
            for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm"),
                             path.with_name(path.name + "-journal")):
                leftover.unlink(missing_ok=True)
        if isinstance(exc, UnicodeDecodeError):
            raise BadInput(f"备份文件 {file} 不是 UTF-8 文本，不是 rectify 备份文件") from None
        if isinstance(exc, OSError):
            raise BadInput(f"无法读取备份文件 {file}：{os_reason(exc, reading=True)}") from None
        raise
    click.echo(f"已恢复 {sum(counts.values())} 行（组织 {counts.get('organization', 0)} 个，"
               f"案例 {counts.get('rectification_case', 0)} 个）")


# (end of bulk import, export and restore)


def main() -> None:
    cli(prog_name="rectify")


if __name__ == "__main__":
    main()
