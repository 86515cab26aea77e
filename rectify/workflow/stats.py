"""Statistics of SPEC §6 and the Party statistics form "整顿软弱涣散基层党组织情况" (§6.1).

Counts come from aggregate queries and one streamed pass over a lean case query (the lights depend on
the as-of date, so they are computed in Python by :mod:`rectify.states.deadlines`, never in SQL).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa

from rectify.config import Config
from rectify.states.deadlines import LIGHT_LABELS, LIGHT_ORDER, days_left, next_due, row_light
from rectify.states.stages import KINDS, OTHER_PROBLEM, PROBLEM_TYPES, STAGE_LABELS, STAGES, Stage
from rectify.workflow.ledger import LedgerFilter, apply_filter
from rectify.workflow.persistence import Database
from rectify.workflow.persistence.tables import case_t, org_t, person_t, problem_t, secretary_t

FORM_TITLE = "整顿软弱涣散基层党组织情况"
MANUAL = "人工填报"


@dataclass(frozen=True)
class FormColumn:
    key: str
    group: str
    header: str
    manual: bool = False


FORM_GROUPS = (
    "排查整顿",
    "软弱涣散基层党组织主要类型（个）",
    "调整培训党组织书记（人）",
    "整顿措施",
    "解决突出问题",
)
FORM_COLUMNS: tuple[FormColumn, ...] = (
    FormColumn("identified", FORM_GROUPS[0], "排查软弱涣散基层党组织"),
    FormColumn("poor_villages", FORM_GROUPS[0], "其中建档立卡贫困村"),
    FormColumn("converted", FORM_GROUPS[0], "整顿提升基层党组织"),
    *(FormColumn(code, FORM_GROUPS[1], text) for code, text in PROBLEM_TYPES.items()),
    FormColumn("secretaries_missing", FORM_GROUPS[2], "年初缺配的书记数", manual=True),
    FormColumn("secretaries_selected", FORM_GROUPS[2], "本年度已选配"),
    FormColumn("secretaries_to_adjust", FORM_GROUPS[2], "年初需调整的书记数", manual=True),
    FormColumn("secretaries_adjusted", FORM_GROUPS[2], "本年度已调整", manual=True),
    FormColumn("secretaries_trained", FORM_GROUPS[2], "培训书记", manual=True),
    FormColumn("secretaries_trained_county", FORM_GROUPS[2], "参加县级及以上培训", manual=True),
    FormColumn("helping_units", FORM_GROUPS[3], "结对帮扶单位（个）"),
    FormColumn("county_leaders", FORM_GROUPS[3], "挂点联系领导（人）"),
    FormColumn("first_secretaries", FORM_GROUPS[3], "选派第一书记（人）"),
    FormColumn("village_cadres", FORM_GROUPS[3], "选派驻村干部（人）", manual=True),
    FormColumn("special_campaigns", FORM_GROUPS[4], "开展专项整治（项）", manual=True),
    FormColumn("problems_solved", FORM_GROUPS[4], "解决各类问题（个）", manual=True),
    FormColumn("violations", FORM_GROUPS[4], "查处违纪违法行为（例）", manual=True),
)
FORM_ROWS: tuple[tuple[str, str | None], ...] = (("总计", None), ("村", "village"), ("社区", "community"))


def _base(f: LedgerFilter, *cols: Any) -> sa.Select[Any]:
    return apply_filter(sa.select(*cols).select_from(case_t).join(org_t, org_t.c.id == case_t.c.org_id), f)


def _form(s: Any, f: LedgerFilter) -> dict[str, Any]:
    """The form's three rows. Withdrawn (mis-identified) cases are not counted."""
    counted = case_t.c.stage != Stage.withdrawn
    values: dict[str, dict[str, int | None]] = {}
    for label, kind in FORM_ROWS:
        scope = counted if kind is None else sa.and_(counted, org_t.c.kind == kind)
        row: dict[str, int | None] = {c.key: None for c in FORM_COLUMNS}
        main = s.execute(
            _base(
                f,
                sa.func.count().label("identified"),
                sa.func.coalesce(sa.func.sum(sa.case((org_t.c.poor_village.is_(True), 1), else_=0)), 0).label(
                    "poor"
                ),
                sa.func.coalesce(
                    sa.func.sum(sa.case((case_t.c.stage == Stage.verified, 1), else_=0)), 0
                ).label("converted"),
                sa.func.count(sa.distinct(sa.func.nullif(case_t.c.helping_unit, ""))).label("units"),
            ).where(scope)
        ).one()
        row.update(
            identified=int(main.identified),
            poor_villages=int(main.poor),
            converted=int(main.converted),
            helping_units=int(main.units),
        )
        for code in PROBLEM_TYPES:
            row[code] = 0
        for code, n in s.execute(
            _base(f, problem_t.c.code, sa.func.count(sa.distinct(problem_t.c.case_id)))
            .join(problem_t, problem_t.c.case_id == case_t.c.id)
            .where(scope, problem_t.c.code != OTHER_PROBLEM)
            .group_by(problem_t.c.code)
        ):
            row[code] = int(n)
        sec = dict(
            s.execute(
                _base(f, secretary_t.c.kind, sa.func.count())
                .join(secretary_t, secretary_t.c.case_id == case_t.c.id)
                .where(scope)
                .group_by(secretary_t.c.kind)
            ).all()
        )
        row["secretaries_selected"] = int(sec.get("local", 0))
        row["first_secretaries"] = int(sec.get("first", 0))
        leaders = s.execute(
            _base(f, sa.func.count(sa.distinct(person_t.c.name)))
            .join(
                person_t,
                sa.and_(
                    person_t.c.case_id == case_t.c.id,
                    person_t.c.role == "county_leader",
                    person_t.c.name != "",
                ),
            )
            .where(scope)
        ).scalar_one()
        row["county_leaders"] = int(leaders)
        values[label] = row
    return {
        "title": FORM_TITLE,
        "groups": list(FORM_GROUPS),
        "columns": [
            {"key": c.key, "group": c.group, "header": c.header, "manual": c.manual} for c in FORM_COLUMNS
        ],
        "rows": [{"row": label, "values": values[label]} for label, _ in FORM_ROWS],
    }


