"""排查 (SPEC §15), the read side: the screening table of a round, the share listed per 乡镇 beside its
guidance range, and the 名单 the 县委常委会 fixed; as rows for the table, CSV, JSON and XLSX prints."""

from __future__ import annotations

from collections import Counter
from typing import IO, Any

from rectify.config import Config
from rectify.errors import NotFound, Refused
from rectify.output import Column, display_width, safe_cell
from rectify.states import screening as rules
from rectify.states.permissions import Actor, scope_refusal
from rectify.states.stages import KINDS
from rectify.store import Database
from rectify.store import screening as store

__all__ = ["LIST_COLUMNS", "TABLE_COLUMNS", "TOWNSHIP_COLUMNS", "screening_view", "write_xlsx"]

TABLE_COLUMNS: list[Column] = [
    ("township", "乡镇"), ("code", "组织代码"), ("name", "党组织名称"), ("self_check", "自查情形"),
    ("township_review", "乡镇复查情形"), ("satisfaction", "群众满意率"), ("vacant_since", "书记空缺起始"),
    ("hard_criteria", "硬性情形"), ("outcome_label", "研判"), ("reason", "理由"), ("case_id", "整顿对象"),
]
TOWNSHIP_COLUMNS: list[Column] = [
    ("township", "乡镇"), ("organizations", "组织数"), ("screened", "已排查"), ("listed", "列入"),
    ("share", "列入占比"), ("guidance", "参考（非指标）"),
]
LIST_COLUMNS: list[Column] = [
    ("seq", "序号"), ("township", "乡镇"), ("code", "组织代码"), ("name", "党组织名称"), ("kind", "类别"),
    ("problems", "软弱涣散情形"), ("case_id", "整顿对象"),
]


def _codes(raw: str) -> str:
    from rectify.write.screening import stored_problems

    return "、".join(p.partition(":")[0] for p in stored_problems(raw))


def _row(r: Any, config: Config, as_of: Any) -> dict[str, Any]:
    s = config.screening
    rate = rules.satisfaction(r.respondents, r.satisfied, r.basic)
    met = rules.hard_criteria(rate=rate, vacant_since=r.vacant_since, on=as_of,
                              weak_satisfaction=s.weak_satisfaction, vacancy_months=s.vacancy_months)
    return {
        "township": r.township, "code": r.code, "name": r.name, "kind": r.kind,
        "screened": r.self_on is not None or r.township_on is not None or r.checked_on is not None,
        "self_check": _codes(r.self_problems or ""), "township_review": _codes(r.township_problems or ""),
        "self_note": r.self_note or "", "township_note": r.township_note or "",
        "respondents": r.respondents, "satisfied": r.satisfied, "basic": r.basic, "dissatisfied": r.dissatisfied,
        "satisfaction": None if rate is None else round(rate, 4),
        "vacant_since": r.vacant_since.isoformat() if r.vacant_since else None,
        "hard_criteria": "；".join(met), "outcome": r.outcome or None,
        "outcome_label": rules.OUTCOMES.get(r.outcome or "", ""), "reason": r.reason or "",
        "case_id": r.case_id, "problems_raw": r.township_problems or r.self_problems or "",
        "self_raw": r.self_problems or "", "township_raw": r.township_problems or "",
    }


def screening_view(db: Database, config: Config, *, county: str, year: int, reader: Actor | None = None,
                   as_of: Any = None) -> dict[str, Any]:
    """Everything ``screening show`` and the prints say about one round."""
    if reader is not None and (refusal := scope_refusal(reader, county, reader.township or "")):
        raise Refused(refusal.replace("不能操作", "不能查看").replace("的整顿对象", "的排查"))
    with db.connect() as conn:
        rnd = store.round_of(conn, county, year)
        if rnd is None:
            raise NotFound(f"{county} 尚未开始 {year} 年度排查（rectify screening start）")
        register = store.register(conn, rnd.id, county)
    day = as_of or rnd.decided_on or rnd.started_on
    rows = [_row(r, config, day) for r in register]
    if reader is not None and reader.township is not None:
        rows = [r for r in rows if r["township"] == reader.township]
    return {
        "county": county, "year": year, "started_on": rnd.started_on.isoformat(),
        "decided_on": rnd.decided_on.isoformat() if rnd.decided_on else None, "meeting": rnd.meeting,
        "doc": rnd.doc, "listed_on": rnd.listed_on.isoformat() if rnd.listed_on else None,
        "share_range": list(config.screening.share_range),
        "organizations": len(rows), "screened": sum(r["screened"] for r in rows),
        "listed": sum(r["outcome"] == rules.LISTED for r in rows),
        "townships": _townships(rows, config.screening.share_range),
        "rows": rows,
        "list": _name_list(rows) if rnd.decided_on else [],
    }


