"""Shared fixtures: a real SQLite file and a real PostgreSQL server, an injected clock, the CLI runner.

Every test that takes ``db`` (or anything built on it) runs once per backend. The PostgreSQL server
is started from the installed binaries on a temporary directory and a free port; where none is
installed that half is skipped with a line saying how to install it — but never in CI.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from itertools import count
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result

from rectify.cli import cli
from rectify.config import Config
from rectify.store import Database, open_database, upgrade
from rectify.write.engine import Workflow

NOW = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)  # 10:00 in Asia/Shanghai
ACTOR = "测试员"
VERIFIER = "验收员"  # who verifies in walk() (not the applicant, ACTOR)
APPROVER = "审批员"  # who approves the strike-off in walk() (not the verifier)
# The demo county registers its people, so commands on a demo database are signed by one of them: a county
# officer of 青山县, who reads the whole county and takes the officer's steps.
DEMO_ACTOR = "钱明远"
DEMO_ADMIN = "周文博"  # the demo's admin: backups (export --all) are the admin's


DEMO_AS_OF = "2026-06-30"


def as_demo_officer(run: Callable[..., Result]) -> Callable[..., Result]:
    """``run`` signed by the demo's county officer (later --actor wins over the fixture's)."""
    return lambda *args, **kw: run("--actor", DEMO_ACTOR, *args, **kw)


@pytest.fixture(scope="session", autouse=True)
def _own_data_directory(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The user data directory (a server database's signing key) is a temporary one, never the real one."""
    os.environ["XDG_DATA_HOME"] = str(tmp_path_factory.mktemp("xdg-data"))


# -- clock ----------------------------------------------------------------------------------------


@dataclass
class FakeClock:
    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)

    def set_day(self, iso: str) -> None:
        self.now = datetime.fromisoformat(iso + "T02:00:00+00:00")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


# -- PostgreSQL server ----------------------------------------------------------------------------


