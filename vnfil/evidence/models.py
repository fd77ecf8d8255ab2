"""Evidence rows: one per stored object of a case."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from vnfil.platform.db import Base, new_uuid, utcnow


class Evidence(Base):
    __tablename__ = "evidence"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    object_key: Mapped[str] = mapped_column(String(300), unique=True)
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(40))
    lo_ids: Mapped[list[Any]] = mapped_column()
    uploaded_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class EvidenceCredential(Base):
    """What vnfil found when a piece of evidence is a credential its candidate holds
    (``vnfil.credentials.as_evidence``): checked once, when it was added."""

    __tablename__ = "evidence_credentials"
    evidence_id: Mapped[str] = mapped_column(
        ForeignKey("evidence.id", name="fk_evidence_credentials_evidence_id", ondelete="CASCADE"),
        primary_key=True,
    )
    result: Mapped[dict[str, Any]] = mapped_column()
    checked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
