"""``remind_dry_run``: ``rectify remind run --dry-run`` as a whole command, against a floor doing the same work.

The floor is a bare interpreter that runs the dry run's own SQL statements raw on sqlite3 (captured on the
product's engine in an earlier run, every row read), then renders the same digests' subject and text through the
same templates (the digests' items, as the product decided them, loaded before anything is timed) and prints
them as the command does: the same bytes on stdout (checked). What the floor leaves out is deciding and planning
the reminders — the product is charged for that. Both are whole commands, each run's peak RSS its own
(``VmHWM`` read at exit, which starts afresh at ``exec``).

``python -m bench.remind capture DB WORKDIR`` records the statements and the digests; ``python -m bench.remind
floor WORKDIR DB`` is the floor; ``python -m bench.remind product DB ARGS…`` runs the command reporting its peak.
"""

from __future__ import annotations

import atexit
import os
import pickle
import sys
from pathlib import Path
from typing import Any

AS_OF_ISO = "2026-06-30"
HWM_ENV = "BENCH_HWM_FILE"


def _report_hwm() -> None:
    """At exit, this process's peak RSS (kB) into the file ``$BENCH_HWM_FILE`` names."""
    target = os.environ.get(HWM_ENV)
    if not target:
        return
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                Path(target).write_text(line.split()[1], encoding="ascii")


def capture(db_path: str, workdir: str) -> None:
    """Run the dry run in process; keep its SQL statements (with their parameters) and each digest's items."""
    from datetime import UTC, date, datetime

    import sqlalchemy as sa

    from rectify.config import Config
    from rectify.demo.demo import with_demo_report
    from rectify.notifications.outbox import run_sweep
    from rectify.notifications.render import Renderer
    from rectify.store import open_database
    from rectify.store.outbox import SqlOutboxStore

    db = open_database(db_path)
    config = with_demo_report(db, Config())
    digests: list[tuple[str, str, list[dict[str, Any]]]] = []
    statements: list[tuple[str, Any]] = []

    class Recorded(Renderer):
        def render_text(self, recipient: str, recipient_name: str, as_of: date, items: Any) -> tuple[str, str]:
            digests.append((recipient, recipient_name, list(items)))
            return super().render_text(recipient, recipient_name, as_of, items)

    def hook(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        statements.append((statement, parameters))

    renderer = Recorded(config.templates.folder, config.report)
    sa.event.listen(db.engine, "before_cursor_execute", hook)
    result = run_sweep(SqlOutboxStore(db), config, as_of=date.fromisoformat(AS_OF_ISO),
                       now=datetime(2026, 6, 30, 2, 0, tzinfo=UTC), renderer=renderer, dry_run=True)
    sa.event.remove(db.engine, "before_cursor_execute", hook)
    db.dispose()
    with open(Path(workdir) / "remind-floor.pickle", "wb") as out:
        pickle.dump({"statements": statements, "digests": digests, "cases": result.cases,
                     "folder": config.templates.folder, "report": config.report}, out)


def floor(workdir: str, db_path: str) -> None:
    """The floor: the statements raw, then the digests rendered and printed as the command prints them."""
    import sqlite3
    from datetime import date

    from rectify.notifications.render import Renderer

    with open(Path(workdir) / "remind-floor.pickle", "rb") as source:
        work = pickle.load(source)  # noqa: S301 (written by capture above)
    con = sqlite3.connect(db_path)
    for sql, params in work["statements"]:
        for _row in con.execute(sql, params):
            pass
    con.close()
    renderer = Renderer(work["folder"], work["report"])
    as_of = date.fromisoformat(AS_OF_ISO)
    out = sys.stdout
    for recipient, name, items in work["digests"]:  # as the command prints them with -q (no summary line)
        subject, text = renderer.render_text(recipient, name, as_of, items)
        out.write(f"=== 收件人：{name} <{recipient}>（{len(items)} 项）\n主题：{subject}\n{text}\n")


def product(argv: list[str]) -> None:
    from rectify.cli import main

    sys.argv = ["rectify", *argv]
    main()


if __name__ == "__main__":
    atexit.register(_report_hwm)
    what = sys.argv[1]
    if what == "capture":
        capture(sys.argv[2], sys.argv[3])
    elif what == "floor":
        floor(sys.argv[2], sys.argv[3])
    else:
        product(sys.argv[2:])
