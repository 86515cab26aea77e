"""Checks of values that come in from outside, shared by every entry path (CLI options, config, import cells,
backup lines, and every new input): the same rules on SQLite and PostgreSQL, so nothing one accepts is a
``DataError`` on the other.

Each check returns the cleaned value or raises :class:`~rectify.errors.BadInput` (exit 2) with one Chinese
line naming the field. Call them where a value enters; the persistence layer calls :func:`row` on every row it
writes as the last line of defence. The calls::

    text(value, "组织名称", max_len=limit(Organization, "name"))   # stripped; no control characters
    text(note, "进展情况", multiline=True)                         # tab and newline allowed
    day(value, "转化时限")                                         # a date 1900-01-01 … 2100-12-31
    days_in_order(("确定日期", identified), ("转化时限", deadline)) # each not before the one before
    count(value, "满意人数")                                       # 0 … MAX_COUNT
    count(value, "整顿措施数", hi=MAX_MEASURES)                    # a case has at most a few dozen measures
    integer(value, "得分", lo=0, hi=100)
    share(value, "不满意占比上限")                                 # 0 … 1
    email(value, "书记邮箱")                                       # 张三 <zhang@example.cn> → zhang@example.cn
    limit(table_or_model, "column")                                # the column's max_length, or None
    row(table, values)                                             # every value against its column

Lengths come from the table definitions (never repeated as numbers here); unbounded text columns get
:data:`MAX_TEXT`. 20-digit integers are malformed, not internal errors.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from rectify.errors import BadInput

FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2100, 12, 31)
MAX_MEASURES = 50  # "a case has at most a few dozen measures"
MAX_COUNT = 1_000_000  # people counted at a verification, ids typed by hand: far above reality, far below overflow
MAX_INT = 2**31 - 1  # an INTEGER column on PostgreSQL
MAX_TEXT = 10_000  # an unbounded text column (a note, a self-check)
MAX_DIGITS = 12  # more digits than this is not a number anyone typed

# Fields where a line break belongs (a note, a reason, a self-check); everywhere else only printable text.
MULTILINE_COLUMNS = frozenset({"detail", "self_check", "note", "reason", "reasons", "withdrawn_reason",
                               "supervision_reason", "end_reason", "text", "scope", "body_text", "body_html",
                               "last_error", "value"})
JSON_COLUMNS = frozenset({("case_event", "detail"), ("outbox_item", "detail")})  # written by us from checked inputs
MAX_DOCUMENT = 1_000_000  # an unbounded multi-line column: a digest's body

# The officer's words for a column, for the messages of :func:`row`.
COLUMN_WORDS: dict[str, str] = {
    "code": "组织代码", "name": "名称", "county": "县", "township": "乡镇", "kind": "类别", "stage": "阶段",
    "unit": "单位", "email": "邮箱", "phone": "电话", "owner": "责任人", "text": "内容", "note": "进展情况",
    "reason": "原因", "verifier": "验收单位", "approved_by": "批准人", "actor": "操作人", "score": "得分",
    "detail": "说明", "self_check": "自查情况", "helping_unit": "结对帮扶单位", "role": "角色", "scope": "范围",
    "seq": "措施序号", "satisfied": "满意人数", "basic": "基本满意人数", "dissatisfied": "不满意人数",
    "year": "年度", "deadline": "转化时限", "identified_on": "确定日期", "due_on": "完成时限",
}

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROL_ONE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_EMAIL = re.compile(r"[^@\s<>\"(),;:\[\]\\]+@[^@\s<>\"(),;:\[\]\\]+\.[^@\s<>\"(),;:\[\]\\]+")


# -- text ------------------------------------------------------------------------------------------


def _shown(value: str, n: int = 20) -> str:
    clean = _CONTROL_ONE_LINE.sub("�", value)
    return clean if len(clean) <= n else clean[:n] + "…"


def text(value: Any, field: str, *, max_len: int | None = None, multiline: bool = False,
         required: bool = False) -> str:
    """``value`` stripped; refuses control characters (tab and newline only when ``multiline``), more than
    ``max_len`` characters (default :data:`MAX_TEXT`), and an empty value when ``required``."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise BadInput(f"{field}应为文字，收到 {type(value).__name__}")
    value = value.strip()
    bad = (_CONTROL if multiline else _CONTROL_ONE_LINE).search(value)
    if bad is not None:
        where = "" if multiline else "（只能写一行）"
        raise BadInput(f"{field}含有不可见的控制字符 U+{ord(bad.group()):04X}{where}：「{_shown(value)}」")
    limit_ = MAX_TEXT if max_len is None else max_len
    if len(value) > limit_:
        raise BadInput(f"{field}过长：{len(value)} 个字符，最多 {limit_} 个（「{_shown(value)}」）")
    if required and not value:
        raise BadInput(f"{field}不能为空")
    return value


