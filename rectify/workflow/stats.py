"""Statistics of SPEC §6 and the Party statistics form "整顿软弱涣散基层党组织情况" (§6.1).

Counts come from aggregate queries and one streamed pass over a lean case query (the lights depend on
the as-of date, so they are computed in Python by :mod:`rectify.states.deadlines`, never in SQL).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from rectify.config import Config
from rectify.states.deadlines import LIGHT_LABELS, LIGHT_ORDER, Light, days_left, next_due, row_light
from rectify.states.stages import KINDS, OTHER_PROBLEM, PROBLEM_TYPES, STAGE_LABELS, STAGES, Stage
from rectify.workflow.persistence import Database
from rectify.workflow.persistence.ledger import LedgerFilter
from rectify.workflow.persistence.stats import form_counts, lean_cases, problem_counts

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
    FormColumn(Stage.identified.value, FORM_GROUPS[0], "排查软弱涣散基层党组织"),
    FormColumn("poor_villages", FORM_GROUPS[0], "其中建档立卡贫困村"),
    FormColumn("converted", FORM_GROUPS[0], "整顿提升基层党组织"),
    *(FormColumn(code, FORM_GROUPS[1], text) for code, text in PROBLEM_TYPES.items()),
    FormColumn("secretaries_missing", FORM_GROUPS[2], "年初缺配的书记数"),
    FormColumn("secretaries_selected", FORM_GROUPS[2], "本年度已选配"),
    FormColumn("secretaries_to_adjust", FORM_GROUPS[2], "年初需调整的书记数"),
    FormColumn("secretaries_adjusted", FORM_GROUPS[2], "本年度已调整"),
    FormColumn("secretaries_trained", FORM_GROUPS[2], "培训书记", manual=True),
    FormColumn("secretaries_trained_county", FORM_GROUPS[2], "参加县级及以上培训", manual=True),
    FormColumn("helping_units", FORM_GROUPS[3], "结对帮扶单位（个）"),
    FormColumn("county_leaders", FORM_GROUPS[3], "挂点联系领导（人）"),
    FormColumn("first_secretaries", FORM_GROUPS[3], "选派第一书记（人）"),
    FormColumn("village_cadres", FORM_GROUPS[3], "选派驻村干部（人）"),
    FormColumn("special_campaigns", FORM_GROUPS[4], "开展专项整治（项）", manual=True),
    FormColumn("problems_solved", FORM_GROUPS[4], "解决各类问题（个）", manual=True),
    FormColumn("violations", FORM_GROUPS[4], "查处违纪违法行为（例）", manual=True),
)
FORM_ROWS: tuple[tuple[str, str | None], ...] = (("总计", None), ("村", "village"), ("社区", "community"))


def _form(s: Any, f: LedgerFilter) -> dict[str, Any]:
    """The form's three rows. Withdrawn (mis-identified) cases are not counted."""
    values: dict[str, dict[str, int | None]] = {}
    for label, kind in FORM_ROWS:
        counts = form_counts(s, f, kind)
        row: dict[str, int | None] = {c.key: None for c in FORM_COLUMNS}
        row.update(
            identified=counts[Stage.identified.value],
            poor_villages=counts["poor"],
            converted=counts["converted"],
            helping_units=counts["units"],
        )
        for code in PROBLEM_TYPES:
            row[code] = 0
        row.update(counts["problems"])
        row["secretaries_missing"] = counts["at_listing"].get("missing", 0)
        row["secretaries_selected"] = counts["secretaries"].get("village:选配", 0)
        row["secretaries_to_adjust"] = counts["at_listing"].get("adjust", 0)
        row["secretaries_adjusted"] = counts["secretaries"].get("village:调整", 0)
        row["first_secretaries"] = counts["secretaries"].get("first", 0)
        row["village_cadres"] = counts["secretaries"].get("work_team", 0)
        row["county_leaders"] = counts["leaders"]
        values[label] = row
    return {
        "title": FORM_TITLE,
        "groups": list(FORM_GROUPS),
        "columns": [
            {"key": c.key, "group": c.group, "header": c.header, "manual": c.manual} for c in FORM_COLUMNS
        ],
        "rows": [{"row": label, "values": values[label]} for label, _ in FORM_ROWS],
    }


