"""The honest floor of ``ledger_township`` and ``ledger_county``: one place's ledger rows, the product's, by hand.

The product's figure iterates :func:`rectify.reports.ledger.ledger_rows` for a county (and township) filter: it
reads the latest business date anything stored carries (to know the tables are the day), runs the filtered ledger
query and turns each tuple into a :data:`rectify.reports.ledger.LedgerRow` — the light, the 38 cells a page shows
of the case (the measures' lines with their 完成情况 and the overdue count, the problems' text, 当前待办 with its
due day, the days left to it and to the 转化时限, the light's reason, the secretaries' cells, the last progress,
the judgment's cells, 回头看, 备注), and the tuple itself.

This floor does the same by hand on a raw sqlite3 connection: the eleven business-date maxima the product reads
(:data:`bench.inbox_floor._LATEST`; the product reads the last change's instant too, which a read with no known-on
day does not look at), the hand-written query below giving the ledger query's tuple (in
:data:`rectify.store.plain.LEDGER_KEYS` order) for the place's cases only, then the light and every cell made
from the tuple by :mod:`bench.csv_floor`'s cell code (:class:`bench.csv_floor._Cells` unquoted: the cells as the
row carries them, not as a spreadsheet gets them). On a past day (anything dated after it; never in the figure,
whose day is the data's last) it takes the place's cases as :func:`bench.asof_floor.past_rows` folds them: the
light and cells are the product's, the tuple holds dates as text and no version. Nothing of the product's row
source runs; what it takes from the product is data (labels, thresholds, the 第一书记 window). The figure checks
the floor's (light, cells, tuple) rows equal to the product's on the first pair.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

from bench.csv_floor import Floor, _Cells, _look_backs, _remarks
from bench.inbox_floor import _LATEST

# The ledger's row (rectify.store.plain.LEDGER_KEYS) by hand: correlated look-ups by case_id for the chosen
# cases only. The unary plus keeps SQLite off the until and reported_on indexes (most assignments are current,
# most reports share a few days).
_QUERY = """
SELECT c.id, c.stage, c.identified_on, c.deadline, c.stage_since, c.stage_due, c.cycle_start, c.cycle, c.version,
  c.detail, c.helping_unit, c.verified_on, c.score, c.withdrawn_reason, c.supervised, c.supervision_reason,
  c.measures_total, c.measures_done, c.last_progress_on, o.code, o.name, o.kind, o.county, o.township,
  (SELECT group_concat(code || char(31) || text, char(30)) FROM case_problem WHERE case_id = c.id),
  (SELECT name FROM case_person WHERE case_id = c.id AND role = 'county_leader'),
  coalesce((SELECT name FROM case_person WHERE case_id = c.id AND role = 'township_leader'),
           (SELECT name FROM case_person WHERE case_id = c.id AND role = 'township_cadre')),
  s.name, s.unit, s.kind,
  (SELECT note FROM progress_report WHERE case_id = c.id AND +reported_on = c.last_progress_on
   ORDER BY id DESC LIMIT 1),
  (SELECT count(*) FROM deadline_extension WHERE case_id = c.id),
  (SELECT count(*) FROM verification WHERE case_id = c.id AND NOT passed),
  c.supervision_level, c.escalation_step, c.look_backs, c.earlier_years,
  (SELECT group_concat(seq || char(31) || text || char(31) || owner || char(31) || owner_unit || char(31)
          || due_on || char(31) || coalesce(done_on, ''), char(30)) FROM measure WHERE case_id = c.id),
  s.term_until, v.name, v.action, c.village_secretary_status, c.grade, c.satisfaction, c.struck_off_on,
  CASE WHEN s.id IS NULL THEN (SELECT max(until) FROM secretary_assignment WHERE case_id = c.id AND kind = 'first')
  END
FROM rectification_case c JOIN organization o ON o.id = c.org_id
LEFT JOIN secretary_assignment s ON s.id = (SELECT max(id) FROM secretary_assignment
  WHERE case_id = c.id AND +until IS NULL AND kind = 'first')
LEFT JOIN secretary_assignment v ON v.id = (SELECT max(id) FROM secretary_assignment
  WHERE case_id = c.id AND +until IS NULL AND kind = 'village')
