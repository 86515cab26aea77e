"""The error a cell parser raises (the officer's words for what is wrong) and the one date parser as a cell's.

Below both the cell parsers (:mod:`rectify.importing.cells`, which re-exports them) and the readings of a
county's own words (:mod:`rectify.importing.readings`), so neither imports the other's module back.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from rectify import validation
from rectify.errors import BadInput

__all__ = ["CellError", "parse_date"]


class CellError(Exception):
    pass


def parse_date(value: Any) -> date | None:
    """The one date parser of import and CLI (:func:`rectify.validation.parse_date`), as a cell error."""
    try:
        return validation.parse_date(value)
    except BadInput as exc:
        raise CellError(str(exc)) from None
