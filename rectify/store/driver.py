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

import copy as _copy
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from operator import itemgetter
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

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
    __slots__ = ("binds", "converting", "defaults", "insert", "make", "procs", "processing", "returns_key", "row",
                 "sql", "take", "types", "values")

    def __init__(self, sql: str, binds: tuple[tuple[str, Callable[[Any], Any] | None], ...],
                 defaults: dict[str, Any], procs: tuple[Callable[[Any], Any] | None, ...] | None,
                 row: type | None, insert: bool = False, returns_key: bool = False) -> None:
        self.sql, self.binds, self.defaults, self.procs, self.row = sql, binds, defaults, procs, row
        self.insert, self.returns_key = insert, returns_key
        self.types: tuple[tuple[Any, Any], ...] = ()  # (column type, dialect) while ``procs`` waits for a run
        # the result columns that need converting (dates, booleans): only those are touched per row
        self.converting = tuple((i, p) for i, p in enumerate(procs or ()) if p is not None)

        names = tuple(name for name, _ in binds)
        # the values in the statement's order (one C call), then only the ones that need processing touched
        self.take: Callable[[Mapping[str, Any]], Any] = itemgetter(*names) if len(names) > 1 else \
            (lambda given: (given[names[0]],)) if names else (lambda given: ())
        self.processing = tuple((i, p) for i, (_, p) in enumerate(binds) if p is not None)
        # the same, written out for this statement (one tuple built, each processor called inline): Runner.execute
        self.values: Callable[[Mapping[str, Any]], tuple[Any, ...]] = _values_maker(binds, defaults)
        self.make: Callable[[Any], Any] | None = None  # the row from the driver's, its converters inline (rows)

    def parameters(self, params: Mapping[str, Any]) -> list[Any]:
        values = list(self.take({**self.defaults, **params} if self.defaults else params))
        for i, process in self.processing:
            value = values[i]
            if value is not None:
                values[i] = process(value)
        return values

    def rows(self, cursor: Any) -> list[Any]:
        if self.row is None:
            return []
        if self.procs is None:  # PostgreSQL: the processors depend on the types the server sends (first run)
            procs = tuple(_fast_result(t, t._cached_result_processor(d, desc[1]))
                          for (t, d), desc in zip(self.types, cursor.description, strict=True))
            self.converting = tuple((i, p) for i, p in enumerate(procs) if p is not None)
            self.procs = procs  # last: another thread seeing it set finds ``converting`` set too
        fetched = cursor.fetchall()
        make, converting = self.row, self.converting
        if not converting:
            return [make(r) for r in fetched]
        made = self.make
        if made is None:
            made = self.make = _row_maker(make, converting, len(cursor.description))
        if len(fetched) == 1:
            return [made(fetched[0])]
        return [made(r) for r in fetched]


def _values_maker(binds: tuple[tuple[str, Callable[[Any], Any] | None], ...], defaults: dict[str, Any]
                  ) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
    """``parameters`` made for one statement: the values in its order as one tuple, a default where the caller
    gives none, each processor called on what is not None (generated once per compiled statement)."""
    env: dict[str, Any] = {"defaults": defaults}
    items = []
    for i, (name, process) in enumerate(binds):
        get = f"given[{name!r}]" if name not in defaults else f"given.get({name!r}, defaults[{name!r}])"
        if process is None:
            items.append(get)
        else:
            env[f"p{i}"] = process
            items.append(f"(None if (v{i} := {get}) is None else p{i}(v{i}))")
    code = f"def values(given):\n    return ({''.join(f'{item}, ' for item in items)})\n"
    exec(code, env)  # noqa: S102 (made from the statement's own bind names)
    return env["values"]  # type: ignore[no-any-return]


def _row_maker(make: type, converting: tuple[tuple[int, Callable[[Any], Any]], ...], width: int
               ) -> Callable[[Any], Any]:
    """A row from the driver's tuple, the columns that need converting converted inline (generated once per
    statement: no list, no loop)."""
    env: dict[str, Any] = {"make": make}
    cells = [f"r[{i}]" for i in range(width)]
    for i, process in converting:
        env[f"p{i}"] = process
        cells[i] = f"(None if (v{i} := r[{i}]) is None else p{i}(v{i}))"
    exec(f"def row(r):\n    return make(({''.join(c + ', ' for c in cells)}))\n", env)  # noqa: S102
    return env["row"]  # type: ignore[no-any-return]


