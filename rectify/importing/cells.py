"""Cell parsers: dates in the usual Chinese spellings, kinds, stages, problem types, measures, yes/no, numbers.

Each parser takes a cell (text, or a date or number from XLSX) and returns the value or raises
:class:`CellError` with the officer's words for what is wrong.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from rectify import validation
from rectify.importing.cell_error import CellError, parse_date
from rectify.importing.readings import (
    Readings,
    is_count,
    match_problem,
    measures_problems,
    numbered_items,
    parse_due,
)
from rectify.states.stages import (
    FORMER_STAGE_LABELS,
    KINDS,
    OTHER_PROBLEM,
    PROBLEM_OFFICIAL,
    PROBLEM_TYPES,
    SECRETARY_KINDS,
    STAGE_LABELS,
    Stage,
)

IMPORTED_MEASURE = "导入的整顿措施 {n}"


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
                **{k: str(v) for k, v in FORMER_STAGE_LABELS.items()},
                "已确定": Stage.identified.value, "已销号": Stage.verified.value}


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


def parse_int(value: Any, *, low: int = 0, high: int | None = validation.MAX_COUNT) -> int | None:
    if value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        n = value
    else:
        text = str(value).strip().rstrip("分人")
        if len(text) > validation.MAX_DIGITS:
            raise CellError(f"数值过大或格式不对「{text[:20]}」（应为 {low}–{high} 之间的整数）")
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
for _code, _text in (*PROBLEM_TYPES.items(), *PROBLEM_OFFICIAL.items()):
    _CLAUSES.setdefault(_text, _code)
    for _clause in _text.split("、"):
        _CLAUSES.setdefault(_clause, _code)
_FULL_TEXTS = sorted(((t, c) for c, t in (*PROBLEM_TYPES.items(), *PROBLEM_OFFICIAL.items())),
                     key=lambda x: -len(x[0]))
_FORM_RE = re.compile(r"^属于(.+)的$")  # the statistics form's "属于…的"
_NUMBERED_RE = re.compile(r"(?:^|[；;\s])\s*\d+\s*[.．、]")  # "1.召开专题组织生活会；2.调整班子分工"
_CODE_RE = re.compile(r"^P(\d{1,2})$", re.IGNORECASE)
_DESCRIBED_RE = re.compile(r"^P(\d{1,2})[\s:：]+(\S.*)$", re.IGNORECASE)
_OTHER_RE = re.compile(r"^(?:other|其他|其它)\s*[:：]?\s*(.*)$", re.IGNORECASE | re.DOTALL)


def parse_problems(value: Any, local: dict[str, str] | None = None,
                   matched: list[tuple[str, str, str]] | None = None) -> list[tuple[str, str]]:
    """Codes (P01, or a configured local type P11 …), their text, or a clause of it; several separated by
    ；;, 、 or new lines; other:TEXT; else a county's own words matched to a type (``村务公开不及时`` → P07;
    :func:`rectify.importing.readings.match_problem`), each such match added to ``matched`` as
    (the words, code, the type's wording)."""
    local = local or {}
    found: list[tuple[str, str]] = []
    for piece in re.split(r"[；;,\n\r]+", str(value)):
        piece = piece.strip()
        if not piece:
            continue
        try:
            found += _problem_piece(piece, local)
        except ValueError as exc:  # a code or 其他 written wrong: no words to match
            raise CellError(str(exc)) from None
        except CellError:
            words = match_problem(piece, local)
            if not words:
                extra = "、".join(["P01–P10", *sorted(local)])
                raise CellError(f"无法识别的软弱涣散情形「{piece[:30]}」（未能对应到 {extra} 中的任何一项：请写明代码，"
                                "如 P07 村务公开不及时；本地增设的类型请在配置 [policy] local_problem_types 中登记）"
                                ) from None
            found += words
            if matched is not None:
                matched += [(text, code, local.get(code) or PROBLEM_TYPES[code]) for code, text in words]
    if not found:
        raise CellError("至少需要一项软弱涣散情形")
    unique: list[tuple[str, str]] = []
    for item in found:
        if item not in unique:
            unique.append(item)
    return unique


def _problem_piece(piece: str, local: dict[str, str]) -> list[tuple[str, str]]:
    form = _FORM_RE.match(piece)
    if form is not None:
        piece = form.group(1)
    described = _described_problem(piece)
    if described is not None:
        return [described]
    other = _OTHER_RE.match(piece)
    if other is not None:
        text = other.group(1).strip()
        if not text:
            raise ValueError("其他情形需写明具体内容（如 其他：村集体经济薄弱）")
        return [(OTHER_PROBLEM, text)]
    for full, code in _FULL_TEXTS:
        if full in piece:
            piece = piece.replace(full, f"、{code}、")
    return _problem_tokens(piece, local)


def _described_problem(piece: str) -> tuple[str, str] | None:
    """A code with the ledger's concrete description ("P01 村两委班子缺2人"), not its own wording shortened."""
    described = _DESCRIBED_RE.match(piece)
    if described is None or f"P{int(described.group(1)):02d}" not in PROBLEM_TYPES:
        return None
    code, text = f"P{int(described.group(1)):02d}", described.group(2).strip()
    wording = PROBLEM_TYPES[code]
    if wording.startswith(text) or text in PROBLEM_OFFICIAL.get(code, "") \
            or all(t in _CLAUSES or t in wording for t in re.split(r"[、\s]+", text) if t):
        return None
    return code, text


def _problem_tokens(piece: str, local: dict[str, str]) -> list[tuple[str, str]]:
    """Codes (P01–P10, the county's own) and clauses, separated by 、 or spaces; after a code, its words."""
    found: list[tuple[str, str]] = []
    after_code = False
    for token in re.split(r"[、\s]+", piece):
        if not token:
            continue
        m = _CODE_RE.match(token)
        if m is not None:
            found.append(_coded_problem(m, token, local))
            after_code = True
        elif token in _CLAUSES:
            found.append((_CLAUSES[token], PROBLEM_TYPES[_CLAUSES[token]]))
        elif not after_code:  # after a code, the words are only its (perhaps shortened) text
            raise CellError(f"无法识别的软弱涣散情形「{token}」（应为 P01–P10 或其文字，多项用 ； 分隔）")
    return found


def _coded_problem(m: re.Match[str], token: str, local: dict[str, str]) -> tuple[str, str]:
    code = f"P{int(m.group(1)):02d}"
    if code in local or token.upper() in local:
        code = code if code in local else token.upper()
        return code, local[code]
    if code not in PROBLEM_TYPES:
        raise ValueError(f"未知的软弱涣散情形代码「{token}」（应为 {'、'.join(['P01–P10', *sorted(local)])}）")
    return code, PROBLEM_TYPES[code]


_MEASURES_RE = re.compile(rf"(\d{{1,{validation.MAX_DIGITS}}})\s*[/／]\s*(\d{{1,{validation.MAX_DIGITS}}})")


def parse_measures(value: Any) -> tuple[int, int]:
    """``done/total`` as the ledger writes it; a lone number is a count of measures none done."""
    if value == "":
        return 0, 0
    if isinstance(value, int):
        return 0, parse_int(value, high=validation.MAX_MEASURES) or 0
    text = str(value).strip()
    m = _MEASURES_RE.fullmatch(text)
    if m is None:
        if text.isdigit() and len(text) <= validation.MAX_DIGITS:
            return 0, _measure_count(int(text))
        numbered = _NUMBERED_RE.findall(text)
        if numbered:  # a county sheet's own list of measures: that many, none recorded as done
            return 0, _measure_count(len(numbered))
        raise CellError(f"应写成 已完成/总数（如 2/3）或编号的措施（1.…；2.…），收到「{text[:20]}」")
    done, total = int(m.group(1)), _measure_count(int(m.group(2)))
    if done > total:
        raise CellError(f"已完成 {done} 项多于总数 {total} 项")
    return done, total


_ITEM_SPLIT_RE = re.compile(r"(?:^|[；;\n]|(?<=\s))\s*(\d{1,3})\s*[.．、](?!\d)\s*")
_FIELD_RE = re.compile(r"^(责任人|牵头人|时限|完成时限|完成时间)[：:]\s*(.*)$", re.DOTALL)
_DONE_RE = re.compile(r"^已完成(?:[（(](.+)[）)])?$")
_OPEN_WORDS = frozenset({"未完成", "逾期未完成", "逾期"})
_ITEM_FIELDS_RE = re.compile(r"[；;\n]")
# County sheets also write "（1）召开会议，责任人：张三，时限：2026年4月底前": a comma before a field starts it.
_ITEM_FIELDS_WIDE = re.compile(r"[；;\n]|[，,\s](?=(?:责任人|牵头人|时限|完成时限|完成时间)[：:])")


def parse_measure_list(value: Any, memo: MeasureMemo | None = None) -> list[dict[str, Any]]:
    """The measures of a cell, numbered as county sheets number them (（1）… 1.… 1、… ①… 一、…; see
    :func:`rectify.importing.readings.numbered_items`), as the ledger writes them, ``1. 内容；责任人：姓名（单位）；
    时限：2026-06-30；已完成（2026-06-20）`` a line each, or one unnumbered measure.

    Each item: ``text`` and, when the cell says, ``owner``, ``owner_unit``, ``due`` (a date, or the text of a
    deadline by the month, read in the listing's year by :func:`rectify.importing.readings.parse_due`),
    ``done`` (a date or True for 已完成 without one). An empty list when the cell is a count (``2/3``, ``3``).

    ``memo`` remembers each item's reading by its text, and each of its fields' (a sheet's measures repeat
    item by item, and their 责任人, 时限 and 完成情况 field by field, where whole cells do not): the items
    returned are then shared, and are not to be changed."""
    text = str(value).strip()
    if not text or is_count(text):
        return []
    parts = _ITEM_SPLIT_RE.split(text) if text[:1].isdigit() else ()
    if len(parts) >= 3 and not parts[0].strip():  # 1. … 2. … (the ledger's own): one split, the usual case
        bodies = parts[2::2]
    else:
        bodies = numbered_items(text) or [text]
    memo = memo or MeasureMemo()
    items: list[dict[str, Any]] = []
    seen = memo.items
    for body in bodies:
        try:
            item = seen[body]
        except KeyError:
            item = _measure_item(body, memo.fields)
            if len(seen) >= MeasureMemo.SIZE:
                seen.clear()
            seen[body] = item
        if item is None:
            raise CellError(f"整改措施第 {len(items) + 1} 项没有内容")
        items.append(item)
    _measure_count(len(items))
    return items


class MeasureMemo:
    """What :func:`parse_measure_list` has read: items by their text, fields by theirs (at most SIZE each)."""

    SIZE = 4096

    def __init__(self) -> None:
        self.items: dict[str, dict[str, Any] | None] = {}
        self.fields: dict[str, tuple[str, Any]] = {}


def _measure_item(body: str, seen: dict[str, tuple[str, Any]]) -> dict[str, Any] | None:
    """One numbered measure's text, 责任人, 时限 and 完成情况 (None: the item has no content)."""
    split = _ITEM_FIELDS_WIDE.split if "，" in body or "," in body or " " in body else _ITEM_FIELDS_RE.split
    fields = [f for f in map(str.strip, split(body)) if f]
    if not fields:
        return None
    item: dict[str, Any] = {"text": fields[0].rstrip("。，,")}
    for f in fields[1:]:
        try:
            what, given = seen[f]
        except KeyError:
            what, given = _measure_field(f)
            if len(seen) >= MeasureMemo.SIZE:
                seen.clear()
            seen[f] = what, given
        if what == "owner":
            item["owner"], item["owner_unit"] = given
        elif what in ("due", "done"):
            item[what] = given
        elif what == "text":
            item["text"] += "；" + f  # a measure's own text with a semicolon in it
    return item


def _measure_field(f: str) -> tuple[str, Any]:
    """A field of a measure after its text: ("owner", (name, unit)), ("due", …), ("done", a date or True),
    ("open", None) for 未完成 and the like, else ("text", None): more of the measure's own text."""
    field = _FIELD_RE.match(f)
    if field is not None:
        name, given = field.groups()
        if name in ("责任人", "牵头人"):
            return "owner", parse_secretary(given.rstrip("。，,"))
        return "due", _due(given.rstrip("。，,"))
    if (done := _DONE_RE.match(f)) is not None:
        return "done", parse_date(done.group(1)) if done.group(1) else True
    return ("open" if f in _OPEN_WORDS else "text"), None


def _due(text: str) -> date | str:
    """A measure's 时限: its date, or its text when written by the month (read later in the listing's year)."""
    try:
        day = parse_date(text)
    except CellError:
        parse_due(text, 2000)  # refused here when it is no deadline at all
        return text
    return day if day is not None else text


def _measure_count(total: int) -> int:
    if total > validation.MAX_MEASURES:
        raise CellError(f"整顿措施 {total} 项过多（一个整顿对象最多 {validation.MAX_MEASURES} 项）")
    return total


_NAME_UNIT_RE = re.compile(r"(.+?)\s*[（(](.*)[）)]")


def parse_secretary(value: Any) -> tuple[str, str]:
    text = str(value).strip()
    m = _NAME_UNIT_RE.fullmatch(text)
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


class Memo(dict[str, Any]):
    """``parser`` remembering its answers for text cells: a sheet repeats its dates, stages and problem texts.
    Called, or looked up by a text (``memo[text]``: one dict lookup when the text was seen, as ``Row.parse``
    does).

    Only for parsers whose answer depends on the text alone and is immutable; a cell the parser refuses is
    not remembered (it raises again, with the same message, the next time). At most ``size`` are kept.
    """

    __slots__ = ("parser", "size")

    def __init__(self, parser: Callable[[Any], Any], size: int = 4096) -> None:
        super().__init__()
        self.parser, self.size = parser, size

    def __missing__(self, value: str) -> Any:
        result = self.parser(value)
        if len(self) >= self.size:
            self.clear()
        self[value] = result
        return result

    def __call__(self, value: Any) -> Any:
        if type(value) is not str:
            return self.parser(value)
        return self[value]


def _memo(parser: Callable[[Any], Any], size: int = 4096) -> Memo:
    return Memo(parser, size)


def parse_score(value: Any) -> int | None:
    return parse_int(value, low=0, high=100)


SECRETARY_WORDS = {**{k: k for k in SECRETARY_KINDS}, **{v: k for k, v in SECRETARY_KINDS.items()}}


def _problems_read(value: Any, local: dict[str, str]) -> tuple[tuple[tuple[str, str], ...], tuple[Any, ...]]:
    matched: list[tuple[str, str, str]] = []
    return tuple(parse_problems(value, local, matched)), tuple(matched)


class Parsers:
    """The cell parsers for one import, each remembering the texts it has seen (see ``_memo``)."""

    def __init__(self, local_types: dict[str, str] | None = None) -> None:
        local = dict(local_types or {})
        self.local = local  # the configured local problem types (P11 …), for matching a measure to its problems
        self.date = _memo(parse_date)
        self.problems = _memo(lambda v: _problems_read(v, local))
        self.due = _memo(lambda key: parse_due(*key))
        self.readings = Readings()
        self.measures = _memo(parse_measures)
        measures = MeasureMemo()
        self.measure_list = _memo(lambda v: tuple(parse_measure_list(v, measures)))
        self.bool = _memo(parse_bool)
        self.score = _memo(parse_score)
        self.int = _memo(parse_int)
        self.measure_total = _memo(lambda v: parse_int(v, high=validation.MAX_MEASURES))
        self.progress = _memo(parse_progress)
        self.stage = _memo(parse_stage)
        self.secretary = _memo(parse_secretary)
        self.measure_text: list[str] = []
        self._ties: dict[tuple[Any, ...], list[tuple[tuple[str, ...], str]]] = {}

    def measure(self, n: int) -> str:
        texts = self.measure_text
        while len(texts) < n:
            texts.append(IMPORTED_MEASURE.format(n=len(texts) + 1))
        return texts[n - 1]

    def ties(self, texts: tuple[str, ...], problems: tuple[tuple[str, str], ...]) -> list[tuple[tuple[str, ...], str]]:
        """:func:`~rectify.importing.readings.measures_problems` of a row's measure texts and problems, remembered
        (a sheet repeats its measures' wording; the answer depends on the texts, the problems and the configured
        local types alone, which are the import's). At most 4,096 are kept; the list is not to be changed."""
        key = (texts, problems)
        found = self._ties.get(key)
        if found is None:
            if len(self._ties) >= 4096:
                self._ties.clear()
            found = self._ties[key] = measures_problems(texts, problems, self.local)
        return found

