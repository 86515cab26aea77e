"""The sweep's plan, streamed: a national sweep decided a chunk of cases at a time, in bounded memory.

The first sweep of a month names every open case (the county leaders' 专报), so at national scale what is due
does not belong in memory at once. The candidates and the open measures are each read once, to the end, and
what is due of them goes to an unnamed temporary file in case order (:class:`Spooled`); then, a chunk of cases
at a time, their people and contacts are read and the outbox rows planned, and the planned rows are ordered by
recipient through :func:`rectify.spill.sorted_spilling`, so the recording takes one group of recipients at a
time. Memory holds a chunk, a sorted run and a batch of digests, not the sweep.
"""

from __future__ import annotations

import gc
import pickle
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from functools import wraps
from itertools import groupby, islice
from typing import IO, Any, NamedTuple, TypeVar

from rectify.config import PolicyConfig
from rectify.notifications.policy import (
    CASE_PEOPLE,
    MEASURE_STAGE,
    OPEN_FOR_REMINDERS,
    Item,
    MeasureRow,
    measure_sweep,
    secretary_sweep,
    sweep,
)
from rectify.notifications.store import SweepReader
from rectify.states.tasks import SECRETARY_TASK_STAGES

CHUNK = 5000  # cases (or measures) decided and planned at once
F = TypeVar("F", bound=Callable[..., Any])
_BATCH = 1000  # records pickled together
KEEP = 50_000  # records a spool holds in memory before the rest go to its file (each let go of as it is read)
PLAN_CHUNK = 25_000  # planned rows sorted in memory at once when a spool went to its file (a national sweep)
# Planned rows sorted in memory at once when both spools held every record (at most 2 × KEEP): the planned rows take
# the place of the records they are made from, let go of as they are read, so the sort by recipient pickles nothing.
# At 100,000 cases (104,707 rows) the dry run's peak RSS is 157 MB either way (the floor's 156 MB); sorting it in runs
# of PLAN_CHUNK on disk was ~0.5 s of its 4.8 s of CPU.
PLAN_HELD = 120_000


class CaseFacts(NamedTuple):
    """What an item's detail shows of its case (the candidate row's fields that :func:`plan_items` reads)."""

    case_id: int
    stage_due: date | None
    deadline: date | None
    org_name: str
    org_code: str
    township: str
    supervised: bool
    last_progress_on: date | None
    county: str = ""


# The names of an item's detail (what its digest entry shows), in the order the outbox stores them.
CASE_DETAIL = ("case_id", "kind", "stage", "task", "task_label", "due_on", "days_left", "offset_days", "org_name",
               "org_code", "township", "supervised", "last_progress_on", "contact")
MEASURE_DETAIL = ("case_id", "kind", "stage", "due_on", "days_left", "offset_days", "org_name", "org_code",
                  "township", "supervised", "last_progress_on", "contact", "measure_seq", "measure_text",
                  "measure_owner")


class Planned(NamedTuple):
    """One outbox row planned: an item for one recipient.

    The first six fields are the order the recording takes the rows in (the recipient, then the item's dedupe
    key); the item's detail is its values beside their names (:data:`CASE_DETAIL`, :data:`MEASURE_DETAIL`), made
    a dict only when a digest is recorded or shown. A planned row is a tuple, not the two dicts it was: cheaper to
    make and to spill, and a sort by recipient holds :data:`PLAN_CHUNK` of them in less memory than 20,000 dicts.
    """

    recipient: str
    case_id: int
    kind: str
    stage: str
    due_on: date
    offset_days: int
    role: str
    name: str
    problem: str
    names: tuple[str, ...]
    values: tuple[Any, ...]
    reply_to: str = ""

    def detail(self) -> dict[str, Any]:
        """The item's detail as the outbox stores it (JSON) and the templates read it."""
        return dict(zip(self.names, self.values, strict=True))


