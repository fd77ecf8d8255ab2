"""Events to issuers: signed webhooks (checked with the `standardwebhooks` package),
retries through a receiver's day-long outage, redelivery, secret rotation, pull feed;
and the webhook target guard (no loopback, private, link-local... at subscription and
at delivery), capped reading of answers, permanent versus transient failures."""

from __future__ import annotations

import asyncio
import inspect
import ssl
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import func, select
from standardwebhooks import Webhook, WebhookVerificationError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import ActivityEnvironment
from temporalio.worker import Worker

from activities.events import RESPONSE_KEPT, EventActivities
from api.main import create_app
from tests.conftest import Stack, no_cookies
from tests.factories import certified_case, make_world, ok
from tests.receiver import Receiver
from vnfil.events.models import Event, WebhookDelivery, WebhookSubscription
from vnfil.events.netguard import Refused, TargetRefused, resolve_target
from vnfil.events.schemas import DeliveryInput
from vnfil.events.service import record_event
from vnfil.platform.db import utcnow
from vnfil.platform.embedded import free_port
from vnfil.platform.temporal import workflow_id
from workflows.clients import start_delivery
from workflows.delivery import EventDelivery

CASE_EVENTS = {"case.stage_changed": 4, "case.certified": 1, "credential.issued": 1}
MiB = 1024 * 1024
# Generous: the machine running the suite may be busy with another run beside it.
DEADLINE = 120.0


async def _until(check: Callable[[], Any], what: str, seconds: float = DEADLINE) -> None:
    """Wait for the exact thing a test reads next (never a sleep-and-hope)."""
    deadline = time.monotonic() + seconds
    while True:
        got = check()
        if inspect.isawaitable(got):
            got = await got
        if got:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting after {seconds:g} s until {what}")
        await asyncio.sleep(0.1)


async def _wait_for(receiver: Receiver, n: int) -> None:
    await _until(lambda: len(receiver.received) >= n, f"{n} webhooks arrived")


async def _log(stack: Stack, sub_id: str) -> list[WebhookDelivery]:
    async with stack.sessions() as session:  # type: ignore[operator]
        q = select(WebhookDelivery).where(WebhookDelivery.subscription_id == sub_id)
        return list(await session.scalars(q.order_by(WebhookDelivery.id)))


async def _wait_for_log(stack: Stack, sub_id: str, n: int) -> None:
    """The activity logs an attempt after the receiver answered: wait for that write."""

    async def written() -> bool:
        async with stack.sessions() as session:  # type: ignore[operator]
            count = await session.scalar(
                select(func.count()).where(
                    WebhookDelivery.subscription_id == sub_id, WebhookDelivery.ok.is_(True)
                )
            )
        return (count or 0) >= n

    await _until(written, f"{n} successful attempts are in the delivery log")


async def _event(stack: Stack, body_id: str, type_: str = "case.certified") -> str:
    """An event in the outbox, not dispatched: tests deliver it themselves."""
    async with stack.sessions.begin() as session:  # type: ignore[attr-defined]
        row = await record_event(
            session,
            type_=type_,
            subject=f"urn:uuid:{uuid.uuid4()}",
            awarding_body_id=body_id,
            data={"test": True},
            time=utcnow(),
        )
        return row.id


async def _retarget(stack: Stack, sub_id: str, url: str) -> None:
    """Point a subscription where the API would not (a name only the test resolves)."""
    async with stack.sessions.begin() as session:  # type: ignore[attr-defined]
        sub = await session.get(WebhookSubscription, sub_id)
        assert sub is not None
        sub.url = url


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


