"""Past one machine, on one machine: two API processes (``vnfil serve``: uvicorn on uvloop
and httptools) and two worker processes (``vnfil-worker``), each configured only by
``VNFIL_*`` variables as in production (``infra/helm/vnfil``), on PostgreSQL, with the
suite's Temporal dev server and SeaweedFS.

A mix of cases runs at once, every request going to the two APIs in turn: certified in
full, partly achieved and certified, not validated, withdrawn, appealed and certified,
and one paid for by a funder's programme and the candidate's learning account. Then no
request was answered 5xx, each case ended where it should, each certified case has one
credential (none for the others), and nothing was done twice: audit trails, events,
webhook deliveries, ledger movements. Both workers ran activities (the identity each
Temporal task was started by, in the cases' histories, is one worker's or the other's).
"""

from __future__ import annotations

import asyncio
import collections
import json
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from tests.conftest import make_settings, no_cookies
from tests.factories import World, certified_case, make_world, new_case, ok
from tests.receiver import Receiver
from vnfil.accounts.schemas import Role
from vnfil.cases.audit import chain_of, verify_chain
from vnfil.cases.models import AuditEntry, Case
from vnfil.credentials.models import Credential
from vnfil.events.models import Event, WebhookDelivery, WebhookSubscription
from vnfil.funding import ledger as books
from vnfil.funding.models import LedgerPosting, LedgerTransaction
from vnfil.platform.db import make_engine, make_session_factory, utcnow
from vnfil.platform.embedded import Service, free_port, venv_bin, wait_for
from vnfil.platform.temporal import workflow_id

BOOT_SECONDS = 180  # four Python processes importing everything on a busy 2-core machine
SETTLE_SECONDS = 120  # webhooks and the read model catching up after the last step
FEE = 1000_00


# --- the processes ------------------------------------------------------------------


def _health(url: str) -> dict[str, Any] | None:
    """The JSON of a 200 answer, else None."""
    try:
        with urllib.request.urlopen(url, timeout=3) as resp:
            return json.loads(resp.read()) if resp.status == 200 else None
    except OSError:
        return None


@dataclass
class Deployment:
    apis: list[Service]
    workers: list[Service]
    api_ports: list[int]
    worker_ports: list[int]

    def stop(self) -> None:
        for svc in [*self.apis, *self.workers]:
            svc.stop(timeout=20)

    def logs(self) -> dict[str, str]:
        return {
            s.name: s.log_path.read_text(errors="replace") if s.log_path.exists() else ""
            for s in [*self.apis, *self.workers]
        }


def start(env: dict[str, str], tmp: Path) -> Deployment:
    d = Deployment([], [], [free_port(), free_port()], [free_port(), free_port()])
    for i, port in enumerate(d.worker_ports):
        worker_env = {**env, "VNFIL_WORKER_HEALTH_PORT": str(port)}
        d.workers.append(
            Service(f"worker{i}", [venv_bin("vnfil-worker")], tmp / f"worker{i}.log", worker_env)
        )
    for i, port in enumerate(d.api_ports):
        api_env = {**env, "VNFIL_API_HOST": "127.0.0.1", "VNFIL_API_PORT": str(port)}
        d.apis.append(
            Service(f"api{i}", [venv_bin("vnfil"), "serve"], tmp / f"api{i}.log", api_env)
        )
    for svc in [*d.workers, *d.apis]:
        svc.start()
    try:
        for svc, port in zip(d.workers, d.worker_ports, strict=True):
            url = f"http://127.0.0.1:{port}/health"
            wait_for(
                lambda u=url: (_health(u) or {}).get("phase") == "polling",
                svc.name,
                BOOT_SECONDS,
                svc,
            )
        for svc, port in zip(d.apis, d.api_ports, strict=True):
            url = f"http://127.0.0.1:{port}/health/ready"
            wait_for(lambda u=url: _health(u) is not None, svc.name, BOOT_SECONDS, svc)
    except (TimeoutError, RuntimeError):
        d.stop()
        raise
    return d


