"""报送 at the city (SPEC §15): which county has reported each period and which is late, and the 汇总 of the
counties' packages (the consolidated ledger and the Party form summed), each figure traceable to its package."""

from __future__ import annotations

import json
from typing import IO, Any

from rectify.config import Config
from rectify.errors import NotFound, Refused
from rectify.output import Column, safe_cell
from rectify.reports.package import read_package
from rectify.reports.stats_form import check_form
from rectify.states import reporting as rules
from rectify.states.permissions import Actor
from rectify.store import Database
from rectify.store import reporting as store

__all__ = ["LEDGER_COLUMNS", "LIST_COLUMNS", "consolidate", "submission_list", "write_csv", "write_xlsx"]

LIST_COLUMNS: list[Column] = [
    ("county", "县"), ("state", "报送情况"), ("submission_id", "报送编号"), ("submitted_at", "报送时间"),
    ("submitted_by", "报送人"), ("cases", "整顿对象数"), ("due_on", "报送时限"), ("note", "说明"),
]
LEDGER_COLUMNS: list[Column] = [
    ("county", "县"), ("case_key", "整顿对象标识"), ("township", "乡镇"), ("org_code", "组织代码"),
    ("org_name", "党组织名称"), ("stage", "阶段"), ("identified_on", "确定日期"), ("deadline", "转化时限"),
    ("light", "预警"), ("submission_id", "报送编号"),
]


def _counties(conn: Any, reader: Actor | None) -> list[str]:
    if reader is not None and reader.role is not None and reader.counties:
        return sorted(reader.counties)
    return store.known_counties(conn)


def submission_list(db: Database, config: Config, *, period_text: str, today: Any,
                    reader: Actor | None = None) -> dict[str, Any]:
    """Per county of the reader's scope: its latest submission of the period, and whether it is late."""
    period = rules.parse_period(period_text)
    due = rules.due_on(period, config)  # a due day on a rest day moves to the next working day
    with db.connect() as conn:
        counties = _counties(conn, reader)
        held = store.of_period(conn, period.code, tuple(counties))
    by_county: dict[str, list[Any]] = {}
    for s in held:
        by_county.setdefault(s.county, []).append(s)
    rows = []
    for county in counties:
        subs = by_county.get(county, [])
        rows.append(_state(county, subs, due, today, config))
    return {"period": period.code, "kind": rules.KIND_LABELS[period.kind], "as_of": period.end.isoformat(),
            "due_on": due.isoformat(), "late": sum(r["late"] for r in rows), "counties": rows}


def _state(county: str, subs: list[Any], due: Any, today: Any, config: Config) -> dict[str, Any]:
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(config.policy.timezone)
    latest = subs[-1] if subs else None
    row: dict[str, Any] = {"county": county, "due_on": due.isoformat(), "submission_id": None, "submitted_at": None,
                           "submitted_by": None, "cases": None, "status": None, "late": False, "note": "",
                           "history": [{"submission_id": s.id, "status": s.status, "digest": s.digest,
                                        "submitted_at": s.submitted_at.isoformat(), "return_reason": s.return_reason}
                                       for s in subs]}
    if latest is None:
        row["late"] = today > due
        row["state"] = "逾期未报" if row["late"] else "未报送"
        return row
    day = latest.submitted_at.astimezone(zone).date()
    row.update(submission_id=latest.id, submitted_at=latest.submitted_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
               submitted_by=latest.submitted_by, status=latest.status,
               cases=json.loads(latest.manifest)["counts"]["cases"])
    if latest.status == rules.RETURNED:
        row["late"] = today > due
        row["state"] = "已退回，待重报"
        row["note"] = f"退回理由：{latest.return_reason}"
    else:
        row["late"] = day > due
        row["state"] = "逾期报送" if row["late"] else "已报送"
        if len(subs) > 1:
            row["note"] = f"第 {len(subs)} 次报送"
    return row


def _current(conn: Any, period: str, counties: list[str]) -> list[Any]:
    """Each county's latest submission of the period that was not returned."""
    latest: dict[str, Any] = {}
    for s in store.of_period(conn, period, tuple(counties)):
        if s.status != rules.RETURNED:
            latest[s.county] = s
    return [latest[c] for c in sorted(latest)]


