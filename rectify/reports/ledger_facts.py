"""The ledger's spreadsheets carry a late stage's verification facts (issue 26), so that a re-imported ledger keeps
them: each batch of rows in 公示 or 销号 has its facts looked up (:func:`rectify.store.late_facts.late_stage_facts`)
and put after the row's query values, where :mod:`rectify.reports.ledger_sheets` reads them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from itertools import islice
from typing import Any

from rectify.reports.ledger import LEDGER_KEYS, LedgerRow
from rectify.reports.ledger_sheets import FACT_KEYS
from rectify.store import Database
from rectify.store.late_facts import late_stage_facts

_VERIFIED_ON = LEDGER_KEYS.index("verified_on")
_STRUCK_OFF_ON = LEDGER_KEYS.index("struck_off_on")
_BATCH = 2000
_STRUCK_ONLY = ("approver", "strike_off_doc")


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, date) else value


def with_late_facts(db: Database, rows: Iterable[LedgerRow]) -> Iterator[LedgerRow]:
    """``rows``, those verified by their day with the verification's facts after their query values."""
    it = iter(rows)
    while batch := list(islice(it, _BATCH)):
        ids = [raw[0] for _, _, raw in batch if raw[_VERIFIED_ON] is not None]
        if not ids:
            yield from batch
            continue
        with db.connect() as conn:
            found = late_stage_facts(conn, ids)
        for light, cells, raw in batch:
            facts = found.get(raw[0]) if raw[_VERIFIED_ON] is not None else None
            if facts is None:
                yield light, cells, raw
                continue
            struck = raw[_STRUCK_OFF_ON] is not None
            yield light, cells, (*raw, *(_cell(facts.get(k)) if struck or k not in _STRUCK_ONLY else ""
                                         for k in FACT_KEYS))