def _deliver_once(acts: EventActivities, event_id: str, sub_id: str) -> Awaitable[Any]:
    inp = DeliveryInput(event_id=event_id, subscription_id=sub_id, retry_hours=1)
    return ActivityEnvironment().run(acts.deliver, inp)


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
        for got, e in zip(receiver.received, events, strict=True):
            assert got.headers["webhook-id"] == e["id"]
            assert e["specversion"] == "1.0" and e["source"] == stack.settings.public_base_url
        issued = next(e for e in events if e["type"] == "credential.issued")
        assert issued["data"]["credential"]["proof"][0]["cryptosuite"] == "eddsa-rdfc-2022"
        assert issued["subject"] == status["credential_id"]

        # A changed body or a wrong secret does not verify.
        first = receiver.received[0]
        try:
            Webhook(sub["secret"]).verify(first.body + b" ", first.headers)
            raise AssertionError("a changed body verified")
        except WebhookVerificationError:
            pass

        # The delivery log: one successful attempt per event, with latency. Each attempt
        # is written after its receiver answered: wait for those writes, not for a guess.
        await _wait_for_log(stack, sub["id"], len(events))
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
        run, _ = await certified_case(w)
        await _wait_for(receiver, 1)

        # Filtered: only credential.issued. When the case's workflow has ended, every
        # activity that recorded (and dispatched) one of its events has finished.
        case = stack.client.get_workflow_handle(workflow_id(run.case_id))
        await asyncio.wait_for(case.result(), DEADLINE)
        async with stack.sessions() as session:  # type: ignore[operator]
            q = select(Event.id, Event.type).where(
                Event.awarding_body_id == sub["awarding_body_id"]
            )
            recorded = list(await session.execute(q))
        assert _types([{"type": t} for _, t in recorded]) == CASE_EVENTS
        for event_id, type_ in recorded:
            if type_ != "credential.issued":
                handle = stack.client.get_workflow_handle(f"delivery-{event_id}-{sub['id']}")
                with pytest.raises(RPCError) as missing:
                    await handle.describe()
                assert missing.value.status == RPCStatusCode.NOT_FOUND
        assert len(receiver.received) == 1
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

            async def completed(handle: Any = handle) -> bool:
                return (await handle.describe()).status.name == "COMPLETED"

            # Completed means its last attempt is logged: the log read below is safe.
            await _until(completed, f"delivery of {e} completed")
        events = [_verified(sub["secret"], r) for r in receiver.received]
        assert {e["id"] for e in events} == per_event
        assert _types(events) == CASE_EVENTS
        log = ok(
            await w.http.get(f"/webhooks/{sub['id']}/deliveries?limit=1000", headers=w.issuer.auth)
        )
        assert sum(1 for d in log if d["ok"]) == expected
        # A refused connection is transient: logged as such and retried.
        assert any(d["error"] and d["error"].startswith("transient: Connect") for d in log)
        assert all(d["ok"] or d["error"].startswith("transient: ") for d in log)
    finally:
        receiver.stop()


# --- the target guard ------------------------------------------------------------------

# Every form an inward address can take; getaddrinfo normalises the odd IPv4 spellings.
INWARD = [
    ("http://127.0.0.1:8080/hook", Refused.loopback),
    ("http://localhost/hook", Refused.loopback),  # a name that resolves inward
    ("http://2130706433/", Refused.loopback),  # integer
    ("http://0x7f.1/", Refused.loopback),  # hex, short
    ("http://017700000001/", Refused.loopback),  # octal
    ("http://127.1/", Refused.loopback),
    ("http://[::1]/", Refused.loopback),
    ("http://[::ffff:127.0.0.1]/", Refused.loopback),  # IPv4-mapped
    ("http://[64:ff9b::7f00:1]/", Refused.loopback),  # NAT64
    ("http://[2002:7f00:1::1]/", Refused.loopback),  # 6to4
    ("http://169.254.169.254/latest/meta-data/", Refused.link_local),  # cloud metadata
    ("http://[::ffff:a9fe:a9fe]/", Refused.link_local),
    ("http://[fe80::1]/", Refused.link_local),
    ("http://0.0.0.0/", Refused.unspecified),
    ("http://0/", Refused.unspecified),
    ("http://[::]/", Refused.unspecified),
    ("http://10.1.2.3/", Refused.private),
    ("http://172.16.0.1/", Refused.private),
    ("https://192.168.1.10/", Refused.private),
    ("http://[fd00::1]/", Refused.private),
    ("http://100.64.0.1/", Refused.shared),
    ("http://224.0.0.1/", Refused.multicast),
    ("http://[ff02::1]/", Refused.multicast),
    ("http://240.0.0.1/", Refused.reserved),
    ("http://255.255.255.255/", Refused.reserved),
    ("http://user:pass@8.8.8.8/", Refused.invalid),
    ("http://8.8.8.8:99999/", Refused.invalid),
    ("ftp://8.8.8.8/", Refused.invalid),
]


