"""The read model of cases: the case row, its panel, its frozen stage records and
its hash-chained audit trail (the workflow ``case-{id}`` is the source of truth).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from vnfil.cases.schemas import Stage
from vnfil.platform.db import Base, new_uuid, utcnow


class Case(Base):
    """The read model of a case; the workflow ``case-{id}`` is the source of truth."""

    __tablename__ = "cases"
    __table_args__ = (
        # Open cases past their deadline (a centre's figures, the overdue filter).
        Index("ix_cases_centre_status_deadline", "centre_id", "status", "deadline"),
        # The lists of cases (api/deps.py ``visible_cases``, newest first, equal times by
        # id): a centre's, by stage or status too, and a candidate's.
        Index("ix_cases_centre_created", "centre_id", "created_at", "id"),
        Index("ix_cases_centre_stage_created", "centre_id", "stage", "created_at", "id"),
        Index("ix_cases_centre_status_created", "centre_id", "status", "created_at", "id"),
        Index("ix_cases_candidate_created", "candidate_id", "created_at", "id"),
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    workflow_id: Mapped[str] = mapped_column(String(64), unique=True)
    centre_id: Mapped[str] = mapped_column(ForeignKey("centres.id"), index=True)
    standard_id: Mapped[str] = mapped_column(ForeignKey("standards.id"), index=True)
    candidate_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    counsellor_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    stage: Mapped[str] = mapped_column(String(20), default=Stage.identification)
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    deadline: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    result: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CaseAssignment(Base):
    """Who sits on a case's panel (assessors) or supervises it; drives access rules."""

    __tablename__ = "case_assignments"
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)


class CentreTally(Base):
    """One running count behind a centre's figures (``vnfil.cases.tallies``): cases per
    status, open cases per stage and per assessor, stages per time bucket, outcomes
    assessed and achieved. A few hundred rows per centre, whatever its number of cases."""

    __tablename__ = "centre_tallies"
    centre_id: Mapped[str] = mapped_column(ForeignKey("centres.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    bucket: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    n: Mapped[int] = mapped_column(BigInteger)


class StageRecord(Base):
    __tablename__ = "stage_records"
    __table_args__ = (UniqueConstraint("case_id", "stage"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    stage: Mapped[str] = mapped_column(String(20))
    object_key: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64))
    record: Mapped[dict[str, Any]] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AuditEntry(Base):
    """One link of a case's hash-chained audit trail (see ``vnfil.cases.audit``)."""

    __tablename__ = "audit_entries"
    __table_args__ = (UniqueConstraint("case_id", "seq"),)
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    seq: Mapped[int] = mapped_column()
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor_id: Mapped[str] = mapped_column(String(36))
    actor_role: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(60))
    details: Mapped[dict[str, Any]] = mapped_column()
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
