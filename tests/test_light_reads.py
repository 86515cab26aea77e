"""The light read path (issue 29): a read command's statements compiled once from the SQLAlchemy statements of
rectify/store/ and run on sqlite3. The compiled module is not stale, every filter's composed SQL is what
SQLAlchemy compiles for that filter, and the rows are SQLAlchemy's, value for value."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from rectify.states.permissions import Actor
from rectify.states.roles import Role
from rectify.store import Database, people, reads, security, snapshot
from rectify.store.ledger import filter_clauses, ledger_select, ledger_tuples
from rectify.store.light import filtered, open_light
from rectify.store.plain import LedgerFilter
from rectify.store.prepared import DIALECT, module_text, sql_of

COMPILED = Path(__file__).resolve().parent.parent / "rectify" / "store" / "compiled.py"

COUNTY = Actor("县", role=Role.county_officer, counties=("青山县",))
TWO = Actor("市", role=Role.county_officer, counties=("青山县", "绿水县"))
TOWNSHIP = Actor("乡", role=Role.township_leader, counties=("青山县",), township="河口镇")
READERS = (None, COUNTY, TWO, TOWNSHIP)
VALUES = {"county": "青山县", "township": "河口镇", "kind": "village", "stage": "planned", "year": 2026,
          "supervised": True, "open_only": True}


def test_the_compiled_statements_are_not_stale() -> None:
    from rectify.store import light, tables

    assert COMPILED.read_text("utf-8") == module_text(), \
        "rectify/store/compiled.py is stale: python -m rectify.store.prepared > rectify/store/compiled.py"
    assert light._MAX_CASE_ID == tables.MAX_CASE_ID


def _shapes(keys: tuple[str, ...]) -> list[tuple[dict[str, Any], Actor | None]]:
    return [({k: VALUES[k] for k in chosen}, reader)
            for n in range(len(keys) + 1) for chosen in itertools.combinations(keys, n) for reader in READERS]


def _expanded(sql: str, params: dict[str, Any]) -> str:
    from rectify.store.light import _bound

    return _bound(sql, params)[0]


@pytest.mark.parametrize("name", ["case_rows", "ledger:filtered:place", "ledger:filtered:deadline"])
def test_every_filter_composes_the_sql_sqlalchemy_compiles(name: str) -> None:
    """The light path joins the compiled head, conditions and ORDER BY; for every shape of filter that is the
    statement SQLAlchemy compiles (so the SQL is written once, in rectify/store/)."""
    keys = ("county", "township", "kind", "stage", "year", "supervised", "open_only")
    if name != "case_rows":
        keys = tuple(k for k in keys if k != "supervised")
    for f, reader in _shapes(keys):
        if name == "case_rows":
            q = reads.case_rows_select()
        else:
            q = ledger_select(filtered=True, sort=name.rpartition(":")[2])
        for _, clause in filter_clauses(reader=reader, **f):
            q = q.where(clause)
        ours, params, _, _ = filtered(name, f, reader)
        assert _expanded(ours, params) == _expanded(sql_of(q.compile(dialect=DIALECT)), params), (f, reader)


def _same(a: Any, b: Any) -> None:
    a, b = list(a), list(b)
    assert [tuple(r) for r in a] == [tuple(r) for r in b]
    assert [type(v) for r in a for v in r] == [type(v) for r in b for v in r]


def test_the_light_rows_are_sqlalchemys(demo: Callable[..., Result], db: Database, db_url: str) -> None:
    if not db_url.startswith("sqlite"):
        assert open_light(db_url) is None  # PostgreSQL reads go through SQLAlchemy
        return
    light = open_light(db_url)
    assert light is not None
    with db.connect() as conn:
        assert light.latest_day() == snapshot.latest_dates(conn)[0]
        assert light.registered() == people.count_registered(conn)
        assert light.settings() == security.read_settings(conn)
        for name in ("钱明远", "qs-qian", "无此人"):
            _same([x for x in [light.person(name)] if x], [x for x in [people.find_person(conn, name)] if x])
        for case_id in range(1, 45):
            row, org = reads.resolve_seen(conn, str(case_id), None)
            ours = light.resolve_seen(str(case_id), None)
            _same([row, org], ours)
            theirs = reads.case_parts(conn, case_id)
            mine = light.case_parts(case_id)
            assert list(mine) == list(theirs)
            for part in theirs:
                _same(mine[part], theirs[part])
        for f, reader in _shapes(("county", "township", "supervised", "open_only")):
            _same(light.case_rows(reader=reader, **f), reads.case_rows(conn, reader=reader, **f))
    for f, reader in _shapes(("county", "township", "open_only")):
        for sort in ("place", "deadline"):
            lf = LedgerFilter(reader=reader, sort=sort, **f)
            with ledger_tuples(db, lf, batch=100) as rows:
                theirs = list(rows)
            with light.ledger_tuples(lf) as rows:
                _same(list(rows), theirs)
    light.close()


def _resolved(db: Database, config: Any, given: str | None) -> Actor | None:
    from rectify.errors import RectifyError
    from rectify.write.actors import resolve_actor

    try:
        return resolve_actor(db, config, given)
    except RectifyError:
        return None


def test_who_reads_is_who_the_registry_says(demo: Callable[..., Result], db: Database, db_url: str) -> None:
    """The light path names the reader only where the registry's rules (rectify.write.actors) name the same
    person without a word; every refusal, and a name left unregistered, is for SQLAlchemy's path."""
    from rectify.config import Config, SecurityConfig
    from rectify.reports.light import person

    if not db_url.startswith("sqlite"):
        return
    assert demo("--actor", "周文博", "people", "disable", "沈晓东").exit_code == 0
    loose = Config(security=SecurityConfig(require_registered_actor=False))
    light = open_light(db_url)
    assert light is not None
    for config in (Config(), loose):
        for given in ("钱明远", "qs-qian", " 钱明远 ", "沈晓东", "qs-shen", "无此人", "", None):
            ours = person(light, config, given, "root")
            theirs = _resolved(db, config, given)
            assert ours is None or ours == theirs, given
            if given in ("钱明远", "qs-qian"):
                assert ours is not None and ours == theirs
    strict = Config(security=SecurityConfig(actor_from_database=True))
    assert person(light, strict, "钱明远", "root") is None
    light.close()


