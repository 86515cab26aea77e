"""What a county's own sheet says in its own words, read (issue 27): deadlines by the month ("2026年6月底前"),
problems in free text ("村务公开不及时"), measures numbered （1） 1. 1、 ① 一、 or one unnumbered, the kind in the
name (…村党支部, …社区党支部); and :class:`Readings`, every such reading kept so ``--dry-run`` can show it.

Each reader is tried only after the plain reading failed (a date, a code, a count), so the ledger's own
layout costs nothing more.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from rectify.importing.cell_error import CellError, parse_date

# -- deadlines by the month --------------------------------------------------------------------------

_BEFORE = r"\s*(?:底|末)?\s*(?:前|以前|之前|内|止)?\s*(?:完成|到位|转化)?\s*"
_MONTH_RE = re.compile(r"(?:(\d{4})\s*年\s*)?(\d{1,2})\s*月(?:份)?" + _BEFORE)
_YEAR_END_RE = re.compile(r"(?:(\d{4})\s*年\s*)?(?:年\s*)?(?:底|末|内)" + _BEFORE)
_HALF_RE = re.compile(r"(?:(\d{4})\s*年\s*)?(上|下)半年" + _BEFORE)
_QUARTER_RE = re.compile(r"(?:(\d{4})\s*年\s*)?第?([一二三四1-4])季度" + _BEFORE)
_DAY_BEFORE_RE = re.compile(r"(.+?日?)\s*(?:前|以前|之前|止)\s*(?:完成|到位|转化)?\s*")
_QUARTERS = {"一": 3, "二": 6, "三": 9, "四": 12, "1": 3, "2": 6, "3": 9, "4": 12}


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def parse_due(value: Any, year: int) -> tuple[date, bool]:
    """A due date as a date cell or its usual spellings, or by the month: ``2026年6月底前`` → 2026-06-30,
    ``年底前`` → 12-31 of ``year`` (the listing's), ``2026年10月`` → 10-31, ``2026年6月30日前`` → 06-30,
    ``第三季度`` → 09-30, ``上半年`` → 06-30. The flag says the cell was read by the month (to be shown)."""
    try:
        day = parse_date(value)
    except CellError as exc:
        refusal = exc
    else:
        if day is None:
            raise CellError("不能为空")
        return day, False
    text = str(value).strip().replace(" ", "")
    if (m := _MONTH_RE.fullmatch(text)) is not None:
        month = int(m.group(2))
        if not 1 <= month <= 12:
            raise CellError(f"月份不存在「{text}」") from None
        return _month_end(int(m.group(1) or year), month), True
    if (m := _YEAR_END_RE.fullmatch(text)) is not None:
        return date(int(m.group(1) or year), 12, 31), True
    if (m := _HALF_RE.fullmatch(text)) is not None:
        return _month_end(int(m.group(1) or year), 6 if m.group(2) == "上" else 12), True
    if (m := _QUARTER_RE.fullmatch(text)) is not None:
        return _month_end(int(m.group(1) or year), _QUARTERS[m.group(2)]), True
    if (m := _DAY_BEFORE_RE.fullmatch(text)) is not None:
        try:
            day = parse_date(m.group(1))
        except CellError:
            pass
        else:
            if day is not None:
                return day, True
    raise CellError(f"{refusal}（也可写 2026年6月底前、年底前、2026年10月）") from None


# -- problems in free text -----------------------------------------------------------------------------

# Words by which a county's own description names one of the ten types (SPEC §2).
PROBLEM_WORDS: dict[str, tuple[str, ...]] = {
    "P01": ("配备不齐", "班子不齐", "不健全", "缺职", "空缺", "缺配", "停滞", "瘫痪", "无书记", "职数不足", "班子缺"),
    "P02": ("不胜任", "不在状态", "履职不力", "能力不足", "能力弱", "作用发挥不好", "带头作用不强", "年龄偏大",
            "战斗力不强", "战斗力弱"),
    "P03": ("不团结", "内耗", "班子不和", "闹矛盾", "各自为政"),
    "P04": ("形同虚设", "不开展", "组织生活", "三会一课", "主题党日", "党内生活", "制度不落实", "制度不健全",
            "活动不正常", "党员管理松散", "发展党员"),
    "P05": ("拉票", "贿选"),
    "P06": ("宗族", "宗教", "黑恶", "家族势力", "渗透"),
    "P07": ("村务公开", "居务公开", "财务公开", "党务公开", "公开不及时", "公开不规范", "民主管理", "财务管理",
            "财务混乱", "账目", "三资", "四议两公开"),
    "P08": ("治安", "信访", "矛盾纠纷", "上访", "群体性"),
    "P09": ("办公场所", "活动场所", "阵地", "便民服务", "无固定"),
    "P10": ("服务意识", "服务能力", "群众意见", "群众满意度", "服务群众", "为民服务", "群众反映"),
}
_PIECE_SPLIT = re.compile(r"[，,。、；;\s]+")
# Each type's words as one search, in the types' order: a part names the first type one of whose words it holds.
_WORD_SEARCH = tuple((code, re.compile("|".join(map(re.escape, words))).search)
                     for code, words in PROBLEM_WORDS.items())
_PART_CODES: dict[str, str | None] = {}  # the type each part of a text names (parts recur: 班子软弱, 群众意见大)


def _word_code(part: str) -> str | None:
    """The first of the ten types (:data:`PROBLEM_WORDS`) one of whose words ``part`` contains; None for none."""
    try:
        return _PART_CODES[part]
    except KeyError:
        pass
    code = next((c for c, search in _WORD_SEARCH if search(part)), None)
    if len(_PART_CODES) >= 4096:
        _PART_CODES.clear()
    _PART_CODES[part] = code
    return code


def match_problem(piece: str, local: dict[str, str]) -> list[tuple[str, str]]:
    """The types a free-text description names, with its own words for each: a configured local type whose
    wording it contains (or that contains it), else the ten's words (:data:`PROBLEM_WORDS`); empty when none."""
    found: dict[str, list[str]] = {}
    for part in filter(None, _PIECE_SPLIT.split(piece)):
        code = (_local_code(part, local) if local else None) or _word_code(part)
        if code is not None:
            found.setdefault(code, []).append(part)
    if len(found) == 1:
        return [(next(iter(found)), piece.strip().rstrip("。；;，,"))]
    return [(code, "，".join(parts)) for code, parts in found.items()]


def _local_code(part: str, local: dict[str, str]) -> str | None:
    for code, wording in local.items():
        if wording and (wording in part or part in wording or any(
                w and w in part for w in wording.split("、"))):
            return code
    return None


# -- which problems a measure answers ------------------------------------------------------------------

_CODE_RE = re.compile(r"P\d{2}")
# Per-problem numbering: "2-1 …", "2.1 …", "（2-1）…": the measure answers the row's second problem.
_PER_PROBLEM_RE = re.compile(r"^\s*[（(]?\s*(\d{1,2})\s*[-.．—]\s*\d{1,2}(?!\d)\s*[）)]?")
ALL_PROBLEMS = "全部问题"


def measure_problems(text: str, problems: Sequence[tuple[str, str]], local: dict[str, str]
                     ) -> tuple[tuple[str, ...], str]:
    """The row's problems (code, its words) a measure answers, and how the sheet said so: the codes it names
    (P07), its per-problem number (2-1: the row's second problem), a problem's own words or the words that name
    a type (:func:`match_problem`: 完善村务公开栏 → P07) in its text; else every problem of the row."""
    codes = [code for code, _ in problems]
    named = [c for c in dict.fromkeys(_CODE_RE.findall(text.upper())) if c in codes]
    if named:
        return tuple(named), "写明问题代码"
    numbered = _PER_PROBLEM_RE.match(text)
    if numbered is not None and 1 <= int(numbered.group(1)) <= len(codes) and len(codes) > 1:
        return (codes[int(numbered.group(1)) - 1],), f"按问题编号 {numbered.group(0).strip()}"
    worded = [code for code, words in problems if len(words) >= 4 and words in text]
    worded += [code for code, _ in match_problem(text, local) if code in codes and code not in worded]
    if worded:
        return tuple(c for c in codes if c in worded), "措施文字对应"
    return tuple(codes), ALL_PROBLEMS


def measures_problems(texts: Sequence[str], problems: Sequence[tuple[str, str]], local: dict[str, str]
                      ) -> list[tuple[tuple[str, ...], str]]:
    """:func:`measure_problems` of each of a row's measures; when the measures so tied leave a problem without
    one (every problem needs a measure, SPEC §3), each is tied to every problem, as the sheet did not say."""
    ties = [measure_problems(t, problems, local) for t in texts]
    covered = {c for codes, _ in ties for c in codes}
    if any(code not in covered for code, _ in problems):
        every = tuple(code for code, _ in problems)
        return [(every, f"{ALL_PROBLEMS}（逐项对应后有问题无措施）") for _ in texts]
    return ties


# -- numbered measures ---------------------------------------------------------------------------------

_CN_NUMBERS = "一二三四五六七八九十"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_SEP = r"(?:^|(?<=[；;。\n\s：:]))"
_MARKER_RE = re.compile(
    rf"{_SEP}\s*(?P<dot>\d{{1,2}})\s*[.．、](?!\d)"
    rf"|[（(]\s*(?P<paren>\d{{1,2}}|[{_CN_NUMBERS}]{{1,3}})\s*[）)]"
    rf"|(?P<circled>[{_CIRCLED}])"
    rf"|{_SEP}\s*(?P<cn>[{_CN_NUMBERS}]{{1,3}})\s*[、.．]")
_COUNT_RE = re.compile(r"\d+(?:\s*[/／]\s*\d+)?")


def _number(style: str, text: str) -> int:
    if style == "circled":
        return _CIRCLED.index(text) + 1
    if text.isdigit():
        return int(text)
    if len(text) == 1:
        return _CN_NUMBERS.index(text) + 1
    if text[0] == "十":
        return 10 + (_CN_NUMBERS.index(text[1]) + 1 if len(text) > 1 else 0)
    return (_CN_NUMBERS.index(text[0]) + 1) * 10 + (_CN_NUMBERS.index(text[-1]) + 1 if text[-1] != "十" else 0)


def numbered_items(text: str) -> list[str] | None:
    """The bodies of a cell numbered （1） (1) 1. 1、 1． ① or 一、 (one style, counted on from 1; a number
    out of turn is the text's own), or None when the cell is not numbered (text before the first number
    is allowed only as a heading ending in ：)."""
    marks = []
    style = ""
    expected = 1
    for m in _MARKER_RE.finditer(text):
        kind = m.lastgroup or ""
        if style and kind != style:
            continue
        if _number(kind, m.group(kind)) != expected:
            continue
        style = kind
        marks.append(m)
        expected += 1
    if not marks:
        return None
    head = text[:marks[0].start()].strip()
    if head and not head.endswith(("：", ":")):
        return None
    ends = [m.start() for m in marks[1:]] + [len(text)]
    return [text[m.end():end].strip() for m, end in zip(marks, ends, strict=True)]


def is_count(text: str) -> bool:
    """``2/3`` or ``3``: the ledger's count of measures, not a measure."""
    return _COUNT_RE.fullmatch(text) is not None


# -- the kind in the name ------------------------------------------------------------------------------

_KIND_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("社区", "community"), ("居委会", "community"), ("居民委员会", "community"), ("村", "village"))
_ORG_SUFFIX_RE = re.compile(r"(?:党总支部|党总支|党支部|党委|党组织|总支|支部)(?:委员会)?$")


