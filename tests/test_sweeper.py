"""Uploads nobody recorded (the API died between S3 and the workflow) are swept away;
recorded evidence, stage records and uploads still within the grace period stay."""

from __future__ import annotations

import asyncio
import uuid

from tests.conftest import Stack
from tests.factories import PDF, PNG, make_world, new_case, ok, upload
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
