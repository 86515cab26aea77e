"""The outbox's tables (SPEC §5): every reminder item is written here before anything is sent.

An item's unique key (case, kind, stage, due date, offset, recipient) is what makes a re-run sweep,
a crash or a second scheduler add nothing. Items carry no foreign key to the case on purpose: the
record of what was mailed outlives a rebuilt demo county or a deleted case.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from rectify.store.models import UTCDateTime

DIGEST_STATUSES = ("pending", "sending", "sent", "failed")


def _ts(**kw: object) -> object:
    return Field(sa_type=UTCDateTime, **kw)  # type: ignore[call-overload]


class OutboxDigest(SQLModel, table=True):
    """One mail to one recipient for one sweep, rendered at sweep time so a resend is identical."""

    __tablename__ = "outbox_digest"
    __table_args__ = (sa.Index("ix_outbox_digest_status_next", "status", "next_attempt_at"),)
    id: int | None = Field(default=None, primary_key=True)
    recipient: str = Field(max_length=320)  # the address; other channels than e-mail prefix theirs: "sms:1380…"
    channel: str = Field(default="email", max_length=16)  # email | wecom_robot | wecom_app | dingtalk_robot | sms
    recipient_name: str = ""
    sweep_date: date
    subject: str = ""
    body_text: str = ""
    body_html: str = ""
    reply_to: str = ""  # the officers in charge of the digest's cases (Reply-To), "" when the registry has none
    status: str = Field(default="pending", max_length=10)
    attempts: int = 0
    next_attempt_at: datetime = _ts()  # type: ignore[assignment]
    lease_until: datetime | None = _ts(default=None, nullable=True)  # type: ignore[assignment]
    last_error: str = ""
    message_id: str = Field(max_length=200, unique=True)
    sent_at: datetime | None = _ts(default=None, nullable=True)  # type: ignore[assignment]
    created_at: datetime = _ts()  # type: ignore[assignment]


class OutboxItem(SQLModel, table=True):
    """One thing one person is told about one case; the dedupe key is the unique constraint."""

    __tablename__ = "outbox_item"
    __table_args__ = (
        sa.UniqueConstraint(
            "case_id", "kind", "stage", "due_on", "offset_days", "recipient", name="uq_outbox_item_key"
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    digest_id: int | None = Field(default=None, foreign_key="outbox_digest.id", index=True)
    case_id: int
    kind: str = Field(max_length=16)
    stage: str = Field(max_length=24)
    due_on: date
    offset_days: int
    recipient: str = Field(max_length=320)
    role: str = Field(max_length=24)
    detail: str = ""  # JSON: what the templates show for this item
    created_at: datetime = _ts()  # type: ignore[assignment]


class NotificationState(SQLModel, table=True):
    """Small persisted facts of the scheduler, such as the date of the last sweep."""

    __tablename__ = "notification_state"
    name: str = Field(primary_key=True, max_length=64)
    value: str = ""


digest_t = OutboxDigest.__table__  # type: ignore[attr-defined]
item_t = OutboxItem.__table__  # type: ignore[attr-defined]
state_t = NotificationState.__table__  # type: ignore[attr-defined]
