"""Events for issuers (and funders): webhook subscriptions, their delivery log,
redelivery, the pull feed. Each caller sees only its own organisation's: an issuer its
awarding body's, a funder's staff its funder's."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, status
from fastapi.exceptions import RequestValidationError
from sqlalchemy import select

from api.deps import (
    CurrentUser,
    Page,
    PageDep,
    Principal,
    SessionDep,
    SettingsDep,
    TemporalDep,
    paged,
    require_roles,
)
from vnfil.accounts.schemas import Role
from vnfil.events.models import Event, WebhookDelivery, WebhookSubscription
from vnfil.events.netguard import TargetRefused, resolve_target
from vnfil.events.schemas import (
    DeliveryRead,
    SubscriptionCreate,
    SubscriptionRead,
    SubscriptionSecret,
)
from vnfil.events.service import cloud_event, new_secret, wants
from vnfil.platform.db import utcnow
from vnfil.platform.paging import Keyset
from vnfil.platform.sealing import seal
from workflows.clients import start_delivery

router = APIRouter(tags=["events"], dependencies=[require_roles(Role.issuer, Role.funder)])
ROTATION_OVERLAP = timedelta(hours=24)


def _owner(user: Principal) -> tuple[str, str]:
    """(the column that names the caller's organisation, its id)."""
    if user.role == Role.funder:
        if user.funder_id is None:
            raise HTTPException(status.HTTP_409_CONFLICT, "this funder account has no funder")
        return "funder_id", user.funder_id
    if user.awarding_body_id is None:
        raise HTTPException(status.HTTP_409_CONFLICT, "this issuer account has no awarding body")
    return "awarding_body_id", user.awarding_body_id


def _owned(model: Any, user: Principal) -> Any:
    column, owner = _owner(user)
    return getattr(model, column) == owner


def _is_mine(row: Any, user: Principal) -> bool:
    column, owner = _owner(user)
    return bool(getattr(row, column) == owner)


def _wants(sub: WebhookSubscription, event: Event) -> bool:
    """The one rule of who gets what, for first delivery and redelivery alike."""
    return wants(sub.event_types, event.type)


async def _subscription(session: SessionDep, user: Principal, sub_id: str) -> WebhookSubscription:
    sub = await session.get(WebhookSubscription, sub_id)
    if sub is None or not _is_mine(sub, user):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no webhook subscription {sub_id} of yours")
    return sub


@router.get("/events")
async def feed(
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    after: int = Query(
        0, ge=0, le=2**62, description="the cursor: the last sequence number you have"
    ),
    limit: int = Query(100, ge=1, le=1000),
) -> dict:
    """Your awarding body's events in order, for issuers that cannot receive webhooks."""
    rows = list(
        await session.scalars(
            select(Event)
            .where(_owned(Event, user), Event.seq > after)
            .order_by(Event.seq)
            .limit(limit)
        )
    )
    return {
        "events": [cloud_event(r, settings.public_base_url) for r in rows],
        "next_cursor": rows[-1].seq if rows else after,
    }


@router.post("/webhooks", status_code=status.HTTP_201_CREATED)
async def subscribe(
    body: SubscriptionCreate, session: SessionDep, user: CurrentUser, settings: SettingsDep
) -> SubscriptionSecret:
    if settings.environment == "production" and not body.url.startswith("https://"):
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, "webhook URLs must use https in production"
        )
    column, owner = _owner(user)
    await session.rollback()  # hold no pooled connection while DNS answers
    try:
        # Checked again at every delivery, after resolving: this check tells the issuer now.
        await resolve_target(body.url, allow_private=settings.webhook_allow_private_targets)
    except TargetRefused as exc:
        raise RequestValidationError(
            [{"loc": ("body", "url"), "msg": exc.message, "type": f"webhook_target.{exc.reason}"}]
        ) from None
    secret = new_secret()
    sub = WebhookSubscription(
        id=str(uuid.uuid4()),
        url=body.url,
        event_types=sorted(set(body.event_types)),
        active=True,
        created_at=utcnow(),
    )
    setattr(sub, column, owner)
    sub.secret_sealed = seal(settings.secret_key, secret.encode(), f"webhook:{sub.id}")
    session.add(sub)
    await session.commit()
    return SubscriptionSecret(**SubscriptionRead.model_validate(sub).model_dump(), secret=secret)


SUBSCRIPTION_ORDER = Keyset(
    "webhook subscriptions",
    (WebhookSubscription.created_at, WebhookSubscription.id),
    descending=False,
)
DELIVERY_ORDER = Keyset("webhook deliveries", (WebhookDelivery.id,))
DeliveriesPage = Annotated[Page, Depends(paged(100, 1000))]  # the log's pages are longer


