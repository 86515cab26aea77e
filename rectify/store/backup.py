"""A full backup that loses nothing: every table, every row, ids kept, streamed as JSON Lines.

The file is a header line (format, version, schema revision) and then one ``{"table": …, "row": …}``
line per row, tables in foreign-key order, so a restore can insert in the order it reads, and last an
``{"end": true, "counts": {table: rows}}`` line: a restore refuses a file without it, or whose counts
differ from the rows it read, so a truncated copy is never taken for a whole one. Values are encoded from
the column types and decoded with them again, so dates, instants and booleans come back as they were.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from functools import cache
from typing import IO, Any

import sqlalchemy as sa
from sqlmodel import SQLModel

from rectify import validation
from rectify.errors import BadInput, Refused
from rectify.store import SCHEMA_HEAD, Database, describe, translate_errors
from rectify.store.tables import installation_t

FORMAT = "rectify-backup"
FORMAT_VERSION = 1
BATCH = 2000


def _known_tables() -> list[sa.Table]:
    import rectify.store.models  # noqa: F401
    import rectify.store.outbox_models  # noqa: F401

    return list(SQLModel.metadata.sorted_tables)


def tables_in(db: Database) -> list[sa.Table]:
    """The tables of this database in foreign-key order: the models' ones, then any others reflected."""
    with db.connect() as conn:
        present = set(sa.inspect(conn).get_table_names())
        known = [t for t in _known_tables() if t.name in present]
        names = {t.name for t in known}
        extra = sorted(present - names - {"alembic_version"})
        if extra:
            meta = sa.MetaData()
            meta.reflect(conn, only=extra)
            known += [t for t in meta.sorted_tables if t.name in extra]
    return known


def _python_type(col: sa.Column[Any]) -> type | None:
    kind = col.type
    while isinstance(kind, sa.types.TypeDecorator):
        kind = kind.impl_instance
    try:
        return kind.python_type
    except NotImplementedError:
        return None


def _encoder(col: sa.Column[Any]) -> Callable[[Any], Any]:
    def enc(v: Any) -> Any:
        if isinstance(v, datetime | date):
            return v.isoformat()
        if isinstance(v, bytes):
            return v.hex()
        return v

    return enc


def _decoder(col: sa.Column[Any]) -> Callable[[Any], Any]:
    kind = _python_type(col)
    if kind is datetime:
        return lambda v: None if v is None else datetime.fromisoformat(v)
    if kind is date:
        return lambda v: None if v is None else date.fromisoformat(v)
    if kind is bool:
        return lambda v: None if v is None else bool(v)
    if kind is bytes:
        return lambda v: None if v is None else bytes.fromhex(v)
    return lambda v: v


_MEASURE_KEY = re.compile(r"measure#[1-9][0-9]{0,3}")  # notifications.policy.MEASURE_STAGE: a measure's item


@cache
def _domain() -> dict[tuple[str, str], Callable[[Any], bool]]:
    """What a restored value must be beyond its column type: the procedure's codes, scores, counts."""
    from rectify.states.roles import CASE_ROLE_NAMES, ROLE_NAMES
    from rectify.states.stages import KINDS, SECRETARY_KINDS, STAGES

    stages = {str(s) for s in STAGES}

    def one_of(allowed: Iterable[str]) -> Callable[[Any], bool]:
        known = set(allowed)
        return lambda v: v in known

    def within(lo: int, hi: int) -> Callable[[Any], bool]:
        return lambda v: v is None or lo <= v <= hi

    return {
        ("organization", "kind"): one_of(KINDS), ("rectification_case", "stage"): one_of(stages),
        ("rectification_case", "score"): within(0, 100), ("verification", "score"): within(0, 100),
        ("rectification_case", "measures_total"): within(0, validation.MAX_MEASURES),
        ("secretary_assignment", "kind"): one_of(SECRETARY_KINDS),
        ("person", "role"): one_of([*ROLE_NAMES, *CASE_ROLE_NAMES]),
        ("outbox_item", "stage"): lambda v: v in stages or _MEASURE_KEY.fullmatch(str(v)) is not None,
    }