def _prepare(stmt: Any, dialect: Any, keys: tuple[str, ...]) -> _Prepared | None:
    """The statement compiled for the driver, or None when it needs SQLAlchemy at execution (expanding ``IN``,
    a default that is not a plain value, a parameter the caller does not give)."""
    dml = stmt.is_insert or stmt.is_update
    compiled = stmt.compile(dialect=dialect, column_keys=list(keys) if dml else None)
    returns_key = _returns_key(stmt, compiled, dialect)
    if compiled.positiontup is None or (compiled.returning and not returns_key) \
            or any(b.expanding for b in compiled.binds.values()):
        return None
    given = set(keys)
    defaults = _defaults(stmt, compiled, given)
    if defaults is None:
        return None
    processors = compiled._bind_processors
    binds = tuple((name, _fast_bind(compiled.binds[name].type, dialect, processors.get(name)))
                  for name in compiled.positiontup)
    if any(name not in given and name not in defaults for name, _ in binds):
        return None
    row, procs = _result_reader(compiled, dialect) if stmt.is_select else (None, None)
    prepared = _Prepared(compiled.string, binds, defaults, procs, row, bool(stmt.is_insert), returns_key)
    if row is not None and procs is None:
        prepared.types = tuple((c[3], dialect) for c in compiled._result_columns)
    return prepared


def _returns_key(stmt: Any, compiled: Any, dialect: Any) -> bool:
    """PostgreSQL's insert gives back the new row's key by the RETURNING SQLAlchemy adds (SQLite's cursor has
    ``lastrowid``); any other RETURNING is left to SQLAlchemy."""
    returning = compiled.returning
    return bool(returning) and stmt.is_insert and not stmt._returning and len(returning) == 1 \
        and bool(returning[0].primary_key) and dialect.name == "postgresql"


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


def _result_reader(compiled: Any, dialect: Any) -> tuple[Any, tuple[Any, ...] | None]:
    """A select's row class (its column names) and each column's result processor."""
    columns = compiled._result_columns
    names = tuple(c[0] for c in columns)
    if dialect.name == "postgresql":
        return _row_class(names), None
    return _row_class(names), tuple(_fast_result(c[3], c[3]._cached_result_processor(dialect, None)) for c in columns)


def _default_format(type_: Any, dialect: Any) -> bool:
    """Whether SQLite stores the date or datetime type in its default text (ISO, microseconds for a datetime)."""
    impl = type_.dialect_impl(dialect)
    impl = getattr(impl, "impl_instance", impl)
    impl = impl.dialect_impl(dialect) if hasattr(impl, "dialect_impl") else impl
    default = getattr(type(impl), "_storage_format", None)
    return default is not None and impl._storage_format == default and getattr(impl, "_reg", None) is None


def _fast_bind(type_: Any, dialect: Any, process: Callable[[Any], Any] | None) -> Callable[[Any], Any] | None:
    """The same text as SQLAlchemy's bind processor for the step's dates and instants, by ``isoformat`` (its own
    ``%``-formatting of a dict of fields costs several µs a value); any other value goes to SQLAlchemy's."""
    from sqlalchemy.types import Date, DateTime

    from rectify.store.coltypes import UTCDateTime

    if process is None or dialect.name != "sqlite" or not _default_format(type_, dialect):
        return process
    orig = process
    if isinstance(type_, UTCDateTime):
        # the last instant written with its text, one tuple (swapped whole: threads): a step writes its `now` twice
        last: list[tuple[Any, str]] = [(None, "")]

        def instant(value: Any) -> Any:  # an aware UTC datetime: "YYYY-MM-DD HH:MM:SS.ffffff" (no offset)
            if type(value) is datetime and value.tzinfo is UTC:
                seen = last[0]
                if seen[0] is value:
                    return seen[1]
                text = value.isoformat(" ", "microseconds")[:26]
                last[0] = (value, text)
                return text
            return orig(value)
        return instant
    if isinstance(type_, Date) and not isinstance(type_, DateTime):
        def day(value: Any) -> Any:
            return value.isoformat() if type(value) is date else orig(value)
        return day
    return process


