"""Uploads nobody recorded (the API died between S3 and the workflow) are swept away;
recorded evidence, stage records and uploads still within the grace period stay."""

from __future__ import annotations

import asyncio
import math
import uuid
from typing import Any

import pytest
from sqlalchemy import delete, event
from sqlalchemy.engine import Engine

from activities import sweeper
from tests.conftest import Stack
from tests.factories import PDF, PNG, make_world, new_case, ok, upload
from vnfil.evidence.models import Evidence
from vnfil.evidence.schemas import SweepInput, SweepReport
from workflows.sweep import OrphanSweep


async def _sweep(stack: Stack, **kw: object) -> SweepReport:
    return await stack.client.execute_workflow(
        OrphanSweep.run,
        SweepInput(**kw),  # type: ignore[arg-type]
        id=f"sweep-{uuid.uuid4()}",
        task_queue=stack.settings.task_queue,
    )


async def test_orphaned_uploads_are_swept_and_nothing_else(stack: Stack) -> None:
    w = await make_world(stack)
    run = await new_case(w)
    ok(await run.identify())
    kept = ok(await upload(w, run.case_id, run.candidate, PDF, los=["DC1"]), 201)
    store = stack.store
    orphan = f"cases/{run.case_id}/evidence/{uuid.uuid4()}"
    photo = f"cases/{run.case_id}/identity/{uuid.uuid4()}"
    no_case = f"cases/{uuid.uuid4()}/evidence/{uuid.uuid4()}"
    for key, data, kind in (
        (orphan, PDF, "application/pdf"),
        (photo, PNG, "image/png"),
        (no_case, PDF, "application/pdf"),
    ):
        await asyncio.to_thread(store.put_bytes, key, data, kind)
    records = ok(await w.http.get(f"{run.url}/stage-records", headers=w.admin.auth))
    await asyncio.sleep(1.1)  # S3 keeps whole seconds

    young = await _sweep(stack, grace_seconds=3600)
    assert not {orphan, photo, no_case} & set(young.removed)  # within the grace period

    dry = await _sweep(stack, grace_seconds=0, dry_run=True)
    assert {orphan, photo, no_case} <= set(dry.removed)
    assert all([await asyncio.to_thread(store.exists, k) for k in (orphan, photo, no_case)])

    report = await _sweep(stack, grace_seconds=0)
    assert {orphan, photo, no_case} <= set(report.removed)
    assert not any([await asyncio.to_thread(store.exists, k) for k in (orphan, photo, no_case)])
    # What the case holds stays: the recorded evidence and the stage records.
    assert f"cases/{run.case_id}/evidence/{kept['id']}" not in report.removed
    r = await w.http.get(f"{run.url}/evidence/{kept['id']}", headers=run.candidate.auth)
    assert r.status_code == 200 and r.content == PDF
    for rec in records:
        assert await asyncio.to_thread(store.exists, rec["object_key"])


async def test_incomplete_multipart_uploads_are_aborted_after_the_grace_period(
    stack: Stack,
) -> None:
    """An API killed mid-upload leaves a multipart upload open; the sweep aborts it."""
    store = stack.store
    key = f"cases/{uuid.uuid4()}/evidence/{uuid.uuid4()}"

    def open_uploads() -> list[str]:
        found = store.client._list_multipart_uploads(store.bucket, prefix=key).uploads
        return [u.upload_id for u in found if u.upload_id]

    upload_id = await asyncio.to_thread(
        store.client._create_multipart_upload, store.bucket, key, {}
    )
    await asyncio.to_thread(
        store.client._upload_part, store.bucket, key, PDF * 3000, None, upload_id, 1
    )
    assert await asyncio.to_thread(open_uploads) == [upload_id]
    await asyncio.sleep(1.1)  # S3 keeps whole seconds

    young = await _sweep(stack, grace_seconds=3600)
    assert key not in young.aborted_uploads
    dry = await _sweep(stack, grace_seconds=0, dry_run=True)
    assert key in dry.aborted_uploads
    assert await asyncio.to_thread(open_uploads) == [upload_id]

    report = await _sweep(stack, grace_seconds=0)
    assert key in report.aborted_uploads
    assert await asyncio.to_thread(open_uploads) == []


