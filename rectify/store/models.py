"""The stored records. Dates are plain dates; instants are aware UTC timestamps.

Stage due dates are fixed when a stage starts (``stage_due``), so a later policy change never
moves a deadline an officer was already given; the indexed due-date queries read these columns.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from rectify.store.coltypes import OPEN_CASES_ONLY, UTCDateTime


def _ts(**kw: Any) -> Any:
    return Field(sa_type=UTCDateTime, **kw)  # type: ignore[call-overload]


class Organization(SQLModel, table=True):
    __tablename__ = "organization"
    # An import finds an organization named without a code by its place and name.
    __table_args__ = (sa.Index("ix_organization_place_name", "county", "township", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=200)
    kind: str = Field(max_length=20)
    county: str = Field(max_length=100)
    township: str = Field(max_length=100)
    poor_village: bool = False
    created_at: datetime = _ts()


class Case(SQLModel, table=True):
    __tablename__ = "rectification_case"
    __table_args__ = (
        # At most one open case per organization, enforced by the database so that two officers
        # opening one at once cannot both succeed.
        sa.Index("uq_case_open_org", "org_id", unique=True,
                 sqlite_where=sa.text(OPEN_CASES_ONLY), postgresql_where=sa.text(OPEN_CASES_ONLY)),
        # a stage's cases (the ledger's and the lists' stage filter); the reminders' sweep reads the whole table.
        # (stage, deadline) went in 0020: no query read it, and every stage change rewrote it.
        sa.Index("ix_case_stage_due", "stage", "stage_due"),
    )
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id", index=True)
    year: int = Field(index=True)
    stage: str = Field(max_length=24)
    identified_on: date = Field(index=True)  # these dates and updated_at: indexed for latest_dates' MAX
    deadline: date
    stage_since: date = Field(index=True)
    stage_due: date | None = None
    cycle_start: date  # identification, or the reopening for later cycles
    cycle: int = 1
    version: int = 1
    detail: str = ""
    helping_unit: str = ""
    self_check: str = ""
    rectified_on: date | None = Field(default=None, index=True)
    verified_on: date | None = Field(default=None, index=True)
    score: int | None = None
    withdrawn_reason: str = ""
    supervised: bool = False
    supervision_reason: str = ""
    supervision_level: str = Field(default="", max_length=8)  # city | county: who hung the sign
    # The highest rung of the escalation ladder reached (states/escalation.py); "" none yet.
    escalation_step: str = Field(default="", max_length=8)
    measures_total: int = 0
    measures_done: int = 0
    last_progress_on: date | None = Field(default=None, index=True)
    # The village secretary at listing (SPEC §6.1): missing 缺配 | adjust 需调整 | "" (in post, fit).
    village_secretary_status: str = Field(default="", max_length=8)
    # A repeat listing (SPEC §3): the organization's latest earlier case, and the years it was listed before.
    previous_case_id: int | None = Field(default=None, index=True)
    earlier_years: str = ""  # e.g. "2025" or "2024,2025"
    # The 巩固期 after 销号 (states/consolidation.py): every scheduled look-back and its result, and the next due.
    look_backs: str = ""
    next_look_back_on: date | None = None
    # 申请验收 → 验收 → 公示 → 销号 (SPEC §3 "Inside rectified"): who signed the application and the passed
    # verification (the verifier may not be the applicant, the approver not the verifier), the 等次 and
    # 满意率, the end of 公示 (fixed when it starts), and the strike-off's date and 文号.
    applied_by: str = ""
    verified_by: str = ""
    grade: str = Field(default="", max_length=8)
    satisfaction: float | None = None
    publicity_until: date | None = None
    struck_off_on: date | None = None
    strike_off_doc: str = ""
    created_at: datetime = _ts()
    updated_at: datetime = _ts(index=True)


class CaseProblem(SQLModel, table=True):
    __tablename__ = "case_problem"
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="rectification_case.id", index=True)
    code: str = Field(max_length=8)
    text: str = ""


class Measure(SQLModel, table=True):
    __tablename__ = "measure"
    # the unique (case_id, seq) is also the index of a case's measures (no second one on case_id: 0020)
    __table_args__ = (sa.UniqueConstraint("case_id", "seq", name="uq_measure_case_seq"),)
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="rectification_case.id")
    seq: int
    text: str
    owner: str
    due_on: date
    done_on: date | None = Field(default=None, index=True)
    owner_unit: str = ""
    owner_email: str = ""


class MeasureProblem(SQLModel, table=True):
    """Which problem(s) each measure fixes: 问题清单 → 措施清单, one problem 销号 when its measures are done."""

    __tablename__ = "measure_problem"
    # the unique (measure_id, problem_id) is also the index of a measure's links (0020)
    __table_args__ = (sa.UniqueConstraint("measure_id", "problem_id", name="uq_measure_problem"),)
    id: int | None = Field(default=None, primary_key=True)
    measure_id: int = Field(foreign_key="measure.id")
    problem_id: int = Field(foreign_key="case_problem.id", index=True)


class CasePerson(SQLModel, table=True):
    """People on a case who may receive mail: officer, county leader, township cadre."""

    __tablename__ = "case_person"
    # the unique (case_id, role) is also the index of a case's people (0020)
    __table_args__ = (sa.UniqueConstraint("case_id", "role", name="uq_person_case_role"),)
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="rectification_case.id")
    role: str = Field(max_length=24)
    name: str
    unit: str = ""
    email: str = ""
    phone: str = ""


class SecretaryAssignment(SQLModel, table=True):
    """Every secretary and work-team member a case has had, by track; the current ones have no ``until``.

    ``kind``: first 第一书记 | village 村党组织书记 | work_team 驻村工作队员; the tracks never end each other.
    """

    __tablename__ = "secretary_assignment"
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="rectification_case.id", index=True)
    name: str
    kind: str = Field(max_length=12)
    unit: str
    since: date = Field(index=True)
    until: date | None = Field(default=None, index=True)
    email: str = ""
    phone: str = ""
    end_reason: str = ""
    term_until: date | None = None  # a first secretary's term end
    preexisting: bool = False  # 原已驻村: in post before the listing
    action: str = Field(default="", max_length=8)  # village track: 选配 | 调整
    source: str = ""  # village track: where the new secretary comes from
    carried: bool = False  # carried from the earlier case into a relapse's new listing (反弹)


class ProgressReport(SQLModel, table=True):
    __tablename__ = "progress_report"
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="rectification_case.id", index=True)
    reported_on: date = Field(index=True)
    note: str
    actor: str


class Verification(SQLModel, table=True):
    __tablename__ = "verification"
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="rectification_case.id", index=True)
    verified_on: date = Field(index=True)
    verifier: str
    score: int
    satisfied: int
    basic: int
    dissatisfied: int
    passed: bool
    reasons: str = ""
    members: str = ""  # the team, 、-separated
    score_sheet: str = ""  # JSON {area: score}, empty when only a total was given
    grade: str = Field(default="", max_length=8)
    signed_by: str = ""


class Objection(SQLModel, table=True):
    """An objection raised in 公示: pending until decided; upheld fails the verification, dismissed lets 公示 go on."""

    __tablename__ = "objection"
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="rectification_case.id", index=True)
    raised_on: date
    text: str
    raised_by: str = ""
    decision: str = Field(default="", max_length=12)  # "" pending | upheld | dismissed
    decided_on: date | None = None
    decided_by: str = ""
    note: str = ""


class DeadlineExtension(SQLModel, table=True):
    __tablename__ = "deadline_extension"
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="rectification_case.id", index=True)
    old_deadline: date
    new_deadline: date
    reason: str
    approved_by: str
    at: datetime = _ts()


class Supervision(SQLModel, table=True):
    """Every 挂牌督办 sign a case has had; the one still up has no ``taken_down_on``."""

    __tablename__ = "supervision"
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="rectification_case.id", index=True)
    level: str = Field(max_length=8)  # city | county
    unit: str  # 督办单位
    matter: str  # 督办事项
    due_on: date | None = None
    hung_on: date
    hung_by: str
    taken_down_on: date | None = None
    inspected_by: str = ""
    inspected_on: date | None = None
    down_reason: str = ""
    taken_down_by: str = ""


class Event(SQLModel, table=True):
    """Append-only history: the engine inserts, nothing updates or deletes."""

    __tablename__ = "case_event"
    # A case's events by business date: its history, and a past day's events after its month-end snapshot.
    __table_args__ = (sa.Index("ix_case_event_case_day", "case_id", "happened_on"),)
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="rectification_case.id")
    at: datetime = _ts()
    actor: str
    action: str = Field(max_length=32)
    from_stage: str | None = None
    to_stage: str | None = None
    reason: str = ""
    detail: str = ""  # JSON of the inputs that made the change
    actor_unit: str = ""  # the signer's unit when the change was made
    # The business date the officer gave (SPEC §3, §6.2): snapshots rebuild a past day by it, while
    # ``at`` (when it was recorded) limits a snapshot to what was known on a day.
    happened_on: date | None = Field(default=None, index=True)
    operator: str = ""  # the OS login that ran the command (操作员), beside the person it names (SPEC §12)


class Person(SQLModel, table=True):
    """A registered officer or cadre (SPEC §12), or someone named on a plan and not registered yet."""

    __tablename__ = "person"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    unit: str = Field(default="", max_length=200)
    role: str = Field(max_length=24)
    scope: str = Field(default="", max_length=1000)  # 县, 县/乡镇, or 县,县 for a city supervisor or auditor
    email: str = Field(default="", max_length=320)
    phone: str = Field(default="", max_length=40)
    wecom_userid: str = Field(default="", max_length=64)  # 企业微信 userid (application messages, SPEC §16)
    dingtalk_userid: str = Field(default="", max_length=64)
    channels: str = Field(default="", max_length=100)  # preferred channels, "wecom_app,sms"; empty: the default
    login: str | None = Field(default=None, max_length=64, unique=True)
    registered: bool = True
    active: bool = True
    created_at: datetime = _ts()
    # Web sign-in (SPEC §13): an argon2id hash, never the password; must_change asks for a new one at sign-in.
    password_hash: str | None = Field(default=None, max_length=200)
    must_change: bool = False
    # The secret of the person's calendar subscription (/calendar/{token}.ics); None: none, or revoked.
    calendar_token: str | None = Field(default=None, max_length=64, unique=True)


class SignIn(SQLModel, table=True):
    """Every web sign-in attempt, kept for the record and for the back-off (5 failures: the login and the
    address wait). ``login`` is what was typed, whether or not such a person exists."""

    __tablename__ = "sign_in"
    __table_args__ = (sa.Index("ix_sign_in_login_at", "login", "at"),
                      sa.Index("ix_sign_in_address_at", "address", "at"))
    id: int | None = Field(default=None, primary_key=True)
    login: str = Field(max_length=100)
    address: str = Field(max_length=64)
    at: datetime = _ts()
    ok: bool


class Installation(SQLModel, table=True):
    """This database's own id, made once; calendar UIDs carry it so two installations never collide."""

    __tablename__ = "installation"
    id: str = Field(primary_key=True, max_length=36)
    created_at: datetime = _ts()


