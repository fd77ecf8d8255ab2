"""Accreditation: a centre validates a standard only while the standard's awarding body
accredits it for that code, version and moment; the register is public."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from tests.conftest import Stack
from tests.factories import make_world, new_case, ok, ready_to_certify
from vnfil.accounts.models import Centre
from vnfil.accounts.schemas import Role
from vnfil.trust.models import Accreditation


def _grant(w, centre_id: str, **over: object) -> dict:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC)
    return {
        "centre_id": centre_id,
        "standard_code": w.standard.code,
        "valid_from": (now - timedelta(hours=1)).isoformat(),
        "valid_until": (now + timedelta(days=365)).isoformat(),
        "scope": "all outcomes; portfolio review and interview",
        "qa_body": "Zewnętrzny podmiot zapewniania jakości (PZZJ) nr 7",
        "qa_reference": "PZZJ-7/2026/031",
        **over,
    }


async def test_a_centre_opens_and_certifies_cases_only_while_accredited(stack: Stack) -> None:
    w = await make_world(stack)
    async with stack.sessions.begin() as session:  # type: ignore[attr-defined]
        centre = Centre(name="Centrum bez akredytacji", country="PL", region="Łódzkie")
        session.add(centre)
        await session.flush()
        bare = centre.id
    candidate = await w.person(Role.candidate)
    opening = {"standard_id": w.standard_id, "centre_id": bare}
    r = await w.http.post("/cases", json=opening, headers=candidate.auth)
    assert r.status_code == 409
    assert "holds no accreditation from the awarding body" in r.json()["detail"]

    # The standard's own awarding body accredits it; another body cannot.
    other = await make_world(stack)
    r = await w.http.post("/accreditations", json=_grant(w, bare), headers=other.issuer.auth)
    assert r.status_code == 403 and "belongs to another awarding body" in r.json()["detail"]
    granted = ok(
        await w.http.post("/accreditations", json=_grant(w, bare), headers=w.issuer.auth), 201
    )
    assert granted["status"] == "active" and granted["qa_reference"] == "PZZJ-7/2026/031"
    ok(await w.http.post("/cases", json=opening, headers=candidate.auth), 201)

    # Suspended: nothing opens, nothing is certified; reinstated: both again.
    run = await ready_to_certify(w)  # the world's own centre, accredited by the factory
    async with stack.sessions() as session:  # type: ignore[operator]
        own = await session.scalar(
            select(Accreditation.id).where(Accreditation.centre_id == w.centre_id)
        )
    suspend = {"status": "suspended", "reason": "QA visit found no second assessor"}
    changed = ok(
        await w.http.post(f"/accreditations/{own}/status", json=suspend, headers=w.issuer.auth)
    )
    assert changed["status"] == "suspended"
    r = await run.certify()
    assert r.status_code == 409
    assert "suspended: QA visit found no second assessor" in r.json()["detail"]
    r = await w.http.post(
        "/cases",
        json={"standard_id": w.standard_id, "centre_id": w.centre_id},
        headers=candidate.auth,
    )
    assert r.status_code == 409 and "suspended" in r.json()["detail"]
    back = {"status": "active", "reason": "second assessor appointed"}
    ok(await w.http.post(f"/accreditations/{own}/status", json=back, headers=w.issuer.auth))
    assert ok(await run.certify())["stage"] == "completed"

    # Expired: refused, saying when it ended.
    async with stack.sessions.begin() as session:  # type: ignore[attr-defined]
        await session.execute(
            update(Accreditation)
            .where(Accreditation.id == own)
            .values(valid_until=datetime.now(UTC) - timedelta(days=1))
        )
    r = await w.http.post(
        "/cases",
        json={"standard_id": w.standard_id, "centre_id": w.centre_id},
        headers=candidate.auth,
    )
    assert r.status_code == 409 and "ended on" in r.json()["detail"]

    # Withdrawal is final.
    withdraw = {"status": "withdrawn", "reason": "the centre closed"}
    ok(await w.http.post(f"/accreditations/{own}/status", json=withdraw, headers=w.issuer.auth))
    r = await w.http.post(f"/accreditations/{own}/status", json=back, headers=w.issuer.auth)
    assert r.status_code == 409 and "withdrawn cannot become active" in r.json()["detail"]
    r = await w.http.post(f"/accreditations/{own}/status", json=suspend, headers=other.issuer.auth)
    assert r.status_code == 404

    # Every change is an event for the awarding body (feed and webhooks).
    feed = ok(await w.http.get("/events", headers=w.issuer.auth))["events"]
    changes = [e["data"]["change"] for e in feed if e["type"] == "accreditation.changed"]
    assert changes == ["granted", "suspended", "active", "withdrawn"]


async def test_the_register_is_public_paged_and_refuses_bad_grants(stack: Stack) -> None:
    w = await make_world(stack)
    listed = ok(await w.http.get(f"/accreditations?centre_id={w.centre_id}"))  # no sign-in
    assert [(a["standard_code"], a["status"]) for a in listed] == [(w.standard.code, "active")]
    assert listed[0]["valid_until"].endswith(("Z", "+00:00"))  # UTC on both databases
    one = await w.http.get(f"/accreditations?centre_id={w.centre_id}&limit=1")
    assert len(ok(one)) == 1 and "Link" not in one.headers  # no page after the only one
    r = await w.http.get("/accreditations?centre_id=%27%20OR%201=1")
    assert r.status_code == 422
    backwards = _grant(w, w.centre_id, valid_until="2020-01-01T00:00:00Z")
    r = await w.http.post("/accreditations", json=backwards, headers=w.issuer.auth)
    assert r.status_code == 422 and "valid_until must be after valid_from" in r.text
    r = await w.http.post(
        "/accreditations",
        json=_grant(w, w.centre_id, standard_code="no-such-code"),
        headers=w.issuer.auth,
    )
    assert r.status_code == 422 and "no standard with the code no-such-code" in r.text
    r = await w.http.post("/accreditations", json=_grant(w, w.centre_id), headers=w.admin.auth)
    # A centre does not accredit itself.
    assert r.status_code == 403 and "allowed: issuer" in r.json()["detail"]
    run = await new_case(w)  # the factory's accreditation lets the world work as before
    assert run.case_id


async def test_an_accreditation_holds_only_for_its_versions_of_the_standard(
    stack: Stack,
) -> None:
    """Granted for version 1 only: the centre opens no case on version 2 of the code."""
    from vnfil.standards.service import dump_standard

    w = await make_world(stack)
    async with stack.sessions.begin() as session:  # type: ignore[attr-defined]
        centre = Centre(name="Centrum wersji 1", country="PL", region="Opolskie")
        session.add(centre)
        await session.flush()
        bare = centre.id
    ok(
        await w.http.post(
            "/accreditations", json=_grant(w, bare, max_version=1), headers=w.issuer.auth
        ),
        201,
    )
    v2 = w.standard.model_copy(update={"version": 2})
    later = ok(
        await w.http.post(
            "/standards", content=dump_standard(v2, "json").encode(), headers=w.issuer.auth
        ),
        201,
    )
    candidate = await w.person(Role.candidate)
    r = await w.http.post(
        "/cases", json={"standard_id": later["id"], "centre_id": bare}, headers=candidate.auth
    )
    assert r.status_code == 409
    assert (
        f"holds no accreditation from the awarding body for {w.standard.code} version 2"
        in (r.json()["detail"])
    )
    ok(
        await w.http.post(
            "/cases", json={"standard_id": w.standard_id, "centre_id": bare}, headers=candidate.auth
        ),
        201,
    )


async def test_the_workflow_refuses_to_certify_when_the_accreditation_went_meanwhile(
    stack: Stack,
) -> None:
    """Suspended after the API checked: the issuing activity refuses too (409 through the
    same mapping), is not retried, and the case stays certifiable once reinstated."""
    import pytest
    from fastapi import HTTPException

    from api.cases import run_step
    from vnfil.accounts.schemas import Actor
    from vnfil.platform.temporal import workflow_id
    from workflows.case import ValidationCase

    w = await make_world(stack)
    run = await ready_to_certify(w)
    here = Accreditation.centre_id == w.centre_id
    async with stack.sessions.begin() as session:  # type: ignore[attr-defined]
        await session.execute(
            update(Accreditation).where(here).values(status="suspended", status_reason="audit")
        )
    handle = stack.client.get_workflow_handle_for(ValidationCase.run, workflow_id(run.case_id))
    admin = Actor(user_id=w.admin.id, role=Role.centre_admin)
    with pytest.raises(HTTPException) as refused:
        await run_step(lambda: handle.execute_update(ValidationCase.certify, admin))
    assert refused.value.status_code == 409
    assert "not certified: the centre's accreditation" in refused.value.detail
    async with stack.sessions.begin() as session:  # type: ignore[attr-defined]
        await session.execute(update(Accreditation).where(here).values(status="active"))
    assert ok(await run.certify())["stage"] == "completed"


async def test_verification_says_whether_the_centre_was_accredited_on_the_day_of_issue(
    stack: Stack,
) -> None:
    from tests.factories import certified_case

    w = await make_world(stack)
    _, status = await certified_case(w)
    doc = ok(await w.http.get(f"/credentials/{status['credential_id']}", headers=w.issuer.auth))[
        "document"
    ]
    source = doc["credentialSubject"]["source"]
    assert source["id"].endswith(f"/centres/{w.centre_id}") and source["type"] == ["Profile"]

    def check(result: dict) -> dict:  # type: ignore[type-arg]
        return next(c for c in result["checks"] if c["name"] == "accreditation")

    result = ok(await w.http.post("/verify", json=doc))
    assert result["verified"] is True and "QA-TEST-1" in check(result)["detail"]
    # Withdrawn afterwards: the credential stands (it was issued under accreditation),
    # and verification says what happened since.
    async with stack.sessions() as session:  # type: ignore[operator]
        own = await session.scalar(
            select(Accreditation.id).where(Accreditation.centre_id == w.centre_id)
        )
    gone = {"status": "withdrawn", "reason": "the centre closed"}
    ok(await w.http.post(f"/accreditations/{own}/status", json=gone, headers=w.issuer.auth))
    result = ok(await w.http.post("/verify", json=doc))
    assert result["verified"] is True
    assert (
        "withdrawn since" in check(result)["detail"]
        and "the centre closed" in check(result)["detail"]
    )
    # Not accredited on the day of issue (its accreditation began later): refused, plainly.
    async with stack.sessions.begin() as session:  # type: ignore[attr-defined]
        await session.execute(
            update(Accreditation)
            .where(Accreditation.id == own)
            .values(valid_from=datetime.now(UTC) + timedelta(days=1))
        )
    result = ok(await w.http.post("/verify", json=doc))
    assert result["verified"] is False and result["failed"] == "accreditation"
    assert "held no valid accreditation from the issuer" in check(result)["detail"]
    page = await w.http.get(f"/credentials/{status['credential_id']}/verification")
    assert page.status_code == 200 and "held no valid accreditation" in page.text
    # The page names the centre (linked to its registry entry) and the check, in both
    # languages, and says the register was consulted.
    assert f'href="{stack.settings.public_base_url}/centres/{w.centre_id}"' in page.text
    assert "Validation centre / Instytucja walidująca" in page.text
    assert "centre accredited / uprawnienie instytucji" in page.text
    assert "the accreditation register" in " ".join(page.text.split())


async def test_a_retried_grant_is_one_grant_and_its_workflow_replays(stack: Stack) -> None:
    """The same Idempotency-Key on a retry: the same accreditation, one event. The
    ``AccreditationUpdate`` history replays on today's code, and the committed one too."""
    from temporalio.client import WorkflowHistory
    from temporalio.contrib.pydantic import pydantic_data_converter
    from temporalio.worker import Replayer

    from api.routes.trust import request_id_for
    from tests.test_replay import HISTORIES
    from vnfil.events.models import Event
    from workflows.accreditation import AccreditationUpdate

    w = await make_world(stack)
    async with stack.sessions.begin() as session:  # type: ignore[attr-defined]
        centre = Centre(name="Centrum ponowień", country="PL", region="Lubuskie")
        session.add(centre)
        await session.flush()
        bare = centre.id
    key = {"Idempotency-Key": f"grant-{bare}"}
    first = ok(
        await w.http.post(
            "/accreditations", json=_grant(w, bare), headers={**w.issuer.auth, **key}
        ),
        201,
    )
    again = ok(
        await w.http.post(
            "/accreditations", json=_grant(w, bare), headers={**w.issuer.auth, **key}
        ),
        201,
    )
    assert again["id"] == first["id"] and again["credential"] == first["credential"]
    register = ok(await w.http.get("/accreditations", params={"centre_id": bare}))
    assert [a["id"] for a in register] == [first["id"]]
    async with stack.sessions() as session:  # type: ignore[operator]
        granted = list(await session.scalars(select(Event.id).where(Event.subject == first["id"])))
    assert len(granted) == 1

    me = ok(await w.http.get("/me", headers=w.issuer.auth))
    wid = "accreditation-" + request_id_for(
        me["awarding_body_id"], me["id"], "grant", key["Idempotency-Key"]
    )
    history = await stack.client.get_workflow_handle(wid).fetch_history()  # type: ignore[attr-defined]
    replayer = Replayer(workflows=[AccreditationUpdate], data_converter=pydantic_data_converter)
    await replayer.replay_workflow(history)
    committed = HISTORIES / "accreditation-v1-grant.json"
    if os.environ.get("VNFIL_RECORD_HISTORY") == committed.stem:
        committed.write_text(history.to_json())
    await replayer.replay_workflow(WorkflowHistory.from_json(wid, committed.read_text()))
