"""``case show``, ``case list`` and the ledger as a table without click (issue 29): the fast path.

click alone costs a read command more than twice what the interpreter and sqlite3 cost. :func:`run` takes a
command line only when it is plainly one of these reads on the light read path: the root's ``--db``, ``--config``,
``--actor`` and ``-q``, then the command, its argument and the options in :data:`SPECS` with values it can read as
click reads them (a code or label of a choice, a number in range, a text). Anything else — help, completion, an
option it does not know, ``--``, a value that begins with ``-``, a past day, another database, a configuration or
an actor the click path would refuse or look up through SQLAlchemy, any error — gives None before anything is
printed, and :func:`rectify.cli.main` runs the click root, whose messages and exit codes are the only ones.

The commands' bodies are shared with the click commands (:mod:`rectify.cli.reads`), so the text is the same;
:data:`SPECS` is held equal to the click declarations and both paths' output to each other by
``tests/test_fast_cli.py``.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable
from typing import Any, NamedTuple

from rectify.cli.app import App

__all__ = ["ROOT", "SPECS", "Fallback", "Spec", "parse", "run"]


class Fallback(Exception):  # noqa: N818  (not an error: the signal to run the click root)
    """This command line is not for the fast path."""


TEXT = "text"  # any text (not beginning with "-")
Kind = str | tuple[str, ...] | tuple[int, int] | dict[Any, str]  # text, choices, a range, codes → labels


class Spec(NamedTuple):
    path: tuple[str, ...]  # the words that name the command
    values: dict[str, tuple[str, Kind]]  # option → (parameter, what its value may be)
    flags: dict[str, tuple[str, bool]]  # option → (parameter, the value it sets)
    argument: str | None  # the one positional argument's parameter, if the command takes one
    defaults: dict[str, Any]


QUIET = ("-q", "--quiet")
# The root's options: option → (parameter, environment variable).
ROOT: dict[str, tuple[str, str]] = {"--db": ("db_url", "RECTIFY_DB"), "--config": ("config_path", "RECTIFY_CONFIG"),
                                    "--actor": ("actor", "RECTIFY_ACTOR")}
_PLACE = {"--county": ("county", TEXT), "--township": ("township", TEXT)}
_OPEN = {"--open": ("open_only", True), "--all": ("open_only", False)}
_PLACE_DEFAULTS = dict(county=None, township=None, kind=None, stage=None, light=None, year=None, open_only=False)


def _specs() -> dict[tuple[str, ...], Spec]:
    from rectify.states.deadlines import LIGHT_LABELS
    from rectify.states.stages import KINDS, LEDGER_ORDERS, STAGE_LABELS

    labelled: dict[str, tuple[str, Kind]] = {"--kind": ("kind", KINDS), "--stage": ("stage", STAGE_LABELS),
                                             "--light": ("light", LIGHT_LABELS)}
    show = Spec(("case", "show"), {"--format": ("fmt", ("table", "json"))}, {"--mask-phones": ("mask_phones", True)},
                "ref", dict(fmt="table", mask_phones=False))
    listing = Spec(("case", "list"), {**_PLACE, **labelled, "--year": ("year", (1900, 2100)),
                                      "--format": ("fmt", ("table", "csv", "json"))},
                   {"--supervised": ("supervised", True), **_OPEN}, None,
                   dict(_PLACE_DEFAULTS, supervised=None, fmt="table"))
    layouts = ("简表", "全表", "brief", "full")
    ledger = Spec(("ledger",), {**_PLACE, **labelled, "--year": ("year", (1990, 2200)), "--format": ("fmt", ("table",)),
                                "--width": ("width", (60, 400)), "--layout": ("layout", layouts),
                                "--sort": ("sort", LEDGER_ORDERS)},
                  _OPEN, None, dict(_PLACE_DEFAULTS, fmt="table", width=None, layout="简表", sort="place"))
    return {s.path: s for s in (show, listing, ledger)}


SPECS = _specs()


def _value(raw: str, kind: Kind) -> Any:
    """``raw`` as click's type would give it, when it plainly can; else :class:`Fallback`."""
    if raw.startswith("-"):
        raise Fallback
    if kind == TEXT:
        return raw
    if isinstance(kind, dict):  # a LabelledChoice: a code as typed, or its label
        for code, label in kind.items():
            if raw == label or raw == getattr(code, "name", code):
                return code
        raise Fallback
    if isinstance(kind[0], int):  # an integer range
        if re.fullmatch(r"[1-9][0-9]{0,5}", raw) and kind[0] <= int(raw) <= kind[1]:  # type: ignore[operator]
            return int(raw)
        raise Fallback
    if raw in kind:
        return raw
    raise Fallback


def _root(argv: list[str], found: dict[str, Any]) -> int:
    """The root's options into ``found``; the index of the first word after them."""
    i = 0
    while i < len(argv) and argv[i].startswith("-"):
        name, eq, raw = argv[i].partition("=")
        if argv[i] in QUIET:
            i += 1
            continue
        if name not in ROOT:
            raise Fallback
        if not eq:
            if i + 1 >= len(argv):
                raise Fallback
            raw, i = argv[i + 1], i + 1
        found[ROOT[name][0]] = _value(raw, TEXT)
        i += 1
    return i


def _command(argv: list[str], i: int) -> tuple[Spec, int]:
    """The command named at ``argv[i]`` (``-q`` may stand between ``case`` and its command)."""
    words = [argv[i]] if i < len(argv) else []
    if words == ["case"]:
        i += 1
        while i < len(argv) and argv[i] in QUIET:
            i += 1
        words += argv[i:i + 1]
    spec = SPECS.get(tuple(words))
    if spec is None:
        raise Fallback
    return spec, i + 1


