"""Delivering events to issuers' webhooks: one attempt per activity run, each logged.

Each attempt resolves and checks the target again (``vnfil.events.netguard``) and connects
to the address it checked; the delivery log marks a failure ``permanent:`` (the
target is refused: not retried) or ``transient:`` (retried for the delivery window).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Sequence

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.client import Client
from temporalio.exceptions import ApplicationError

from vnfil.events.models import Event, WebhookDelivery, WebhookSubscription
from vnfil.events.netguard import (
    Refused,
    Resolver,
    Target,
    TargetRefused,
    resolve_target,
    system_resolver,
)
from vnfil.events.schemas import DeliveryInput, DeliveryOutcome
from vnfil.events.service import cloud_event, wants, webhook_headers
from vnfil.platform.db import as_utc, utcnow
from vnfil.platform.sealing import unseal
from vnfil.platform.settings import Settings


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


# Starts one delivery workflow (``workflows.clients.start_delivery``), handed in by the
# worker: an activity module does not import the workflows that run it.
StartDelivery = Callable[[Client, Settings, str, str], Awaitable[bool]]
# Hands one outbox message to the mailer (``workflows.clients.start_message``), likewise.
StartMessage = Callable[[Client, Settings, str], Awaitable[None]]


async def dispatch(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    events: Sequence[Event],
    start_delivery: StartDelivery,
) -> None:
    """Hand each event to every active subscription of its owner (the awarding body, or
    the funder) that wants it."""
    async with sessions() as session:
        for ev in events:
            subs = await session.scalars(
                select(WebhookSubscription).where(
                    WebhookSubscription.awarding_body_id == ev.awarding_body_id
                    if ev.awarding_body_id is not None
                    else WebhookSubscription.funder_id == ev.funder_id,
                    WebhookSubscription.active.is_(True),
                )
            )
            for sub in subs:
                if wants(sub.event_types, ev.type):
                    await start_delivery(activity.client(), settings, ev.id, sub.id)


# A receiver's answer is read up to this many bytes and the connection dropped: a
# receiver cannot make the worker hold a huge body in memory (nor a gzip bomb: the
# bytes are read raw, never decompressed).
RESPONSE_READ_CAP = 64 * 1024
# Of which the delivery log keeps this many characters (its ``error`` holds 1000).
RESPONSE_KEPT = 500
# How a failed attempt is marked in the delivery log, before its detail.
PERMANENT = "permanent"  # retrying cannot help: not retried, the delivery gives up
TRANSIENT = "transient"  # retried with backoff for the delivery window


def _printable(raw: bytes | str, limit: int) -> str:
    """A receiver's text made safe for the log: decoded, one line, no control characters."""
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    return " ".join(text.split())[:limit]


async def _read_capped(response: httpx.Response, cap: int) -> bytes:
    got = bytearray()
    async for chunk in response.aiter_raw():
        got += chunk[: cap - len(got)]
        if len(got) >= cap:
            break
    return bytes(got)


class EventActivities:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        settings: Settings,
        http: httpx.AsyncClient,
        resolver: Resolver = system_resolver,
    ) -> None:
        self.sessions = sessions
        self.settings = settings
        self.http = http
        self.resolver = resolver

    async def _post(self, target: Target, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
        """POST to the checked address (not the name: no second lookup can change it),
        with the URL's Host header and TLS server name; no redirect is followed."""
        extensions: dict[str, object] = {
            "timeout": httpx.Timeout(self.settings.webhook_timeout_seconds).as_dict()
        }
        if target.sni_hostname:
            extensions["sni_hostname"] = target.sni_hostname
        request = httpx.Request(
            "POST",
            target.pinned_url,
            content=body,
            headers={
                **headers,
                "host": target.host_header,
                "user-agent": "vnfil-webhooks",
                "accept-encoding": "identity",
                # A pooled connection is keyed by address only: never reuse one made
                # for another host name (its TLS session names that host).
                "connection": "close",
            },
            extensions=extensions,
        )
        response = await self.http.send(request, stream=True, follow_redirects=False)
        code = response.status_code
        try:
            # A 2xx is all we need: its body is not read. Another answer's first bytes
            # say why it failed.
            head = b"" if 200 <= code < 300 else await _read_capped(response, RESPONSE_READ_CAP)
        finally:
            await response.aclose()
            self.http.cookies.clear()  # never sent (no client cookies on these requests)
        if 200 <= code < 300:
            return code, ""
        detail = f"the receiver answered {code}"
        if 300 <= code < 400:
            where = _printable(response.headers.get("location", ""), 200)
            detail += f", a redirect (to {where or '?'}) that is not followed"
        answer = _printable(head, RESPONSE_KEPT)
        return code, f"{detail}: {answer}" if answer else detail

    @activity.defn
    async def deliver(self, inp: DeliveryInput) -> DeliveryOutcome:
        """One attempt. A transient failure (no answer, a non-2xx answer) raises so Temporal
        retries with backoff; a permanent one (a target the guard refuses) is not retried."""
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
        kind = TRANSIENT
        try:
            # Checked again now, after resolving: the name may point elsewhere since.
            target = await resolve_target(
                url,
                allow_private=self.settings.webhook_allow_private_targets,
                resolver=self.resolver,
            )
            async with asyncio.timeout(self.settings.webhook_timeout_seconds):
                code, detail = await self._post(target, body, headers)
            error = detail or None
        except TargetRefused as exc:
            # A name that does not resolve may resolve later; an address class never changes.
            kind = TRANSIENT if exc.reason is Refused.unresolvable else PERMANENT
            error = f"refused: {exc.message}"
        except httpx.InvalidURL as exc:  # what the guard let through, httpx cannot send
            kind, error = PERMANENT, f"not a usable URL: {exc}"
        except TimeoutError:
            error = f"no answer within {self.settings.webhook_timeout_seconds:g} s"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        latency = (time.perf_counter() - started) * 1000
        logged = f"{kind}: {error}"[:1000] if error is not None else None
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
                    error=logged,
                )
            )
        if logged is not None:
            raise ApplicationError(
                f"attempt {attempt}: {logged}",
                type="WebhookTargetRefused" if kind == PERMANENT else "DeliveryFailed",
                non_retryable=kind == PERMANENT,
            )
        return DeliveryOutcome(delivered=True, attempts=attempt, status_code=code)

    @activity.defn
    async def give_up(self, inp: DeliveryInput) -> DeliveryOutcome:
        async with self.sessions() as session:
            mine = (
                WebhookDelivery.event_id == inp.event_id,
                WebhookDelivery.subscription_id == inp.subscription_id,
            )
            attempts = await session.scalar(select(func.count()).where(*mine))
            last = await session.scalar(
                select(WebhookDelivery.error)
                .where(*mine)
                .order_by(WebhookDelivery.id.desc())
                .limit(1)
            )
        if last and last.startswith(f"{PERMANENT}:"):
            detail = (
                f"not delivered, and retrying cannot help: {last.removeprefix(PERMANENT + ': ')}"
            )
        else:
            detail = f"not delivered within {inp.retry_hours:g} hours; redeliver or pull /events"
        return DeliveryOutcome(delivered=False, attempts=attempts or 0, detail=detail)
