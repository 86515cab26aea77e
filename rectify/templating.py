"""The one Jinja environment of rectify, for the ledger's HTML page and the mail digests alike.

Templates are package data (``<package>/templates``); an optional folder is searched first, so a county
can replace one mail template and keep the others (``[templates] folder``). Undefined variables fail
(StrictUndefined), ``.html`` templates are autoescaped, and block tags keep Jinja's default whitespace
(the templates say where a newline goes with ``{%-``). With a folder, the environment is Jinja's
immutable sandbox: a county's template reaches the values it is given, never Python's objects
(``__class__``, ``__globals__``) and never changes them. The days-left wording is the filter
``days_left_text``, so every output words a number of days the same way.
"""

from __future__ import annotations

from pathlib import Path

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

from rectify.states.wording import days_left_text


def make_environment(package: str, folder: str | Path | None = None) -> jinja2.Environment:
    """An environment loading ``package``'s templates, after ``folder`` when one is given."""
    loaders: list[jinja2.BaseLoader] = []
    if folder:
        loaders.append(jinja2.FileSystemLoader(str(folder)))
    loaders.append(jinja2.PackageLoader(package, "templates"))
    kind = ImmutableSandboxedEnvironment if folder else jinja2.Environment
    env = kind(
        loader=jinja2.ChoiceLoader(loaders),
        undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default_for_string=False),
        keep_trailing_newline=False,
    )
    env.filters["days_left_text"] = days_left_text
    return env
