"""The bulk import's statements: lookups, id allocation, the SQLite page cache, and batched writes.

Every table's rows go in as tuples through one compiled Core INSERT per table (see :class:`Insert`): on SQLite
with executemany, on PostgreSQL through COPY on the same connection and transaction; ids are allocated up
front so children can be written without RETURNING.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from operator import itemgetter
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from rectify.states.stages import CLOSED_STAGES
from rectify.store.tables import (
    case_t,
    event_t,
    extension_t,
    measure_problem_t,
    measure_t,
    org_t,
    person_t,
    problem_t,
    progress_t,
    secretary_t,
    verification_t,
)

BATCH = 5000
_CLOSED = frozenset(map(str, CLOSED_STAGES))
IMPORT_CACHE_KB = 64 * 1024  # SQLite page cache while an import writes (see bulk_pragmas)
MEMO_SIZE = 4096  # processed values kept per column: dates and timestamps repeat, unique texts need not stay

# The rows a plan carries, one record per table in its columns' order; the writer puts the ids in front.


class CaseRow(NamedTuple):
    year: int
    stage: str
    identified_on: date
    deadline: date
    stage_since: date
    stage_due: date | None
    cycle_start: date
    cycle: int
    version: int
    detail: str
    helping_unit: str
    self_check: str
    rectified_on: date | None
    verified_on: date | None
    score: int | None
    withdrawn_reason: str
    supervised: bool
    supervision_reason: str
    supervision_level: str
    measures_total: int
    measures_done: int
    last_progress_on: date | None
    created_at: datetime
    updated_at: datetime
    escalation_step: str
    look_backs: str
    earlier_years: str
    next_look_back_on: date | None
    village_secretary_status: str
    applied_by: str
    verified_by: str
    grade: str
    satisfaction: float | None
    publicity_until: date | None
    struck_off_on: date | None
    strike_off_doc: str


class MeasureRow(NamedTuple):
    seq: int
    text: str
    owner: str
    due_on: date
    done_on: date | None
    owner_unit: str


class PersonRow(NamedTuple):
    role: str
    name: str
    unit: str
    email: str
    phone: str


class SecretaryRow(NamedTuple):
    name: str
    kind: str
    unit: str
    since: date
    until: date | None
    email: str
    phone: str
    end_reason: str
    term_until: date | None
    action: str


class ProgressRow(NamedTuple):  # the writer adds the actor
    reported_on: date
    note: str


class ExtensionRow(NamedTuple):  # the writer adds ``at``
    old_deadline: date
    new_deadline: date
    reason: str
    approved_by: str


class VerificationRow(NamedTuple):
    verified_on: date
    verifier: str
    score: int
    satisfied: int
    basic: int
    dissatisfied: int
    passed: bool
    reasons: str
    members: str
    score_sheet: str
    grade: str
    signed_by: str


CASE_KEYS = CaseRow._fields
MEASURE_KEYS = MeasureRow._fields
PERSON_KEYS = PersonRow._fields
SECRETARY_KEYS = SecretaryRow._fields
PROGRESS_KEYS = ProgressRow._fields
EXTENSION_KEYS = ExtensionRow._fields
VERIFICATION_KEYS = VerificationRow._fields


@dataclass(slots=True)
class CasePlan:
    """The records one imported case writes (the named rows above)."""

    row: int
    org_code: str
    stage: str
    identified_on: date
    case: CaseRow
    problems: tuple[tuple[str, str], ...]
    measures: list[MeasureRow]
    people: list[PersonRow]
    secretary: SecretaryRow | None
    progress: ProgressRow | None
    verification: VerificationRow | None
    detail: str  # the import event's detail, as JSON
    village: SecretaryRow | None = None  # the village secretary in post, beside the first
    case_id: int | None = None  # the sheet's 编号 (a re-imported ledger keeps its numbers); else allocated
    # What the sheet's 备注 counts (延期N次, 验收未通过N次)
    earlier: tuple[list[ExtensionRow], list[VerificationRow]] = ([], [])
    note: str = "导入"  # the import event's 原因 (a late stage's: who verified, who approved the 销号)
    # The problems (codes) each measure answers when the sheet says so (issue 27), in the measures' order;
    # None: every measure answers every problem of the case.
    links: list[tuple[str, ...]] | None = None


# -- reads -----------------------------------------------------------------------------------------


def stored_orgs(conn: sa.Connection) -> Iterator[Any]:
    """Every organization as (id, code, name, kind, county, township)."""
    return iter(conn.execute(sa.select(org_t.c.id, org_t.c.code, org_t.c.name, org_t.c.kind, org_t.c.county,
                                       org_t.c.township)))


# -- what an import has seen, kept in the database ------------------------------------------------
# The organizations and case keys a running import has taken, in two temporary tables of its connection (gone
# with the transaction on PostgreSQL, dropped at the end on SQLite), so its memory does not grow with the file.
# The stored ones are asked for per batch from the tables themselves.

_SEEN_MD = sa.MetaData()
seen_org_t = sa.Table(
    "import_seen_org", _SEEN_MD,
    sa.Column("code", sa.String, primary_key=True), sa.Column("name", sa.String), sa.Column("kind", sa.String),
    sa.Column("county", sa.String), sa.Column("township", sa.String), sa.Column("seq", sa.Integer),
    sa.Index("ix_import_seen_org_names", "county", "township", "name"),
    prefixes=["TEMPORARY"], postgresql_on_commit="DROP")
seen_case_t = sa.Table(
    "import_seen_case", _SEEN_MD,
    sa.Column("org_code", sa.String), sa.Column("identified_on", sa.Date), sa.Column("row", sa.Integer),
    sa.Column("open", sa.Boolean),
    sa.Index("ix_import_seen_case_org", "org_code"),
    prefixes=["TEMPORARY"], postgresql_on_commit="DROP")
seen_number_t = sa.Table(  # a re-imported ledger's 编号 taken so far, each with its sheet row
    "import_seen_number", _SEEN_MD,
    sa.Column("n", sa.BigInteger, primary_key=True, autoincrement=False), sa.Column("row", sa.Integer),
    prefixes=["TEMPORARY"], postgresql_on_commit="DROP")
_IN_CHUNK = 5000  # values per IN list (three lists of them stay under SQLite's 32,766 parameters)


def _chunks(values: Collection[Any]) -> Iterator[list[Any]]:
    items = list(values)
    for start in range(0, len(items), _IN_CHUNK):
        yield items[start:start + _IN_CHUNK]


def _among(conn: sa.Connection, column: sa.ColumnElement[Any], values: Collection[Any]) -> sa.ColumnElement[bool]:
    """``column IN values``; on PostgreSQL ``column = ANY(array)``, one parameter instead of thousands for
    SQLAlchemy and psycopg to lay out (a third of the per-batch lookups' CPU at 5,000 values)."""
    if conn.dialect.name == "postgresql":
        return column == sa.any_(sa.bindparam(None, list(values), type_=postgresql.ARRAY(column.type)))
    return column.in_(values)


@contextmanager
def seen_tables(conn: sa.Connection) -> Iterator[None]:
    """The import's two temporary tables, for the transaction in hand."""
    if conn.dialect.name == "sqlite":
        for t in (seen_number_t, seen_case_t, seen_org_t):
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{t.name}")
    _SEEN_MD.create_all(conn)
    try:
        yield
    finally:
        if conn.dialect.name == "sqlite" and not conn.closed:
            _SEEN_MD.drop_all(conn)


def remember(conn: sa.Connection, orgs: Sequence[tuple[Any, ...]], cases: Sequence[tuple[Any, ...]],
             numbers: Sequence[tuple[int, int]] = ()) -> None:
    """Keep a batch's new organizations (code, name, kind, county, township, seq), the case keys it took
    (org_code, identified_on, row, open) and the 编号 it took (number, row)."""
    if orgs:
        Insert(conn, seen_org_t, ("code", "name", "kind", "county", "township", "seq")).run(conn, orgs)
    if cases:
        Insert(conn, seen_case_t, ("org_code", "identified_on", "row", "open")).run(conn, cases)
    if numbers:
        Insert(conn, seen_number_t, ("n", "row")).run(conn, numbers)


def numbers_taken(conn: sa.Connection, numbers: Collection[int]) -> dict[int, int]:
    """Which of ``numbers`` (编号) earlier batches of this import took, each with its sheet row."""
    return {n: row for chunk in _chunks(numbers) for n, row in conn.execute(
        sa.select(seen_number_t.c.n, seen_number_t.c.row).where(_among(conn, seen_number_t.c.n, chunk)))}


def orgs_named(conn: sa.Connection, triples: Collection[tuple[str, str, str]]) -> dict[tuple[str, str, str], str]:
    """(county, township, name) → code for the triples asked: a stored organization first (the oldest), else
    one this import added (the first)."""
    found: dict[tuple[str, str, str], str] = {}
    for table, order in ((org_t, org_t.c.id), (seen_org_t, seen_org_t.c.seq)):
        hits: list[Any] = []
        for chunk in _chunks(triples):
            q = (sa.select(order, table.c.county, table.c.township, table.c.name, table.c.code)
                 .where(_among(conn, table.c.county, {t[0] for t in chunk}),
                        _among(conn, table.c.township, {t[1] for t in chunk}),
                        _among(conn, table.c.name, {t[2] for t in chunk})))
            hits.extend(conn.execute(q))
        for _rank, county, township, name, code in sorted(hits, key=itemgetter(0)):
            if (county, township, name) in triples:
                found.setdefault((county, township, name), code)
    return found


def orgs_coded(conn: sa.Connection, codes: Collection[str]) -> Iterator[tuple[Any, ...]]:
    """(id, code, name, kind, county, township) of the codes asked: stored ones with their id, then the ones this
    import added and has not written (id None)."""
    stored: set[str] = set()
    for chunk in _chunks(codes):
        for row in conn.execute(sa.select(org_t.c.id, org_t.c.code, org_t.c.name, org_t.c.kind, org_t.c.county,
                                          org_t.c.township).where(_among(conn, org_t.c.code, chunk))):
            stored.add(row[1])
            yield tuple(row)
    for chunk in _chunks(set(codes) - stored):
        for row in conn.execute(sa.select(sa.null(), seen_org_t.c.code, seen_org_t.c.name, seen_org_t.c.kind,
                                          seen_org_t.c.county, seen_org_t.c.township)
                                .where(_among(conn, seen_org_t.c.code, chunk))):
            yield tuple(row)


def zero_led_codes(conn: sa.Connection) -> Iterator[str]:
    """Stored codes starting with 0 (the few a spreadsheet may have stripped), by the code index."""
    return iter(conn.execute(sa.select(org_t.c.code).where(org_t.c.code >= "0", org_t.c.code < "1")).scalars())


def case_keys(conn: sa.Connection, codes: Collection[str]) -> Iterator[tuple[str, date, int, bool]]:
    """(org_code, identified_on, where, stage) of every case the codes have: this import's first (where = its sheet
    row), then the stored ones (where = minus the case id)."""
    for chunk in _chunks(codes):
        q = sa.select(seen_case_t.c.org_code, seen_case_t.c.identified_on, seen_case_t.c.row, seen_case_t.c.open
                      ).where(_among(conn, seen_case_t.c.org_code, chunk))
        for code, day, row, is_open in conn.execute(q):
            yield code, day, row, bool(is_open)
    for chunk in _chunks(codes):
        q = (sa.select(org_t.c.code, case_t.c.identified_on, case_t.c.id, case_t.c.stage)
             .join(org_t, org_t.c.id == case_t.c.org_id).where(_among(conn, org_t.c.code, chunk)))
        for code, day, case_id, stage in conn.execute(q):
            yield code, day, -case_id, stage not in _CLOSED


def existing_orgs_taken(conn: sa.Connection) -> int:
    """How many organizations stored before the import its cases went to (the ones it added are not counted).
    NOT EXISTS, not NOT IN (SELECT …), which PostgreSQL hashes only within work_mem: past ~10⁶ added organizations it
    rescanned them for every case, for minutes (issue 29)."""
    added = sa.select(seen_org_t.c.code).where(seen_org_t.c.code == seen_case_t.c.org_code)
    q = sa.select(sa.func.count(sa.distinct(seen_case_t.c.org_code))).where(~added.exists())
    return int(conn.execute(q).scalar_one())


def lock_for_import(conn: sa.Connection) -> None:
    """On PostgreSQL, one import at a time, and no case opened under it between the check and the write."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("LOCK TABLE organization, rectification_case IN SHARE ROW EXCLUSIVE MODE"))


@contextmanager
def bulk_pragmas(conn: sa.Connection) -> Iterator[None]:
    """On SQLite, a page cache big enough for the import's writes, on this connection only, then the old one.

    With the default 2 MB cache, inserting 100,000 cases into the tables' indexes evicts and rewrites the same
    pages over and over. Durability is untouched: WAL, synchronous=NORMAL and foreign keys stay as they are.
    """
    if conn.dialect.name != "sqlite":
        yield
        return
    raw = conn.connection.dbapi_connection
    assert raw is not None
    old = raw.execute("PRAGMA cache_size").fetchone()[0]
    raw.execute(f"PRAGMA cache_size = {-IMPORT_CACHE_KB}")
    try:
        yield
    finally:
        if conn.connection.dbapi_connection is raw:
            raw.execute(f"PRAGMA cache_size = {int(old)}")


# -- writes ----------------------------------------------------------------------------------------


def insert_orgs(conn: sa.Connection, rows: Sequence[dict[str, Any]]) -> None:
    insert_many(conn, org_t, rows)


def insert_many(conn: sa.Connection, table: sa.Table, rows: Sequence[dict[str, Any]]) -> None:
    """executemany of one compiled Core INSERT for rows that all have the keys of the first (see ``Insert``)."""
    if not rows:
        return
    keys = tuple(rows[0])
    get = itemgetter(*keys)
    Insert(conn, table, keys).run(conn, [get(r) for r in rows] if len(keys) > 1 else [(get(r),) for r in rows])


def allocate_ids(conn: sa.Connection, table: sa.Table, n: int, floor: int = 0) -> list[int]:
    """Ids for ``n`` new rows, so children can be written with plain executemany (no RETURNING); all above
    ``floor`` (the highest id this batch writes itself)."""
    if n == 0:
        return []
    if conn.dialect.name == "postgresql":
        seq = conn.execute(sa.text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table.name}).scalar_one()
        if floor:
            raise_sequence(conn, table, floor)
        return list(conn.execute(sa.text("SELECT nextval(:s) FROM generate_series(1, :n)"),
                                 {"s": seq, "n": n}).scalars())
    # SQLite: take the write lock first, so nobody else can take these ids before they are inserted.
    conn.execute(sa.delete(table).where(sa.false()))
    start = max(conn.execute(sa.select(sa.func.coalesce(sa.func.max(table.c.id), 0))).scalar_one(), floor) + 1
    return list(range(start, start + n))


def raise_sequence(conn: sa.Connection, table: sa.Table, floor: int) -> None:
    """PostgreSQL: the table's id sequence past ``floor`` (ids written as given, not drawn from it)."""
    if conn.dialect.name != "postgresql":
        return
    seq = conn.execute(sa.text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table.name}).scalar_one()
    conn.execute(sa.text("SELECT setval(:s, GREATEST(:f, COALESCE(pg_sequence_last_value(:s), 1)))"),
                 {"s": seq, "f": floor})


