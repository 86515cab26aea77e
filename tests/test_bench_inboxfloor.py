"""The ``inbox`` figure's floor (bench.inbox_floor) decides by hand the very 我的待办 ``Service.tasks`` gives."""

from __future__ import annotations

import sqlite3
from collections import Counter
from datetime import date
from pathlib import Path

from .test_bench import _demo_with_hostile_names

# Days across the demo's half year (rebuilt from the history: the floor folds it by hand), the demo's last day, the
# first days of the 第一书记 tasks' windows (the recall on 07-01, the term ending 09-30 from 08-31) and one inside, the
# day of the last event and a day long after (today's tables).
DAYS = (date(2026, 1, 20), date(2026, 3, 10), date(2026, 5, 5), date(2026, 6, 12), date(2026, 6, 30),
        date(2026, 7, 1), date(2026, 8, 31), date(2026, 9, 27), date(2026, 10, 20), date(2027, 3, 20))
# Who has a 我的待办: the county's 经办人 (the figure's), its 验收 and 批复, a township's 包村领导 and 第一书记, and an
# unregistered person (no role: every task, every county).
ROLES = ("county_officer", "county_verifier", "county_approver", "township_leader", "first_secretary", None)


def test_inbox_floor_decides_the_products_task_list(sqlite_template: Path, tmp_path: Path) -> None:
    """On the demo county with the hostile names and the 第一书记 tracks, for every county and township, each role
    and each day: the same tasks (case, organization, task and label, due day, days left, light) in the same order;
    between them every kind of task and every light."""
    from bench.inbox_floor import Inbox, shown, tasks
    from rectify.config import Config
    from rectify.service import Service
    from rectify.states.permissions import Actor

    path, db = _demo_with_hostile_names(sqlite_template, tmp_path)
    service, con = Service(db, Config()), sqlite3.connect(path)
    places = con.execute("SELECT DISTINCT county, township FROM organization ORDER BY 1, 2").fetchall()
    seen: Counter[tuple[str, str]] = Counter()
    try:
        for day in DAYS:
            for role in ROLES:
                scopes = places if role in ("township_leader", "first_secretary") else \
                    sorted({(county, None) for county, _ in places})
                for county, township in scopes:
                    person = Actor("测试", role=role, counties=(county,), township=township)
                    product = shown(service.tasks(person, as_of=day))
                    assert tasks(con, Inbox(role, (county,), township), day, path) == product, (day, role, township)
                    seen.update((t[2], t[6]) for t in product)
    finally:
        con.close()
        service.close()
    assert {task for task, _ in seen} == {"plan", "assign_secretary", "apply", "verify", "secretary_term",
                                          "secretary_vacant"}
    assert {light for _, light in seen} == {"green", "yellow", "orange", "red"}
    assert sum(seen.values()) > 500
