"""The import template: the ledger's columns (plus 组织代码 and a late stage's verification facts) and one example
row, as CSV or XLSX."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from rectify.importing.sheets import DERIVED
from rectify.reports.ledger import LEDGER_COLUMNS
from rectify.states.stages import STAGE_LABELS, Stage


def _headers() -> tuple[tuple[str, str], ...]:
    """The ledger's columns (less what it computes), 组织代码 first, a late stage's verification facts after
    是否销号 (issue 26), as the ledger's spreadsheets write them."""
    from rectify.reports.ledger_sheets import FACT_COLUMNS

    out: list[tuple[str, str]] = [("org_code", "组织代码")]
    for key, header in LEDGER_COLUMNS:
        if key not in DERIVED:
            out.append((key, header))
        if key == "struck_off":
            out.extend(FACT_COLUMNS)
    return tuple(out)


TEMPLATE_HEADERS: tuple[tuple[str, str], ...] = _headers()

TEMPLATE_EXAMPLE: dict[str, Any] = {
    "org_code": "341122101201", "county": "青山县", "township": "河口镇", "org_name": "河口镇王家庄村党支部",
    "kind": "村", "problems": "P01；P10", "detail": "村党支部书记空缺半年，班子仅剩两人", "measures": "1/3",
    "county_leader": "李志强", "township_cadre": "张秀英", "secretary": "陈海涛（县财政局）",
    "helping_unit": "县财政局", "identified_on": "2025-03-05", "deadline": "2025-12-31",
    "stage": f"{STAGE_LABELS[Stage.secretary_assigned]} {Stage.secretary_assigned.value}",
    "supervised": "否", "last_progress": "2025-05-31 召开党员大会",
    "verified_on": "", "score": "", "struck_off": "否", "remarks": "",
}


def write_template(out: Path | io.BytesIO | io.StringIO, fmt: str) -> None:
    """An empty sheet with the headers and one example row (the ledger's columns, plus 组织代码)."""
    headers = [h for _, h in TEMPLATE_HEADERS]
    example = [TEMPLATE_EXAMPLE.get(k, "") for k, _ in TEMPLATE_HEADERS]
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(headers)
        w.writerow(example)
        text = "\ufeff" + buf.getvalue()
        if isinstance(out, Path):
            out.write_bytes(text.encode("utf-8"))
        elif isinstance(out, io.StringIO):
            out.write(text)
        else:
            out.write(text.encode("utf-8"))
        return
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "整顿对象导入"
    ws.append(headers)
    ws.append(example)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for i, h in enumerate(headers, 1):
        ws.column_dimensions[ws.cell(1, i).column_letter].width = max(10, 2 * len(h) + 4)
    ws.freeze_panes = "A2"
    wb.save(out)  # type: ignore[arg-type]
