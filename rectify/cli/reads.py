"""The read commands' bodies without click: ``case show``, ``case list`` and the ledger as a table, each as the
text the command prints. The click commands (:mod:`rectify.cli.case_read`, :mod:`rectify.cli.ledger`) echo it;
the fast path (:mod:`rectify.cli.fast`) writes the very same text without importing click."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from rectify.cli.app import App, light_label, reader, stage_label, table_width

__all__ = ["case_and_files", "files_of", "ledger_filter", "ledger_table", "list_text", "show_text"]


def show_text(app: App, ref: str, as_of: date | None, known_on: date | None, mask_phones: bool, fmt: str) -> str:
    """What ``case show`` prints: the case as JSON, or in lines with its files."""
    from rectify.output import mask_phone, render_json

    data, files = case_and_files(app, ref, as_of, known_on)
    if mask_phones:
        for person in (*data["people"], *data["secretaries"]):
            person["phone"] = mask_phone(person["phone"]) if person["phone"] else ""
    if fmt == "json":
        return render_json({**data, "evidence": files} if files else data) + "\n"
    out: list[str] = []
    _print_case(data, out)
    for f in files:
        state = "（已撤回）" if not f["current"] else ""
        out.append(f"佐证材料：{f['on']} {f['kind']} {f['name']}{'：' + f['caption'] if f['caption'] else ''}{state}")
    return "".join(f"{text}\n" for text in out)


def list_text(app: App, filters: dict[str, Any], light: str | None, as_of: date | None, fmt: str) -> str:
    """What ``case list`` prints: ``filters`` are county, township, kind, stage, year, open_only and supervised."""
    from rectify.cli.listing import emitted

    rows = _listed(app, as_of, light, filters)
    if fmt != "json":
        for r in rows:
            r["stage"] = stage_label(r["stage"])
            r["light"] = light_label(r["light"])
    return emitted(rows, [("case_id", "编号"), ("org_code", "组织代码"), ("org_name", "党组织名称"),
                          ("township", "乡镇"), ("stage", "当前阶段"), ("deadline", "转化时限"),
                          ("days_left", "剩余天数"), ("light", "预警"), ("supervised", "挂牌督办")], fmt)


def case_and_files(app: App, ref: str, as_of: date | None,
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
    return data, ([] if as_of or known_on else files_of(app, ref))


def files_of(app: App, ref: str) -> list[dict[str, Any]]:
    return app.service.files(reader(app), ref)


def _print_case(c: dict[str, Any], out: list[str]) -> None:
    echo = out.append
    line: Callable[[str, Any], None] = lambda k, v: echo(f"{k}：{v}")  # noqa: E731
    _print_head(c, echo, line)
    _print_supervision(c, line)
    _print_listings(c, line)
    _print_problems_and_people(c, line)
    _print_measures(c, echo, line)
    _print_verification(c, line)
    if c["withdrawn_reason"]:
        line("撤销原因", c["withdrawn_reason"])


def _print_head(c: dict[str, Any], echo: Callable[[str], None], line: Callable[[str, Any], None]) -> None:
    """The organization, the stage, the dates, the current task and the light."""
    from rectify.states.roles import ROLE_NAMES
    from rectify.states.stages import KINDS
    from rectify.states.wording import days_left_text

    o = c["organization"]
    echo(f"整顿对象 {c['id']} · {o['name']}（{o['code']}）")
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


def _print_measures(c: dict[str, Any], echo: Callable[[str], None], line: Callable[[str, Any], None]) -> None:
    """The measures, the last three progress reports and the extensions."""
    if c["measures"]:
        echo("整顿措施：")
        for m in c["measures"]:
            done = f"已完成 {m['done_on']}" if m["done_on"] else "未完成"
            owner = m["owner"] + (f"（{m['owner_unit']}）" if m["owner_unit"] else "")
            echo(f"  {m['seq']}. [{m['problems'] or ''}] {m['text']} — {owner}，时限 {m['due_on']}，{done}")
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


def ledger_filter(app: App, county: str | None, township: str | None, kind: str | None, stage: str | None,
                   light: str | None, year: int | None, open_only: bool, sort: str = "place") -> Any:
    from rectify.reports.ledger import LedgerFilter

    return LedgerFilter(county=county, township=township, kind=kind, stage=stage, light=light, year=year,
                        open_only=open_only, reader=reader(app), sort=sort)


def ledger_table(app: App, as_of: date, filters: Any, width: int | None, colour: bool,
                 known_on: date | None = None) -> str:
    from rectify.reports.ledger import ledger_rows
    from rectify.reports.ledger_formats import render_ledger_table

    return render_ledger_table(ledger_rows(data_source(app, as_of, known_on), as_of=as_of, config=app.config,
                                           filters=filters, known_on=known_on),
                               width=table_width(width), colour=colour)


def data_source(app: App, as_of: date, known_on: date | None) -> Any:
    """Today's tables on the light read path (no SQLAlchemy) when the day is today's, else the database."""
    light = app.light()
    if light is None:
        return app.database()
    from rectify.reports.light import ledger_source

    return ledger_source(light, as_of, known_on) or app.database()
