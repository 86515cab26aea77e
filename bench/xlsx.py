"""``ledger_xlsx``: the national ledger's workbook through the product, against the same workbook written by hand.

The floor writes what :func:`rectify.reports.ledger_sheets.write_xlsx` writes — the three sheets (简表, 全表,
措施明细), their formats, lights, date cells, row heights, labels and column widths — so its sheets are the
product's byte for byte (checked on the first pair). It shares the once-per-file part with the product (the
workbook opened with its sheets, formats, page layout and headers; filters and signatures at the end) and the
ledger's rows with their labels (``ledger_rows``: the row source the CSV figure measures); every row it writes by
hand: each sheet's cells picked from the row, each written with its column's prepared format, dates as Excel day
numbers, the row's height measured on each text cell that could be the tallest (a character is two units at most),
and what xlsxwriter keeps of the row before dropped.

Product and floor each run in a child process of their own (their peak RSS is their own), alternating three
times; the best of each counts.
"""

from __future__ import annotations

import hashlib
import json
import math
import subprocess
import sys
import time
import unicodedata
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

from bench.figures import measure, peak_rss_mb

TITLE = "全国台账"


def _rows(db_path: Path) -> tuple[Any, Any]:
    from bench.generate import AS_OF
    from rectify.config import Config
    from rectify.reports.ledger import ledger_rows
    from rectify.store import open_database

    db = open_database(str(db_path))
    return db, ledger_rows(db, as_of=AS_OF, config=Config())


@measure("_xlsx_product")
def xlsx_product(db_path: Path, workdir: Path, n: int) -> dict[str, Any]:
    from bench.generate import AS_OF
    from rectify.reports.ledger_formats import write_xlsx

    db, rows = _rows(db_path)
    start = time.perf_counter()
    written = write_xlsx(rows, str(workdir / "ledger.xlsx"), title=TITLE, as_of=AS_OF)
    value = time.perf_counter() - start
    db.dispose()
    assert written == n, written
    return {"value": value, "peak_rss_mb": peak_rss_mb()}


class _Widths(dict[str, int]):
    def __missing__(self, ch: str) -> int:
        w = self[ch] = 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
        return w


def _serial(value: Any) -> int:
    day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return (day - date(1899, 12, 30)).days


@measure("_xlsx_floor")
def xlsx_floor(db_path: Path, workdir: Path, n: int) -> dict[str, Any]:
    """The same workbook, each row written by hand (see the module's docstring)."""
    from bench.generate import AS_OF
    from rectify.output import FORMULA_PREFIXES, safe_cell
    from rectify.reports import ledger_print as lp
    from rectify.reports import ledger_sheets as ls

    db, rows = _rows(db_path)
    widths = _Widths().__getitem__
    start = time.perf_counter()
    book = ls.open_book(str(workdir / "floor.xlsx"), title=TITLE, as_of=AS_OF)
    f, p = book.f, book.printed
    # per sheet: (worksheet, line height, formats of numbers, dates, lights and blanks, each column's (kind, text
    # format, room in display units))
    sheets = [(book.ws, ls._LINE_PT, f.num, f.date, f.light, f.text, [
        ({"num": "n", "date": "d", "pct": "p", "light": "l"}.get(kind, "t"), f.text,
         max(1.0, (7 * w - 1) / (1.33 * ls.FONT_PT) * 2 * 0.9))
        for kind, w in zip(ls._KINDS, book.widths, strict=True)])]
    for ws, keys, ws_widths in ((p.brief, lp.BRIEF_KEYS, p.brief_widths),
                                (p.detail, [k for k, *_ in lp.DETAIL_COLUMNS], p.detail_widths)):
        sheets.append((ws, lp._BRIEF_LINE_PT, p.num, p.date, p.light, p.text, [
            ("d" if k in lp.BRIEF_DATES or k == "due_on" else "l" if k == "light" else "t",
             p.centre if k in lp.BRIEF_CENTRED else p.text, max(1.0, (6 * w + 1) / (lp.BRIEF_PT * 4 / 3) * 2 * 0.95))
            for k, w in zip(keys, ws_widths, strict=True)]))
    satisfaction = ls.LEDGER_KEYS.index("satisfaction")
    r = d = 1
    for row in rows:
        light, _, raw = row
        r += 1
        writes = [(0, r, ls.sheet_cells(row)), (1, r, lp.brief_cells(row))]
        for values in lp.detail_rows(row, AS_OF):
            d += 1
            writes.append((2, d, values))
        for which, at, values in writes:
            ws, line_pt, num_fmt, date_fmt, light_fmt, blank_fmt, cols = sheets[which]
            lines = 1
            for value, (_, _, room) in zip(values, cols, strict=True):
                # measured unless even two units a character could not make it the tallest cell
                if value.__class__ is str and ("\n" in value or math.ceil(2 * len(value) / room) > lines):
                    lines = max(lines, sum(max(1, math.ceil(sum(map(widths, part)) / room))
                                           for part in value.split("\n")))
            ws.set_row(at, lines * line_pt + 3)
            for i, (value, (kind, fmt, _)) in enumerate(zip(values, cols, strict=True)):
                if isinstance(value, int) and not isinstance(value, bool) and (which or kind == "n"):
                    ws.write_number(at, i, value, num_fmt)
                elif kind == "d" and value:
                    ws.write_number(at, i, _serial(value), date_fmt)
                elif kind == "p" and value:
                    ws.write_number(at, i, float(raw[satisfaction]), f.pct)
                elif kind == "l" and light:
                    ws.write_string(at, i, value, light_fmt[light])
                elif value is None or value == "":
                    ws.write_blank(at, i, None, blank_fmt)
                else:
                    ws.write_string(at, i, value if value.__class__ is str and not value.startswith(FORMULA_PREFIXES)
                                    else safe_cell(value), fmt)
            ws.row_info.pop(at - 1, None)  # what xlsxwriter keeps of the row it has just written out (forget_row)
            ws.row_sizes.pop(at - 1, None)
    p.r, p.d = r, d
    ls.close_book(book, r, None)
    value = time.perf_counter() - start
    db.dispose()
    return {"value": value, "peak_rss_mb": peak_rss_mb()}


def _sheets_digest(path: Path) -> dict[str, str]:
    """Each worksheet's XML hashed (the workbook's creation time in docProps differs run to run)."""
    out = {}
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/"):
                h = hashlib.sha256()
                with z.open(name) as member:
                    while chunk := member.read(1 << 20):
                        h.update(chunk)
                out[name] = h.hexdigest()
    return out


def _child(name: str, db_path: Path, workdir: Path, n: int) -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-m", "bench.figures", name, str(db_path), str(workdir), str(n)],
                         check=True, capture_output=True, text=True)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


@measure("ledger_xlsx")
def ledger_xlsx(db_path: Path, workdir: Path, n: int) -> dict[str, Any]:
    """The full ledger XLSX against the same workbook written by hand; alternating, best of 3 each."""
    product, floor = [], []
    for attempt in range(3):
        product.append(_child("_xlsx_product", db_path, workdir, n))
        floor.append(_child("_xlsx_floor", db_path, workdir, n))
        if attempt == 0:
            same = _sheets_digest(workdir / "ledger.xlsx") == _sheets_digest(workdir / "floor.xlsx")
            assert same, "the floor's workbook is not the product's"
    return {"value": min(r["value"] for r in product), "floor": min(r["value"] for r in floor), "unit": "s",
            "peak_rss_mb": max(r["peak_rss_mb"] for r in product),
            "floor_peak_rss_mb": max(r["peak_rss_mb"] for r in floor)}
