"""Delivering events to issuers' webhooks: one attempt per activity run, each logged."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.client import Client
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError

from vnfil.events import cloud_event, webhook_headers
from vnfil.keys import unseal
from vnfil.models import Event, WebhookDelivery, WebhookSubscription, as_utc, utcnow
from vnfil.schemas import DeliveryInput, DeliveryOutcome
from vnfil.settings import Settings


def live_secrets(settings: Settings, sub: WebhookSubscription) -> list[str]:
    """The current secret and, until it expires, the one it replaced."""
    out = [unseal(settings.secret_key, sub.secret_sealed, f"webhook:{sub.id}").decode()]
    if (
        sub.previous_secret_sealed is not None
        and sub.previous_secret_expires_at is not None
        and as_utc(sub.previous_secret_expires_at) > utcnow()
    ):
        out.append(
            unseal(settings.secret_key, sub.previous_secret_sealed, f"webhook:{sub.id}").decode()
        )
    return out


async def start_delivery(
    client: Client, settings: Settings, event_id: str, subscription_id: str, run_id: str = ""
) -> bool:
    """Start the delivery workflow unless it already ran (its id is the de-duplication)."""
    from workflows.delivery import EventDelivery

    suffix = f"-{run_id}" if run_id else ""
    try:
        await client.start_workflow(
            EventDelivery.run,
            DeliveryInput(
                event_id=event_id,
                subscription_id=subscription_id,
                retry_hours=settings.webhook_retry_hours,
            ),
            id=f"delivery-{event_id}-{subscription_id}{suffix}",
            task_queue=settings.task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        )
    except WorkflowAlreadyStartedError:
        return False
    return True


async def dispatch(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, events: Sequence[Event]
) -> None:
    """Hand each event to every active subscription of its awarding body that wants it."""
    async with sessions() as session:
        for ev in events:
            subs = await session.scalars(
                select(WebhookSubscription).where(
                    WebhookSubscription.awarding_body_id == ev.awarding_body_id,
                    WebhookSubscription.active.is_(True),
                )
            )
            for sub in subs:
                if not sub.event_types or ev.type in sub.event_types:
                    await start_delivery(activity.client(), settings, ev.id, sub.id)


class EventActivities:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        settings: Settings,
        http: httpx.AsyncClient,
    ) -> None:
        self.sessions = sessions
        self.settings = settings
        self.http = http

    @activity.defn
    async def deliver(self, inp: DeliveryInput) -> DeliveryOutcome:
        """One attempt; a non-2xx answer or no answer raises so Temporal retries with backoff."""
        attempt = activity.info().attempt
        async with self.sessions() as session:
            event = await session.scalar(select(Event).where(Event.id == inp.event_id))
            sub = await session.get(WebhookSubscription, inp.subscription_id)
            if event is None or sub is None or not sub.active:
                return DeliveryOutcome(
                    delivered=False, attempts=attempt - 1, detail="subscription removed"
                )
            body = json.dumps(
                cloud_event(event, self.settings.public_base_url),
                separators=(",", ":"),
                ensure_ascii=False,
            ).encode()
            headers = webhook_headers(
                live_secrets(self.settings, sub), event.id, int(time.time()), body
            )
            url = sub.url
        started = time.perf_counter()
        code: int | None = None
        error: str | None = None
        try:
            response = await self.http.post(
                url, content=body, headers=headers, timeout=self.settings.webhook_timeout_seconds
            )
            code = response.status_code
            if not 200 <= code < 300:
                error = f"the receiver answered {code}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"[:1000] or type(exc).__name__
        latency = (time.perf_counter() - started) * 1000
        async with self.sessions.begin() as session:
            session.add(
                WebhookDelivery(
                    event_id=inp.event_id,
                    subscription_id=inp.subscription_id,
                    attempt=attempt,
                    at=utcnow(),
                    ok=error is None,
                    status_code=code,
                    latency_ms=round(latency, 2),
                    error=error,
                )
            )
        if error is not None:
            raise ApplicationError(f"attempt {attempt} to {url}: {error}", type="DeliveryFailed")
        return DeliveryOutcome(delivered=True, attempts=attempt, status_code=code)

    @activity.defn
    async def give_up(self, inp: DeliveryInput) -> DeliveryOutcome:
        async with self.sessions() as session:
            attempts = await session.scalar(
                select(func.count()).where(
                    WebhookDelivery.event_id == inp.event_id,
                    WebhookDelivery.subscription_id == inp.subscription_id,
                )
            )
        return DeliveryOutcome(
            delivered=False,
            attempts=attempts or 0,
            detail=f"not delivered within {inp.retry_hours:g} hours; redeliver or pull /events",
        )
