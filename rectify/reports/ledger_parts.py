"""What the writers of the ledger and the statistics share, below all of them: the lights' fills, the
progress count, the lines signed under a table and the Party form's column header.

Its own module so the writers (``ledger_formats``, ``ledger_sheets``, ``ledger_html``, ``ledger_print``,
``stats_formats``, ``stats_sheet``) import it and never one another in a circle.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date
from typing import Any

from rectify.reports.ledger import LedgerRow

__all__ = ["LIGHT_FILL", "Progress", "counted", "excel_serial", "forget_row", "form_header", "max_lines",
           "signature_lines", "text_width"]

# Colours of the warning lights: (fill, font) for XLSX and HTML.
LIGHT_FILL: dict[str, tuple[str, str]] = {
    "green": ("#00B050", "#FFFFFF"),
    "yellow": ("#FFFF00", "#000000"),
    "orange": ("#FFA500", "#000000"),
    "red": ("#FF0000", "#FFFFFF"),
}

Progress = Callable[[int], None]


def counted(rows: Iterable[LedgerRow], progress: Progress | None) -> Iterator[LedgerRow]:
    """The rows as they come, each counted on ``progress`` (when given)."""
    if progress is None:
        yield from rows
        return
    for row in rows:
        yield row
        progress(1)


def signature_lines(report: Any, as_of: date) -> list[str]:
    """The lines signed below the table, from config ``[report]``; the date is the as-of day."""
    def field(name: str) -> str:
        return str(getattr(report, name, "") or "") if report is not None else ""

    gap = "\u3000" * 3
    return [
        f"填报单位（盖章）：{field('unit') or gap * 2}{gap}填报人：{field('preparer') or gap}"
        f"{gap}审核人：{field('reviewer') or gap}",
        f"联系电话：{field('phone') or gap * 2}{gap}填报日期：{as_of.isoformat()}",
    ]


def form_header(col: dict[str, Any]) -> str:
    return f"{col['header']}（人工填报）" if col["manual"] else col["header"]


# -- the XLSX writers' per-cell helpers ----------------------------------------------------------------


class _CharWidths(dict[str, int]):
    """Display width of each character met (2 for East Asian wide and fullwidth, 1 otherwise), remembered: a
    text's width is then one C-level pass of dict lookups (the characters of a ledger are a few thousand)."""

    def __missing__(self, ch: str) -> int:
        width = self[ch] = 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
        return width


_WIDTH_OF = _CharWidths().__getitem__


def text_width(text: str) -> int:
    """:func:`rectify.output.display_width`, the same number, faster for long text."""
    return len(text) if text.isascii() else sum(map(_WIDTH_OF, text))


def max_lines(values: Sequence[Any], rooms: Sequence[float], order: Sequence[int], least: int = 1) -> int:
    """The most lines any text cell of ``values`` wraps to (at least ``least``): cell ``i`` takes
    ``Σ max(1, ⌈width(line) / rooms[i]⌉)`` over its lines. ``order``: the columns, the tallest usually first, so
    the others are mostly passed over by a bound (a character is at most two units wide) without measuring."""
    best = least
    ceil = math.ceil
    for i in order:
        v = values[i]
        if v.__class__ is not str:
            continue
        room = rooms[i]
        if "\n" not in v:
            if ceil(2 * len(v) / room) <= best:
                continue
            n = max(1, ceil(text_width(v) / room))
        else:
            n = sum(max(1, ceil(text_width(part) / room)) for part in v.split("\n"))
        if n > best:
            best = n
    return best


_EPOCH = date(1899, 12, 31)  # Excel's day 1 is 1900-01-01


class _Serials(dict[Any, int]):
    """Excel's day number of an ISO date text (or a date), remembered: dates repeat across a ledger's rows."""

    def __missing__(self, value: Any) -> int:
        if len(self) > 50_000:
            self.clear()
        day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
        serial = (day - _EPOCH).days
        if serial > 59:  # Excel's 29 February 1900, a day that never was (XlsxWriter's write_datetime counts it)
            serial += 1
        self[value] = serial
        return serial


excel_serial = _Serials().__getitem__


_ROW_PROPERTIES = ("row_info", "set_rows", "row_sizes")  # XlsxWriter's names for them, this version's and older


def forget_row(ws: Any, row: int) -> None:
    """Drop what XlsxWriter keeps of a row written out already: even in constant-memory mode it keeps every
    ``set_row``'s height (twice) for the whole sheet, a few hundred bytes a row, which only images and charts
    (none here) would read again. Called for the row before the one just written, so memory stays flat."""
    for name in _ROW_PROPERTIES:
        kept = getattr(ws, name, None)
        if kept:
            kept.pop(row, None)
