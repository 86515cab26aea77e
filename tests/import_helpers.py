"""Ledger-format files for the import tests, and a second database to copy between.

The rows come from ``rectify.workflow.ledger`` when it offers a row builder; otherwise they are built
here from ``show_case`` in the formats the ledger writes (SPEC §6), so the round trip is the same test.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from rectify.config import Config
from rectify.output import safe_cell
from rectify.states.stages import KINDS, STAGE_LABELS
from rectify.workflow.cases import list_cases, show_case
from rectify.workflow.deadlines import LIGHT_LABELS
from rectify.workflow.ledger import LEDGER_COLUMNS
from rectify.workflow.persistence import Database

# Computed by the ledger (ignored on import) or free text with no column of its own to come back from.
NOT_ROUND_TRIPPED = ("seq", "days_left", "light", "remarks")


def _fallback_rows(db: Database, config: Config, as_of: date) -> list[dict[str, Any]]:
    rows = []
    for n, item in enumerate(list_cases(db, as_of=as_of, config=config), 1):
        c = show_case(db, item["case_id"], as_of=as_of, config=config)
        people = {p["role"]: p["name"] for p in c["people"]}
        current = [s for s in c["secretaries"] if s["until"] is None]
        last = c["progress_reports"][-1] if c["progress_reports"] else None
        done = sum(1 for m in c["measures"] if m["done_on"])
        rows.append({
            "seq": n, "county": c["organization"]["county"], "township": c["organization"]["township"],
            "org_name": c["organization"]["name"], "kind": KINDS[c["organization"]["kind"]],
            "problems": "；".join(f"{p['code']} {p['text']}" for p in c["problems"]),
            "detail": c["detail"], "measures": f"{done}/{len(c['measures'])}",
            "county_leader": people.get("county_leader", ""), "township_cadre": people.get("township_cadre", ""),
            "secretary": f"{current[-1]['name']}（{current[-1]['unit']}）" if current else "",
            "helping_unit": c["helping_unit"], "identified_on": c["identified_on"], "deadline": c["deadline"],
            "stage": f"{STAGE_LABELS[c['stage']]} {c['stage']}", "days_left": c["days_left"],
            "light": f"{LIGHT_LABELS[c['light']]} {c['light']}" if c["light"] else "",
            "supervised": "是" if c["supervised"] else "否",
            "last_progress": f"{last['reported_on']} {last['note']}" if last else "",
            "verified_on": c["verified_on"] or "", "score": c["score"] if c["score"] is not None else "",
            "struck_off": "是" if c["stage"] == "verified" else "否",
            "remarks": c["withdrawn_reason"] or c["supervision_reason"],
        })
    return rows


def ledger_rows(db: Database, config: Config, as_of: date) -> list[dict[str, Any]]:
    from rectify.workflow import ledger

    builder: Callable[..., Any] | None = getattr(ledger, "ledger_rows", None)
    if builder is not None:
        try:
            return [dict(r) for r in builder(db, as_of=as_of, config=config)]
        except TypeError:
            pass
    return _fallback_rows(db, config, as_of)


def cell(value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)


def write_ledger_csv(rows: list[dict[str, Any]], path: Path, *, encoding: str = "utf-8-sig") -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([h for _, h in LEDGER_COLUMNS])
    for r in rows:
        w.writerow([safe_cell(cell(r.get(k))) for k, _ in LEDGER_COLUMNS])
    path.write_bytes(buf.getvalue().encode(encoding))


def write_ledger_xlsx(rows: list[dict[str, Any]], path: Path, *, title: str | None = None) -> None:
    """Dates as real date cells, numbers as numbers, the rest as (formula-safe) text."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    if title:
        ws.append([title])
    ws.append([h for _, h in LEDGER_COLUMNS])
    for r in rows:
        out: list[Any] = []
        for k, _ in LEDGER_COLUMNS:
            v = r.get(k)
            if k in ("identified_on", "deadline", "verified_on") and v:
                out.append(date.fromisoformat(v) if isinstance(v, str) else v)
            elif isinstance(v, int) and not isinstance(v, bool):
                out.append(v)
            else:
                out.append(safe_cell(cell(v)))
        ws.append(out)
    wb.save(path)


def comparable(rows: list[dict[str, Any]]) -> list[tuple[str, ...]]:
    keep = [k for k, _ in LEDGER_COLUMNS if k not in NOT_ROUND_TRIPPED]
    return sorted(tuple(cell(r.get(k)) for k in keep) for r in rows)
