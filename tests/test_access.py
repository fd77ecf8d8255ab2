"""Who may do what: every call carries a token; each role sees only its share."""

from __future__ import annotations

from tests.factories import PDF, invited, make_world, new_case, ok, upload
from vnfil.accounts.schemas import Role


async def test_no_or_bad_token_is_401(stack) -> None:
    r = await stack.http.get("/cases")
    assert r.status_code == 401 and "bearer" in r.json()["detail"]
    r = await stack.http.get("/cases", headers={"Authorization": "Bearer vnfil_nope"})
    assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer")


async def test_candidates_see_only_their_own_cases(stack) -> None:
    w = await make_world(stack)
    mine, theirs = await new_case(w), await new_case(w)
    listed = ok(await w.http.get("/cases", headers=mine.candidate.auth))
    assert [c["id"] for c in listed] == [mine.case_id]
    r = await w.http.get(theirs.url, headers=mine.candidate.auth)
    assert r.status_code == 403 and "own cases" in r.json()["detail"]
    ok(await theirs.identify())
    # Nor can they upload into, or download from, someone else's case.
    assert (await upload(w, theirs.case_id, mine.candidate, PDF, los=["DC1"])).status_code == 403
    ev = ok(await upload(w, theirs.case_id, theirs.candidate, PDF, los=["DC1"]), 201)
    r = await w.http.get(f"{theirs.url}/evidence/{ev['id']}", headers=mine.candidate.auth)
    assert r.status_code == 403


async def test_assessors_see_only_assigned_cases(stack) -> None:
    w = await make_world(stack)
    assigned, other = await new_case(w), await new_case(w)
    ok(await assigned.assign())
    assessor = assigned.assessors[0]
    listed = ok(await w.http.get("/cases", headers=assessor.auth))
    assert [c["id"] for c in listed] == [assigned.case_id]
    ok(await w.http.get(assigned.url, headers=assessor.auth))
    assert (await w.http.get(other.url, headers=assessor.auth)).status_code == 403


async def test_centre_staff_see_only_their_centre(stack) -> None:
    w, other = await make_world(stack), await make_world(stack)
    here, there = await new_case(w), await new_case(other)
    counsellor = await w.person(Role.counsellor)
    for who in (w.admin, counsellor):
        ids = [c["id"] for c in ok(await w.http.get("/cases", headers=who.auth))]
        assert here.case_id in ids and there.case_id not in ids
        r = await w.http.get(there.url, headers=who.auth)
        assert r.status_code == 403 and "centre" in r.json()["detail"]
    # The case read alone (from its row) says what the list (from the model) says of it.
    listed = ok(await w.http.get("/cases", headers=w.admin.auth))
    assert ok(await w.http.get(here.url, headers=w.admin.auth)) == next(
        c for c in listed if c["id"] == here.case_id
    )
    r = await w.http.get("/cases/nope", headers=w.admin.auth)
    assert r.status_code == 404 and r.json()["detail"] == "no case nope"


async def test_issuers_see_only_credentials_of_their_standards(stack) -> None:
    w, other = await make_world(stack), await make_world(stack)
    run = await new_case(w)
    await run.ready_for_decisions()
    for a in run.assessors:
        ok(await run.decide(a))
    ok(await run.accept())
    cred_id = ok(await run.certify())["credential_id"]
    assert [c["id"] for c in ok(await w.http.get("/credentials", headers=w.issuer.auth))] == [
        cred_id
    ]
    assert ok(await w.http.get("/credentials", headers=other.issuer.auth)) == []
    # The centre that issued it lists it (credentials name their centre when issued).
    listed = ok(await w.http.get("/credentials", headers=w.admin.auth))
    assert [c["id"] for c in listed] == [cred_id]
    assert ok(await w.http.get("/credentials", headers=other.admin.auth)) == []
    r = await w.http.get(f"/credentials/{cred_id}", headers=other.issuer.auth)
    assert r.status_code == 403 and "their own standards" in r.json()["detail"]
    # Issuers see credentials, not cases.
    assert (await w.http.get(run.url, headers=w.issuer.auth)).status_code == 403
    assert (await w.http.get("/cases", headers=w.issuer.auth)).status_code == 403
    # The candidate sees their own credential.
    ok(await w.http.get(f"/credentials/{cred_id}", headers=run.candidate.auth))


