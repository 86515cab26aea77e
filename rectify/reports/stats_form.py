"""The Party statistics form "整顿软弱涣散基层党组织情况" (SPEC §6.1): its 26 columns, its year, its checks.

The form is counted from the cases as they stood on the as-of day (:mod:`rectify.reports.snapshot`), for one
statistical year: 排查 = cases identified in the year; 整顿提升 = cases struck off (verified) in the year, of
any cohort. Units and leaders are counted per pairing (one per case that names one), so 总计 is the sum over
every kind. Before any output the table logic is checked; a sheet that breaks it is refused naming the cell.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from rectify.config import ReportConfig
from rectify.errors import Refused
from rectify.reports.snapshot import CaseState
from rectify.states.stages import FIRST_SECRETARY, PROBLEM_OFFICIAL, PROBLEM_TYPES, VILLAGE_SECRETARY, WORK_TEAM, Stage
from rectify.states.tracks import measure_secretary_action

__all__ = ["FORM_COLUMNS", "FORM_GROUPS", "FORM_ROWS", "FORM_TITLE", "FormColumn", "FormCounter", "check_form",
           "count_form", "form_from_counts", "report_period"]

FORM_TITLE = "整顿软弱涣散基层党组织情况"
POOR_VILLAGES = "poor_villages"


# The ten types as the official sheet words them (SPEC §2), printed as "属于…的".
OFFICIAL_TYPES = PROBLEM_OFFICIAL


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
    FormColumn(POOR_VILLAGES, FORM_GROUPS[0], "其中脱贫村"),
    FormColumn("converted", FORM_GROUPS[0], "整顿提升基层党组织"),
    *(FormColumn(code, FORM_GROUPS[1], f"属于{text}的") for code, text in OFFICIAL_TYPES.items()),
    FormColumn("secretaries_missing", FORM_GROUPS[2], "年初缺配的软弱涣散基层党组织书记数"),
    FormColumn("secretaries_selected", FORM_GROUPS[2], "本年度已选配"),
    FormColumn("secretaries_to_adjust", FORM_GROUPS[2], "年初需调整的软弱涣散基层党组织书记数"),
    FormColumn("secretaries_adjusted", FORM_GROUPS[2], "本年度已调整"),
    FormColumn("secretaries_trained", FORM_GROUPS[2], "培训软弱涣散基层党组织书记", manual=True),
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
_STATUS_KEYS = {"missing": "secretaries_missing", "adjust": "secretaries_to_adjust"}
_ACTION_KEYS = {"选配": "secretaries_selected", "调整": "secretaries_adjusted"}


def report_period(year: int) -> str:
    """The 报告期 line: the year and the rule of its two main counts."""
    return (f"报告期：{year}年1月1日至{year}年12月31日（排查：本年确定列入整顿的；"
            f"整顿提升：本年验收销号的，不论哪年列入）")


def _codes(problems: str | None) -> set[str]:
    from rectify.store.ledger import ITEM, PAIR

    return {part.partition(PAIR)[0] for part in problems.split(ITEM)} if problems else set()


def _in(day: date | None, year: int) -> bool:
    return day is not None and day.year == year


def _count_case(row: dict[str, Any], s: CaseState, year: int) -> None:
    """Adds one case, as it stood, to a row of the form for ``year``."""
    def add(key: str, n: int = 1) -> None:
        row[key] = (row[key] or 0) + n

    if s.stage == Stage.withdrawn:
        return
    if _in(s.struck_off_on, year) and s.stage == Stage.verified:  # 整顿提升: struck off (销号) in the year
        add("converted")
    if not _in(s.identified_on, year):
        return
    _count_listing(add, s)
    _count_secretaries(add, s, year)


def _count_listing(add: Callable[[str], None], s: CaseState) -> None:
    """A case listed in the year: its problems, its helping unit and leader, its village secretary at listing."""
    add(Stage.identified.value)
    if s.poor_village and s.kind == "village":
        add(POOR_VILLAGES)
    for code in _codes(s.problems) & PROBLEM_TYPES.keys():
        add(code)
    if s.helping_unit:
        add("helping_units")
    if s.county_leader:
        add("county_leaders")
    if s.village_status in _STATUS_KEYS:
        add(_STATUS_KEYS[s.village_status])


def _count_secretaries(add: Callable[[str], None], s: CaseState, year: int) -> None:
    """The secretaries, work-team members and village secretaries chosen (选配/调整) in the year."""
    recorded: set[str] = set()
    for _name, _unit, kind, since, _until, action, *_ in s.secretaries:
        if kind == FIRST_SECRETARY:
            add("first_secretaries")
        elif kind == WORK_TEAM:
            add("village_cadres")
        elif kind == VILLAGE_SECRETARY and action in _ACTION_KEYS and _in(since, year):
            add(_ACTION_KEYS[action])
            recorded.add(action)
    # A secretary chosen through a measure (done in the year), when the track has no record of it.
    by_measure = {action for _seq, text, _o, _u, _due, done in s.measures
                  if done and done[:4] == str(year) and (action := measure_secretary_action(text))}
    for action in sorted(by_measure - recorded):
        add(_ACTION_KEYS[action])


class FormCounter:
    """The form counted one case at a time, so a day rebuilt from the history is never held in memory: each case
    once, into its organization kind's counts, the rows summed from the kinds at the end as the tables' path sums
    them (:func:`form_from_counts`)."""

    def __init__(self, year: int) -> None:
        self.year = year
        self.by_kind: dict[str, Counter[str]] = {}

    def add(self, s: CaseState) -> None:
        counts = self.by_kind.get(s.kind)
        if counts is None:
            counts = self.by_kind[s.kind] = Counter()
        # Open cases carried into the year: listed before it, and neither withdrawn nor struck off before it.
        if s.identified_on.year < self.year and s.stage != Stage.withdrawn \
                and not (s.struck_off_on is not None and s.struck_off_on.year < self.year):
            counts["carried"] += 1
        _count_case(counts, s, self.year)

    def form(self, *, as_of: date, report: ReportConfig | None = None) -> dict[str, Any]:
        return form_from_counts(self.by_kind, year=self.year, as_of=as_of, report=report)


def count_form(states: Iterable[CaseState], *, year: int, as_of: date,
               report: ReportConfig | None = None) -> dict[str, Any]:
    """The form's three rows for ``year``, as the cases stood on ``as_of``, checked (:func:`check_form`)."""
    counter = FormCounter(year)
    for s in states:
        counter.add(s)
    return counter.form(as_of=as_of, report=report)