def _pg_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PgServer:
    root: Path
    port: int
    as_user: list[str] = field(default_factory=list)
    _seq: Iterator[int] = field(default_factory=lambda: count(1))

    def url(self, dbname: str) -> str:
        return f"postgresql+psycopg://rectify@127.0.0.1:{self.port}/{dbname}"

    def run(self, *cmd: str) -> None:
        done = subprocess.run([*self.as_user, *cmd], capture_output=True, text=True, timeout=120)
        if done.returncode:
            raise RuntimeError(f"{' '.join(cmd)} failed: {done.stderr.strip() or done.stdout.strip()}")

    def admin(self) -> sa.Engine:
        return sa.create_engine(self.url("postgres"), isolation_level="AUTOCOMMIT")

    def new_database(self, template: str | None = None) -> str:
        name = f"t{os.getpid()}_{next(self._seq)}"
        eng = self.admin()
        with eng.connect() as c:
            c.execute(sa.text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
        eng.dispose()
        return self.url(name)


def start_postgres() -> PgServer | str:
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if not initdb or not pg_ctl:
        return ("PostgreSQL binaries not found (initdb/pg_ctl): install them with "
                "'apt-get install postgresql' to run the PostgreSQL half of the suite")
    # Not under pytest's tmp dir: that is private to root, and the server may run as postgres.
    root = Path(tempfile.mkdtemp(prefix="rectify-pg-"))
    listed = os.environ.get("RECTIFY_TEST_PG_LIST")  # scripts/test.sh stops these if the run is killed
    if listed:
        with open(listed, "a", encoding="utf-8") as f:
            f.write(f"{root}\n")
    as_user: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        runuser = shutil.which("runuser")
        if not runuser:
            return "running as root without runuser: cannot start PostgreSQL as the postgres user"
        shutil.chown(root, "postgres", "postgres")
        as_user = [runuser, "-u", "postgres", "--"]
    data, sock = root / "data", root / "sock"
    server = PgServer(root, _free_port(), as_user)
    server.run(initdb, "-D", str(data), "-U", "rectify", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")
    server.run("mkdir", "-p", str(sock))
    opts = (f"-p {server.port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
    server.run(pg_ctl, "-D", str(data), "-o", opts, "-l", str(root / "log"), "-w", "start")
    return server


def pytest_configure(config: pytest.Config) -> None:
    """SIGTERM stops the run as Ctrl-C does, so the session's teardown stops the PostgreSQL servers it started."""
    import signal
    import threading

    def interrupted(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, interrupted)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    result = start_postgres()
    if isinstance(result, str):
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the PostgreSQL tests: {result}")
        pytest.skip(result)
    try:
        yield result
    finally:
        pg_ctl = _pg_bin("pg_ctl")
        subprocess.run([*result.as_user, pg_ctl, "-D", str(result.root / "data"), "-m", "immediate", "stop"],
                       capture_output=True, timeout=60)
        shutil.rmtree(result.root, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_template(pg_server: PgServer) -> str:
    """A database at the head schema that every PostgreSQL test copies (CREATE DATABASE … TEMPLATE)."""
    url = pg_server.new_database()
    db = open_database(url, create=True, check=False)
    upgrade(db)
    db.dispose()
    return url.rsplit("/", 1)[1]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "rectify.sqlite"
    db = open_database(str(path), create=True, check=False)
    upgrade(db)
    db.dispose()
    return path


# -- database per test ----------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh database at the head schema: a SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "rectify.sqlite"
        shutil.copy(template, path)
        return f"sqlite:///{path}"
    server: PgServer = request.getfixturevalue("pg_server")
    return server.new_database(request.getfixturevalue("pg_template"))


def second_database_url(request: pytest.FixtureRequest, db_url: str, tmp_path: Path, name: str = "second") -> str:
    """Another fresh database at the head schema, on the same backend as ``db_url``."""
    if db_url.startswith("sqlite"):
        path = tmp_path / f"{name}.sqlite"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    server: PgServer = request.getfixturevalue("pg_server")
    return server.new_database(request.getfixturevalue("pg_template"))


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = open_database(db_url)
    yield database
    database.dispose()


@pytest.fixture
def config() -> Config:
    return Config()


@pytest.fixture
def wf(db: Database, config: Config, clock: FakeClock) -> Workflow:
    return Workflow(db, config, actor=ACTOR, clock=clock)


def snapshot(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, to assert that a refusal changed nothing."""
    out = {}
    with db.engine.connect() as conn:
        for name in sorted(sa.inspect(conn).get_table_names()):
            rows = conn.execute(sa.text(f'SELECT * FROM "{name}"')).all()
            out[name] = sorted((tuple(r) for r in rows), key=repr)
    return out


# -- command line ---------------------------------------------------------------------------------


@pytest.fixture
def run(db_url: str, clock: FakeClock, db: Database) -> Callable[..., Result]:
    """Invoke ``rectify`` on the test database as the test actor, at the fake clock's time."""
    runner = CliRunner()

    def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
        full_env = {"RECTIFY_NOW": clock.now.isoformat(), "RECTIFY_CONFIG": "", **(env or {})}
        return runner.invoke(cli, ["--db", db_url, "--actor", ACTOR, *args], env=full_env, catch_exceptions=False)

    return invoke


# -- a small county to work with ------------------------------------------------------------------


def add_org(wf: Workflow, code: str = "V001", name: str = "河口镇王家庄村党支部", *, kind: str = "village",
            township: str = "河口镇") -> str:
    wf.add_org(code, name, kind=kind, county="青山县", township=township)
    return code


def pass_and_strike_off(wf: Workflow, case_id: int, on: date) -> None:
    """A passed verification and its strike-off on ``on``, with no 公示 (publicity_days 0), each signed by its
    own person: the verifier is not the applicant, the approver not the verifier."""
    quick = replace(wf.config, policy=replace(wf.config.policy, publicity_days=0))
    Workflow(wf.db, quick, actor=VERIFIER, clock=wf.clock).verify(
        case_id, on=on, by="验收组", members=[VERIFIER], score=88, satisfied=40, basic=5, dissatisfied=1)
    Workflow(wf.db, quick, actor=APPROVER, clock=wf.clock).strike_off(case_id, on=on, doc_no="青组字〔2026〕1号")


def walk(wf: Workflow, clock: FakeClock, code: str, to: str) -> int:
    """Open a case for ``code`` and walk it forward to stage ``to``; returns the case number.

    ``to="publicity"``: verified on 2026-03-10 and in 公示 (stage rectified); ``"verified"`` also struck off
    the same day (a walk runs no 公示), each step signed by its own person."""
    from datetime import date

    case_id = wf.open_case(code, problems=["P01", "P10"], identified_on=date(2026, 3, 1),
                           deadline=date(2026, 12, 31), officer="赵经办", officer_email="officer@example.cn").case_id
    if to == "identified":
        return case_id
    wf.plan(case_id, measures=[(["P01"], "配齐村两委班子", "王建国", date(2026, 6, 30)),
                               (["P10"], "规范三会一课", "李志强", date(2026, 9, 30))],
            county_leader="李县长", township_cadre="张干部", helping_unit="县财政局",
            emails={"county_leader": "leader@example.cn", "township_cadre": "cadre@example.cn"})
    if to == "ledger_created":
        return case_id
    wf.assign_secretary(case_id, name="陈海涛", unit="县财政局", since=date(2026, 3, 9),
                        email="secretary@example.cn")
    if to == "secretary_assigned":
        return case_id
    wf.complete_measure(case_id, 1, on=date(2026, 3, 9))
    wf.complete_measure(case_id, 2, on=date(2026, 3, 10))
    wf.mark_rectified(case_id, on=date(2026, 3, 10), self_check="乡镇自查，整改到位")
    if to == "rectified":
        return case_id
    if to == "publicity":
        verifier = Workflow(wf.db, wf.config, actor=VERIFIER, clock=wf.clock)
        verifier.verify(case_id, on=date(2026, 3, 10), by="验收组", members=[VERIFIER], score=88, satisfied=40,
                        basic=5, dissatisfied=1)
        return case_id
    assert to == "verified"
    pass_and_strike_off(wf, case_id, date(2026, 3, 10))
    return case_id


@pytest.fixture
def demo(run: Callable[..., Result], clock: FakeClock) -> Callable[..., Result]:
    """The demo county built on the test database as of 2026-06-30; commands signed by its county officer."""
    clock.set_day(DEMO_AS_OF)
    result = run("demo", "--as-of", DEMO_AS_OF)
    assert result.exit_code == 0, result.output
    return as_demo_officer(run)


def emptied(db: Database) -> None:
    """Every table dropped, the migration record too: the database as before ``rectify init``."""
    from sqlmodel import SQLModel

    import rectify.store.models  # noqa: F401

    with db.engine.begin() as conn:
        for table in reversed(SQLModel.metadata.sorted_tables):
            conn.execute(sa.text(f'DROP TABLE IF EXISTS "{table.name}"'))
        conn.execute(sa.text("DROP TABLE alembic_version"))


@pytest.fixture
def source_db(db_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Database]:
    """A second database on the same backend, holding the demo county (as of the fake clock's day) to export."""
    from rectify.demo.demo import build_demo

    database = open_database(second_database_url(request, db_url, tmp_path, "source"))
    build_demo(database, Config(), NOW.date())
    yield database
    database.dispose()


@pytest.fixture
def smtp() -> Iterator[Any]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 for the test."""
    from tests.remind_helpers import start_server

    server = start_server()
    yield server
    server.controller.stop()