def _fast_result(type_: Any, process: Callable[[Any], Any] | None) -> Callable[[Any], Any] | None:
    """A stored UTC instant read by ``datetime.fromisoformat`` (what SQLAlchemy's parser does, with less around it)."""
    from rectify.store.coltypes import UTCDateTime

    if process is None or not isinstance(type_, UTCDateTime):
        return process
    orig = process

    def instant(value: Any) -> Any:
        if type(value) is str:
            try:  # stored without an offset (UTC): read as UTC at once (datetime.replace costs more than a parse)
                at = datetime.fromisoformat(value + "+00:00")
                if at.tzinfo is UTC:
                    return at
            except ValueError:
                pass
            try:
                parsed = datetime.fromisoformat(value)
            except ValueError:
                return orig(value)
            return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
        return orig(value)
    return instant


class _Written(tuple):  # type: ignore[type-arg]
    """A write's result, ``(rowcount, lastrowid)`` made in one C call: what :class:`_Result` gives of a statement
    that returns no rows (the count of changed rows, the new id), without a Python ``__init__``."""

    __slots__ = ()

    rowcount = property(itemgetter(0))

    @property
    def inserted_primary_key(self) -> tuple[int] | None:
        return (self[1],) if self[1] is not None else None

    def __iter__(self) -> Iterator[Any]:
        return iter(())

    def all(self) -> list[Any]:
        return []

    def first(self) -> Any:
        return None

    def one_or_none(self) -> Any:
        return None

    def one(self) -> Any:
        raise ValueError("0 rows, expected one")

    def scalar(self) -> Any:
        return None

    def scalar_one(self) -> Any:
        return self.one()

    def scalars(self) -> list[Any]:
        return []


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


# dialect name → (statement id, the keys given) → the statement compiled for that driver, or None (SQLAlchemy runs it)
_PREPARED: dict[str, dict[tuple[int, tuple[str, ...]], _Prepared | None]] = {"sqlite": {}, "postgresql": {}}
_POSITIONAL: dict[int, Any] = {}  # id(engine dialect) → its copy that compiles %s marks (psycopg)


def _compiling_dialect(dialect: Any) -> Any:
    """The dialect a hot statement is compiled with: SQLite's own (``?`` marks); for psycopg a copy of the engine's
    with positional ``%s`` marks, so the driver gets a plain parameter list and can prepare the statement."""
    if dialect.name != "postgresql":
        return dialect
    found = _POSITIONAL.get(id(dialect))
    if found is None or found[0] is not dialect:
        copy = _copy.copy(dialect)
        copy.paramstyle, copy.positional = "format", True
        found = _POSITIONAL[id(dialect)] = (dialect, copy)
    return found[1]