def case_ids_taken(conn: sa.Connection, ids: Collection[int]) -> set[int]:
    """Which of ``ids`` are stored cases' numbers (none when all lie above the highest: one look)."""
    taken: set[int] = set()
    highest = conn.execute(sa.select(sa.func.max(case_t.c.id))).scalar_one()
    if highest is None or highest < min(ids):
        return taken
    for chunk in _chunks(ids):
        taken.update(conn.execute(sa.select(case_t.c.id).where(case_t.c.id.in_(chunk))).scalars())
    return taken


class CaseWriter:
    """Writes checked cases, batch by batch, with one executemany per table; ids are allocated up front.

    Each table's rows go in in row order, so every id is what one write of all the rows at the end would give.
    """

    TABLES = ("organization", "rectification_case", "case_problem", "measure", "case_person",
              "secretary_assignment", "progress_report", "verification", "deadline_extension", "case_event",
              "measure_problem")

    def __init__(self, conn: sa.Connection, org_id: dict[str, int], actor: str, now: datetime,
                 actor_unit: str = "", operator: str = "") -> None:
        self.conn, self.org_id, self.actor, self.now = conn, org_id, actor, now
        self.actor_unit, self.operator = actor_unit, operator
        self.inserts = {
            "rectification_case": Insert(conn, case_t, ("id", "org_id", *CASE_KEYS)),
            "case_problem": Insert(conn, problem_t, ("case_id", "code", "text")),
            "measure": Insert(conn, measure_t, ("case_id", *MEASURE_KEYS)),
            "case_person": Insert(conn, person_t, ("case_id", *PERSON_KEYS)),
            "secretary_assignment": Insert(conn, secretary_t, ("case_id", *SECRETARY_KEYS)),
            "progress_report": Insert(conn, progress_t, ("case_id", *PROGRESS_KEYS, "actor")),
            "verification": Insert(conn, verification_t, ("case_id", *VERIFICATION_KEYS)),
            "deadline_extension": Insert(conn, extension_t, ("case_id", *EXTENSION_KEYS, "at")),
            "case_event": Insert(conn, event_t, ("case_id", "at", "happened_on", "actor", "actor_unit", "operator",
                                                 "action", "from_stage", "to_stage", "reason", "detail")),
        }

    def write(self, plans: list[CasePlan], new_orgs: list[dict[str, Any]],
              tick: Callable[[int], None] = lambda n: None) -> None:
        """Write the organizations planned so far (then forget them) and the cases of ``plans``."""
        conn = self.conn
        if new_orgs:
            for o, i in zip(new_orgs, allocate_ids(conn, org_t, len(new_orgs)), strict=True):
                o["id"] = i
                self.org_id[o["code"]] = i
            insert_many(conn, org_t, new_orgs)
            new_orgs.clear()
        tick(1)
        if not plans:
            tick(len(self.TABLES) - 1)
            return
        if plans[0].case_id is not None:  # a ledger's own numbers: written in their order (the table's)
            plans = sorted(plans, key=lambda p: (p.case_id is None, p.case_id or 0))
        case_ids = _case_ids(conn, plans)
        rows = self._rows(plans, case_ids)
        for name, insert in self.inserts.items():
            insert.run(conn, rows[name])
            tick(1)
        # Each imported measure answers its case's problems, unless the sheet tied it to its own (_tie_measures).
        # Both sides bounded to the batch (else PostgreSQL hashes a scan of every problem so far: issue 29).
        low, high = min(case_ids), max(case_ids)
        for chunk in [None] if high - low + 1 == len(case_ids) else _chunks(case_ids):
            of_batch = [c.between(low, high) if chunk is None else c.in_(chunk)
                        for c in (measure_t.c.case_id, problem_t.c.case_id)]
            conn.execute(sa.insert(measure_problem_t).from_select(
                ["measure_id", "problem_id"],
                sa.select(measure_t.c.id, problem_t.c.id).join(problem_t, problem_t.c.case_id == measure_t.c.case_id)
                .where(*of_batch).order_by(measure_t.c.id, problem_t.c.id)))
        _tie_measures(conn, plans, case_ids)
        tick(1)

    def _rows(self, plans: list[CasePlan], case_ids: list[int]) -> dict[str, list[tuple[Any, ...]]]:
        org_id = self.org_id
        rows: dict[str, list[tuple[Any, ...]]] = {name: [] for name in self.inserts}
        rows["rectification_case"] = [(cid, org_id[p.org_code], *p.case) for p, cid in zip(plans, case_ids,
                                                                                               strict=True)]
        problem, measure, person = rows["case_problem"], rows["measure"], rows["case_person"]
        secretary, progress, verification = (rows["secretary_assignment"], rows["progress_report"],
                                             rows["verification"])
        actor, now = self.actor, self.now
        for p, cid in zip(plans, case_ids, strict=True):
            problem.extend((cid, c, t) for c, t in p.problems)
            measure.extend((cid, *m) for m in p.measures)
            person.extend((cid, *x) for x in p.people)
            if p.secretary is not None:
                secretary.append((cid, *p.secretary))
            if p.village is not None:
                secretary.append((cid, *p.village))
            if p.progress is not None:
                progress.append((cid, *p.progress, actor))
            if p.earlier[1]:
                verification.extend((cid, *v) for v in p.earlier[1])
            if p.verification is not None:
                verification.append((cid, *p.verification))
            if p.earlier[0]:
                rows["deadline_extension"].extend((cid, *x, now) for x in p.earlier[0])
        unit, operator = self.actor_unit, self.operator
        # The import event is dated by the case's listing.
        rows["case_event"] = [(cid, now, p.case.identified_on, actor, unit, operator, "import", None, p.stage, p.note,
                               p.detail) for p, cid in zip(plans, case_ids, strict=True)]
        return rows


