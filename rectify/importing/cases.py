"""``import_cases``: one case per row, checked row by row, written in batches in one transaction."""

from __future__ import annotations

import gc
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from rectify.clock import Clock, local_today, system_clock
from rectify.config import Config
from rectify.importing.cells import Parsers
from rectify.importing.county import SheetDefaults, sheet_report, with_defaults
from rectify.importing.orgs import Orgs, check_scope, importer, org_from_row
from rectify.importing.planning import case_from_row
from rectify.importing.readings import Readings
from rectify.importing.rows import (
    ImportRejected,
    ImportResult,
    Progress,
    Row,
    RowProblem,
    bind_headers,
    no_progress,
    row_values,
)
from rectify.importing.sheets import CASE_FIELDS, SheetStream, alias_map, open_sheet
from rectify.states.import_rules import RowCheck
from rectify.states.permissions import CASE_IMPORT_ACTION, Actor
from rectify.states.stages import CLOSED_STAGES
from rectify.store import Database, translate_errors
from rectify.store.bulk import (
    BATCH,
    CasePlan,
    CaseWriter,
    bulk_pragmas,
    case_ids_taken,
    case_keys,
    existing_orgs_taken,
    lock_for_import,
    numbers_taken,
    remember,
    seen_tables,
    zero_led_codes,
)

_CLOSED = frozenset(map(str, CLOSED_STAGES))


def import_cases(db: Database, path: str | Path, *, config: Config | None = None, actor: Actor | str = "system",
                 clock: Clock = system_clock, dry_run: bool = False,
                 progress: Progress = no_progress, defaults: SheetDefaults | None = None) -> ImportResult:
    """Import one case per row (the ledger's layout or a county's own sheet); all rows or none.

    The sheet is read and checked row by row. While every row so far is good, the checked cases are
    written in batches inside the one transaction; after the first bad row nothing more is written, the
    remaining rows are still checked (every problem is reported), and the transaction is rolled back.

    ``defaults`` fills what a county's sheet leaves out (``--county``, ``--kind-from-name``, ``--identified``).
    A dry run's result carries ``report``: how every column and every cell not taken as written was read.
    """
    config = config or Config()
    person = importer(actor, CASE_IMPORT_ACTION, "导入整顿对象")
    problems: list[RowProblem] = []
    sheet = open_sheet(path, alias_map(CASE_FIELDS))
    defaults = defaults or SheetDefaults()
    index, names, ignored = _case_headers(sheet, problems, defaults, dry_run)
    now = clock()
    result = ImportResult(ignored_columns=ignored, dry_run=dry_run)
    tick = progress("检查", sheet.estimate)
    parsers = Parsers(config.policy.local_problem_types)
    parsers.readings.keep = dry_run
    values_of = _values_of(index, defaults, parsers, names)
    with (translate_errors(db.url), _cycles_uncollected() as collect, db.engine.connect() as conn, bulk_pragmas(conn),
          conn.begin(), seen_tables(conn)):
        lock_for_import(conn)
        checker = _Checker(conn, config, person, problems, index, names, now=now,
                           today=local_today(clock, config.policy.timezone), source=Path(path).name, parsers=parsers,
                           result=result, numbered=_Numbers(conn) if "case_id" in index else None)
        writer = None if dry_run else CaseWriter(conn, {}, person.name, now, person.unit, person.operator)
        rows = 0
        for chunk in _batches(sheet.rows):
            values = [values_of(number, cells) for number, cells in chunk]
            plans, orgs = checker.batch(chunk, values, tick)
            rows += len(chunk)
            if writer is not None and not problems:
                writer.org_id = {c: oid for c, (oid, *_rest) in orgs.by_code.items() if oid is not None}
                writer.write(plans, orgs.new)
            orgs.new.clear()
            del values, plans, orgs
            collect()  # the batch's cycles (the statements' own), while they are few
        if dry_run:
            result.report = sheet_report(sheet, index, defaults, parsers.readings)
        if problems:
            raise ImportRejected(problems, rows, result.report)
        if writer is not None:
            writer.write([], [], progress("写入", len(CaseWriter.TABLES)))
        result.orgs_existing = existing_orgs_taken(conn)
    result.rows = rows
    return result


