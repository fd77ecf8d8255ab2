"""Stackable micro-credentials: a standard's units are credentials of their own; a case
issues one per unit achieved (and the full one when every outcome is), a partial result
keeps the plan of what is left, and a learner who holds a credential of every unit,
from any centres, claims the full credential from the awarding body."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from pydantic import ValidationError

from tests.conftest import Stack
from tests.factories import CaseRun, World, make_world, new_case, ok, ready_to_certify, signed_in
from vnfil.standards.schemas import StandardDocument
from vnfil.standards.service import sample_document
from vnfil.standards.units import plan_of

UNITS = [
    {
        "id": "WS",
        "title": "Shared digital workspaces",
        "outcomes": ["DC1", "DC4"],
        "workload_hours": 20,
    },
    {
        "id": "CW",
        "title": "Coordinating work online",
        "outcomes": ["DC2", "DC3"],
        "workload_hours": 20,
        "ects": 1,
    },
]
PL_UNITS = {"WS": "Wspólne cyfrowe przestrzenie robocze", "CW": "Koordynowanie pracy online"}


def units_standard(**claims: Any) -> StandardDocument:
    doc = sample_document("digital-collaboration").model_dump()
    doc["code"] = f"dc-units-{uuid.uuid4().hex[:8]}"
    doc["units"] = UNITS
    doc["unit_claims"] = claims or {"max_age_years": 5}
    doc["translations"]["pl"]["units"] = PL_UNITS
    return StandardDocument.model_validate(doc)


def test_units_are_checked_as_the_standard_is_read() -> None:
    doc = units_standard().model_dump()
    doc["translations"] = {}

    def refused(units: list[dict[str, Any]], why: str, **more: Any) -> None:
        with pytest.raises(ValidationError) as exc:
            StandardDocument.model_validate({**doc, "units": units, **more})
        assert why in str(exc.value), str(exc.value)

    ws, cw = UNITS
    refused([ws, {**cw, "id": "WS"}], "units: duplicate unit ids: WS")
    refused([ws, {**cw, "outcomes": ["DC2", "DC9"]}], "units.CW: no such learning outcomes: DC9")
    refused(
        [ws, {**cw, "outcomes": ["DC2", "DC3", "DC4"]}],
        "units.CW: DC4 is already in unit WS (an outcome belongs to one unit)",
    )
    refused([ws], "every learning outcome belongs to a unit; not in any: DC2, DC3")
    refused([ws, {k: v for k, v in cw.items() if k != "workload_hours"}], "workload_hours")
    refused([], "unit_claims: the standard declares no units", unit_claims={})
    # A translation names every unit's title, or none.
    with_pl = units_standard().model_dump()
    with_pl["translations"]["pl"]["units"] = {"WS": "tylko jedna"}
    with pytest.raises(ValidationError, match="give the title of every unit"):
        StandardDocument.model_validate(with_pl)
    assert units_standard().in_language("pl").units[0].title == PL_UNITS["WS"]
    # Without units a standard is as it was.
    assert sample_document("digital-collaboration").units == []


def test_the_plan_names_what_is_left_unit_by_unit() -> None:
    std = units_standard()
    plan = plan_of(std, ["DC1", "DC4", "DC2"])
    assert not plan.complete and plan.missing_lo_ids == ["DC3"]
    by_unit = {u.unit_id: u for u in plan.units}
    assert by_unit["WS"].achieved and by_unit["WS"].missing_lo_ids == []
    assert not by_unit["CW"].achieved and by_unit["CW"].missing_lo_ids == ["DC3"]
    assert plan_of(std, ["DC1", "DC2", "DC3", "DC4"]).complete


async def _certified(w: World, run: CaseRun) -> dict[str, Any]:
    return ok(await run.certify())


async def partial_run(w: World, missing: list[str], candidate: Any = None) -> CaseRun:
    """A case whose panel finds ``missing`` not achieved; the candidate accepts."""
    run = (
        await new_case(w)
        if candidate is None
        else CaseRun(w, candidate, await w.open_case(candidate))
    )
    ok(await run.identify())
    await run.add_default_evidence()
    ok(await run.assign())
    ok(await run.submit())
    ok(await run.verify_identity())
    verdict = {lo: False for lo in missing}
    for a in run.assessors:
        ok(await run.decide(a, verdict))
    ok(await run.accept())
    return run


async def signed_file(w: World, who: Any, credential_id: str) -> dict[str, Any]:
    r = await w.http.get(f"/credentials/{credential_id}/credential.json", headers=who.auth)
    assert r.status_code == 200, r.text
    return r.json()


async def test_a_partial_result_issues_the_unit_achieved_and_the_plan(stack: Stack) -> None:
    w = await make_world(stack, units_standard())
    run = await partial_run(w, ["DC2"])
    done = await _certified(w, run)
    assert done["stage"] == "completed" and done["result"] == "partial"
    # One credential: the unit whose outcomes were all achieved; no full one.
    assert done["credential_id"] is None
    assert [u["unit_id"] for u in done["unit_credentials"]] == ["WS"]
    plan = done["plan"]
    assert plan["complete"] is False and plan["missing_lo_ids"] == ["DC2"]
    cw = next(u for u in plan["units"] if u["unit_id"] == "CW")
    assert cw == {
        "unit_id": "CW",
        "title": "Coordinating work online",
        "achieved": False,
        "credential": True,
        "achieved_lo_ids": ["DC3"],
        "missing_lo_ids": ["DC2"],
    }
    unit_id = done["unit_credentials"][0]["credential_id"]
    doc = await signed_file(w, run.candidate, unit_id)
    achievement = doc["credentialSubject"]["achievement"]
    assert doc["name"] == achievement["name"] == "Shared digital workspaces"
    assert achievement["id"].endswith(f"/standards/{w.standard_id}/units/WS")
    assert achievement["humanCode"] == f"{w.standard.code}@{w.standard.version}"
    codes = [
        a["targetCode"] for a in achievement["alignment"] if a["targetType"] == "ceasn:Competency"
    ]
    assert codes == ["DC1", "DC4"]
    elements = {
        a["targetCode"]: a["targetDescription"]
        for a in achievement["alignment"]
        if a["targetType"] == "ext:EUMicroCredentialElement"
    }
    assert elements["notionalWorkloadHours"] == "20"
    assert elements["integrationStackability"].startswith("stackable: unit WS of ")
    assert ok(await w.http.post("/verify", json=doc))["verified"] is True
    # In the learner's backpack, and the plan on the case page in both languages.
    held = ok(await w.http.get("/me/credentials", headers=run.candidate.auth))
    assert unit_id in {c["id"] for c in held}
    assert ok(await w.http.get(f"{run.url}/plan", headers=run.candidate.auth)) == plan
    async with signed_in(stack, run.candidate, "units-pass-1234") as browser:
        page = await browser.get(f"/app/cases/{run.case_id}")
        assert page.status_code == 200
        assert 'id="plan"' in page.text and "still to validate: DC2" in page.text
        assert f"/credentials/{unit_id}/credential.json" in page.text
        pl = await browser.get(f"/app/cases/{run.case_id}?lang=pl")
        assert "Do zwalidowania" in pl.text and "do zwalidowania: DC2" in pl.text
        assert PL_UNITS["WS"] in pl.text


async def test_a_full_result_issues_every_unit_and_the_full_credential(stack: Stack) -> None:
    w = await make_world(stack, units_standard())
    run = await ready_to_certify(w)
    done = await _certified(w, run)
    assert done["plan"] is None and done["credential_id"]
    units = {u["unit_id"]: u["credential_id"] for u in done["unit_credentials"]}
    assert set(units) == {"WS", "CW"}
    full = await signed_file(w, run.candidate, done["credential_id"])
    assert full["credentialSubject"]["achievement"]["id"].endswith("/achievement")
    for cid in [done["credential_id"], *units.values()]:
        doc = await signed_file(w, run.candidate, cid)
        assert ok(await w.http.post("/verify", json=doc))["verified"] is True
    cw = await signed_file(w, run.candidate, units["CW"])
    assert cw["credentialSubject"]["achievement"]["creditsAvailable"] == 1
    held = ok(await w.http.get("/me/credentials", headers=run.candidate.auth))
    assert {done["credential_id"], *units.values()} <= {c["id"] for c in held}


async def test_a_standard_without_units_certifies_as_before(stack: Stack) -> None:
    w = await make_world(stack)
    run = await partial_run(w, ["DC2"])
    done = await _certified(w, run)
    assert done["credential_id"] and done["unit_credentials"] == [] and done["plan"] is None
    # The plan still follows the result (outcome by outcome: there are no units).
    plan = ok(await w.http.get(f"{run.url}/plan", headers=run.candidate.auth))
    assert plan["missing_lo_ids"] == ["DC2"] and plan["units"] == []