def _types(table: sa.Table) -> dict[str, type | None]:
    return {c.name: _python_type(c) for c in table.columns}


def check_row(table: sa.Table, row: dict[str, Any], types: dict[str, type | None], number: int) -> None:
    """One restored row: the column's type, the validation layer's rules, the procedure's codes and the
    row's own consistency (done ≤ total, a deadline after identification); refuses with the line number."""
    where = f"备份文件第 {number} 行（表 {table.name}）："
    try:
        for key, value in row.items():
            kind = types[key]
            if value is None or kind is None:
                continue
            if (kind is int and type(value) is not int) or (kind is str and type(value) is not str):
                raise BadInput(f"{key} 的类型不对：{str(value)[:20]!r}")
        validation.row(table, row)
    except BadInput as exc:
        raise BadInput(f"{where}{exc}，未恢复任何数据") from None
    for (name, key), ok in _domain().items():
        if name == table.name and key in row and not ok(row[key]):
            raise BadInput(f"{where}{key} 的值 {str(row[key])[:40]!r} 无效，未恢复任何数据")
    if table.name == "rectification_case":
        if (row.get("measures_done") or 0) > (row.get("measures_total") or 0):
            raise BadInput(f"{where}已完成措施数多于措施总数，未恢复任何数据")
        if row.get("identified_on") and row.get("deadline") and row["deadline"] <= row["identified_on"]:
            raise BadInput(f"{where}转化时限不晚于确定日期，未恢复任何数据")


def _scoped(t: sa.Table, counties: tuple[str, ...], township: str | None) -> sa.Select[Any]:
    """The rows of ``t`` that belong to the scope (a county-scoped admin's backup, SPEC §12): its organizations,
    their cases and everything hanging from them; a digest only when every item in it is in scope; settings,
    the installation id and the scheduler's state whole; the registry filtered by the caller."""
    from rectify.store.outbox_models import item_t
    from rectify.store.tables import case_t, measure_t, org_t

    place = [org_t.c.county.in_(counties)] + ([org_t.c.township == township] if township else [])
    org_ids = sa.select(org_t.c.id).where(*place)
    case_ids = sa.select(case_t.c.id).where(case_t.c.org_id.in_(org_ids))
    # A digest naming a case outside the scope; NOT EXISTS, not NOT IN (SELECT …), which PostgreSQL hashes only
    # within work_mem and past that rescans for every row (issue 29).
    fi = item_t.alias("foreign_item")

    def foreign(digest_id: sa.ColumnElement[Any]) -> sa.Exists:
        return sa.exists().where(fi.c.digest_id == digest_id, ~sa.exists().where(
            case_t.c.id == fi.c.case_id, case_t.c.org_id.in_(org_ids)))
    query = sa.select(t)
    if t.name == "organization":
        return query.where(t.c.id.in_(org_ids))
    if t.name == "rectification_case":
        return query.where(t.c.org_id.in_(org_ids))
    if t.name == "outbox_item":
        return query.where(t.c.case_id.in_(case_ids),
                           sa.or_(t.c.digest_id.is_(None), ~foreign(t.c.digest_id)))
    if "case_id" in t.c:
        return query.where(t.c.case_id.in_(case_ids))
    if t.name == "measure_problem":
        return query.where(t.c.measure_id.in_(sa.select(measure_t.c.id).where(measure_t.c.case_id.in_(case_ids))))
    if t.name == "person":  # the registered (filtered by the caller) and the names the scope's cases carry
        from rectify.store.tables import person_t, secretary_t

        named = sa.union(sa.select(person_t.c.name).where(person_t.c.case_id.in_(case_ids)),
                         sa.select(measure_t.c.owner).where(measure_t.c.case_id.in_(case_ids)),
                         sa.select(secretary_t.c.name).where(secretary_t.c.case_id.in_(case_ids)))
        return query.where(sa.or_(t.c.registered.is_(True), t.c.name.in_(named)))
    if t.name == "outbox_digest":
        mine = sa.select(item_t.c.digest_id).where(item_t.c.case_id.in_(case_ids))
        return query.where(t.c.id.in_(mine), ~foreign(t.c.id))
    return query


