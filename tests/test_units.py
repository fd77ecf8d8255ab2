"""Stackable micro-credentials: a standard's units are credentials of their own; a case
issues one per unit achieved (and the full one when every outcome is), a partial result
keeps the plan of what is left, and a learner who holds a credential of every unit,
from any centres, claims the full credential from the awarding body."""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from jsonschema import Draft201909Validator, FormatChecker
from pydantic import ValidationError

from tests.conftest import Stack
from tests.factories import (
    CaseRun,
    Person,
    World,
    accredit,
    make_world,
    new_case,
    ok,
    ready_to_certify,
    signed_in,
)
from tests.test_interop import OB_SCHEMA, _node_verify
from vnfil.accounts.models import Centre
from vnfil.accounts.schemas import Role
from vnfil.accounts.service import create_user
from vnfil.credentials.document import digest_sri
from vnfil.credentials.models import Credential
from vnfil.credentials.stacking import Presented, Refused, UnitOf, check_units
from vnfil.standards.models import Standard
from vnfil.standards.schemas import StandardDocument, UnitClaims
from vnfil.standards.service import import_standard, sample_document
from vnfil.standards.units import plan_of
from vnfil.trust.registry import DatabaseRegistry

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
    refused(
        [ws, {**cw, "credential": False}],
        "these are not credentials of their own: CW",
        unit_claims={"max_age_years": 3},
    )
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


# --- claiming the full credential -----------------------------------------------------


async def second_centre(stack: Stack, w: World) -> World:
    """Another centre, accredited by the same awarding body for the same code, with its
    own administrator: where the learner validates another unit."""
    async with stack.sessions.begin() as session:
        std = await session.get(Standard, w.standard_id)
        centre = Centre(name=f"Drugi Ośrodek {uuid.uuid4().hex[:6]}", country="PL")
        session.add(centre)
        await session.flush()
        await accredit(session, centre.id, std.awarding_body_id, w.standard.code)
        admin, token = await create_user(
            session,
            name="Admin Two",
            email=f"admin2-{uuid.uuid4().hex[:10]}@test.example",
            role=Role.centre_admin,
            centre_id=centre.id,
        )
        centre_id = centre.id
    return replace(w, centre_id=centre_id, admin=Person(admin.id, token, Role.centre_admin))


async def publish(stack: Stack, w: World, version: int, **claims: Any) -> str:
    """Another version of ``w``'s code, by its awarding body; its id."""
    doc = w.standard.model_copy(
        update={"version": version, "unit_claims": UnitClaims.model_validate(claims)}
    )
    async with stack.sessions.begin() as session:
        std = await session.get(Standard, w.standard_id)
        return (await import_standard(session, doc, std.awarding_body_id)).id


async def claim(w: World, who: Any, **body: Any) -> Any:
    return await w.http.post(
        "/me/qualifications/claims", json={"standard_id": w.standard_id, **body}, headers=who.auth
    )


def refused(r: Any, why: str) -> None:
    assert r.status_code == 422, r.text
    assert why in r.json()["detail"], r.json()["detail"]


