"""Deadlines, reminders, expiry and extension run on Temporal timers (time-skipping server);
withdrawal, a human step, on the dev server."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.conftest import Stack
from tests.factories import PDF, make_world, new_case, ok, upload
from vnfil.accounts.models import Notification
from vnfil.platform.temporal import workflow_id
from workflows.case import ValidationCase


async def _messages(stack: Stack, case_id: str) -> list[tuple[str, str]]:
    async with stack.sessions() as session:  # type: ignore[operator]
        rows = await session.scalars(
            select(Notification)
            .where(Notification.case_id == case_id)
            .order_by(Notification.created_at)
        )
        return [(n.template, n.recipient_id) for n in rows]


async def test_reminders_then_expiry_when_a_stage_deadline_passes(timed) -> None:
    stack, env = timed
    w = await make_world(stack)
    run = await new_case(w)  # identification: 30 days
    handle = stack.client.get_workflow_handle_for(ValidationCase.run, workflow_id(run.case_id))
    await env.sleep(timedelta(days=22))
    assert await _messages(stack, run.case_id) == []
    await env.sleep(timedelta(days=2))  # day 24: a week before
    assert await _messages(stack, run.case_id) == [("deadline-reminder", run.candidate.id)]
    await env.sleep(timedelta(days=5, hours=1))  # day 29: a day before
    assert [m[0] for m in await _messages(stack, run.case_id)] == ["deadline-reminder"] * 2
    await env.sleep(timedelta(days=2))  # past the deadline
    final = await handle.result()
    assert final.status == "expired" and final.stage == "identification"
    case = ok(await w.http.get(run.url, headers=w.admin.auth))
    assert case["status"] == "expired"
    messages = await _messages(stack, run.case_id)
    assert ("case-expired", run.candidate.id) in messages and (
        "case-expired",
        w.admin.id,
    ) in messages
    records = ok(await w.http.get(f"{run.url}/stage-records", headers=w.admin.auth))
    assert records[-1]["record"]["inputs"]["closed"] == "expired"
    trail = ok(await w.http.get(f"{run.url}/audit", headers=w.admin.auth))
    assert trail["valid"] and trail["entries"][-1]["action"] == "case.expired"
    # The reminder reads well.
    async with stack.sessions() as session:  # type: ignore[operator]
        body = (
            await session.scalars(
                select(Notification.body).where(Notification.case_id == run.case_id)
            )
        ).first()
    assert "must be finished by" in body and w.standard.title in body


async def test_centre_extends_a_deadline(timed) -> None:
    stack, env = timed
    w = await make_world(stack)
    run = await new_case(w)
    await env.sleep(timedelta(days=20))
    r = await w.http.post(
        f"{run.url}/deadline-extension",
        json={"days": 10, "reason": "candidate in hospital"},
        headers=w.admin.auth,
    )
    status = ok(r)
    assert status["status"] == "open"
    await env.sleep(timedelta(days=15))  # day 35: past the first deadline, before the new one
    status = ok(await w.http.get(f"{run.url}/status", headers=run.candidate.auth))
    assert status["status"] == "open"
    assert ("deadline-extended", run.candidate.id) in await _messages(stack, run.case_id)
    # The candidate cannot extend their own deadline.
    r = await w.http.post(
        f"{run.url}/deadline-extension", json={"days": 5, "reason": "x"}, headers=run.candidate.auth
    )
    assert r.status_code == 403
    await env.sleep(timedelta(days=16))  # day 51: past the extended deadline (day 50)
    handle = stack.client.get_workflow_handle_for(ValidationCase.run, workflow_id(run.case_id))
    assert (await handle.result()).status == "expired"


async def test_documentation_deadline_runs_from_the_stage_start(timed) -> None:
    stack, env = timed
    w = await make_world(stack)
    run = await new_case(w)
    await env.sleep(timedelta(days=25))
    ok(await run.identify())  # documentation: 60 days from now
    status = ok(await w.http.get(f"{run.url}/status", headers=run.candidate.auth))
    assert status["stage"] == "documentation"
    await env.sleep(timedelta(days=40))  # day 65: identification's 30 would have passed
    assert ok(await w.http.get(f"{run.url}/status", headers=run.candidate.auth))["status"] == "open"
    overdue = ok(await w.http.get("/cases", params={"overdue": "true"}, headers=w.admin.auth))
    assert run.case_id not in [c["id"] for c in overdue]


async def test_candidate_withdraws_and_data_is_kept(stack) -> None:
    w = await make_world(stack)
    run = await new_case(w)
    ok(await run.identify())
    ev = ok(await upload(w, run.case_id, run.candidate, PDF, los=["DC1"]), 201)
    other = await new_case(w)
    r = await w.http.post(
        f"{run.url}/withdrawal", json={"reason": "x"}, headers=other.candidate.auth
    )
    assert r.status_code == 403
    status = ok(
        await w.http.post(
            f"{run.url}/withdrawal", json={"reason": "moving abroad"}, headers=run.candidate.auth
        )
    )
    assert status["status"] == "withdrawn" and status["closed_reason"] == "moving abroad"
    handle = stack.client.get_workflow_handle_for(ValidationCase.run, workflow_id(run.case_id))
    assert (await handle.result()).status == "withdrawn"
    # Nothing more happens to it, and nothing recorded is lost.
    assert (await upload(w, run.case_id, run.candidate, PDF, los=["DC1"])).status_code == 409
    assert (
        await w.http.post(f"{run.url}/submission", headers=run.candidate.auth)
    ).status_code == 409
    down = await w.http.get(f"{run.url}/evidence/{ev['id']}", headers=run.candidate.auth)
    assert down.content == PDF
    assert ok(await w.http.get(run.url, headers=w.admin.auth))["status"] == "withdrawn"
    trail = ok(await w.http.get(f"{run.url}/audit", headers=w.admin.auth))
    assert trail["valid"] and trail["entries"][-1]["action"] == "case.withdrawn"
    assert ("case-withdrawn", w.admin.id) in await _messages(stack, run.case_id)