def kind_from_name(name: str) -> tuple[str, str] | None:
    """…村党支部 → village, …社区党支部 → community: (kind, the words it was read from), or None."""
    base = _ORG_SUFFIX_RE.sub("", name.strip())
    for word, kind in _KIND_SUFFIXES:
        if base.endswith(word):
            return kind, f"…{word}{name.strip()[len(base):]}"
    return None


# -- what was read, for --dry-run ------------------------------------------------------------------------


@dataclass
class Readings:
    """Each reading of a cell that was not taken as written (column → (cell text, reading) → rows), in order;
    kept only when asked (``keep``: ``--dry-run``), at most ``limit`` readings a column (the rest counted)."""

    keep: bool = False
    limit: int = 20
    seen: dict[str, dict[tuple[str, str], list[int]]] = field(default_factory=dict)
    more: dict[str, int] = field(default_factory=dict)
    counts: dict[tuple[str, str, str], int] = field(default_factory=dict)  # rows of a reading seen more than once

    def note(self, column: str, text: str, reading: str, row: int) -> None:
        if not self.keep:
            return
        readings = self.seen.setdefault(column, {})
        rows = readings.get((text, reading))
        if rows is not None:
            self.counts[(column, text, reading)] = self.counts.get((column, text, reading), 1) + 1
            if len(rows) < _SHOWN:  # the rows beyond are only counted: memory does not grow with the sheet
                rows.append(row)
        elif len(readings) < self.limit:
            readings[(text, reading)] = [row]
        else:
            self.more[column] = self.more.get(column, 0) + 1

    def full(self, column: str) -> bool:
        """Whether ``column`` already holds ``limit`` readings (a new one is only counted): not worth wording."""
        return len(self.seen.get(column, ())) >= self.limit

    def lines(self) -> Iterable[str]:
        for column, readings in self.seen.items():
            yield f"  {column}："
            for (text, reading), rows in readings.items():
                yield f"    「{_short(text)}」→ {reading}（{_rows(rows, self.counts.get((column, text, reading), 1))}）"
            if self.more.get(column):
                yield f"    …另有 {self.more[column]} 处读法未列出"