async def test_the_full_credential_is_claimed_from_units_of_two_centres(stack: Stack) -> None:
    one = await make_world(stack, units_standard())
    two = await second_centre(stack, one)
    learner = await one.person(Role.candidate)
    # Unit WS at the first centre, unit CW at the second (the other outcomes not achieved).
    first = await _certified(one, await partial_run(one, ["DC2", "DC3"], learner))
    [offered] = ok(await one.http.get("/me/qualifications", headers=learner.auth))
    assert offered["standard_id"] == one.standard_id and offered["units_missing"] == ["CW"]
    second = await _certified(two, await partial_run(two, ["DC1", "DC4"], learner))
    ws = first["unit_credentials"][0]["credential_id"]
    cw = second["unit_credentials"][0]["credential_id"]
    assert [first["unit_credentials"][0]["unit_id"], second["unit_credentials"][0]["unit_id"]] == [
        "WS",
        "CW",
    ]
    ws_doc = await signed_file(one, learner, ws)
    cw_doc = await signed_file(one, learner, cw)
    assert (
        ws_doc["credentialSubject"]["source"]["id"] != cw_doc["credentialSubject"]["source"]["id"]
    )

    # Refused: a unit missing, a tampered file, someone else's credential, a version that
    # does not accept these units.
    refused(await claim(one, learner, credential_ids=[ws]), "no credential of unit CW (")
    tampered = {**ws_doc, "name": "Shared digital workspaces (with honours)"}
    refused(
        await claim(one, learner, credential_ids=[cw], credentials=[tampered]),
        f"credential {ws} does not verify (signature)",
    )
    other = await one.person(Role.candidate)
    theirs = await _certified(one, await partial_run(one, ["DC2", "DC3"], other))
    their_ws = theirs["unit_credentials"][0]["credential_id"]
    refused(
        await claim(one, learner, credential_ids=[their_ws, cw]),
        f"you hold no credential {their_ws}",
    )
    their_doc = await signed_file(one, other, their_ws)
    refused(
        await claim(one, learner, credential_ids=[cw], credentials=[their_doc]),
        f"credential {their_ws} names another person as its learner",
    )
    v2 = await publish(stack, one, 2, max_age_years=5)
    r = await one.http.post(
        "/me/qualifications/claims",
        json={"standard_id": v2, "credential_ids": [ws, cw]},
        headers=learner.auth,
    )
    refused(r, f"is a unit of version 1 of {one.standard.code}; this claim accepts versions 2")
    # In Polish too.
    r = await one.http.post(
        "/me/qualifications/claims",
        json={"standard_id": one.standard_id, "credential_ids": [ws]},
        headers={**learner.auth, "Accept-Language": "pl"},
    )
    assert r.status_code == 422 and "brak poświadczenia części CW" in r.json()["detail"]
    # A revoked unit credential does not count.
    ok(
        await one.http.post(
            f"/credentials/{their_ws}/revocation",
            json={"reason": "issued in error"},
            headers=one.issuer.auth,
        )
    )
    refused(
        await claim(one, other, credential_ids=[their_ws]),
        f"credential {their_ws} does not verify (revocation): revoked on",
    )

    # Both units, from two centres: the backpack offers the claim (in both languages).
    [offered] = ok(await one.http.get("/me/qualifications", headers=learner.auth))
    assert offered["units_held"] == ["WS", "CW"] and offered["units_missing"] == []
    async with signed_in(stack, learner, "units-pass-1234") as browser:
        page = await browser.get("/app/backpack")
        assert f'data-qualification="{one.standard_id}"' in page.text
        assert "Claim the full credential" in page.text
        pl = await browser.get("/app/backpack?lang=pl")
        assert "Złóż wniosek o pełne poświadczenie" in pl.text
    # The awarding body issues the full credential.
    made = ok(await claim(one, learner, credential_ids=[ws, cw]), 201)
    assert sorted(made["unit_credential_ids"]) == sorted([ws, cw])
    full = await signed_file(one, learner, made["credential_id"])
    assert full["issuer"]["id"] == ws_doc["issuer"]["id"] == cw_doc["issuer"]["id"]
    assert "source" not in full["credentialSubject"]  # the awarding body's own
    achievement = full["credentialSubject"]["achievement"]
    assert achievement["id"].endswith(f"/standards/{one.standard_id}/achievement")
    codes = [
        a["targetCode"] for a in achievement["alignment"] if a["targetType"] == "ceasn:Competency"
    ]
    assert codes == ["DC1", "DC2", "DC3", "DC4"]
    evidence = {e["id"]: e for e in full["evidence"]}
    assert set(evidence) == {f"urn:uuid:{ws}", f"urn:uuid:{cw}"}
    async with stack.sessions() as session:
        rows = {c: await session.get(Credential, c) for c in (ws, cw)}
    for cid, row in rows.items():
        e = evidence[f"urn:uuid:{cid}"]
        assert e["genre"] == "Unit credential" and e["digestSRI"] == digest_sri(row.sha256)
    assert "assessed at Drugi Ośrodek" in evidence[f"urn:uuid:{cw}"]["description"]
    checked = ok(await one.http.post("/verify", json=full))
    assert checked["verified"] is True
    assert "from 2 unit credentials" in next(
        c["detail"] for c in checked["checks"] if c["name"] == "accreditation"
    )
    # The same claim again: the same credential; so too from the backpack, unnamed.
    again = ok(await claim(one, learner, credential_ids=[cw, ws]), 200)
    assert again["credential_id"] == made["credential_id"]
    found = ok(await claim(one, learner), 200)
    assert found["credential_id"] == made["credential_id"]
    held = ok(await one.http.get("/me/credentials", headers=learner.auth))
    assert made["credential_id"] in {c["id"] for c in held}
    [offered] = ok(await one.http.get("/me/qualifications", headers=learner.auth))
    assert offered["claimed_credential_id"] == made["credential_id"]
    # A later version that accepts version 1's units issues its own.
    v3 = await publish(stack, one, 3, accepted_versions=[1])
    r = await one.http.post(
        "/me/qualifications/claims",
        json={"standard_id": v3, "credential_ids": [ws, cw]},
        headers=learner.auth,
    )
    later = ok(r, 201)["credential_id"]
    assert later != made["credential_id"]
    # A claimed credential has its certificate and public page like any, and its awarding
    # body revokes it (it has no case: its holder is told).
    pdf = await one.http.get(
        f"/credentials/{made['credential_id']}/certificate.pdf", headers=learner.auth
    )
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    page = await one.http.get(f"/credentials/{made['credential_id']}/verification")
    assert page.status_code == 200 and "Valid credential" in page.text
    ok(
        await one.http.post(
            f"/credentials/{later}/revocation",
            json={"reason": "claimed twice"},
            headers=one.issuer.auth,
        )
    )
    revoked = ok(await one.http.post("/verify", json=await signed_file(one, learner, later)))
    assert revoked["failed"] == "status"
    notices = ok(await one.http.get("/me/notifications", headers=learner.auth))
    assert any(later in json.dumps(n) for n in notices)

    # Another verifier agrees: Digital Bazaar's, and 1EdTech's OB 3.0 schema.
    base = stack.settings.public_base_url
    body = full["issuer"]["id"]
    did_doc = ok(await one.http.get(f"/issuers/{body.rsplit(':', 1)[1]}/did.json"))
    list_url = full["credentialStatus"]["statusListCredential"]
    served = {body: did_doc, list_url: ok(await one.http.get(list_url.removeprefix(base)))}
    results = await asyncio.to_thread(
        _node_verify,
        [full, ws_doc],
        served
        | {
            ws_doc["credentialStatus"]["statusListCredential"]: ok(
                await one.http.get(
                    ws_doc["credentialStatus"]["statusListCredential"].removeprefix(base)
                )
            )
        },
    )
    assert [r["verified"] for r in results] == [True, True], results
    schema = Draft201909Validator(json.loads(OB_SCHEMA.read_text()), format_checker=FormatChecker())
    assert [e.message for e in schema.iter_errors(full)] == []


