"""报送 (SPEC §15): ``rectify report submit | receive | list | return | consolidate``."""

from __future__ import annotations

from typing import Any

import click

from rectify.cli.common import App, pass_app, say, to_file, whole, write_output

_PERIOD = click.option("--period", required=True, metavar="P",
                       help="报告期：2026-06（月报）、2026-H1（半年报）或 2026（年报）。")


def _reporting(app: App) -> Any:
    from rectify.write.reporting import Reporting

    return Reporting(app.database(), app.config, actor=app.person(), clock=app.clock())


@click.group()
def report() -> None:
    """向市委组织部报送（报送）：县报送台账、统计表和名单，市接收、退回、汇总。"""


@report.command("submit")
@_PERIOD
@click.option("--county", help="报送的县（默认：操作人所在的县）。")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="把报送包写入文件（本县使用独立数据库时交给市里）。")
@pass_app
def submit(app: App, period: str, county: str | None, output: str | None) -> None:
    """报送一个报告期：台账、党内统计表和名单按报告期末（截至）冻结，按报送当天已录入的记录生成，签名打包。

    共用数据库时，报送即为市里可见的记录；本县使用独立数据库时，用 -o 写出报送包交给市里
    （rectify report receive）。

    \b
    示例：
      rectify report submit --period 2026-H1 -o 青山县-2026-H1.zip
      rectify report submit --period 2026-06
    """
    done = _reporting(app).submit(period, county)
    m = done.package.manifest
    if output:
        write_output(output, "zip", lambda out: out.write(done.package.data), binary=True)
    say(f"已报送 {m['county']} {m['period']}（截至 {m['as_of']}，据 {m['known_on']} 已录入的记录）："
        f"报送编号 {done.submission_id}，整顿对象 {m['counts']['cases']} 个" + (f"，报送包 {output}" if output else ""))


@report.command("receive")
@click.argument("file", type=click.Path(dir_okay=False))
@pass_app
def receive(app: App, file: str) -> None:
    """接收一个县的报送包：签名或任一文件的 SHA-256 不符、已接收过、或已有该县该期更新的报送时拒收。

    \b
    示例：
      rectify report receive 青山县-2026-H1.zip
    """
    from pathlib import Path

    from rectify.errors import BadInput
    from rectify.output import os_reason

    try:
        data = Path(file).read_bytes()
    except OSError as exc:
        raise BadInput(f"无法读取报送包 {file}：{os_reason(exc, reading=True)}") from None
    done = _reporting(app).receive(data)
    m = done.package.manifest
    say(f"已接收 {m['county']} {m['period']} 的报送（报送编号 {done.submission_id}，"
        f"整顿对象 {m['counts']['cases']} 个）")


@report.command("list")
@_PERIOD
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True,
              help="输出格式。")
@pass_app
def list_cmd(app: App, period: str, fmt: str) -> None:
    """一个报告期各县的报送情况：谁已报送、谁逾期（时限见 [reporting]）、谁被退回待重报。

    \b
    示例：
      rectify report list --period 2026-H1
    """
    from rectify.cli.listing import emit
    from rectify.output import render_json
    from rectify.reports.submissions import LIST_COLUMNS, submission_list

    data = submission_list(app.database(), app.config, period_text=period, today=app.today(),
                           reader=app.person())
    if fmt == "json":
        click.echo(render_json(data))
        return
    if fmt == "table":
        click.echo(f"{data['period']} {data['kind']}（截至 {data['as_of']}，{data['due_on']} 前报送）："
                   f"逾期 {data['late']} 个县")
    emit(data["counties"], LIST_COLUMNS, fmt)


@report.command("return")
@click.argument("submission_id", type=whole(1))
@click.option("--reason", required=True, help="退回理由。")
@pass_app
def return_cmd(app: App, submission_id: int, reason: str) -> None:
    """退回一个县的报送（写明理由）；县里更正后重新报送，两次报送都保留。

    \b
    示例：
      rectify report return 3 --reason 台账中河口镇两个村的整改时限与方案不符
    """
    row = _reporting(app).return_submission(submission_id, reason)
    say(f"已退回报送 {submission_id}（{row.county} {row.period}）")


@report.command("consolidate")
@_PERIOD
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv", "json"]), default="json", show_default=True,
              help="输出格式：xlsx（汇总统计表、汇总台账两张表）、csv、json。")
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), help="写入文件（- 为标准输出）。")
@pass_app
def consolidate_cmd(app: App, period: str, fmt: str, output: str | None) -> None:
    """汇总各县的报送：汇总台账（整顿对象标识为县代码-编号）与汇总统计表（各县统计表逐格相加），
    每个县的数字都注明来自哪个报送包（报送编号、SHA-256）。退回的报送不计入。

    \b
    示例：
      rectify report consolidate --period 2026-H1 --format xlsx -o 汇总-2026-H1.xlsx
      rectify report consolidate --period 2026-H1 --format json
    """
    from rectify.output import render_json
    from rectify.reports import submissions as rs

    result = rs.consolidate(app.database(), period_text=period, reader=app.person())
    if fmt == "json":
        text = render_json(result) + "\n"
        write_output(output, fmt, lambda out: out.write(text))
    elif fmt == "csv":
        write_output(output, fmt, lambda out: rs.write_csv(result, out))
    else:
        write_output(output, fmt, lambda out: rs.write_xlsx(result, out))
    if to_file(output):
        say(f"已导出 {result['period']} 汇总到 {output}（{len(result['counties'])} 个县）")
