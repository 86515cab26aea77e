"""The case commands that only read: show, history, list. ``rectify.cli.case`` puts them in the ``case`` group."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import click

from rectify.cli.common import DATE, KIND, LIGHT, STAGE, App, light_label, pass_app, reader, stage_label, whole
from rectify.cli.listing import emit, output_options


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
    from rectify.output import mask_phone, render_json

    data, files = _case_and_files(app, ref, as_of, known_on)
    if mask_phones:
        for person in (*data["people"], *data["secretaries"]):
            person["phone"] = mask_phone(person["phone"]) if person["phone"] else ""
    if fmt == "json":
        click.echo(render_json({**data, "evidence": files} if files else data))
        return
    _print_case(data)
    for f in files:
        state = "（已撤回）" if not f["current"] else ""
        click.echo(f"佐证材料：{f['on']} {f['kind']} {f['name']}{'：' + f['caption'] if f['caption'] else ''}{state}")


def _case_and_files(app: App, ref: str, as_of: date | None,
                    known_on: date | None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The case (as of a past day: rebuilt, without files) and its files: today's on the light read path when it
    plainly can (rectify.reports.light), else through SQLAlchemy."""
    day = as_of or app.today()
    light = app.light() if as_of is None and known_on is None else None
    if light is not None:
        from rectify.reports.light import case_and_files

        found = case_and_files(light, ref, as_of=day, config=app.config, reader=reader(app))
        if found is not None:
            return found
    from rectify.reports.cases import show_case

    data = show_case(app.database(), ref, as_of=day, config=app.config, reader=reader(app), known_on=known_on)
    return data, ([] if as_of or known_on else _files(app, ref))


def _files(app: App, ref: str) -> list[dict[str, Any]]:
    return app.service.files(reader(app), ref)


def _print_case(c: dict[str, Any]) -> None:
    line: Callable[[str, Any], None] = lambda k, v: click.echo(f"{k}：{v}")  # noqa: E731
    _print_head(c, line)
    _print_supervision(c, line)
    _print_listings(c, line)
    _print_problems_and_people(c, line)
    _print_measures(c, line)
    _print_verification(c, line)
    if c["withdrawn_reason"]:
        line("撤销原因", c["withdrawn_reason"])


def _print_head(c: dict[str, Any], line: Callable[[str, Any], None]) -> None:
    """The organization, the stage, the dates, the current task and the light."""
    from rectify.states.roles import ROLE_NAMES
    from rectify.states.stages import KINDS
    from rectify.states.wording import days_left_text

    o = c["organization"]
    click.echo(f"整顿对象 {c['id']} · {o['name']}（{o['code']}）")
    line("类别", f"{KINDS.get(o['kind'], o['kind'])} · {o['county']} {o['township']}")
    line("当前阶段", stage_label(c["stage"]) + (f"（第 {c['cycle']} 轮）" if c["cycle"] > 1 else ""))
    line("确定日期", c["identified_on"])
    line("转化时限", c["deadline"])
    if c["next_due"]:
        line("当前待办", f"{c['task_label']}（{ROLE_NAMES.get(c['task_role'], '')}），待办时限 {c['next_due']}，"
                         f"{days_left_text(c['days_left'])}")
        line("距转化时限", f"{c['deadline_days']} 天；预警：{light_label(c['light'])}"
                          + (f"（{c['light_reason']}）" if c["light_reason"] else "") + f"，截至 {c['as_of']}")


def _print_problems_and_people(c: dict[str, Any], line: Callable[[str, Any], None]) -> None:
    """The problems (struck off when their measures are done), the case's people and its secretaries."""
    from rectify.states.stages import ROLE_LABELS, SECRETARY_KINDS

    struck = {p["code"] for p in c["problems"] if p["measures"] and not p["open_measures"]}
    line("软弱涣散情形", "；".join(f"{p['code']} {p['text']}" + ("（已销号）" if p["code"] in struck else "")
                                  for p in c["problems"]))
    if c["detail"]:
        line("主要问题", c["detail"])
    for p in c["people"]:
        line(ROLE_LABELS.get(p["role"], p["role"]), " ".join(x for x in (p["name"], p["email"], p["phone"]) if x))
    if c["helping_unit"]:
        line("结对帮扶单位", c["helping_unit"])
    for s in c["secretaries"]:
        span = f"{s['since']} 起" + (f"，任期至 {s['term_until']}" if s["term_until"] else "") \
            + (f"，{s['until']} 止（{s['end_reason']}）" if s["until"] else "")
        marks = "".join(f"，{x}" for x in (s["action"], s["source"], "原已驻村" if s["preexisting"] else "") if x)
        contact = "".join(f" {x}" for x in (s["email"], s["phone"]) if x)
        line(SECRETARY_KINDS.get(s["kind"], s["kind"]), f"{s['name']}（{s['unit']}）{span}{marks}{contact}")


def _print_measures(c: dict[str, Any], line: Callable[[str, Any], None]) -> None:
    """The measures, the last three progress reports and the extensions."""
    if c["measures"]:
        click.echo("整顿措施：")
        for m in c["measures"]:
            done = f"已完成 {m['done_on']}" if m["done_on"] else "未完成"
            owner = m["owner"] + (f"（{m['owner_unit']}）" if m["owner_unit"] else "")
            click.echo(f"  {m['seq']}. [{m['problems'] or ''}] {m['text']} — {owner}，时限 {m['due_on']}，{done}")
    for r in c["progress_reports"][-3:]:
        line("最近进展", f"{r['reported_on']} {r['note']}")
    for e in c["extensions"]:
        line("延期", f"{e['old_deadline']} → {e['new_deadline']}（{e['reason']}，{e['approved_by']} 批准）")


