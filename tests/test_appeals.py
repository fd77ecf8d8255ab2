"""Appeals: within the window, a new panel with no overlap reassesses; that result is final."""

from __future__ import annotations

from datetime import timedelta

from tests.factories import CaseRun, make_world, new_case, ok
from vnfil.accounts.schemas import Role
from vnfil.credentials.document import outcomes_of
from vnfil.platform.temporal import workflow_id
from workflows.case import ValidationCase


async def _partial(stack) -> CaseRun:  # type: ignore[no-untyped-def]
    w = await make_world(stack)
    run = await new_case(w)
    await run.ready_for_decisions()
    ok(await run.decide(run.assessors[0], {"DC3": False}))
    status = ok(await run.decide(run.assessors[1], {"DC3": False}))
    assert status["result"] == "partial" and not status["result_final"]
    return run


async def test_appeal_goes_to_a_new_panel_whose_result_is_final(stack) -> None:
    run = await _partial(stack)
    w, first = run.w, list(run.assessors)
    # Only the candidate appeals.
    r = await w.http.post(f"{run.url}/appeal", json={"reason": "x"}, headers=w.admin.auth)
    assert r.status_code == 403
    status = ok(await run.appeal())
    assert status["appealed"] and status["result"] is None and status["first_result"] == "partial"
    # The first panel is stood down: it no longer sees the case nor decides.
    assert (await w.http.get(run.url, headers=first[0].auth)).status_code == 403
    # A panel that shares anyone with the first one is refused.
    fresh = await w.person(Role.assessor)
    r = await w.http.put(
        f"{run.url}/panel",
        json={"assessor_ids": [first[0].id, fresh.id], "supervisor_id": run.supervisor.id},  # type: ignore[union-attr]
        headers=w.admin.auth,
    )
    assert r.status_code == 422 and first[0].id in r.json()["detail"]
    ok(await run.assign())
    assert not set(a.id for a in run.assessors) & set(a.id for a in first)
    ok(await run.decide(run.assessors[0]))
    status = ok(await run.decide(run.assessors[1]))
    assert (
        status["result"] == "full" and status["result_final"] and status["stage"] == "certification"
    )
    # No second appeal.
    assert (await run.appeal()).status_code == 409
    status = ok(await run.certify())
    cred = ok(await w.http.get(f"/credentials/{status['credential_id']}", headers=w.issuer.auth))
    codes = [a["targetCode"] for a in outcomes_of(cred["document"])]
    assert codes == ["DC1", "DC2", "DC3", "DC4"]
    records = ok(await w.http.get(f"{run.url}/stage-records", headers=w.admin.auth))
    assessment = next(r for r in records if r["stage"] == "assessment")["record"]["inputs"]
    assert assessment["appeal"]["first_result"] == "partial"
    assert set(assessment["appeal"]["first_panel"]) == {a.id for a in first}
    actions = [
        e["action"]
        for e in ok(await w.http.get(f"{run.url}/audit", headers=w.admin.auth))["entries"]
    ]
    assert "appeal.lodged" in actions


async def test_appeal_is_refused_once_the_result_is_accepted(stack) -> None:
    run = await _partial(stack)
    ok(await run.accept())
    r = await run.appeal()
    assert r.status_code == 409


async def test_appeal_window_closes_and_the_result_becomes_final(timed) -> None:
    stack, env = timed
    run = await _partial(stack)
    handle = stack.client.get_workflow_handle_for(ValidationCase.run, workflow_id(run.case_id))
    await env.sleep(timedelta(days=13))
    assert not (await handle.query(ValidationCase.status)).result_final
    await env.sleep(timedelta(days=2))  # the 14-day window has passed
    status = await handle.query(ValidationCase.status)
    assert status.result_final and status.stage == "certification"
    r = await run.appeal()
    assert r.status_code == 409
    ok(await run.certify())