class Alternating(httpx.AsyncBaseTransport):
    """Each request to the next API process in turn, as a load balancer would; every
    answer's status is kept, by process."""

    def __init__(self, ports: list[int]) -> None:
        self.ports = ports
        self.inner = httpx.AsyncHTTPTransport()
        self.turn = 0
        self.answers: list[tuple[int, str, str, int]] = []  # (api, method, path, status)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        api = self.turn % len(self.ports)
        self.turn += 1
        request.url = request.url.copy_with(host="127.0.0.1", port=self.ports[api])
        response = await self.inner.handle_async_request(request)
        self.answers.append((api, request.method, request.url.path, response.status_code))
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


@dataclass
class Through:
    """What ``make_world`` needs of a stack: the settings, the database, the HTTP client."""

    settings: Any
    sessions: Any
    http: httpx.AsyncClient


# --- the cases ----------------------------------------------------------------------


@dataclass
class Expect:
    case_id: str
    status: str  # completed | withdrawn
    result: str | None
    credential: bool
    los: int = 0  # outcomes on the credential
    extra: dict[str, Any] = field(default_factory=dict)


async def full(w: World) -> Expect:
    run, status = await certified_case(w)
    assert status["stage"] == "completed" and status["credential_id"]
    return Expect(run.case_id, "completed", "full", True, len(w.standard.learning_outcomes))


async def partial(w: World) -> Expect:
    run = await new_case(w)
    await run.ready_for_decisions()
    ok(await run.decide(run.assessors[0], {"DC3": False}))
    assert ok(await run.decide(run.assessors[1], {"DC3": False}))["result"] == "partial"
    ok(await run.accept())
    ok(await run.certify())
    return Expect(run.case_id, "completed", "partial", True, len(w.standard.learning_outcomes) - 1)


async def not_validated(w: World) -> Expect:
    run = await new_case(w)
    await run.ready_for_decisions()
    none = {lo.id: False for lo in w.standard.learning_outcomes}
    ok(await run.decide(run.assessors[0], none))
    ok(await run.decide(run.assessors[1], none))
    status = ok(await run.accept())
    assert status["stage"] == "completed" and status["credential_id"] is None
    return Expect(run.case_id, "completed", "not-validated", False)


async def withdrawn(w: World) -> Expect:
    run = await new_case(w)
    ok(await run.identify())
    await run.add_default_evidence()
    status = ok(
        await w.http.post(
            f"{run.url}/withdrawal", json={"reason": "moving abroad"}, headers=run.candidate.auth
        )
    )
    assert status["status"] == "withdrawn"
    return Expect(run.case_id, "withdrawn", None, False)


async def appealed(w: World) -> Expect:
    run = await new_case(w)
    await run.ready_for_decisions()
    ok(await run.decide(run.assessors[0], {"DC2": False}))
    ok(await run.decide(run.assessors[1], {"DC2": False}))
    assert ok(await run.appeal())["appealed"]
    ok(await run.assign())  # a new panel, none of the first
    ok(await run.decide(run.assessors[0]))
    assert ok(await run.decide(run.assessors[1]))["result"] == "full"
    ok(await run.certify())
    return Expect(run.case_id, "completed", "full", True, len(w.standard.learning_outcomes))


