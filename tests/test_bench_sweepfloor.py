"""The sweep figure's floor (bench.sweep_floor) decides by hand the very items the product's sweep decides."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import date, timedelta
from pathlib import Path

# Every day of the demo's half year and the quarter after it (its cases overdue, escalated, struck off, 回头看 due),
# so each window's first and last day comes; and a day a year on.
DAYS = (*(date(2026, 1, 1) + timedelta(days=k) for k in range(273)), date(2027, 3, 20))


def test_sweep_floor_decides_the_products_items(sqlite_template: Path, tmp_path: Path) -> None:
    """On the demo county, on days before, inside and after its windows, the floor's items (case, kind, stage, due
    day, window, days left, audience, task) are the product's, in its order; every kind the sweep makes appears, the
    escalation and the supervised case's monthly report to the county and to the city both."""
    from bench import sweep_floor
    from rectify.config import Config
    from rectify.demo.demo import build_demo
    from rectify.notifications.policy import candidate_args, sweep
    from rectify.store import open_database
    from rectify.store.light import open_light
    from rectify.store.light_outbox import LightSweepReader

    path = tmp_path / "demo.sqlite"
    shutil.copy(sqlite_template, path)
    db = open_database(f"sqlite:///{path}")
    build_demo(db, Config(), date(2026, 6, 30))
    db.dispose()
    policy = Config().policy
    seen: set[tuple[str, str, bool]] = set()
    made = 0
    raw = sqlite3.connect(path)
    for day in DAYS:
        light = open_light(f"sqlite:///{path}")
        assert light is not None
        product = sweep(day, LightSweepReader(light).candidates(**candidate_args(day, policy)), policy)
        light.close()
        floor = sweep_floor.decide(raw, sweep_floor.statement(path, day), sweep_floor.Rules(day))
        made += len(product)
        assert floor == [tuple(item) for item in product], day
        seen.update((item.kind, item.audience, item.offset_days < 0) for item in product)
    raw.close()
    assert made > 5000
    assert {kind for kind, _, _ in seen} == {"escalation", "overdue", "stage_due", "deadline", "progress", "look_back"}
    assert {("escalation", "county", True), ("escalation", "city", True), ("progress", "city", False),
            ("progress", "county", True), ("progress", "case", False), ("progress", "case", True),
            ("look_back", "case", False), ("look_back", "case", True)} <= seen
