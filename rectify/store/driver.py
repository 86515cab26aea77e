"""The engine's own statements on SQLite, run on the driver's cursor of the step's connection.

SQLAlchemy's ``Connection.execute`` spends 60–90 µs of Python per statement above the driver (execution
context, parameter processing, the result object); a step of the workflow runs five to ten statements, so on
SQLite that was most of a step. The statements a step runs are module constants marked with :func:`hot`; on
SQLite :class:`Runner` compiles each once (per set of inserted columns), keeps its bind and result processors,
and runs it on the DBAPI cursor of the same connection, inside the same transaction. Rows come back as tuples
with the columns as attributes, like SQLAlchemy's. Everything else (statements built per call, expanding
``IN`` lists, executemany, PostgreSQL) goes to SQLAlchemy unchanged, and so does any statement the driver
refuses: it is run again through SQLAlchemy, which raises the error its handlers translate (a taken key, a
locked or damaged file) — a failed statement changes nothing in SQLite, so running it again is safe.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy.engine import Connection

__all__ = ["Runner", "hot", "runner"]

_HOT: dict[int, Any] = {}  # id → the statement itself, which pins the id for the life of the process


def hot(stmt: Any) -> Any:
    """Marks a module-level statement as one the engine runs on every step; returns it unchanged."""
    _HOT[id(stmt)] = stmt
    return stmt


_ROW_CLASSES: dict[tuple[str, ...], type] = {}


def _row_class(names: tuple[str, ...]) -> type:
    """A tuple with the columns as attributes, ``_fields``, ``_mapping`` and ``_asdict()``, as a Row has."""
    cls = _ROW_CLASSES.get(names)
    if cls is None:
        attrs: dict[str, Any] = {n: property(itemgetter(i)) for i, n in enumerate(names)}
        attrs.update(__slots__=(), _fields=names,
                     _mapping=property(lambda self: dict(zip(names, self, strict=True))),
                     _asdict=lambda self: dict(zip(names, self, strict=True)))
        cls = _ROW_CLASSES[names] = type("Row", (tuple,), attrs)
    return cls


class _Prepared:
    __slots__ = ("binds", "converting", "defaults", "insert", "procs", "row", "sql")

    def __init__(self, sql: str, binds: tuple[tuple[str, Callable[[Any], Any] | None], ...],
                 defaults: dict[str, Any], procs: tuple[Callable[[Any], Any] | None, ...] | None,
                 row: type | None, insert: bool = False) -> None:
        self.sql, self.binds, self.defaults, self.procs, self.row = sql, binds, defaults, procs, row
        self.insert = insert
        # the result columns that need converting (dates, booleans): only those are touched per row
        self.converting = tuple((i, p) for i, p in enumerate(procs or ()) if p is not None)

    def parameters(self, params: Mapping[str, Any]) -> list[Any]:
        given = {**self.defaults, **params} if self.defaults else params
        return [given[name] if process is None or given[name] is None else process(given[name])
                for name, process in self.binds]

    def rows(self, cursor: Any) -> list[Any]:
        if self.row is None:
            return []
        fetched = cursor.fetchall()
        make, converting = self.row, self.converting
        if not converting:
            return [make(r) for r in fetched]
        out = []
        for r in fetched:
            values = list(r)
            for i, process in converting:
                if values[i] is not None:
                    values[i] = process(values[i])
            out.append(make(values))
        return out


def _prepare(stmt: Any, dialect: Any, keys: tuple[str, ...]) -> _Prepared | None:
    """The statement compiled for the driver, or None when it needs SQLAlchemy at execution (expanding ``IN``,
    a default that is not a plain value, a parameter the caller does not give)."""
    dml = stmt.is_insert or stmt.is_update
    compiled = stmt.compile(dialect=dialect, column_keys=list(keys) if dml else None)
    if compiled.positiontup is None or compiled.returning or any(b.expanding for b in compiled.binds.values()):
        return None
    given = set(keys)
    defaults = _defaults(stmt, compiled, given)
    if defaults is None:
        return None
    processors = compiled._bind_processors
    binds = tuple((name, processors.get(name)) for name in compiled.positiontup)
    if any(name not in given and name not in defaults for name, _ in binds):
        return None
    row, procs = _result_reader(compiled, dialect) if stmt.is_select else (None, None)
    return _Prepared(compiled.string, binds, defaults, procs, row, bool(stmt.is_insert))


def _defaults(stmt: Any, compiled: Any, given: set[str]) -> dict[str, Any] | None:
    """The values the caller does not give: written into the statement (a LIMIT, a fixed stage), the same on every
    run, and an insert's plain column defaults; None when a default needs SQLAlchemy (a callable, a SQL function)."""
    defaults: dict[str, Any] = {name: b.value for name, b in compiled.binds.items()
                                if name not in given and b.value is not None and not b.callable}
    if stmt.is_insert:
        for col in stmt.table.columns:
            if col.key in given or col.key in defaults or col.key not in compiled.binds:
                continue
            if col.default is None or not col.default.is_scalar:
                return None
            defaults[col.key] = col.default.arg
    return defaults


def _result_reader(compiled: Any, dialect: Any) -> tuple[Any, tuple[Any, ...]]:
    """A select's row class (its column names) and each column's result processor."""
    columns = compiled._result_columns
    names = tuple(c[0] for c in columns)
    return _row_class(names), tuple(c[3]._cached_result_processor(dialect, None) for c in columns)


