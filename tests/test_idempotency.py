"""Retries never duplicate and lost answers lose nothing: an upload or a step sent again
with the same ``Idempotency-Key`` is answered with what the first one did; an upload
whose answer was lost (Temporal restarting after the update landed) keeps its file."""

from __future__ import annotations

import asyncio
import uuid

import httpx
from sqlalchemy import select

from tests.conftest import Stack
from tests.factories import PDF, CaseRun, make_world, new_case, ok
from tests.outage import Faults, with_faults
from vnfil.cases.schemas import CaseStatus
from vnfil.evidence.models import Evidence
from vnfil.platform.temporal import workflow_id
from workflows.case import ValidationCase


async def _documentation_case(stack: Stack) -> CaseRun:
    run = await new_case(await make_world(stack))
    ok(await run.identify())
    return run


async def _upload(
    run: CaseRun, data: bytes, key: str | None, los: tuple[str, ...] = ("DC1",)
) -> httpx.Response:
    headers = dict(run.candidate.auth)
    if key is not None:
        headers["Idempotency-Key"] = key
    return await run.w.http.post(
        f"{run.url}/evidence",
        params=[("kind", "certificate"), *(("lo", lo) for lo in los)],
        headers=headers,
        files={"file": ("cert.pdf", data, "application/pdf")},
    )


async def _state(stack: Stack, run: CaseRun) -> CaseStatus:
    handle = stack.client.get_workflow_handle_for(ValidationCase.run, workflow_id(run.case_id))
    return await handle.query(ValidationCase.status)


async def _rows(stack: Stack, run: CaseRun) -> list[Evidence]:
    async with stack.sessions() as session:  # type: ignore[operator]
        return list(await session.scalars(select(Evidence).where(Evidence.case_id == run.case_id)))


def _objects(stack: Stack, run: CaseRun) -> list[str]:
    return sorted(
        o.object_name
        for o in stack.store.client.list_objects(
            stack.settings.s3_bucket, prefix=f"cases/{run.case_id}/evidence/", recursive=True
        )
    )


async def test_an_upload_retried_with_its_key_is_recorded_once(stack: Stack) -> None:
    run = await _documentation_case(stack)
    key = f"upload-{uuid.uuid4()}"
    first = await _upload(run, PDF, key)
    ev = ok(first, 201)
    again = await _upload(run, PDF, key)
    assert again.status_code == 201 and again.json() == ev
    assert again.headers["Idempotent-Replayed"] == "true"
    # The same key for another file, or the same file for other outcomes: refused.
    for data, los in ((PDF + b"% another\n", ("DC1",)), (PDF, ("DC2",))):
        other = await _upload(run, data, key, los)
        assert other.status_code == 422, other.text
        assert "Idempotency-Key" in other.json()["detail"]
    # A new key is a new piece of evidence.
    ev2 = ok(await _upload(run, PDF, f"upload-{uuid.uuid4()}"), 201)
    assert ev2["id"] != ev["id"]

    state = await _state(stack, run)
    assert [e.evidence_id for e in state.evidence] == [ev["id"], ev2["id"]]
    assert sorted(r.id for r in await _rows(stack, run)) == sorted([ev["id"], ev2["id"]])
    # The retries stored nothing: one object per piece of evidence.
    assert _objects(stack, run) == sorted(e.object_key for e in state.evidence)


async def test_concurrent_retries_with_one_key_add_one_entry(stack: Stack) -> None:
    run = await _documentation_case(stack)
    key = f"upload-{uuid.uuid4()}"

    async def until_answered() -> httpx.Response:
        for _ in range(100):
            r = await _upload(run, PDF, key)
            if r.status_code != 409:  # 409 + Retry-After: the first is still being recorded
                return r
            assert r.headers["Retry-After"]
            await asyncio.sleep(0.2)
        raise AssertionError("still 409 after 100 tries")

    answers = await asyncio.gather(*(until_answered() for _ in range(3)))
    bodies = [ok(r, 201) for r in answers]
    assert len({b["id"] for b in bodies}) == 1
    state = await _state(stack, run)
    assert [e.evidence_id for e in state.evidence] == [bodies[0]["id"]]
    assert [r.id for r in await _rows(stack, run)] == [bodies[0]["id"]]
    # The losers' own objects were removed: their updates were refused.
    assert _objects(stack, run) == [state.evidence[0].object_key]