WHERE {where}
ORDER BY c.stage IN ({closed}), o.county, o.township, o.code, c.id
"""

Row = tuple[str | None, list[Any], tuple[Any, ...]]


class Place:
    """What the floor takes before the timing: the place's statement and values, the labels and thresholds
    (:class:`bench.csv_floor.Floor`), the lights' codes by label, the closed stages."""

    def __init__(self, as_of: date, county: str, township: str | None) -> None:
        from rectify.states.deadlines import LIGHT_LABELS
        from rectify.states.stages import CLOSED_STAGES

        self.as_of, self.county, self.township = as_of, county, township
        self.floor = Floor(as_of)
        self.closed = frozenset(map(str, CLOSED_STAGES))
        self.params: tuple[str, ...]
        where, self.params = (("o.county = ? AND o.township = ?", (county, township)) if township is not None
                              else ("o.county = ?", (county,)))
        self.sql = _QUERY.format(where=where, closed=", ".join(f"'{s}'" for s in sorted(self.closed)))
        self.codes = {label: code for code, label in LIGHT_LABELS.items()}
        self.verified = "verified"


def rows(con: sqlite3.Connection, place: Place, path: Path | None = None) -> list[Row]:
    """The place's ledger rows as the product gives them: (light, cells, tuple); on a past day (anything dated after
    the as-of day in the database at ``path``) from the cases folded by hand."""
    latest = con.execute(_LATEST).fetchone()[0]
    if latest is not None and latest[:10] > place.as_of.isoformat():
        assert path is not None, "a past day: the floor folds the database's history"
        from bench.asof_floor import Past, past_rows

        source: Iterable[tuple[Any, ...]] = [
            r for r in past_rows(con, Past(path, place.as_of))
            if r[22] == place.county and (place.township is None or r[23] == place.township)]
    else:
        source = con.execute(place.sql, place.params)
    return made(place, source)


def made(place: Place, source: Iterable[tuple[Any, ...]]) -> list[Row]:
    """Each tuple's light and cells (rectify.reports.ledger.LEDGER_COLUMNS), made by hand."""
    f = place.floor
    c = _Cells(f, safe=False)
    stages, kinds, levels, steps, grades = f.stages, f.kinds, f.levels, f.steps, f.grades
    closed, codes, verified = place.closed, place.codes, place.verified
    out: list[Row] = []
    left: int | str
    to_deadline: int | str
    for row in source:
        (_, stage, identified_on, deadline, _, _, _, cycle, _, detail, helping_unit, verified_on, score,
         withdrawn_reason, supervised, supervision_reason, measures_total, measures_done, last_progress_on,
         _, org_name, kind, county, township, raw_problems, county_leader, township_cadre, sec_name,
         sec_unit, _, progress_note, n_extensions, n_failed, supervision_level, escalation_step, look_backs,
         earlier_years, raw_measures, sec_term_until, vsec_name, vsec_action, village_status, grade,
         satisfaction, struck_off_on, _) = row
        measures, overdue, oldest = c.measures(raw_measures)
        if stage in closed:
            light, label, reason, task, task_due, left, to_deadline = None, "", "", "", "", "", ""
        else:
            label, reason, task, task_due, left, to_deadline = c.due(row, oldest)
            light = codes[label]
        out.append((light, [
            len(out) + 1, county, township, org_name, kinds.get(kind, kind), c.problem(raw_problems), detail,
            measures, measures_done, measures_total, overdue, county_leader or "", township_cadre or "",
            c.village(vsec_name, vsec_action, village_status),
            f"{sec_name}（{sec_unit}）" + (f"任期至 {sec_term_until[:10]}" if sec_term_until else "")
            if sec_name is not None else "",
            helping_unit, identified_on, deadline, stages.get(stage, stage), task, task_due, left, to_deadline, label,
            reason, "是" if supervised else "否", levels.get(supervision_level, "") if supervised else "",
            steps.get(escalation_step, ""),
            "" if last_progress_on is None or progress_note is None else f"{last_progress_on} {progress_note}",
            verified_on or "", "" if score is None else score, grades.get(grade, ""),
            f"{satisfaction * 100:.1f}%" if satisfaction is not None else "", struck_off_on or "",
            "是" if stage == verified else "否", _look_backs(look_backs) if look_backs else "",
            earlier_years.replace(",", "、") if earlier_years else "",
            _remarks(cycle, n_extensions, n_failed, withdrawn_reason, supervised, supervision_reason)], row))
    return out


def product_rows(db: Any, place: Place) -> list[Row]:
    """The product's rows for the same place and day (outside the timing: what the floor is checked against)."""
    from rectify.config import Config
    from rectify.reports.ledger import ledger_rows
    from rectify.store.ledger import LedgerFilter

    return [(light, cells, tuple(raw)) for light, cells, raw in ledger_rows(
        db, as_of=place.as_of, config=Config(), filters=LedgerFilter(county=place.county, township=place.township))]