async def funded(w: World, hook_url: str) -> Expect:
    """A fee of 1000.00 PLN: 600.00 from a funder's programme (approved by its staff, who
    take its events by webhook), 400.00 held on the candidate's account, both paid to the
    centre at certification."""
    http = w.http
    ok(
        await http.put(
            f"/centres/{w.centre_id}/prices/{w.standard.code}",
            json={"amount": FEE, "funding_required": True},
            headers=w.admin.auth,
        )
    )
    funder = await _funder(w)
    funds = {"Authorization": f"Bearer {funder['token']}"}
    programme = ok(
        await http.post(
            f"/funders/{funder['id']}/programmes",
            json={
                "name": "Walidacja 2027",
                "budget": 10_000_00,
                "standard_codes": [w.standard.code],
                "share_percent": 60,
                "valid_until": (utcnow() + timedelta(days=365)).isoformat(),
            },
            headers=funds,
        ),
        201,
    )
    hook = ok(await http.post("/webhooks", json={"url": hook_url}, headers=funds), 201)
    run = await new_case(w)
    me = ok(await http.get("/me", headers=run.candidate.auth))
    ok(
        await http.post(
            f"/funders/{funder['id']}/grants",
            json={
                "email": me["email"],
                "amount": 500_00,
                "valid_until": (utcnow() + timedelta(days=365)).isoformat(),
                "reason": "Regionalny program: walidacja kompetencji cyfrowych",
            },
            headers={**funds, "Idempotency-Key": f"grant-{run.case_id}"},
        ),
        201,
    )
    ok(await run.identify())
    await run.add_default_evidence()
    ok(await run.assign())
    choice = {
        "sources": [{"kind": "programme", "programme_id": programme["id"]}, {"kind": "account"}]
    }
    asking = {**run.candidate.auth, "Idempotency-Key": f"fund-{run.case_id}"}
    view = ok(await http.post(f"{run.url}/funding", json=choice, headers=asking))
    # The same request again (to whichever process is next): the same holds, once.
    again = ok(await http.post(f"{run.url}/funding", json=choice, headers=asking))
    assert again["funding"] == view["funding"]
    ok(
        await http.post(
            f"{run.url}/funding/decisions",
            json={"programme_id": programme["id"], "approve": True, "reason": "eligible"},
            headers=funds,
        )
    )
    ok(await run.submit())
    ok(await run.verify_identity())
    ok(await run.decide(run.assessors[0]))
    ok(await run.decide(run.assessors[1]))
    ok(await run.accept())
    ok(await run.certify())
    status = ok(await http.get(f"{run.url}/status", headers=run.candidate.auth))
    assert status["funding"]["status"] == "settled", status["funding"]
    return Expect(
        run.case_id,
        "completed",
        "full",
        True,
        len(w.standard.learning_outcomes),
        {"funder_id": funder["id"], "subscription": hook["id"], "candidate": run.candidate.id},
    )


async def _funder(w: World) -> dict[str, str]:
    from vnfil.accounts.models import Funder
    from vnfil.accounts.service import create_user

    async with w.sessions.begin() as session:
        funder = Funder(
            name=f"Fundusz {uuid.uuid4().hex[:6]}", kind="public_programme", country="PL"
        )
        session.add(funder)
        await session.flush()
        _, token = await create_user(
            session,
            name="Fiona Fundusz",
            email=f"funder-{uuid.uuid4().hex[:10]}@test.example",
            role=Role.funder,
            funder_id=funder.id,
        )
        return {"id": funder.id, "token": token}


# --- the test -----------------------------------------------------------------------


async def test_two_apis_and_two_workers_run_a_case_mix_without_error_or_duplicate(
    db_kind: str, database, s3_server, temporal_env, tmp_path: Path
) -> None:
    if db_kind != "postgresql":
        pytest.skip("production runs on PostgreSQL; SQLite is one machine's database")
    settings = make_settings(database, s3_server, temporal_env, tmp_path)
    env = {
        **settings.as_env(),
        "PYTHONUNBUFFERED": "1",
        # Small pools, set as a deployment sets them: 4 processes x 5 connections.
        "VNFIL_DB_POOL_SIZE": "3",
        "VNFIL_DB_MAX_OVERFLOW": "2",
    }
    receiver = Receiver(free_port()).start()
    t0 = time.monotonic()
    deployment = await asyncio.to_thread(start, env, tmp_path)
    print(f"four processes up in {time.monotonic() - t0:.0f}s")
    for api in deployment.apis:  # the production server: uvloop's loop, httptools' parser
        assert api.proc is not None
        maps = Path(f"/proc/{api.proc.pid}/maps").read_text()
        assert "/uvloop/loop." in maps and "/httptools/parser/" in maps, api.name
    engine = make_engine(settings)
    sessions = make_session_factory(engine)
    transport = Alternating(deployment.api_ports)
    try:
        async with httpx.AsyncClient(
            transport=transport,
            base_url=f"http://127.0.0.1:{deployment.api_ports[0]}",
            timeout=120,
            cookies=no_cookies(),
        ) as http:
            through = Through(settings, sessions, http)
            w, paid_world = await make_world(through), await make_world(through)
            issuer_hook = ok(
                await http.post("/webhooks", json={"url": receiver.url}, headers=w.issuer.auth),
                201,
            )
            expected = await asyncio.gather(
                full(w),
                partial(w),
                not_validated(w),
                withdrawn(w),
                appealed(w),
                funded(paid_world, receiver.url),
                full(w),
            )
            print(f"cases done at {time.monotonic() - t0:.0f}s")
            hooks = [issuer_hook["id"], next(e for e in expected if e.extra).extra["subscription"]]
            ids = {e.case_id for e in expected}
            await _until_delivered(sessions, ids, hooks, receiver)
            print(f"webhooks delivered at {time.monotonic() - t0:.0f}s")
            await _check(sessions, expected, receiver, hooks, paid_world)
        await _check_workers(temporal_env.client, expected, deployment)
    finally:
        await asyncio.to_thread(deployment.stop)
        receiver.stop()
        await transport.aclose()
        await engine.dispose()

    # Not one 5xx, from either process; both took requests.
    fivexx = [a for a in transport.answers if a[3] >= 500]
    assert not fivexx, fivexx
    per_api = collections.Counter(a[0] for a in transport.answers)
    assert per_api[0] > 20 and per_api[1] > 20, per_api
    for name, log in deployment.logs().items():
        assert "Traceback" not in log, f"{name}:\n{log[-4000:]}"
        if name.startswith("api"):
            assert '" 5' not in log, f"{name} answered 5xx:\n{log[-4000:]}"


