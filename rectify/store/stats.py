"""The statements of ``rectify stats`` read from the current tables (when they are the as-of day, see
:func:`rectify.reports.snapshot.needs_rebuild`): the cases counted by place, kind, stage and light in SQL
(the light is :func:`rectify.states.deadlines.case_light` written as SQL), the overdue cases, and the Party
form's figures as aggregates grouped by organization kind — no Python per case.

The form's rules are those of :func:`rectify.reports.stats_form._count_row`, written as SQL; the tests hold
the two equal on both backends.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from rectify.config import LightsConfig, PolicyConfig
from rectify.states.deadlines import LIGHT_ORDER, Light, light_for
from rectify.states.stages import (
    FIRST_SECRETARY,
    NO_DUE_STAGES,
    PROBLEM_TYPES,
    VILLAGE_SECRETARY,
    WORK_TEAM,
    Stage,
)
from rectify.states.tasks import SECRETARY_TASK_STAGES
from rectify.states.tracks import MEASURE_ACTION_WORDS, SECRETARY_WORD, VILLAGE_ACTIONS
from rectify.store.ledger import LedgerFilter, case_select
from rectify.store.reads import open_measure_due, secretary_columns
from rectify.store.tables import case_t, measure_t, org_t, person_t, problem_t, secretary_t

__all__ = ["FORM_SELECTION_ACTIONS", "case_counts", "form_by_kind", "light_rank", "problem_counts", "red_cases"]

FORM_SELECTION_ACTIONS = ("选配", "调整")  # the village track's actions the form counts


def _days(conn: Connection, a: Any, b: Any) -> Any:
    """``a - b`` in days, for DATE columns and parameters."""
    if conn.dialect.name == "sqlite":
        return sa.func.julianday(a) - sa.func.julianday(b)
    return a - b


def _window_rank(conn: Connection, start: Any, due: Any, as_of: date, lights: LightsConfig) -> Any:
    """``LIGHT_ORDER[light_for(share_left(start, due, as_of))]`` as SQL (:mod:`rectify.states.deadlines`)."""
    span, left = _days(conn, due, start), _days(conn, due, sa.literal(as_of, sa.Date))
    share = sa.cast(left, sa.Float) / span
    return sa.case(
        (left < 0, LIGHT_ORDER[Light.red]),
        (span <= 0, LIGHT_ORDER[light_for(1.0, lights)]),
        (share <= lights.orange, LIGHT_ORDER[Light.orange]),
        (share <= lights.yellow, LIGHT_ORDER[Light.yellow]),
        else_=LIGHT_ORDER[Light.green],
    )


def _left_rank(left: Any, span: int, lights: LightsConfig) -> Any:
    """:func:`_window_rank` of a window ``span`` days long with ``left`` days left (SQL)."""
    if span <= 0:
        return sa.case((left < 0, LIGHT_ORDER[Light.red]), else_=LIGHT_ORDER[light_for(1.0, lights)])
    share = sa.cast(left, sa.Float) / span
    return sa.case(
        (left < 0, LIGHT_ORDER[Light.red]),
        (share <= lights.orange, LIGHT_ORDER[Light.orange]),
        (share <= lights.yellow, LIGHT_ORDER[Light.yellow]),
        else_=LIGHT_ORDER[Light.green],
    )


def _side_rank(conn: Connection, as_of: date, lights: LightsConfig, policy: PolicyConfig) -> Any:
    """The 第一书记 track's task window (:func:`rectify.states.tasks.secretary_task`) as SQL, as a ``LIGHT_ORDER``
    rank (green when the case has none): a term ending before the 转化时限 (延期或轮换, the window the
    ``secretary_due_days`` before the term's end), a 第一书记 recalled in stage 3 with no one in post (空缺, the
    ``secretary_due_days`` after the last one left), unless a village secretary 选配/调整 satisfies stage 3."""
    term_until, vacant_since, vsec_action = (c.element for c in secretary_columns())
    window = policy.secretary_due_days
    today = sa.literal(as_of, sa.Date)
    vacancy = sa.and_(case_t.c.stage == Stage.secretary_assigned.value, vacant_since.is_not(None))
    if policy.secretary_rule == "either":
        vacancy = sa.and_(vacancy, sa.func.coalesce(vsec_action, "").not_in(VILLAGE_ACTIONS))
    return sa.case(
        (case_t.c.stage.not_in([str(s) for s in SECRETARY_TASK_STAGES]), LIGHT_ORDER[Light.green]),
        (sa.and_(term_until.is_not(None), term_until < case_t.c.deadline),
         _left_rank(_days(conn, term_until, today), window, lights)),
        (vacancy, _left_rank(_days(conn, vacant_since, today) + window, window, lights)),
        else_=LIGHT_ORDER[Light.green],
    )


def _greatest(conn: Connection, *ranks: Any) -> Any:
    """The largest of ``ranks`` (none is NULL)."""
    return sa.func.max(*ranks) if conn.dialect.name == "sqlite" else sa.func.greatest(*ranks)


def light_rank(conn: Connection, as_of: date, lights: LightsConfig, policy: PolicyConfig) -> Any:
    """:func:`rectify.states.deadlines.case_light` of a case as SQL, as its ``LIGHT_ORDER`` rank (NULL when
    closed): red when an open measure is past its due date (:func:`rectify.states.deadlines.measure_overdue`), else
    the worst of the conversion-deadline window (not for a rectified case), the stage window and the 第一书记
    track's task window (:func:`_side_rank`)."""
    deadline = sa.case((case_t.c.stage == Stage.rectified.value, LIGHT_ORDER[Light.green]),
                       else_=_window_rank(conn, case_t.c.cycle_start, case_t.c.deadline, as_of, lights))
    own = sa.case((case_t.c.stage_due.is_(None), LIGHT_ORDER[Light.green]),
                  else_=_window_rank(conn, case_t.c.stage_since, case_t.c.stage_due, as_of, lights))
    late = (sa.select(measure_t.c.id).where(measure_t.c.case_id == case_t.c.id, measure_t.c.done_on.is_(None),
                                            measure_t.c.due_on < sa.literal(as_of, sa.Date))
            .correlate(case_t).exists())
    return sa.case((case_t.c.stage.in_([str(s) for s in NO_DUE_STAGES]), sa.null()),
                   (late, LIGHT_ORDER[Light.red]),
                   else_=_greatest(conn, own, deadline, _side_rank(conn, as_of, lights, policy)))


