"""Officers' own PostgreSQL roles with row-level security (deploy/postgres-officer-roles.sql, issue 26): a role of
county A reads nothing of county B with raw SQL, and no officer's role can change a row directly."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from rectify.config import Config
from rectify.store import open_database
from rectify.store.people import insert_person
from rectify.write.engine import Workflow
from tests.conftest import NOW, PgServer, snapshot

pytestmark = pytest.mark.postgres

SCRIPT = Path(__file__).parent.parent / "deploy" / "postgres-officer-roles.sql"


@pytest.fixture
def county_roles(pg_server: PgServer, pg_template: str) -> dict[str, str]:
    url = pg_server.new_database(pg_template)
    dbname = url.rsplit("/", 1)[1]
    roles = {"a": f"rls_qs_{os.getpid()}_{dbname}", "b": f"rls_lv_{os.getpid()}_{dbname}"}
    db = open_database(url)
    with db.begin() as conn:
        insert_person(conn, name="管理员", role="admin", scope="*", unit="市委组织部", now=NOW)
        insert_person(conn, name="青山经办", role="county_officer", scope="青山县", unit="青山县委组织部",
                      login=roles["a"], now=NOW)
        insert_person(conn, name="绿水经办", role="county_officer", scope="绿水县", unit="绿水县委组织部",
                      login=roles["b"], now=NOW)
    for code, county in (("Q001", "青山县"), ("L001", "绿水县")):
        wf = Workflow(db, Config(), actor="管理员", clock=lambda: NOW)
        wf.add_org(code, f"{county}某村党支部", kind="village", county=county, township="某镇")
        case_id = wf.open_case(code, problems=["P01"], identified_on=date(2026, 3, 1), deadline=date(2026, 12, 31),
                               officer="经办", officer_email="o@example.cn").case_id
        wf.plan(case_id, measures=[(["P01"], "配齐班子", "王建国", date(2026, 6, 30))], county_leader="李县长",
                township_cadre="张干部")
    db.dispose()
    owner = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with owner.connect() as c:
        c.execute(sa.text("DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'rectify_officer') "
                          "THEN CREATE ROLE rectify_officer NOLOGIN; END IF; END$$"))
        c.execute(sa.text(f'GRANT CONNECT ON DATABASE "{dbname}" TO rectify_officer'))
        for role in roles.values():
            c.execute(sa.text(f'CREATE ROLE "{role}" LOGIN IN ROLE rectify_officer'))
        c.connection.driver_connection.execute(SCRIPT.read_text(encoding="utf-8"))  # as psql -f would
    owner.dispose()
    return {**{k: url.replace("rectify@", f"{r}@", 1) for k, r in roles.items()}, "owner": url}


TABLES = ("organization", "rectification_case", "case_problem", "measure", "measure_problem", "case_person",
          "case_event", "person")


def test_a_county_role_reads_only_its_county_and_changes_nothing(county_roles: dict[str, str]) -> None:
    owner = open_database(county_roles["owner"])
    before = snapshot(owner)
    role_a = sa.create_engine(county_roles["a"])
    try:
        with role_a.connect() as c:
            assert c.execute(sa.text("SELECT county FROM organization")).scalars().all() == ["青山县"]
            seen = {t: c.execute(sa.text(f'SELECT count(*) FROM "{t}"')).scalar_one() for t in TABLES}
        everything = {t: len(before[t]) for t in TABLES}
        for t in ("organization", "rectification_case", "case_problem", "measure", "measure_problem", "case_event"):
            assert 0 < seen[t] < everything[t], (t, seen[t], everything[t])
        with role_a.connect() as c:
            text = " ".join(str(r) for t in TABLES for r in c.execute(sa.text(f'SELECT * FROM "{t}"')))
        assert "绿水县" not in text and "L001" not in text
        for statement in ("UPDATE person SET role = 'admin' WHERE name = '青山经办'",
                          "UPDATE person SET active = true", "DELETE FROM case_event",
                          "UPDATE rectification_case SET stage = 'verified'",
                          "UPDATE organization SET county = '绿水县'",
                          "INSERT INTO security_setting VALUES ('require_registered_actor', 'false', now(), 'x')",
                          "DELETE FROM security_setting", "TRUNCATE outbox_item"):
            with pytest.raises(sa.exc.ProgrammingError, match="permission denied"), role_a.begin() as c:
                c.execute(sa.text(statement))
        assert snapshot(owner) == before
    finally:
        role_a.dispose()
        owner.dispose()


def test_rectify_as_a_read_only_county_role_reads_its_county_and_a_change_is_one_line(
        county_roles: dict[str, str], tmp_path: Path) -> None:
    from click.testing import CliRunner

    from rectify.cli import cli

    conf = tmp_path / "rectify.toml"
    conf.write_text("[security]\nactor_from_database = true\n", encoding="utf-8")
    env = {"RECTIFY_CONFIG": str(conf)}
    listed = CliRunner().invoke(cli, ["--db", county_roles["a"], "case", "list", "--format", "json"], env=env)
    assert listed.exit_code == 0, listed.output
    assert "青山县" in listed.stdout and "绿水县" not in listed.stdout
    change = CliRunner().invoke(cli, ["--db", county_roles["a"], "case", "withdraw", "1", "--reason", "误判"], env=env)
    assert change.exit_code != 0 and change.stderr.count("\n") == 1, change.output
    assert "内部错误" not in change.stderr, change.stderr
