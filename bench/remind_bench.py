"""Sweep time at N cases and per-digest send cost to a local aiosmtpd. Prints figures; asserts nothing.

    python bench/remind_bench.py [--cases 100000] [--db URL] [--send 500]

Cases are written with bulk Core inserts (no ORM object per row), spread over stages and due dates
so that a realistic share of them is due on the as-of date.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from rectify.config import Config, SmtpConfig, SupervisorsConfig
from rectify.notifications.mailer import SmtpMailer
from rectify.notifications.outbox import drain, run_sweep
from rectify.notifications.render import Renderer
from rectify.workflow.engine import case_t, org_t, person_t, secretary_t
from rectify.workflow.persistence import open_database, upgrade

AS_OF = date(2026, 6, 30)
STAGES = ("identified", "ledger_created", "secretary_assigned", "secretary_assigned", "rectified", "verified")


def build(url: str, n: int) -> None:
    db = open_database(url, create=True, check=False)
    upgrade(db)
    now = datetime(2026, 6, 1, tzinfo=UTC)
    with db.engine.begin() as conn:
        conn.execute(
            sa.insert(org_t),
            [
                {
                    "id": i,
                    "code": f"B{i:07d}",
                    "name": f"第{i}村党支部",
                    "kind": "village",
                    "county": f"县{i % 500}",
                    "township": f"镇{i % 5000}",
                    "poor_village": False,
                    "created_at": now,
                }
                for i in range(1, n + 1)
            ],
        )
        cases, people, secs = [], [], []
        for i in range(1, n + 1):
            stage = STAGES[i % len(STAGES)]
            identified = AS_OF - timedelta(days=30 + i % 200)
            deadline = AS_OF + timedelta(days=(i % 120) - 20)
            stage_due = {
                "identified": identified + timedelta(days=15),
                "ledger_created": identified + timedelta(days=30),
                "secretary_assigned": deadline,
                "rectified": AS_OF + timedelta(days=i % 30),
            }.get(stage)
            cases.append(
                {
                    "id": i,
                    "org_id": i,
                    "year": 2026,
                    "stage": stage,
                    "identified_on": identified,
                    "deadline": deadline,
                    "stage_since": identified,
                    "stage_due": stage_due,
                    "cycle_start": identified,
                    "cycle": 1,
                    "version": 1,
                    "detail": "",
                    "helping_unit": "",
                    "self_check": "",
                    "withdrawn_reason": "",
                    "supervised": i % 17 == 0,
                    "supervision_reason": "",
                    "measures_total": 3,
                    "measures_done": 1,
                    "last_progress_on": AS_OF - timedelta(days=i % 50),
                    "created_at": now,
                    "updated_at": now,
                }
            )
            for role, who in (
                ("officer", f"officer{i % 300}"),
                ("county_leader", f"leader{i % 1000}"),
                ("township_cadre", f"cadre{i % 5000}"),
            ):
                people.append(
                    {
                        "case_id": i,
                        "role": role,
                        "name": who,
                        "unit": "",
                        "email": f"{who}@bench.cn",
                        "phone": "",
                    }
                )
            if stage in ("secretary_assigned", "rectified"):
                secs.append(
                    {
                        "case_id": i,
                        "name": f"书记{i}",
                        "kind": "first",
                        "unit": "县财政局",
                        "since": identified,
                        "until": None,
                        "email": f"sec{i}@bench.cn",
                        "phone": "",
                        "end_reason": "",
                    }
                )
        conn.execute(sa.insert(case_t), cases)
        conn.execute(sa.insert(person_t), people)
        conn.execute(sa.insert(secretary_t), secs)
    db.dispose()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=100_000)
    ap.add_argument("--db", default="")
    ap.add_argument("--send", type=int, default=500, help="digests to send to a local aiosmtpd")
    args = ap.parse_args()
    url = args.db or f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite"
    t = time.perf_counter()
    build(url, args.cases)
    print(f"built {args.cases} cases in {time.perf_counter() - t:.1f} s ({url.split(':')[0]})")
    config = Config(supervisors=SupervisorsConfig(county=("county@bench.cn",), city=("city@bench.cn",)))
    db = open_database(url)
    now = datetime(2026, 6, 30, 0, 30, tzinfo=UTC)
    t = time.perf_counter()
    dry = run_sweep(db, config, as_of=AS_OF, now=now, renderer=Renderer(), dry_run=True)
    print(
        f"dry-run sweep: {dry.cases} candidates, {dry.items} items, {len(dry.digests)} digests, "
        f"{dry.new_items} outbox items in {time.perf_counter() - t:.2f} s"
    )
    t = time.perf_counter()
    real = run_sweep(db, config, as_of=AS_OF, now=now, renderer=Renderer())
    print(
        f"recording sweep: {len(real.digests)} digests, {real.new_items} items "
        f"in {time.perf_counter() - t:.2f} s"
    )
    t = time.perf_counter()
    again = run_sweep(db, config, as_of=AS_OF, now=now, renderer=Renderer())
    print(f"re-run sweep (all deduplicated): {len(again.digests)} digests in {time.perf_counter() - t:.2f} s")

    from aiosmtpd.controller import Controller

    class Null:
        async def handle_DATA(self, server: object, session: object, envelope: object) -> str:  # noqa: N802
            return "250 OK"

    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    ctl = Controller(Null(), hostname="127.0.0.1", port=port)
    ctl.start()
    try:
        from rectify.notifications.models import digest_t

        with db.engine.begin() as conn:  # send only the first --send digests
            keep = sa.select(digest_t.c.id).order_by(digest_t.c.id).limit(args.send).scalar_subquery()
            conn.execute(
                sa.update(digest_t)
                .where(digest_t.c.id.not_in(keep))
                .values(next_attempt_at=datetime(2100, 1, 1, tzinfo=UTC))
            )
        smtp_config = Config(smtp=SmtpConfig(host="127.0.0.1", port=port, timeout_seconds=10))
        t = time.perf_counter()
        result = drain(db, smtp_config, SmtpMailer(smtp_config.smtp), now=now)
        dt = time.perf_counter() - t
        print(
            f"drain: {result.sent} digests in {dt:.2f} s = "
            f"{1000 * dt / max(result.sent, 1):.1f} ms per digest "
            "(claim + render to MIME + SMTP + mark sent, one connection)"
        )
    finally:
        ctl.stop()
    db.dispose()


if __name__ == "__main__":
    main()
