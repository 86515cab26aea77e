"""Grassroots Party organizations: ``rectify org add | list | import``."""

from __future__ import annotations

import click

from rectify.cli.common import KIND, App, pass_app, reader, say
from rectify.cli.data import run_import
from rectify.cli.listing import emit, output_options


@click.group()
def org() -> None:
    """Grassroots Party organizations (基层党组织)."""


@org.command("add")
@click.argument("code")
@click.argument("name")
@click.option("--kind", type=KIND, required=True, help="类别: village 村, community 社区, … (code or Chinese).")
@click.option("--county", required=True, help="县/市/区.")
@click.option("--township", required=True, help="乡镇/街道.")
@click.option("--poor-village", is_flag=True, help="脱贫村（原建档立卡贫困村）.")
@pass_app
def org_add(app: App, code: str, name: str, kind: str, county: str, township: str, poor_village: bool) -> None:
    """Register an organization (登记基层党组织).

    \b
    Example:
      rectify org add 341122101201 河口镇王家庄村党支部 --kind village --county 青山县 --township 河口镇
    """
    app.workflow().add_org(code, name, kind=kind, county=county, township=township, poor_village=poor_village)
    say(f"已登记组织 {code}（{name}）")


@org.command("list")
@click.option("--county")
@click.option("--township")
@click.option("--kind", type=KIND, help="类别 (code or Chinese: village 村, …).")
@output_options()
@pass_app
def org_list(app: App, county: str | None, township: str | None, kind: str | None, fmt: str) -> None:
    """List organizations and their open case (组织列表).

    \b
    Example:
      rectify org list --township 河口镇 --format json
    """
    from rectify.reports.cases import list_orgs

    rows = list_orgs(app.database(), county=county, township=township, kind=kind, reader=reader(app))
    if fmt != "json":
        from rectify.states.stages import KINDS

        for r in rows:
            r["kind"] = f"{KINDS.get(r['kind'], r['kind'])} {r['kind']}"
    emit(rows, [("code", "组织代码"), ("name", "党组织名称"), ("kind", "类别"), ("county", "县"),
                ("township", "乡镇"), ("open_case", "在办整顿对象")], fmt)


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
    run_import("org", app, file, dry_run)