@pytest.mark.parametrize(("url", "reason"), INWARD)
async def test_inward_targets_are_refused_and_say_why(url: str, reason: Refused) -> None:
    with pytest.raises(TargetRefused) as refused:
        await resolve_target(url, allow_private=False)
    assert refused.value.reason == reason, refused.value.message
    # The on-premises setting lets loopback, private and shared through, nothing else.
    if reason in (Refused.loopback, Refused.private, Refused.shared):
        await resolve_target(url, allow_private=True)
    else:
        with pytest.raises(TargetRefused):
            await resolve_target(url, allow_private=True)


async def test_public_targets_pass_and_pin_the_checked_address() -> None:
    async def resolver(host: str, port: int) -> list[str]:
        assert (host, port) == ("hooks.example", 8443)
        return ["93.184.216.34", "2606:2800:220:1::"]

    t = await resolve_target(
        "https://hooks.example:8443/in?x=1", allow_private=False, resolver=resolver
    )
    assert t.pinned_url == "https://93.184.216.34:8443/in?x=1"
    assert (t.host_header, t.sni_hostname) == ("hooks.example:8443", "hooks.example")
    t = await resolve_target("http://[2606:4700::1111]/", allow_private=False)
    assert (t.pinned_url, t.host_header, t.sni_hostname) == (
        "http://[2606:4700::1111]:80/",
        "[2606:4700::1111]",
        None,
    )

    # A name with one inward address among public ones is refused (DNS rebinding).
    async def mixed(host: str, port: int) -> list[str]:
        return ["93.184.216.34", "127.0.0.1"]

    with pytest.raises(TargetRefused) as refused:
        await resolve_target("https://hooks.example/", allow_private=False, resolver=mixed)
    assert refused.value.reason == Refused.loopback
    assert "hooks.example resolves to 127.0.0.1" in refused.value.message

    async def nxdomain(host: str, port: int) -> list[str]:
        raise OSError("Name or service not known")

    with pytest.raises(TargetRefused) as refused:
        await resolve_target("https://nowhere.example/", allow_private=False, resolver=nxdomain)
    assert refused.value.reason == Refused.unresolvable


@pytest.fixture
async def strict_api(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    """The API as deployed by default: no private webhook targets."""
    settings = stack.settings.model_copy(update={"webhook_allow_private_targets": False})
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://testserver",
            timeout=60,
            cookies=no_cookies(),
        ) as http:
            yield http