def _tie_measures(conn: sa.Connection, plans: list[CasePlan], case_ids: list[int]) -> None:
    """Each measure the sheet tied to its own problems (``CasePlan.links``) answers those only."""
    ties = [{"cid": cid, "seq": m[0], "code": code} for p, cid in zip(plans, case_ids, strict=True) if p.links
            for m, codes in zip(p.measures, p.links, strict=True) for code in codes]
    if not ties:
        return
    measure = (measure_t.c.case_id == sa.bindparam("cid")) & (measure_t.c.seq == sa.bindparam("seq"))
    conn.execute(sa.delete(measure_problem_t).where(measure_problem_t.c.measure_id.in_(
        sa.select(measure_t.c.id).where(measure))), [{"cid": t["cid"], "seq": t["seq"]} for t in ties])
    conn.execute(sa.insert(measure_problem_t).from_select(
        ["measure_id", "problem_id"],
        sa.select(measure_t.c.id, problem_t.c.id).join(problem_t, problem_t.c.case_id == measure_t.c.case_id)
        .where(measure, problem_t.c.code == sa.bindparam("code"))), ties)


def _case_ids(conn: sa.Connection, plans: list[CasePlan]) -> list[int]:
    """Each plan's case id: its sheet's 编号, else allocated above every id given."""
    given = [p.case_id for p in plans if p.case_id is not None]
    if not given:
        return allocate_ids(conn, case_t, len(plans))
    fresh = iter(allocate_ids(conn, case_t, len(plans) - len(given), floor=max(given)))
    ids = [p.case_id if p.case_id is not None else next(fresh) for p in plans]
    raise_sequence(conn, case_t, max(ids))
    return ids