async def _subscribed_events(sessions: Any, ids: set[str], subscriptions: list[str]) -> list[Event]:
    """The cases' events that one of these subscriptions takes (its awarding body's or
    its funder's)."""
    async with sessions() as session:
        owners = set()
        for sub in await session.scalars(
            select(WebhookSubscription).where(WebhookSubscription.id.in_(subscriptions))
        ):
            owners |= {("body", sub.awarding_body_id), ("funder", sub.funder_id)}
        owners -= {("body", None), ("funder", None)}
        return [
            e
            for e in await session.scalars(select(Event))
            if isinstance(e.data, dict)
            and e.data.get("case_id") in ids
            and (("body", e.awarding_body_id) in owners or ("funder", e.funder_id) in owners)
        ]


async def _until_delivered(
    sessions: Any, ids: set[str], subscriptions: list[str], receiver: Receiver
) -> None:
    """Until every event a subscription takes has arrived at the receiver (deliveries run
    after the steps that raise them), polling; never a fixed sleep."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + SETTLE_SECONDS
    while True:
        events = await _subscribed_events(sessions, ids, subscriptions)
        delivered = {r.headers.get("webhook-id") for r in receiver.received}
        if events and {e.id for e in events} <= delivered:
            return
        if loop.time() > deadline:
            missing = sorted({e.type for e in events if e.id not in delivered})
            raise AssertionError(f"webhooks not delivered after {SETTLE_SECONDS}s: {missing}")
        await asyncio.sleep(0.5)


async def _check(
    sessions: Any,
    expected: list[Expect],
    receiver: Receiver,
    subscriptions: list[str],
    paid_world: World,
) -> None:
    ids = [e.case_id for e in expected]
    async with sessions() as session:
        cases = {c.id: c for c in await session.scalars(select(Case).where(Case.id.in_(ids)))}
        creds = list(await session.scalars(select(Credential).where(Credential.case_id.in_(ids))))
        audit = list(await session.scalars(select(AuditEntry).where(AuditEntry.case_id.in_(ids))))
        chains = {cid: verify_chain(await chain_of(session, cid)) for cid in ids}
        events = [
            e
            for e in await session.scalars(select(Event))
            if isinstance(e.data, dict) and e.data.get("case_id") in ids
        ]
        deliveries = list(
            await session.scalars(
                select(WebhookDelivery).where(WebhookDelivery.event_id.in_([e.id for e in events]))
            )
        )

    # Each case ended where it should; one credential per certified case, none otherwise.
    per_case = collections.Counter(c.case_id for c in creds)
    for e in expected:
        case = cases[e.case_id]
        assert (case.status, case.result) == (e.status, e.result), (e, case.status, case.result)
        assert per_case[e.case_id] == (1 if e.credential else 0), (e, per_case[e.case_id])
        if e.credential:
            assert case.stage == "completed"
    assert len(creds) == sum(e.credential for e in expected)

    # Audit trails: each chain intact, its seq 1..n without gap or repeat, and no step
    # that happens once per case recorded twice.
    once = (
        "case.opened",
        "identification.completed",
        "portfolio.submitted",
        "result.accepted",
        "credential.issued",
        "case.withdrawn",
        "funding.requested",
        "funding.approved",
        "funding.settled",
    )
    for e in expected:
        cid = e.case_id
        assert chains[cid].valid, (cid, chains[cid].reason)
        seqs = sorted(a.seq for a in audit if a.case_id == cid)
        assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), (cid, seqs)
        actions = collections.Counter(a.action for a in audit if a.case_id == cid)
        twice = {a: n for a, n in actions.items() if a in once and n > 1}
        assert not twice, (cid, twice)
        assert actions["case.opened"] == actions["identification.completed"] == 1, actions
        assert actions["credential.issued"] == (1 if e.credential else 0), (e, actions)
        assert actions["case.withdrawn"] == (1 if e.status == "withdrawn" else 0), (e, actions)

    # Events: none raised twice for the same thing of the same case.
    for e in expected:
        types = collections.Counter(ev.type for ev in events if ev.data["case_id"] == e.case_id)
        assert types["case.stage_changed"] >= 1, (e, types)
        assert types["credential.issued"] == types["case.certified"] == int(e.credential), types
    signature = collections.Counter(
        (e.type, e.data.get("case_id"), json.dumps(e.data, sort_keys=True)) for e in events
    )
    assert all(n == 1 for n in signature.values()), [s for s, n in signature.items() if n > 1]
    # Webhooks: each event delivered once to each subscription that takes it, and the
    # receiver got each message once.
    succeeded = collections.Counter((d.event_id, d.subscription_id) for d in deliveries if d.ok)
    assert succeeded, "no webhook was delivered"
    assert all(n == 1 for n in succeeded.values()), succeeded
    got = collections.Counter(r.headers.get("webhook-id") for r in receiver.received)
    assert {i for i, n in got.items() if n > 1} == set(), got
    taken = await _subscribed_events(sessions, set(ids), subscriptions)
    assert {e.id for e in taken} <= set(got)
    assert {d.subscription_id for d in deliveries if d.ok} == set(subscriptions)
    paid = next(e for e in expected if e.extra)
    funding_types = sorted(e.type for e in events if e.funder_id == paid.extra["funder_id"])
    assert funding_types == ["funding.approved", "funding.requested", "funding.settled"]

    # The ledger: every movement balances, and the fee was paid to the centre once.
    async with sessions() as session:
        centre = await books.account(session, books.CENTRE, paid_world.centre_id, "PLN")
        assert centre.balance == FEE
        keys = [
            t
            for t in await session.scalars(
                select(LedgerTransaction).where(LedgerTransaction.key.contains(paid.case_id))
            )
        ]
        assert keys, "the funded case moved nothing in the ledger"
        for t in keys:
            total = await session.scalar(
                select(func.sum(LedgerPosting.amount)).where(LedgerPosting.transaction_id == t.id)
            )
            assert total == 0, (t.key, total)


async def _check_workers(client: Any, expected: list[Expect], d: Deployment) -> None:
    """Both workers ran the cases' activities: the identity Temporal recorded for each
    started activity (pid@host, the worker's own) is one of theirs, and each has some."""
    identities = []
    for port in d.worker_ports:
        body = await asyncio.to_thread(_health, f"http://127.0.0.1:{port}/health")
        assert body is not None and body["phase"] == "polling", body
        identities.append(body["identity"])
    assert len(set(identities)) == 2, identities
    assert {int(i.split("@")[0]) for i in identities} == {
        s.proc.pid for s in d.workers if s.proc is not None
    }
    ran: collections.Counter[str] = collections.Counter()
    for e in expected:
        history = await client.get_workflow_handle(workflow_id(e.case_id)).fetch_history()
        for event in history.events:
            if event.HasField("activity_task_started_event_attributes"):
                ran[event.activity_task_started_event_attributes.identity] += 1
    assert set(ran) <= set(identities), (ran, identities)
    assert all(ran[i] > 0 for i in identities), (ran, identities)
    print(f"activities started per worker: {dict(ran)}")  # shown when the test fails