class ScreeningRound(SQLModel, table=True):
    """A county's 排查 of one year (SPEC §15): its 县委常委会 decision fixes the 名单; the listing opens the cases."""

    __tablename__ = "screening_round"
    __table_args__ = (sa.UniqueConstraint("county", "year", name="uq_screening_county_year"),)
    id: int | None = Field(default=None, primary_key=True)
    county: str = Field(max_length=100)
    year: int
    started_on: date
    started_by: str = ""
    decided_on: date | None = None  # 县委常委会 专题研究 的日期
    meeting: str = Field(default="", max_length=200)  # 会议名称
    doc: str = Field(default="", max_length=100)  # 文号
    decided_by: str = ""
    listed_on: date | None = None  # when the cases were opened from the decision
    created_at: datetime = _ts()


class ScreeningEntry(SQLModel, table=True):
    """One organization in a screening round: 自查, 乡镇复查, 县级核查 (with its satisfaction survey), 研判."""

    __tablename__ = "screening_entry"
    __table_args__ = (sa.UniqueConstraint("round_id", "org_id", name="uq_screening_entry_org"),)
    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="screening_round.id", index=True)
    org_id: int = Field(foreign_key="organization.id", index=True)
    self_problems: str = ""  # 自查: candidate problem codes, comma-separated
    self_note: str = ""
    self_on: date | None = None
    township_problems: str = ""  # 乡镇复查
    township_note: str = ""
    township_on: date | None = None
    township_by: str = ""
    checked_on: date | None = None  # 县级核查
    checked_by: str = ""
    respondents: int | None = None  # 群众满意度测评
    satisfied: int | None = None
    basic: int | None = None
    dissatisfied: int | None = None
    vacant_since: date | None = None  # 书记空缺 since
    outcome: str = Field(default="", max_length=12)  # "" | listed 列入 | not_listed 不列入 | pending 待定
    reason: str = ""
    judged_on: date | None = None
    judged_by: str = ""
    case_id: int | None = Field(default=None, foreign_key="rectification_case.id")
    updated_at: datetime = _ts()