def compute_stats(
    db: Database, *, as_of: date, config: Config, filters: LedgerFilter | None = None, full: bool = True
) -> dict[str, Any]:
    """Every figure of ``rectify stats`` for ``as_of``, with stable English keys.

    The problem counts and the form need a light-independent scope: they are left out (None) when
    filtering by light, and skipped when ``full`` is false (the HTML ledger's chart needs only the rest).
    """
    f = filters or LedgerFilter()
    by_stage: Counter[str] = Counter()
    by_light: Counter[str] = Counter()
    by_kind: Counter[str] = Counter()
    townships: dict[tuple[str, str], Counter[str]] = {}
    overdue: list[dict[str, Any]] = []
    lean = _base(
        f,
        case_t.c.id,
        case_t.c.stage,
        case_t.c.stage_since,
        case_t.c.stage_due,
        case_t.c.cycle_start,
        case_t.c.deadline,
        case_t.c.supervised,
        org_t.c.code,
        org_t.c.name,
        org_t.c.kind,
        org_t.c.county,
        org_t.c.township,
    ).order_by(case_t.c.deadline, org_t.c.county, org_t.c.township, org_t.c.code, case_t.c.id)
    with db.connect() as s:
        for r in s.execute(lean.execution_options(yield_per=2000)):
            light = row_light(r, as_of, config.lights)
            if f.light is not None and (light is None or light.value != f.light):
                continue
            by_stage[r.stage] += 1
            by_kind[r.kind] += 1
            t = townships.setdefault((r.county, r.township), Counter())
            t["total"] += 1
            if r.stage == Stage.verified:
                t["verified"] += 1
            if light is not None:
                by_light[light.value] += 1
                t["open"] += 1
            if light == "red":
                t["overdue"] += 1
                left = days_left(r.stage, stage_due_on=r.stage_due, deadline=r.deadline, as_of=as_of) or 0
                due = next_due(r.stage, stage_due_on=r.stage_due, deadline=r.deadline)
                overdue.append(
                    {
                        "case_id": r.id,
                        "org_code": r.code,
                        "org_name": r.name,
                        "county": r.county,
                        "township": r.township,
                        "stage": r.stage,
                        "next_due": due.isoformat() if due else None,
                        "days_overdue": -left,
                        "supervised": bool(r.supervised),
                    }
                )
        problems: dict[str, int] | None = (
            dict(
                s.execute(
                    _base(f, problem_t.c.code, sa.func.count(sa.distinct(problem_t.c.case_id)))
                    .join(problem_t, problem_t.c.case_id == case_t.c.id)
                    .where(case_t.c.stage != Stage.withdrawn)
                    .group_by(problem_t.c.code)
                ).all()
            )
            if full and f.light is None
            else None
        )
        form = _form(s, f) if full and f.light is None else None
    identified = sum(n for st, n in by_stage.items() if st != Stage.withdrawn)
    converted = by_stage.get(Stage.verified, 0)
    overdue.sort(key=lambda o: (-o["days_overdue"], o["county"], o["township"], o["org_code"]))
    return {
        "as_of": as_of.isoformat(),
        "filters": f.describe(),
        "total": sum(by_stage.values()),
        "by_stage": [
            {"stage": st.value, "label": STAGE_LABELS[st], "count": by_stage.get(st, 0)} for st in STAGES
        ],
        "by_light": [
            {"light": lt, "label": LIGHT_LABELS[lt], "count": by_light.get(lt, 0)} for lt in LIGHT_ORDER
        ],
        "by_problem": None
        if problems is None
        else [
            {"code": code, "text": text, "count": int(problems.get(code, 0))}
            for code, text in PROBLEM_TYPES.items()
        ]
        + [{"code": OTHER_PROBLEM, "text": "其他", "count": int(problems.get(OTHER_PROBLEM, 0))}],
        "by_kind": [{"kind": k, "label": KINDS[k], "count": by_kind[k]} for k in KINDS if by_kind.get(k)],
        "by_township": [
            {
                "county": c,
                "township": t,
                "total": n["total"],
                "open": n["open"],
                "verified": n["verified"],
                "overdue": n["overdue"],
            }
            for (c, t), n in sorted(townships.items())
        ],
        "conversion": {
            "identified": identified,
            "converted": converted,
            "rate": round(converted / identified, 4) if identified else None,
        },
        "overdue": overdue,
        "form": form,
    }


def stage_light_counts(stats: dict[str, Any]) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """(stage label, count) and (light, count) pairs for the HTML ledger's chart."""
    return (
        [(s["label"], s["count"]) for s in stats["by_stage"]],
        [(lt["light"], lt["count"]) for lt in stats["by_light"]],
    )
