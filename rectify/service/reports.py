"""The ledger's and the statistics' files, written the same way for both faces: the CLI's ``ledger --format``
and ``stats --format`` and the web's downloads call these, so a person gets the same bytes from either."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from rectify.config import Config
    from rectify.reports.ledger import LedgerFilter
    from rectify.service import Service

LEDGER_FILES = ("csv", "json", "xlsx", "html", "ics")
STATS_FILES = ("json", "table", "csv", "xlsx")


def write_ledger(service: Service, filters: LedgerFilter, fmt: str, out: Any, *, as_of: date,
                 known_on: date | None = None, progress: Callable[[int], None] | None = None,
                 layout: str = "简表", case_url: str | None = None) -> None:
    """The 限期转化台账 for ``filters`` (its reader's scope) as it stood at the end of ``as_of`` into ``out``."""
    write_ledger_on(service.db, service.config, service.now, filters, fmt, out, as_of=as_of, known_on=known_on,
                    progress=progress, layout=layout, case_url=case_url)


def write_ledger_on(db: Any, config: Config, now: Callable[[], datetime], filters: LedgerFilter, fmt: str, out: Any,
                    *, as_of: date, known_on: date | None = None, progress: Callable[[int], None] | None = None,
                    layout: str = "简表", case_url: str | None = None) -> None:
    """:func:`write_ledger` on a database (or, for the table and CSV of today, the light read path's
    :class:`rectify.store.light.Light`), a configuration and a clock."""
    from rectify.reports import ledger
    from rectify.reports import ledger_formats as lf

    rows = ledger.ledger_rows(db, as_of=as_of, config=config, filters=filters, known_on=known_on)
    counties = ledger.scope_counties(db, filters) if fmt in ("xlsx", "html", "ics") else []
    title = ledger.ledger_title(counties, as_of, known_on)
    by_stage = by_light = None
    if fmt == "html":
        from rectify.reports.stats import compute_stats, stage_light_counts

        by_stage, by_light = stage_light_counts(
            compute_stats(db, as_of=as_of, config=config, filters=filters, full=False, known_on=known_on))
    installation = ""
    if fmt == "ics":
        from rectify.store.installation import installation_id

        installation = installation_id(db, now=now())
    local = now().astimezone(ZoneInfo(config.policy.timezone))
    lf.WRITERS[fmt](rows, out, lf.LedgerExport(
        as_of=as_of, title=title, filters=filters.describe(), by_stage=by_stage, by_light=by_light,
        generated=local.strftime("%Y-%m-%d %H:%M") if fmt == "html" else "",
        lights=config.lights, stamp=now() if fmt == "ics" else None, progress=progress,
        installation=installation, alarm_days=config.calendar.alarm_days, report=config.report,
        layout="全表" if layout in ("全表", "full") else "简表", paper=config.report.paper,
        case_url=_case_url(config) if case_url is None else case_url))


def _case_url(config: Any) -> str:
    """Where a case's page is on the web front (``[web] base_url``), for the HTML ledger's links; "" without one."""
    base = config.web.base_url.rstrip("/")
    return f"{base}/cases/" if base else ""


def stats_data(service: Service, filters: LedgerFilter, *, as_of: date, year: int | None = None,
               known_on: date | None = None) -> dict[str, Any]:
    from rectify.reports.stats import compute_stats

    return compute_stats(service.db, as_of=as_of, config=service.config, filters=filters, year=year,
                         known_on=known_on)


def write_stats(service: Service, filters: LedgerFilter, data: dict[str, Any], fmt: str, out: Any) -> None:
    """The statistics (``data`` from :func:`stats_data`) in ``fmt`` into ``out``."""
    from rectify.output import render_json
    from rectify.reports import ledger_formats as lf
    from rectify.reports.ledger import scope_counties

    if fmt == "json":
        out.write(render_json(data) + "\n")
    elif fmt == "table":
        out.write(lf.render_stats_table(data))
    elif fmt == "csv":
        lf.write_stats_csv(data, out)
    else:
        scope = "、".join(scope_counties(service.db, filters)) or "全部"
        lf.write_stats_xlsx(data, out, title=scope, report=service.config.report)
