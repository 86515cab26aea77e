"""Bulk import of organizations and cases from the spreadsheets counties already keep (SPEC §7).

Reads what the ledger writes (the Chinese headers of ``LEDGER_COLUMNS`` and its cell formats) and the
simpler sheets counties make by hand: CSV in UTF-8 or GBK/GB18030, XLSX with real date cells, dates in
the usual Chinese spellings, problem types as codes or text. Every row is checked before anything is
written; every bad cell is reported with its row and column; then everything goes in one transaction
with Core ``executemany`` — no ORM object per row.
"""

from __future__ import annotations

import csv
import gc
import hashlib
import io
import json
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from operator import itemgetter
from pathlib import Path
from typing import Any, Protocol

import sqlalchemy as sa

from rectify.clock import Clock, local_today, system_clock
from rectify.config import Config
from rectify.errors import BadInput
from rectify.states.deadlines import default_deadline, stage_due
from rectify.states.stages import (
    KINDS,
    OTHER_PROBLEM,
    PROBLEM_TYPES,
    SECRETARY_KINDS,
    STAGE_LABELS,
    Stage,
)
from rectify.states.thresholds import score_passes
from rectify.workflow.ledger import LEDGER_COLUMNS
from rectify.workflow.persistence import Database, translate_errors
from rectify.workflow.persistence.tables import (
    case_t,
    event_t,
    measure_t,
    org_t,
    person_t,
    problem_t,
    progress_t,
    secretary_t,
    verification_t,
)

BATCH = 5000
IMPORT_CACHE_KB = 64 * 1024  # SQLite page cache while an import writes (see _bulk_pragmas)
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_FIRST = frozenset(FORMULA_PREFIXES)
IMPORTED_MEASURE = "导入的整顿措施 {n}"

# -- headers ---------------------------------------------------------------------------------------

LEDGER_HEADERS: dict[str, str] = dict(LEDGER_COLUMNS)
DERIVED = ("seq", "days_left", "light")  # the ledger computes these; an import ignores them

ORG_FIELDS: dict[str, tuple[str, ...]] = {
    "code": ("组织代码", "党组织代码", "代码", "org_code", "code"),
    "name": ("党组织名称", "组织名称", "名称", "name", "org_name"),
    "kind": ("类别", "组织类别", "类型", "kind"),
    "county": ("县", "县（市、区）", "县市区", "county"),
    "township": ("乡镇", "乡镇（街道）", "乡镇街道", "township"),
    "poor_village": ("建档立卡贫困村", "贫困村", "poor_village"),
}

CASE_EXTRA: dict[str, tuple[str, ...]] = {
    "org_code": ("组织代码", "党组织代码", "code"),
    "org_name": ("组织名称", "name"),
    "problems": ("问题类型",),
    "identified_on": ("identified",),
    "officer": ("经办人", "县委组织部经办人", "officer"),
    "officer_email": ("经办人邮箱", "officer_email"),
    "secretary_unit": ("派出单位", "secretary_unit"),
    "secretary_since": ("任职日期", "书记任职日期", "secretary_since"),
    "secretary_kind": ("书记类别", "secretary_kind"),
    "rectified_on": ("整改日期", "整改完成日期", "rectified_on"),
    "self_check": ("乡镇自查", "乡镇自查情况", "self_check"),
    "verifier": ("验收人", "验收组", "verifier"),
    "satisfied": ("满意", "满意人数", "satisfied"),
    "basic": ("基本满意", "基本满意人数", "basic"),
    "dissatisfied": ("不满意", "不满意人数", "dissatisfied"),
    "poor_village": ("建档立卡贫困村", "贫困村", "poor_village"),
}


def _case_fields() -> dict[str, tuple[str, ...]]:
    fields: dict[str, tuple[str, ...]] = {key: (header, key) for key, header in LEDGER_COLUMNS}
    for key, names in CASE_EXTRA.items():
        fields[key] = fields.get(key, ()) + names
    return fields


CASE_FIELDS = _case_fields()


def _norm_header(text: Any) -> str:
    h = re.sub(r"\s+", "", str(text or "")).strip("*＊").lower()
    # "整顿措施(done/total)", "第一书记（派出单位）": the part in brackets only explains the cell.
    base = re.sub(r"[（(][^（）()]*[）)]$", "", h)
    return base or h


def _alias_map(fields: dict[str, tuple[str, ...]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, names in fields.items():
        for name in names:
            out.setdefault(_norm_header(name), key)
            out.setdefault(name.lower(), key)
    return out


# -- reading files ---------------------------------------------------------------------------------


@dataclass
class Sheet:
    headers: list[str]
    header_row: int
    rows: list[tuple[int, list[Any]]]  # (row number as the spreadsheet shows it, cells)


def decode_csv(data: bytes) -> str:
    """UTF-8 with or without BOM, UTF-16 (Excel "Unicode text"), else GB18030 (what Excel in China saves)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise BadInput("无法识别文件编码：请另存为 UTF-8 或 GBK 编码的 CSV，或 XLSX") from None


def _csv_source(path: Path) -> tuple[Iterator[list[Any]], int]:
    """The file's records one by one (decoded as it goes), and its physical line count for a progress bar."""
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    else:
        encoding = "utf-8"
        try:
            data.decode("utf-8")  # only to check; the rows are decoded again as they are read
        except UnicodeDecodeError:
            encoding = "gb18030"
            try:
                data.decode("gb18030")
            except UnicodeDecodeError:
                raise BadInput("无法识别文件编码：请另存为 UTF-8 或 GBK 编码的 CSV，或 XLSX") from None
    first = io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline="\n").readline().rstrip("\n")
    text = io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline="")
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    if encoding == "utf-16":
        lines = text.read().count("\n") + 1
        text.seek(0)
    return csv.reader(text, delimiter=delimiter), lines


def _xlsx_source(path: Path) -> tuple[Iterator[list[Any]], int]:
    import zipfile

    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise BadInput(f"无法读取 XLSX 文件 {path.name}：{exc}") from None
    ws = wb.worksheets[0]

    def rows() -> Iterator[list[Any]]:
        try:
            for row in ws.iter_rows(values_only=True):
                yield list(row)
        finally:
            wb.close()

    return rows(), ws.max_row or 0


