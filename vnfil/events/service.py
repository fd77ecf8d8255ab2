"""Events to issuers: CloudEvents 1.0 in an outbox, signed per Standard Webhooks.

An event is written in the same transaction as the change it reports, with an id
derived from what happened (so a retried activity writes it once), then handed to
one delivery workflow per subscription. The outbox doubles as the pull feed for
issuers that cannot receive webhooks: ``seq`` is its cursor.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid
from datetime import datetime
from typing import Any, get_args

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from vnfil.events.models import Event
from vnfil.events.schemas import EventType

EVENT_TYPES = get_args(EventType)
_NAMESPACE = uuid.UUID("5b0c3f0e-7d1c-4c84-9a55-6f2f3f1c2a10")


def event_id(type_: str, subject: str, discriminator: str = "") -> str:
    """Stable across retries: the same happening always gets the same id."""
    return str(uuid.uuid5(_NAMESPACE, f"{type_}|{subject}|{discriminator}"))


async def record_event(
    session: AsyncSession,
    *,
    type_: str,
    subject: str,
    data: dict[str, Any],
    time: datetime,
    awarding_body_id: str | None = None,
    funder_id: str | None = None,
    discriminator: str = "",
) -> Event:
    """Insert the event unless it is already there; return the stored one. It is for an
    awarding body's issuers or for a funder's staff."""
    assert type_ in EVENT_TYPES, type_
    assert (awarding_body_id is None) != (funder_id is None)
    eid = event_id(type_, subject, discriminator)
    existing = await session.scalar(select(Event).where(Event.id == eid))
    if existing is not None:
        return existing
    row = Event(
        id=eid,
        type=type_,
        subject=subject,
        awarding_body_id=awarding_body_id,
        funder_id=funder_id,
        time=time,
        data=data,
    )
    session.add(row)
    await session.flush()
    return row


def wants(event_types: list[str], type_: str) -> bool:
    """Whether a subscription to ``event_types`` (none: all) takes events of ``type_``."""
    return not event_types or type_ in event_types


def cloud_event(row: Event, source: str) -> dict[str, Any]:
    """The CloudEvents 1.0 JSON form (structured content mode)."""
    return {
        "specversion": "1.0",
        "id": row.id,
        "source": source,
        "type": row.type,
        "subject": row.subject,
        "time": row.time.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "datacontenttype": "application/json",
        "vnfilsequence": row.seq,
        "data": row.data,
    }


# --- Standard Webhooks ---------------------------------------------------------


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def webhook_signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """``v1,<base64 HMAC-SHA256>`` over ``{id}.{timestamp}.{body}``."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    mac = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def webhook_headers(
    secrets_: list[str], msg_id: str, timestamp: int, body: bytes
) -> dict[str, str]:
    """Headers for one attempt; during a rotation every live secret signs (space-separated)."""
    return {
        "content-type": "application/cloudevents+json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(
            webhook_signature(s, msg_id, timestamp, body) for s in secrets_
        ),
    }
