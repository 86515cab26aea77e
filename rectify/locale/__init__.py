"""click's own messages in Chinese, from the zh_CN gettext catalog shipped in this package.

click marks its messages with ``from gettext import gettext as _`` (and ``ngettext``) in each of its
modules, so by default they are looked up in the process-wide ``messages`` domain in the language the
environment names (LANGUAGE, LC_ALL, LC_MESSAGES, LANG). Neither fits: officers read Chinese whatever
the locale of the server or of cron (often ``C``), and pointing the global domain at our catalog would
translate every other library's gettext calls too. So the catalog is loaded with gettext's own class
API (``gettext.translation(..., languages=["zh_CN"])``) and its ``gettext``/``ngettext`` are bound as
``_``/``ngettext`` in click's modules only — the same names click looks up at call time.

The catalog (``zh_CN/LC_MESSAGES/click.po``, compiled to ``click.mo`` with Babel) is package data.
"""

from __future__ import annotations

import gettext
import importlib
from pathlib import Path

LOCALE_DIR = Path(__file__).parent
DOMAIN = "click"
LANGUAGE = "zh_CN"

# click's modules that mark messages for translation.
CLICK_MODULES = ("core", "types", "exceptions", "parser", "decorators", "termui", "utils", "formatting",
                 "shell_completion", "_termui_impl")

_installed: gettext.NullTranslations | None = None


def catalog() -> gettext.NullTranslations:
    """The zh_CN catalog of click's messages (a pass-through if the .mo file is missing)."""
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[LANGUAGE], fallback=True)


def install_click_catalog() -> gettext.NullTranslations:
    """Make click print its messages from the catalog; idempotent, returns the catalog."""
    global _installed
    if _installed is None:
        translations = catalog()
        for name in CLICK_MODULES:
            module = importlib.import_module(f"click.{name}")
            if hasattr(module, "_"):
                module._ = translations.gettext  # type: ignore[attr-defined]
            if hasattr(module, "ngettext"):
                module.ngettext = translations.ngettext  # type: ignore[attr-defined]
        _installed = translations
    return _installed


__all__ = ["CLICK_MODULES", "DOMAIN", "LANGUAGE", "LOCALE_DIR", "catalog", "install_click_catalog"]
