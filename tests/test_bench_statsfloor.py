"""``stats_asof``'s floor (bench.stats_floor) counts by hand every figure ``rectify stats --as-of D`` gives: the same
dict, and the same JSON the command writes."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from .test_bench import _demo_with_work_teams, _imported_demo


def _same(path: Path, db: Any, day: date) -> dict[str, Any]:
    """The product's figures for ``day`` and the floor's, equal as dicts and as the JSON ``--format json`` writes."""
    from bench import stats_floor
    from rectify.config import Config
    from rectify.output import render_json
    from rectify.reports.snapshot import needs_rebuild
    from rectify.reports.stats import compute_stats

    assert needs_rebuild(db, day, None, Config()), day  # the past day's path: rebuilt from the history
    product = compute_stats(db, as_of=day, config=Config())
    floor = stats_floor.stats(path, stats_floor.StatsPast(path, day))
    assert floor == product, day
    assert json.dumps(floor, ensure_ascii=False, indent=2) == render_json(product), day
    return product


def _seen(figures: list[dict[str, Any]]) -> dict[str, int]:
    """What the days' figures hold between them, so the comparison is not of empty counts."""
    form = [r["values"] for f in figures for r in f["form"]["rows"]]
    return {
        "lights": len({lt["light"] for f in figures for lt in f["by_light"] if lt["count"]}),
        "overdue": sum(len(f["overdue"]) for f in figures),
        "supervised": sum(o["supervised"] for f in figures for o in f["overdue"]),
        "problems": sum(p["count"] for f in figures for p in f["by_problem"]),
        "converted": sum(v["converted"] for v in form),
        "carried": sum(f["form"]["carried_in"]["总计"] for f in figures),
        "first": sum(v["first_secretaries"] for v in form),
        "cadres": sum(v["village_cadres"] for v in form),
        "chosen": sum(v["secretaries_selected"] + v["secretaries_adjusted"] for v in form),
        "status": sum(v["secretaries_missing"] + v["secretaries_to_adjust"] for v in form),
        "poor": sum(v["poor_villages"] for v in form),
        "withdrawn": sum(s["count"] for f in figures for s in f["by_stage"] if s["stage"] == "withdrawn"),
    }


def test_stats_asof_floor_gives_the_products_figures(sqlite_template: Path, tmp_path: Path) -> None:
    """On the demo county with the hostile names and the 第一书记 tracks, its month ends filled, on days across its
    history (between snapshots, with events after them, in two statistical years): every figure equal."""
    from rectify.config import Config
    from rectify.reports.month_end import fill

    path, db, wf, clock, working = _demo_with_work_teams(sqlite_template, tmp_path)
    clock.set_day("2027-04-01")  # a step in the next year: its days before are rebuilt, the open cases carried in
    wf.report_progress(working[1], on=date(2027, 4, 1), note="按月报送进展")
    assert fill(db, Config(), date(2026, 10, 20)) > 0
    figures = [_same(path, db, day) for day in (
        date(2025, 4, 20), date(2025, 10, 20), date(2025, 12, 31), date(2026, 1, 10), date(2026, 3, 17),
        date(2026, 5, 20), date(2026, 6, 12), date(2026, 6, 29), date(2026, 7, 2), date(2026, 9, 27),
        date(2026, 10, 19), date(2026, 12, 31), date(2027, 3, 20))]
    db.dispose()
    assert all(f["total"] > 5 for f in figures[1:])
    seen = _seen(figures)
    assert seen["lights"] == 4, seen
    assert all(v > 0 for v in seen.values()), [k for k, v in seen.items() if not v]


def test_stats_asof_floor_counts_an_imported_ledger(sqlite_template: Path, tmp_path: Path) -> None:
    """Imported rows (each reached along its own dates, as far as the day goes) counted as the product counts them:
    the demo's ledger written on one day, imported into an empty database, its month ends filled."""
    path, db = _imported_demo(sqlite_template, tmp_path)
    figures = [_same(path, db, day) for day in (date(2025, 6, 20), date(2025, 10, 20), date(2026, 1, 10),
                                                 date(2026, 3, 17), date(2026, 5, 31), date(2026, 6, 12))]
    db.dispose()
    assert sum(f["total"] for f in figures) > 40
    seen = _seen(figures)
    assert seen["overdue"] > 0 and seen["converted"] > 0 and seen["problems"] > 0, seen
