"""Migration 0005 carries the demo county over: old ``local`` secretaries become the village track (选配),
old measures answer every problem of their case; the first secretary keeps its track."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from alembic import command

from rectify.config import Config
from rectify.demo.demo import build_demo
from rectify.store import SCHEMA_HEAD, Database, alembic_config, upgrade


def _at(db: Database, revision: str) -> None:
    cfg = alembic_config(db)
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def test_0004_demo_data_carried_to_0005(db: Database) -> None:
    build_demo(db, Config(), date(2026, 6, 30))
    with db.engine.connect() as c:
        measures = c.execute(sa.text("SELECT count(*) FROM measure")).scalar_one()
        firsts = c.execute(sa.text("SELECT count(*) FROM secretary_assignment WHERE kind = 'first'")).scalar_one()
        villages = c.execute(sa.text("SELECT count(*) FROM secretary_assignment WHERE kind = 'village'")).scalar_one()
    assert measures > 0 and firsts > 0 and villages > 0
    _at(db, "0004")  # the 0004 schema: one secretary column, measures naming no problem
    with db.engine.begin() as c:
        assert c.execute(sa.text("SELECT count(*) FROM secretary_assignment WHERE kind = 'local'")).scalar_one() \
            == villages
        cols = set(c.execute(sa.text("SELECT * FROM measure LIMIT 0")).keys())
        assert "owner_unit" not in cols
        assert not sa.inspect(c).has_table("measure_problem")
    assert upgrade(db, "0005") == ("0004", "0005")
    with db.engine.connect() as c:
        kinds = dict(c.execute(sa.text(
            "SELECT kind, count(*) FROM secretary_assignment GROUP BY kind")).all())
        assert kinds == {"first": firsts, "village": villages}
        assert c.execute(sa.text(
            "SELECT count(*) FROM secretary_assignment WHERE kind = 'village' AND action <> '选配'")).scalar_one() == 0
        # every old measure answers every problem of its case
        expected = c.execute(sa.text(
            "SELECT count(*) FROM measure m JOIN case_problem p ON p.case_id = m.case_id")).scalar_one()
        assert c.execute(sa.text("SELECT count(*) FROM measure_problem")).scalar_one() == expected
        assert c.execute(sa.text("SELECT count(*) FROM measure WHERE owner_unit = '' AND owner_email = ''")
                         ).scalar_one() == measures
        assert c.execute(sa.text("SELECT count(*) FROM rectification_case WHERE village_secretary_status <> ''")
                         ).scalar_one() == 0
    assert upgrade(db) == ("0005", SCHEMA_HEAD)  # and on to the head: the supervision signs of 0006, …