def _short(text: str, width: int = 30) -> str:
    one = text.replace("\n", " ")
    return one if len(one) <= width else one[:width] + "…"


_SHOWN = 8  # rows named for a reading; the rest counted


def _rows(rows: list[int], count: int) -> str:
    shown = "、".join(map(str, rows[:_SHOWN]))
    return f"第 {shown} 行" + (f" 等 {count} 行" if count > _SHOWN else "")


# -- 备注 as the ledger writes it ------------------------------------------------------------------------

_CYCLE_RE = re.compile(r"第(\d{1,3})轮整顿（回头看反弹）")
_EXTENDED_RE = re.compile(r"延期(\d{1,3})次")
_FAILED_RE = re.compile(r"验收未通过(\d{1,3})次")


@dataclass(frozen=True)
class Remarks:
    """备注 read back (:func:`rectify.reports.ledger.remarks` wrote it): the round, the extensions and failed
    verifications counted, the 挂牌督办 and 撤销 reasons without their prefixes, and any other words."""

    cycle: int = 1
    extensions: int = 0
    failed: int = 0
    supervision: str = ""
    withdrawal: str = ""
    free: str = ""


NO_REMARKS = Remarks()


def parse_remarks(text: str) -> Remarks:
    """``第2轮整顿（回头看反弹）；延期1次；验收未通过1次；挂牌督办：…；撤销：…`` (each part optional, in this order);
    text after 挂牌督办： or 撤销： up to the next part is that reason (it may hold a ；); other words are free."""
    if not text:
        return NO_REMARKS
    counts = {"cycle": 1, "extensions": 0, "failed": 0}
    reasons: dict[str, list[str]] = {"supervision": [], "withdrawal": [], "free": []}
    current = "free"
    for part in text.split("；"):
        for key, pattern in (("cycle", _CYCLE_RE), ("extensions", _EXTENDED_RE), ("failed", _FAILED_RE)):
            m = pattern.fullmatch(part.strip())
            if m is not None and current == "free":
                counts[key] = int(m.group(1))
                break
        else:
            if part.startswith("挂牌督办："):
                current = "supervision"
                part = part.removeprefix("挂牌督办：")
            elif part.startswith("撤销："):
                current = "withdrawal"
                part = part.removeprefix("撤销：")
            reasons[current].append(part)
    return Remarks(counts["cycle"], counts["extensions"], counts["failed"],
                   *("；".join(reasons[k]).strip() for k in ("supervision", "withdrawal", "free")))
