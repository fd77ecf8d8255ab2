"""Each refused human step: the workflow's validator keeps it out of history."""

from __future__ import annotations

from uuid import uuid4

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from tests.factories import PDF, PNG, make_world, new_case, ok, upload
from vnfil.accounts.schemas import Actor, Role
from vnfil.cases.schemas import IdentificationInput
from vnfil.credentials.document import eu_elements_of, outcomes_of
from vnfil.platform.errors import Refusal
from vnfil.platform.temporal import workflow_id
from workflows.case import ValidationCase


async def test_identification_refuses_unknown_outcome(stack) -> None:
    w = await make_world(stack)
    run = await new_case(w)
    r = await run.identify(["DC1", "NOPE"])
    assert r.status_code == 422 and "NOPE" in r.json()["detail"]
    # Nothing moved: still identification, and a correct step still works.
    assert (
        ok(await w.http.get(f"{run.url}/status", headers=run.candidate.auth))["stage"]
        == "identification"
    )
    assert ok(await run.identify())["stage"] == "documentation"


async def test_refused_update_never_enters_history(stack) -> None:
    w = await make_world(stack)
    run = await new_case(w)
    ok(await run.counsel())
    handle = stack.client.get_workflow_handle_for(ValidationCase.run, workflow_id(run.case_id))

    async def accepted() -> int:
        events = [e async for e in handle.fetch_history_events()]
        return sum(
            e.HasField("workflow_execution_update_accepted_event_attributes") for e in events
        )

    before = await accepted()
    assert before == 1  # the counselling session
    actor = Actor(user_id=run.candidate.id, role=Role.candidate)
    with pytest.raises(WorkflowUpdateFailedError) as err:
        await handle.execute_update(
            ValidationCase.complete_identification,
            args=[actor, IdentificationInput(selected_lo_ids=["XX"])],
        )
    assert isinstance(err.value.cause, ApplicationError)
    assert err.value.cause.type == Refusal.invalid
    assert await accepted() == before


async def test_step_in_wrong_stage_is_409(stack) -> None:
    w = await make_world(stack)
    run = await new_case(w)
    # Submitting before identification.
    r = await run.submit()
    assert r.status_code == 409 and "identification" in r.json()["detail"]
    ok(await run.identify())
    r = await run.identify()
    assert r.status_code == 409


async def test_submission_lists_uncovered_outcomes(stack) -> None:
    w = await make_world(stack)
    run = await new_case(w)
    ok(await run.identify())
    ok(await upload(w, run.case_id, run.candidate, PDF, los=["DC1"]), 201)
    r = await run.submit()
    assert r.status_code == 422
    for lo in ("DC2", "DC3", "DC4"):
        assert lo in r.json()["detail"]


async def test_evidence_after_submission_is_refused(stack) -> None:
    w = await make_world(stack)
    run = await new_case(w)
    ok(await run.identify())
    await run.add_default_evidence()
    ok(await run.submit())
    r = await upload(w, run.case_id, run.candidate, PDF, los=["DC1"])
    assert r.status_code == 409
    evidence = ok(await w.http.get(f"{run.url}/evidence", headers=run.candidate.auth))
    assert len(evidence) == 2
    # The workflow refuses it too, whatever the API checked first.
    handle = stack.client.get_workflow_handle_for(ValidationCase.run, workflow_id(run.case_id))
    ref = (
        (await handle.query(ValidationCase.status))
        .evidence[0]
        .model_copy(update={"evidence_id": "x"})
    )
    with pytest.raises(WorkflowUpdateFailedError) as err:
        await handle.execute_update(
            ValidationCase.add_evidence,
            args=[Actor(user_id=run.candidate.id, role=Role.candidate), ref],
        )
    assert err.value.cause.type == Refusal.wrong_stage  # type: ignore[union-attr]


async def test_decision_by_unassigned_assessor_is_refused(stack) -> None:
    w = await make_world(stack)
    run = await new_case(w)
    await run.ready_for_decisions()
    outsider = await w.person(Role.assessor)
    # Not on the panel: the API hides the case from them ...
    r = await run.decide(outsider)
    assert r.status_code == 403
    # ... and the workflow refuses them even if a request got that far.
    handle = stack.client.get_workflow_handle_for(ValidationCase.run, workflow_id(run.case_id))
    from vnfil.cases.schemas import DecisionInput, LODecision

    step = DecisionInput(
        decisions=[
            LODecision(lo_id=lo.id, achieved=True, rationale="x")
            for lo in w.standard.learning_outcomes
        ]
    )
    with pytest.raises(WorkflowUpdateFailedError) as err:
        await handle.execute_update(
            ValidationCase.record_decision,
            args=[Actor(user_id=outsider.id, role=Role.assessor), step],
        )
    assert err.value.cause.type == Refusal.forbidden  # type: ignore[union-attr]
    assert (await handle.query(ValidationCase.status)).decisions == []


