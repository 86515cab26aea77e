"""The mails' 联系人 comes from the people registry: the county officer in charge of each case."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import Result

from rectify.notifications.outbox import run_sweep
from rectify.notifications.render import Renderer
from rectify.notifications.store import OutboxStore
from rectify.store import Database
from rectify.store.outbox import SqlOutboxStore
from rectify.store.outbox_models import digest_t
from rectify.store.people import insert_person, set_active
from rectify.write.engine import Workflow

from .conftest import FakeClock
from .remind_helpers import AS_OF_ISO, OFFICER, build_county, county_config, memory_store, write_config

AS_OF = date.fromisoformat(AS_OF_ISO)
QIAN = "联系人：县委组织部组织二科 钱明远 电话 0000 邮箱 qian@example.cn"
SUN = "县委组织部组织一科 孙立 邮箱 sun@example.cn"


@pytest.fixture
def county(wf: Workflow, clock: FakeClock) -> tuple[int, int]:
    """Case a in 河口镇, case b in 石桥乡, both in 青山县."""
    return build_county(wf, clock)


def register(db: Database, clock: FakeClock) -> None:
    """Another county's officer and people who do not count come first (lower ids)."""
    with db.engine.begin() as conn:
        insert_person(conn, name="周外县", role="county_officer", unit="绿水县委组织部", scope="绿水县",
                      email="zhou@example.cn", now=clock.now)
        gone = insert_person(conn, name="吴离任", role="county_officer", unit="县委组织部", scope="青山县",
                             email="wu@example.cn", now=clock.now)
        set_active(conn, gone, False)
        insert_person(conn, name="郑未登记", role="county_officer", scope="青山县", registered=False, now=clock.now)
        insert_person(conn, name="冯验收", role="county_verifier", unit="验收组", scope="青山县", now=clock.now)
        insert_person(conn, name="钱明远", role="county_officer", unit="县委组织部组织二科", scope="青山县",
                      phone="0000", email="qian@example.cn", now=clock.now)
        insert_person(conn, name="陈后来", role="county_officer", unit="县委组织部", scope="青山县", now=clock.now)
        insert_person(conn, name="孙立", role="county_officer", unit="县委组织部组织一科", scope="青山县/石桥乡",
                      email="sun@example.cn", now=clock.now)


@pytest.fixture(params=["sql", "memory"])
def registered(request: pytest.FixtureRequest, db: Database, clock: FakeClock, county: tuple) -> OutboxStore:
    register(db, clock)
    return SqlOutboxStore(db) if request.param == "sql" else memory_store(db)


def bodies(store: OutboxStore, clock: FakeClock) -> dict[str, str]:
    result = run_sweep(store, county_config(), as_of=AS_OF, now=clock.now, renderer=Renderer(), dry_run=True)
    return {d["recipient"]: d["body_text"] for d in result.digests}


def test_each_case_names_its_county_officer_a_township_one_first(
    registered: OutboxStore, clock: FakeClock, county: tuple
) -> None:
    a, b = county
    with registered.reading() as read:
        contacts = {c.case_id: c.name for c in read.contacts([a, b])}
    assert contacts == {a: "钱明远", b: "孙立"}
    texts = bodies(registered, clock)
    # both cases, each contact once, before the 落款 (sender and date)
    assert texts[OFFICER].rstrip().endswith(f"{QIAN}；{SUN}\n\n县委组织部\n2026年12月24日")
    for text in texts.values():
        assert text.count("联系人：") == 1
        assert not any(n in text for n in ("周外县", "吴离任", "郑未登记", "冯验收", "陈后来"))
    # A digest about case b alone (the supervised one, escalated) names only its township's officer.
    only_b = [t for t in texts.values() if "王家庄村" not in t]
    assert only_b and all(f"\n联系人：{SUN}\n" in t for t in only_b)


def test_html_digest_ends_with_the_contacts(db: Database, clock: FakeClock, county: tuple) -> None:
    register(db, clock)
    run_sweep(SqlOutboxStore(db), county_config(), as_of=AS_OF, now=clock.now, renderer=Renderer())
    with db.engine.connect() as conn:
        html = conn.execute(sa.select(digest_t.c.body_html).where(digest_t.c.recipient == OFFICER)).scalar_one()
    assert f"{QIAN}；{SUN}</p>\n<p style=\"text-align: right; margin-top: 2em;\">县委组织部<br>2026年12月24日</p>" in html


@pytest.mark.parametrize("backend", ["sql", "memory"])
def test_without_a_registry_there_is_no_contact_line(
    db: Database, clock: FakeClock, county: tuple, backend: str
) -> None:
    store = SqlOutboxStore(db) if backend == "sql" else memory_store(db)
    texts = bodies(store, clock)
    assert texts and not any("联系人" in t for t in texts.values())


def test_cli_dry_run_names_the_contact(
    run: Callable[..., Result], db: Database, clock: FakeClock, county: tuple, tmp_path: Path
) -> None:
    register(db, clock)
    cfg = write_config(tmp_path / "c.toml", 1)
    res = run("remind", "run", "--as-of", AS_OF_ISO, "--dry-run", env={"RECTIFY_CONFIG": str(cfg)})
    assert res.exit_code == 0, res.output
    assert f"{QIAN}；{SUN}" in res.output and "周外县" not in res.output