@router.get("/webhooks")
async def subscriptions(
    session: SessionDep, user: CurrentUser, page: PageDep
) -> list[SubscriptionRead]:
    """Oldest first, a page at a time (the next page's cursor in ``Link``/``X-Next-Cursor``)."""
    at = page.at(SUBSCRIPTION_ORDER)
    query = select(WebhookSubscription).where(_owned(WebhookSubscription, user))
    rows = await session.scalars(SUBSCRIPTION_ORDER.window(query, at, page.limit))
    return [
        SubscriptionRead.model_validate(r) for r in page.done(SUBSCRIPTION_ORDER, list(rows), at)
    ]


@router.delete("/webhooks/{sub_id}")
async def unsubscribe(sub_id: str, session: SessionDep, user: CurrentUser) -> SubscriptionRead:
    """Deactivate: nothing more is sent; the delivery log stays."""
    sub = await _subscription(session, user, sub_id)
    sub.active = False
    await session.commit()
    return SubscriptionRead.model_validate(sub)


@router.post("/webhooks/{sub_id}/secret-rotation")
async def rotate_secret(
    sub_id: str, session: SessionDep, user: CurrentUser, settings: SettingsDep
) -> SubscriptionSecret:
    """A new secret; for 24 hours every delivery is signed with both, so receivers can switch."""
    sub = await _subscription(session, user, sub_id)
    secret = new_secret()
    sub.previous_secret_sealed = sub.secret_sealed
    sub.previous_secret_expires_at = utcnow() + ROTATION_OVERLAP
    sub.secret_sealed = seal(settings.secret_key, secret.encode(), f"webhook:{sub.id}")
    await session.commit()
    return SubscriptionSecret(
        **SubscriptionRead.model_validate(sub).model_dump(),
        secret=secret,
        previous_secret_expires_at=sub.previous_secret_expires_at,
    )


@router.get("/webhooks/{sub_id}/deliveries")
async def deliveries(
    sub_id: str,
    session: SessionDep,
    user: CurrentUser,
    page: DeliveriesPage,
    event_id: str | None = None,
) -> list[DeliveryRead]:
    """Every attempt: when, HTTP status or error, latency; the latest first, a page at a
    time (the next page's cursor in ``Link``/``X-Next-Cursor``)."""
    await _subscription(session, user, sub_id)
    q = select(WebhookDelivery).where(WebhookDelivery.subscription_id == sub_id)
    if event_id:
        q = q.where(WebhookDelivery.event_id == event_id)
    at = page.at(DELIVERY_ORDER)
    rows = await session.scalars(DELIVERY_ORDER.window(q, at, page.limit))
    return [DeliveryRead.model_validate(r) for r in page.done(DELIVERY_ORDER, list(rows), at)]


@router.post("/events/{event_id}/redeliveries", status_code=status.HTTP_202_ACCEPTED)
async def redeliver(
    event_id: str,
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    temporal: TemporalDep,
    subscription_id: str | None = None,
) -> dict:
    """Send the event again (same ``webhook-id``, so receivers can de-duplicate)."""
    event = await session.scalar(select(Event).where(Event.id == event_id))
    if event is None or not _is_mine(event, user):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no event {event_id} of yours")
    if subscription_id:
        sub = await _subscription(session, user, subscription_id)
        if not sub.active:
            raise HTTPException(
                status.HTTP_409_CONFLICT, f"webhook subscription {sub.id} is deactivated"
            )
        if not _wants(sub, event):
            raise HTTPException(
                status.HTTP_409_CONFLICT,
                f"webhook subscription {sub.id} does not take {event.type} events "
                f"(it takes {', '.join(sub.event_types)})",
            )
        subs = [sub]
    else:
        subs = [
            sub
            for sub in await session.scalars(
                select(WebhookSubscription).where(
                    _owned(WebhookSubscription, user),
                    WebhookSubscription.active.is_(True),
                )
            )
            if _wants(sub, event)
        ]
    if not subs:
        raise HTTPException(
            status.HTTP_409_CONFLICT, f"no active webhook subscription takes {event.type} events"
        )
    sub_ids = [s.id for s in subs]
    await session.rollback()  # hold no pooled connection while Temporal answers
    run = uuid.uuid4().hex[:12]
    for sub_id in sub_ids:
        await start_delivery(temporal, settings, event_id, sub_id, run_id=run)
    return {"event_id": event_id, "subscriptions": sub_ids, "run": run}
