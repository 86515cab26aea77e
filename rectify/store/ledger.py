"""The statements of the 限期转化台账: the one ledger query, its filter, the counts and the scope.

The ledger query aggregates in subqueries joined to the case, so one SELECT gives every row; it is
streamed from the driver's own cursor (plain tuples, no type processing per row), what an export of
100,000 cases reads.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from rectify.states.permissions import Actor
from rectify.states.stages import CLOSED_STAGES, LEDGER_ORDERS
from rectify.store.database import Database
from rectify.store.plain import ITEM, LEDGER_KEYS, MEASURE_FIELDS, PAIR, LedgerFilter, limited, selects_all
from rectify.store.scope import scope_clause
from rectify.store.tables import (
    case_t,
    extension_t,
    measure_t,
    org_t,
    person_t,
    problem_t,
    progress_t,
    secretary_t,
    verification_t,
)

# The filter, the column order and the separators live in plain.py (no SQLAlchemy there): re-exported here.
__all__ = ["ITEM", "LEDGER_KEYS", "MEASURE_FIELDS", "PAIR", "LedgerFilter", "apply_filter", "case_select",
           "count_cases", "filter_clauses", "ledger_query", "ledger_select", "ledger_tuples", "scope_counties",
           "selects_all"]


def filter_clauses(*, county: str | None = None, township: str | None = None, kind: str | None = None,
                   stage: str | None = None, year: int | None = None, supervised: bool | None = None,
                   open_only: bool = False, reader: Actor | None = None) -> list[tuple[str, Any]]:
    """The conditions of a filter on the cases joined to their organization, each by its name, in this order.

    Their parameters are named after the filter's fields, so the light read path (:mod:`rectify.store.light`)
    runs these very conditions compiled once (:mod:`rectify.store.prepared`)."""
    out: list[tuple[str, Any]] = []
    for name, col, value in (
        ("county", org_t.c.county, county),
        ("township", org_t.c.township, township),
        ("kind", org_t.c.kind, kind),
        ("stage", case_t.c.stage, stage),
        ("year", case_t.c.year, year),
        ("supervised", case_t.c.supervised, supervised),
    ):
        if value is not None:
            out.append((name, col == sa.bindparam(name, value)))
    if open_only:
        out.append(("open_only", case_t.c.stage.not_in(sa.bindparam("closed_stages", list(CLOSED_STAGES),
                                                                     expanding=True))))
    clause = scope_clause(reader)
    if clause is not None:
        out.append(("scope_township" if reader is not None and reader.township is not None else "scope", clause))
    return out


def apply_filter(q: sa.Select[Any], f: LedgerFilter) -> sa.Select[Any]:
    """The SQL part of the filter (everything but the light, which depends on the as-of date)."""
    for _, clause in filter_clauses(county=f.county, township=f.township, kind=f.kind, stage=f.stage, year=f.year,
                                    open_only=f.open_only, reader=f.reader):
        q = q.where(clause)
    return q


def case_select(f: LedgerFilter, *cols: Any) -> sa.Select[Any]:
    """``cols`` of the filtered cases joined to their organization."""
    return apply_filter(sa.select(*cols).select_from(case_t).join(org_t, org_t.c.id == case_t.c.org_id), f)


def _current() -> Any:
    """``until IS NULL`` of a secretary's assignment, written so that SQLite does not read it from the ``until``
    index (most assignments are current: that index gives the nation's) rather than look the case up by
    ``case_id``."""
    return sa.func.coalesce(secretary_t.c.until, None).is_(None)


def _per_case() -> dict[str, Any]:
    """The aggregating subqueries of the whole ledger, one row per case each."""
    prob = (
        sa.select(
            problem_t.c.case_id,
            sa.func.aggregate_strings(problem_t.c.code + PAIR + problem_t.c.text, ITEM).label("problems"),
        )
        .group_by(problem_t.c.case_id)
        .subquery("prob")
    )
    ext = (
        sa.select(extension_t.c.case_id, sa.func.count().label("n"))
        .group_by(extension_t.c.case_id)
        .subquery("ext")
    )
    failed = (
        sa.select(verification_t.c.case_id, sa.func.count().label("n"))
        .where(verification_t.c.passed.is_(False))
        .group_by(verification_t.c.case_id)
        .subquery("failed")
    )
    cur_sec = (  # the 第一书记 column: the first-secretary track only (the village track runs beside it)
        sa.select(secretary_t.c.case_id, sa.func.max(secretary_t.c.id).label("sid"))
        .where(secretary_t.c.until.is_(None), secretary_t.c.kind == "first")
        .group_by(secretary_t.c.case_id)
        .subquery("cur_sec")
    )
    last_prog = (
        sa.select(progress_t.c.case_id, sa.func.max(progress_t.c.id).label("pid"))
        .join(
            case_t,
            sa.and_(
                case_t.c.id == progress_t.c.case_id, progress_t.c.reported_on == case_t.c.last_progress_on
            ),
        )
        .group_by(progress_t.c.case_id)
        .subquery("last_prog")
    )
    text = sa.String
    meas = (
        sa.select(
            measure_t.c.case_id,
            sa.func.aggregate_strings(
                sa.cast(measure_t.c.seq, text) + PAIR + measure_t.c.text + PAIR + measure_t.c.owner + PAIR
                + measure_t.c.owner_unit + PAIR + sa.cast(measure_t.c.due_on, text) + PAIR
                + sa.func.coalesce(sa.cast(measure_t.c.done_on, text), ""),
                ITEM,
            ).label("agg"),
        )
        .group_by(measure_t.c.case_id)
        .subquery("meas")
    )
    cur_vsec = (
        sa.select(secretary_t.c.case_id, sa.func.max(secretary_t.c.id).label("sid"))
        .where(secretary_t.c.until.is_(None), secretary_t.c.kind == "village")
        .group_by(secretary_t.c.case_id)
        .subquery("cur_vsec")
    )
    left = (  # the last day a 第一书记 was in post (read while no one is: 第一书记空缺)
        sa.select(secretary_t.c.case_id, sa.func.max(secretary_t.c.until).label("until"))
        .where(secretary_t.c.kind == "first")
        .group_by(secretary_t.c.case_id)
        .subquery("sec_left")
    )
    return {"prob": prob, "ext": ext, "failed": failed, "cur_sec": cur_sec, "last_prog": last_prog, "meas": meas,
            "cur_vsec": cur_vsec, "sec_left": left}


_CASE_COLUMNS = (
    "id", "stage", "identified_on", "deadline", "stage_since", "stage_due", "cycle_start", "cycle", "version",
    "detail", "helping_unit", "verified_on", "score", "withdrawn_reason", "supervised", "supervision_reason",
    "measures_total", "measures_done", "last_progress_on",
)


def ledger_order(sort: str) -> tuple[Any, ...]:
    """The ORDER BY of :data:`LEDGER_ORDERS`: open cases first then county → 乡镇 → code (``place``), or by
    转化时限 then the same (``deadline``); the case number last, so the order is total."""
    if sort not in LEDGER_ORDERS:
        raise ValueError(f"unknown ledger order {sort!r}")
    place = (org_t.c.county, org_t.c.township, org_t.c.code, case_t.c.id)
    if sort == "deadline":
        return (case_t.c.deadline, *place)
    return (sa.case((case_t.c.stage.in_(CLOSED_STAGES), 1), else_=0), *place)


def _correlated() -> dict[str, Any]:
    """The per-case aggregates of a filtered ledger: each a look-up by the case's id, so the few chosen cases'
    rows are read through the ``case_id`` indexes on both backends (the ``until`` and ``reported_on`` tests are
    written so that SQLite reads them from those, not from their own indexes)."""
    def one(q: sa.Select[Any]) -> Any:
        return q.correlate(case_t).scalar_subquery()

    def of(table: sa.Table, *more: Any) -> tuple[Any, ...]:
        return (table.c.case_id == case_t.c.id, *more)

    def post(kind: str) -> Any:
        return one(sa.select(sa.func.max(secretary_t.c.id)).where(*of(secretary_t, _current(),
                                                                         secretary_t.c.kind == kind)))

    text = sa.String
    items = (sa.cast(measure_t.c.seq, text) + PAIR + measure_t.c.text + PAIR + measure_t.c.owner + PAIR
             + measure_t.c.owner_unit + PAIR + sa.cast(measure_t.c.due_on, text) + PAIR
             + sa.func.coalesce(sa.cast(measure_t.c.done_on, text), ""))
    reported = sa.func.coalesce(progress_t.c.reported_on, None) == case_t.c.last_progress_on
    return {
        "problems": one(sa.select(sa.func.aggregate_strings(problem_t.c.code + PAIR + problem_t.c.text, ITEM))
                        .where(*of(problem_t))).label("problems"),
        "n_extensions": one(sa.select(sa.func.count()).select_from(extension_t).where(*of(extension_t))),
        "n_failed": one(sa.select(sa.func.count()).select_from(verification_t)
                        .where(*of(verification_t, verification_t.c.passed.is_(False)))),
        "sec": post("first"), "vsec": post("village"),
        "prog": one(sa.select(sa.func.max(progress_t.c.id)).where(*of(progress_t, reported))),
        "measure_items": one(sa.select(sa.func.aggregate_strings(items, ITEM)).where(*of(measure_t))),
        "sec_left": one(sa.select(sa.func.max(secretary_t.c.until)).where(*of(secretary_t,
                                                                             secretary_t.c.kind == "first"))),
    }


def _joined(sec: Any, vsec: Any, prog: Any) -> tuple[dict[str, Any], Any]:
    """The per-case aggregates of the whole ledger, each a grouped subquery joined to the case (one pass over
    each table), and the FROM clause joining them and the secretaries' and the last report's rows."""
    sub = _per_case()
    prob, ext, failed, cur_sec, last_prog = (sub[k] for k in ("prob", "ext", "failed", "cur_sec", "last_prog"))
    meas, cur_vsec, left = sub["meas"], sub["cur_vsec"], sub["sec_left"]
    source = (case_t.join(org_t, org_t.c.id == case_t.c.org_id)
              .outerjoin(prob, prob.c.case_id == case_t.c.id)
              .outerjoin(ext, ext.c.case_id == case_t.c.id)
              .outerjoin(failed, failed.c.case_id == case_t.c.id)
              .outerjoin(cur_sec, cur_sec.c.case_id == case_t.c.id)
              .outerjoin(sec, sec.c.id == cur_sec.c.sid)
              .outerjoin(meas, meas.c.case_id == case_t.c.id)
              .outerjoin(cur_vsec, cur_vsec.c.case_id == case_t.c.id)
              .outerjoin(vsec, vsec.c.id == cur_vsec.c.sid)
              .outerjoin(last_prog, last_prog.c.case_id == case_t.c.id)
              .outerjoin(prog, prog.c.id == last_prog.c.pid)
              .outerjoin(left, left.c.case_id == case_t.c.id))
    return {"problems": prob.c.problems, "n_extensions": ext.c.n, "n_failed": failed.c.n,
            "measure_items": meas.c.agg, "sec_left": left.c.until}, source


def ledger_query(f: LedgerFilter) -> sa.Select[Any]:
    """One SELECT giving everything a ledger row shows, in the filter's order (:func:`ledger_order`).

    The whole ledger joins grouped aggregates (:func:`_joined`); a filtered or scoped one looks each of its
    cases' aggregates up (:func:`_correlated`), so a township's ledger reads a township's rows."""
    return apply_filter(ledger_select(filtered=not selects_all(f), sort=f.sort), f)


def ledger_select(*, filtered: bool, sort: str) -> sa.Select[Any]:
    """:func:`ledger_query` before its filter: the whole ledger's form, or the filtered one's."""
    sec = secretary_t.alias("sec")
    vsec = secretary_t.alias("vsec")
    prog = progress_t.alias("prog")
    if not filtered:
        agg, source = _joined(sec, vsec, prog)
    else:
        agg = _correlated()
        source = (case_t.join(org_t, org_t.c.id == case_t.c.org_id).outerjoin(sec, sec.c.id == agg["sec"])
                  .outerjoin(vsec, vsec.c.id == agg["vsec"]).outerjoin(prog, prog.c.id == agg["prog"]))
    leader = person_t.alias("leader")
    cadre = person_t.alias("cadre")
    tleader = person_t.alias("tleader")
    q = (
        sa.select(
            *(case_t.c[name] for name in _CASE_COLUMNS),
            org_t.c.code.label("org_code"),
            org_t.c.name.label("org_name"),
            org_t.c.kind,
            org_t.c.county,
            org_t.c.township,
            agg["problems"],
            leader.c.name.label("county_leader"),
            sa.func.coalesce(tleader.c.name, cadre.c.name).label("township_cadre"),
            sec.c.name.label("sec_name"),
            sec.c.unit.label("sec_unit"),
            sec.c.kind.label("sec_kind"),
            prog.c.note.label("progress_note"),
            sa.func.coalesce(agg["n_extensions"], 0).label("n_extensions"),
            sa.func.coalesce(agg["n_failed"], 0).label("n_failed"),
            case_t.c.supervision_level,
            case_t.c.escalation_step,
            case_t.c.look_backs,
            case_t.c.earlier_years,
            agg["measure_items"].label("measure_items"),
            sec.c.term_until.label("sec_term_until"),
            vsec.c.name.label("vsec_name"),
            vsec.c.action.label("vsec_action"),
            case_t.c.village_secretary_status.label("village_status"),
            case_t.c.grade,
            case_t.c.satisfaction,
            case_t.c.struck_off_on,
            sa.case((sec.c.id.is_(None), agg["sec_left"]), else_=None).label("sec_vacant_since"),
        )
        .select_from(source)
        .outerjoin(leader, sa.and_(leader.c.case_id == case_t.c.id, leader.c.role == "county_leader"))
        .outerjoin(cadre, sa.and_(cadre.c.case_id == case_t.c.id, cadre.c.role == "township_cadre"))
        .outerjoin(tleader, sa.and_(tleader.c.case_id == case_t.c.id, tleader.c.role == "township_leader"))
        .order_by(*ledger_order(sort))
    )
    return q


# A filter's values are parameters of the statement: it is built and compiled once per shape of filter (which
# fields are set, how many counties the reader's scope holds, the order) and dialect, with markers for the values.
_COMPILED: dict[tuple[str, LedgerFilter], tuple[str, Any]] = {}
_YEAR_MARK = -9_999_999


def _shape(f: LedgerFilter) -> tuple[LedgerFilter, dict[Any, Any]]:
    """A filter of ``f``'s shape whose values are markers, and what each marker stands for in ``f``."""
    values: dict[Any, Any] = {}

    def mark(name: str, value: Any) -> Any:
        if value is None:
            return None
        marker = _YEAR_MARK if name == "year" else "\x00" + name
        values[marker] = value
        return marker

    reader = None
    if f.reader is not None and limited(f.reader):
        reader = Actor("", role=f.reader.role, counties=tuple(mark(f"scope{i}", c) for i, c in
                                                              enumerate(f.reader.counties)),
                       township=mark("scope_township", f.reader.township))
    return LedgerFilter(county=mark("county", f.county), township=mark("township", f.township),
                        kind=mark("kind", f.kind), stage=mark("stage", f.stage), year=mark("year", f.year),
                        open_only=f.open_only, reader=reader, sort=f.sort), values


def _compiled(dialect: Any, f: LedgerFilter) -> tuple[str, Any]:
    """The ledger query's driver SQL and parameters for ``f``."""
    shape, values = _shape(f)
    key = (dialect.name, shape)
    if key not in _COMPILED:
        compiled = ledger_query(shape).compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
        params = compiled.construct_params()
        args = tuple(params[k] for k in compiled.positiontup or ()) if compiled.positional else params
        _COMPILED[key] = (str(compiled), args)
    sql, args = _COMPILED[key]
    if isinstance(args, dict):
        return sql, {k: values.get(v, v) for k, v in args.items()}
    return sql, tuple(values.get(v, v) for v in args)


@contextmanager
def ledger_tuples(db: Database, f: LedgerFilter, *, batch: int) -> Iterator[Iterable[tuple[Any, ...]]]:
    """The ledger query's rows as the driver's plain tuples, in :data:`LEDGER_KEYS` order.

    The statement SQLAlchemy builds (once per shape of filter, :func:`_compiled`) is run as driver SQL (the
    engine's events still see it), and the rows are read from the driver's cursor: no Row object, no type
    processing; SQLite hands dates back as ISO text, PostgreSQL as dates through a server-side cursor.
    """
    with db.connect() as conn:
        sql, args = _compiled(conn.dialect, f)
        if conn.dialect.name == "postgresql":
            streamed = conn.execution_options(stream_results=True, max_row_buffer=batch)
            result = streamed.exec_driver_sql(sql, args)
            rows: Any = result
        else:
            result = conn.exec_driver_sql(sql, args)
            rows = result.cursor
        try:
            if tuple(result.keys()) != LEDGER_KEYS:
                raise RuntimeError(f"ledger query columns changed: {tuple(result.keys())}")
            yield rows
        finally:
            result.close()


def count_cases(db: Database, filters: LedgerFilter | None = None) -> int:
    """How many rows the SQL filter gives (an upper bound when filtering by light), for a progress bar."""
    with db.connect() as s:
        return int(s.execute(case_select(filters or LedgerFilter(), sa.func.count())).scalar_one())


def scope_counties(db: Database, filters: LedgerFilter | None = None) -> list[str]:
    """The counties a ledger covers (at most four), for its title.

    For a reader with a scope, the counties of that scope when none of its cases is listed, and
    county and township (青山县城关镇) for a township-scoped reader.
    """
    f = filters or LedgerFilter()
    q = case_select(f, org_t.c.county).distinct().order_by(org_t.c.county).limit(4)
    with db.connect() as s:
        counties = [c for (c,) in s.execute(q)]
    reader = f.reader
    if reader is None or not limited(reader):
        return counties
    counties = counties or list(reader.counties[:4])
    return counties if reader.township is None else [c + reader.township for c in counties]