async def test_decision_needs_identity_verification_first(stack) -> None:
    w = await make_world(stack)
    run = await new_case(w)
    ok(await run.identify())
    await run.add_default_evidence()
    ok(await run.assign())
    ok(await run.submit())
    r = await run.decide(run.assessors[0])
    assert r.status_code == 409 and "identity" in r.json()["detail"]
    ok(await run.verify_identity())
    ok(await run.decide(run.assessors[0]))
    # The same assessor cannot decide twice.
    assert (await run.decide(run.assessors[0])).status_code == 422


async def test_decision_must_cover_every_selected_outcome(stack) -> None:
    w = await make_world(stack)
    run = await new_case(w)
    await run.ready_for_decisions()
    r = await w.http.post(
        f"{run.url}/decisions",
        json={"decisions": [{"lo_id": "DC1", "achieved": True, "rationale": "ok"}]},
        headers=run.assessors[0].auth,
    )
    assert r.status_code == 422 and "DC2" in r.json()["detail"]


async def test_an_assessor_changes_their_decision_until_the_panel_completes(stack) -> None:
    w = await make_world(stack)
    run = await new_case(w)
    await run.ready_for_decisions()
    first, second = run.assessors
    early = await run.decide(first, revise=True)
    assert early.status_code == 422
    assert early.json()["detail"] == "there is no decision of yours to change yet: record it first"
    ok(await run.decide(first))
    ok(await run.decide(first, {"DC1": False}, revise=True))
    status = ok(await w.http.get(f"{run.url}/status", headers=w.admin.auth))
    [mine] = [d for d in status["decisions"] if d["assessor_id"] == first.id]
    assert {d["lo_id"]: d["achieved"] for d in mine["decisions"]}["DC1"] is False
    # The changed decision is the one the panel weighs: DC1 is now in dispute.
    ok(await run.decide(second))
    status = ok(await w.http.get(f"{run.url}/status", headers=w.admin.auth))
    assert status["disputed_lo_ids"] == ["DC1"] and status["result"] is None
    late = await run.decide(first, revise=True)
    assert late.status_code == 409
    assert late.json()["detail"] == "every assessor has decided: the decisions can no longer change"
    # Both stand in the audit trail, in order.
    trail = ok(await w.http.get(f"{run.url}/audit", headers=w.admin.auth))
    actions = [e["action"] for e in trail["entries"]]
    assert actions.count("decision.recorded") == 2 and actions.count("decision.revised") == 1
    assert actions.index("decision.revised") < len(actions) - 1 - actions[::-1].index(
        "decision.recorded"
    )


async def test_panel_below_minimum_size_is_refused(stack) -> None:
    w = await make_world(stack)
    run = await new_case(w)
    r = await run.assign(n=1)
    assert r.status_code == 422 and "at least 2" in r.json()["detail"]


async def test_panel_members_must_be_assessors_of_the_centre(stack) -> None:
    w = await make_world(stack)
    run = await new_case(w)
    other = await make_world(stack)
    foreign = await other.person(Role.assessor)
    mine = await w.person(Role.assessor)
    r = await w.http.put(
        f"{run.url}/panel", json={"assessor_ids": [mine.id, foreign.id]}, headers=w.admin.auth
    )
    assert r.status_code == 422 and foreign.id in r.json()["detail"]


async def test_partial_result_certifies_only_achieved_outcomes(stack) -> None:
    w = await make_world(stack)
    run = await new_case(w)
    await run.ready_for_decisions()
    ok(await run.decide(run.assessors[0], {"DC4": False}))
    status = ok(await run.decide(run.assessors[1], {"DC4": False}))
    assert status["result"] == "partial"
    assert status["achieved_lo_ids"] == ["DC1", "DC2", "DC3"]
    ok(await run.accept())
    status = ok(await run.certify())
    cred = ok(await w.http.get(f"/credentials/{status['credential_id']}", headers=w.issuer.auth))
    codes = [a["targetCode"] for a in outcomes_of(cred["document"])]
    assert codes == ["DC1", "DC2", "DC3"]