@dataclass
class SheetStream:
    """A sheet read row by row: the header, then ``rows`` (number, cells) as the file is read."""

    headers: list[str]
    header_row: int
    rows: Iterator[tuple[int, list[Any]]]
    estimate: int  # rows below the header, counted roughly (physical lines), for a progress bar


def open_sheet(path: str | Path, aliases: dict[str, str]) -> SheetStream:
    """The first row that names at least two known columns is the header; rows above it (a title) are skipped.

    Cells come trimmed, with the ledger's formula neutralisation undone; rows with no value are left out.
    """
    p = Path(path)
    if not p.is_file():
        raise BadInput(f"找不到文件 {path}")
    suffix = p.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        source, lines = _xlsx_source(p)
        text_only = False
    elif suffix in (".csv", ".txt", ".tsv"):
        source, lines = _csv_source(p)
        text_only = True
    elif suffix == ".xls":
        raise BadInput(f"不支持旧版 Excel 文件 {p.name}：请在 Excel 中另存为 .xlsx 或 CSV")
    else:
        raise BadInput(f"不支持的文件类型 {p.name}：应为 .csv 或 .xlsx")
    headers: list[str] | None = None
    header_row = 0
    numbered = enumerate(source, 1)
    for number, raw in numbered:
        names = [_norm_header(c) for c in raw]
        if sum(1 for n in names if n in aliases or n in _DERIVED_HEADERS) >= 2:
            headers, header_row = ["" if c is None else str(c).strip() for c in raw], number
            break
        if number >= 20:
            break
    if headers is None:
        close = getattr(source, "close", None)
        if close is not None:
            close()
        raise BadInput(f"文件 {p.name} 中找不到表头（如 党组织名称、县、乡镇）；"
                       "可用 rectify import template 生成模板")
    rows = _text_rows(numbered) if text_only else _any_rows(numbered)
    return SheetStream(headers, header_row, rows, max(lines - header_row, 0))


def _text_rows(numbered: Iterator[tuple[int, list[str]]]) -> Iterator[tuple[int, list[Any]]]:
    """CSV rows: every cell is text. Same cleaning as ``_any_rows``, with the quote check done once per row."""
    strip = str.strip
    for number, raw in numbered:
        cells = list(map(strip, raw))
        if "'" in "".join(raw):
            cells = [c[1:].strip() if c[:1] == "'" and c[1:2] in _FORMULA_FIRST else cells[i]
                     for i, c in enumerate(raw)]
        if any(cells):
            yield number, cells


def _any_rows(numbered: Iterator[tuple[int, list[Any]]]) -> Iterator[tuple[int, list[Any]]]:
    for number, raw in numbered:
        cells = [(c[1:] if c[:1] == "'" and c[1:2] in _FORMULA_FIRST else c).strip() if type(c) is str
                 else clean(c) for c in raw]
        if any(c != "" for c in cells):
            yield number, cells


def read_sheet(path: str | Path, aliases: dict[str, str]) -> Sheet:
    """``open_sheet`` with every row read into memory."""
    stream = open_sheet(path, aliases)
    return Sheet(stream.headers, stream.header_row, list(stream.rows))


_DERIVED_HEADERS = {_norm_header(LEDGER_HEADERS[k]) for k in DERIVED} | set(DERIVED)