@dataclass
class _Tally:
    """The counts of one streamed pass over the cases."""

    by_stage: Counter[str] = field(default_factory=Counter)
    by_light: Counter[str] = field(default_factory=Counter)
    by_kind: Counter[str] = field(default_factory=Counter)
    townships: dict[tuple[str, str], Counter[str]] = field(default_factory=dict)
    overdue: list[dict[str, Any]] = field(default_factory=list)

    def add(self, r: Any, light: Light | None, as_of: date) -> None:
        self.by_stage[r.stage] += 1
        self.by_kind[r.kind] += 1
        t = self.townships.setdefault((r.county, r.township), Counter())
        t["total"] += 1
        if r.stage == Stage.verified:
            t[Stage.verified.value] += 1
        if light is not None:
            self.by_light[light.value] += 1
            t["open"] += 1
        if light == "red":
            t["overdue"] += 1
            left = days_left(r.stage, stage_due_on=r.stage_due, deadline=r.deadline, as_of=as_of) or 0
            due = next_due(r.stage, stage_due_on=r.stage_due, deadline=r.deadline)
            self.overdue.append(
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


def _by_problem(problems: dict[str, int] | None) -> list[dict[str, Any]] | None:
    if problems is None:
        return None
    return [
        {"code": code, "text": text, "count": int(problems.get(code, 0))} for code, text in PROBLEM_TYPES.items()
    ] + [{"code": OTHER_PROBLEM, "text": "其他", "count": int(problems.get(OTHER_PROBLEM, 0))}]


def compute_stats(
    db: Database, *, as_of: date, config: Config, filters: LedgerFilter | None = None, full: bool = True
) -> dict[str, Any]:
    """Every figure of ``rectify stats`` for ``as_of``, with stable English keys.

    The problem counts and the form need a light-independent scope: they are left out (None) when
    filtering by light, and skipped when ``full`` is false (the HTML ledger's chart needs only the rest).
    """
    f = filters or LedgerFilter()
    tally = _Tally()
    with db.connect() as s:
        for r in lean_cases(s, f):
            light = row_light(r, as_of, config.lights)
            if f.light is not None and (light is None or light.value != f.light):
                continue
            tally.add(r, light, as_of)
        whole = full and f.light is None
        problems = problem_counts(s, f) if whole else None
        form = _form(s, f) if whole else None
    by_stage = tally.by_stage
    identified = sum(n for st, n in by_stage.items() if st != Stage.withdrawn)
    converted = by_stage.get(Stage.verified, 0)
    tally.overdue.sort(key=lambda o: (-o["days_overdue"], o["county"], o["township"], o["org_code"]))
    return {
        "as_of": as_of.isoformat(),
        "filters": f.describe(),
        "total": sum(by_stage.values()),
        "by_stage": [
            {"stage": st.value, "label": STAGE_LABELS[st], "count": by_stage.get(st, 0)} for st in STAGES
        ],
        "by_light": [
            {"light": lt, "label": LIGHT_LABELS[lt], "count": tally.by_light.get(lt, 0)} for lt in LIGHT_ORDER
        ],
        "by_problem": _by_problem(problems),
        "by_kind": [{"kind": k, "label": KINDS[k], "count": tally.by_kind[k]} for k in KINDS if tally.by_kind.get(k)],
        "by_township": [
            {
                "county": c,
                "township": t,
                "total": n["total"],
                "open": n["open"],
                Stage.verified.value: n[Stage.verified.value],
                "overdue": n["overdue"],
            }
            for (c, t), n in sorted(tally.townships.items())
        ],
        "conversion": {
            Stage.identified.value: identified,
            "converted": converted,
            "rate": round(converted / identified, 4) if identified else None,
        },
        "overdue": tally.overdue,
        "form": form,
    }


def stage_light_counts(stats: dict[str, Any]) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """(stage label, count) and (light, count) pairs for the HTML ledger's chart."""
    return (
        [(s["label"], s["count"]) for s in stats["by_stage"]],
        [(lt["light"], lt["count"]) for lt in stats["by_light"]],
    )
