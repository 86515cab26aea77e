"""The plain SQLAlchemy ORM peer's classes (see :mod:`bench.peers`): a version column, a record, a history."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Case(Base):
    __tablename__ = "case_"
    id: Mapped[int] = mapped_column(primary_key=True)
    org_code: Mapped[str] = mapped_column(unique=True)
    stage: Mapped[str]
    version: Mapped[int] = mapped_column()
    updated_at: Mapped[datetime]
    __mapper_args__ = {"version_id_col": version}


class Record(Base):
    __tablename__ = "record"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("case_.id"), index=True)
    kind: Mapped[str]
    text: Mapped[str]
    done: Mapped[bool] = mapped_column(default=False)


class History(Base):
    __tablename__ = "history"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("case_.id"), index=True)
    at: Mapped[datetime]
    action: Mapped[str]
    from_stage: Mapped[str | None]
    to_stage: Mapped[str]