def clean(value: Any) -> Any:
    """Trim text and undo the ledger's formula neutralisation; keep dates and numbers as they are."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        if value.startswith("'") and value[1:].startswith(FORMULA_PREFIXES):
            value = value[1:]
        return value.strip()
    return value


# -- cell parsers ----------------------------------------------------------------------------------


class CellError(Exception):
    pass


_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")


def parse_date(value: Any) -> date | None:
    if value == "" or value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 20000 <= value <= 80000:  # an Excel serial day number
            return date(1899, 12, 30) + timedelta(days=int(value))
        value = str(int(value))
    text = str(value).strip()
    m = _DATE_RE.match(text)
    if m is None and re.fullmatch(r"\d{8}", text):
        m = re.match(r"(\d{4})(\d{2})(\d{2})", text)
    if m is None:
        raise CellError(f"日期无法识别「{text}」（应为 2024-03-05、2024/3/5 或 2024年3月5日）")
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        raise CellError(f"日期不存在「{text}」") from None


_KIND_WORDS: dict[str, str] = {**{k: k for k in KINDS}, **{v: k for k, v in KINDS.items()},
                               "行政村": "village", "村党组织": "village", "社区党组织": "community",
                               "国企": "soe", "非公": "private", "非公有制企业": "private"}


def parse_kind(value: Any) -> str:
    text = str(value).strip()
    kind = _KIND_WORDS.get(text) or _KIND_WORDS.get(text.lower())
    if kind is None:
        raise CellError(f"未知的类别「{text}」（应为 {'、'.join(KINDS.values())} 或 {', '.join(KINDS)}）")
    return kind


_STAGE_WORDS = {**{s.value: s.value for s in Stage}, **{v: k for k, v in STAGE_LABELS.items()},
                "已确定": "identified", "已销号": "verified"}


def parse_stage(value: Any) -> str:
    text = str(value).strip()
    for token in re.findall(r"[a-z_]+", text.lower()):
        if token in _STAGE_WORDS:
            return _STAGE_WORDS[token]
    for label in sorted(_STAGE_WORDS, key=len, reverse=True):
        if label in text:
            return _STAGE_WORDS[label]
    raise CellError(f"未知的阶段「{text}」（应为 {'、'.join(STAGE_LABELS.values())} 或其英文代码）")


_YES = {"是", "y", "yes", "true", "1", "√", "✓", "✔", "已", "有"}
_NO = {"否", "n", "no", "false", "0", "×", "x", "无", "未"}


def parse_bool(value: Any) -> bool:
    text = str(value).strip().lower()
    if text == "" or text in _NO:
        return False
    if text in _YES:
        return True
    raise CellError(f"应为 是 或 否，收到「{value}」")


def parse_int(value: Any, *, low: int = 0, high: int | None = None) -> int | None:
    if value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        n = value
    else:
        text = str(value).strip().rstrip("分人")
        try:
            f = float(text)
        except ValueError:
            raise CellError(f"应为整数，收到「{value}」") from None
        if not f.is_integer():
            raise CellError(f"应为整数，收到「{value}」")
        n = int(f)
    if n < low or (high is not None and n > high):
        raise CellError(f"应在 {low}–{high} 之间，收到 {n}" if high is not None else f"不能小于 {low}，收到 {n}")
    return n


_CLAUSES: dict[str, str] = {}
for _code, _text in PROBLEM_TYPES.items():
    _CLAUSES[_text] = _code
    for _clause in _text.split("、"):
        _CLAUSES.setdefault(_clause, _code)
_FULL_TEXTS = sorted(((t, c) for c, t in PROBLEM_TYPES.items()), key=lambda x: -len(x[0]))
_CODE_RE = re.compile(r"^P(\d{1,2})$", re.IGNORECASE)
_OTHER_RE = re.compile(r"^(?:other|其他|其它)\s*[:：]?\s*(.*)$", re.IGNORECASE | re.DOTALL)


def parse_problems(value: Any) -> list[tuple[str, str]]:
    """Codes (P01), their text, or a clause of it; several separated by ；;, 、 or new lines; other:TEXT."""
    found: list[tuple[str, str]] = []
    for piece in re.split(r"[；;,\n\r]+", str(value)):
        piece = piece.strip()
        if not piece:
            continue
        other = _OTHER_RE.match(piece)
        if other is not None:
            text = other.group(1).strip()
            if not text:
                raise CellError("其他情形需写明具体内容（如 其他：村集体经济薄弱）")
            found.append((OTHER_PROBLEM, text))
            continue
        for full, code in _FULL_TEXTS:
            if full in piece:
                piece = piece.replace(full, f"、{code}、")
        after_code = False
        for token in re.split(r"[、\s]+", piece):
            if not token:
                continue
            m = _CODE_RE.match(token)
            if m is not None:
                code = f"P{int(m.group(1)):02d}"
                if code not in PROBLEM_TYPES:
                    raise CellError(f"未知的软弱涣散情形代码「{token}」（应为 P01–P10）")
                found.append((code, PROBLEM_TYPES[code]))
                after_code = True
            elif token in _CLAUSES:
                found.append((_CLAUSES[token], PROBLEM_TYPES[_CLAUSES[token]]))
            elif not after_code:  # after a code, the words are only its (perhaps shortened) text
                raise CellError(f"无法识别的软弱涣散情形「{token}」（应为 P01–P10 或其文字，多项用 ； 分隔）")
    if not found:
        raise CellError("至少需要一项软弱涣散情形")
    unique: list[tuple[str, str]] = []
    for item in found:
        if item not in unique:
            unique.append(item)
    return unique


def parse_measures(value: Any) -> tuple[int, int]:
    """``done/total`` as the ledger writes it; a lone number is a count of measures none done."""
    if value == "":
        return 0, 0
    if isinstance(value, int):
        return 0, parse_int(value) or 0
    text = str(value).strip()
    m = re.fullmatch(r"(\d+)\s*[/／]\s*(\d+)", text)
    if m is None:
        if text.isdigit():
            return 0, int(text)
        raise CellError(f"应写成 已完成/总数（如 2/3），收到「{text}」")
    done, total = int(m.group(1)), int(m.group(2))
    if done > total:
        raise CellError(f"已完成 {done} 项多于总数 {total} 项")
    return done, total


def parse_secretary(value: Any) -> tuple[str, str]:
    text = str(value).strip()
    m = re.fullmatch(r"(.+?)\s*[（(](.*)[）)]", text)
    if m is None:
        return text, ""
    return m.group(1).strip(), m.group(2).strip()


def parse_progress(value: Any) -> tuple[date | None, str]:
    """``2026-02-10 召开党员大会`` or a date alone; undated text has no date."""
    if isinstance(value, datetime | date):
        return parse_date(value), ""
    text = str(value).strip()
    m = re.match(r"^(\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?)\s*[：:，,]?\s*(.*)$", text, re.DOTALL)
    if m is None:
        return None, text
    return parse_date(m.group(1)), m.group(2).strip()


def generated_code(county: str, township: str, name: str) -> str:
    """A stable code for an organization the sheet names without one: the same names give the same code."""
    digest = hashlib.sha1(f"{county}|{township}|{name}".encode()).hexdigest()[:10].upper()
    return f"G{digest}"


# -- problems and results --------------------------------------------------------------------------


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

    def __init__(self, problems: list[RowProblem], rows: int) -> None:
        self.problems = problems
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

    def describe(self, what: str) -> str:
        verb = "检查通过（--dry-run，未写入）：将" if self.dry_run else "已"
        parts = [f"新建组织 {self.orgs_created} 个"]
        if self.orgs_existing:
            parts.append(f"沿用已有组织 {self.orgs_existing} 个")
        if what == "case":
            parts.append(f"导入整顿案例 {self.cases} 个")
        return f"{verb}导入 {self.rows} 行：" + "，".join(parts)


class Progress(Protocol):
    def __call__(self, label: str, total: int) -> Callable[[int], None]: ...


def _no_progress(label: str, total: int) -> Callable[[int], None]:
    return lambda n: None


class _Row:
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
            return parser(v)
        except CellError as exc:
            self.fail(key, str(exc))
            return default

    def require(self, key: str, what: str = "") -> str:
        v = self.text(key)
        if not v:
            self.fail(key, what or "不能为空")
        return v


def _row_values(index: dict[str, int]) -> Callable[[list[Any]], dict[str, Any]]:
    """What ``_Row`` makes of a row's cells (field key → cell), done in one C call for full-width rows."""
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


