"""Where the data lives: engine factory, schema check and Alembic upgrades, for SQLite and PostgreSQL.

Every other module receives a :class:`Database`; none builds a connection string or a migration.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from rectify.errors import BadInput, Conflict, DatabaseProblem
from rectify.store.driver import Runner
from rectify.store.plain import default_sqlite_path, resolve_url  # noqa: F401  (re-exported)

# The Alembic revision this code was written for; tests assert it equals the migrations' head.
SCHEMA_HEAD = "0022"
KNOWN_REVISIONS = ("0001", "0002", "0003", "0004", "0005", "0006", "0007", "0008", "0009", "0010", "0011", "0013",
                   "0014", "0015", "0016", "0020", "0021", "0022")

MIGRATIONS_DIR = Path(__file__).resolve().parents[1] / "migrations"


def describe(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return url


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


_DAMAGE = ("malformed", "disk image")


def damaged(url: str) -> DatabaseProblem:
    """The one line for a SQLite file that is not (or no longer) a whole database."""
    return DatabaseProblem(f"数据库文件 {sqlite_file(url) or describe(url)} 已损坏（不是完整的 SQLite 数据库），"
                           "请用 rectify restore 从备份恢复到新的数据库")


def _damaged_file(url: str) -> Callable[[Any], None]:
    def check(context: Any) -> None:
        if any(word in str(context.original_exception) for word in _DAMAGE):
            raise damaged(url) from None

    return check


def _close_all(idle: list[Runner]) -> None:
    while idle:
        try:
            idle.pop().fairy.close()
        except Exception:  # noqa: BLE001,S110 (a connection that will not go back is gone either way)
            pass


class _SqliteStep:
    """:meth:`Database.step` on SQLite, a context manager written out (a generator one costs ~2 µs more a step).

    The step runs on a DBAPI connection itself (driver.Runner): a SQLAlchemy Connection is made only if a statement
    needs one, so a step of the engine's compiled statements costs ~15 µs less. A step that ended cleanly keeps its
    connection checked out, with its runner and cursor, for the next step of the same Database: checking one out of
    the pool and back (its reset, its queue, its events) cost ~20 µs a step. At most one is kept (one pool slot), so
    concurrent steps beyond it use the pool as before; dispose(), or the Database going away, returns it to the
    pool. Errors are translated as :func:`translate_errors` translates them.
    """

    __slots__ = ("db", "dbapi", "fairy", "runner")

    def __init__(self, db: Database) -> None:
        self.db = db
        self.dbapi: Any = None

    def __enter__(self) -> Runner:
        db = self.db
        try:
            try:  # the connection the last step kept, with its runner and cursor (pop: one thread gets it)
                runner = self.runner = db._idle.pop()
                fairy = self.fairy = runner.fairy
            except IndexError:  # none kept, or another thread's step took it
                fairy = self.fairy = db.engine.raw_connection()
                runner = self.runner = Runner(engine=db.engine, fairy=fairy)
            dbapi: Any = fairy.dbapi_connection  # pysqlite's own connection
            self.dbapi = dbapi
            try:
                dbapi.execute("BEGIN IMMEDIATE")
            except BaseException:
                _rollback(runner, dbapi)
                db._release(runner, fairy, dbapi)
                raise
        except Exception as exc:
            other = _translation(exc, db.url)
            if other is None:
                raise
            raise other from None
        return runner

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: Any) -> None:
        db, runner, dbapi = self.db, self.runner, self.dbapi
        try:
            try:
                if kind is None:
                    try:
                        made = runner.connection_made
                        if made is not None and made.in_transaction():
                            made.commit()
                        else:
                            dbapi.commit()
                    except BaseException:
                        _rollback(runner, dbapi)
                        raise
                else:
                    _rollback(runner, dbapi)
            finally:
                db._release(runner, self.fairy, dbapi)
        except Exception as exc:
            other = _translation(exc, db.url)
            if other is None:
                raise
            raise other from None
        if isinstance(value, Exception):  # the block's own error, translated as translate_errors does
            other = _translation(value, db.url)
            if other is not None:
                raise other from None


def _rollback(runner: Runner, dbapi: Any) -> None:
    made = runner.connection_made
    if made is not None and made.in_transaction():
        made.rollback()
    elif dbapi.in_transaction:
        dbapi.rollback()


@dataclass
class Database:
    url: str
    engine: Engine
    # SQLite: the pool's connection the last step ran on, still checked out, kept for the next one with its runner
    # (at most one; step())
    _idle: list[Runner] = field(default_factory=list, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        weakref.finalize(self, _close_all, self._idle)  # closed with the Database, or at exit

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        with translate_errors(self.url), self.engine.begin() as conn:
            yield conn

    def step(self) -> AbstractContextManager[Connection]:
        """One step of the workflow: :meth:`begin` with the step's reads inside its transaction.

        SQLite's driver sends ``BEGIN`` only before the first write, so the reads a step's guards decide on
        would run in autocommit, each in a snapshot of its own. Here ``BEGIN IMMEDIATE`` goes first: the step
        takes the write lock before it reads (two steps wait for each other, up to the lock timeout, instead of
        the later one finding its snapshot stale at its first write), and reads and writes one state of the
        database. Readers are not held up (WAL). The version check still refuses a change made on what an
        officer saw before another's (``expected_version``).
        """
        if self.engine.dialect.name != "sqlite":
            return self.begin()
        return _SqliteStep(self)  # type: ignore[return-value]

    def _release(self, step: Runner, fairy: Any, dbapi: Any) -> None:
        """The step's connection kept for the next step when it ended cleanly and none is kept yet, else given back
        to the pool."""
        made = step.connection_made
        if made is not None:
            made.close()  # the SQLAlchemy Connection made on it gives the connection back
        elif self._idle or dbapi.in_transaction or fairy.dbapi_connection is None:
            fairy.close()
        else:
            self._idle.append(step)  # still the pool's (checked out): a Connection made on it later returns it there
            while len(self._idle) > 1:  # two threads' steps ended at once: keep one
                try:
                    extra = self._idle.pop()
                except IndexError:  # a step took it meanwhile
                    break
                _close_all([extra])

    def close_idle(self) -> None:
        """Gives the pool back the connection a step kept for the next (the next step checks one out)."""
        _close_all(self._idle)

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        with translate_errors(self.url), self.engine.connect() as conn:
            yield conn

    def dispose(self) -> None:
        self.close_idle()
        self.engine.dispose()


def sqlite_file(url: str) -> Path | None:
    u = sa.engine.make_url(url)
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    return Path(u.database)


def _env_number(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise BadInput(f"环境变量 {name} 应为数字，现为 {raw!r}") from None
    if value < 0:
        raise BadInput(f"环境变量 {name} 不能为负数，现为 {raw!r}")
    return value


def open_database(url: str | None = None, *, create: bool = False, check: bool = True) -> Database:
    """Open the database at ``url``; refuse a missing one unless ``create``; refuse a stale schema."""
    full = resolve_url(url)
    try:
        parsed = sa.engine.make_url(full)
    except sa.exc.ArgumentError:
        raise DatabaseProblem(f"数据库地址无法识别：{full}") from None
    path = sqlite_file(full)
    if path is not None:
        if not path.exists():
            if not create:
                raise DatabaseProblem(f"数据库 {path} 不存在，请先运行 rectify init（或 rectify demo）")
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise DatabaseProblem(f"无法创建数据库目录 {path.parent}：{exc.strerror}") from None
        elif not os.access(path, os.R_OK):
            raise DatabaseProblem(f"无法读取数据库 {path}")
    kwargs: dict[str, Any] = {}
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise DatabaseProblem(f"不支持的数据库 {backend}：rectify 使用 SQLite 或 PostgreSQL")
    if backend == "sqlite":
        kwargs["connect_args"] = {"timeout": _env_number("RECTIFY_DB_LOCK_TIMEOUT", 5.0)}
    elif backend == "postgresql":
        kwargs.update(
            pool_pre_ping=True,
            pool_size=int(_env_number("RECTIFY_DB_POOL_SIZE", 5)),
            max_overflow=int(_env_number("RECTIFY_DB_MAX_OVERFLOW", 5)),
            pool_timeout=30,
            connect_args={
                "connect_timeout": int(_env_number("RECTIFY_DB_CONNECT_TIMEOUT", 10)),
                "options": f"-c statement_timeout={int(_env_number('RECTIFY_DB_STATEMENT_TIMEOUT_MS', 30000))}",
            },
        )
    try:
        engine = sa.create_engine(full, **kwargs)
    except (ImportError, ModuleNotFoundError) as exc:
        raise DatabaseProblem(f"缺少数据库驱动（{exc.name}）：PostgreSQL 请安装 rectify[postgres]") from None
    except sa.exc.ArgumentError as exc:
        raise DatabaseProblem(f"数据库地址无法识别：{describe(full)}（{exc}）") from None
    if backend == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "handle_error", _damaged_file(full))
    db = Database(full, engine)
    if check:
        try:
            check_schema(db)
        except BaseException:
            engine.dispose()
            raise
    return db


def current_revision(conn: Connection) -> str | None:
    if not sa.inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def check_schema(db: Database) -> None:
    with db.connect() as conn:
        rev = current_revision(conn)
    if rev == SCHEMA_HEAD:
        return
    if rev is None:
        raise DatabaseProblem(f"数据库 {describe(db.url)} 尚未初始化，请先运行 rectify init")
    if rev in KNOWN_REVISIONS:
        raise DatabaseProblem(
            f"数据库结构版本 {rev} 较旧（当前程序需要 {SCHEMA_HEAD}），请先备份，再运行 rectify init 升级")
    raise DatabaseProblem(f"数据库结构版本 {rev} 比本程序新（{SCHEMA_HEAD}），请升级 rectify")


def alembic_config(db: Database) -> Any:
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", db.url.replace("%", "%%"))
    return cfg


def upgrade(db: Database, revision: str = "head") -> tuple[str | None, str | None]:
    """Create or upgrade the schema; returns (revision before, revision after)."""
    from alembic import command

    cfg = alembic_config(db)
    with translate_errors(db.url), db.engine.begin() as conn:
        before = current_revision(conn)
        if before is not None and before not in KNOWN_REVISIONS:
            raise DatabaseProblem(f"数据库结构版本 {before} 比本程序新（{SCHEMA_HEAD}），请升级 rectify")
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
        after = current_revision(conn)
    return before, after


@contextmanager
def translate_errors(url: str) -> Iterator[None]:
    """Turn driver errors into one line an operator can act on."""
    try:
        yield
    except Exception as exc:
        other = _translation(exc, url)
        if other is None:
            raise
        raise other from None


def _translation(exc: Exception, url: str) -> Exception | None:
    """The one line an operator can act on for a driver's error (None: the error as it is)."""
    if isinstance(exc, OperationalError):
        return _operational(exc.orig if exc.orig is not None else exc, url)
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return DatabaseProblem(f"与数据库 {describe(url)} 的连接中断，请重试")
        if "file is not a database" in str(exc.orig):
            return DatabaseProblem(f"{describe(url)} 不是 rectify 的数据库文件（不是 SQLite 数据库）")
        if any(word in str(exc.orig) for word in _DAMAGE):
            return damaged(url)
        return None
    # A driver's own error, from a statement run on its cursor directly (the ledger's fast path).
    if type(exc).__module__.split(".")[0] in ("sqlite3", "psycopg") and "Operational" in type(exc).__name__:
        return _operational(exc, url)
    return None


