"""A county's own sheet, cell by cell on a row (issue 27): deadlines by the month, problems in free text,
each measure's own 责任人 and 时限, and what the sheet leaves to the command line (``--county``,
``--kind-from-name``, ``--identified``). Every reading not taken as written is noted for ``--dry-run``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from rectify.importing.cells import CellError, Parsers
from rectify.importing.readings import kind_from_name, numbered_items
from rectify.importing.rows import Row
from rectify.states.stages import KINDS

if TYPE_CHECKING:
    from rectify.store.bulk import MeasureRow


def problems_cell(r: Row, P: Parsers) -> tuple[tuple[str, str], ...]:
    """软弱涣散情形: codes or their text; a county's own words matched to a type, the match noted."""
    if r.text("problems") == "":
        r.fail("problems", "至少需要一项软弱涣散情形（P01–P10 或其文字）")
        return ()
    read = r.parse("problems", P.problems, None)
    if read is None:
        return ()
    problems, matched = read
    for words, code, wording in matched:
        P.readings.note(r.headers.get("problems", "problems"), words, f"{code} {wording}", r.number)
    return problems  # type: ignore[no-any-return]


def due_cell(r: Row, key: str, P: Parsers, year: int | None) -> date | None:
    """A date cell, or a due date by the month (``2026年6月底前``; ``年底前`` in the listing's ``year``), noted."""
    v = r.values.get(key, "")
    if v == "":
        return None
    try:
        return P.date(v)  # type: ignore[no-any-return]
    except CellError as exc:
        if year is None:
            r.fail(key, str(exc))
            return None
    return _by_month(r, key, v, P, year, r.headers.get(key, key))


def _by_month(r: Row, key: str, v: Any, P: Parsers, year: int, column: str, what: str = "") -> date | None:
    try:
        day, _ = P.due((v, year))
    except CellError as exc:
        r.fail(key, what + str(exc))
        return None
    P.readings.note(column, str(v), day.isoformat(), r.number)
    return day  # type: ignore[no-any-return]


Each = tuple[str, str, date | None]  # a measure's own 责任人, their unit and its 时限


def measure_fields(r: Row, items: tuple[dict[str, Any], ...], P: Parsers, year: int | None
                   ) -> tuple[str, str, date | None, tuple[Each, ...]]:
    """The row's 责任人 (name, unit) and 完成时限, and each measure's own: from the measure's item (``责任人：…``,
    ``时限：…``), else from the 责任人 and 完成时限 cells when they are numbered as the measures are."""
    owners = _numbered(r, "measure_owner", len(items))
    dues = _numbered(r, "measure_due", len(items))
    owner, unit = ("", "")
    if owners is None and r.text("measure_owner"):
        owner, unit = P.secretary(r.raw("measure_owner"))
    due = due_cell(r, "measure_due", P, year) if dues is None else None
    each: list[Each] = []
    column = r.headers.get("measures", "measures")
    for n, item in enumerate(items, 1):
        m_owner, m_unit = item.get("owner", ""), item.get("owner_unit", "")
        if not m_owner and owners is not None:
            m_owner, m_unit = P.secretary(owners[n - 1])
        due_text = item.get("due") or (dues[n - 1] if dues is not None else "")
        m_due = None
        if isinstance(due_text, date):
            m_due = due_text
        elif due_text and year is not None:
            key = "measures" if item.get("due") else "measure_due"
            m_due = _plain_or_month(r, key, due_text, P, year, column, f"第 {n} 项时限：")
        each.append((m_owner, m_unit, m_due))
    return owner, unit, due, tuple(each)


def _plain_or_month(r: Row, key: str, text: str, P: Parsers, year: int, column: str, what: str) -> date | None:
    try:
        return P.date(text)  # type: ignore[no-any-return]
    except CellError:
        return _by_month(r, key, text, P, year, f"{column}（各项时限）", what)


def _numbered(r: Row, key: str, n: int) -> list[str] | None:
    """The cell's numbered items when there are ``n`` of them (one per measure), else None."""
    text = r.text(key)
    if n < 2 or not text:
        return None
    items = numbered_items(text)
    return items if items is not None and len(items) == n else None


# -- what the sheet leaves out ---------------------------------------------------------------------


@dataclass(frozen=True)
class SheetDefaults:
    """``--county``, ``--kind-from-name`` and ``--identified``: what the sheet leaves out, for every row."""

    county: str = ""
    kind_from_name: bool = False
    identified: date | None = None

    def __bool__(self) -> bool:
        return bool(self.county or self.kind_from_name or self.identified)