def plain_texts(values: Iterable[str], *, multiline: bool = False) -> bool:
    """Whether no text of ``values`` holds a character :func:`text` refuses (tab and newline allowed when
    ``multiline``), as one search over them all: a fast first look, before each text is checked alone."""
    return (_CONTROL if multiline else _CONTROL_ONE_LINE).search("".join(values)) is None


_LIMITS: dict[tuple[Any, str], int | None] = {}  # (table, column) → its max_length: tables are module constants


def limit(table: Any, column: str) -> int | None:
    """The ``max_length`` of ``column`` in ``table`` (a SQLModel class or an ``sa.Table``), None if unbounded."""
    key = (table, column)
    try:
        return _LIMITS[key]
    except KeyError:
        pass
    t = getattr(table, "__table__", table)
    found = _LIMITS[key] = getattr(t.c[column].type, "length", None)
    return found


# -- numbers ---------------------------------------------------------------------------------------


def integer(value: Any, field: str, *, lo: int = 0, hi: int = MAX_COUNT) -> int:
    """A whole number within ``lo`` … ``hi``; text of digits is read, 20-digit numbers are malformed."""
    if isinstance(value, bool):
        raise BadInput(f"{field}应为整数，收到 {value}")
    if isinstance(value, float) and value.is_integer() and abs(value) < 10**MAX_DIGITS:
        value = int(value)
    if isinstance(value, str):
        digits = value.strip()
        if not re.fullmatch(r"[+-]?\d+", digits):
            raise BadInput(f"{field}应为整数，收到「{_shown(digits)}」")
        if len(digits.lstrip("+-").lstrip("0")) > MAX_DIGITS:
            raise BadInput(f"{field}数值过大：{_shown(digits)}（应在 {lo}–{hi} 之间）")
        value = int(digits)
    if not isinstance(value, int):
        raise BadInput(f"{field}应为整数，收到 {_shown(str(value))}")
    if not lo <= value <= hi:
        raise BadInput(f"{field}应在 {lo}–{hi} 之间，收到 {_shown(str(value))}")
    return value


def count(value: Any, field: str, hi: int = MAX_COUNT) -> int:
    """A count of things or people, 0 … ``hi``."""
    return integer(value, field, lo=0, hi=hi)


