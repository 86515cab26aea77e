"""The filtered ledgers' floor (bench.ledger_floor) makes by hand the very rows the product's ledger gives."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

from .test_bench import _demo_with_hostile_names


def test_ledger_floor_makes_the_products_rows(sqlite_template: Path, tmp_path: Path) -> None:
    """``ledger_township``'s and ``ledger_county``'s floor gives, for every township and every county of the demo
    (the demo county with the 第一书记 tracks, and the county of hostile names) the rows ``ledger_rows`` gives for
    that filter — the light, every cell, the tuple — on days inside and after the windows; and on a day before the
    latest one stored (the product rebuilds it, the floor folds the history by hand) the light and every cell."""
    from bench import ledger_floor
    from bench.inbox_floor import _LATEST

    path, db = _demo_with_hostile_names(sqlite_template, tmp_path)
    con = sqlite3.connect(path)
    try:
        places = con.execute("SELECT DISTINCT o.county, o.township FROM rectification_case c "
                             "JOIN organization o ON o.id = c.org_id ORDER BY 1, 2").fetchall()
        counties = sorted({county for county, _ in places})
        assert len(counties) >= 2 and len(places) > len(counties)
        seen: set[str] = set()
        rows = 0
        latest = date.fromisoformat(con.execute(_LATEST).fetchone()[0][:10])
        for day in (date(2026, 6, 30), latest, date(2026, 11, 20), date(2027, 1, 10), date(2027, 3, 20)):
            for county, township in [*places, *((c, None) for c in counties)]:
                place = ledger_floor.Place(day, county, township)
                product = ledger_floor.product_rows(db, place)
                floor = ledger_floor.rows(con, place, path)
                assert product, (day, county, township)
                if day < latest:  # the past day's tuple: dates as dates, the version not folded by the floor
                    product = [(str(light), cells, ()) for light, cells, _ in product]
                    floor = [(str(light), cells, ()) for light, cells, _ in floor]
                assert floor == product, (day, county, township)
                rows += len(product)
                seen.update(str(light) for light, _, _ in product)
                seen.update(cells[24] for _, cells, _ in product)
        assert rows > 200
        assert {"green", "yellow", "orange", "red", "None"} <= seen
        assert any("第一书记延期或轮换" in s for s in seen) and any("第一书记空缺" in s for s in seen)
        assert any("整改措施逾期未完成" in s for s in seen)
    finally:
        con.close()
        db.dispose()
