"""``stats``'s floor (bench.stats_today_floor) builds by hand, from the rows of the product's own statements run raw,
every figure ``rectify stats`` gives on a day the tables are: the same dict, and the same JSON the command writes."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

from .test_bench import _demo_with_work_teams
from .test_bench_statsfloor import _seen


def _same(path: Path, db: Any, day: date, asked: dict[str, Any] | None = None) -> dict[str, Any]:
    """The product's figures for ``day`` (under the filter ``asked``, as the dict names it) and the floor's, from the
    statements the product sent: equal as dicts and as the JSON ``--format json`` writes."""
    from bench import stats_today_floor
    from bench.figures import _captured
    from bench.stats_floor import StatsLabels
    from rectify.config import Config
    from rectify.output import render_json
    from rectify.reports.ledger import LedgerFilter
    from rectify.reports.snapshot import needs_rebuild
    from rectify.reports.stats import compute_stats

    assert not needs_rebuild(db, day, None, Config()), day  # today's path: read from the tables
    f = LedgerFilter(**(asked or {}))
    product, statements = _captured(db, lambda: compute_stats(db, as_of=day, config=Config(), filters=f))
    with sqlite3.connect(path) as con:
        floor = stats_today_floor.stats(con, statements, StatsLabels(day), asked)
    con.close()
    assert floor == product, (day, asked)
    assert json.dumps(floor, ensure_ascii=False, indent=2) == render_json(product), (day, asked)
    return product


def _county(sqlite_template: Path, tmp_path: Path) -> tuple[Path, Any]:
    """The demo with the hostile names and the 第一书记 tracks; 驻村工作队员 on two cases (one leaving again), one of
    the two cases in 公示 struck off (销号) and the other left in it, a case listed on the last day: nothing dated
    after 2026-10-20."""
    path, db, wf, _, _ = _demo_with_work_teams(sqlite_template, tmp_path)
    with sqlite3.connect(path) as con:
        in_publicity = [cid for (cid,) in con.execute(
            "SELECT id FROM rectification_case WHERE stage = 'rectified' AND verified_on IS NOT NULL ORDER BY id")]
    con.close()
    wf.strike_off(in_publicity[0], on=date(2026, 7, 20), doc_no="青组字〔2026〕9号")  # the other stays in 公示
    wf.add_org("G001", "城关镇新建村党支部", kind="village", county="青山县", township="城关镇")
    wf.open_case("G001", problems=["P02"], identified_on=date(2026, 10, 20), deadline=date(2027, 6, 30))
    return path, db


def test_stats_floor_gives_the_products_figures(sqlite_template: Path, tmp_path: Path) -> None:
    """On the demo county with the hostile names and the 第一书记 tracks, on days the tables are (the last step's
    day, later in its year, its year's end, in the next statistical year): every figure equal."""
    path, db = _county(sqlite_template, tmp_path)
    figures = [_same(path, db, day) for day in (
        date(2026, 10, 20), date(2026, 11, 16), date(2026, 12, 31), date(2027, 1, 4), date(2027, 3, 20),
        date(2027, 8, 31))]
    db.dispose()
    assert all(f["total"] > 40 for f in figures)
    seen = _seen(figures[:3])
    assert seen["lights"] == 4, seen
    assert all(v > 0 for k, v in seen.items() if k != "carried"), [k for k, v in seen.items() if not v]
    assert _seen(figures[3:])["carried"] > 0
    assert figures[0]["form"]["rows"][0]["values"]["village_cadres"] > 0


def test_stats_floor_under_a_filter(sqlite_template: Path, tmp_path: Path) -> None:
    """The same figures under a place filter (the hostile county's name; a township of the demo) and under a light
    filter (red: its overdue list, no problems and no form; orange: no list), on three days."""
    path, db = _county(sqlite_template, tmp_path)
    with sqlite3.connect(path) as con:
        (county, township), = con.execute(
            "SELECT county, township FROM organization WHERE code != 'H001' GROUP BY county, township "
            "ORDER BY count(*) DESC LIMIT 1")
    con.close()
    shown = []
    for day in (date(2026, 10, 20), date(2026, 11, 16), date(2027, 3, 20)):
        for asked in ({"county": "-2+3县"}, {"county": county, "township": township}, {"light": "red"},
                      {"light": "orange"}, {"county": county, "light": "red"}):
            shown.append((asked, _same(path, db, day, asked)))
    db.dispose()
    assert all(f["total"] > 0 for asked, f in shown if "light" not in asked)
    assert all(f["form"] is None and f["by_problem"] is None for asked, f in shown if "light" in asked)
    assert sum(len(f["overdue"]) for asked, f in shown if asked.get("light") == "red") > 0
    assert sum(f["total"] for asked, f in shown if asked.get("light") == "orange") > 0
