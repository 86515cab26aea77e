"""What the writers of the ledger and the statistics share, below all of them: the lights' fills, the
progress count, the lines signed under a table and the Party form's column header.

Its own module so the writers (``ledger_formats``, ``ledger_sheets``, ``ledger_html``, ``ledger_print``,
``stats_formats``, ``stats_sheet``) import it and never one another in a circle.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import date
from typing import Any

from rectify.reports.ledger import LedgerRow

__all__ = ["LIGHT_FILL", "Progress", "counted", "form_header", "signature_lines"]

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
