"""Help pages measured as a terminal draws them: a CJK character takes two cells.

click measures help text with ``len()`` (ANSI codes aside): a Chinese metavar (``FILE[=说明]``) pushes its
row's help out of the column, and a Chinese sentence is wrapped at twice the terminal's width. The
formatter here measures East-Asian widths, breaks a line between any two Chinese characters (never
before a closing mark such as ，。）, never after an opening one such as （), joins a paragraph's source
lines without a space between two Chinese characters, and writes its headings with a full-width colon
(``选项：``). :func:`short_help` is click's one-line summary of a command cut by the same measure, at
the first full stop (。 or ". ").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from functools import lru_cache

import click

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_CLOSING = set("，。、；：！？）」』》〉】〕”’…,.;:!?)]}%")
_OPENING = set("（「『《〈【〔“‘([{")
# The placeholders of click's usage line, in the words of the rest of the page.
USAGE_WORDS = (("[OPTIONS]", "[选项]"), ("COMMAND [ARGS]...", "命令 [参数]..."))


@lru_cache(maxsize=4096)
def _wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in "WF"


def width(text: str) -> int:
    """Cells ``text`` takes on a terminal: two for a wide (CJK) character, none for an ANSI code."""
    text = _ANSI.sub("", text)
    if text.isascii():
        return len(text)
    return sum(2 if _wide(ch) else 0 if unicodedata.combining(ch) else 1 for ch in text)


def _units(text: str) -> list[str]:
    """Spaces, ASCII words, bracketed notes ([必填], FILE[=说明]) and single wide characters."""
    raw: list[str] = []
    glue = False  # the part before was a bracket written against what follows
    for part in re.findall(r"\s+|\[[^\[\]\n]{1,24}\]|[^\s\[]+|\[", text):
        if part.isspace():
            raw.append(part)
            glue = False
            continue
        if part.startswith("[") and part.endswith("]") or glue:  # [必填], [默认：table], FILE[=说明] kept whole
            if raw and not raw[-1].isspace():
                raw[-1] += part
            else:
                raw.append(part)
            glue = part.endswith("]")
            continue
        word = ""
        for ch in part:
            if _wide(ch):
                raw += [word, ch] if word else [ch]
                word = ""
            else:
                word += ch
        if word:
            raw.append(word)
    return raw


def _tokens(text: str) -> Iterator[str]:
    """The units a line may break between: closing marks glued to what they close, opening marks to what they
    open."""
    glued: list[str] = []
    opening = ""
    for tok in _units(text):
        if tok.isspace():
            if opening:
                glued.append(opening)
                opening = ""
            glued.append(tok)
        elif all(ch in _OPENING for ch in tok):
            opening += tok
        elif tok[0] in _CLOSING and glued and not glued[-1].isspace():
            glued[-1] += opening + tok
            opening = ""
        else:
            glued.append(opening + tok)
            opening = ""
    if opening:
        glued.append(opening)
    return iter(glued)


def _split_long(token: str, room: int) -> list[str]:
    """A unit wider than a whole line, cut into pieces of at most ``room`` cells."""
    pieces, piece = [], ""
    for ch in token:
        if piece and width(piece + ch) > room:
            pieces.append(piece)
            piece = ""
        piece += ch
    return [*pieces, piece] if piece else pieces


def fill(text: str, limit: int, initial_indent: str = "", subsequent_indent: str = "") -> str:
    """``text`` as one paragraph wrapped to ``limit`` cells."""
    lines: list[str] = []
    line, used, space = initial_indent, width(initial_indent), ""
    start = used

    def room() -> int:
        return max(limit - used, 1)

    for tok in _tokens(text.replace("\n", " ")):
        if tok.isspace():
            space = " " if used > start else ""
            continue
        need = width(space) + width(tok)
        if used + need > limit and used > start:
            lines.append(line)
            line, used, space = subsequent_indent, width(subsequent_indent), ""
            start = used
            need = width(tok)
        if width(tok) > room() and used == start:
            *heads, tok = _split_long(tok, room())
            for head in heads:
                lines.append(line + head)
                line, used = subsequent_indent, width(subsequent_indent)
                start = used
        line += space + tok
        used += width(space) + width(tok)
        space = ""
    lines.append(line)
    return "\n".join(lines)


def _join(lines: Iterable[str]) -> str:
    """A paragraph's source lines as one: no space between two Chinese characters (a docstring wraps
    Chinese where the source line ended, not between words)."""
    out = ""
    for line in lines:
        line = line.strip()
        if out and line:
            wide_mark = out[-1] in _CLOSING and not out[-1].isascii() or line[0] in _OPENING and not line[0].isascii()
            out += "" if wide_mark or _wide(out[-1]) and _wide(line[0]) else " "
        out += line
    return out


def wrap_text(text: str, limit: int = 78, initial_indent: str = "", subsequent_indent: str = "",
              preserve_paragraphs: bool = False) -> str:
    """click's ``wrap_text`` measured in cells: paragraphs apart, a ``\\b`` paragraph left as written."""
    text = text.expandtabs()
    if not preserve_paragraphs:
        return fill(_join(text.splitlines()), limit, initial_indent, subsequent_indent)
    paragraphs: list[tuple[int, bool, list[str]]] = []
    buf: list[str] = []
    indent: int | None = None

    def flush() -> None:
        if buf:
            raw = buf[0].strip() == "\b"
            paragraphs.append((indent or 0, raw, buf[1:] if raw else list(buf)))
            buf.clear()

    for line in text.splitlines():
        if not line:
            flush()
            indent = None
            continue
        if indent is None:
            indent = len(line) - len(line.lstrip())
        buf.append(line)
    flush()
    out = []
    for extra, raw, lines in paragraphs:
        first, rest = initial_indent + " " * extra, subsequent_indent + " " * extra
        if raw:
            out.append("\n".join((first if i == 0 else rest) + line for i, line in enumerate(lines)))
        else:
            out.append(fill(_join(lines), limit, first, rest))
    return "\n\n".join(out)