class ReportSubmission(SQLModel, table=True):
    """A county's 报送 of one period: the signed package as submitted, and the city's 退回 if any.

    Made by ``report submit`` on a shared database, or by ``report receive`` from a county's file; a
    resubmission is a new row, the returned one kept.
    """

    __tablename__ = "report_submission"
    __table_args__ = (sa.Index("ix_report_submission_county_period", "county", "period"),)
    id: int | None = Field(default=None, primary_key=True)
    county: str = Field(max_length=100)
    county_code: str = Field(default="", max_length=64)
    period: str = Field(max_length=10)  # 2026-06 | 2026-H1 | 2026
    as_of: date
    known_on: date
    submitted_at: datetime = _ts()
    submitted_by: str = ""
    origin: str = Field(default="local", max_length=8)  # local (shared database) | received (a file)
    digest: str = Field(max_length=64, index=True)  # SHA-256 of the package file
    public_key: str = Field(default="", max_length=100)
    manifest: str = ""  # the manifest's JSON
    package: bytes
    status: str = Field(default="submitted", max_length=12)  # submitted 已报送 | returned 已退回
    return_reason: str = ""
    returned_by: str = ""
    returned_at: datetime | None = _ts(default=None)
    created_at: datetime = _ts()
class SecuritySetting(SQLModel, table=True):
    """A security setting an admin set (SPEC §12): the database's word, which a config file may only tighten."""

    __tablename__ = "security_setting"
    name: str = Field(primary_key=True, max_length=64)
    value: str = Field(max_length=200)
    updated_at: datetime = _ts()
    updated_by: str