def _memo(parser: Callable[[Any], Any], size: int = 50_000) -> Callable[[Any], Any]:
    """``parser`` remembering its answers for text cells: a sheet repeats its dates, stages and problem texts.

    Only for parsers whose answer depends on the text alone and is immutable; a cell the parser refuses is
    not remembered (it raises again, with the same message, the next time).
    """
    cache: dict[str, Any] = {}

    def parse(value: Any) -> Any:
        if type(value) is not str:
            return parser(value)
        try:
            return cache[value]
        except KeyError:
            pass
        result = parser(value)
        if len(cache) >= size:
            cache.clear()
        cache[value] = result
        return result

    return parse


def _bind_headers(sheet: Sheet | SheetStream, fields: dict[str, tuple[str, ...]],
                  problems: list[RowProblem]) -> tuple[dict[str, int], dict[str, str], list[str]]:
    aliases = _alias_map(fields)
    index: dict[str, int] = {}
    names: dict[str, str] = {}
    ignored: list[str] = []
    for i, header in enumerate(sheet.headers):
        norm = _norm_header(header)
        key = aliases.get(norm) or aliases.get(header.lower())
        if key is None:
            if header and norm not in _DERIVED_HEADERS:
                ignored.append(header)
            continue
        if key in index:
            problems.append(RowProblem(sheet.header_row, header, f"与「{names[key]}」是同一列，表头重复"))
            continue
        index[key], names[key] = i, header
    for key, alts in fields.items():
        names.setdefault(key, alts[0])
    return index, names, ignored


# -- organizations ---------------------------------------------------------------------------------


@dataclass
class _Orgs:
    """Organizations already stored, and the ones this import will add, by code and by names."""

    by_code: dict[str, tuple[int | None, str, str, str, str]]  # code → (id, name, kind, county, township)
    by_names: dict[tuple[str, str, str], str]
    new: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def load(cls, conn: sa.Connection) -> _Orgs:
        by_code: dict[str, tuple[int | None, str, str, str, str]] = {}
        by_names: dict[tuple[str, str, str], str] = {}
        for r in conn.execute(sa.select(org_t.c.id, org_t.c.code, org_t.c.name, org_t.c.kind, org_t.c.county,
                                        org_t.c.township)):
            by_code[r.code] = (r.id, r.name, r.kind, r.county, r.township)
            by_names.setdefault((r.county, r.township, r.name), r.code)
        return cls(by_code, by_names)

    def add(self, values: dict[str, Any]) -> None:
        self.by_code[values["code"]] = (None, values["name"], values["kind"], values["county"], values["township"])
        self.by_names.setdefault((values["county"], values["township"], values["name"]), values["code"])
        self.new.append(values)


def _org_from_row(r: _Row, orgs: _Orgs, now: datetime, code_key: str, name_key: str) -> tuple[str | None, bool]:
    """Resolve (or plan to create) the row's organization; returns (code, created)."""
    code = r.text(code_key)
    name, county, township = r.text(name_key), r.text("county"), r.text("township")
    if not code:
        if not (name and county and township):
            for key, value in ((name_key, name), ("county", county), ("township", township)):
                if not value:
                    r.fail(key, "不能为空（没有组织代码时，按 县+乡镇+党组织名称 识别组织）")
            return None, False
        code = orgs.by_names.get((county, township, name)) or generated_code(county, township, name)
    known = orgs.by_code.get(code)
    if known is not None:
        _, k_name, _, k_county, k_township = known
        if name and name != k_name:
            r.fail(name_key, f"组织代码 {code} 已登记为「{k_name}」，与本行「{name}」不符")
        elif (county and county != k_county) or (township and township != k_township):
            r.fail("township", f"组织代码 {code}（{k_name}）已登记在 {k_county}{k_township}，与本行不符")
        return code, False
    kind = r.parse("kind", parse_kind)
    if r.text("kind") == "":
        r.fail("kind", "新组织需要类别（村、社区、…）")
    for key, value in ((name_key, name), ("county", county), ("township", township)):
        if not value:
            r.fail(key, f"新组织 {code} 需要此项")
    poor = r.parse("poor_village", parse_bool, False)
    if len(code) > 64:
        r.fail(code_key, "组织代码过长（最多 64 个字符）")
    if r.bad:
        return None, False
    orgs.add({"code": code, "name": name, "kind": kind, "county": county, "township": township,
              "poor_village": poor, "created_at": now})
    return code, True


def import_orgs(db: Database, path: str | Path, *, clock: Clock = system_clock, dry_run: bool = False,
                progress: Progress = _no_progress) -> ImportResult:
    """Register the organizations of a sheet; a row identical to a stored organization is left as it is."""
    problems: list[RowProblem] = []
    sheet = read_sheet(path, _alias_map(ORG_FIELDS))
    index, names, ignored = _bind_headers(sheet, ORG_FIELDS, problems)
    for key in ("name", "county", "township", "kind"):
        if key not in index:
            problems.append(RowProblem(sheet.header_row, names[key], "缺少这一列"))
    if problems:
        raise ImportRejected(problems, len(sheet.rows))
    result = ImportResult(rows=len(sheet.rows), ignored_columns=ignored, dry_run=dry_run)
    now = clock()
    tick = progress("检查", len(sheet.rows))
    with translate_errors(db.url), db.engine.begin() as conn:
        orgs = _Orgs.load(conn)
        seen: dict[str, int] = {}
        for number, cells in sheet.rows:
            r = _Row(number, cells, index, names, problems)
            code_given = r.text("code")
            code, created = _org_from_row(r, orgs, now, "code", "name")
            if code is not None:
                if code in seen:
                    r.fail("code" if code_given else "name",
                           f"与第 {seen[code]} 行是同一个组织（{code}）" if code_given
                           else f"与第 {seen[code]} 行重复（同县、乡镇、名称）")
                else:
                    seen[code] = number
                    if created:
                        result.orgs_created += 1
                    else:
                        kind = r.parse("kind", parse_kind)
                        stored_kind = orgs.by_code[code][2]
                        if kind is not None and kind != stored_kind:
                            r.fail("kind", f"组织 {code} 已登记为 {KINDS[stored_kind]}，与本行 {KINDS[kind]} 不符")
                        result.orgs_existing += 1
            tick(1)
        if problems:
            raise ImportRejected(problems, len(sheet.rows))
        if not dry_run:
            _insert_many(conn, org_t, orgs.new)
    return result


