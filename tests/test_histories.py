"""One case per path a stage rule guards, each replayed at once; with
``VNFIL_RECORD_HISTORY=<prefix>`` each history is also kept as ``histories/<prefix>-<path>.json``
so later workflow code must replay it (``tests/test_replay.py``).

The paths: onsite identity (refusals included), appeal to a second panel, the chair's
resolution, a conflict of interest, a withdrawal after an extension, expiry (timers,
on the time-skipping server), a standard's units certified from a partial result, and a
case funded from a programme and a learning account.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from uuid import uuid4

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from tests.factories import PDF, funder_staff, make_world, new_case, ok, upload
from tests.test_units import units_standard
from vnfil.platform.db import utcnow
from vnfil.platform.temporal import workflow_id
from vnfil.standards.service import sample_document
from workflows.case import ValidationCase

HISTORIES = Path(__file__).parent / "histories"


async def _replay_and_keep(client: Client, case_id: str, path: str) -> None:
    handle = client.get_workflow_handle_for(ValidationCase.run, workflow_id(case_id))
    history = await handle.fetch_history()
    await Replayer(
        workflows=[ValidationCase], data_converter=pydantic_data_converter
    ).replay_workflow(history)
    prefix = os.environ.get("VNFIL_RECORD_HISTORY")
    if prefix:
        (HISTORIES / f"{prefix}-{path}.json").write_text(history.to_json())


async def test_onsite_identity_path(stack) -> None:
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
    assert (await run.verify_identity()).status_code == 422  # online, for an onsite standard
    assert run.supervisor is not None
    ok(
        await w.http.post(
            f"{run.url}/identity",
            json={"method": "onsite", "document_type": "passport", "result": "verified"},
            headers=run.supervisor.auth,
        )
    )
    for a in run.assessors:
        ok(await run.decide(a))
    ok(await run.accept())
    ok(await run.certify())
    await _replay_and_keep(stack.client, run.case_id, "onsite-identity")


async def test_appeal_path(stack) -> None:
    w = await make_world(stack)
    run = await new_case(w)
    await run.ready_for_decisions()
    ok(await run.decide(run.assessors[0], {"DC3": False}))
    ok(await run.decide(run.assessors[1], {"DC3": False}))
    ok(await run.appeal())
    ok(await run.assign())
    ok(await run.decide(run.assessors[0]))
    ok(await run.decide(run.assessors[1]))
    assert (await run.appeal()).status_code == 409
    ok(await run.certify())
    await _replay_and_keep(stack.client, run.case_id, "appeal")


async def test_unit_credentials_path(stack) -> None:
    """A standard with units, a partial result: the unit achieved is certified, the plan
    kept (cases since "unit-credentials")."""
    w = await make_world(stack, units_standard())
    run = await new_case(w)
    await run.ready_for_decisions()
    for a in run.assessors:
        ok(await run.decide(a, {"DC2": False}))
    ok(await run.accept())
    done = ok(await run.certify())
    assert [u["unit_id"] for u in done["unit_credentials"]] == ["WS"]
    await _replay_and_keep(stack.client, run.case_id, "unit-credentials")


async def test_chair_and_conflict_path(stack) -> None:
    w = await make_world(stack)
    run = await new_case(w)
    await run.ready_for_decisions(assessors=3)
    conflicted = run.assessors[2]
    ok(
        await w.http.post(
            f"{run.url}/conflicts",
            json={"reason": "former colleague of the candidate"},
            headers=conflicted.auth,
        )
    )
    ok(await run.decide(run.assessors[0]))
    # The first assessor thinks again while the second is still deciding.
    ok(await run.decide(run.assessors[0], {"DC4": False}, revise=True))
    ok(await run.decide(run.assessors[1]))
    ok(await run.resolve({"DC4": True}))
    ok(await run.accept())
    ok(await run.certify())
    await _replay_and_keep(stack.client, run.case_id, "chair-conflict")


async def test_withdrawal_after_extension_path(stack) -> None:
    w = await make_world(stack)
    run = await new_case(w)
    ok(await run.identify())
    ok(await upload(w, run.case_id, run.candidate, PDF, los=["DC1"]), 201)
    ok(
        await w.http.post(
            f"{run.url}/deadline-extension",
            json={"days": 10, "reason": "illness"},
            headers=w.admin.auth,
        )
    )
    ok(
        await w.http.post(
            f"{run.url}/withdrawal", json={"reason": "moving abroad"}, headers=run.candidate.auth
        )
    )
    assert (await run.submit()).status_code == 409
    await _replay_and_keep(stack.client, run.case_id, "withdrawal")


async def test_expiry_path(timed) -> None:
    stack, env = timed
    w = await make_world(stack)
    run = await new_case(w)
    ok(await run.identify())
    await env.sleep(timedelta(days=61))  # documentation: 60 days
    handle = stack.client.get_workflow_handle_for(ValidationCase.run, workflow_id(run.case_id))
    assert (await handle.result()).status == "expired"
    await _replay_and_keep(stack.client, run.case_id, "expiry")


async def test_funding_path(stack) -> None:
    """A centre that requires funding: the portfolio waits for it, a programme's part is
    decided by its funder, the account's part held, both settled at certification."""
    w = await make_world(stack)
    ok(
        await w.http.put(
            f"/centres/{w.centre_id}/prices/{w.standard.code}",
            json={"amount": 500_00, "funding_required": True},
            headers=w.admin.auth,
        )
    )
    funder_id, funds = await funder_staff(stack)
    programme = ok(
        await w.http.post(
            f"/funders/{funder_id}/programmes",
            json={
                "name": "P",
                "budget": 1000_00,
                "share_percent": 50,
                "valid_until": (utcnow() + timedelta(days=365)).isoformat(),
            },
            headers=funds,
        ),
        201,
    )
    run = await new_case(w)
    me = ok(await w.http.get("/me", headers=run.candidate.auth))
    ok(
        await w.http.post(
            f"/funders/{funder_id}/grants",
            json={
                "email": me["email"],
                "amount": 250_00,
                "reason": "grant",
                "valid_until": (utcnow() + timedelta(days=365)).isoformat(),
            },
            headers=funds,
        ),
        201,
    )
    ok(await run.identify())
    await run.add_default_evidence()
    ok(await run.assign())
    assert (await run.submit()).status_code == 422  # not funded yet
    sources = [{"kind": "programme", "programme_id": programme["id"]}, {"kind": "account"}]
    ok(
        await w.http.post(
            f"{run.url}/funding", json={"sources": sources}, headers=run.candidate.auth
        )
    )
    ok(
        await w.http.post(
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
    await _replay_and_keep(stack.client, run.case_id, "funding")


async def test_funding_withdrawal_path(stack) -> None:
    """A price per stage, funding approved by a programme's rules, the case withdrawn in
    documentation: the centre paid for identification, the rest given back."""
    w = await make_world(stack)
    stages = {"identification": 100_00, "documentation": 100_00, "assessment": 300_00}
    ok(
        await w.http.put(
            f"/centres/{w.centre_id}/prices/{w.standard.code}",
            json={"stages": stages},
            headers=w.admin.auth,
        )
    )
    funder_id, funds = await funder_staff(stack)
    programme = ok(
        await w.http.post(
            f"/funders/{funder_id}/programmes",
            json={
                "name": "P",
                "budget": 1000_00,
                "auto_approve": True,
                "valid_until": (utcnow() + timedelta(days=365)).isoformat(),
            },
            headers=funds,
        ),
        201,
    )
    run = await new_case(w)
    ok(await run.identify())
    sources = [{"kind": "programme", "programme_id": programme["id"]}]
    ok(
        await w.http.post(
            f"{run.url}/funding", json={"sources": sources}, headers=run.candidate.auth
        )
    )
    ok(
        await w.http.post(
            f"{run.url}/withdrawal", json={"reason": "a new job"}, headers=run.candidate.auth
        )
    )
    view = ok(await w.http.get(f"{run.url}/status", headers=run.candidate.auth))
    assert view["funding"]["sources"][0]["paid"] == 100_00
    await _replay_and_keep(stack.client, run.case_id, "funding-withdrawal")
