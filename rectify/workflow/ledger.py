"""The 限期转化台账 (SPEC §6): one row per case, these columns in this order.

The column keys are the stable English names (JSON keys, import aliases); the headers are what the
county's own form says, and what the import reads back.

Rows come from ONE query (aggregating subqueries joined to the case), streamed: no ORM object and no
query per case, so an export of 100,000 cases runs in bounded memory. Lights and days left are
computed per row by :mod:`rectify.states.deadlines` for the as-of date.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa

from rectify.config import Config
from rectify.states.deadlines import LIGHT_LABELS, case_light, days_left, next_due, row_light
from rectify.states.stages import (
    CLOSED_STAGES,
    KINDS,
    NO_DUE_STAGES,
    OTHER_PROBLEM,
    SECRETARY_KINDS,
    STAGE_LABELS,
    Stage,
)
from rectify.workflow.persistence import Database
from rectify.workflow.persistence.tables import (
    case_t,
    extension_t,
    org_t,
    person_t,
    problem_t,
    progress_t,
    secretary_t,
    verification_t,
)

LEDGER_COLUMNS: tuple[tuple[str, str], ...] = (
    ("seq", "序号"),
    ("county", "县"),
    ("township", "乡镇"),
    ("org_name", "党组织名称"),
    ("kind", "类别"),
    ("problems", "软弱涣散情形"),
    ("detail", "主要问题"),
    ("measures", "整顿措施"),
    ("county_leader", "县级联系领导"),
    ("township_cadre", "乡镇包村干部"),
    ("secretary", "第一书记"),
    ("helping_unit", "结对帮扶单位"),
    ("identified_on", "确定日期"),
    ("deadline", "转化时限"),
    ("stage", "当前阶段"),
    ("days_left", "剩余天数"),
    ("light", "预警"),
    ("supervised", "挂牌督办"),
    ("last_progress", "最近进展"),
    ("verified_on", "验收日期"),
    ("score", "验收得分"),
    ("struck_off", "是否销号"),
    ("remarks", "备注"),
)

_PAIR = "\x1f"  # between a problem's code and text inside the aggregated string
_ITEM = "\x1e"  # between problems


@dataclass(frozen=True)
class LedgerFilter:
    county: str | None = None
    township: str | None = None
    kind: str | None = None
    stage: str | None = None
    light: str | None = None
    year: int | None = None
    open_only: bool = False

    def describe(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v not in (None, False)}


def apply_filter(q: sa.Select[Any], f: LedgerFilter) -> sa.Select[Any]:
    """The SQL part of the filter (everything but the light, which depends on the as-of date)."""
    for col, value in (
        (org_t.c.county, f.county),
        (org_t.c.township, f.township),
        (org_t.c.kind, f.kind),
        (case_t.c.stage, f.stage),
        (case_t.c.year, f.year),
    ):
        if value is not None:
            q = q.where(col == value)
    if f.open_only:
        q = q.where(case_t.c.stage.not_in(CLOSED_STAGES))
    return q


def ledger_query(f: LedgerFilter) -> sa.Select[Any]:
    """One SELECT giving everything a ledger row shows, sorted by deadline then county/township."""
    prob = (
        sa.select(
            problem_t.c.case_id,
            sa.func.aggregate_strings(problem_t.c.code + _PAIR + problem_t.c.text, _ITEM).label("problems"),
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
    cur_sec = (
        sa.select(secretary_t.c.case_id, sa.func.max(secretary_t.c.id).label("sid"))
        .where(secretary_t.c.until.is_(None))
        .group_by(secretary_t.c.case_id)
        .subquery("cur_sec")
    )
    sec = secretary_t.alias("sec")
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
    prog = progress_t.alias("prog")
    leader = person_t.alias("leader")
    cadre = person_t.alias("cadre")
    q = (
        sa.select(
            case_t.c.id,
            case_t.c.stage,
            case_t.c.identified_on,
            case_t.c.deadline,
            case_t.c.stage_since,
            case_t.c.stage_due,
            case_t.c.cycle_start,
            case_t.c.cycle,
            case_t.c.version,
            case_t.c.detail,
            case_t.c.helping_unit,
            case_t.c.verified_on,
            case_t.c.score,
            case_t.c.withdrawn_reason,
            case_t.c.supervised,
            case_t.c.supervision_reason,
            case_t.c.measures_total,
            case_t.c.measures_done,
            case_t.c.last_progress_on,
            org_t.c.code.label("org_code"),
            org_t.c.name.label("org_name"),
            org_t.c.kind,
            org_t.c.county,
            org_t.c.township,
            prob.c.problems,
            leader.c.name.label("county_leader"),
            cadre.c.name.label("township_cadre"),
            sec.c.name.label("sec_name"),
            sec.c.unit.label("sec_unit"),
            sec.c.kind.label("sec_kind"),
            prog.c.note.label("progress_note"),
            sa.func.coalesce(ext.c.n, 0).label("n_extensions"),
            sa.func.coalesce(failed.c.n, 0).label("n_failed"),
        )
        .select_from(case_t)
        .join(org_t, org_t.c.id == case_t.c.org_id)
        .outerjoin(prob, prob.c.case_id == case_t.c.id)
        .outerjoin(ext, ext.c.case_id == case_t.c.id)
        .outerjoin(failed, failed.c.case_id == case_t.c.id)
        .outerjoin(cur_sec, cur_sec.c.case_id == case_t.c.id)
        .outerjoin(sec, sec.c.id == cur_sec.c.sid)
        .outerjoin(last_prog, last_prog.c.case_id == case_t.c.id)
        .outerjoin(prog, prog.c.id == last_prog.c.pid)
        .outerjoin(leader, sa.and_(leader.c.case_id == case_t.c.id, leader.c.role == "county_leader"))
        .outerjoin(cadre, sa.and_(cadre.c.case_id == case_t.c.id, cadre.c.role == "township_cadre"))
        .order_by(case_t.c.deadline, org_t.c.county, org_t.c.township, org_t.c.code, case_t.c.id)
    )
    return apply_filter(q, f)


def _problems(raw: str | None) -> list[dict[str, str]]:
    if not raw:
        return []
    items = []
    for part in raw.split(_ITEM):
        code, _, text = part.partition(_PAIR)
        items.append({"code": code, "text": text})
    # The aggregate's order is not defined portably; the standard codes first, in order, then "other".
    items.sort(key=lambda p: (p["code"] == OTHER_PROBLEM, p["code"], p["text"]))
    return items


def _problems_cell(raw: str | None) -> str:
    """``problems_text(_problems(raw))``, without the list of dicts for the usual single problem."""
    if not raw:
        return ""
    if _ITEM not in raw:
        code, _, text = raw.partition(_PAIR)
        return f"{code if code != OTHER_PROBLEM else '其他'} {text}"
    return problems_text(_problems(raw))


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d is not None else None


def remarks(
    *,
    cycle: int,
    n_extensions: int,
    n_failed: int,
    withdrawn_reason: str,
    supervised: bool,
    supervision_reason: str,
    secretary_kind: str | None,
) -> str:
    """备注: the facts an inspector asks about that have no column of their own."""
    parts = []
    if cycle > 1:
        parts.append(f"第{cycle}轮整顿（回头看反弹）")
    if n_extensions:
        parts.append(f"延期{n_extensions}次")
    if n_failed:
        parts.append(f"验收未通过{n_failed}次")
    if secretary_kind == "local":
        parts.append(SECRETARY_KINDS["local"])
    if supervised and supervision_reason:
        parts.append(f"挂牌督办：{supervision_reason}")
    if withdrawn_reason:
        parts.append(f"撤销：{withdrawn_reason}")
    return "；".join(parts)


def build_row(r: Any, as_of: date, config: Config) -> dict[str, Any]:
    """One ledger row with stable English keys and typed values (the JSON form)."""
    light = row_light(r, as_of, config.lights)
    secretary = (
        {"name": r.sec_name, "unit": r.sec_unit, "kind": r.sec_kind} if r.sec_name is not None else None
    )
    progress = (
        {"on": _iso(r.last_progress_on), "note": r.progress_note}
        if r.last_progress_on is not None and r.progress_note is not None
        else None
    )
    return {
        "seq": 0,
        "case_id": r.id,
        "org_code": r.org_code,
        "county": r.county,
        "township": r.township,
        "org_name": r.org_name,
        "kind": r.kind,
        "problems": _problems(r.problems),
        "detail": r.detail,
        "measures": {"done": r.measures_done, "total": r.measures_total},
        "county_leader": r.county_leader,
        "township_cadre": r.township_cadre,
        "secretary": secretary,
        "helping_unit": r.helping_unit,
        "identified_on": _iso(r.identified_on),
        "deadline": _iso(r.deadline),
        "stage": r.stage,
        "next_due": _iso(next_due(r.stage, stage_due_on=r.stage_due, deadline=r.deadline)),
        "days_left": days_left(r.stage, stage_due_on=r.stage_due, deadline=r.deadline, as_of=as_of),
        "light": light.value if light else None,
        "supervised": bool(r.supervised),
        "supervision_reason": r.supervision_reason,
        "last_progress": progress,
        "verified_on": _iso(r.verified_on),
        "score": r.score,
        "struck_off": r.stage == Stage.verified,
        "cycle": r.cycle,
        "extensions": int(r.n_extensions),
        "failed_verifications": int(r.n_failed),
        "withdrawn_reason": r.withdrawn_reason,
        "version": r.version,
        "remarks": remarks(
            cycle=r.cycle,
            n_extensions=int(r.n_extensions),
            n_failed=int(r.n_failed),
            withdrawn_reason=r.withdrawn_reason,
            supervised=bool(r.supervised),
            supervision_reason=r.supervision_reason,
            secretary_kind=r.sec_kind,
        ),
    }


class LedgerRows(Iterator[dict[str, Any]]):
    """The streamed ledger of one filter and as-of date, numbered after filtering.

    Iterating gives the row dicts (the JSON form, :func:`build_row`). :meth:`cell_rows` gives the
    same rows as the county's form shows them (the values of :func:`cells`, in column order) straight
    from the driver's tuples: what the CSV and XLSX exports of 100,000 cases read, with no dict and no
    SQLAlchemy type processing per row.
    """

    def __init__(self, db: Database, *, as_of: date, config: Config, filters: LedgerFilter, batch: int) -> None:
        self.db = db
        self.as_of = as_of
        self.config = config
        self.filters = filters
        self.batch = batch
        self._dicts: Iterator[dict[str, Any]] | None = None

    def __iter__(self) -> LedgerRows:
        return self

    def __next__(self) -> dict[str, Any]:
        if self._dicts is None:
            self._dicts = self._row_dicts()
        return next(self._dicts)

    def _row_dicts(self) -> Iterator[dict[str, Any]]:
        f = self.filters
        seq = 0
        with self.db.connect() as s:
            result = s.execute(ledger_query(f).execution_options(yield_per=self.batch))
            for r in result:
                row = build_row(r, self.as_of, self.config)
                if f.light is not None and row["light"] != f.light:
                    continue
                seq += 1
                row["seq"] = seq
                yield row

    def cell_rows(self) -> Iterator[tuple[str | None, list[Any]]]:
        """(light, cells) per row: the cells equal ``cells(row)`` in :data:`LEDGER_COLUMNS` order."""
        with self.db.connect() as conn:
            # The statement SQLAlchemy builds, run on the driver's own cursor: its rows are plain tuples
            # (no Row object, no type processing), and the few values a cell needs as a date are parsed
            # below (SQLite hands dates back as ISO text). PostgreSQL streams through a server-side cursor.
            compiled = ledger_query(self.filters).compile(
                dialect=conn.dialect, compile_kwargs={"render_postcompile": True}
            )
            params = compiled.construct_params()
            args = tuple(params[k] for k in compiled.positiontup or ()) if compiled.positional else params
            dbapi: Any = conn.connection.dbapi_connection
            server_side = conn.dialect.name == "postgresql"
            cursor = dbapi.cursor("rectify_ledger") if server_side else dbapi.cursor()
            if server_side:
                cursor.itersize = self.batch
            try:
                cursor.execute(str(compiled), args)
                if tuple(d[0] for d in cursor.description) != _RAW_KEYS:
                    raise RuntimeError(f"ledger query columns changed: {cursor.description}")
                yield from self._cells(cursor)
            finally:
                cursor.close()

    def _cells(self, rows: Iterable[tuple[Any, ...]]) -> Iterator[tuple[str | None, list[Any]]]:
        """The driver's tuples (ledger_query's columns, in order) as (light, cells)."""
        f = self.filters
        as_of, lights = self.as_of, self.config.lights
        want_light = f.light
        kinds, stages, light_labels = KINDS, STAGE_LABELS, LIGHT_LABELS
        verified = Stage.verified.value
        closed = NO_DUE_STAGES
        day = date.fromisoformat
        seq = 0
        text_dates: bool | None = None
        for (_id, stage, identified_on, deadline, stage_since, stage_due, cycle_start, cycle, _version,
             detail, helping_unit, verified_on, score, withdrawn_reason, supervised, supervision_reason,
             measures_total, measures_done, last_progress_on, _org_code, org_name, kind, county, township,
             problems, county_leader, township_cadre, sec_name, sec_unit, sec_kind, progress_note,
             n_extensions, n_failed) in rows:
            if text_dates is None:
                text_dates = isinstance(deadline, str)
            if stage in closed:  # no light, no days left: no date to parse
                light = left = None
            else:
                if text_dates:
                    since_on, due_on = day(stage_since), day(stage_due) if stage_due is not None else None
                    start_on, deadline_on = day(cycle_start), day(deadline)
                else:
                    since_on, due_on, start_on, deadline_on = stage_since, stage_due, cycle_start, deadline
                light = case_light(stage, stage_since=since_on, stage_due_on=due_on, cycle_start=start_on,
                                   deadline=deadline_on, as_of=as_of, lights=lights)
                left = days_left(stage, stage_due_on=due_on, deadline=deadline_on, as_of=as_of)
            if not text_dates:  # date objects (PostgreSQL): the cells show ISO text
                identified_on, deadline = identified_on.isoformat(), deadline.isoformat()
                verified_on, last_progress_on = _iso(verified_on), _iso(last_progress_on)
            if want_light is not None and light != want_light:
                continue
            seq += 1
            yield light, [
                seq,
                county,
                township,
                org_name,
                kinds.get(kind, kind),
                _problems_cell(problems),
                detail,
                f"{measures_done}/{measures_total}",
                county_leader or "",
                township_cadre or "",
                f"{sec_name}（{sec_unit}）" if sec_name is not None else "",
                helping_unit,
                identified_on,
                deadline,
                stages.get(stage, stage),
                left if left is not None else "",
                light_labels[light] if light else "",
                "是" if supervised else "否",
                f"{last_progress_on} {progress_note}"
                if last_progress_on is not None and progress_note is not None
                else "",
                verified_on or "",
                score if score is not None else "",
                "是" if stage == verified else "否",
                remarks(cycle=cycle, n_extensions=int(n_extensions), n_failed=int(n_failed),
                        withdrawn_reason=withdrawn_reason, supervised=bool(supervised),
                        supervision_reason=supervision_reason, secretary_kind=sec_kind)
                if cycle > 1 or n_extensions or n_failed or withdrawn_reason or supervised or sec_kind == "local"
                else "",
            ]


# The columns of ledger_query, in order: LedgerRows.cell_rows unpacks the driver's tuples by position.
_RAW_KEYS = (
    "id", "stage", "identified_on", "deadline", "stage_since", "stage_due", "cycle_start", "cycle", "version",
    "detail", "helping_unit", "verified_on", "score", "withdrawn_reason", "supervised", "supervision_reason",
    "measures_total", "measures_done", "last_progress_on", "org_code", "org_name", "kind", "county", "township",
    "problems", "county_leader", "township_cadre", "sec_name", "sec_unit", "sec_kind", "progress_note",
    "n_extensions", "n_failed",
)


def ledger_rows(
    db: Database, *, as_of: date, config: Config, filters: LedgerFilter | None = None, batch: int = 1000
) -> LedgerRows:
    """Stream the ledger rows, numbered after filtering."""
    return LedgerRows(db, as_of=as_of, config=config, filters=filters or LedgerFilter(), batch=batch)


def count_cases(db: Database, filters: LedgerFilter | None = None) -> int:
    """How many rows the SQL filter gives (an upper bound when filtering by light), for a progress bar."""
    q = apply_filter(
        sa.select(sa.func.count()).select_from(case_t).join(org_t, org_t.c.id == case_t.c.org_id),
        filters or LedgerFilter(),
    )
    with db.connect() as s:
        return int(s.execute(q).scalar_one())


def scope_counties(db: Database, filters: LedgerFilter | None = None) -> list[str]:
    """The counties a ledger covers (at most four), for its title."""
    q = (
        apply_filter(
            sa.select(org_t.c.county).select_from(case_t).join(org_t, org_t.c.id == case_t.c.org_id),
            filters or LedgerFilter(),
        )
        .distinct()
        .order_by(org_t.c.county)
        .limit(4)
    )
    with db.connect() as s:
        return [c for (c,) in s.execute(q)]


def ledger_title(counties: list[str], as_of: date) -> str:
    if not counties:
        scope = ""
    elif len(counties) <= 3:
        scope = "、".join(counties)
    else:
        scope = "各县"
    return f"{scope}软弱涣散基层党组织限期转化台账（截至 {as_of.isoformat()}）"


# -- cell text (table, CSV, XLSX, HTML) ------------------------------------------------------------


def problems_text(problems: list[dict[str, str]]) -> str:
    return "; ".join(f"{p['code'] if p['code'] != OTHER_PROBLEM else '其他'} {p['text']}" for p in problems)


def cells(row: dict[str, Any]) -> dict[str, Any]:
    """The row as the county's form shows it: Chinese labels, "done/total", "name（unit）", 是/否."""
    sec = row["secretary"]
    prog = row["last_progress"]
    return {
        "seq": row["seq"],
        "county": row["county"],
        "township": row["township"],
        "org_name": row["org_name"],
        "kind": KINDS.get(row["kind"], row["kind"]),
        "problems": problems_text(row["problems"]),
        "detail": row["detail"],
        "measures": f"{row['measures']['done']}/{row['measures']['total']}",
        "county_leader": row["county_leader"] or "",
        "township_cadre": row["township_cadre"] or "",
        "secretary": f"{sec['name']}（{sec['unit']}）" if sec else "",
        "helping_unit": row["helping_unit"],
        "identified_on": row["identified_on"],
        "deadline": row["deadline"],
        "stage": STAGE_LABELS.get(row["stage"], row["stage"]),
        "days_left": row["days_left"] if row["days_left"] is not None else "",
        "light": LIGHT_LABELS[row["light"]] if row["light"] else "",
        "supervised": "是" if row["supervised"] else "否",
        "last_progress": f"{prog['on']} {prog['note']}" if prog else "",
        "verified_on": row["verified_on"] or "",
        "score": row["score"] if row["score"] is not None else "",
        "struck_off": "是" if row["struck_off"] else "否",
        "remarks": row["remarks"],
    }