def share(value: Any, field: str) -> float:
    """A share between 0 and 1 (0.5 is half)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise BadInput(f"{field}应为 0–1 之间的数，收到 {_shown(str(value))}")
    if not 0 <= value <= 1:
        raise BadInput(f"{field}应在 0–1 之间，收到 {value}")
    return float(value)


# -- dates -----------------------------------------------------------------------------------------


def day(value: Any, field: str) -> date:
    """A date (in any form :func:`parse_date` reads) within 1900–2100; refuses an empty value."""
    try:
        parsed = parse_date(value)
    except BadInput as exc:
        raise BadInput(f"{field}：{exc}") from None
    if parsed is None:
        raise BadInput(f"{field}不能为空")
    return parsed


def in_range(d: date, field: str = "日期") -> date:
    """``d`` itself when it lies within 1900-01-01 … 2100-12-31 (9999-12-31 would overflow date arithmetic)."""
    if not FIRST_DAY <= d <= LAST_DAY:
        raise BadInput(f"{field} {d} 超出范围（应在 {FIRST_DAY.year}–{LAST_DAY.year} 年之间）")
    return d


def days_in_order(*named: tuple[str, date | None]) -> None:
    """Each given date not before the one given before it, e.g. identified ≤ deadline."""
    given = [(n, d) for n, d in named if d is not None]
    for (n1, d1), (n2, d2) in zip(given, given[1:], strict=False):
        if d2 < d1:
            raise BadInput(f"{n2} {d2} 早于{n1} {d1}")


_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")


def parse_date(value: Any) -> date | None:
    """A date in any of the forms officers write (2024-03-05, 2024/3/5, 2024.3.5, 2024年3月5日, 20240305),
    a date or datetime, or an Excel serial day number; None for an empty value. The one date parser of
    the import and of every CLI date option; every date it returns lies within 1900–2100.
    """
    if type(value) is str and len(value) == 10 and value[4] == value[7] == "-":
        try:  # the ISO form, the usual one, read by the standard library; anything else as below
            return in_range(date.fromisoformat(value))
        except ValueError:
            pass  # not a date of this form (2024-02-30, 2024-0x-05): the general reading words the problem
    if value == "" or value is None:
        return None
    if isinstance(value, datetime):
        return in_range(value.date())
    if isinstance(value, date):
        return in_range(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 20000 <= value <= 80000:  # an Excel serial day number
            return date(1899, 12, 30) + timedelta(days=int(value))
        if not abs(value) < 10**MAX_DIGITS:
            raise BadInput(f"日期无法识别「{_shown(str(value))}」（应为 2024-03-05、2024/3/5 或 2024年3月5日）")
        value = str(int(value))
    text_ = str(value).strip()
    m = _DATE_RE.match(text_)
    if m is None and re.fullmatch(r"\d{8}", text_):
        m = re.match(r"(\d{4})(\d{2})(\d{2})", text_)
    if m is None:
        raise BadInput(f"日期无法识别「{_shown(text_)}」（应为 2024-03-05、2024/3/5 或 2024年3月5日）")
    try:
        parsed = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        raise BadInput(f"日期不存在「{text_}」") from None
    return in_range(parsed)


# -- e-mail ----------------------------------------------------------------------------------------


def is_email(address: str) -> bool:
    """A bare mailbox ``user@example.cn``: one @, a dotted domain, no spaces, quotes or line breaks."""
    return bool(_EMAIL.fullmatch(address))


def email(value: Any, field: str = "", *, local: bool = False) -> str:
    """The mailbox of ``value`` ("" for an empty one), read by the standard library's address parser:
    ``张三 <zhang@example.cn>`` gives ``zhang@example.cn``. Refuses CR/LF, several addresses and non-mailboxes;
    ``local`` also takes a domain without a dot (``rectify@localhost``, the default sender)."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadInput(f"{field}邮箱地址应为文字，收到 {type(value).__name__}")
    raw = value.strip(" ")
    if _CONTROL_ONE_LINE.search(raw):  # before any stripping: a trailing CR/LF is a header injection too
        raise BadInput(f"{field}邮箱地址含有换行或控制字符：「{_shown(raw, 40)}」")
    raw = raw.strip()
    if not raw:
        return ""
    from email.utils import parseaddr  # here: the e-mail package is a read command's cost otherwise

    _, address = parseaddr(raw)
    mailbox = is_email(address) or (local and is_email(address + ".local"))
    if not address or not mailbox or raw.count("@") != 1:
        raise BadInput(f"{field}邮箱地址格式不对：{_shown(raw, 60)}")
    if len(address) > 320:
        raise BadInput(f"{field}邮箱地址过长：{len(address)} 个字符")
    return address


