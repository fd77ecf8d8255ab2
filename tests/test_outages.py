"""Outages of Temporal and S3: 503 with ``Retry-After``, never a 500 nor a broken
download; no request holds a database connection while it waits on either, so
database-only reads and /health go on answering."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from api.main import create_app
from tests.conftest import S3_KEY, S3_SECRET, Stack
from tests.factories import PDF, CaseRun, certified_case, make_world, new_case, ok
from tests.outage import CountingBody, Faults, asgi_client, with_faults
from vnfil.evidence.store import EvidenceStore
from vnfil.platform.embedded import WeedPorts, free_port, wait_for, weed_service


async def _documentation_case(stack: Stack) -> CaseRun:
    run = await new_case(await make_world(stack))
    ok(await run.identify())
    return run


def _evidence(run: CaseRun, http: httpx.AsyncClient, content: object, **params: str):  # type: ignore[no-untyped-def]
    return http.post(
        f"{run.url}/evidence",
        params={"kind": "certificate", "lo": "DC1", "filename": "cert.pdf", **params},
        content=content,  # type: ignore[arg-type]
        headers={**run.candidate.auth, "Content-Type": "application/pdf"},
    )


def _unavailable(r: httpx.Response) -> None:
    assert r.status_code == 503, f"{r.status_code}: {r.text}"
    assert int(r.headers["Retry-After"]) > 0
    assert r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    assert problem["status"] == 503 and problem["detail"]


async def test_no_request_holds_a_db_connection_while_it_waits(stack: Stack) -> None:
    run = await _documentation_case(stack)
    http, auth = stack.http, run.candidate.auth
    app = stack.http._transport.app  # type: ignore[attr-defined]
    pool = app.state.sessions.kw["bind"].sync_engine.pool
    real = app.state.temporal
    faults = Faults(held=True)
    app.state.temporal = with_faults(real, faults)
    try:
        # Requests waiting on Temporal: each would hold one of the pool's connections.
        waiting = [
            asyncio.create_task(http.get(f"{run.url}/status", headers=auth)) for _ in range(10)
        ]
        waiting.append(asyncio.create_task(_evidence(run, http, PDF)))
        waiting.append(asyncio.create_task(http.post(f"{run.url}/submission", headers=auth)))
        waiting.append(
            asyncio.create_task(
                http.get(f"/centres/{run.w.centre_id}/workflows", headers=run.w.admin.auth)
            )
        )
        await faults.wait_for_arrivals(len(waiting))
        assert pool.checkedout() == 0
        # Database-only reads and /health answer while they wait.
        assert ok(await http.get(run.url, headers=auth))["id"] == run.case_id
        assert ok(await http.get(f"{run.url}/evidence", headers=auth)) == []
        health = (await http.get("/health")).json()
        assert health["checks"]["database"] == "ok", health
        assert not any(t.done() for t in waiting)
    finally:
        faults.release.set()
        app.state.temporal = real
    answers = await asyncio.gather(*waiting)
    assert [r.status_code for r in answers] == [200] * 10 + [201, 422, 200]  # DC2.. not covered

    # An upload streaming into S3 holds none either.
    pulled = asyncio.Event()
    more = asyncio.Event()

    async def slow_body() -> AsyncIterator[bytes]:
        yield PDF[:100]
        pulled.set()  # the server asked for more: it is mid-upload
        await more.wait()
        yield PDF[100:]

    upload = asyncio.create_task(_evidence(run, http, slow_body()))
    await pulled.wait()
    assert pool.checkedout() == 0
    assert ok(await http.get(run.url, headers=auth))["id"] == run.case_id
    more.set()
    assert ok(await upload, 201)["size"] == len(PDF)


async def test_temporal_unreachable_is_503_and_db_reads_go_on(stack: Stack) -> None:
    run = await _documentation_case(stack)
    auth = run.candidate.auth
    dead = stack.settings.model_copy(update={"temporal_address": f"127.0.0.1:{free_port()}"})
    app = create_app(dead)
    async with app.router.lifespan_context(app), asgi_client(app) as http:
        _unavailable(await http.get(f"{run.url}/status", headers=auth))
        _unavailable(await http.post(f"{run.url}/submission", headers=auth))
        _unavailable(await http.get(f"{run.url}/portfolio-completeness", headers=auth))
        body = CountingBody(PDF * 100)
        _unavailable(await _evidence(run, http, body))
        assert body.pulled <= body.chunk  # refused before the file was read
        # The database still answers.
        assert ok(await http.get(run.url, headers=auth))["id"] == run.case_id
        assert ok(await http.get(f"{run.url}/evidence", headers=auth)) == []
        health = await http.get("/health")
        assert health.status_code == 503
        assert health.json()["checks"]["database"] == "ok"


@pytest.mark.one_database
async def test_s3_outage_is_503_for_uploads_and_downloads(stack: Stack, tmp_path: Path) -> None:
    ports = WeedPorts.free()
    svc = weed_service(
        tmp_path / "s3", ports, S3_KEY, S3_SECRET, "unused", tmp_path / "weed.log"
    ).start()
    try:
        own = stack.settings.model_copy(
            update={
                "s3_endpoint": f"127.0.0.1:{ports.s3}",
                "s3_bucket": f"evidence-{uuid.uuid4().hex[:10]}",
            }
        )
        probe = EvidenceStore(own)
        await asyncio.to_thread(
            wait_for, lambda: probe.client.list_buckets() is not None, "SeaweedFS S3", 90, svc
        )
        run = await _documentation_case(stack)
        auth = run.candidate.auth
        app = create_app(own)
        async with app.router.lifespan_context(app), asgi_client(app) as http:
            ev = ok(await _evidence(run, http, PDF), 201)
            url = f"{run.url}/evidence/{ev['id']}"
            assert (await http.get(url, headers=auth)).content == PDF

            svc.stop()
            _unavailable(await _evidence(run, http, PDF))
            _unavailable(await http.get(url, headers=auth))
            # What the database alone knows still answers.
            listed = ok(await http.get(f"{run.url}/evidence", headers=auth))
            assert [e["id"] for e in listed] == [ev["id"]]
            health = await http.get("/health")
            assert health.status_code == 503 and health.json()["checks"]["database"] == "ok"
    finally:
        svc.stop()


async def test_a_case_whose_workflow_cannot_answer_is_503_not_500(stack: Stack) -> None:
    """A query that fails inside the worker (here: the case row points at a workflow that
    has no ``status`` query, as a replay failure would leave it) is a 503, on reads and
    on steps, and the case's database reads go on."""
    from sqlalchemy import update

    from vnfil.cases.models import Case
    from vnfil.evidence.schemas import SweepInput
    from workflows.sweep import OrphanSweep

    run = await _documentation_case(stack)
    stranger = f"not-a-case-{uuid.uuid4()}"
    await stack.client.execute_workflow(
        OrphanSweep.run,
        SweepInput(grace_seconds=10**6, dry_run=True),
        id=stranger,
        task_queue=stack.settings.task_queue,
    )
    async with stack.sessions.begin() as session:  # type: ignore[attr-defined]
        await session.execute(
            update(Case).where(Case.id == run.case_id).values(workflow_id=stranger)
        )
    r = await stack.http.get(f"{run.url}/status", headers=run.candidate.auth)
    _unavailable(r)
    assert "cannot be read right now" in r.json()["detail"]
    ok(await stack.http.get(run.url, headers=run.candidate.auth))


