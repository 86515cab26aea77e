"""Reading the sheets counties keep: CSV in UTF-8 (with or without BOM), UTF-16 or GBK/GB18030, and XLSX.

The header row is found by its names (the ledger's Chinese headers and the usual variants); the rows are
streamed as the file is read, trimmed, with the ledger's formula neutralisation undone.
"""

from __future__ import annotations

import csv
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
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
    "poor_village": ("脱贫村", "建档立卡贫困村", "贫困村", "乡村振兴重点帮扶村", "poor_village"),
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
    "verifier": ("验收组", "验收人", "verifier"),
    "satisfied": ("满意", "满意人数", "satisfied"),
    "basic": ("基本满意", "基本满意人数", "basic"),
    "dissatisfied": ("不满意", "不满意人数", "dissatisfied"),
    "poor_village": ("脱贫村", "建档立卡贫困村", "贫困村", "乡村振兴重点帮扶村", "poor_village"),
    "measures_done": ("措施已完成", "已完成措施", "measures_done"),
    "measures_total": ("措施总数", "整顿措施总数", "measures_total"),
    # County sheets (issue 12): the numbered measures, who answers for them and by when, the problems' own
    # words, the township leader under its local names, the village secretary.
    "measures": ("整顿措施", "整改措施", "措施清单"),
    "measure_owner": ("责任人", "整改责任人", "measure_owner"),
    "measure_due": ("完成时限", "整改时限", "measure_due"),
    "problem_text": ("存在问题", "问题描述", "problem_text"),
    "township_cadre": ("乡镇包村领导", "乡镇包村干部", "联系乡镇领导", "包村领导", "包村干部"),
    "village_secretary": ("村党组织书记", "村（社区）党组织书记", "村书记", "village_secretary"),
    # The ledger's 编号 (the case's number): a re-imported ledger keeps it.
    "case_id": ("编号", "整顿对象编号", "case_id"),
    # A late stage's verification facts (issue 26), under the names counties give them.
    "verification_team": ("验收组成员", "验收人员", "验收组组成人员", "验收小组成员", "verification_team"),
    "surveyed": ("测评人数", "民主测评人数", "参加测评人数", "参评人数", "surveyed"),
    "publicity": ("公示期", "公示起止日期", "公示时间", "publicity"),
    "publicity_from": ("公示开始日期", "公示日期", "公示起始日期", "公示开始时间", "publicity_from"),
    "publicity_until": ("公示结束日期", "公示截止日期", "公示期满日期", "公示结束时间", "publicity_until"),
    "approver": ("销号批复人", "批复人", "销号审批人", "审批人", "approver"),
    "strike_off_doc": ("销号文号", "批复文号", "销号批复文号", "文号", "strike_off_doc"),
}
# The names county sheets give the same columns (issue 27): their own forms, and the four columns of
# 四个一落实情况 (一名县级领导联系、一名乡镇党员领导干部包村、一名第一书记、一个结对帮扶单位) under it.
COUNTY_ALIASES: dict[str, tuple[str, ...]] = {
    "org_name": ("村（社区）党组织名称", "村（社区）党组织", "村党组织名称", "社区党组织名称", "党支部名称",
                 "软弱涣散党组织名称", "软弱涣散村（社区）党组织", "党组织", "村（社区）名称"),
    "county": ("县（市、区）", "县市区", "所属县", "县区"),
    "township": ("乡镇（街道）", "乡镇街道", "所属乡镇", "所在乡镇", "乡（镇）", "镇（街道）"),
    "problems": ("软弱涣散主要表现", "软弱涣散表现", "主要表现", "软弱涣散类型", "软弱涣散问题", "问题类别",
                 "存在的主要问题类型"),
    "deadline": ("整顿转化时限", "转化时间", "限期转化时间", "计划转化时间", "整顿时限", "整顿期限",
                 "计划完成时间", "整顿转化时间"),
    "identified_on": ("确定时间", "列入时间", "列入整顿时间", "确定整顿时间", "排查确定时间"),
    "measures": ("整顿转化措施", "主要整顿措施", "整顿措施及进展", "具体措施"),
    "measure_owner": ("具体责任人", "措施责任人"),
    "measure_due": ("措施时限", "措施完成时限"),
    "county_leader": ("县级领导联系", "联系县领导", "县级联系领导干部", "县级领导", "联系县级领导"),
    "township_cadre": ("乡镇党员领导干部包村", "乡镇领导包村", "包村乡镇领导", "乡镇包村干部"),
    "secretary": ("选派第一书记", "第一书记", "驻村第一书记"),
    "helping_unit": ("结对帮扶单位", "帮扶单位", "结对单位", "一个结对帮扶单位"),
    "remarks": ("备注",),
    "kind": ("类别", "组织类别"),
}