def form_from_counts(by_kind: Mapping[str, Mapping[str, int]], *, year: int, as_of: date,
                     report: ReportConfig | None = None) -> dict[str, Any]:
    """The same form from figures counted per organization kind by SQL (the tables are the as-of day):
    ``by_kind`` maps a kind to its counts by column key, plus ``carried``."""
    rows: dict[str, dict[str, int | None]] = {}
    carried: dict[str, int] = {}
    for label, kind in FORM_ROWS:
        parts = [c for k, c in by_kind.items() if kind is None or k == kind]
        rows[label] = {c.key: None if c.manual else sum(p.get(c.key, 0) for p in parts) for c in FORM_COLUMNS}
        carried[label] = sum(p.get("carried", 0) for p in parts)
    return _form(rows, carried, year=year, as_of=as_of, report=report)


def _form(rows: dict[str, dict[str, int | None]], carried: dict[str, int], *, year: int, as_of: date,
          report: ReportConfig | None) -> dict[str, Any]:
    r = report or ReportConfig()
    columns = [{"key": c.key, "group": c.group, "header": c.header, "manual": c.manual} for c in FORM_COLUMNS]
    for c in columns:
        if c["key"] == POOR_VILLAGES:
            c["header"] = f"其中{r.poor_village_label or ReportConfig.poor_village_label}"
    form = {
        "title": FORM_TITLE,
        "year": year,
        "period": report_period(year),
        "carried_in": carried,
        "groups": list(FORM_GROUPS),
        "columns": columns,
        "rows": [{"row": label, "values": rows[label]} for label, _ in FORM_ROWS],
        "report": {"unit": r.unit, "preparer": r.preparer, "reviewer": r.reviewer, "phone": r.phone,
                   "date": as_of.isoformat()},
    }
    check_form(form)
    return form


def check_form(form: dict[str, Any]) -> None:
    """The table logic (SPEC §6.1), refused naming the row, the column and the numbers that break it."""
    rows = {r["row"]: r["values"] for r in form["rows"]}
    total, parts = rows[FORM_ROWS[0][0]], [rows[label] for label, _ in FORM_ROWS[1:]]
    for c in form["columns"]:
        t = total[c["key"]]
        if t is None:
            continue
        parts_sum = sum(p[c["key"]] or 0 for p in parts)
        if t < parts_sum:
            raise Refused(f"统计表未通过表内逻辑校验：总计行「{c['header']}」为 {t}，小于 村 + 社区 之和 {parts_sum}")
    for label, values in rows.items():
        converted, listed = values["converted"] or 0, values[Stage.identified.value] or 0
        carried = form["carried_in"][label]
        if converted > listed + carried:
            raise Refused(f"统计表未通过表内逻辑校验：{label}行「整顿提升基层党组织」为 {converted}，多于 "
                          f"排查 {listed} + 上年结转在办 {carried} = {listed + carried}")