def consolidate(db: Database, *, period_text: str, reader: Actor | None = None) -> dict[str, Any]:
    """The 汇总 of the counties' current packages: their ledgers one after another (case identity: county code
    and number) and the Party form summed cell by cell, each county's rows beside with its package."""
    if reader is not None and (refusal := rules.step_refusal("consolidate", reader.role, reader.who)):
        raise Refused(refusal)
    period = rules.parse_period(period_text)
    with db.connect() as conn:
        current = _current(conn, period.code, _counties(conn, reader))
        data = store.packages(conn, [s.id for s in current])
    if not current:
        raise NotFound(f"{period.label} 没有可汇总的报送")
    parts = []
    for s in current:
        package = read_package(data[s.id])  # checked again: what is summed is what was signed
        parts.append((s, package))
    forms = [p.files["form.json"] for _, p in parts]
    total = _sum_forms(forms)
    ledger = [{**row, "submission_id": s.id, "digest": s.digest} for s, p in parts for row in p.files["ledger.json"]]
    return {
        "period": period.code, "as_of": period.end.isoformat(),
        "counties": [{"county": s.county, "county_code": s.county_code, "submission_id": s.id, "digest": s.digest,
                      "submitted_at": s.submitted_at.isoformat(), "cases": len(p.files["ledger.json"])}
                     for s, p in parts],
        "form": total,
        "county_forms": [{"county": s.county, "submission_id": s.id, "digest": s.digest, "rows": f["rows"]}
                         for (s, _), f in zip(parts, forms, strict=True)],
        "ledger": ledger,
    }


def _sum_forms(forms: list[dict[str, Any]]) -> dict[str, Any]:
    first = forms[0]
    keys = [c["key"] for c in first["columns"]]
    if any([c["key"] for c in f["columns"]] != keys for f in forms):
        raise Refused("各县统计表的栏目不一致（报送包由不同版本的 rectify 生成），无法汇总")
    rows = []
    for i, row in enumerate(first["rows"]):
        values = {k: None if row["values"][k] is None else sum(f["rows"][i]["values"][k] or 0 for f in forms)
                  for k in keys}
        rows.append({"row": row["row"], "values": values})
    carried = {label: sum(f["carried_in"][label] for f in forms) for label in first["carried_in"]}
    total = {**first, "rows": rows, "carried_in": carried,
             "report": {**first["report"], "unit": "", "preparer": "", "reviewer": "", "phone": ""}}
    check_form(total)
    return total


def _form_lines(result: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """The 汇总 rows, then each county's rows with the package they come from."""
    cols = result["form"]["columns"]
    headers = ["县", "行", *(c["header"] for c in cols), "报送编号", "报送包 SHA-256"]
    lines = [["汇总", r["row"], *(r["values"][c["key"]] for c in cols), "", ""] for r in result["form"]["rows"]]
    for f in result["county_forms"]:
        lines += [[f["county"], r["row"], *(r["values"][c["key"]] for c in cols), f["submission_id"], f["digest"]]
                  for r in f["rows"]]
    return headers, lines


def _ledger_cells(row: dict[str, Any]) -> list[Any]:
    from rectify.states.deadlines import LIGHT_LABELS
    from rectify.states.stages import STAGE_LABELS

    words: dict[str, dict[Any, str]] = {"stage": dict(STAGE_LABELS), "light": dict(LIGHT_LABELS)}
    return [words[k].get(row.get(k), row.get(k)) if k in words else row.get(k) for k, _ in LEDGER_COLUMNS]


def write_csv(result: dict[str, Any], out: IO[str]) -> None:
    import csv

    out.write("\ufeff")
    w = csv.writer(out, lineterminator="\r\n")
    headers, lines = _form_lines(result)
    w.writerow([f"{result['form']['title']}（汇总，{result['period']}，截至 {result['as_of']}）"])
    w.writerow(headers)
    w.writerows([[safe_cell("" if v is None else v) for v in line] for line in lines])
    w.writerow([])
    w.writerow([label for _, label in LEDGER_COLUMNS])
    w.writerows([[safe_cell("" if v is None else v) for v in _ledger_cells(r)] for r in result["ledger"]])


def write_xlsx(result: dict[str, Any], out: IO[bytes]) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(out, {"strings_to_formulas": False, "strings_to_urls": False,
                                   "strings_to_numbers": False, "in_memory": True})
    base = {"font_name": "宋体", "font_size": 10, "border": 1, "valign": "vcenter", "text_wrap": True}
    head, cell = wb.add_format({**base, "bold": True, "bg_color": "#D9D9D9", "align": "center"}), wb.add_format(base)
    title = wb.add_format({"font_name": "黑体", "font_size": 14, "bold": True})
    headers, lines = _form_lines(result)
    sheets = (("汇总统计表", f"{result['form']['title']}（汇总，{result['period']}，截至 {result['as_of']}）", headers,
               lines),
              ("汇总台账", f"限期转化台账（汇总，{result['period']}，截至 {result['as_of']}）",
               [label for _, label in LEDGER_COLUMNS], [_ledger_cells(r) for r in result["ledger"]]))
    for name, heading, cols, rows in sheets:
        ws = wb.add_worksheet(name)
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(1)
        ws.write_string(0, 0, heading, title)
        for i, label in enumerate(cols):
            ws.write_string(1, i, label, head)
            ws.set_column(i, i, 12)
        for n, values in enumerate(rows, 2):
            for i, v in enumerate(values):
                if isinstance(v, int) and not isinstance(v, bool):
                    ws.write_number(n, i, v, cell)
                else:
                    ws.write_string(n, i, safe_cell("" if v is None else v), cell)
    wb.close()