def _case_fields() -> dict[str, tuple[str, ...]]:
    fields: dict[str, tuple[str, ...]] = {key: (header, key) for key, header in LEDGER_COLUMNS}
    for extra in (CASE_EXTRA, COUNTY_ALIASES):
        for key, names in extra.items():
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
            reader = csv.reader(text, delimiter=delimiter)
            try:
                yield from reader
            except csv.Error as exc:
                limit = csv.field_size_limit()
                why = f"单元格超过 {limit} 个字符" if "field larger" in str(exc) else f"格式不对（{exc}）"
                raise BadInput(f"{path.name} 第 {reader.line_num} 行：{why}，未导入任何数据") from None

    return records(), lines


MAX_MEMBER_BYTES = 4 << 30  # one member of an XLSX, uncompressed (a national ledger's sheet is about 1 GB)
MAX_RATIO = 200  # uncompressed : compressed, for members over 1 MB (sheet XML deflates about 10 : 1)


def _check_members(path: Path) -> None:
    """Refuses a deflate bomb from the ZIP directory alone, before any member is inflated or parsed."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise BadInput(f"无法读取 XLSX 文件 {path.name}：{exc}") from None
    total = 0
    for info in infos:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > MAX_MEMBER_BYTES or total > 2 * MAX_MEMBER_BYTES or (
                info.file_size > 1 << 20 and ratio > MAX_RATIO):
            raise BadInput(f"XLSX 文件 {path.name} 的成员 {info.filename} 解压后 {info.file_size} 字节"
                           f"（压缩比 {ratio:.0f}:1）超出限制，可能是压缩炸弹，未导入任何数据")


def _xlsx_source(path: Path) -> tuple[Iterator[list[Any]], int]:
    import zipfile

    from openpyxl import load_workbook

    _check_members(path)
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
    # Rows that are no case, found by what they say: (row number, what it is, its text). The title and 填报单位
    # rows above the header are here when the sheet is opened; the footer rows (审核人、填表人、联系电话) join
    # as the rows are read.
    skipped: list[tuple[int, str, str]] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)  # each column as the sheet heads it (上层表头/下层表头)
    title: str = ""


def open_sheet(path: str | Path, aliases: dict[str, str]) -> SheetStream:
    """The first row that names at least two known columns is the header; the rows above it (a title, a
    填报单位 line) are skipped and noted. A second header row under merged cells (四个一落实情况 over its four
    columns) is read with it: each column is named by its lower cell when it has one.

    Cells come trimmed, with the ledger's formula neutralisation undone; rows with no value and the footer's
    signature rows (审核人、填表人、联系电话) are left out, the latter noted in ``skipped``.
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
    numbered = enumerate(source, 1)
    found = _find_header(numbered, aliases)
    if found is None:
        close = getattr(source, "close", None)
        if close is not None:
            close()
        raise BadInput(f"文件 {p.name} 中找不到表头（如 党组织名称、县、乡镇）；"
                       "可用 rectify import template 生成模板")
    headers, labels, header_row, skipped, rest = found
    title = next((text for _, what, text in skipped if what == "标题"), "")
    stream = SheetStream(headers, header_row, iter(()), max(lines - header_row, 0), skipped, labels, title)
    stream.rows = _text_rows(rest, skipped) if text_only else _any_rows(rest, skipped)
    return stream


def _known(raw: list[Any], aliases: dict[str, str]) -> int:
    return sum(1 for c in raw if c is not None and c != "" and (n := norm_header(c)) and
               (n in aliases or n in DERIVED_HEADERS))


def _cell_texts(raw: list[Any]) -> list[str]:
    return ["" if c is None else str(c).strip() for c in raw]


_TITLE_WORDS = ("填报单位", "填表单位", "报送单位", "填报日期", "填报时间", "单位（盖章）", "单位:", "单位：")


def _preamble(texts: list[str]) -> tuple[str, str]:
    """What a row above the header is: 标题, 填报单位 or 说明, and its text."""
    filled = [t for t in texts if t]
    text = " ".join(filled)
    if any(text.startswith(w) for w in _TITLE_WORDS) or "填报单位" in text:
        return "填报单位", text
    return ("标题" if len(filled) == 1 else "说明"), text