def _insert_many(conn: sa.Connection, table: sa.Table, rows: Sequence[dict[str, Any]]) -> None:
    """executemany of one compiled Core INSERT for rows that all have the keys of the first (see ``_Insert``)."""
    if not rows:
        return
    keys = tuple(rows[0])
    get = itemgetter(*keys)
    _Insert(conn, table, keys).run(conn, [get(r) for r in rows] if len(keys) > 1 else [(get(r),) for r in rows])


def _allocate_ids(conn: sa.Connection, table: sa.Table, n: int) -> list[int]:
    """Ids for ``n`` new rows, so children can be written with plain executemany (no RETURNING)."""
    if n == 0:
        return []
    if conn.dialect.name == "postgresql":
        seq = conn.execute(sa.text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table.name}).scalar_one()
        return list(conn.execute(sa.text("SELECT nextval(:s) FROM generate_series(1, :n)"),
                                 {"s": seq, "n": n}).scalars())
    # SQLite: take the write lock first, so nobody else can take these ids before they are inserted.
    conn.execute(sa.delete(table).where(sa.false()))
    start = conn.execute(sa.select(sa.func.coalesce(sa.func.max(table.c.id), 0))).scalar_one() + 1
    return list(range(start, start + n))


# -- cases -----------------------------------------------------------------------------------------

_ORDER: dict[str, int] = {s: i for i, s in enumerate((Stage.identified, Stage.ledger_created, Stage.secretary_assigned,
                                       Stage.rectified, Stage.verified))}


# Column order of the rows a plan carries; the writer puts the ids in front.
CASE_KEYS = ("year", "stage", "identified_on", "deadline", "stage_since", "stage_due", "cycle_start", "cycle",
             "version", "detail", "helping_unit", "self_check", "rectified_on", "verified_on", "score",
             "withdrawn_reason", "supervised", "supervision_reason", "measures_total", "measures_done",
             "last_progress_on", "created_at", "updated_at")
MEASURE_KEYS = ("seq", "text", "owner", "due_on", "done_on")
PERSON_KEYS = ("role", "name", "unit", "email", "phone")
SECRETARY_KEYS = ("name", "kind", "unit", "since", "until", "email", "phone", "end_reason")
PROGRESS_KEYS = ("reported_on", "note")  # the writer adds the actor
VERIFICATION_KEYS = ("verified_on", "verifier", "score", "satisfied", "basic", "dissatisfied", "passed", "reasons")


@dataclass(slots=True)
class _CasePlan:
    row: int
    org_code: str
    stage: str
    identified_on: date
    case: tuple[Any, ...]  # CASE_KEYS
    problems: tuple[tuple[str, str], ...]
    measures: list[tuple[Any, ...]]  # MEASURE_KEYS
    people: list[tuple[Any, ...]]  # PERSON_KEYS
    secretary: tuple[Any, ...] | None  # SECRETARY_KEYS
    progress: tuple[Any, ...] | None  # PROGRESS_KEYS
    verification: tuple[Any, ...] | None  # VERIFICATION_KEYS
    detail: str  # the import event's detail, as JSON


def _parse_score(value: Any) -> int | None:
    return parse_int(value, low=0, high=100)


_json_str: Callable[[str], str] = json.encoder.encode_basestring  # type: ignore[attr-defined]  # a JSON string
_SECRETARY_WORDS = {**{k: k for k in SECRETARY_KINDS}, **{v: k for k, v in SECRETARY_KINDS.items()}}


class _Parsers:
    """The cell parsers for one import, each remembering the texts it has seen (see ``_memo``)."""

    def __init__(self) -> None:
        self.date = _memo(parse_date)
        self.problems = _memo(lambda v: tuple(parse_problems(v)))
        self.measures = _memo(parse_measures)
        self.bool = _memo(parse_bool)
        self.score = _memo(_parse_score)
        self.int = _memo(parse_int)
        self.progress = _memo(parse_progress)
        self.stage = _memo(parse_stage)
        self.secretary = _memo(parse_secretary)
        self.measure_text: list[str] = []

    def measure(self, n: int) -> str:
        texts = self.measure_text
        while len(texts) < n:
            texts.append(IMPORTED_MEASURE.format(n=len(texts) + 1))
        return texts[n - 1]


