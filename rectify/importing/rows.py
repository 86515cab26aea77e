"""Checking rows: where each field sits in the sheet, one row's cells by field, and every problem found."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from operator import gt, itemgetter
from typing import Any, Protocol

from rectify import validation
from rectify.errors import BadInput
from rectify.importing.cells import CellError, Memo
from rectify.importing.sheets import DERIVED_HEADERS, Sheet, SheetStream, alias_map, norm_header
from rectify.validation import limit


@dataclass(frozen=True)
class RowProblem:
    row: int
    column: str
    reason: str

    def line(self) -> str:
        where = f"第 {self.row} 行" if self.row else "表头"
        return f"{where} · {self.column}：{self.reason}" if self.column else f"{where}：{self.reason}"


class ImportRejected(BadInput):
    """Some rows are bad; nothing was written. ``problems`` lists every one."""

    def __init__(self, problems: list[RowProblem], rows: int, report: list[str] | None = None) -> None:
        self.problems = problems
        self.report = report or []  # --dry-run: how the sheet was read, shown before the problems
        bad_rows = len({p.row for p in problems})
        super().__init__(f"导入失败：{bad_rows} 行有误（共 {len(problems)} 处，共 {rows} 行），未写入任何数据")


@dataclass
class ImportResult:
    rows: int = 0
    orgs_created: int = 0
    orgs_existing: int = 0
    cases: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    dry_run: bool = False
    report: list[str] = field(default_factory=list)  # --dry-run: how the sheet was read

    def describe(self, what: str) -> str:
        verb = "检查通过（--dry-run，未写入）：将" if self.dry_run else "已"
        parts = [f"新建组织 {self.orgs_created} 个"]
        if self.orgs_existing:
            parts.append(f"沿用已有组织 {self.orgs_existing} 个")
        if what == "case":
            parts.append(f"导入整顿对象 {self.cases} 个")
        return f"{verb}导入 {self.rows} 行：" + "，".join(parts)


class Progress(Protocol):
    def __call__(self, label: str, total: int) -> Callable[[int], None]: ...


def no_progress(label: str, total: int) -> Callable[[int], None]:
    return lambda n: None


def _cell_limits() -> dict[str, int | None]:
    """Field key → the length of the column it is stored in (read from the tables, never repeated here).

    The Core tables (generated from the models; no SQLModel or pydantic to load) carry the same lengths."""
    from rectify.store.tables import case_t, org_t, people_t

    org = {k: limit(org_t, k) for k in ("code", "name", "county", "township")}
    person = limit(people_t, "name")
    return {**org, "org_code": org["code"], "org_name": org["name"], "officer": person, "secretary": person,
            "county_leader": person, "township_cadre": person, "secretary_unit": limit(people_t, "unit"),
            "measure_owner": person,
            "verifier": person, "stage": None, "supervision_level": limit(case_t, "supervision_level")}


_LIMITS: dict[str, int | None] = {}
MULTILINE_CELLS = frozenset({"detail", "remarks", "self_check", "last_progress", "problems", "measures_text",
                             "measures", "problem_text"})


def check_text_cells(values: dict[str, Any]) -> list[tuple[str, str]]:
    """(field key, reason) for every text cell with a control character (tab/newline only in multi-line
    fields) or longer than its column: the validation layer's rules, so an import stores what both backends
    hold. A row whose cells are all plainly fine (the usual row) is passed by one look (``_TextCells``)."""
    if not _LIMITS:
        _LIMITS.update(_cell_limits())
    keys = tuple(values)
    look = _LOOKS.get(keys)
    if look is None:
        look = _LOOKS[keys] = _TextCells(keys)
    if look.plain(values):
        return []
    bad = []
    for key, v in values.items():
        if type(v) is str and v:
            try:
                validation.text(v, "", max_len=_LIMITS.get(key), multiline=key in MULTILINE_CELLS)
            except BadInput as exc:
                bad.append((key, str(exc)))
    return bad


def _picker(keys: list[str]) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    """The values of ``keys`` as a tuple (one C call for two or more)."""
    if len(keys) >= 2:
        return itemgetter(*keys)
    return lambda values: tuple(values[k] for k in keys)


class _TextCells:
    """The first look of ``check_text_cells`` for rows with one set of field keys: every one-line cell searched
    at once, every multi-line cell at once, every length against its column's. Anything it cannot pass (a
    control character anywhere, a long cell, a cell that is not text) sends the row to the cell-by-cell check,
    which words the problem; the look itself never refuses."""

    def __init__(self, keys: tuple[str, ...]) -> None:
        one = [k for k in keys if k not in MULTILINE_CELLS]
        many = [k for k in keys if k in MULTILINE_CELLS]
        self.one, self.many = _picker(one), _picker(many)
        self.limits: tuple[int, ...] = tuple(_limit_of(k) for k in one + many)

    def plain(self, values: dict[str, Any]) -> bool:
        one, many = self.one(values), self.many(values)
        try:
            return (validation.plain_texts(one) and validation.plain_texts(many, multiline=True)
                    and not any(map(gt, map(len, one + many), self.limits)))
        except TypeError:  # a cell that is not text (an XLSX number or date)
            return False


_LOOKS: dict[tuple[str, ...], _TextCells] = {}


def _limit_of(key: str) -> int:
    n = _LIMITS.get(key)
    return validation.MAX_TEXT if n is None else n


class Row:
    """One sheet row by field key; collects this row's problems instead of stopping at the first."""

    __slots__ = ("number", "headers", "problems", "values", "bad")

    def __init__(self, number: int, cells: list[Any], index: dict[str, int], headers: dict[str, str],
                 problems: list[RowProblem], values: dict[str, Any] | None = None) -> None:
        self.number, self.headers, self.problems = number, headers, problems
        if values is None:
            n = len(cells)
            values = {key: cells[i] for key, i in index.items() if i < n}
        self.values = values
        self.bad = False
        for key, reason in check_text_cells(values):
            self.fail(key, reason)

    def raw(self, key: str) -> Any:
        return self.values.get(key, "")

    def text(self, key: str) -> str:
        v = self.values.get(key, "")
        if type(v) is str:
            return v
        return v.isoformat() if isinstance(v, date) else str(v).strip()

    def fail(self, key: str, reason: str) -> None:
        self.bad = True
        self.problems.append(RowProblem(self.number, self.headers.get(key, key), reason))

    def parse(self, key: str, parser: Callable[[Any], Any], default: Any = None) -> Any:
        v = self.values.get(key, "")
        if v == "":
            return default
        try:
            if type(parser) is Memo and type(v) is str:
                return parser[v]  # a text seen before: one lookup
            return parser(v)
        except CellError as exc:
            self.fail(key, str(exc))
            return default

    def require(self, key: str, what: str = "") -> str:
        v = self.text(key)
        if not v:
            self.fail(key, what or "不能为空")
        return v


