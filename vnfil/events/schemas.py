"""Contracts of events to issuers: webhook subscriptions and deliveries."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from vnfil.events.netguard import WebhookUrl
from vnfil.platform.text import ITEMS_MAX


class DeliveryInput(BaseModel):
    event_id: str
    subscription_id: str
    retry_hours: float


class DeliveryOutcome(BaseModel):
    delivered: bool
    attempts: int
    status_code: int | None = None
    detail: str = ""


EventType = Literal[
    "case.stage_changed",
    "case.certified",
    "credential.issued",
    "credential.revoked",
    "accreditation.changed",
    # to funders, about the requests made to their programmes
    "funding.requested",
    "funding.approved",
    "funding.refused",
    "funding.released",
    "funding.settled",
]


class SubscriptionCreate(BaseModel):
    """Where the target may be is checked by the route (``vnfil.events.netguard``): it resolves names."""

    url: WebhookUrl
    event_types: list[EventType] = Field(
        default=[], max_length=ITEMS_MAX, description="none: every type"
    )


class SubscriptionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    awarding_body_id: str | None
    funder_id: str | None = None
    url: str
    event_types: list[str]
    active: bool
    created_at: datetime


class SubscriptionSecret(SubscriptionRead):
    """Shown once, when created or rotated: the secret to verify signatures with."""

    secret: str
    previous_secret_expires_at: datetime | None = None


class DeliveryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    event_id: str
    subscription_id: str
    attempt: int
    at: datetime
    ok: bool
    status_code: int | None
    latency_ms: float
    error: str | None