def _params(spec: Spec, args: list[str]) -> dict[str, Any]:
    """The command's own options and argument, options anywhere among the arguments as click takes them."""
    params, positional, i = dict(spec.defaults), [], 0
    while i < len(args):
        name, eq, raw = args[i].partition("=")
        if args[i] in QUIET:
            pass
        elif args[i] in spec.flags:
            key, flag = spec.flags[args[i]]
            params[key] = flag
        elif name in spec.values:
            if not eq:
                if i + 1 >= len(args):
                    raise Fallback
                raw, i = args[i + 1], i + 1
            key, kind = spec.values[name]
            params[key] = _value(raw, kind)
        elif args[i].startswith("-"):
            raise Fallback
        else:
            positional.append(args[i])
        i += 1
    if len(positional) != (1 if spec.argument else 0):
        raise Fallback
    if spec.argument:
        params[spec.argument] = positional[0]
    return params


def parse(argv: list[str]) -> tuple[Spec, dict[str, Any], dict[str, Any]]:
    """(the command, the root's parameters, the command's parameters) of ``argv``; :class:`Fallback` when it is not
    plainly one of :data:`SPECS`. The root's parameters not given come from their environment variables."""
    if "_RECTIFY_COMPLETE" in os.environ:  # shell completion is click's
        raise Fallback
    root: dict[str, Any] = {}
    spec, i = _command(argv, _root(argv, root))
    for name, env in ROOT.values():
        if name not in root:
            root[name] = os.environ.get(env) or None  # as click: an empty variable is no value
    return spec, root, _params(spec, argv[i:])


class FastApp(App):
    """The command's :class:`App`, but anything that would leave the light read path is :class:`Fallback`."""

    def database(self, *, create: bool = False, check: bool = True) -> Any:
        raise Fallback

    @property
    def service(self) -> Any:
        raise Fallback

    def person(self) -> Any:
        if self._person is None:  # the light path did not find the reader: the registry's rules decide
            raise Fallback
        return self._person


def _show(app: App, p: dict[str, Any]) -> str:
    from rectify.cli.reads import show_text

    return show_text(app, p["ref"], None, None, p["mask_phones"], p["fmt"])


def _list(app: App, p: dict[str, Any]) -> str:
    from rectify.cli.reads import list_text

    filters = {k: p[k] for k in ("county", "township", "kind", "stage", "year", "open_only", "supervised")}
    return list_text(app, filters, p["light"], None, p["fmt"])


def _ledger(app: App, p: dict[str, Any]) -> str:
    from rectify.cli.app import use_colour
    from rectify.cli.reads import ledger_filter, ledger_table

    as_of = app.today()
    filters = ledger_filter(app, p["county"], p["township"], p["kind"], p["stage"], p["light"], p["year"],
                            p["open_only"], p["sort"])
    return ledger_table(app, as_of, filters, p["width"], use_colour()) + "\n"


BODIES: dict[tuple[str, ...], Callable[[App, dict[str, Any]], str]] = {
    ("case", "show"): _show, ("case", "list"): _list, ("ledger",): _ledger}


def _utf8(stream: Any) -> bool:
    import codecs

    try:
        return codecs.lookup(getattr(stream, "encoding", None) or "ascii").name == "utf-8"
    except LookupError:
        return False


def run(argv: list[str]) -> int | None:
    """Run ``argv`` on the fast path and give its exit code, or None (nothing printed) for the click root to run it."""
    try:
        spec, root, params = parse(argv)
    except Fallback:
        return None
    if not _utf8(sys.stdout):  # click.echo would re-encode the text; its path does that
        return None
    app = FastApp(root["db_url"], root["config_path"], root["actor"])
    try:
        app.config  # noqa: B018  (as the root's callback: a bad file is reported by the click path)
        text = BODIES[spec.path](app, params)
    except Exception:  # Fallback, or an error the click path reports in its own words
        return None
    except KeyboardInterrupt:  # Ctrl-C: a blank line closing the terminal's ^C, then 已取消, as click does
        return _interrupted()
    finally:
        app.close()
    if "\x1b" in text and spec.path != ("ledger",):  # click.echo would strip colour off a pipe
        return None
    return _write(text, raw=spec.path == ("ledger",))


def _interrupted() -> int:
    import click

    from rectify.cli.common import report

    click.echo(file=sys.stderr)
    return report(click.Abort())


def _write(text: str, *, raw: bool) -> int:
    """``text`` on stdout as the click command writes it: the ledger through a UTF-8 wrapper over the bytes
    (:func:`rectify.cli.common.write_output`), the others as ``click.echo`` does."""
    try:
        if raw:
            import io

            sys.stdout.flush()
            out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="", write_through=True)
            try:
                out.write(text)
            finally:
                out.flush()
                out.detach()
        else:
            sys.stdout.write(text)
            sys.stdout.flush()
    except Exception as exc:
        return _failed(exc, raw=raw)
    return 0


def _failed(exc: Exception, *, raw: bool) -> int:
    """What the click path does when stdout fails: a reader gone away ends quietly; else its one line."""
    from rectify.cli.common import report
    from rectify.output import OutputError, os_error_in, os_reason

    error = os_error_in(exc) if raw else None
    if isinstance(exc if not raw else error, BrokenPipeError):
        return report(BrokenPipeError())
    if error is not None:
        return report(OutputError(f"无法写入标准输出：{os_reason(error)}"))
    return report(exc)