def _values_of(index: dict[str, int], defaults: SheetDefaults, parsers: Parsers,
               names: dict[str, str]) -> Callable[[int, list[Any]], dict[str, Any]]:
    """A row's values by field, with what ``defaults`` fills in when a county's sheet leaves it out."""
    plain_values = row_values(index)
    if defaults:
        return with_defaults(plain_values, defaults, parsers, names["kind"])
    return lambda number, cells: plain_values(cells)


class _Checker:
    """Checks the sheet batch by batch: what a batch's rows name is asked of the database, then each row is read
    into its case plan; after the first bad row no plan is kept (nothing more is written)."""

    def __init__(self, conn: sa.Connection, config: Config, person: Actor, problems: list[RowProblem],
                 index: dict[str, int], names: dict[str, str], *, now: datetime, today: date, source: str,
                 parsers: Parsers, result: ImportResult, numbered: _Numbers | None) -> None:
        self.conn, self.config, self.person, self.problems = conn, config, person, problems
        self.index, self.names, self.now, self.today, self.source = index, names, now, today, source
        self.parsers, self.result, self.numbered = parsers, result, numbered
        self.check = RowCheck(config.verification)
        self.zero_led: dict[str, str] = {}
        for stored in zero_led_codes(conn):
            if stored.isdigit():
                self.zero_led.setdefault(stored.lstrip("0"), stored)

    def batch(self, chunk: list[tuple[int, list[Any]]], values: list[dict[str, Any]],
              tick: Callable[[int], None]) -> tuple[list[CasePlan], Orgs]:
        """The batch's good plans (none once a row was bad), and its organizations (the new ones to write)."""
        conn, problems, result = self.conn, self.problems, self.result
        orgs = Orgs.for_batch(conn, values, self.zero_led)
        seen = _Seen.for_batch(conn, orgs.by_code)
        if self.numbered is not None:
            self.numbered.for_batch(conn, values)
        plans: list[CasePlan] = []
        for (number, cells), vals in zip(chunk, values, strict=True):
            plan = self.plan(Row(number, cells, self.index, self.names, problems, vals), orgs, seen)
            if plan is not None:
                result.cases += 1
                if not problems:
                    plans.append(plan)
            if problems:
                plans.clear()  # nothing more is written: the transaction will be rolled back
            tick(1)
        result.orgs_created += len(orgs.new)
        remember(conn, [(o["code"], o["name"], o["kind"], o["county"], o["township"], result.orgs_created + i)
                        for i, o in enumerate(orgs.new)], seen.taken,
                 self.numbered.taken if self.numbered is not None else ())
        return plans, orgs

    def plan(self, r: Row, orgs: Orgs, seen: _Seen) -> CasePlan | None:
        """The row's case when the row is good and repeats no case; else None (the problems are on ``r``)."""
        code, _created = org_from_row(r, orgs, self.now, "org_code", "org_name", self.person)
        if code is not None:
            check_scope(r, self.person, orgs, code)
        plan = case_from_row(r, code, self.config, self.today, self.now, self.source, self.parsers, self.check)
        if (plan is not None and not r.bad and (self.numbered is None or self.numbered.admit(r, plan))
                and seen.admit(r, plan)):
            return plan
        return None