_CONFLICT = "整顿对象已被他人修改，本次操作未写入，请重新查看后再试"
# A driver's words → what the officer reads, first match wins: (any of these, and all of these, the line; None is
# a lost race, a Conflict). ``{db}`` is the database as described to the officer.
_OPERATIONAL_WORDS: tuple[tuple[tuple[str, ...], tuple[str, ...], str | None], ...] = (
    (("locked", "busy"), ("snapshot",), None),
    (("locked", "busy"), (), "数据库 {db} 被其他进程锁定，请稍后重试"),
    (("could not serialize", "deadlock"), (), None),
    (("unable to open",), (), "无法打开数据库 {db}"),
    (("readonly", "read-only"), (), "数据库 {db} 只读，无法写入"),
    (("password authentication", "authentication failed"), (), "无法登录数据库 {db}：用户名或密码错误"),
    (("does not exist",), ("database",), "数据库 {db} 不存在"),
    (("statement timeout", "canceling statement"), (), "数据库 {db} 响应超时"),
    (("connection", "timeout", "could not", "server"), (), "无法连接数据库 {db}（服务器未启动或地址错误）"),
    (("no such table", "undefinedtable"), (), "数据库 {db} 结构不完整，请运行 rectify init"),
)


def _operational(orig: BaseException, url: str) -> Exception:
    text = str(orig).lower()
    for any_of, all_of, line in _OPERATIONAL_WORDS:
        if any(w in text for w in any_of) and all(w in text for w in all_of):
            return Conflict(_CONFLICT) if line is None else DatabaseProblem(line.format(db=describe(url)))
    first = str(orig).splitlines()[0] if str(orig) else "未知错误"
    return DatabaseProblem(f"数据库 {describe(url)} 出错：{first}")