async def test_roles_are_enforced_per_step(stack) -> None:
    w = await make_world(stack)
    run = await new_case(w)
    ok(await run.identify())
    # A candidate cannot assign a panel, certify, decide or verify identity.
    for method, path, body in (
        ("PUT", "/panel", {"assessor_ids": ["a", "b"]}),
        ("POST", "/certification", None),
        (
            "POST",
            "/decisions",
            {"decisions": [{"lo_id": "DC1", "achieved": True, "rationale": "x"}]},
        ),
        (
            "POST",
            "/identity",
            {"method": "online", "document_type": "id-card", "result": "verified"},
        ),
    ):
        r = await w.http.request(method, run.url + path, json=body, headers=run.candidate.auth)
        assert r.status_code == 403, (path, r.text)
        assert "candidate may not" in r.json()["detail"]
    # Staff cannot upload evidence for the candidate, nor open cases.
    assert (await upload(w, run.case_id, w.admin, PDF, los=["DC1"])).status_code == 403
    r = await w.http.post(
        "/cases",
        json={"standard_id": w.standard_id, "centre_id": w.centre_id},
        headers=w.admin.auth,
    )
    assert r.status_code == 403
    # Nobody creates an account for someone else's address: staff join by invitation.
    r = await w.http.post(
        "/users",
        json={"name": "x", "email": "x@test.example", "role": "assessor"},
        headers=w.admin.auth,
    )
    assert r.status_code == 404  # no such route


async def test_bad_input_is_a_clear_4xx(stack) -> None:
    w = await make_world(stack)
    run = await new_case(w)
    r = await w.http.post(
        f"{run.url}/identification", json={"selected_lo_ids": []}, headers=run.candidate.auth
    )
    assert r.status_code == 422 and "selected_lo_ids" in r.json()["detail"]
    r = await w.http.post(
        f"{run.url}/identification",
        content=b"{not json",
        headers={**run.candidate.auth, "Content-Type": "application/json"},
    )
    assert r.status_code == 422
    r = await w.http.post(
        "/cases", json={"standard_id": "nope", "centre_id": w.centre_id}, headers=run.candidate.auth
    )
    assert r.status_code == 422 and "no standard" in r.json()["detail"]
    assert (await w.http.get("/cases/nope", headers=w.admin.auth)).status_code == 404
    r = await w.http.post("/users/register", json={"name": "a", "email": "not-an-email"})
    assert r.status_code == 422


async def test_text_longer_than_its_column_is_refused_not_a_500(stack) -> None:
    """PostgreSQL refuses strings longer than their column; the API says so first (422)."""
    import uuid

    from vnfil.standards.service import dump_standard, sample_document

    w = await make_world(stack)
    email = f"{uuid.uuid4().hex}@test.example"
    r = await w.http.post("/users/register", json={"name": "x" * 201, "email": email})
    assert r.status_code == 422 and "name" in r.json()["detail"]
    _, token = await invited(stack, w, email, "assessor")
    r = await w.http.post(
        f"/invitations/{token}/acceptance",
        json={"name": "z" * 201, "password": "long enough password"},
    )
    assert r.status_code == 422
    doc = sample_document("digital-collaboration").model_copy(
        update={"code": f"long-{uuid.uuid4().hex[:6]}", "title": "T" * 301}
    )
    r = await w.http.post(
        "/standards", content=dump_standard(doc, "json").encode(), headers=w.issuer.auth
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "title"
    # At the limit, it is kept whole.
    r = await w.http.post("/users/register", json={"name": "Ż" * 200, "email": email})
    assert r.status_code == 201 and r.json()["name"] == "Ż" * 200