async def test_not_validated_ends_without_credential(stack) -> None:
    w = await make_world(stack)
    run = await new_case(w)
    await run.ready_for_decisions()
    none = {lo.id: False for lo in w.standard.learning_outcomes}
    ok(await run.decide(run.assessors[0], none))
    status = ok(await run.decide(run.assessors[1], none))
    assert status["result"] == "not-validated" and status["stage"] == "assessment"
    status = ok(await run.accept())
    assert status["stage"] == "completed" and status["status"] == "completed"
    assert status["credential_id"] is None
    assert (await run.certify()).status_code == 409


async def _all_decided(stack, first: dict[str, bool], second: dict[str, bool]):  # type: ignore[no-untyped-def]
    w = await make_world(stack)
    run = await new_case(w)
    ok(await run.identify())
    await run.add_default_evidence()
    ok(await run.assign(n=3))
    ok(await run.submit())
    ok(await run.verify_identity())
    ok(await run.decide(run.assessors[0], first))
    ok(await run.decide(run.assessors[1], second))
    return w, run


async def test_disagreement_goes_to_the_chair(stack) -> None:
    w, run = await _all_decided(stack, {"DC2": False}, {"DC3": False})
    status = ok(await run.decide(run.assessors[2]))
    assert status["disputed_lo_ids"] == ["DC2", "DC3"] and status["result"] is None
    # Nobody but the chair resolves, and only the disputed outcomes.
    r = await w.http.post(
        f"{run.url}/resolution",
        json={
            "decisions": [
                {"lo_id": "DC2", "achieved": True, "rationale": "x"},
                {"lo_id": "DC3", "achieved": True, "rationale": "x"},
            ]
        },
        headers=run.assessors[1].auth,
    )
    assert r.status_code == 403
    assert (await run.resolve({"DC2": True})).status_code == 422
    status = ok(await run.resolve({"DC2": True, "DC3": False}))
    assert status["result"] == "partial" and status["achieved_lo_ids"] == ["DC1", "DC2", "DC4"]
    assert (await run.resolve({"DC2": True, "DC3": True})).status_code == 409


async def test_conflict_of_interest_keeps_a_person_off_the_panel(stack) -> None:
    w = await make_world(stack)
    run = await new_case(w)
    ok(await run.assign())
    conflicted = run.assessors[1]
    ok(
        await w.http.post(
            f"{run.url}/conflicts",
            json={"reason": "she is my sister-in-law"},
            headers=conflicted.auth,
        )
    )
    status = ok(await w.http.get(f"{run.url}/status", headers=w.admin.auth))
    assert conflicted.id not in status["assessor_ids"]
    # They can no longer be put on this panel.
    r = await w.http.put(
        f"{run.url}/panel",
        json={
            "assessor_ids": [run.assessors[0].id, conflicted.id],
            "supervisor_id": run.supervisor.id,
        },  # type: ignore[union-attr]
        headers=w.admin.auth,
    )
    assert r.status_code == 422 and "conflict" in r.json()["detail"]
    # Until the centre completes the panel, nobody decides.
    ok(await run.identify())
    await run.add_default_evidence()
    ok(await run.submit())
    ok(await run.verify_identity())
    r = await run.decide(run.assessors[0])
    assert r.status_code == 409 and "short" in r.json()["detail"]
    # The centre records a conflict for someone else too (the counsellor cannot sit).
    outsider = await w.person(Role.assessor)
    ok(
        await w.http.post(
            f"{run.url}/conflicts",
            json={"user_id": outsider.id, "reason": "trained the candidate"},
            headers=w.admin.auth,
        )
    )
    r = await w.http.put(
        f"{run.url}/panel",
        json={
            "assessor_ids": [run.assessors[0].id, outsider.id],
            "supervisor_id": run.supervisor.id,
        },  # type: ignore[union-attr]
        headers=w.admin.auth,
    )
    assert r.status_code == 422