async def test_an_upload_whose_answer_was_lost_keeps_its_file(stack: Stack) -> None:
    run = await _documentation_case(stack)
    key = f"upload-{uuid.uuid4()}"
    app = stack.http._transport.app  # type: ignore[attr-defined]
    real = app.state.temporal
    app.state.temporal = with_faults(real, Faults(lose_answer={"add_evidence"}))
    try:
        lost = await _upload(run, PDF, key)
    finally:
        app.state.temporal = real
    assert lost.status_code == 503, lost.text
    assert lost.headers["Retry-After"] and "Idempotency-Key" in lost.json()["detail"]
    # The update had landed: the workflow holds the evidence, and its file is still there.
    [held] = (await _state(stack, run)).evidence
    assert await asyncio.to_thread(stack.store.exists, held.object_key)

    # The client's retry gets the evidence already recorded, not a second entry.
    ev = ok(await _upload(run, PDF, key), 201)
    assert ev["id"] == held.evidence_id
    assert [e.evidence_id for e in (await _state(stack, run)).evidence] == [ev["id"]]
    assert [r.id for r in await _rows(stack, run)] == [ev["id"]]
    assert _objects(stack, run) == [held.object_key]
    down = await run.w.http.get(f"{run.url}/evidence/{ev['id']}", headers=run.candidate.auth)
    assert down.status_code == 200 and down.content == PDF


async def test_a_step_retried_with_its_key_is_taken_once(stack: Stack) -> None:
    run = await _documentation_case(stack)
    await run.add_default_evidence()
    ok(await run.assign())
    headers = {**run.candidate.auth, "Idempotency-Key": f"submit-{uuid.uuid4()}"}
    first = ok(await run.w.http.post(f"{run.url}/submission", headers=headers))
    again = ok(await run.w.http.post(f"{run.url}/submission", headers=headers))
    assert first["stage"] == again["stage"] == "assessment"
    # Without the key it is a new step, refused at this stage.
    r = await run.w.http.post(f"{run.url}/submission", headers=run.candidate.auth)
    assert r.status_code == 409
    trail = ok(await run.w.http.get(f"{run.url}/audit", headers=run.w.admin.auth))
    assert [e["action"] for e in trail["entries"]].count("portfolio.submitted") == 1
    # A key is bounded and printable.
    for bad in ("x" * 256, "with space"):
        r = await run.w.http.post(
            f"{run.url}/submission", headers={**run.candidate.auth, "Idempotency-Key": bad}
        )
        assert r.status_code == 422, r.text


async def test_a_repeatable_step_retried_with_its_key_is_counted_once(stack: Stack) -> None:
    """A counselling session may be recorded many times: only the key tells a retry from
    a second session."""
    w = await make_world(stack)
    run = await new_case(w)
    ok(await run.counsel())  # the first session, and the counsellor
    assert run.counsellor is not None
    session = {
        "held_on": "2026-11-27",
        "mode": "onsite",
        "notes": "Second session: the portfolio plan.",
        "prerequisites_met": [True] * len(w.standard.prerequisites),
    }
    key = {**run.counsellor.auth, "Idempotency-Key": f"counsel-{uuid.uuid4()}"}
    for _ in range(3):  # a client that never heard the answer, retrying
        seen = ok(await w.http.post(f"{run.url}/counselling", json=session, headers=key))
        assert len(seen["counselling"]) == 2
    # The same session under a new key is a new session.
    other = {**run.counsellor.auth, "Idempotency-Key": f"counsel-{uuid.uuid4()}"}
    seen = ok(await w.http.post(f"{run.url}/counselling", json=session, headers=other))
    assert len(seen["counselling"]) == 3
    trail = ok(await w.http.get(f"{run.url}/audit", headers=w.admin.auth))
    assert [e["action"] for e in trail["entries"]].count("counselling.recorded") == 3