def _batches(rows: Iterator[tuple[int, list[Any]]]) -> Iterator[list[tuple[int, list[Any]]]]:
    """The sheet's rows, BATCH at a time."""
    chunk: list[tuple[int, list[Any]]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= BATCH:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _case_headers(sheet: SheetStream, problems: list[RowProblem], defaults: SheetDefaults,
                  dry_run: bool) -> tuple[dict[str, int], dict[str, str], list[str]]:
    """Where each field sits; a sheet without the columns every case needs is refused before any row."""
    index, names, ignored = bind_headers(sheet, CASE_FIELDS, problems)
    if "org_code" not in index and "org_name" not in index:
        problems.append(RowProblem(sheet.header_row, "党组织名称", "缺少这一列（或 组织代码）"))
    if "problems" not in index:
        problems.append(RowProblem(sheet.header_row, names["problems"], "缺少这一列"))
    if "identified_on" not in index and defaults.identified is None:
        problems.append(RowProblem(sheet.header_row, names["identified_on"], "缺少这一列"))
    if problems:
        rows = sum(1 for _ in sheet.rows)
        raise ImportRejected(problems, rows, sheet_report(sheet, index, defaults, Readings()) if dry_run else None)
    return index, names, ignored


class _Seen:
    """The cases a batch's organizations have, stored or taken earlier in this import: one case per organization
    and day, one open case per organization. Each key maps to an int (a sheet row, or minus a stored case's id),
    worded only when a row repeats it; ``taken`` is what this batch adds, kept in the database after it."""

    def __init__(self, open_by_org: dict[str, int], existing: dict[tuple[str, date], int]) -> None:
        self.open_by_org, self.existing = open_by_org, existing
        self.taken: list[tuple[str, date, int, bool]] = []

    @classmethod
    def for_batch(cls, conn: sa.Connection, codes: Collection[str]) -> _Seen:
        open_by_org: dict[str, int] = {}
        existing: dict[tuple[str, date], int] = {}
        for code, day, where, is_open in case_keys(conn, codes):  # this import's rows first
            existing.setdefault((code, day), where)
            if is_open:
                open_by_org.setdefault(code, where)
        return cls(open_by_org, existing)

    def admit(self, r: Row, plan: CasePlan) -> bool:
        """Take the row's case, or say on the row which stored or earlier case it repeats."""
        case_key = (plan.org_code, plan.identified_on)
        name_key = "org_code" if r.text("org_code") else "org_name"
        if case_key in self.existing:
            where = self.existing[case_key]
            r.fail(name_key, f"该组织 {plan.identified_on} 确定的整顿对象已存在（"
                             f"{f'整顿对象 {-where}' if where < 0 else f'第 {where} 行'}）")
            return False
        is_open = plan.stage not in _CLOSED
        if is_open and plan.org_code in self.open_by_org:
            where = self.open_by_org[plan.org_code]
            open_case = f"已有在办整顿对象 {-where}" if where < 0 else f"在第 {where} 行已有在办整顿对象"
            r.fail(name_key, f"组织 {plan.org_code} {open_case}，一个组织同时只能有一个在办整顿对象")
            return False
        self.existing[case_key] = r.number
        if is_open:
            self.open_by_org[plan.org_code] = r.number
        self.taken.append((plan.org_code, plan.identified_on, r.number, is_open))
        return True


class _Numbers:
    """The sheet's 编号 (a re-imported ledger's case numbers): each kept, so none may be a stored case's or repeat.

    Only the batch in hand is held in memory: the numbers earlier batches took are kept in the database
    (``remember``) and asked for by the batch's own numbers, so memory does not grow with the sheet."""

    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn
        self.rows: dict[int, int] = {}  # number → the sheet row that took it: this batch's, and earlier ones asked
        self.asked: set[int] = set()  # the numbers whose earlier row (if any) is in ``rows``
        self.taken: list[tuple[int, int]] = []  # what this batch adds, kept in the database after it
        self.stored: set[int] = set()

    def for_batch(self, conn: sa.Connection, values: list[dict[str, Any]]) -> None:
        given = {int(v) for v in (str(vals.get("case_id", "")).strip() for vals in values) if v.isdigit() and
                 len(v) <= 10}
        self.stored = case_ids_taken(conn, given) if given else set()
        self.rows = numbers_taken(conn, given) if given else {}
        self.asked, self.taken = given, []

    def admit(self, r: Row, plan: CasePlan) -> bool:
        n = plan.case_id
        if n is None:
            return True
        if n in self.stored:
            r.fail("case_id", f"编号 {n} 已是已登记的整顿对象 {n}（若本列只是行号，请把列名改为 序号）")
            return False
        if n not in self.asked:  # a number written otherwise than its digits (an XLSX number): asked alone
            self.asked.add(n)
            self.rows.update(numbers_taken(self.conn, (n,)))
        if n in self.rows:
            r.fail("case_id", f"编号 {n} 与第 {self.rows[n]} 行重复")
            return False
        self.rows[n] = r.number
        self.taken.append((n, r.number))
        return True


@contextmanager
def _cycles_uncollected() -> Iterator[Callable[[], int]]:
    """Pause Python's automatic cycle collection while the rows are checked and written, then restore it; gives
    the collection of the youngest generation, to run at the end of each batch.

    What the import makes itself is freed by reference counting (no cycles); the collector's automatic passes
    over the batch in hand and the growing lookup tables were a third of the import's time at 20,000 rows. But
    each statement sent leaves a few cycles behind (SQLAlchemy's own), holding its parameters (a batch's codes and
    numbers): left until the end they grew the import's memory with the sheet (~160 bytes a row). Collected at
    each batch's end, only what that batch made is looked at.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield lambda: gc.collect(0)
    finally:
        if enabled:
            gc.enable()