class Spooled:
    """Records written once in order, then read back once in the same order: the first :data:`KEEP` held in
    memory, the rest written to an unnamed temporary file as they come (a sweep that fits opens no file)."""

    def __init__(self) -> None:
        self._held: list[Any] = []
        self._file: IO[bytes] | None = None
        self._pending: list[Any] = []
        self.count = 0

    @property
    def held_all(self) -> bool:
        """Every record was held in memory: the spool opened no file."""
        return self._file is None and not self._pending

    def add(self, record: Any) -> None:
        self.count += 1
        if self._file is None and len(self._held) < KEEP:
            self._held.append(record)
            return
        self._pending.append(record)
        if len(self._pending) >= _BATCH:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            if self._file is None:
                self._file = tempfile.TemporaryFile()
            pickle.dump(self._pending, self._file, protocol=pickle.HIGHEST_PROTOCOL)
            self._pending = []

    def __iter__(self) -> Iterator[Any]:
        held, self._held = self._held, []
        held.reverse()
        while held:  # each record let go of as it is read: what the plan keeps of it is in the planned rows
            yield held.pop()
        self._flush()
        if self._file is None:
            return
        self._file.seek(0)
        while True:
            try:
                batch = pickle.load(self._file)  # noqa: S301 (our own file, written above)
            except EOFError:
                return
            yield from batch

    def close(self) -> None:
        self._held = []
        if self._file is not None:
            self._file.close()


def plan_chunk(items: Spooled, measures: Spooled) -> int:
    """How many planned rows the sort by recipient holds in memory at once (:data:`PLAN_HELD`, :data:`PLAN_CHUNK`)."""
    return max(PLAN_HELD, PLAN_CHUNK) if items.held_all and measures.held_all else PLAN_CHUNK


def cycles_paused(fn: F) -> F:
    """``fn`` with Python's cycle collector paused while it runs, then restored (as the import does).

    What a sweep makes — the candidate rows, the items, the planned rows and their details, the digests — is freed
    by reference counting; the collector's passes over the young objects of each chunk were ~15 % of a dry run's
    CPU at 20,000 cases (588 collections), with the same peak memory without them.
    """
    @wraps(fn)
    def paused(*args: Any, **kwargs: Any) -> Any:
        enabled = gc.isenabled()
        gc.disable()
        try:
            return fn(*args, **kwargs)
        finally:
            if enabled:
                gc.enable()

    return paused  # type: ignore[return-value]


def _facts(r: Any) -> tuple[Any, ...]:
    """A candidate row's :class:`CaseFacts`, as a plain tuple (what the spool keeps)."""
    return (r.case_id, r.stage_due, r.deadline, r.org_name, r.org_code, r.township, bool(r.supervised),
            r.last_progress_on, getattr(r, "county", ""))


_ITEM_FIELDS = len(Item._fields)


def spool_due(read: SweepReader, found: Iterable[Any], as_of: date, policy: PolicyConfig, *, brief: bool,
              horizon: date, roll: Callable[[date], date] | None = None) -> tuple[Spooled, Spooled, int]:
    """(the due case items with their case's facts, the open measures due within ``horizon``, candidates seen):
    each read streamed once to the end, what is due kept on disk in case order.

    The records are plain tuples — an item's fields then its case's facts (:func:`due_items`), a measure's
    fields (:func:`due_measures`) — which pickle at about half the cost of the named tuples they are read back as.
    """
    items, measures, seen = Spooled(), Spooled(), 0
    stream = iter(found)
    while chunk := list(islice(stream, CHUNK)):
        by_case = {r.case_id: r for r in chunk}
        seen += len(by_case)
        for it in sweep(as_of, by_case.values(), policy, brief=brief, roll=roll):
            items.add(it + _facts(by_case[it.case_id]))
    for r in read.secretary_tasks(stages=SECRETARY_TASK_STAGES, horizon=horizon):  # 第一书记延期或轮换, 第一书记空缺
        for it in secretary_sweep(as_of, (r,), policy):
            items.add(it + _facts(r))
    for m in read.open_measures(stages=OPEN_FOR_REMINDERS, horizon=horizon):
        measures.add((m.case_id, m.seq, m.text, m.owner, m.owner_email or "", m.due_on, m.stage,
                      m.org_name, m.org_code, m.township, getattr(m, "county", "")))
    return items, measures, seen