def _townships(rows: list[dict[str, Any]], share_range: tuple[float, ...]) -> list[dict[str, Any]]:
    total, screened, listed = Counter[str](), Counter[str](), Counter[str]()
    for r in rows:
        total[r["township"]] += 1
        screened[r["township"]] += r["screened"]
        listed[r["township"]] += r["outcome"] == rules.LISTED
    return [{"township": t, "organizations": n, "screened": screened[t], "listed": listed[t],
             "share": round(listed[t] / n, 4), "guidance": rules.share_note(listed[t], n, share_range)}
            for t, n in sorted(total.items())]


def _name_list(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    from rectify.write.screening import stored_problems

    listed = [r for r in rows if r["outcome"] == rules.LISTED]
    return [{"seq": n, "township": r["township"], "code": r["code"], "name": r["name"],
             "kind": KINDS.get(r["kind"], r["kind"]),
             "problems": "；".join(p.partition(":")[2] or p for p in stored_problems(r["problems_raw"])),
             "case_id": r["case_id"]} for n, r in enumerate(listed, 1)]


def title_of(view: dict[str, Any]) -> str:
    basis = "、".join(x for x in (view["meeting"], view["doc"]) if x)
    decided = f"（{view['decided_on']} {basis}确定）" if view["decided_on"] else "（名单尚未确定）"
    return f"{view['county']}{view['year']}年度软弱涣散基层党组织名单{decided}"


def write_xlsx(view: dict[str, Any], out: IO[bytes]) -> None:
    """Two print-ready sheets: 名单 (as the 常委会 fixed it) and 排查表 (every organization of the register)."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(out, {"strings_to_formulas": False, "strings_to_urls": False,
                                   "strings_to_numbers": False, "in_memory": True})
    base = {"font_name": "宋体", "font_size": 10, "border": 1, "valign": "vcenter", "text_wrap": True}
    head = wb.add_format({**base, "bold": True, "bg_color": "#D9D9D9", "align": "center"})
    cell = wb.add_format(base)
    title = wb.add_format({"font_name": "黑体", "font_size": 14, "bold": True})
    sheets = (("名单", title_of(view), LIST_COLUMNS, view["list"]),
              ("排查表", f"{view['county']}{view['year']}年度排查表", TABLE_COLUMNS, view["rows"]),
              ("乡镇占比", f"各乡镇列入占比（参考区间 {view['share_range'][0]:.0%}–{view['share_range'][-1]:.0%}，"
               "不是指标）", TOWNSHIP_COLUMNS, view["townships"]))
    for name, heading, columns, rows in sheets:
        ws = wb.add_worksheet(name)
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(1)
        ws.write_string(0, 0, heading, title)
        for i, (key, label) in enumerate(columns):
            ws.write_string(1, i, label, head)
            width = max([display_width(label)] + [display_width(str(r.get(key) or "")) for r in rows[:200]])
            ws.set_column(i, i, min(max(6, width + 2), 40))
        for n, r in enumerate(rows, 2):
            for i, (key, _) in enumerate(columns):
                value = r.get(key)
                if isinstance(value, int | float) and not isinstance(value, bool):
                    ws.write_number(n, i, value, cell)
                else:
                    ws.write_string(n, i, safe_cell("" if value is None else value), cell)
    wb.close()
