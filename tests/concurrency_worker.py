"""One officer process for the concurrency tests: N operations on overlapping cases, as fast as it can.

Run as ``python -m tests.concurrency_worker URL SEED N CASES``; prints a JSON summary on stdout.
"""

from __future__ import annotations

import json
import random
import sys
from datetime import UTC, date, datetime

from rectify.config import Config
from rectify.errors import Conflict, DatabaseProblem
from rectify.store import open_database
from rectify.store.tables import case_t
from rectify.write.engine import Workflow


def main(url: str, seed: int, n: int, cases: int) -> None:
    db = open_database(url)
    wf = Workflow(db, Config(), actor=f"worker{seed}",
                  clock=lambda: datetime(2026, 3, 10, 2, 0, tzinfo=UTC))
    rng = random.Random(seed)
    ok: dict[int, int] = {}
    refusals: list[str] = []
    for i in range(n):
        case_id = rng.randint(1, cases)
        expected = None
        if i % 2:  # half the time, act on what was read a moment ago, like an officer looking first
            with db.engine.connect() as c:
                expected = c.execute(case_t.select().with_only_columns(case_t.c.version)
                                     .where(case_t.c.id == case_id)).scalar_one()
        try:
            wf.report_progress(case_id, on=date(2026, 3, 10), note=f"worker{seed}-{i}", expected_version=expected)
            ok[case_id] = ok.get(case_id, 0) + 1
        except (Conflict, DatabaseProblem) as exc:
            refusals.append(str(exc))
    db.dispose()
    print(json.dumps({"ok": ok, "refusals": refusals}, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