async def test_subscribing_an_inward_target_is_refused_with_the_reason(
    stack: Stack, strict_api: httpx.AsyncClient
) -> None:
    w = await make_world(stack)
    for url, what in [
        ("http://localhost:8080/hook", "localhost resolves to 127.0.0.1, which is a loopback"),
        ("http://2130706433/", "2130706433 resolves to 127.0.0.1, which is a loopback"),
        ("http://[::ffff:127.0.0.1]/", "::ffff:127.0.0.1 is a loopback"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local"),
        ("http://10.0.0.7/", "10.0.0.7 is a private address"),
        ("http://0.0.0.0:8000/", "0.0.0.0 is an unspecified address"),
    ]:
        r = await strict_api.post("/webhooks", json={"url": url}, headers=w.issuer.auth)
        assert r.status_code == 422, (url, r.text)
        [error] = r.json()["errors"]
        assert error["field"] == "body.url" and what in error["message"], (url, error)
    assert ok(await strict_api.get("/webhooks", headers=w.issuer.auth)) == []
    # A URL is one printable line (a NUL byte would otherwise reach the database).
    for url in [
        "http://hooks.example/\x00",
        "http://hooks.example/\x1b[2J",
        "http://x/" + "a" * 2000,
    ]:
        r = await stack.http.post("/webhooks", json={"url": url}, headers=w.issuer.auth)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.url", r.text


async def test_delivery_rechecks_the_target_and_gives_up_at_once(stack: Stack) -> None:
    """Allowed when subscribed, inward when delivered (a changed setting, or a name
    that now resolves inward): refused, logged as permanent, not retried for 72 hours."""
    w = await make_world(stack)
    receiver = Receiver(free_port(), host="localhost").start()
    strict = stack.settings.model_copy(
        update={"webhook_allow_private_targets": False, "task_queue": f"vnfil-test-{uuid.uuid4()}"}
    )
    try:
        sub = await _subscribe(w, receiver.url)  # the test stack allows private targets
        event_id = await _event(stack, sub["awarding_body_id"])
        async with httpx.AsyncClient() as http:
            acts = EventActivities(stack.sessions, strict, http)  # type: ignore[arg-type]
            async with Worker(
                stack.client,
                task_queue=strict.task_queue,
                workflows=[EventDelivery],
                activities=[acts.deliver, acts.give_up],
            ):
                assert await start_delivery(stack.client, strict, event_id, sub["id"])
                handle = stack.client.get_workflow_handle_for(
                    EventDelivery.run, f"delivery-{event_id}-{sub['id']}"
                )
                # With retries, the next attempt alone would come 10 s later, then 20 s...
                outcome = await asyncio.wait_for(handle.result(), DEADLINE)
        assert not outcome.delivered and outcome.attempts == 1
        assert "retrying cannot help" in outcome.detail and "loopback" in outcome.detail
        assert receiver.received == []
        [attempt] = await _log(stack, sub["id"])
        assert not attempt.ok and attempt.status_code is None
        assert attempt.error == (
            "permanent: refused: localhost resolves to 127.0.0.1, which is a loopback address;"
            " webhooks go only to public addresses (set VNFIL_WEBHOOK_ALLOW_PRIVATE_TARGETS=true"
            " for receivers on the premises)"
        )
    finally:
        receiver.stop()


def _tls_for(name: str, tmp: Path) -> tuple[ssl.SSLContext, ssl.SSLContext, list[str | None]]:
    """A server context with a self-signed certificate for ``name`` only (no IP), the
    client context that trusts it, and the server names (SNI) clients sent."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_pem, key_pem = tmp / "cert.pem", tmp / "key.pem"
    cert_pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_pem.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert_pem, key_pem)
    seen: list[str | None] = []
    server.sni_callback = lambda _sock, server_name, _ctx: seen.append(server_name)  # type: ignore[assignment,func-returns-value]
    return server, ssl.create_default_context(cafile=str(cert_pem)), seen


async def test_delivery_connects_to_the_checked_address_with_the_urls_host_name(
    stack: Stack, tmp_path: Path
) -> None:
    """hooks.test resolves only through the activity's resolver: the request can only
    have reached the checked address, and TLS still verifies the name in the URL."""
    server_tls, client_tls, server_names = _tls_for("hooks.test", tmp_path)
    receiver = Receiver(free_port(), tls=server_tls, host="hooks.test").start()
    lookups: list[str] = []

    async def resolver(host: str, port: int) -> list[str]:
        lookups.append(host)
        return ["127.0.0.1"]

    w = await make_world(stack)
    try:
        sub = await _subscribe(w, f"http://127.0.0.1:{receiver.port}/")
        await _retarget(stack, sub["id"], receiver.url)
        event_id = await _event(stack, sub["awarding_body_id"])
        async with httpx.AsyncClient(verify=client_tls) as http:
            acts = EventActivities(stack.sessions, stack.settings, http, resolver=resolver)  # type: ignore[arg-type]
            outcome = await _deliver_once(acts, event_id, sub["id"])
        assert outcome.delivered and outcome.status_code == 204
        assert lookups == ["hooks.test"]  # one lookup, checked; httpx made none
        assert server_names == ["hooks.test"]
        [got] = receiver.received
        assert got.headers["host"] == f"hooks.test:{receiver.port}"
        assert _verified(sub["secret"], got)["id"] == event_id
    finally:
        receiver.stop()


@pytest.mark.parametrize("status", [500, 200])
async def test_a_huge_answer_is_not_read_into_the_worker(stack: Stack, status: int) -> None:
    total = 256 * MiB
    receiver = Receiver(free_port(), status=status, reply_bytes=total).start()
    w = await make_world(stack)
    try:
        sub = await _subscribe(w, receiver.url)
        event_id = await _event(stack, sub["awarding_body_id"])
        async with httpx.AsyncClient() as http:
            acts = EventActivities(stack.sessions, stack.settings, http)  # type: ignore[arg-type]
            if status == 200:
                assert (await _deliver_once(acts, event_id, sub["id"])).delivered
            else:
                with pytest.raises(ApplicationError) as failed:
                    await _deliver_once(acts, event_id, sub["id"])
                assert not failed.value.non_retryable  # a 500 is worth retrying
        await _until(lambda: receiver.replies_done == 1, "the receiver stopped sending")
        # The worker read at most 64 KiB and hung up: beyond what socket buffers hold,
        # the rest was never taken.
        assert receiver.sent < 32 * MiB, receiver.sent
        [attempt] = await _log(stack, sub["id"])
        assert attempt.status_code == status and attempt.ok == (status == 200)
        if status == 500:
            # The log keeps the start of the answer, capped.
            assert attempt.error == "transient: the receiver answered 500: " + "x" * RESPONSE_KEPT
    finally:
        receiver.stop()


async def test_a_redirect_is_a_failed_attempt_and_not_followed(stack: Stack) -> None:
    receiver = Receiver(
        free_port(), status=307, reply_headers={"location": "http://169.254.169.254/latest"}
    ).start()
    w = await make_world(stack)
    try:
        sub = await _subscribe(w, receiver.url)
        event_id = await _event(stack, sub["awarding_body_id"])
        async with httpx.AsyncClient(follow_redirects=True) as http:  # even so
            acts = EventActivities(stack.sessions, stack.settings, http)  # type: ignore[arg-type]
            with pytest.raises(ApplicationError) as failed:
                await _deliver_once(acts, event_id, sub["id"])
        assert not failed.value.non_retryable
        assert len(receiver.received) == 1
        [attempt] = await _log(stack, sub["id"])
        assert attempt.status_code == 307 and not attempt.ok
        assert attempt.error == (
            "transient: the receiver answered 307, a redirect"
            " (to http://169.254.169.254/latest) that is not followed"
        )
    finally:
        receiver.stop()


async def test_redelivery_keeps_to_each_subscriptions_event_types(stack: Stack) -> None:
    w = await make_world(stack)
    receiver = Receiver(free_port()).start()
    try:
        revocations = await _subscribe(w, receiver.url, event_types=["credential.revoked"])
        event_id = await _event(stack, revocations["awarding_body_id"], "case.certified")
        url = f"/events/{event_id}/redeliveries"
        r = await w.http.post(
            url, params={"subscription_id": revocations["id"]}, headers=w.issuer.auth
        )
        assert r.status_code == 409
        assert r.json()["detail"] == (
            f"webhook subscription {revocations['id']} does not take case.certified events"
            " (it takes credential.revoked)"
        )
        r = await w.http.post(url, headers=w.issuer.auth)
        assert r.status_code == 409
        assert r.json()["detail"] == "no active webhook subscription takes case.certified events"

        everything = await _subscribe(w, receiver.url)
        again = ok(await w.http.post(url, headers=w.issuer.auth), 202)
        assert again["subscriptions"] == [everything["id"]]
        await _wait_for(receiver, 1)
        assert [r.headers["webhook-id"] for r in receiver.received] == [event_id]

        ok(await w.http.delete(f"/webhooks/{everything['id']}", headers=w.issuer.auth))
        r = await w.http.post(
            url, params={"subscription_id": everything["id"]}, headers=w.issuer.auth
        )
        assert r.status_code == 409
        assert r.json()["detail"] == f"webhook subscription {everything['id']} is deactivated"
    finally:
        receiver.stop()


async def test_subscriptions_and_invitations_are_listed_a_page_at_a_time(stack: Stack) -> None:
    w = await make_world(stack)
    for i in range(3):
        ok(
            await w.http.post(
                "/webhooks", json={"url": f"http://127.0.0.1:9/{i}"}, headers=w.issuer.auth
            ),
            201,
        )
        ok(
            await w.http.post(
                f"/centres/{w.centre_id}/invitations",
                json={"email": f"inv{i}-{uuid.uuid4().hex[:6]}@test.example", "role": "assessor"},
                headers=w.admin.auth,
            ),
            201,
        )
    for url, who in (("/webhooks", w.issuer), (f"/centres/{w.centre_id}/invitations", w.admin)):
        r = await w.http.get(f"{url}?limit=2", headers=who.auth)
        first = ok(r)
        rest = ok(await w.http.get(r.links["next"]["url"], headers=who.auth))
        assert len(first) == 2 and len(rest) == 1
        assert not {r["id"] for r in first} & {r["id"] for r in rest}
        r = await w.http.get(f"{url}?limit=501", headers=who.auth)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "query.limit"
