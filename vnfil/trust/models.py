"""Accreditations: an awarding body's grant to a centre to validate one standard's code."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from vnfil.platform.db import Base, new_uuid, utcnow


class Accreditation(Base):
    """Valid while ``status`` is active and ``valid_from <= t < valid_until``, for the
    versions ``min_version`` … ``max_version`` (none: every later one) of ``standard_code``.
    In ZSK the right to certify is granted per qualification; the QA body and its report
    are named, as external quality assurance (PZZJ) evaluates the centre."""

    __tablename__ = "accreditations"
    __table_args__ = (
        Index("ix_accreditations_centre_code", "centre_id", "standard_code"),
        # The public register, newest first: all of it, or one centre's, body's or code's.
        Index("ix_accreditations_created", "created_at", "id"),
        Index("ix_accreditations_centre_created", "centre_id", "created_at", "id"),
        Index("ix_accreditations_body_created", "awarding_body_id", "created_at", "id"),
        Index("ix_accreditations_code_created", "standard_code", "created_at", "id"),
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    awarding_body_id: Mapped[str] = mapped_column(ForeignKey("awarding_bodies.id"), index=True)
    centre_id: Mapped[str] = mapped_column(ForeignKey("centres.id"))
    standard_code: Mapped[str] = mapped_column(String(100))
    min_version: Mapped[int] = mapped_column(default=1)
    max_version: Mapped[int | None] = mapped_column()
    valid_from: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    valid_until: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    scope: Mapped[str] = mapped_column(String(2000), default="")
    qa_body: Mapped[str] = mapped_column(String(500))
    qa_reference: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(20), default="active")
    status_reason: Mapped[str | None] = mapped_column(String(2000))
    status_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The grant as a verifiable credential signed by the awarding body (none for grants
    # made before accreditations were signed; see ``vnfil.trust.credential``).
    credential: Mapped[dict[str, Any] | None] = mapped_column()