class Lookups:
    """The statements the sweep sends to look keys up, and how many keys each carries
    (every engine in this process, the worker's too)."""

    def __init__(self) -> None:
        self.sizes: dict[str, list[int]] = {"evidence": [], "cases": []}

    def __call__(self, conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        flat = " ".join(statement.split())
        if flat.startswith("SELECT evidence.object_key FROM evidence WHERE evidence.object_key IN"):
            self.sizes["evidence"].append(len(params))
        elif " FROM cases WHERE cases.id IN " in flat:
            self.sizes["cases"].append(len(params))


async def test_the_sweep_goes_a_batch_at_a_time_and_removes_exactly_the_orphans(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past 65,535 stored files one IN list of every key fails on PostgreSQL; the sweep
    lists, looks up and removes a batch at a time (3 here, for 22 keys), and what it
    removes is still exactly the unrecorded uploads."""
    w = await make_world(stack)
    run = await new_case(w)
    ok(await run.identify())
    kept = [ok(await upload(w, run.case_id, run.candidate, PDF, los=["DC1"]), 201) for _ in "ab"]
    held_keys = [f"cases/{run.case_id}/evidence/{e['id']}" for e in kept]
    # The database lags the workflow for one of them: the case still holds it.
    async with w.sessions.begin() as session:
        await session.execute(delete(Evidence).where(Evidence.object_key == held_keys[1]))
    store = stack.store
    gone_case = str(uuid.uuid4())
    orphans = (
        [f"cases/{run.case_id}/evidence/{uuid.uuid4()}" for _ in range(8)]
        + [f"cases/{run.case_id}/identity/{uuid.uuid4()}" for _ in range(3)]
        + [f"cases/{gone_case}/evidence/{uuid.uuid4()}" for _ in range(5)]
    )
    other = [f"cases/{gone_case}/stages/identification.json"]  # not an upload: not looked at
    for key in orphans:
        await asyncio.to_thread(store.put_bytes, key, PNG if "/identity/" in key else PDF, "x/y")
    await asyncio.to_thread(store.put_bytes, other[0], b"{}", "application/json")
    records = ok(await w.http.get(f"{run.url}/stage-records", headers=w.admin.auth))
    await asyncio.sleep(1.1)  # S3 keeps whole seconds

    lookups = Lookups()
    event.listen(Engine, "before_cursor_execute", lookups)
    try:
        # A dry run that may name 5 keys: the report stays small, the count is whole.
        monkeypatch.setattr(sweeper, "SWEEP_REPORT_KEYS", 5)
        dry = await _sweep(stack, grace_seconds=0, dry_run=True, batch_size=3)
        assert len(dry.removed) == 5 and dry.removed_count >= len(orphans)
        assert all([await asyncio.to_thread(store.exists, k) for k in orphans])
        monkeypatch.undo()
        report = await _sweep(stack, grace_seconds=0, batch_size=3)
    finally:
        event.remove(Engine, "before_cursor_execute", lookups)

    mine = {k for k in report.removed if k.split("/")[1] in (run.case_id, gone_case)}
    assert mine == set(orphans)
    assert report.looked_at >= len(orphans) + len(held_keys)
    assert not any([await asyncio.to_thread(store.exists, k) for k in orphans])
    for key in held_keys + other + [r["object_key"] for r in records]:
        assert await asyncio.to_thread(store.exists, key), key
    # Never more than a batch of keys in one statement, and more than one batch sent.
    assert lookups.sizes["evidence"] and max(lookups.sizes["evidence"]) <= 3
    assert len(lookups.sizes["evidence"]) >= 2 * math.ceil((len(orphans) + 2) / 3)
    assert lookups.sizes["cases"] and max(lookups.sizes["cases"]) <= 3