class Runner:
    """``execute`` as a Connection has it: hot statements on the driver's cursor, the rest through SQLAlchemy.

    On SQLite it is made on a Connection (:func:`runner`), or, for a step (:meth:`Database.step`), on the pool's
    DBAPI connection alone: the SQLAlchemy Connection around it is made only when a statement needs it (one not
    hot, an error to translate), so a step of hot statements costs no Connection, no SQLAlchemy transaction. On
    PostgreSQL (psycopg) the hot statements are sent as server-side prepared statements (``prepare=True``: parsed
    and planned once per connection), in the Connection's transaction; the Connection's ``before_cursor_execute``
    and ``after_cursor_execute`` listeners still see each, and a driver's error is raised as SQLAlchemy raises it.
    """

    __slots__ = ("_conn", "_cursor", "_engine", "_error", "_fairy", "_pg", "_prepared", "dialect")

    def __init__(self, conn: Connection | None = None, *, engine: Any = None, fairy: Any = None) -> None:
        self._conn = conn
        self._engine = conn.engine if conn is not None else engine
        self._fairy = fairy
        self.dialect = self._engine.dialect
        self._pg = self.dialect.name == "postgresql"
        self._prepared = _PREPARED[self.dialect.name]
        self._cursor: Any = None
        self._error: type[Exception] = self.dialect.loaded_dbapi.Error

    @property
    def fairy(self) -> Any:
        """The pool's connection the runner runs on (a step's)."""
        return self._fairy

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
        if batch is not None and (self._pg or not stmt.is_insert or any(tuple(p) != keys for p in batch)):
            return self.sa.execute(stmt, params)
        key = (id(stmt), keys)
        try:
            prepared = self._prepared[key]
        except KeyError:
            prepared = self._prepared[key] = _prepare(stmt, _compiling_dialect(self.dialect), keys)
        if prepared is None:
            return self.sa.execute(stmt, params)
        if batch is None:
            return self._run(stmt, prepared, first)
        cursor = self._cursor or self._open_cursor()
        try:
            cursor.executemany(prepared.sql, [prepared.parameters(p) for p in batch])
            return _Result([], cursor.rowcount, None)
        except self._error:
            return self.sa.execute(stmt, params)  # raises as SQLAlchemy does, through its error handlers

    def _open_cursor(self) -> Any:
        fairy: Any = self._fairy if self._conn is None else self._conn.connection
        self._cursor = fairy.driver_connection.cursor()
        return self._cursor

    def execute(self, stmt: Any, params: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None) -> Any:
        if type(params) is not dict:
            return self._slow(stmt, params)
        prepared = self._prepared.get((id(stmt), tuple(params)))  # only hot statements are ever keyed here
        if prepared is None:
            return self._slow(stmt, params)
        if self._pg:
            return self._run(stmt, prepared, params)
        # _run on SQLite, written out here (two calls fewer a statement, eight statements a step)
        cursor = self._cursor or self._open_cursor()
        try:
            cursor.execute(prepared.sql, prepared.values(params))
        except self._error:
            return self.sa.execute(stmt, params)  # raises as SQLAlchemy does, through its error handlers
        if prepared.row is not None:
            return _Result(prepared.rows(cursor), -1, None)
        return _Written((cursor.rowcount, cursor.lastrowid if prepared.insert else None))

    def _run(self, stmt: Any, prepared: _Prepared, params: Mapping[str, Any]) -> Any:
        cursor = self._cursor or self._open_cursor()
        values = prepared.parameters(params)
        if self._pg:
            return self._run_pg(stmt, prepared, cursor, values)
        try:
            cursor.execute(prepared.sql, values)
        except self._error:
            return self.sa.execute(stmt, params)  # raises as SQLAlchemy does, through its error handlers
        if prepared.row is not None:
            return _Result(prepared.rows(cursor), -1, None)
        return _Result(_NO_ROWS, cursor.rowcount, cursor.lastrowid if prepared.insert else None)

    def _run_pg(self, stmt: Any, prepared: _Prepared, cursor: Any, values: list[Any]) -> Any:
        conn = self.sa
        events = conn._has_events or self._engine._has_events
        if events:
            conn.dispatch.before_cursor_execute(conn, cursor, prepared.sql, values, None, False)
        try:
            cursor.execute(prepared.sql, values, prepare=True)
        except self._error as exc:
            # the transaction is aborted on the server: not run again, raised as SQLAlchemy would raise it
            raise DBAPIError.instance(prepared.sql, values, exc, self._error, connection_invalidated=self.dialect
                                      .is_disconnect(exc, conn.connection, cursor)) from exc  # type: ignore[arg-type]
        if events:
            conn.dispatch.after_cursor_execute(conn, cursor, prepared.sql, values, None, False)
        if prepared.row is not None:
            return _Result(prepared.rows(cursor), cursor.rowcount, None)
        if prepared.returns_key:
            return _Result(_NO_ROWS, cursor.rowcount, cursor.fetchone()[0])
        return _Result(_NO_ROWS, cursor.rowcount, None)


_NO_ROWS: list[Any] = []


def runner(conn: Connection) -> Connection:
    """The connection for the engine's statements: a :class:`Runner` on SQLite, the connection itself elsewhere."""
    if isinstance(conn, Runner):
        return conn  # type: ignore[unreachable]
    if conn.dialect.name == "sqlite" or conn.dialect.driver == "psycopg":
        return Runner(conn)  # type: ignore[return-value]
    return conn