async def test_identification_needs_confirmed_prerequisites_and_yields_a_report(stack) -> None:
    w = await make_world(stack)
    run = await new_case(w)
    r = await run.identify(counsel=False)
    assert r.status_code == 409 and "prerequisites" in r.json()["detail"]
    ok(await run.counsel(met=False))
    r = await run.identify()
    assert r.status_code == 422 and "not eligible" in r.json()["detail"]
    # A counsellor must answer every prerequisite.
    r = await w.http.post(
        f"{run.url}/counselling",
        json={"held_on": "2026-11-21", "mode": "phone", "notes": "n", "prerequisites_met": []},
        headers=run.counsellor.auth,  # type: ignore[union-attr]
    )
    assert r.status_code == 422
    ok(await run.counsel(met=True))
    ok(await run.identify(["DC1", "DC2"]))
    records = ok(await w.http.get(f"{run.url}/stage-records", headers=w.admin.auth))
    report = records[0]["record"]["report"]
    html = stack.store.get_bytes(report["object_key"]).decode()
    assert "Identification report" in html and "DC1" in html and "DC3" not in html
    assert "2026-12-15" in html and "Portfolio submitted" in html
    assert "confirmed" in html and w.standard.prerequisites[0] in html
    # The case's counsellor cannot sit on its panel.
    r = await w.http.put(
        f"{run.url}/panel",
        json={"assessor_ids": [run.counsellor.id, (await w.person(Role.assessor)).id]},  # type: ignore[union-attr]
        headers=w.admin.auth,
    )
    assert r.status_code == 422


async def test_counsellor_review_holds_submission_until_resubmitted(stack) -> None:
    w = await make_world(stack)
    run = await new_case(w)
    ok(await run.identify())
    await run.add_default_evidence()
    counsellor = run.counsellor
    assert counsellor is not None
    r = await w.http.post(
        f"{run.url}/portfolio-review",
        json={"verdict": "changes-requested", "comments": ["Add a reference letter for DC3."]},
        headers=counsellor.auth,
    )
    ok(r)
    completeness = ok(
        await w.http.get(f"{run.url}/portfolio-completeness", headers=run.candidate.auth)
    )
    assert completeness["uncovered_lo_ids"] == []
    r = await run.submit()
    assert r.status_code == 422 and "requested changes" in r.json()["detail"]
    ok(
        await upload(
            w,
            run.case_id,
            run.candidate,
            PDF,
            filename="reference.pdf",
            los=["DC3"],
            kind="reference",
        ),
        201,
    )
    ok(await run.assign())
    assert ok(await run.submit())["stage"] == "assessment"
    # Another counsellor cannot review this case's portfolio.
    other = await w.person(Role.counsellor)
    r = await w.http.post(
        f"{run.url}/portfolio-review",
        json={"verdict": "ready", "comments": ["ok"]},
        headers=other.auth,
    )
    assert r.status_code == 409  # submitted: the portfolio is frozen


async def test_sessions_use_methods_the_standard_allows(stack) -> None:
    w = await make_world(stack)
    run = await new_case(w)
    ok(await run.identify())
    url = f"{run.url}/sessions"
    body = {
        "method": "interview",
        "starts_at": "2026-12-10T10:00:00Z",
        "online_url": "https://meet.example/x",
        "lo_ids": ["DC2", "DC3"],
    }
    status = ok(await w.http.post(url, json=body, headers=w.admin.auth))
    assert status["sessions"][0]["method"] == "interview" and status["sessions"][0]["session_id"]
    # DC1 may not be assessed by interview in this standard.
    r = await w.http.post(url, json={**body, "lo_ids": ["DC1"]}, headers=w.admin.auth)
    assert r.status_code == 422 and "DC1" in r.json()["detail"]
    r = await w.http.post(url, json={**body, "place": "Room 2"}, headers=w.admin.auth)
    assert r.status_code == 422 and "either a place or an online link" in r.json()["detail"]
    assert (await w.http.post(url, json=body, headers=run.candidate.auth)).status_code == 403