def _case_from_row(r: _Row, org_code: str | None, config: Config, today: date, now: datetime,
                   source: str, parsers: _Parsers | None = None) -> _CasePlan | None:
    policy = config.policy
    P = parsers or _Parsers()
    problems = r.parse("problems", P.problems, ())
    if r.text("problems") == "":
        r.fail("problems", "至少需要一项软弱涣散情形（P01–P10 或其文字）")
    identified = r.parse("identified_on", P.date)
    if r.raw("identified_on") == "":
        r.fail("identified_on", "不能为空")
    deadline = r.parse("deadline", P.date)
    done, total = r.parse("measures", P.measures, (0, 0))
    supervised = r.parse("supervised", P.bool, False)
    struck = r.parse("struck_off", P.bool, False)
    verified_on = r.parse("verified_on", P.date)
    score = r.parse("score", P.score)
    rectified_on = r.parse("rectified_on", P.date)
    progress_on, progress_note = r.parse("last_progress", P.progress, (None, ""))
    satisfied = r.parse("satisfied", P.int)
    basic = r.parse("basic", P.int)
    dissatisfied = r.parse("dissatisfied", P.int)
    sec_since = r.parse("secretary_since", P.date)
    sec_name, sec_unit = P.secretary(r.raw("secretary")) if r.text("secretary") else ("", "")
    sec_unit = sec_unit or r.text("secretary_unit")
    sec_kind = "first"
    if r.text("secretary_kind"):
        sec_kind = _SECRETARY_WORDS.get(r.text("secretary_kind"), "")
        if not sec_kind:
            r.fail("secretary_kind", f"应为 第一书记 或 选配书记，收到「{r.text('secretary_kind')}」")
    leader, cadre = r.text("county_leader"), r.text("township_cadre")
    remarks = r.text("remarks")

    explicit = r.parse("stage", P.stage) if r.text("stage") else None
    if identified is None:
        return None
    if identified > today:
        r.fail("identified_on", f"确定日期 {identified} 晚于今天 {today}")
    if deadline is None:
        deadline = default_deadline(identified, policy)
    elif deadline <= identified:
        r.fail("deadline", f"转化时限 {deadline} 早于或等于确定日期 {identified}")

    def reaches(stage: str) -> list[tuple[str, str]]:
        """What the row lacks for ``stage``: (column, reason)."""
        need: list[tuple[str, str]] = []
        if stage == Stage.withdrawn or _ORDER[stage] < _ORDER[Stage.ledger_created]:
            return need
        if total < 1:
            need.append(("measures", "此阶段需要整顿措施（如 0/3）"))
        if not leader:
            need.append(("county_leader", "此阶段需要县级联系领导"))
        if not cadre:
            need.append(("township_cadre", "此阶段需要乡镇包村干部"))
        if _ORDER[stage] >= _ORDER[Stage.secretary_assigned]:
            if not sec_name or not sec_unit:
                need.append(("secretary", "此阶段需要第一书记，写成 姓名（派出单位）"))
        if _ORDER[stage] >= _ORDER[Stage.rectified] and done != total:
            need.append(("measures", f"此阶段整顿措施应全部完成，现为 {done}/{total}"))
        if stage == Stage.verified:
            if verified_on is None:
                need.append(("verified_on", "已验收销号的案例需要验收日期"))
            if score is None:
                need.append(("score", "已验收销号的案例需要验收得分"))
        return need

    if explicit is None:
        stage: str = Stage.identified
        for candidate in (Stage.ledger_created, Stage.secretary_assigned, Stage.rectified, Stage.verified):
            if candidate == Stage.rectified and rectified_on is None:
                continue
            if candidate == Stage.verified and not struck and not (
                    score_passes(score, config.verification)):
                continue
            if not reaches(candidate):
                stage = candidate
    else:
        stage = explicit
        for key, reason in reaches(stage):
            r.fail(key, f"{STAGE_LABELS[stage]}：{reason}")
    if struck and stage != Stage.verified:
        r.fail("struck_off", f"已销号的案例阶段应为 已验收销号，本行为 {STAGE_LABELS[stage]}")
    for key, when in (("verified_on", verified_on), ("rectified_on", rectified_on),
                      ("secretary_since", sec_since), ("last_progress", progress_on)):
        if when is not None and when < identified:
            r.fail(key, f"日期 {when} 早于确定日期 {identified}")
    if org_code is None or r.bad:
        return None

    if stage == Stage.secretary_assigned:
        since = sec_since or identified
    elif stage == Stage.rectified:
        since = rectified_on or identified
    elif stage == Stage.verified:
        since = verified_on or identified
    else:
        since = identified
    rank = _ORDER.get(stage, 0)
    rect = rectified_on if rank >= _ORDER[Stage.rectified] else None
    case = (
        identified.year, stage, identified, deadline, since,
        stage_due(stage, cycle_start=identified, deadline=deadline, rectified_on=rect, policy=policy),
        identified, 1, 1, r.text("detail"),
        r.text("helping_unit"), r.text("self_check") or ("导入" if rank >= _ORDER[Stage.rectified] else ""),
        rect, verified_on if stage == Stage.verified else None,
        score if stage == Stage.verified else None,
        (remarks or "导入时已撤销") if stage == Stage.withdrawn else "",
        supervised and stage != Stage.withdrawn,
        (remarks or "导入时已挂牌督办") if supervised else "",
        total, done, progress_on,
        now, now,
    )
    done_day = rect or min(max(today, identified), deadline)
    owner = cadre or leader or ""
    measures = [(n, P.measure(n), owner, deadline, done_day if n <= done else None) for n in range(1, total + 1)]
    people = [(role, name, "", email, "")
              for role, name, email in (("officer", r.text("officer"), r.text("officer_email")),
                                        ("county_leader", leader, ""), ("township_cadre", cadre, ""))
              if name or email]
    secretary = None
    if sec_name and stage != Stage.withdrawn:
        secretary = (sec_name, sec_kind, sec_unit, sec_since or identified, None, "", "", "")
    progress = None
    if progress_on is not None:
        progress = (progress_on, progress_note or "导入")
    verification = None
    if verified_on is not None and score is not None:
        passed = stage == Stage.verified
        verification = (verified_on, r.text("verifier") or "导入", score, satisfied or 0, basic or 0,
                        dissatisfied or 0, passed, "" if passed else "导入")
    # json.dumps({"source", "row", "org", "stage", "measures", "remarks"?, "last_progress"?}, ensure_ascii=False,
    # sort_keys=True), written out in key order: one json.dumps per row cost more than the rest of this function.
    detail = "".join((
        "{", f'"last_progress": {_json_str(progress_note)}, ' if progress_on is None and progress_note else "",
        f'"measures": "{done}/{total}", "org": {_json_str(org_code)}, ',
        f'"remarks": {_json_str(remarks)}, ' if remarks else "",
        f'"row": {int(r.number)}, "source": {_json_str(source)}, "stage": {_json_str(stage)}', "}"))
    return _CasePlan(r.number, org_code, stage, identified, case, problems, measures, people, secretary, progress,
                     verification, detail)