class HelpFormatter(click.HelpFormatter):
    """click's formatter with every width counted in terminal cells (see the module's docstring)."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        for english, chinese in USAGE_WORDS:
            args = args.replace(english, chinese)
        if prefix is None:
            prefix = click.formatting._("Usage:")  # type: ignore[attr-defined]
            prefix = prefix if prefix.endswith("：") else prefix + " "
        usage_prefix = f"{prefix:>{self.current_indent}}{prog} "
        if not args:
            self.write(usage_prefix.rstrip(" ") + "\n")
            return
        text_width = self.width - self.current_indent
        if text_width >= width(usage_prefix) + 20:
            self.write(wrap_text(args, text_width, usage_prefix, " " * width(usage_prefix)))
        else:
            indent = " " * (max(self.current_indent, width(prefix)) + 4)
            self.write(usage_prefix + "\n" + wrap_text(args, text_width, indent, indent))
        self.write("\n")

    def write_heading(self, heading: str) -> None:
        colon = "：" if heading and _wide(heading[-1]) else ":"
        self.write(f"{'':>{self.current_indent}}{heading}{colon}\n")

    def write_text(self, text: str) -> None:
        indent = " " * self.current_indent
        self.write(wrap_text(text, self.width, indent, indent, preserve_paragraphs=True))
        self.write("\n")

    def write_dl(self, rows: Iterable[tuple[str, str]], col_max: int = 30, col_spacing: int = 2) -> None:
        rows = [(first, second) for first, second, *_ in (tuple(r) + ("",) for r in rows)]
        first_col = min(max((width(first) for first, _ in rows), default=0), col_max) + col_spacing
        for first, second in rows:
            self.write(f"{'':>{self.current_indent}}{first}")
            if not second:
                self.write("\n")
                continue
            if width(first) <= first_col - col_spacing:
                self.write(" " * (first_col - width(first)))
            else:
                self.write("\n" + " " * (first_col + self.current_indent))
            lines = wrap_text(second, max(self.width - first_col - 2, 10), preserve_paragraphs=True).splitlines()
            self.write(f"{lines[0] if lines else ''}\n")
            for line in lines[1:]:
                self.write(f"{'':>{first_col + self.current_indent}}{line}\n" if line else "\n")


def short_help(help: str | None, max_length: int = 45) -> str:
    """A command's one-line summary: its first paragraph up to the first full stop (。 or ". "), cut to
    ``max_length`` cells with "..." (drawn one cell a dot on every terminal)."""
    if not help:
        return ""
    paragraph = _join(help.split("\n\n", 1)[0].splitlines())
    for stop in ("。", ". "):
        head, found, _ = paragraph.partition(stop)
        if found:
            paragraph = head + stop.strip()
    paragraph = paragraph.rstrip()
    if width(paragraph) <= max_length:
        return paragraph
    cut, used = "", 0
    for ch in paragraph:
        cells = width(ch)
        if used + cells > max_length - 3:
            break
        cut, used = cut + ch, used + cells
    if cut and paragraph[len(cut)].isascii() and paragraph[len(cut)].isalnum() and cut[-1].isalnum():
        head, space, _word = cut.rpartition(" ")  # an English word is not cut in two
        if space and width(head) > max_length // 2:
            cut = head
    return cut.rstrip(" ，,、；;：:") + "..."


class Context(click.Context):
    formatter_class = HelpFormatter


def install_short_help() -> None:
    """click's one-line command summaries (``Command.get_short_help_str``) by :func:`short_help`; idempotent."""
    import click.core

    click.core._make_default_short_help = short_help  # type: ignore[attr-defined]


__all__ = ["Context", "HelpFormatter", "USAGE_WORDS", "fill", "install_short_help", "short_help", "width",
           "wrap_text"]