def export_all(db: Database, out: IO[str], *, counties: tuple[str, ...] = (), township: str | None = None,
               keep_person: Callable[[str], bool] | None = None) -> dict[str, int]:
    """Write every row of every table to ``out``; returns rows per table.

    ``counties`` (and ``township``) limit the backup to a scope; ``keep_person`` then says which registry rows
    (by their scope) go with it."""
    tables = tables_in(db)
    counts: dict[str, int] = {}
    out.write(json.dumps({"format": FORMAT, "version": FORMAT_VERSION, "schema": SCHEMA_HEAD,
                          "tables": [t.name for t in tables],
                          **({"scope": ",".join(counties) + (f"/{township}" if township else "")} if counties else {})},
                         ensure_ascii=False) + "\n")
    # One read transaction, so the backup is one consistent moment even while officers keep working.
    with db.connect() as conn, conn.begin():
        for t in tables:
            cols = list(t.columns)
            encs = [(c.name, _encoder(c)) for c in cols]
            order = [c for c in t.primary_key.columns] or cols
            n = 0
            query = _scoped(t, counties, township) if counties else sa.select(t)
            result = conn.execution_options(stream_results=True, yield_per=BATCH).execute(query.order_by(*order))
            for row in result:
                if counties and t.name == "person" and row.registered and keep_person is not None \
                        and not keep_person(row.scope):
                    continue
                record = {name: enc(v) for (name, enc), v in zip(encs, row, strict=True)}
                out.write(json.dumps({"table": t.name, "row": record}, ensure_ascii=False) + "\n")
                n += 1
            counts[t.name] = n
    out.write(json.dumps({"end": True, "counts": counts}, ensure_ascii=False) + "\n")
    return counts