async def test_identity_photo_is_stored_and_recorded(stack) -> None:
    w = await make_world(stack)
    run = await new_case(w)
    ok(await run.identify())
    await run.add_default_evidence()
    ok(await run.assign())
    ok(await run.submit())
    sup = run.supervisor
    assert sup is not None
    r = await w.http.post(
        f"{run.url}/identity/photo", files={"file": ("me.png", PNG, "image/png")}, headers=sup.auth
    )
    photo = ok(r, 201)
    assert stack.store.get_bytes(photo["object_key"]) == PNG
    r = await w.http.post(
        f"{run.url}/identity/photo",
        files={"file": ("x.pdf", PDF, "application/pdf")},
        headers=sup.auth,
    )
    assert r.status_code == 415
    # A key from elsewhere is refused.
    bad = {
        "method": "online",
        "document_type": "passport",
        "result": "verified",
        "photo": {"object_key": "cases/other/identity/x", "sha256": photo["sha256"]},
    }
    assert (await w.http.post(f"{run.url}/identity", json=bad, headers=sup.auth)).status_code == 422
    good = {**bad, "photo": photo}
    status = ok(await w.http.post(f"{run.url}/identity", json=good, headers=sup.auth))
    # The centre sees where it is kept; the rest, as in the audit trail, only its digest.
    digest_only = {"object_key": None, "sha256": photo["sha256"]}
    assert status["identity"]["photo"] == digest_only
    for who, seen in (
        (w.admin, photo),
        (sup, digest_only),
        (run.assessors[0], digest_only),
        (run.candidate, digest_only),
    ):
        assert (
            ok(await w.http.get(f"{run.url}/status", headers=who.auth))["identity"]["photo"] == seen
        )


async def test_onsite_standard_refuses_an_online_identity_check(stack) -> None:
    from vnfil.standards.service import sample_document

    w = await make_world(
        stack,
        sample_document("adult-training").model_copy(update={"code": f"at-{uuid4().hex[:8]}"}),
    )
    run = await new_case(w)
    ok(await run.identify())
    los = [lo.id for lo in w.standard.learning_outcomes]
    ok(await upload(w, run.case_id, run.candidate, PDF, los=los), 201)
    ok(await run.assign(n=3))
    ok(await run.submit())
    r = await run.verify_identity()  # online
    assert r.status_code == 422 and "on site" in r.json()["detail"]


async def test_plan_milestones_must_be_in_date_order(stack) -> None:
    w = await make_world(stack)
    run = await new_case(w)
    ok(await run.counsel())
    r = await w.http.post(
        f"{run.url}/identification",
        json={
            "selected_lo_ids": ["DC1"],
            "milestones": [
                {"what": "Interview", "due": "2027-01-10"},
                {"what": "Portfolio", "due": "2026-12-15"},
            ],
        },
        headers=run.candidate.auth,
    )
    assert r.status_code == 422 and "date order" in r.json()["detail"]


async def test_agreed_grade_is_carried_to_the_credential(stack) -> None:
    w = await make_world(stack)
    run = await new_case(w)
    await run.ready_for_decisions()
    for a in run.assessors:
        decisions = [
            {"lo_id": lo.id, "achieved": True, "rationale": "ok"}
            for lo in w.standard.learning_outcomes
        ]
        ok(
            await w.http.post(
                f"{run.url}/decisions",
                json={"decisions": decisions, "grade": "very good"},
                headers=a.auth,
            )
        )
    ok(await run.accept())
    status = ok(await run.certify())
    cred = ok(await w.http.get(f"/credentials/{status['credential_id']}", headers=w.issuer.auth))
    assert eu_elements_of(cred["document"])["gradeAchieved"] == "very good"


async def test_workflow_itself_refuses_the_counsellor_on_the_panel_and_others_withdrawing(
    stack,
) -> None:
    """Rules the API cannot reach (it refuses earlier) still hold in the workflow."""
    from vnfil.cases.schemas import PanelInput, WithdrawInput

    w = await make_world(stack)
    run = await new_case(w)
    ok(await run.counsel())
    handle = stack.client.get_workflow_handle_for(ValidationCase.run, workflow_id(run.case_id))
    admin = Actor(user_id=w.admin.id, role=Role.centre_admin)
    other = await w.person(Role.assessor)
    with pytest.raises(WorkflowUpdateFailedError) as err:
        await handle.execute_update(
            ValidationCase.assign_panel,
            args=[
                admin,
                PanelInput(
                    assessor_ids=[run.counsellor.id, other.id],  # type: ignore[union-attr]
                    supervisor_id=other.id,
                ),
            ],
        )
    assert err.value.cause.type == Refusal.invalid  # type: ignore[union-attr]
    assert "counsellor" in str(err.value.cause)
    with pytest.raises(WorkflowUpdateFailedError) as err:
        await handle.execute_update(
            ValidationCase.withdraw, args=[admin, WithdrawInput(reason="x")]
        )
    assert err.value.cause.type == Refusal.forbidden  # type: ignore[union-attr]