def due_items(records: Iterable[tuple[Any, ...]]) -> Iterator[tuple[Item, CaseFacts]]:
    """The case items spooled by :func:`spool_due`, as (item, its case's facts)."""
    new = tuple.__new__
    for rec in records:
        yield new(Item, rec[:_ITEM_FIELDS]), new(CaseFacts, rec[_ITEM_FIELDS:])


def due_measures(records: Iterable[tuple[Any, ...]]) -> Iterator[MeasureRow]:
    """The open measures spooled by :func:`spool_due`."""
    new = tuple.__new__
    for rec in records:
        yield new(MeasureRow, rec)


def _mailbox_text(name: str, email: str) -> str:
    """``钱明远 <qian@example.cn>``; the bare address when the name has a character an address list reserves."""
    name, email = name.strip(), email.strip()
    if not name or any(c in name for c in ',;:<>@"()[]\\') or "<" in email:
        return email
    return f"{name} <{email}>"


def whole_groups(records: Iterable[Any], key: Callable[[Any], Any], size: int | None = None) -> Iterator[list[Any]]:
    """Consecutive records in chunks of about ``size`` (default :data:`CHUNK`) that never split the records of one
    ``key`` (one case's items, one recipient's rows: a digest is recorded and rendered whole)."""
    size = size or CHUNK
    chunk: list[Any] = []
    for _, group in groupby(records, key=key):
        chunk.extend(group)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


PlanCases = Callable[[list[Item], dict[int, Any], dict[int, list[tuple[str, str, str]]], dict[int, str]],
                     list[Planned]]
PlanMeasures = Callable[[list[Item], dict[tuple[int, str], Any], dict[int, list[tuple[str, str, str]]],
                         dict[int, str]], list[Planned]]


def planned(read: SweepReader, items: Spooled, measures: Spooled, as_of: date, policy: PolicyConfig, *,
            contact_text: Callable[[Any], str], plan_cases: PlanCases, plan_measures: PlanMeasures,
            counts: dict[str, int]) -> Iterator[Planned]:
    """The outbox rows of every due item and measure, a chunk of cases at a time (their people and contacts read
    per chunk); ``counts["measure_items"]`` counts the measure items decided."""
    def people_of(case_ids: list[int]) -> dict[int, list[tuple[str, str, str]]]:
        people: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
        if case_ids:
            for case_id, role, name, email in read.recipients(case_ids):  # rows ``case_id role name email``
                people[case_id].append((role, name, email))
        return people

    reply_to: dict[int, str] = {}  # each case's officer in charge, by e-mail: the digests' Reply-To

    def contacts_of(case_ids: list[int]) -> dict[int, str]:
        rows = list(read.contacts(case_ids)) if case_ids else []
        reply_to.clear()
        reply_to.update({c.case_id: _mailbox_text(c.name or "", c.email or "")
                         for c in rows if (c.email or "").strip()})
        return {c.case_id: contact_text(c) for c in rows}

    new = tuple.__new__

    def replying(rows: list[Planned]) -> Iterator[Planned]:
        for row in rows:
            yield new(Planned, (*row[:-1], reply_to.get(row.case_id, "")))

    for chunk in whole_groups(due_items(items), lambda rec: rec[0].case_id):
        facts = {f.case_id: f for _, f in chunk}
        due = [it for it, _ in chunk]
        people = people_of(sorted({it.case_id for it in due if it.audience == CASE_PEOPLE}))
        yield from replying(plan_cases(due, facts, people, contacts_of(sorted(facts))))
    for chunk in whole_groups(due_measures(measures), lambda m: m.case_id):
        by_key = {(m.case_id, MEASURE_STAGE.format(seq=m.seq)): m for m in chunk}
        due = measure_sweep(as_of, by_key.values(), policy)
        counts["measure_items"] = counts.get("measure_items", 0) + len(due)
        ids = sorted({it.case_id for it in due})
        yield from replying(plan_measures(due, by_key, people_of(ids), contacts_of(ids)))