def _print_listings(c: dict[str, Any], line: Callable[[str, Any], None]) -> None:
    """A repeat listing, the 巩固期's look-backs, and a later listing of the organization (SPEC §3)."""
    from rectify.states.consolidation import RESULT_LABELS, months_label

    if c.get("earlier_years"):
        years = "、".join(str(y) for y in c["earlier_years"])
        prev = f"（整顿对象 {c['previous_case_id']}）" if c.get("previous_case_id") else ""
        line("重复列入", f"曾于 {years} 年列入整顿{prev}")
    for lb in c.get("look_backs", []):
        what = (f"{lb['done_on']} {RESULT_LABELS[lb['result']]}" if lb["result"]
                else f"待回头看（{lb['due_on']}，可提前 30 天）")
        line("回头看", f"{months_label(lb['after_days'])}（{lb['due_on']}）：{what}")
    for x in c.get("later_listings", []):
        line("再次列入", f"{x['identified_on']} 再次列入整顿（{x['year']} 年，整顿对象 {x['id']}）")


def _print_verification(c: dict[str, Any], line: Callable[[str, Any], None]) -> None:
    """申请验收 → 验收 → 公示 → 销号: the application, each verification, the 公示 and its objections."""
    import json

    from rectify.states.thresholds import GRADE_LABELS, percent, satisfaction_rate

    if c["self_check"]:
        line("申请验收", f"{c['rectified_on'] or ''} {c.get('applied_by') or ''}，乡镇初验意见：{c['self_check']}")
    for v in c["verifications"]:
        grade = GRADE_LABELS.get(v.get("grade") or "", "")
        result = (grade or "通过") if v["passed"] else f"{grade or '未通过'}（{v['reasons']}）"
        rate = percent(satisfaction_rate(v["satisfied"], v["basic"], v["dissatisfied"]))
        text = (f"{v['verified_on']} {v['verifier']} 得分 {v['score']}，满意 {v['satisfied']}/基本满意 "
                f"{v['basic']}/不满意 {v['dissatisfied']}（满意率 {rate}），{result}")
        line("验收", text)
        if v.get("members"):
            line("验收组成员", v["members"] + (f"（{v['signed_by']} 签署）" if v.get("signed_by") else ""))
        if v.get("score_sheet"):
            line("评分表", "，".join(f"{k} {n}" for k, n in json.loads(v["score_sheet"]).items()))
    if c.get("publicity_until"):
        line("公示", f"至 {c['publicity_until']}（期满且无待处理异议后可销号）")
    decisions = {"upheld": "异议成立，验收不通过", "dismissed": "不予采纳", "": "待处理"}
    for o in c.get("objections", []):
        text = f"{o['raised_on']} {o['text']}：{decisions.get(o['decision'], o['decision'])}"
        if o["decided_on"]:
            text += f"（{o['decided_on']} {o['decided_by']}{'，' + o['note'] if o['note'] else ''}）"
        line("公示异议", text)
    if c.get("struck_off_on"):
        doc = f"，文号 {c['strike_off_doc']}" if c.get("strike_off_doc") else ""
        line("销号", f"{c['struck_off_on']} 批复{doc}")


def _print_supervision(c: dict[str, Any], line: Callable[[str, Any], None]) -> None:
    """Every sign the case has had, and the escalation ladder's step reached."""
    from rectify.states.escalation import step_label
    from rectify.states.roles import LEVEL_NAMES

    signs = c.get("supervisions", [])
    for s in signs:
        level = LEVEL_NAMES.get(s["level"], s["level"])
        text = f"{level}挂牌 {s['hung_on']}，督办单位 {s['unit']}，督办事项：{s['matter']}"
        text += f"，督办时限 {s['due_on']}" if s["due_on"] else ""
        if s["taken_down_on"]:
            text += (f"；{s['taken_down_on']} 摘牌（{s['inspected_by']} {s['inspected_on']} 检查；"
                     f"{s['down_reason']}）")
        else:
            text += "；在挂"
        line("挂牌督办", text)
    if c["supervised"] and not any(not s["taken_down_on"] for s in signs):
        line("挂牌督办", c["supervision_reason"])
    if c.get("escalation_step"):
        line("督办升级", f"已到「{step_label(c['escalation_step'])}」（提醒 → 督促 → 约谈 → 通报 → 挂牌）")


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
    _with_files(rows, _files(app, ref))
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
    rows = _listed(app, as_of, light, filters)
    if fmt != "json":
        for r in rows:
            r["stage"] = stage_label(r["stage"])
            r["light"] = light_label(r["light"])
    emit(rows, [("case_id", "编号"), ("org_code", "组织代码"), ("org_name", "党组织名称"), ("township", "乡镇"),
                ("stage", "当前阶段"), ("deadline", "转化时限"), ("days_left", "剩余天数"), ("light", "预警"),
                ("supervised", "挂牌督办")], fmt)


def _listed(app: App, as_of: date | None, light: str | None, filters: dict[str, Any]) -> list[dict[str, Any]]:
    """The list: today's on the light read path when it can, else through SQLAlchemy."""
    day = as_of or app.today()
    fast = app.light() if as_of is None else None
    if fast is not None:
        from rectify.reports.light import cases

        rows = cases(fast, as_of=day, config=app.config, colour=light, reader=reader(app), **filters)
        if rows is not None:
            return rows
    from rectify.reports.cases import list_cases

    return list_cases(app.database(), as_of=day, config=app.config, light=light, reader=reader(app), **filters)


COMMANDS: tuple[click.Command, ...] = (case_show, case_history_cmd, case_list)