class Insert:
    """One compiled Core INSERT for tuples in ``keys`` order, run with executemany.

    Each value goes through its column type's own bind processor, so the stored values are exactly what
    ``sa.insert(table)`` would have written, without SQLAlchemy's per-row parameter construction. The rows
    are turned into columns and back (``zip``), and a processed column is mapped through a memo of its
    processor: dates and timestamps repeat, so most values cost one dict lookup.
    """

    def __init__(self, conn: sa.Connection, table: sa.Table, keys: tuple[str, ...]) -> None:
        compiled = sa.insert(table).compile(dialect=conn.dialect, column_keys=list(keys))
        processors: dict[str, Any] = compiled._bind_processors  # type: ignore[assignment]
        self.positional = bool(compiled.positional)
        order = (list(compiled.positiontup) if compiled.positional and compiled.positiontup
                 else [*keys, *(k for k in compiled.binds if k not in keys)])
        # Columns the caller does not give but SQLAlchemy binds anyway (a scalar Python-side default,
        # e.g. a column added by a later migration): their default is appended to every row.
        missing = tuple(k for k in order if k not in keys)
        self.extra = tuple(table.c[k].default.arg for k in missing)  # type: ignore[union-attr]
        keys = (*keys, *missing)
        self.order = order
        self.width = len(order)
        self.reorder = None if order == list(keys) else itemgetter(*(keys.index(k) for k in order))
        self.todo = [(i, Processed(f)) for i, k in enumerate(order) if (f := processors.get(k)) is not None]
        self.sql = str(compiled)
        quote = conn.dialect.identifier_preparer.quote
        self.copy_sql = (f"COPY {quote(table.name)} ({', '.join(quote(table.c[k].name) for k in order)}) "
                         "FROM STDIN") if conn.dialect.name == "postgresql" else None

    def run(self, conn: sa.Connection, rows: Sequence[tuple[Any, ...]]) -> None:
        for start in range(0, len(rows), BATCH):
            chunk = rows[start:start + BATCH]
            if not chunk:
                continue
            if self.extra:
                extra = self.extra
                chunk = [(*row, *extra) for row in chunk]
            if self.reorder is not None:
                chunk = list(map(self.reorder, chunk))
            params: list[Any]
            if self.todo:
                columns: list[Sequence[Any]] = list(zip(*chunk, strict=True))
                for i, memo in self.todo:
                    columns[i] = memo.column(columns[i])
                params = list(zip(*columns, strict=True))
            else:
                params = list(chunk)
            if self.copy_sql is not None:
                self._copy(conn, params)
                continue
            if not self.positional:
                order = self.order
                params = [dict(zip(order, values, strict=True)) for values in params]
            conn.exec_driver_sql(self.sql, params)

    def _copy(self, conn: sa.Connection, rows: list[Any]) -> None:
        """PostgreSQL: the rows through COPY on the connection's own DBAPI connection (its open transaction),
        each value adapted by psycopg as a parameter of the INSERT would be."""
        raw: Any = conn.connection.dbapi_connection
        with raw.cursor() as cur, cur.copy(self.copy_sql) as copy:
            write = copy.write_row
            for row in rows:
                write(row)


class Processed(dict[Any, Any]):
    """A bind processor's answers by value (they depend on the value alone); None stays None."""

    def __init__(self, process: Callable[[Any], Any]) -> None:
        super().__init__({None: None})
        self.process = process

    def __missing__(self, value: Any) -> Any:
        out = self.process(value)
        if len(self) < MEMO_SIZE:
            self[value] = out
        return out

    def column(self, values: Sequence[Any]) -> Sequence[Any]:
        try:
            return list(map(self.__getitem__, values))
        except TypeError:  # a value that cannot be a key: process each one
            process = self.process
            return [None if v is None else process(v) for v in values]
