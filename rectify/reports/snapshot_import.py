"""The fold of an imported row (``import``): the stage it stated, reached on its own dates, as far as the day goes.

Part of :mod:`rectify.reports.snapshot` (its ``FOLDS`` maps ``import`` here); kept apart for the module's size.
"""

from __future__ import annotations

from datetime import date
from typing import Any, NamedTuple

from rectify.config import PolicyConfig
from rectify.states import consolidation, effects
from rectify.states.stages import FIRST_SECRETARY, VILLAGE_SECRETARY, Stage

# rectify.reports.snapshot's CaseState and Event: that module imports this one, so it is not imported back.
CaseState = Any
Event = Any

__all__ = ["fold_import", "track"]

_day = effects.day


def track(kind: str | None) -> str:
    """Old events call the village secretary "local"; a missing kind is the first secretary."""
    return VILLAGE_SECRETARY if kind == "local" else (kind or FIRST_SECRETARY)


# The stages an imported row passes through, each with the row's date for reaching it.
_IMPORT_PATH: tuple[tuple[str, str | None], ...] = (
    (Stage.identified.value, None),
    (Stage.ledger_created.value, None),
    (Stage.secretary_assigned.value, "sec_since"),
    (Stage.rectified.value, "rectified_on"),
    (Stage.verified.value, "verified_on"),
)


def fold_import(s: CaseState, e: Event, policy: PolicyConfig, as_of: date) -> None:
    """An imported row: the stage it stated, reached on its own dates ("snap"), as far as the day goes.

    Rows imported before the dates were kept give their stage from the listing day on.
    """
    d = e.detail
    snap = d.get("snap") or {}
    s.listed = True
    s.identified_on = s.cycle_start = _day(snap.get("identified_on")) or e.on
    s.deadline = _day(snap.get("deadline")) or s.deadline
    stage = _import_stage(s, d, snap, as_of)
    _import_measures(s, d, snap, as_of)
    s.village_status = snap.get("village_status") or ""
    s.county_leader = snap.get("county_leader") or None
    s.township_cadre = snap.get("township_cadre") or None
    s.helping_unit = snap.get("helping_unit", "")
    s.supervised = bool(snap.get("supervised"))
    s.supervision_reason = snap.get("supervision_reason", "")
    s.supervision_level = snap.get("supervision_level", "")
    s.escalation_step = snap.get("escalation_step") or ""
    _import_verification(s, snap, stage, as_of)
    s.earlier_years = snap.get("earlier_years") or ""
    # What an imported 备注 counted: the round, the extensions (to the deadline), the failed verifications.
    s.cycle, s.n_failed = snap.get("cycle") or 1, snap.get("failed") or 0
    s.extensions = [{"old_deadline": s.deadline.isoformat(), "new_deadline": s.deadline.isoformat(),
                     "reason": "导入", "approved_by": "导入"}] * (snap.get("extensions") or 0)
    _import_tracks(s, snap, as_of)


def _import_stage(s: CaseState, d: dict[str, Any], snap: dict[str, Any], as_of: date) -> str:
    """The stage an imported row stated, as far as the day goes along its own dates; set and returned."""
    stated = d.get("stage") or Stage.identified.value
    stage, since = Stage.identified.value, s.identified_on
    if stated == Stage.withdrawn:
        stage, s.withdrawn_reason = stated, snap.get("withdrawn_reason", "")
    for name, key in _IMPORT_PATH:
        when = _day(snap.get(key)) if key else s.identified_on
        if when is None:
            when = s.identified_on
        if stated != Stage.withdrawn and when <= as_of:
            stage, since = name, when
        if name == stated:
            break
    s.stage, s.stage_since = stage, since
    return stage


def _import_measures(s: CaseState, d: dict[str, Any], snap: dict[str, Any], as_of: date) -> None:
    done, _, total = str(d.get("measures") or "0/0").partition("/")
    s.measures_total = int(total or 0)
    done_on = _day(snap.get("done_on"))
    s.measures_done = int(done or 0) if done_on is None or done_on <= as_of else 0
    if snap.get("measures") is not None:  # each measure as imported: [seq, text, 责任人, unit, due, done]
        s.measures = [[seq, text, owner, unit, due, done if done and _day(done) <= as_of else None]  # type: ignore[operator]
                      for seq, text, owner, unit, due, done in snap["measures"]]
        s.measures_done = sum(1 for m in s.measures if m[5])


def _import_verification(s: CaseState, snap: dict[str, Any], stage: str, as_of: date) -> None:
    if stage in (Stage.rectified, Stage.verified):
        s.rectified_on = _day(snap.get("rectified_on"))
    judged_on = _day(snap.get("verified_on"))
    if stage == Stage.verified or (stage == Stage.rectified and snap.get("publicity_until") and judged_on is not None
                                   and judged_on <= as_of):
        s.verified_on, s.score = _day(snap.get("verified_on")), snap.get("score")
        s.grade, s.satisfaction = snap.get("grade") or "", snap.get("satisfaction")
        s.publicity_until = _day(snap.get("publicity_until")) if stage == Stage.rectified else None
    if stage == Stage.verified:
        s.struck_off_on = _day(snap.get("struck_off_on")) or s.verified_on
        s.look_backs = consolidation.as_of_day(snap.get("look_backs") or "", as_of)


class ImportedSecretary(NamedTuple):
    """An import's ``snap["secretary"]``, a JSON list in this order (:func:`rectify.importing.planning._snap`)."""

    name: str
    kind: str
    unit: str
    since: str | None


class ImportedVillage(NamedTuple):
    name: str
    action: str  # 选配/调整


class ImportedProgress(NamedTuple):
    on: str
    note: str


def _import_tracks(s: CaseState, snap: dict[str, Any], as_of: date) -> None:
    """The secretaries an imported row named and its last progress, as far as the day goes."""
    if snap.get("secretary"):
        sec = ImportedSecretary(*snap["secretary"])
        since = _day(sec.since) or s.identified_on
        if since <= as_of:
            s.secretaries.append([sec.name, sec.unit, track(sec.kind), since, None, "",
                                  _day(snap.get("term_until"))])
    if snap.get("village"):
        village = ImportedVillage(*snap["village"])
        s.secretaries.append([village.name, "", VILLAGE_SECRETARY, s.identified_on, None, village.action])
    if snap.get("progress"):
        progress = ImportedProgress(*snap["progress"])
        on = _day(progress.on)
        if on is not None and on <= as_of:
            s.last_progress_on, s.progress = on, progress.note