def with_defaults(values_of: Callable[[list[Any]], dict[str, Any]], defaults: SheetDefaults, P: Parsers,
                  kind_column: str) -> Callable[[int, list[Any]], dict[str, Any]]:
    """``values_of`` with the empty or missing cells the command line fills: the county, the listing day, the
    kind read from the name (…村党支部 → 村, …社区党支部 → 社区), each inference noted."""
    fill = {k: v for k, v in (("county", defaults.county), ("identified_on", defaults.identified)) if v}

    def values(number: int, cells: list[Any]) -> dict[str, Any]:
        v = values_of(cells)
        for key, value in fill.items():
            if v.get(key, "") == "":
                v[key] = value
        if defaults.kind_from_name and v.get("kind", "") == "":
            name = str(v.get("org_name", "")).strip()
            read = kind_from_name(name)
            if read is not None:
                v["kind"] = read[0]
                P.readings.note(kind_column, read[1], f"{KINDS[read[0]]}（由名称推断）", number)
        return v

    return values


# -- how the sheet was read, for --dry-run ------------------------------------------------------------


def _letter(i: int) -> str:
    out = ""
    i += 1
    while i:
        i, rem = divmod(i - 1, 26)
        out = chr(65 + rem) + out
    return out


def _field_name(key: str) -> str:
    from rectify.importing.sheets import CASE_FIELDS, LEDGER_HEADERS

    return LEDGER_HEADERS.get(key) or CASE_FIELDS[key][0]


def sheet_report(sheet: Any, index: dict[str, int], defaults: SheetDefaults, readings: Any) -> list[str]:
    """``--dry-run``'s account of the sheet: the header's rows, the rows skipped and why, each column and what
    it was read as, what the command line gave, and each cell not taken as written (with its rows)."""
    from rectify.importing.sheets import DERIVED, DERIVED_HEADERS, norm_header

    labels = sheet.labels or sheet.headers
    two = len(labels) and labels != sheet.headers
    lines = [f"表头：第 {sheet.header_row - 1}–{sheet.header_row} 行（两行表头）" if two
             else f"表头：第 {sheet.header_row} 行"]
    if sheet.skipped:
        lines.append("跳过的行：")
        lines += [f"  第 {n} 行（{what}）：{text[:60]}" for n, what, text in sorted(sheet.skipped)]
    by_column = {i: key for key, i in index.items()}
    lines.append("各列读作：")
    for i, label in enumerate(labels):
        if not label:
            continue
        key = by_column.get(i)
        if key is not None and key not in DERIVED:
            lines.append(f"  {_letter(i)} {label} → {_field_name(key)}（{key}）")
        elif key is not None or norm_header(sheet.headers[i]) in DERIVED_HEADERS:
            lines.append(f"  {_letter(i)} {label} → 由系统计算，不导入")
        else:
            lines.append(f"  {_letter(i)} {label} → 未识别，忽略")
    given = []
    for key, value, option, name in (("county", defaults.county, "--county", "县"),
                                     ("identified_on", defaults.identified, "--identified", "确定日期")):
        if value:
            rows = "表中为空的各行" if key in index else "表中无此列，各行"
            given.append(f"  {name} → {value}（{option}，{rows}）")
    if defaults.kind_from_name:
        given.append("  类别 → 由党组织名称推断（--kind-from-name：…村党支部 → 村，…社区党支部 → 社区）")
    if given:
        lines += ["由命令行给出：", *given]
    noted = list(readings.lines())
    if noted:
        lines += ["未按原文读取的单元格：", *noted]
    return lines


def note_measures(r: Row, P: Parsers, measures: list[MeasureRow],
                  ties: list[tuple[tuple[str, ...], str]]) -> None:
    """``--dry-run``: the measures a cell was read as, each with the 责任人 and 时限 it was given and the problems
    it was tied to (and how: a code, a per-problem number, its words, or every problem of the row)."""
    column = r.headers.get("measures", "measures")
    if P.readings.full(column):
        P.readings.note(column, "", "", r.number)
        return
    P.readings.note(column, r.text("measures"), f"{len(measures)} 项：" + "；".join(
        f"{m.text[:12]}（{m.owner}，{m.due_on}；针对 {'、'.join(codes)}：{how}）"
        for m, (codes, how) in zip(measures, ties, strict=True)), r.number)