def _lines(source: IO[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    for number, line in enumerate(source, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError:
            raise BadInput(f"备份文件第 {number} 行不是有效的 JSON，文件可能已损坏") from None
        if not isinstance(item, dict):
            raise BadInput(f"备份文件第 {number} 行格式不对，文件可能已损坏")
        yield number, item


def restore_all(db: Database, source: IO[str],
                before_commit: Callable[[dict[str, int]], None] | None = None) -> dict[str, int]:
    """Load a backup into an empty database, in one transaction; refuses a non-empty one.

    ``before_commit`` is handed the rows per table once every line was read and checked; raising there
    (the signed manifest does not match) rolls everything back."""
    lines = _lines(source)
    _check_header(next(lines, None))
    tables = {t.name: t for t in tables_in(db)}
    with translate_errors(db.url), db.engine.begin() as conn:
        if db.dialect == "postgresql":
            conn.execute(sa.text("LOCK TABLE " + ", ".join(f'"{n}"' for n in tables) + " IN EXCLUSIVE MODE"))
        _refuse_non_empty(conn, db.url, tables)
        loader = _Loader(conn, tables)
        end = loader.load(lines)
        _check_complete(end, loader.counts)
        if before_commit is not None:
            before_commit(loader.counts)
        if db.dialect == "postgresql":
            _reset_sequences(conn, list(tables.values()))
    return loader.counts


def _check_header(first: tuple[int, dict[str, Any]] | None) -> None:
    """The file's first line: a backup of this format, of this program's schema."""
    if first is None or first[1].get("format") != FORMAT:
        raise BadInput("这不是 rectify export --all 生成的备份文件（缺少文件头）")
    header = first[1]
    if header.get("version") != FORMAT_VERSION:
        raise BadInput(f"备份格式版本 {header.get('version')} 不受支持（本程序为 {FORMAT_VERSION}）")
    if header.get("schema") != SCHEMA_HEAD:
        raise Refused(f"备份的数据库结构版本为 {header.get('schema')}，本程序为 {SCHEMA_HEAD}，"
                      "请用相同版本的 rectify 恢复")


def _refuse_non_empty(conn: sa.Connection, url: str, tables: dict[str, sa.Table]) -> None:
    # The installation id alone (made by a calendar export) is no data; the backup's id replaces it.
    busy = [(name, conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one())
            for name, t in tables.items() if name != installation_t.name]
    rows = {name: n for name, n in busy if n}
    if rows:
        raise Refused(f"数据库 {describe(url)} 不是空的（已有 {sum(rows.values())} 行数据，其中组织 "
                      f"{rows.get('organization', 0)} 个、整顿对象 {rows.get('rectification_case', 0)} 个），"
                      "只能恢复到新建的空数据库")


class _Loader:
    """The backup's rows, each decoded and checked, inserted table by table in batches."""

    def __init__(self, conn: sa.Connection, tables: dict[str, sa.Table]) -> None:
        self.conn, self.tables = conn, tables
        self.counts: dict[str, int] = {}
        self.decoders = {name: {c.name: _decoder(c) for c in t.columns} for name, t in tables.items()}
        self.types = {name: _types(t) for name, t in tables.items()}
        self.seen: dict[str, set[Any]] = {name: set() for name in tables}
        self.applicants: dict[int, tuple[str, str]] = {}
        self.pending: list[dict[str, Any]] = []
        self.current: str | None = None

    def load(self, lines: Iterator[tuple[int, dict[str, Any]]]) -> dict[str, Any] | None:
        """Every line after the header; returns the end line (None when the file has none)."""
        end: dict[str, Any] | None = None
        for number, item in lines:
            if end is not None:
                raise BadInput(f"备份文件第 {number} 行：结束行之后还有内容，文件可能已损坏，未恢复任何数据")
            if item.get("end") is True:
                end = item
                continue
            self.add(number, item)
        self.flush()
        return end

    def add(self, number: int, item: dict[str, Any]) -> None:
        name, row = item.get("table"), item.get("row")
        if name not in self.tables or not isinstance(row, dict):
            raise BadInput(f"备份文件第 {number} 行：未知的表 {name!r}，与本数据库结构不符")
        if name != self.current:
            self.flush()
            self.current = name
        dec = self.decoders[name]
        try:
            decoded = {k: dec[k](v) for k, v in row.items()}
        except (KeyError, ValueError, TypeError, AttributeError):
            raise BadInput(f"备份文件第 {number} 行：表 {name} 的数据与本数据库结构不符") from None
        check_row(self.tables[name], decoded, self.types[name], number)
        _check_duties(name, decoded, self.applicants, number)
        _check_references(self.tables[name], decoded, self.seen, number)
        self.pending.append(decoded)
        if len(self.pending) >= BATCH:
            self.flush()

    def flush(self) -> None:
        current, pending, counts = self.current, self.pending, self.counts
        if not pending or current is None:
            return
        if current == installation_t.name and current not in counts:
            self.conn.execute(sa.delete(installation_t))
        try:
            self.conn.execute(sa.insert(self.tables[current]), pending)
        except (sa.exc.IntegrityError, sa.exc.DataError):
            raise BadInput(f"备份文件中表 {current} 的数据前后不一致（引用的行缺失或编号重复），"
                           "文件可能已损坏，未恢复任何数据") from None
        counts[current] = counts.get(current, 0) + len(pending)
        pending.clear()


def _check_duties(table: str, row: dict[str, Any], applicants: dict[int, tuple[str, str]], number: int) -> None:
    """The rules between fields (issue 26): a scope fits its role; the applicant does not verify their own case."""
    problem = ""
    if table == "person" and row.get("registered"):
        problem = _scope_problem(row)
    elif table == "rectification_case":
        problem = _applicant_problem(row, applicants)
    elif table == "verification" and row.get("passed"):
        problem = _verifier_problem(row, applicants)
    if problem:
        raise BadInput(f"备份文件第 {number} 行（表 {table}）：{problem}，违反职责分离或范围规则，未恢复任何数据")


def _scope_problem(row: dict[str, Any]) -> str:
    """A registered person's scope fits the role."""
    from rectify.states.roles import ALL_COUNTIES, MULTI_COUNTY_ROLES, Role

    role, scope = row.get("role"), str(row.get("scope") or "")
    if not scope:
        return f"已登记人员 {row.get('name')} 没有范围"
    if scope == ALL_COUNTIES and role != Role.admin:
        return f"{row.get('name')} 的角色 {role} 不能有范围 *（全部县）"
    if "," in scope and role not in MULTI_COUNTY_ROLES:
        return f"{row.get('name')} 的角色 {role} 只能有一个县的范围"
    return ""


def _applicant_problem(row: dict[str, Any], applicants: dict[int, tuple[str, str]]) -> str:
    """A case's applicant is not its verifier; kept for the verifications that follow."""
    applicant = str(row.get("applied_by") or "")
    if applicant:
        applicants[row["id"]] = (applicant, str(row.get("verified_by") or ""))
    if applicant and applicant == row.get("verified_by"):
        return f"验收人 {applicant} 就是验收申请人"
    return ""


def _verifier_problem(row: dict[str, Any], applicants: dict[int, tuple[str, str]]) -> str:
    """The passed verification the case records now, against the case's applicant."""
    applicant, verified_by = applicants.get(row.get("case_id") or 0, ("", ""))
    members = [m for m in str(row.get("members") or "").split("、") if m]
    if applicant and row.get("signed_by") == verified_by and (verified_by == applicant or applicant in members):
        return f"验收申请人 {applicant} 在验收组中"
    return ""


def _check_references(table: sa.Table, row: dict[str, Any], seen: dict[str, set[Any]], number: int) -> None:
    """Every foreign key names a row read before it (the file is in foreign-key order); ids are unique."""
    for col in table.columns:
        value = row.get(col.name)
        for fk in col.foreign_keys:
            target = fk.column.table.name
            if value is not None and target in seen and value not in seen[target]:
                raise BadInput(f"备份文件第 {number} 行（表 {table.name}）：{col.name} = {value} 引用的 {target} "
                               "行不存在，未恢复任何数据")
    if "id" in table.c and table.c.id.primary_key:
        if row.get("id") in seen[table.name]:
            raise BadInput(f"备份文件第 {number} 行（表 {table.name}）：编号 {row.get('id')} 重复，未恢复任何数据")
        seen[table.name].add(row.get("id"))


def _check_complete(end: dict[str, Any] | None, counts: dict[str, int]) -> None:
    """The end line must be there and name exactly the rows read (tables without rows may be left out)."""
    if end is None:
        raise BadInput("备份文件不完整：缺少结束行，文件可能被截断，未恢复任何数据")
    expected = end.get("counts")
    if not isinstance(expected, dict) or not all(
            isinstance(k, str) and type(v) is int and v >= 0 for k, v in expected.items()):
        raise BadInput("备份文件的结束行格式不对，文件可能已损坏，未恢复任何数据")
    for name in [*expected, *(n for n in counts if n not in expected)]:
        want, got = expected.get(name, 0), counts.get(name, 0)
        if want != got:
            raise BadInput(f"备份文件不完整：表 {name} 应有 {want} 行，实际读到 {got} 行，未恢复任何数据")


def _reset_sequences(conn: sa.Connection, tables: list[sa.Table]) -> None:
    """Explicit ids leave the serial sequences behind; move each past the largest id restored."""
    for t in tables:
        if "id" not in t.c or not t.c.id.primary_key:
            continue
        seq = conn.execute(sa.text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": t.name}).scalar()
        if seq is None:
            continue
        conn.execute(sa.text(f'SELECT setval(:s, COALESCE((SELECT MAX(id) FROM "{t.name}"), 0) + 1, false)'),
                     {"s": seq})