async def test_a_unit_credential_too_old_for_the_standard_does_not_count(stack: Stack) -> None:
    w = await make_world(stack, units_standard(max_age_years=5))
    run = await ready_to_certify(w)
    done = await _certified(w, run)
    async with stack.sessions() as session:
        std = await session.get(Standard, w.standard_id)
        target = UnitOf(w.standard_id, std.awarding_body_id, w.standard)
        me = ok(await w.http.get("/me", headers=run.candidate.auth))
        presented = []
        for u in done["unit_credentials"]:
            row = await session.get(Credential, u["credential_id"])
            presented.append(Presented(row.id, row.document, row.sha256))

        async def standard_of(standard_id: str) -> UnitOf | None:
            row = await session.get(Standard, standard_id)
            return UnitOf(row.id, row.awarding_body_id, w.standard) if row else None

        registry = DatabaseRegistry(session, stack.settings.public_base_url)
        now = datetime.now(UTC)
        kept = await check_units(
            presented,
            target=target,
            holder_email=me["email"],
            registry=registry,
            standard_of=standard_of,
            now=now,
        )
        assert [u.unit_id for u in kept.units] == ["WS", "CW"]
        assert kept.supervision.value == "supervised-online-identity-verification"
        with pytest.raises(Refused, match="unit credentials count for 5 years"):
            await check_units(
                presented,
                target=target,
                holder_email=me["email"],
                registry=registry,
                standard_of=standard_of,
                now=now + timedelta(days=5 * 366),
            )
        with pytest.raises(Refused, match=r"unit WS is given twice"):
            await check_units(
                presented + presented[:1],
                target=target,
                holder_email=me["email"],
                registry=registry,
                standard_of=standard_of,
                now=now,
            )