def row_values(index: dict[str, int]) -> Callable[[list[Any]], dict[str, Any]]:
    """What ``Row`` makes of a row's cells (field key → cell), done in one C call for full-width rows."""
    keys = tuple(index)
    if len(keys) < 2:
        return lambda cells: {key: cells[i] for key, i in index.items() if i < len(cells)}
    get = itemgetter(*index.values())
    width = max(index.values()) + 1

    def values(cells: list[Any]) -> dict[str, Any]:
        if len(cells) >= width:
            return dict(zip(keys, get(cells), strict=True))
        n = len(cells)
        return {key: cells[i] for key, i in index.items() if i < n}

    return values



def bind_headers(sheet: Sheet | SheetStream, fields: dict[str, tuple[str, ...]],
                  problems: list[RowProblem]) -> tuple[dict[str, int], dict[str, str], list[str]]:
    aliases = alias_map(fields)
    index: dict[str, int] = {}
    names: dict[str, str] = {}
    ignored: list[str] = []
    for i, header in enumerate(sheet.headers):
        norm = norm_header(header)
        key = aliases.get(norm) or aliases.get(header.lower())
        if key is None:
            if header and norm not in DERIVED_HEADERS:
                ignored.append(header)
            continue
        if key in index:
            problems.append(RowProblem(sheet.header_row, header, f"与「{names[key]}」是同一列，表头重复"))
            continue
        index[key], names[key] = i, header
    for key, alts in fields.items():
        names.setdefault(key, alts[0])
    return index, names, ignored



def required_headers(sheet: Sheet | SheetStream, fields: dict[str, tuple[str, ...]], required: tuple[str, ...],
                     rows: int) -> tuple[dict[str, int], dict[str, str], list[str]]:
    """:func:`bind_headers`, refusing a sheet that lacks a ``required`` column before any row is read."""
    problems: list[RowProblem] = []
    index, names, ignored = bind_headers(sheet, fields, problems)
    problems += [RowProblem(sheet.header_row, names[key], "缺少这一列") for key in required if key not in index]
    if problems:
        raise ImportRejected(problems, rows)
    return index, names, ignored