def test_the_light_csv_is_sqlalchemys_byte_for_byte(demo: Callable[..., Result], db: Database, db_url: str) -> None:
    """``ledger --format csv`` of today on the light path carries a late stage's verification facts (issue 26),
    looked up by the same statements on sqlite3: the same facts, and the same file byte for byte."""
    import io
    from datetime import UTC, date, datetime

    from rectify.config import Config
    from rectify.service.reports import write_ledger_on
    from rectify.store.late_facts import late_stage_facts

    if not db_url.startswith("sqlite"):
        return
    light = open_light(db_url)
    assert light is not None
    ids = list(range(1, 45))
    with db.connect() as conn:
        theirs = late_stage_facts(conn, ids)
    assert light.late_stage_facts(ids) == theirs
    assert any(f.get("approver") for f in theirs.values())  # the demo has struck-off cases: the test bites
    assert light.late_stage_facts([]) == {}
    as_of, config = date(2026, 6, 30), Config()
    now = datetime(2026, 6, 30, 2, 0, tzinfo=UTC)
    for f, reader in _shapes(("county", "open_only")):
        lf = LedgerFilter(reader=reader, **f)
        files = []
        for source in (light, db):
            out = io.StringIO(newline="")
            write_ledger_on(source, config, lambda: now, lf, "csv", out, as_of=as_of)
            files.append(out.getvalue().encode("utf-8"))
        assert files[0] == files[1], (f, reader)
    light.close()