def email_address(address: str, what: str = "") -> str:
    """The mailbox of ``address`` (see :func:`email`); kept for the callers written before it."""
    return email(address, what)


# -- a whole row, against its table -----------------------------------------------------------------


_UNSIGNED = frozenset({"id", "seq", "satisfied", "basic", "dissatisfied", "measures_total", "measures_done", "cycle",
                       "version", "year"})
# table name → column key → (field words, JSON?, control pattern, longest text, multiline?, integer bounds or None)
_PLANS: dict[str, dict[str, tuple[str, bool, re.Pattern[str], int, bool, tuple[int, int] | None]]] = {}


def _plan(t: Any) -> dict[str, tuple[str, bool, re.Pattern[str], int, bool, tuple[int, int] | None]]:
    """What :func:`row` checks of each column of ``t``, worked out once per table."""
    import sqlalchemy as sa

    plan = _PLANS.get(t.name)
    if plan is None:
        plan = {}
        for col in t.c:
            key = col.key
            multiline = key in MULTILINE_COLUMNS
            longest = getattr(col.type, "length", None) or (MAX_DOCUMENT if multiline else MAX_TEXT)
            lo = 0 if key in _UNSIGNED or key.endswith("_id") else -MAX_INT
            plan[key] = (COLUMN_WORDS.get(key, key), (t.name, key) in JSON_COLUMNS,
                         _CONTROL if multiline else _CONTROL_ONE_LINE, longest, multiline,
                         (lo, MAX_INT) if isinstance(col.type, sa.Integer) else None)
        _PLANS[t.name] = plan
    return plan


# id(table) → (the table, its plan): a row's table looked up by identity, without ``__table__`` and name each time
_PLAN_OF: dict[int, tuple[Any, dict[str, tuple[str, bool, re.Pattern[str], int, bool, tuple[int, int] | None]]]] = {}


def row(table: Any, values: Mapping[str, Any], *, where: str = "") -> None:
    """Checks every value of a row about to be written against its column in ``table``: text length (the
    column's own, else :data:`MAX_TEXT`) and control characters, dates within 1900–2100, integers within
    what an INTEGER column holds. The persistence layer calls it on each row it writes, so no path can store
    what PostgreSQL would refuse and SQLite would take. The common case (a value well within its column) is
    decided by one comparison; the full check, with its message, runs for the rest.

    A row of the same table with the same columns in the same order (every row a step writes) is checked by
    code made for that column list once (:func:`_compiled`): the same decisions, without the per-value look-ups."""
    try:
        fast = _COMPILED.get((id(table), tuple(values)))
    except TypeError:  # a key that cannot be hashed: the general loop
        fast = None
    if fast is not None and fast[0] is table:
        fast[1](values, where)
        return
    found = _PLAN_OF.get(id(table))
    if found is None or found[0] is not table:
        found = _PLAN_OF[id(table)] = (table, _plan(getattr(table, "__table__", table)))
    _each(found[1], values, where)
    if len(_COMPILED) < _COMPILED_HELD and type(values) is dict:
        _COMPILED[id(table), tuple(values)] = (table, _compiled(found[1], tuple(values)))


