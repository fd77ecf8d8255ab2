"""Standard versions and who owns each standard's code."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from vnfil.platform.db import Base, new_uuid, utcnow


class Standard(Base):
    """A qualification or micro-credential, one row per version; cases keep their version."""

    __tablename__ = "standards"
    __table_args__ = (UniqueConstraint("code", "version"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    code: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column()
    title: Mapped[str] = mapped_column(String(300))
    awarding_body_id: Mapped[str] = mapped_column(ForeignKey("awarding_bodies.id"))
    document: Mapped[dict[str, Any]] = mapped_column()


class StandardCode(Base):
    """Who owns a standard's code: the awarding body that published it first. Only it
    publishes later versions; one row per code, so two bodies racing cannot both win."""

    __tablename__ = "standard_codes"
    code: Mapped[str] = mapped_column(String(100), primary_key=True)
    awarding_body_id: Mapped[str] = mapped_column(ForeignKey("awarding_bodies.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