def _light_filter(q: sa.Select[Any], rank: Any, light: str | None) -> sa.Select[Any]:
    return q if light is None else q.where(rank == LIGHT_ORDER[light])


def case_counts(conn: Connection, f: LedgerFilter, as_of: date, lights: LightsConfig,
                policy: PolicyConfig) -> list[Any]:
    """(county, township, kind, stage, light rank, cases) groups of the filtered cases (the filter's light
    included)."""
    rank = light_rank(conn, as_of, lights, policy).label("light")
    q = _light_filter(case_select(f, org_t.c.county, org_t.c.township, org_t.c.kind, case_t.c.stage, rank,
                                  sa.func.count()), rank, f.light)
    return list(conn.execute(q.group_by(org_t.c.county, org_t.c.township, org_t.c.kind, case_t.c.stage, rank)))


def red_cases(conn: Connection, f: LedgerFilter, as_of: date, lights: LightsConfig,
              policy: PolicyConfig) -> Iterator[Any]:
    """The overdue (red) cases of the filter: what the overdue list shows of each."""
    rank = light_rank(conn, as_of, lights, policy)
    q = case_select(f, case_t.c.id, case_t.c.stage, case_t.c.stage_due, case_t.c.deadline, case_t.c.supervised,
                    org_t.c.code.label("org_code"), org_t.c.name.label("org_name"), org_t.c.county,
                    org_t.c.township, open_measure_due().label("open_measure_due"),
                    *secretary_columns()).where(rank == LIGHT_ORDER[Light.red])
    if f.light is not None and f.light != Light.red:
        return iter(())
    return iter(conn.execute(q))


def problem_counts(conn: Connection, f: LedgerFilter) -> Counter[str]:
    """Cases per problem code, withdrawn cases not counted."""
    q = (case_select(f, problem_t.c.code, sa.func.count(sa.distinct(problem_t.c.case_id)))
         .join(problem_t, problem_t.c.case_id == case_t.c.id)
         .where(case_t.c.stage != Stage.withdrawn.value)
         .group_by(problem_t.c.code))
    return Counter({code: int(n) for code, n in conn.execute(q)})


def _year(col: Any, year: int) -> Any:
    return col.between(date(year, 1, 1), date(year, 12, 31))


def _sum(cond: Any) -> Any:
    return sa.func.coalesce(sa.func.sum(sa.case((cond, 1), else_=0)), 0)


