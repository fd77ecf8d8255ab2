"""The events outbox (also the pull feed) and webhook subscriptions and deliveries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from vnfil.platform.db import Base, new_uuid, utcnow


class Event(Base):
    """A CloudEvent for an awarding body's issuers or a funder's staff (one of the two);
    ``seq`` orders the pull feed, ``id`` de-duplicates."""

    __tablename__ = "events"
    __table_args__ = (  # each organisation's feed, in order
        Index("ix_events_body_seq", "awarding_body_id", "seq"),
        Index("ix_events_funder_seq", "funder_id", "seq"),
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(64), unique=True)
    type: Mapped[str] = mapped_column(String(60))
    subject: Mapped[str] = mapped_column(String(200))
    awarding_body_id: Mapped[str | None] = mapped_column(
        ForeignKey("awarding_bodies.id"), index=True
    )
    funder_id: Mapped[str | None] = mapped_column(
        ForeignKey("funders.id", name="fk_events_funder_id"), index=True
    )
    time: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    data: Mapped[dict[str, Any]] = mapped_column()


class WebhookSubscription(Base):
    """An issuer's (or a funder's) endpoint; during a secret rotation the previous secret
    still signs."""

    __tablename__ = "webhook_subscriptions"
    __table_args__ = (  # each organisation's list, oldest first
        Index("ix_webhook_subscriptions_body_created", "awarding_body_id", "created_at", "id"),
        Index("ix_webhook_subscriptions_funder_created", "funder_id", "created_at", "id"),
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    awarding_body_id: Mapped[str | None] = mapped_column(
        ForeignKey("awarding_bodies.id"), index=True
    )
    funder_id: Mapped[str | None] = mapped_column(
        ForeignKey("funders.id", name="fk_webhook_subscriptions_funder_id"), index=True
    )
    url: Mapped[str] = mapped_column(String(2000))
    event_types: Mapped[list[Any]] = mapped_column()
    secret_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    previous_secret_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class WebhookDelivery(Base):
    """One attempt to deliver one event to one subscription."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (  # a subscription's log, the latest first
        Index("ix_webhook_deliveries_subscription_latest", "subscription_id", "id"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(64), index=True)
    subscription_id: Mapped[str] = mapped_column(ForeignKey("webhook_subscriptions.id"), index=True)
    attempt: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ok: Mapped[bool] = mapped_column(Boolean)
    status_code: Mapped[int | None] = mapped_column(Integer)
    latency_ms: Mapped[float] = mapped_column()
    error: Mapped[str | None] = mapped_column(String(1000))
