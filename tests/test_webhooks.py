"""Events to issuers: signed webhooks (checked with the `standardwebhooks` package),
retries through a receiver's day-long outage, redelivery, secret rotation, pull feed."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from standardwebhooks import Webhook, WebhookVerificationError

from tests.conftest import Stack
from tests.factories import certified_case, make_world, ok
from tests.receiver import Receiver
from vnfil.embedded import free_port
from vnfil.models import WebhookDelivery

CASE_EVENTS = {"case.stage_changed": 4, "case.certified": 1, "credential.issued": 1}


async def _wait_for(receiver: Receiver, n: int, seconds: float = 30) -> None:
    for _ in range(int(seconds * 10)):
        if len(receiver.received) >= n:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{len(receiver.received)} of {n} webhooks arrived")


def _verified(secret: str, received: Any) -> dict[str, Any]:
    """Verify as an issuer would, with the independent Standard Webhooks library."""
    return Webhook(secret).verify(received.body, received.headers)


async def _subscribe(w: Any, url: str, **body: Any) -> dict[str, Any]:
    return ok(await w.http.post("/webhooks", json={"url": url, **body}, headers=w.issuer.auth), 201)


def _types(events: list[dict[str, Any]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for e in events:
        out[e["type"]] = out.get(e["type"], 0) + 1
    return out


async def test_every_event_arrives_signed_per_standard_webhooks(stack: Stack) -> None:
    w = await make_world(stack)
    receiver = Receiver(free_port()).start()
    try:
        sub = await _subscribe(w, receiver.url)
        assert sub["secret"].startswith("whsec_")
        run, status = await certified_case(w)
        await _wait_for(receiver, sum(CASE_EVENTS.values()))
        events = [_verified(sub["secret"], r) for r in receiver.received]
        assert _types(events) == CASE_EVENTS
        for r, e in zip(receiver.received, events, strict=True):
            assert r.headers["webhook-id"] == e["id"]
            assert e["specversion"] == "1.0" and e["source"] == stack.settings.public_base_url
        issued = next(e for e in events if e["type"] == "credential.issued")
        assert issued["data"]["credential"]["proof"]["cryptosuite"] == "eddsa-jcs-2022"
        assert issued["subject"] == status["credential_id"]

        # A changed body or a wrong secret does not verify.
        first = receiver.received[0]
        try:
            Webhook(sub["secret"]).verify(first.body + b" ", first.headers)
            raise AssertionError("a changed body verified")
        except WebhookVerificationError:
            pass

        # The delivery log: one successful attempt per event, with latency.
        log = ok(await w.http.get(f"/webhooks/{sub['id']}/deliveries", headers=w.issuer.auth))
        assert len(log) == len(events) and all(d["ok"] and d["status_code"] == 204 for d in log)
        assert all(d["latency_ms"] >= 0 for d in log)

        # Redelivery sends the same event again, with the same id for de-duplication.
        again = ok(
            await w.http.post(f"/events/{issued['id']}/redeliveries", headers=w.issuer.auth), 202
        )
        assert again["subscriptions"] == [sub["id"]]
        await _wait_for(receiver, len(events) + 1)
        assert _verified(sub["secret"], receiver.received[-1])["id"] == issued["id"]

        # Another issuer sees none of it.
        other = await make_world(stack)
        r = await w.http.get(f"/webhooks/{sub['id']}/deliveries", headers=other.issuer.auth)
        assert r.status_code == 404
        r = await w.http.post(f"/events/{issued['id']}/redeliveries", headers=other.issuer.auth)
        assert r.status_code == 404
        r = await w.http.post("/webhooks", json={"url": "ftp://x"}, headers=w.issuer.auth)
        assert r.status_code == 422
        r = await w.http.get("/events", headers=run.candidate.auth)
        assert r.status_code == 403
    finally:
        receiver.stop()


async def test_secret_rotation_signs_with_both_secrets_for_a_while(stack: Stack) -> None:
    w = await make_world(stack)
    receiver = Receiver(free_port()).start()
    try:
        sub = await _subscribe(w, receiver.url, event_types=["credential.issued"])
        rotated = ok(
            await w.http.post(f"/webhooks/{sub['id']}/secret-rotation", headers=w.issuer.auth)
        )
        assert rotated["secret"] != sub["secret"] and rotated["previous_secret_expires_at"]
        await certified_case(w)
        await _wait_for(receiver, 1)
        await asyncio.sleep(0.5)
        assert len(receiver.received) == 1  # filtered: only credential.issued
        got = receiver.received[0]
        assert len(got.headers["webhook-signature"].split(" ")) == 2
        assert _verified(rotated["secret"], got)["type"] == "credential.issued"
        assert _verified(sub["secret"], got)["type"] == "credential.issued"
    finally:
        receiver.stop()


async def test_pull_feed_pages_in_order_with_a_cursor(stack: Stack) -> None:
    w = await make_world(stack)
    await certified_case(w)
    page = ok(await w.http.get("/events?limit=4", headers=w.issuer.auth))
    assert len(page["events"]) == 4
    rest = ok(
        await w.http.get(f"/events?after={page['next_cursor']}&limit=100", headers=w.issuer.auth)
    )
    events = page["events"] + rest["events"]
    assert _types(events) == CASE_EVENTS
    seqs = [e["vnfilsequence"] for e in events]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    assert [e["data"]["to"] for e in events if e["type"] == "case.stage_changed"] == [
        "documentation",
        "assessment",
        "certification",
        "completed",
    ]
    empty = ok(await w.http.get(f"/events?after={rest['next_cursor']}", headers=w.issuer.auth))
    assert empty == {"events": [], "next_cursor": rest["next_cursor"]}
    other = await make_world(stack)
    assert ok(await w.http.get("/events", headers=other.issuer.auth))["events"] == []
    assert (await w.http.get("/events?after=-1", headers=w.issuer.auth)).status_code == 422


async def test_a_receiver_down_for_a_day_gets_every_event_when_it_returns(timed) -> None:
    stack, env = timed
    w = await make_world(stack)
    receiver = Receiver(free_port())  # nothing listens there yet: connections are refused
    sub = await _subscribe(w, receiver.url)
    await certified_case(w)
    expected = sum(CASE_EVENTS.values())
    await env.sleep(timedelta(days=1))
    async with stack.sessions() as session:  # type: ignore[operator]
        failed = list(
            await session.scalars(
                select(WebhookDelivery).where(WebhookDelivery.subscription_id == sub["id"])
            )
        )
    assert failed and not any(d.ok for d in failed)
    per_event = {d.event_id for d in failed}
    assert len(per_event) == expected
    # A day of exponential backoff (10 s doubling, capped at an hour): 20+ tries each.
    assert min(sum(1 for d in failed if d.event_id == e) for e in per_event) >= 20

    receiver.start()
    try:
        # Each delivery retries within the hour: let up to two simulated hours pass.
        for _ in range(24):
            if len(receiver.received) >= expected:
                break
            await env.sleep(timedelta(minutes=5))
            await asyncio.sleep(0.2)
        for e in per_event:
            handle = stack.client.get_workflow_handle(f"delivery-{e}-{sub['id']}")
            for _ in range(50):
                if (await handle.describe()).status.name == "COMPLETED":
                    break
                await asyncio.sleep(0.1)
            assert (await handle.describe()).status.name == "COMPLETED"
        events = [_verified(sub["secret"], r) for r in receiver.received]
        assert {e["id"] for e in events} == per_event
        assert _types(events) == CASE_EVENTS
        log = ok(
            await w.http.get(f"/webhooks/{sub['id']}/deliveries?limit=1000", headers=w.issuer.auth)
        )
        assert sum(1 for d in log if d["ok"]) == expected
        assert any(d["error"] and "Connect" in d["error"] for d in log)
    finally:
        receiver.stop()