async def test_a_worker_started_before_temporal_waits_for_it(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from activities import worker
    from vnfil.platform.settings import Settings

    attempts = 0

    async def refused(settings: Settings):  # type: ignore[no-untyped-def]
        nonlocal attempts
        attempts += 1
        if attempts < 3:
            raise RuntimeError("Failed client connect")
        return "connected"

    monkeypatch.setattr(worker, "connect", refused)
    settings = Settings(temporal_address="127.0.0.1:1")
    assert await worker.connect_patiently(settings, sleep=_no_wait) == "connected"
    assert attempts == 3


async def _no_wait(_: float) -> None:
    return None


async def test_a_closed_case_reads_from_what_was_kept_once_its_workflow_is_gone(
    stack: Stack,
) -> None:
    """A closed workflow's state never changes: once read it is kept, and its page no
    longer asks Temporal (whose query of a closed workflow replays the whole history on a
    worker). Here an API whose Temporal namespace holds none of the workflows still reads
    the closed case it was given, and answers 503 for an open one, asked afresh."""
    w = await make_world(stack)
    done, _ = await certified_case(w)
    still_open = await _documentation_case(stack)
    before = ok(await stack.http.get(f"{done.url}/status", headers=done.candidate.auth))
    assert before["status"] == "completed" and before["credential_id"]
    elsewhere = stack.settings.model_copy(update={"temporal_namespace": "no-such-namespace"})
    app = create_app(elsewhere)
    async with app.router.lifespan_context(app), asgi_client(app) as http:
        after = ok(await http.get(f"{done.url}/status", headers=done.candidate.auth))
        assert after == before
        refused = await http.get(f"{still_open.url}/status", headers=still_open.candidate.auth)
        assert refused.status_code == 503, refused.text