def import_cases(db: Database, path: str | Path, *, config: Config | None = None, actor: str = "system",
                 clock: Clock = system_clock, dry_run: bool = False,
                 progress: Progress = _no_progress) -> ImportResult:
    """Import one case per row (the ledger's layout or a county's own sheet); all rows or none.

    The sheet is read and checked row by row. While every row so far is good, the checked cases are
    written in batches inside the one transaction; after the first bad row nothing more is written, the
    remaining rows are still checked (every problem is reported), and the transaction is rolled back.
    """
    config = config or Config()
    problems: list[RowProblem] = []
    sheet = open_sheet(path, _alias_map(CASE_FIELDS))
    index, names, ignored = _bind_headers(sheet, CASE_FIELDS, problems)
    if "org_code" not in index and "org_name" not in index:
        problems.append(RowProblem(sheet.header_row, "党组织名称", "缺少这一列（或 组织代码）"))
    for key in ("problems", "identified_on"):
        if key not in index:
            problems.append(RowProblem(sheet.header_row, names[key], "缺少这一列"))
    if problems:
        raise ImportRejected(problems, sum(1 for _ in sheet.rows))
    now = clock()
    today = local_today(clock, config.policy.timezone)
    source = Path(path).name
    result = ImportResult(ignored_columns=ignored, dry_run=dry_run)
    tick = progress("检查", sheet.estimate)
    values_of = _row_values(index)
    parsers = _Parsers()
    with (translate_errors(db.url), _cycles_uncollected(), db.engine.connect() as conn, _bulk_pragmas(conn),
          conn.begin()):
        if db.dialect == "postgresql":
            # One import at a time, and no case opened under it between the check and the write.
            conn.execute(sa.text("LOCK TABLE organization, rectification_case IN SHARE ROW EXCLUSIVE MODE"))
        orgs = _Orgs.load(conn)
        code_of = {oid: code for code, (oid, *_rest) in orgs.by_code.items()}
        open_by_org: dict[str, str] = {}
        existing: dict[tuple[str, date], str] = {}
        for r_ in conn.execute(sa.select(case_t.c.id, case_t.c.org_id, case_t.c.stage, case_t.c.identified_on)):
            org_code = code_of[r_.org_id]
            if r_.stage not in (Stage.verified, Stage.withdrawn):
                open_by_org[org_code] = f"已有在办案例 {r_.id}"
            existing[(org_code, r_.identified_on)] = f"案例 {r_.id}"
        del code_of
        writer = None if dry_run else _CaseWriter(conn, orgs, actor, now)
        plans: list[_CasePlan] = []
        new_orgs: set[str] = set()
        existing_orgs: set[str] = set()
        rows = 0
        for number, cells in sheet.rows:
            rows += 1
            r = _Row(number, cells, index, names, problems, values_of(cells))
            code, created = _org_from_row(r, orgs, now, "org_code", "org_name")
            if created:
                new_orgs.add(code)  # type: ignore[arg-type]
            plan = _case_from_row(r, code, config, today, now, source, parsers)
            if plan is not None and not r.bad:
                case_key = (plan.org_code, plan.identified_on)
                name_key = "org_code" if r.text("org_code") else "org_name"
                if case_key in existing:
                    r.fail(name_key, f"该组织 {plan.identified_on} 确定的案例已存在（{existing[case_key]}）")
                elif plan.stage not in (Stage.verified, Stage.withdrawn) and plan.org_code in open_by_org:
                    r.fail(name_key, f"组织 {plan.org_code} {open_by_org[plan.org_code]}，"
                                     "一个组织同时只能有一个在办案例")
                else:
                    existing[case_key] = f"第 {number} 行"
                    if plan.stage not in (Stage.verified, Stage.withdrawn):
                        open_by_org[plan.org_code] = f"在第 {number} 行已有在办案例"
                    result.cases += 1
                    if not problems:
                        plans.append(plan)
                    if not created:
                        existing_orgs.add(plan.org_code)
            if problems:
                plans.clear()  # nothing more is written: the transaction will be rolled back
            elif len(plans) >= BATCH and writer is not None:
                writer.write(plans)
                plans.clear()
            tick(1)
        if problems:
            raise ImportRejected(problems, rows)
        if writer is not None:
            writer.write(plans, progress("写入", len(_CaseWriter.TABLES)))
    result.rows = rows
    result.orgs_created = len(new_orgs)
    result.orgs_existing = len(existing_orgs - new_orgs)
    return result


