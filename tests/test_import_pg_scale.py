"""A whole ledger imports on PostgreSQL under the statement timeout every connection carries (issue 29).

The import's closing count (the stored organizations its cases went to) was ``NOT IN (SELECT …)`` over the
import's temporary tables. PostgreSQL hashes such a subquery only while it fits in ``work_mem``; past that it
rescans the subquery for every case, quadratic in the import. With the default 4 MB that happened near a million
added organizations (a province's ledger: minutes, cut by the 30 s timeout, the whole import rolled back). Here the
database's ``work_mem`` is PostgreSQL's smallest (64 kB), so twelve thousand organizations cross the same line:
the old statement took ~10 s on this machine, the anti-join a few milliseconds, against a 2 s timeout.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from rectify.importing import import_cases
from rectify.store import open_database
from rectify.write.engine import Workflow

from .conftest import ACTOR, FakeClock, PgServer, add_org

ROWS = 12_000
HEADER = "组织代码,党组织名称,类别,县,乡镇,软弱涣散情形,确定日期,转化时限\n"


@pytest.mark.postgres
def test_a_large_import_of_new_organizations_stays_under_the_statement_timeout(
        pg_server: PgServer, pg_template: str, monkeypatch: pytest.MonkeyPatch, clock: FakeClock,
        tmp_path: Path) -> None:
    url = pg_server.new_database(pg_template)
    name = sa.make_url(url).database
    admin = pg_server.admin()
    with admin.connect() as c:
        c.execute(sa.text(f"ALTER DATABASE \"{name}\" SET work_mem = '64kB'"))
    admin.dispose()
    monkeypatch.setenv("RECTIFY_DB_STATEMENT_TIMEOUT_MS", "2000")
    db = open_database(url)
    try:
        wf = Workflow(db, actor=ACTOR, clock=clock)
        add_org(wf, "S001", "河口镇王家庄村党支部")
        add_org(wf, "S002", "河口镇李家湾村党支部")
        path = tmp_path / "ledger.csv"
        with open(path, "w", encoding="utf-8-sig") as out:
            out.write(HEADER)
            out.write("S001,河口镇王家庄村党支部,村,青山县,河口镇,P01,2026-02-01,2026-12-31\n")
            out.write("S002,河口镇李家湾村党支部,村,青山县,河口镇,P02,2026-02-01,2026-12-31\n")
            for i in range(ROWS):
                out.write(f"N{i:06d},第{i}村党支部,村,青山县,河口镇,P01,2026-02-01,2026-12-31\n")
        result = import_cases(db, path, actor=ACTOR, clock=clock)
        assert (result.cases, result.orgs_created, result.orgs_existing) == (ROWS + 2, ROWS, 2)
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM rectification_case")).scalar_one() == ROWS + 2
            assert conn.execute(sa.text("SELECT current_setting('work_mem')")).scalar_one() == "64kB"
    finally:
        db.dispose()