def _each(plan: dict[str, tuple[str, bool, re.Pattern[str], int, bool, tuple[int, int] | None]],
          values: Mapping[str, Any], where: str) -> None:
    """:func:`row`'s check of each value in turn."""
    get = plan.get
    for key, value in values.items():
        check = get(key)
        if check is None or value is None:
            continue
        kind = type(value)  # the usual kinds decided at once; anything else (and every refusal) by _value
        if kind is str:
            # printable text holds no control character (the patterns' characters are all unprintable): the
            # pattern is searched only in the rest (a line break, an ideographic space)
            if check[1] or ((value.isprintable() or check[2].search(value) is None) and len(value) <= check[3]):
                continue
        elif kind is date:
            if FIRST_DAY <= value <= LAST_DAY:
                continue
        elif kind is int:
            bounds = check[5]
            if bounds is None or bounds[0] <= value <= bounds[1]:
                continue
        elif kind is datetime:
            if FIRST_DAY <= value.date() <= LAST_DAY:
                continue
        elif kind is bool or kind is float:  # nothing to check (what _value does with them)
            continue
        _value(check, value, where)


# (id(table), the row's keys in order) → (the table, its check): the column lists the code writes (bounded)
_COMPILED: dict[tuple[int, tuple[str, ...]], tuple[Any, Any]] = {}
_COMPILED_HELD = 512


def _compiled(plan: dict[str, tuple[str, bool, re.Pattern[str], int, bool, tuple[int, int] | None]],
              keys: tuple[str, ...]) -> Any:
    """:func:`row`'s loop written out for one list of keys: the values unpacked in order (one operation), each
    column's kind of check inline; whatever the loop would hand to :func:`_value` goes there."""
    lines = [f"    ({''.join(f'v{i}, ' for i in range(len(keys)))}) = values.values()"]
    env: dict[str, Any] = {"_value": _value, "date": date, "datetime": datetime, "FIRST_DAY": FIRST_DAY,
                           "LAST_DAY": LAST_DAY}
    for i, key in enumerate(keys):
        check = plan.get(key)
        if check is None:
            continue
        env[f"c{i}"], env[f"s{i}"] = check, check[2].search
        v = f"v{i}"
        text = "pass" if check[1] else (f"if len({v}) > {check[3]} or not ({v}.isprintable() or s{i}({v}) is None):"
                                        f" _value(c{i}, {v}, where)")
        bounds = check[5]
        whole = "pass" if bounds is None else f"if not {bounds[0]} <= {v} <= {bounds[1]}: _value(c{i}, {v}, where)"
        lines += [f"    if {v} is not None:", f"        k = type({v})",
                  "        if k is str:", f"            {text}",
                  "        elif k is date:",
                  f"            if not FIRST_DAY <= {v} <= LAST_DAY: _value(c{i}, {v}, where)",
                  "        elif k is int:", f"            {whole}",
                  "        elif k is datetime:",
                  f"            if not FIRST_DAY <= {v}.date() <= LAST_DAY: _value(c{i}, {v}, where)",
                  "        elif k is not bool and k is not float:", f"            _value(c{i}, {v}, where)"]
    exec("def check(values, where):\n" + "\n".join(lines) + "\n", env)  # noqa: S102 (code made from our tables)
    return env["check"]


def _value(check: tuple[str, bool, re.Pattern[str], int, bool, tuple[int, int] | None], value: Any,
           where: str) -> None:
    words, is_json, control, longest, multiline, bounds = check
    if type(value) is str or isinstance(value, str):
        if is_json:
            return
        bad = control.search(value)
        if bad is not None:
            raise BadInput(f"{where}{words}含有不可见的控制字符 U+{ord(bad.group()):04X}：「{_shown(value)}」")
        if len(value) > longest:
            text(value, f"{where}{words}", max_len=longest, multiline=multiline)
    elif isinstance(value, date):
        day_ = value.date() if isinstance(value, datetime) else value
        if not FIRST_DAY <= day_ <= LAST_DAY:
            in_range(day_, f"{where}{words}")
    elif bounds is not None and isinstance(value, int) and not isinstance(value, bool):
        if not bounds[0] <= value <= bounds[1]:
            integer(value, f"{where}{words}", lo=bounds[0], hi=bounds[1])


def rows(table: Any, many: Iterable[Mapping[str, Any]], *, where: str = "") -> None:
    for values in many:
        row(table, values, where=where)
