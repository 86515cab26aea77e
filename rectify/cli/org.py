"""Grassroots Party organizations: ``rectify org add | list | import``."""

from __future__ import annotations

import click

from rectify.cli.common import KIND, App, pass_app, reader, say
from rectify.cli.data import run_import
from rectify.cli.listing import emit, output_options


@click.group()
def org() -> None:
    """基层党组织（org）：登记、列出、导入。"""


@org.command("add")
@click.argument("code")
@click.argument("name")
@click.option("--kind", type=KIND, required=True, help=f"类别：{KIND.pairs()}。")
@click.option("--county", required=True, help="县/市/区。")
@click.option("--township", required=True, help="乡镇/街道。")
@click.option("--poor-village", is_flag=True, help="脱贫村（原建档立卡贫困村）。")
@pass_app
def org_add(app: App, code: str, name: str, kind: str, county: str, township: str, poor_village: bool) -> None:
    """登记基层党组织：组织代码 CODE，名称 NAME。

    \b
    示例：
      rectify org add 341122101201 河口镇王家庄村党支部 --kind 村 --county 青山县 --township 河口镇
    """
    app.workflow().add_org(code, name, kind=kind, county=county, township=township, poor_village=poor_village)
    say(f"已登记组织 {code}（{name}）")


@org.command("list")
@click.option("--county", help="县（完整名称）。")
@click.option("--township", help="乡镇（完整名称）。")
@click.option("--kind", type=KIND, help=f"类别：{KIND.pairs()}。")
@output_options()
@pass_app
def org_list(app: App, county: str | None, township: str | None, kind: str | None, fmt: str) -> None:
    """组织列表：各组织及其在办的整顿对象。

    \b
    示例：
      rectify org list --township 河口镇 --format json
    """
    from rectify.reports.cases import list_orgs

    rows = list_orgs(app.database(), county=county, township=township, kind=kind, reader=reader(app))
    if fmt != "json":
        from rectify.states.stages import KINDS

        for r in rows:
            r["kind"] = KINDS.get(r["kind"], r["kind"])
    emit(rows, [("code", "组织代码"), ("name", "党组织名称"), ("kind", "类别"), ("county", "县"),
                ("township", "乡镇"), ("open_case", "在办整顿对象")], fmt)


@org.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--dry-run", is_flag=True, help="只检查不写入：检查每一行并报告。")
@pass_app
def org_import(app: App, file: str, dry_run: bool) -> None:
    """批量导入基层党组织：从 CSV 或 XLSX 导入，全部成功或全部不写入。

    列（中文或英文表头）：组织代码/code、党组织名称/name、类别/kind（村、社区……或 village、community……）、
    县/county、乡镇/township、建档立卡贫困村/poor_village。没有代码时由县、乡镇和名称生成一个不变的代码。
    CSV 可以是 UTF-8 或 GBK。每个有错的行都列出行号和列；只要有一行有错就不写入（退出码 2）。

    \b
    示例：
      rectify org import 组织名册.xlsx --dry-run
      rectify org import 组织名册.csv
    """
    run_import("org", app, file, dry_run)