def _find_header(numbered: Iterator[tuple[int, list[Any]]], aliases: dict[str, str]) -> tuple[
        list[str], list[str], int, list[tuple[int, str, str]], Iterator[tuple[int, list[Any]]]] | None:
    """The header (its names, its labels, its last row), the rows above it, and the rows after it."""
    skipped: list[tuple[int, str, str]] = []
    number, raw = 0, list[Any]()
    for number, raw in numbered:
        if _known(raw, aliases) >= 2:
            break
        texts = _cell_texts(raw)
        if any(texts):
            what, text = _preamble(texts)
            if what == "标题" and any(w == "标题" for _, w, _ in skipped):
                what = "说明"
            skipped.append((number, what, text))
        if number >= 20:
            return None
    else:
        return None
    top = _cell_texts(raw)
    rest: Iterator[tuple[int, list[Any]]] = numbered
    for number2, under in rest:
        if _sub_header(top, under, aliases):
            headers, labels = _merge_header(top, _cell_texts(under))
            return headers, labels, number2, skipped, rest
        return top, list(top), number, skipped, itertools.chain([(number2, under)], rest)
    return top, list(top), number, skipped, rest


def _sub_header(top: list[str], under: list[Any], aliases: dict[str, str]) -> bool:
    """Whether the row under the header is its second row: text only, no number or date, and a known column
    name under an empty top cell (a merged group's continuation) or under a top cell that names no column."""
    texts = _cell_texts(under)
    if any(c is not None and not isinstance(c, str) for c in under) or any(t[:1].isdigit() for t in texts):
        return False
    for i, t in enumerate(texts):
        if t and norm_header(t) in aliases:
            above = top[i] if i < len(top) else ""
            if not above or norm_header(above) not in aliases:
                return True
    return False


def _merge_header(top: list[str], under: list[str]) -> tuple[list[str], list[str]]:
    """Each column's name (its lower cell, else its upper) and label (上层/下层 where both are given)."""
    width = max(len(top), len(under))
    top = top + [""] * (width - len(top))
    under = under + [""] * (width - len(under))
    headers, labels, group = [], [], ""
    for t, u in zip(top, under, strict=True):
        if t:
            group = t
        if u:
            headers.append(u)
            labels.append(f"{group}/{u}" if group and group != u else u)
        else:
            headers.append(t)
            labels.append(t)
            group = t if t else group
    return headers, labels


def _text_rows(numbered: Iterator[tuple[int, list[str]]],
               skipped: list[tuple[int, str, str]]) -> Iterator[tuple[int, list[Any]]]:
    """CSV rows: every cell is text. Same cleaning as ``_any_rows``, with the quote check done once per row."""
    strip = str.strip
    for number, raw in numbered:
        joined = "".join(raw)
        if TEXT_MARK in joined:
            raw = [c.replace(TEXT_MARK, "") for c in raw]
        cells = list(map(strip, raw))
        if "'" in joined:
            cells = [c[1:].strip() if c[:1] == "'" and c[1:2] in _FORMULA_FIRST else cells[i]
                     for i, c in enumerate(raw)]
        if not any(cells):
            continue
        if joined.lstrip().startswith(_SIGNATURE_START) and _signature(cells):
            skipped.append((number, _footer(cells), " ".join(c for c in cells if c)))
            continue
        yield number, cells


# The signature lines below a table (审核人：… 填表人：… 联系电话：…, the ledger's 填报单位（盖章）：…): not a case.
_NOTE_START = ("注", "说明", "备注", "填表说明")
_SIGNATURE_START = ("填报单位", "填报人", "联系电话", "审核人", "填报日期", "填表人", "制表人", "负责人", "单位负责人",
                    "分管领导", "审批人", "填表日期", "制表日期", *_NOTE_START)
_SIGNATURE_RE = re.compile("(?:" + "|".join(_SIGNATURE_START) + r")(?:（[^）]*）)?\s*(?:[:：]|$)")


def _signature(cells: list[Any]) -> bool:
    """Every filled cell is text and the first names a signature line (审核人：…)."""
    filled = [c for c in cells if c != ""]
    return (bool(filled) and all(type(c) is str for c in filled)
            and _SIGNATURE_RE.match(filled[0]) is not None)


def _footer(cells: list[Any]) -> str:
    first = next(c for c in cells if c != "")
    return "说明" if first.startswith(_NOTE_START) else "表尾"


def _any_rows(numbered: Iterator[tuple[int, list[Any]]],
              skipped: list[tuple[int, str, str]]) -> Iterator[tuple[int, list[Any]]]:
    for number, raw in numbered:
        cells = [(c[1:] if c[:1] == "'" and c[1:2] in _FORMULA_FIRST else c).replace(TEXT_MARK, "").strip()
                 if type(c) is str
                 else clean(c) for c in raw]
        first = next((c for c in cells if c != ""), None)
        if first is None:
            continue
        if type(first) is str and first.startswith(_SIGNATURE_START) and _signature(cells):
            skipped.append((number, _footer(cells), " ".join(str(c) for c in cells if c != "")))
            continue
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

