"""Reading the sheets counties keep: CSV in UTF-8 (with or without BOM), UTF-16 or GBK/GB18030, and XLSX.

The header row is found by its names (the ledger's Chinese headers and the usual variants); the rows are
streamed as the file is read, trimmed, with the ledger's formula neutralisation undone.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rectify.errors import BadInput
from rectify.reports.ledger import LEDGER_COLUMNS
from rectify.states.stages import Stage

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
TEXT_MARK = "\u2060"  # what the ledger CSV puts before text a spreadsheet would read as a number or date
_FORMULA_FIRST = frozenset(FORMULA_PREFIXES)

# -- headers ---------------------------------------------------------------------------------------

LEDGER_HEADERS: dict[str, str] = dict(LEDGER_COLUMNS)
# The ledger computes these; an import ignores them.
DERIVED = ("seq", "task", "task_due", "days_left", "deadline_days", "light", "light_reason")

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
    "identified_on": (Stage.identified.value,),
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
    "measures_done": ("措施已完成", "已完成措施", "measures_done"),
    "measures_total": ("措施总数", "整顿措施总数", "measures_total"),
    # County sheets (issue 12): the numbered measures, who answers for them and by when, the problems' own
    # words, the township leader under its local names, the village secretary.
    "measures": ("整顿措施", "整改措施", "措施清单"),
    "measure_owner": ("责任人", "整改责任人", "measure_owner"),
    "measure_due": ("完成时限", "整改时限", "measure_due"),
    "problem_text": ("存在问题", "问题描述", "problem_text"),
    "township_cadre": ("乡镇包村领导", "联系乡镇领导", "包村领导", "包村干部"),
    "village_secretary": ("村党组织书记", "村（社区）党组织书记", "村书记", "village_secretary"),
}


def _case_fields() -> dict[str, tuple[str, ...]]:
    fields: dict[str, tuple[str, ...]] = {key: (header, key) for key, header in LEDGER_COLUMNS}
    for key, names in CASE_EXTRA.items():
        fields[key] = fields.get(key, ()) + names
    return fields


CASE_FIELDS = _case_fields()


def norm_header(text: Any) -> str:
    h = re.sub(r"\s+", "", str(text or "")).strip("*＊").lower()
    # "整顿措施(done/total)", "第一书记（派出单位）": the part in brackets only explains the cell.
    base = re.sub(r"[（(][^（）()]*[）)]$", "", h)
    return base or h


def alias_map(fields: dict[str, tuple[str, ...]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, names in fields.items():
        for name in names:
            out.setdefault(norm_header(name), key)
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


_CHUNK = 1 << 20


def _csv_encoding(path: Path) -> tuple[str, int]:
    """The file's encoding and its physical line count, read in 1 MB chunks (never the whole file at once).

    UTF-8 with or without BOM, UTF-16 by its BOM, else GB18030 when the bytes are not UTF-8."""
    import codecs

    with path.open("rb") as f:
        head = f.read(4)
        if head.startswith(b"\xef\xbb\xbf"):
            encoding = "utf-8-sig"
        elif head.startswith((b"\xff\xfe", b"\xfe\xff")):
            encoding = "utf-16"
        else:
            encoding = "utf-8"
        f.seek(0)
        candidates = [encoding] if encoding != "utf-8" else ["utf-8", "gb18030"]
        for candidate in candidates:
            decoder = codecs.getincrementaldecoder(candidate)()
            lines, last = 0, b""
            try:
                while chunk := f.read(_CHUNK):
                    text = decoder.decode(chunk)
                    lines += text.count("\n") if candidate == "utf-16" else chunk.count(b"\n")
                    last = chunk
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                f.seek(0)
                continue
            return candidate, lines + (0 if last.endswith(b"\n") or candidate == "utf-16" else 1)
    raise BadInput("无法识别文件编码：请另存为 UTF-8 或 GBK 编码的 CSV，或 XLSX")


def _csv_source(path: Path) -> tuple[Iterator[list[Any]], int]:
    """The file's records one by one (decoded as it is read), and its physical line count for a progress bar."""
    encoding, lines = _csv_encoding(path)
    with path.open(encoding=encoding, newline="") as probe:
        first = probe.readline().rstrip("\r\n")
    if encoding == "utf-16":
        lines += 1
    delimiter = "\t" if first.count("\t") > first.count(",") else ","

    def records() -> Iterator[list[Any]]:
        with path.open(encoding=encoding, newline="") as text:
            yield from csv.reader(text, delimiter=delimiter)

    return records(), lines


def _xlsx_source(path: Path) -> tuple[Iterator[list[Any]], int]:
    import zipfile

    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise BadInput(f"无法读取 XLSX 文件 {path.name}：{exc}") from None
    # The ledger's own workbook prints its 简表 first; the 全表 (every column) is the sheet to read back.
    ws = wb["限期转化台账"] if "限期转化台账" in wb.sheetnames else wb.worksheets[0]

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
        names = [norm_header(c) for c in raw]
        if sum(1 for n in names if n in aliases or n in DERIVED_HEADERS) >= 2:
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
        if TEXT_MARK in "".join(raw):
            raw = [c.replace(TEXT_MARK, "") for c in raw]
        cells = list(map(strip, raw))
        if "'" in "".join(raw):
            cells = [c[1:].strip() if c[:1] == "'" and c[1:2] in _FORMULA_FIRST else cells[i]
                     for i, c in enumerate(raw)]
        if any(cells) and not _signature(cells):
            yield number, cells


# The ledger's signature lines below the table (填报单位（盖章）：… 填报人：…): not a case.
_SIGNATURE_START = ("填报单位", "填报人", "联系电话", "审核人", "填报日期")


def _signature(cells: list[Any]) -> bool:
    filled = [c for c in cells if c != ""]
    return len(filled) == 1 and type(filled[0]) is str and filled[0].startswith(_SIGNATURE_START)


def _any_rows(numbered: Iterator[tuple[int, list[Any]]]) -> Iterator[tuple[int, list[Any]]]:
    for number, raw in numbered:
        cells = [(c[1:] if c[:1] == "'" and c[1:2] in _FORMULA_FIRST else c).replace(TEXT_MARK, "").strip()
                 if type(c) is str
                 else clean(c) for c in raw]
        if any(c != "" for c in cells) and not _signature(cells):
            yield number, cells


def read_sheet(path: str | Path, aliases: dict[str, str]) -> Sheet:
    """``open_sheet`` with every row read into memory."""
    stream = open_sheet(path, aliases)
    return Sheet(stream.headers, stream.header_row, list(stream.rows))


DERIVED_HEADERS = {norm_header(LEDGER_HEADERS[k]) for k in DERIVED} | set(DERIVED)


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

