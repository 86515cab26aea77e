"""限期转化台账 and 统计 (SPEC §13): the page, and downloads in every format with the bytes the CLI writes for the
same person and filter (both call :mod:`rectify.service.reports`). Files are spooled to disk past a few MB
and streamed, so a province's ledger does not sit in the server's memory."""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import IO, Any

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from rectify.errors import BadInput
from rectify.states.deadlines import LIGHT_LABELS
from rectify.states.stages import LEDGER_ORDERS, STAGE_LABELS
from rectify.web.cases import _choice, _number, signed_person
from rectify.web.context import web
from rectify.web.render import page

TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json", "ics": "text/calendar; charset=utf-8",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "html": "text/html; charset=utf-8", "table": "text/plain; charset=utf-8"}
BINARY = ("xlsx", "ics", "pdf", "docx")
SPOOL = 8 * 1024 * 1024
PAGE_ROWS = 500


def routes() -> list[BaseRoute]:
    return [Route("/ledger", ledger, methods=["GET"]), Route("/stats", stats, methods=["GET"]),
            Route("/cases/{case_id:int}/notices/{kind}", notice, methods=["GET"])]


def notice(request: Request) -> Response:
    """文书 of a case as the CLI's ``rectify notice`` writes it (DOCX, or PDF through Chromium), as an attachment."""
    from rectify.errors import NotFound
    from rectify.reports.notices import KINDS, build_notice, write_docx, write_pdf

    service = web(request).service
    case = service.case(signed_person(request), request.path_params["case_id"])  # 404 outside the reader's scope
    kind = request.path_params["kind"]
    if kind not in KINDS:
        raise NotFound(f"没有名为 {kind} 的文书（应为 {'、'.join(KINDS)}）")
    fmt = request.query_params.get("format") or "docx"
    if fmt not in ("docx", "pdf"):
        raise BadInput("格式应为 docx 或 pdf")
    n = build_notice(kind, case, service.config.report, service.today(), items=service.config.verification.items)
    media = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             "pdf": "application/pdf"}[fmt]

    def write(out: IO[bytes]) -> None:
        if fmt == "docx":
            write_docx(n, out)
            return
        with tempfile.TemporaryDirectory() as folder:
            target = Path(folder) / "notice.pdf"
            write_pdf(n, target)
            out.write(target.read_bytes())

    return _download(f"{case['id']}-{kind}.{fmt}", fmt, write, media=media)


def _day(value: str | None, label: str) -> date | None:
    from rectify.validation import parse_date

    if not value:
        return None
    try:
        return parse_date(value)
    except BadInput:
        raise BadInput(f"{label}应为 2026-06-30 这样的日期") from None


def _filters(request: Request) -> Any:
    from rectify.reports.ledger import LedgerFilter

    q = request.query_params
    sort = q.get("sort") or "place"
    if sort not in LEDGER_ORDERS:
        raise BadInput(f"排序应为 {'、'.join(LEDGER_ORDERS)} 之一")
    return LedgerFilter(township=(q.get("township") or "").strip() or None,
                        stage=_choice(q.get("stage"), STAGE_LABELS, "阶段"),
                        light=_choice(q.get("light"), LIGHT_LABELS, "预警"),
                        year=_number(q.get("year"), "年度", 1990, 2200), open_only=q.get("open") == "1",
                        reader=signed_person(request), sort=sort)


def _download(name: str, fmt: str, write: Any, media: str | None = None) -> Response:
    spool: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=SPOOL)  # noqa: SIM115 (closed by the stream)
    if fmt in BINARY:
        write(spool)
    else:
        text = io.TextIOWrapper(spool, encoding="utf-8", newline="", write_through=True)
        write(text)
        text.flush()
        text.detach()
    spool.seek(0)

    def chunks() -> Iterator[bytes]:
        with spool:
            while block := spool.read(64 * 1024):
                yield block

    headers = {"Content-Disposition": f"attachment; filename*=UTF-8''{_quoted(name)}"}
    return StreamingResponse(chunks(), media_type=media or TYPES[fmt], headers=headers)


def _quoted(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")


def ledger(request: Request) -> Response:
    from rectify.service.reports import LEDGER_FILES, write_ledger

    service = web(request).service
    q = request.query_params
    as_of = _day(q.get("as_of"), "截至日期") or service.today()
    known_on = _day(q.get("known_on"), "录入截至日期")
    filters = _filters(request)
    fmt = q.get("format") or "page"
    if fmt in LEDGER_FILES:
        return _download(f"限期转化台账-{as_of.isoformat()}.{fmt}", fmt,
                         lambda out: write_ledger(service, filters, fmt, out, as_of=as_of, known_on=known_on))
    if fmt != "page":
        raise BadInput(f"格式应为 {'、'.join(LEDGER_FILES)} 之一")
    from rectify.reports.ledger import json_row, ledger_rows

    rows = []
    for n, row in enumerate(ledger_rows(service.db, as_of=as_of, config=service.config, filters=filters,
                                        known_on=known_on)):
        if n >= PAGE_ROWS:
            break
        rows.append(json_row(row))
    query = {k: q.get(k, "") for k in ("as_of", "known_on", "township", "stage", "light", "year", "open", "sort")}
    return page(request, "ledger.html", rows=rows, as_of=as_of, known_on=known_on, query=query,
                stages=STAGE_LABELS, lights=LIGHT_LABELS, formats=LEDGER_FILES, limit=PAGE_ROWS,
                download="&".join(f"{k}={_quoted(v)}" for k, v in query.items() if v))


def stats(request: Request) -> Response:
    from rectify.reports.ledger import LedgerFilter
    from rectify.service.reports import STATS_FILES, stats_data, write_stats

    service = web(request).service
    q = request.query_params
    as_of = _day(q.get("as_of"), "截至日期") or service.today()
    year = _number(q.get("year"), "年度", 1990, 2200)
    filters = LedgerFilter(reader=signed_person(request))
    fmt = q.get("format") or "page"
    if fmt not in STATS_FILES and fmt != "page":
        raise BadInput(f"格式应为 {'、'.join(STATS_FILES)} 之一")
    data = stats_data(service, filters, as_of=as_of, year=year)
    if fmt in STATS_FILES:
        ext = "txt" if fmt == "table" else fmt
        return _download(f"统计-{as_of.isoformat()}.{ext}", fmt,
                         lambda out: write_stats(service, filters, data, fmt, out))
    from rectify.reports import ledger_formats as lf

    return page(request, "stats.html", table=lf.render_stats_table(data), as_of=as_of,
                query={"as_of": q.get("as_of", ""), "year": q.get("year", "")}, formats=STATS_FILES)
