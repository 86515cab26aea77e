"""A digest naming a case outside a reader's scope is not theirs: neither in their outbox list nor in their scoped
backup (SPEC §12). The rule is an anti-join (NOT EXISTS), not ``NOT IN (SELECT …)``, which PostgreSQL rescans for
every row once the subquery outgrows ``work_mem`` (issue 29); these pin its answers on both backends."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime

import sqlalchemy as sa

from rectify.store import Database
from rectify.store.backup import export_all
from rectify.store.outbox import digest_ids_within
from rectify.store.outbox_models import digest_t, item_t
from rectify.write.engine import Workflow

from .conftest import FakeClock

AT = datetime(2026, 7, 7, 2, 0, tzinfo=UTC)


def test_a_digest_that_names_another_countys_case_is_in_neither_scope(db: Database, wf: Workflow,
                                                                      clock: FakeClock) -> None:
    cases = {}
    for code, county in (("Q001", "青山县"), ("Q002", "青山县"), ("L001", "绿水县")):
        wf.add_org(code, f"{county}{code}村党支部", kind="village", county=county, township="某镇")
        cases[code] = wf.open_case(code, problems=["P01"], identified_on=date(2026, 3, 1),
                                   deadline=date(2026, 12, 31)).case_id
    digests = {"qian": ["Q001", "Q002"], "mixed": ["Q001", "L001"], "lv": ["L001"], "none": []}
    ids = {}
    with db.engine.begin() as conn:
        for name, codes in digests.items():
            ids[name] = conn.execute(sa.insert(digest_t).values(
                recipient=f"{name}@example.cn", sweep_date=AT.date(), next_attempt_at=AT, message_id=f"<{name}>",
                created_at=AT).returning(digest_t.c.id)).scalar_one()
            for code in codes:
                conn.execute(sa.insert(item_t).values(
                    digest_id=ids[name], case_id=cases[code], kind="due", stage="identified", due_on=AT.date(),
                    offset_days=0, recipient=f"{name}@example.cn", role="officer", created_at=AT))
        conn.execute(sa.insert(item_t).values(  # an item not yet in a digest
            digest_id=None, case_id=cases["Q002"], kind="due", stage="identified", due_on=AT.date(), offset_days=3,
            recipient="x@example.cn", role="officer", created_at=AT))
    assert digest_ids_within(db, ("青山县",), None) == {ids["qian"]}
    assert digest_ids_within(db, ("绿水县",), None) == {ids["lv"]}
    assert digest_ids_within(db, ("青山县", "绿水县"), None) == {ids["qian"], ids["mixed"], ids["lv"]}
    out = io.StringIO()
    export_all(db, out, counties=("青山县",))
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    exported = {t: [r["row"] for r in rows if r.get("table") == t] for t in ("outbox_digest", "outbox_item")}
    assert [d["id"] for d in exported["outbox_digest"]] == [ids["qian"]]
    assert sorted((i["digest_id"] or 0, i["case_id"]) for i in exported["outbox_item"]) == sorted(
        [(0, cases["Q002"]), (ids["qian"], cases["Q001"]), (ids["qian"], cases["Q002"])])
