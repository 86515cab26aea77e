"""The case commands that only read: show, history, list. ``rectify.cli.case`` puts them in the ``case`` group."""

from __future__ import annotations

from datetime import date
from typing import Any

import click

from rectify.cli.common import DATE, KIND, LIGHT, STAGE, App, pass_app, reader, whole
from rectify.cli.listing import emit, output_options
from rectify.cli.reads import files_of, list_text, show_text


@click.command("show")
@click.argument("ref", metavar="CASE")
@click.option("--as-of", type=DATE,
              help="截至某日结束时的情况，按有日期的记录重建；也是计算预警和剩余天数的日期（默认：今天）。")
@click.option("--known-on", type=DATE, help="据某日已录入的记录：只计该日结束前已录入的内容。")
@click.option("--mask-phones", is_flag=True, help="隐去电话号码中间四位（138****5678），便于分享。")
@output_options(("table", "json"))
@pass_app
def case_show(app: App, ref: str, as_of: date | None, known_on: date | None, mask_phones: bool, fmt: str) -> None:
    """整顿对象详情：查看一个整顿对象的全部情况。

    \b
    示例：
      rectify case show 12 --format json
      rectify case show QS01001 --mask-phones
      rectify case show 12 --as-of 2026-06-30
    """
    click.echo(show_text(app, ref, as_of, known_on, mask_phones, fmt), nl=False)


@click.command("history")
@click.argument("ref", metavar="CASE")
@output_options()
@pass_app
def case_history_cmd(app: App, ref: str, fmt: str) -> None:
    """变更记录：整顿对象的每一次变更——发生日期、谁在何时录入、原因。

    \b
    示例：
      rectify case history 12
    """
    from rectify.reports.cases import case_history

    rows = case_history(app.database(), ref, reader=reader(app))
    _with_files(rows, files_of(app, ref))
    if fmt != "json":
        from datetime import datetime
        from zoneinfo import ZoneInfo

        from rectify.write.engine import ACTION_LABELS

        tz = ZoneInfo(app.config.policy.timezone)
        for r in rows:
            r["stages"] = (r["to_stage"] if r["from_stage"] == r["to_stage"]
                           else f"{r['from_stage']} → {r['to_stage']}" if r["from_stage"] else f"→ {r['to_stage']}")
            r["at"] = datetime.fromisoformat(r["at"]).astimezone(tz).strftime("%Y-%m-%d %H:%M")
            r["action"] = f"{ACTION_LABELS.get(r['action'], r['action'])} {r['action']}"
            r["actor"] = f"{r['actor_unit']} {r['actor']}" if r["actor_unit"] else r["actor"]
            r["names"] = "、".join(f["name"] + ("（已撤回）" if not f["current"] else "") for f in r["files"])
    columns = [("on", "日期"), ("actor", "操作人"), ("at", "录入时间"), ("action", "操作"), ("stages", "阶段"),
               ("reason", "原因"), ("operator", "操作员")]
    emit(rows, columns + ([("names", "佐证材料")] if any(r["files"] for r in rows) else []), fmt, max_width=60)


def _with_files(rows: list[dict[str, Any]], files: list[dict[str, Any]]) -> None:
    """Each history entry gets the files attached to its event (SPEC §14)."""
    from rectify.reports.evidence import by_event

    grouped = by_event(files)
    for r in rows:
        r["files"] = [{k: f[k] for k in ("id", "name", "kind", "caption", "sha256", "current")}
                      for f in grouped.get(r.pop("event_id", None) or 0, [])]


@click.command("list")
@click.option("--county", help="县（完整名称）。")
@click.option("--township", help="乡镇（完整名称）。")
@click.option("--kind", type=KIND, help=f"类别：{KIND.pairs()}。")
@click.option("--stage", type=STAGE, help=f"当前阶段：{STAGE.pairs()}。")
@click.option("--light", type=LIGHT, help=f"预警：{LIGHT.pairs()}。")
@click.option("--year", type=whole(1900, 2100), help="确定年度。")
@click.option("--supervised", is_flag=True, default=None, help="只列挂牌督办的整顿对象。")
@click.option("--open/--all", "open_only", default=False, help="只列在办的，或全部（默认）。")
@click.option("--as-of", type=DATE,
              help="截至某日结束时的情况，按有日期的记录重建；也是计算预警和剩余天数的日期（默认：今天）。")
@output_options()
@pass_app
def case_list(app: App, county: str | None, township: str | None, kind: str | None, stage: str | None,
              light: str | None, year: int | None, supervised: bool | None, open_only: bool,
              as_of: date | None, fmt: str) -> None:
    """整顿对象列表：按转化时限排列，可筛选。

    \b
    示例：
      rectify case list --open --light red
      rectify case list --as-of 2026-06-30
    """
    filters = dict(county=county, township=township, kind=kind, stage=stage, year=year, open_only=open_only,
                   supervised=supervised)
    click.echo(list_text(app, filters, light, as_of, fmt), nl=False)


COMMANDS: tuple[click.Command, ...] = (case_show, case_history_cmd, case_list)
