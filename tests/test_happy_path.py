"""One case from registration to a credential, on real Temporal, S3 and database."""

from __future__ import annotations

import asyncio
import json

from temporalio.client import WorkflowExecutionStatus

from tests.factories import PDF, PNG, make_world, new_case, ok, sha256
from vnfil.cases.schemas import CaseOutcome, Stage
from vnfil.credentials.document import eu_elements_of
from vnfil.platform.temporal import workflow_id
from workflows.case import ValidationCase

EU_MANDATORY = (
    "learnerIdentification",
    "title",
    "issuerCountry",
    "awardingBody",
    "dateOfIssuing",
    "learningOutcomes",
    "notionalWorkload",
    "level",
    "typeOfAssessment",
    "formOfParticipation",
    "typeOfQualityAssurance",
)


async def test_case_runs_through_four_stages_to_a_credential(stack) -> None:
    w = await make_world(stack)
    run = await new_case(w)
    assert ok(await run.identify())["stage"] == Stage.documentation
    assert run.counsellor is not None
    assert ok(await w.http.get(run.url, headers=w.admin.auth))["counsellor_id"] == run.counsellor.id
    evidence = await run.add_default_evidence()
    ok(await run.assign())
    assert ok(await run.submit())["stage"] == Stage.assessment
    ok(await run.verify_identity())
    ok(await run.decide(run.assessors[0]))
    status = ok(await run.decide(run.assessors[1]))
    assert status["stage"] == Stage.assessment and status["result"] == "full"
    assert status["result_final"] is False and status["appeal_window_ends"]
    # Not final yet: the candidate may still appeal.
    assert (await run.certify()).status_code == 409
    status = ok(await run.accept())
    assert status["stage"] == Stage.certification and status["result_final"] is True
    status = ok(await run.certify())
    assert status["stage"] == Stage.completed

    # The workflow completed and returned how the case ended.
    handle = stack.client.get_workflow_handle_for(ValidationCase.run, workflow_id(run.case_id))
    desc = await handle.describe()
    assert desc.status == WorkflowExecutionStatus.COMPLETED
    final: CaseOutcome = await handle.result()
    assert final.credential_id == status["credential_id"]

    # A stage record per stage, in S3 and in the DB, with the same digest.
    records = ok(await w.http.get(f"{run.url}/stage-records", headers=w.admin.auth))
    assert [r["stage"] for r in records] == [
        "identification",
        "documentation",
        "assessment",
        "certification",
    ]
    for r in records:
        raw = stack.store.get_bytes(r["object_key"])
        assert sha256(raw) == r["sha256"]
        assert json.loads(raw)["actor"]["user_id"]
    documentation = json.loads(stack.store.get_bytes(records[1]["object_key"]))
    assert {e["sha256"] for e in documentation["evidence"]} == {sha256(PDF), sha256(PNG)}
    assert {e["sha256"] for e in documentation["evidence"]} == {e["sha256"] for e in evidence}

    # The credential JSON in S3 carries every EU mandatory element.
    cred = ok(await w.http.get(f"/credentials/{status['credential_id']}", headers=w.issuer.auth))
    doc = json.loads(stack.store.get_bytes(status["credential_key"]))
    assert doc == cred["document"]
    assert "OpenBadgeCredential" in doc["type"]
    eu = eu_elements_of(doc)
    assert "euMicroCredential" not in doc  # every element in OB 3.0 terms
    for element in EU_MANDATORY:
        assert eu[element] not in (None, "", []), element
    assert eu["supervisionAndIdentityVerification"] == "supervised-online-identity-verification"
    assert len(eu["learningOutcomes"]) == len(w.standard.learning_outcomes)

    # The DB read model followed the workflow.
    case = ok(await w.http.get(run.url, headers=run.candidate.auth))
    assert case["stage"] == "completed" and case["result"] == "full"


async def test_search_attributes_filter_cases_by_stage_and_centre(stack) -> None:
    w = await make_world(stack)
    run = await new_case(w)
    ok(await run.identify())
    query = f"VnfilCentre = '{w.centre_id}' AND VnfilStage = 'documentation'"
    for _ in range(50):  # visibility is eventually consistent
        found = [wf.id async for wf in stack.client.list_workflows(query)]
        if found:
            break
        await asyncio.sleep(0.2)
    assert found == [workflow_id(run.case_id)]
    assert [
        wf.id
        async for wf in stack.client.list_workflows(
            f"VnfilCentre = '{w.centre_id}' AND VnfilStage = 'assessment'"
        )
    ] == []


async def test_missing_search_attributes_are_registered() -> None:
    """A Temporal server made by an older vnfil gets the newer search attributes."""
    from temporalio.contrib.pydantic import pydantic_data_converter
    from temporalio.testing import WorkflowEnvironment

    from vnfil.platform.embedded import venv_bin
    from vnfil.platform.temporal import SEARCH_ATTRIBUTES, ensure_search_attributes

    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=venv_bin("temporal"),
        search_attributes=SEARCH_ATTRIBUTES[:2],
        data_converter=pydantic_data_converter,
    )
    try:
        assert await ensure_search_attributes(env.client) == [
            sa.name for sa in SEARCH_ATTRIBUTES[2:]
        ]
        assert await ensure_search_attributes(env.client) == []
    finally:
        await env.shutdown()