class SecurityEvent(SQLModel, table=True):
    """Append-only history of the security settings: who changed which, from what to what, and when."""

    __tablename__ = "security_event"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _ts()
    actor: str
    actor_unit: str = ""
    operator: str = ""
    name: str = Field(max_length=64)
    old_value: str = Field(default="", max_length=200)
    new_value: str = Field(max_length=200)


class EvidenceFile(SQLModel, table=True):
    """佐证材料 (SPEC §14): one file attached to the event of the step it proves; the bytes are kept by their
    SHA-256 in the evidence store (the same file twice is stored once). Never changed but once: a withdrawal,
    itself an event, names its event here; the bytes stay."""

    __tablename__ = "evidence_file"
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="rectification_case.id", index=True)
    event_id: int = Field(foreign_key="case_event.id", index=True)
    sha256: str = Field(max_length=64, index=True)
    size: int
    media_type: str = Field(max_length=100)  # detected from the content, never the name
    name: str = Field(max_length=200)  # the original file name
    kind: str = Field(max_length=10)  # 照片 会议纪要 整改报告 评分表 测评表 批复 其他
    caption: str = Field(default="", max_length=200)
    happened_on: date  # the step's business date
    uploaded_by: str = ""
    uploaded_at: datetime = _ts()
    withdrawn_event_id: int | None = Field(default=None, foreign_key="case_event.id")


class CaseSnapshot(SQLModel, table=True):
    """A case as it stood at the end of a month-end day (``month_end``), folded from its history: derived data,
    written by ``rectify snapshot`` for the cases that changed in that month, so a past day folds only the events
    after it (:mod:`rectify.reports.month_end`). ``fmt`` fingerprints the folded state's layout and the policy:
    a row of another fingerprint is ignored. A back-dated event deletes its case's rows from its day on."""

    __tablename__ = "case_snapshot"
    case_id: int = Field(primary_key=True)
    month_end: date = Field(primary_key=True)
    state: str  # JSON: the folded fields in CaseState's order (month_end.encode)
    fmt: str = Field(max_length=16)