def form_by_kind(conn: Connection, f: LedgerFilter, year: int) -> dict[str, dict[str, int]]:
    """Organization kind → the form's counted figures for ``year`` (keys of ``FORM_COLUMNS``, plus ``carried``:
    open cases carried into the year). Withdrawn cases are not counted."""
    counted = case_t.c.stage != Stage.withdrawn.value
    listed = _year(case_t.c.identified_on, year)
    start = date(year, 1, 1)
    out: dict[str, Counter[str]] = {}

    def add(kind: str, key: str, n: Any) -> None:
        out.setdefault(kind, Counter())[key] += int(n or 0)

    main = case_select(
        f, org_t.c.kind,
        _sum(listed).label(Stage.identified.value),
        _sum(sa.and_(listed, org_t.c.poor_village.is_(True), org_t.c.kind == "village")).label("poor_villages"),
        _sum(sa.and_(case_t.c.stage == Stage.verified.value, _year(case_t.c.struck_off_on, year))).label("converted"),
        _sum(sa.and_(listed, case_t.c.helping_unit != "")).label("helping_units"),
        _sum(sa.and_(listed, case_t.c.village_secretary_status == "missing")).label("secretaries_missing"),
        _sum(sa.and_(listed, case_t.c.village_secretary_status == "adjust")).label("secretaries_to_adjust"),
        _sum(sa.and_(case_t.c.identified_on < start,  # not struck off (销号) before the year: 公示 is still open
                     sa.or_(case_t.c.struck_off_on.is_(None), case_t.c.struck_off_on >= start))).label("carried"),
    ).where(counted).group_by(org_t.c.kind)
    for row in conn.execute(main):
        for key, n in row._mapping.items():
            if key != "kind":
                add(row.kind, key, n)
    problems = (case_select(f, org_t.c.kind, problem_t.c.code, sa.func.count(sa.distinct(problem_t.c.case_id)))
                .join(problem_t, problem_t.c.case_id == case_t.c.id)
                .where(counted, listed, problem_t.c.code.in_(list(PROBLEM_TYPES)))
                .group_by(org_t.c.kind, problem_t.c.code))
    for kind, code, n in conn.execute(problems):
        add(kind, code, n)
    has_leader = (sa.select(person_t.c.id).where(person_t.c.case_id == case_t.c.id,
                                                person_t.c.role == "county_leader", person_t.c.name != "")
                  .exists())
    leaders = (case_select(f, org_t.c.kind, sa.func.count()).where(counted, listed, has_leader)
               .group_by(org_t.c.kind))
    for kind, n in conn.execute(leaders):
        add(kind, "county_leaders", n)
    posts = (case_select(f, org_t.c.kind, secretary_t.c.kind, secretary_t.c.action, sa.func.count())
             .join(secretary_t, secretary_t.c.case_id == case_t.c.id)
             .where(counted, listed, sa.or_(
                 secretary_t.c.kind.in_((FIRST_SECRETARY, WORK_TEAM)),
                 sa.and_(secretary_t.c.kind == VILLAGE_SECRETARY, secretary_t.c.action.in_(FORM_SELECTION_ACTIONS),
                         _year(secretary_t.c.since, year))))
             .group_by(org_t.c.kind, secretary_t.c.kind, secretary_t.c.action))
    track = {FIRST_SECRETARY: "first_secretaries", WORK_TEAM: "village_cadres"}
    action_key = dict(zip(FORM_SELECTION_ACTIONS, ("secretaries_selected", "secretaries_adjusted"), strict=True))
    for kind, sec_kind, action, n in conn.execute(posts):
        add(kind, track[sec_kind] if sec_kind in track else action_key[action], n)
    for action, key in action_key.items():  # chosen through a measure done in the year, not on the track
        for kind, n in conn.execute(_chosen_by_measure(f, listed, counted, action, year)):
            add(kind, key, n)
    return {kind: dict(c) for kind, c in out.items()}


def _measure_action(action: str) -> Any:
    """:func:`rectify.states.tracks.measure_secretary_action` of a measure's text as SQL: it is ``action``."""
    text = measure_t.c.text
    chooses = sa.and_(text.contains(SECRETARY_WORD), sa.not_(text.contains("第一书记")))
    earlier: list[Any] = []
    for name, words in MEASURE_ACTION_WORDS:
        hit = sa.or_(*(text.contains(w) for w in words))
        if name == action:
            return sa.and_(chooses, hit, *(sa.not_(e) for e in earlier))
        earlier.append(hit)
    return sa.false()


def _chosen_by_measure(f: LedgerFilter, listed: Any, counted: Any, action: str, year: int) -> sa.Select[Any]:
    by_measure = (sa.select(measure_t.c.id).where(measure_t.c.case_id == case_t.c.id, _year(measure_t.c.done_on, year),
                                                   _measure_action(action)).exists())
    on_track = (sa.select(secretary_t.c.id).where(
        secretary_t.c.case_id == case_t.c.id, secretary_t.c.kind == VILLAGE_SECRETARY,
        secretary_t.c.action == action, _year(secretary_t.c.since, year)).exists())
    return (case_select(f, org_t.c.kind, sa.func.count()).where(counted, listed, by_measure, sa.not_(on_track))
            .group_by(org_t.c.kind))
