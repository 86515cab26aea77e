"""An imported case's verification facts (issue 26): the team, the survey, the 公示, the approver and the 文号.

A case imported in a late stage (已整改 in 公示, 已验收销号, 回头看) did not take the steps that record these, so
its row must carry them in its own columns (``rectify.states.import_rules`` says which stage needs which); the
counties' sheets name them in their own words (the aliases in ``sheets.CASE_EXTRA``). What the row gives is kept
as the CLI's ``verify`` and ``strike_off`` would keep it, signed 导入.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from rectify.config import VerificationConfig
from rectify.importing.cells import CellError, Parsers
from rectify.importing.rows import Row
from rectify.states.thresholds import GRADE_LABELS, Grade, grade, verification_shortfalls

IMPORTED = "导入"
_SEPARATORS = re.compile(r"[、,，;；/\s]+")
_RANGE = re.compile(r"\s*(?:至|到|～|~|—|–|－)\s*")


@dataclass(slots=True)
class Facts:
    """The row's verification facts, parsed (a cell that does not parse is reported on the row)."""

    verifier: str = ""
    team: tuple[str, ...] = ()
    satisfied: int = 0
    basic: int = 0
    dissatisfied: int = 0
    publicity_from: date | None = None
    publicity_until: date | None = None
    approver: str = ""
    doc_no: str = ""

    @property
    def surveyed(self) -> int:
        return self.satisfied + self.basic + self.dissatisfied

    def inputs(self, score: int | None, rules: VerificationConfig) -> dict[str, Any]:
        """The import rules' inputs (``import_rules.has_team`` …): what the row gives, and what it means."""
        shortfall = "" if score is None else "；".join(
            verification_shortfalls(score, self.satisfied, self.basic, self.dissatisfied, rules))
        return {"verifier": self.verifier, "members": self.team, "surveyed": self.surveyed, "shortfall": shortfall,
                "publicity_from": self.publicity_from, "publicity_until": self.publicity_until,
                "approver": self.approver, "doc_no": self.doc_no}


@lru_cache(maxsize=4096)  # a sheet names the same few teams over and over
def team_cell(text: str) -> tuple[str, ...]:
    """验收组成员: names separated by 、 , ； or spaces."""
    return tuple(n for n in _SEPARATORS.split(text.strip()) if n)


def _survey(r: Row, P: Parsers, satisfaction: float | None) -> tuple[int, int, int]:
    """满意、基本满意、不满意 人数; or 测评人数 with 满意率 (satisfied = the share of those surveyed)."""
    counts = tuple(r.parse(k, P.int) for k in ("satisfied", "basic", "dissatisfied"))
    total = r.parse("surveyed", P.int)
    if any(c is not None for c in counts):
        s, b, d = (c or 0 for c in counts)
        if total is not None and total != s + b + d:
            r.fail("surveyed", f"测评人数 {total} 与满意、基本满意、不满意人数之和 {s + b + d} 不一致")
        return s, b, d
    if total is None:
        return 0, 0, 0
    if satisfaction is None:
        r.fail("surveyed", "只给出测评人数时，还须给出满意率（或分别给出满意、基本满意、不满意人数）")
        return 0, 0, 0
    content = round(satisfaction * total)
    return content, 0, total - content


def _publicity(r: Row, P: Parsers) -> tuple[date | None, date | None]:
    """公示开始日期 and 公示结束日期, or one 公示期 cell ``2026-05-02至2026-05-08``."""
    start, until = r.parse("publicity_from", P.date), r.parse("publicity_until", P.date)
    text = r.text("publicity")
    if text and start is None and until is None:
        parts = _RANGE.split(text, maxsplit=1)
        try:
            if len(parts) != 2:
                raise CellError("应写成 开始日期至结束日期，如 2026-05-02至2026-05-08")
            start, until = P.date(parts[0]), P.date(parts[1])
        except CellError as exc:
            r.fail("publicity", str(exc))
    return start, until


def read_facts(r: Row, P: Parsers, satisfaction: float | None) -> Facts:
    s, b, d = _survey(r, P, satisfaction)
    start, until = _publicity(r, P)
    return Facts(r.text("verifier"), team_cell(r.text("verification_team")), s, b, d, start, until,
                 r.text("approver"), r.text("strike_off_doc"))


def check_grade(r: Row, given: str, score: int | None, facts: Facts, rules: VerificationConfig) -> None:
    """验收等次, when the row gives one with the survey, is what the score and the survey make it."""
    if not given or score is None or not facts.surveyed:
        return
    made = grade(score, facts.satisfied, facts.basic, facts.dissatisfied, rules).value
    if made != given and made != Grade.fail:  # a failing one is refused as such (import_rules.survey_passes)
        r.fail("grade", f"按验收得分 {score} 和民主测评，验收等次应为 {GRADE_LABELS[made]}，"
                        f"本行为 {GRADE_LABELS[given]}")


def import_note(facts: Facts, *, struck: bool, publicity_until: date | None) -> str:
    """The import event's 原因: 导入, and for a late stage whose verification it carries, who signed what."""
    if struck:
        doc = f"，{facts.doc_no}" if facts.doc_no else ""
        return f"{IMPORTED}（验收：{facts.verifier}；销号批复：{facts.approver}{doc}）"
    if publicity_until is not None and facts.verifier:
        return f"{IMPORTED}（验收：{facts.verifier}；公示至 {publicity_until}）"
    return IMPORTED
