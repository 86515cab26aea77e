"""Sorting more rows than memory should hold: sorted runs spilled to temporary files, then merged in order.

A ledger rebuilt for a past day (SPEC §6.2) comes out of the fold by case id and is printed in the ledger's order,
and a sweep's outbox rows are planned by case and recorded by recipient; at national scale neither belongs in
memory whole. Up to ``chunk`` rows are sorted in memory; beyond that
each sorted run goes to an unnamed temporary file (gone when closed, and on a crash) and the runs are merged.
"""

from __future__ import annotations

import heapq
import pickle
import tempfile
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import IO, Any, TypeVar

T = TypeVar("T")
CHUNK = 20_000  # rows sorted in memory at once: a ledger row is a few kB, so tens of MB
# Rows pickled together: the merge holds one batch per run, so this times the number of runs (a run per CHUNK
# rows) is what merging costs in memory: 100 rows of a few kB, over 50 runs at 1,000,000 rows, is about 15 MB.
_BATCH = 100


def _spill(block: list[T]) -> IO[bytes]:
    out = tempfile.TemporaryFile()
    for i in range(0, len(block), _BATCH):
        pickle.dump(block[i:i + _BATCH], out, protocol=pickle.HIGHEST_PROTOCOL)
    out.seek(0)
    return out


def _read(run: IO[bytes]) -> Iterator[Any]:
    while True:
        try:
            batch = pickle.load(run)  # noqa: S301 (our own file, written just above)
        except EOFError:
            return
        yield from batch


def sorted_spilling(items: Iterable[T], key: Callable[[T], Any], chunk: int | None = None) -> Iterator[T]:
    """``sorted(items, key=key)`` as an iterator holding at most ``chunk`` (default :data:`CHUNK`) rows, plus
    one batch per run while merging. Equal keys keep their input order, as ``sorted`` keeps them."""
    chunk = chunk or CHUNK
    source = iter(items)
    runs: list[IO[bytes]] = []
    try:
        while True:
            block = sorted(islice(source, chunk), key=key)
            if not runs and len(block) < chunk:
                yield from block  # it all fitted: no file
                return
            if block:
                runs.append(_spill(block))
            if len(block) < chunk:
                break
        yield from heapq.merge(*(_read(run) for run in runs), key=key)
    finally:
        for run in runs:
            run.close()
