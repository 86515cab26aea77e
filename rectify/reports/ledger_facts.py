"""The ledger's spreadsheets carry a late stage's verification facts (issue 26), so that a re-imported ledger keeps
them: each batch of rows in 公示 or 销号 has its facts looked up (:func:`rectify.store.late_facts.late_stage_facts`)
and put after the row's query values, where :mod:`rectify.reports.ledger_sheets` reads them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from itertools import islice
from typing import TYPE_CHECKING, Any

from rectify.reports.ledger import LEDGER_KEYS, LedgerRow
from rectify.reports.ledger_sheets import FACT_KEYS

if TYPE_CHECKING:  # not imported at run time: the light read path loads no SQLAlchemy
    from rectify.store import Database

_VERIFIED_ON = LEDGER_KEYS.index("verified_on")
_STRUCK_OFF_ON = LEDGER_KEYS.index("struck_off_on")
_BATCH = 2000
_STRUCK_ONLY_AT = tuple(FACT_KEYS.index(k) for k in ("approver", "strike_off_doc"))


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, date) else value


def _facts(db: Any, ids: list[int]) -> dict[int, dict[str, Any]]:
    """The facts of ``ids``: on the light read path (a :class:`rectify.store.light.Light`, no SQLAlchemy) or
    through SQLAlchemy — the same statements, the same fold."""
    if getattr(db, "light", False):  # the dates as their ISO text: _cell writes a date as that text
        return dict(db.late_stage_facts(ids, typed=False))
    from rectify.store.late_facts import late_stage_facts

    with db.connect() as conn:
        return late_stage_facts(conn, ids)


def with_late_facts(db: Database | Any, rows: Iterable[LedgerRow]) -> Iterator[LedgerRow]:
    """``rows``, those verified by their day with the verification's facts after their query values; ``db`` a
    database or the light read path's :class:`~rectify.store.light.Light`."""
    it = iter(rows)
    as_text = getattr(db, "light", False)  # the light path's facts hold no date: a cell is "" for None, else the value
    while batch := list(islice(it, _BATCH)):
        ids = [raw[0] for _, _, raw in batch if raw[_VERIFIED_ON] is not None]
        if not ids:
            yield from batch
            continue
        found = _facts(db, ids)
        for row in batch:
            light, cells, raw = row
            facts = found.get(raw[0]) if raw[_VERIFIED_ON] is not None else None
            if facts is None:
                yield row
                continue
            values = list(map(facts.get, FACT_KEYS))
            if raw[_STRUCK_OFF_ON] is None:  # the approver and the 文号 only once struck off
                for i in _STRUCK_ONLY_AT:
                    values[i] = None
            yield light, cells, (*raw, *(["" if v is None else v for v in values] if as_text else map(_cell, values)))