class _Result:
    """What a step reads of a result: rows, one row, a scalar, the count of changed rows, the new id."""

    __slots__ = ("_rows", "inserted_primary_key", "rowcount")

    def __init__(self, rows: list[Any], rowcount: int, lastrowid: int | None) -> None:
        self._rows, self.rowcount = rows, rowcount
        self.inserted_primary_key = (lastrowid,) if lastrowid is not None else None

    def __iter__(self) -> Iterator[Any]:
        return iter(self._rows)

    def all(self) -> list[Any]:
        return list(self._rows)

    def first(self) -> Any:
        return self._rows[0] if self._rows else None

    def one_or_none(self) -> Any:
        if len(self._rows) > 1:
            raise ValueError("more than one row")
        return self.first()

    def one(self) -> Any:
        if len(self._rows) != 1:
            raise ValueError(f"{len(self._rows)} rows, expected one")
        return self._rows[0]

    def scalar(self) -> Any:
        return self._rows[0][0] if self._rows else None

    def scalar_one(self) -> Any:
        return self.one()[0]

    def scalars(self) -> list[Any]:
        return [r[0] for r in self._rows]


_PREPARED: dict[tuple[int, tuple[str, ...]], _Prepared | None] = {}


class Runner:
    """``execute`` as a Connection has it: hot statements on the SQLite cursor, the rest through SQLAlchemy.

    Made on a Connection (:func:`runner`), or, for a step (:func:`step_runner`), on the pool's DBAPI connection
    alone: the SQLAlchemy Connection around it is made only when a statement needs it (one not hot, an error to
    translate), so a step of hot statements costs no Connection, no SQLAlchemy transaction."""

    __slots__ = ("_conn", "_cursor", "_engine", "_error", "_fairy", "dialect")

    def __init__(self, conn: Connection | None = None, *, engine: Any = None, fairy: Any = None) -> None:
        self._conn = conn
        self._engine = conn.engine if conn is not None else engine
        self._fairy = fairy
        self.dialect = self._engine.dialect
        self._cursor: Any = None
        self._error: type[BaseException] = self.dialect.loaded_dbapi.Error

    @property
    def connection_made(self) -> Connection | None:
        """The SQLAlchemy Connection, if one was made (a step's commit then goes through it)."""
        return self._conn

    @property
    def sa(self) -> Connection:
        """The SQLAlchemy Connection on the same DBAPI connection, in the same transaction (made when first asked)."""
        conn = self._conn
        if conn is None:
            conn = self._conn = Connection(self._engine, connection=self._fairy)
        return conn

    def __getattr__(self, name: str) -> Any:
        return getattr(self.sa, name)

    def _slow(self, stmt: Any, params: Any) -> Any:
        if id(stmt) not in _HOT:
            return self.sa.execute(stmt, params)
        batch: list[Mapping[str, Any]] | None = None if params is None or isinstance(params, Mapping) \
            else list(params)
        first: Mapping[str, Any] = (batch[0] if batch else {}) if batch is not None else (params or {})  # type: ignore[assignment]
        keys = tuple(first)
        if batch is not None and (not stmt.is_insert or any(tuple(p) != keys for p in batch)):
            return self.sa.execute(stmt, params)
        key = (id(stmt), keys)
        try:
            prepared = _PREPARED[key]
        except KeyError:
            prepared = _PREPARED[key] = _prepare(stmt, self.dialect, keys)
        if prepared is None:
            return self.sa.execute(stmt, params)
        cursor = self._cursor or self._open_cursor()
        try:
            if batch is not None:
                cursor.executemany(prepared.sql, [prepared.parameters(p) for p in batch])
                return _Result([], cursor.rowcount, None)
            cursor.execute(prepared.sql, prepared.parameters(first))
            return _Result(prepared.rows(cursor), cursor.rowcount, cursor.lastrowid if stmt.is_insert else None)
        except self._error:
            return self.sa.execute(stmt, params)  # raises as SQLAlchemy does, through its error handlers

    def _open_cursor(self) -> Any:
        fairy: Any = self._fairy if self._conn is None else self._conn.connection
        self._cursor = fairy.driver_connection.cursor()
        return self._cursor

    def execute(self, stmt: Any, params: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None) -> Any:
        if type(params) is not dict:
            return self._slow(stmt, params)
        prepared = _PREPARED.get((id(stmt), tuple(params)))  # only hot statements are ever keyed here
        if prepared is None:
            return self._slow(stmt, params)
        cursor = self._cursor or self._open_cursor()
        try:
            cursor.execute(prepared.sql, prepared.parameters(params))
            if prepared.row is not None:
                return _Result(prepared.rows(cursor), -1, None)
            return _Result(_NO_ROWS, cursor.rowcount, cursor.lastrowid if prepared.insert else None)
        except self._error:
            return self.sa.execute(stmt, params)  # raises as SQLAlchemy does, through its error handlers


_NO_ROWS: list[Any] = []


def runner(conn: Connection) -> Connection:
    """The connection for the engine's statements: a :class:`Runner` on SQLite, the connection itself elsewhere."""
    if isinstance(conn, Runner):
        return conn  # type: ignore[unreachable]
    if conn.dialect.name == "sqlite":
        return Runner(conn)  # type: ignore[return-value]
    return conn