@contextmanager
def _cycles_uncollected() -> Iterator[None]:
    """Pause Python's cycle collector while the rows are checked and written, then restore it.

    Everything the import makes is freed by reference counting (no cycles); the collector's passes over
    the batch in hand and the growing lookup tables were a third of the import's time at 20,000 rows.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def _bulk_pragmas(conn: sa.Connection) -> Iterator[None]:
    """On SQLite, a page cache big enough for the import's writes, on this connection only, then the old one.

    With the default 2 MB cache, inserting 100,000 cases into the tables' indexes evicts and rewrites the same
    pages over and over. Durability is untouched: WAL, synchronous=NORMAL and foreign keys stay as they are.
    """
    if conn.dialect.name != "sqlite":
        yield
        return
    raw = conn.connection.dbapi_connection
    assert raw is not None
    old = raw.execute("PRAGMA cache_size").fetchone()[0]
    raw.execute(f"PRAGMA cache_size = {-IMPORT_CACHE_KB}")
    try:
        yield
    finally:
        if conn.connection.dbapi_connection is raw:
            raw.execute(f"PRAGMA cache_size = {int(old)}")


class _CaseWriter:
    """Writes checked cases, batch by batch, with one executemany per table; ids are allocated up front.

    Each table's rows go in in row order, so every id is what one write of all the rows at the end would give.
    """

    TABLES = ("organization", "rectification_case", "case_problem", "measure", "case_person",
              "secretary_assignment", "progress_report", "verification", "case_event")

    def __init__(self, conn: sa.Connection, orgs: _Orgs, actor: str, now: datetime) -> None:
        self.conn, self.orgs, self.actor, self.now = conn, orgs, actor, now
        self.org_id = {code: oid for code, (oid, *_rest) in orgs.by_code.items() if oid is not None}
        self.inserts = {
            "rectification_case": _Insert(conn, case_t, ("id", "org_id", *CASE_KEYS)),
            "case_problem": _Insert(conn, problem_t, ("case_id", "code", "text")),
            "measure": _Insert(conn, measure_t, ("case_id", *MEASURE_KEYS)),
            "case_person": _Insert(conn, person_t, ("case_id", *PERSON_KEYS)),
            "secretary_assignment": _Insert(conn, secretary_t, ("case_id", *SECRETARY_KEYS)),
            "progress_report": _Insert(conn, progress_t, ("case_id", *PROGRESS_KEYS, "actor")),
            "verification": _Insert(conn, verification_t, ("case_id", *VERIFICATION_KEYS)),
            "case_event": _Insert(conn, event_t, ("case_id", "at", "actor", "action", "from_stage", "to_stage",
                                                  "reason", "detail")),
        }

    def write(self, plans: list[_CasePlan], tick: Callable[[int], None] = lambda n: None) -> None:
        conn, orgs = self.conn, self.orgs
        if orgs.new:
            for o, i in zip(orgs.new, _allocate_ids(conn, org_t, len(orgs.new)), strict=True):
                o["id"] = i
                self.org_id[o["code"]] = i
            _insert_many(conn, org_t, orgs.new)
            orgs.new.clear()
        tick(1)
        if not plans:
            tick(len(self.TABLES) - 1)
            return
        org_id = self.org_id
        case_ids = _allocate_ids(conn, case_t, len(plans))
        rows: dict[str, list[tuple[Any, ...]]] = {name: [] for name in self.inserts}
        rows["rectification_case"] = [(cid, org_id[p.org_code], *p.case) for p, cid in zip(plans, case_ids,
                                                                                               strict=True)]
        problem, measure, person = rows["case_problem"], rows["measure"], rows["case_person"]
        secretary, progress, verification = (rows["secretary_assignment"], rows["progress_report"],
                                             rows["verification"])
        actor, now = self.actor, self.now
        for p, cid in zip(plans, case_ids, strict=True):
            problem.extend((cid, c, t) for c, t in p.problems)
            measure.extend((cid, *m) for m in p.measures)
            person.extend((cid, *x) for x in p.people)
            if p.secretary is not None:
                secretary.append((cid, *p.secretary))
            if p.progress is not None:
                progress.append((cid, *p.progress, actor))
            if p.verification is not None:
                verification.append((cid, *p.verification))
        rows["case_event"] = [(cid, now, actor, "import", None, p.stage, "导入", p.detail)
                              for p, cid in zip(plans, case_ids, strict=True)]
        for name, insert in self.inserts.items():
            insert.run(conn, rows[name])
            tick(1)


class _Insert:
    """One compiled Core INSERT for tuples in ``keys`` order, run with executemany.

    Each value goes through its column type's own bind processor, so the stored values are exactly what
    ``sa.insert(table)`` would have written, without SQLAlchemy's per-row parameter construction. The rows
    are turned into columns and back (``zip``), and a processed column is mapped through a memo of its
    processor: dates and timestamps repeat, so most values cost one dict lookup.
    """

    def __init__(self, conn: sa.Connection, table: sa.Table, keys: tuple[str, ...]) -> None:
        compiled = sa.insert(table).compile(dialect=conn.dialect, column_keys=list(keys))
        processors: dict[str, Any] = compiled._bind_processors  # type: ignore[assignment]
        self.positional = bool(compiled.positional)
        order = list(compiled.positiontup) if compiled.positional and compiled.positiontup else list(keys)
        self.order = order
        self.width = len(order)
        self.reorder = None if order == list(keys) else itemgetter(*(keys.index(k) for k in order))
        self.todo = [(i, _Processed(f)) for i, k in enumerate(order) if (f := processors.get(k)) is not None]
        self.sql = str(compiled)

    def run(self, conn: sa.Connection, rows: Sequence[tuple[Any, ...]]) -> None:
        for start in range(0, len(rows), BATCH):
            chunk = rows[start:start + BATCH]
            if not chunk:
                continue
            if self.reorder is not None:
                chunk = list(map(self.reorder, chunk))
            params: list[Any]
            if self.todo:
                columns: list[Sequence[Any]] = list(zip(*chunk, strict=True))
                for i, memo in self.todo:
                    columns[i] = memo.column(columns[i])
                params = list(zip(*columns, strict=True))
            else:
                params = list(chunk)
            if not self.positional:
                order = self.order
                params = [dict(zip(order, values, strict=True)) for values in params]
            conn.exec_driver_sql(self.sql, params)


class _Processed(dict[Any, Any]):
    """A bind processor's answers by value (they depend on the value alone); None stays None."""

    def __init__(self, process: Callable[[Any], Any]) -> None:
        super().__init__({None: None})
        self.process = process

    def __missing__(self, value: Any) -> Any:
        out = self.process(value)
        if len(self) < 50_000:
            self[value] = out
        return out

    def column(self, values: Sequence[Any]) -> Sequence[Any]:
        try:
            return list(map(self.__getitem__, values))
        except TypeError:  # a value that cannot be a key: process each one
            process = self.process
            return [None if v is None else process(v) for v in values]


# -- template --------------------------------------------------------------------------------------

TEMPLATE_HEADERS: tuple[tuple[str, str], ...] = (("org_code", "组织代码"),) + tuple(
    (k, h) for k, h in LEDGER_COLUMNS if k not in DERIVED)

TEMPLATE_EXAMPLE: dict[str, Any] = {
    "org_code": "341122101201", "county": "青山县", "township": "河口镇", "org_name": "河口镇王家庄村党支部",
    "kind": "村", "problems": "P01；P10", "detail": "村党支部书记空缺半年，班子仅剩两人", "measures": "1/3",
    "county_leader": "李志强", "township_cadre": "张秀英", "secretary": "陈海涛（县财政局）",
    "helping_unit": "县财政局", "identified_on": "2025-03-05", "deadline": "2025-12-31",
    "stage": "已选派书记 secretary_assigned", "supervised": "否", "last_progress": "2025-05-31 召开党员大会",
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
    ws.title = "整顿案例导入"
    ws.append(headers)
    ws.append(example)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for i, h in enumerate(headers, 1):
        ws.column_dimensions[ws.cell(1, i).column_letter].width = max(10, 2 * len(h) + 4)
    ws.freeze_panes = "A2"
    wb.save(out)  # type: ignore[arg-type]
