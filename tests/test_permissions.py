"""The whole permissions matrix: every endpoint × every kind of caller, on one centre's
certified case. Anyone not allowed gets 401, 403 or 404, never the data or the action;
lists show outsiders nothing of it. A new endpoint fails here until it is declared."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from tests.conftest import Stack
from tests.factories import certified_case, funder_staff, make_world, ok, operator
from vnfil.accounts.schemas import Role
from vnfil.trust.models import Accreditation

# The callers: world A owns the case; world B is another centre and awarding body.
A_CASE = {"a_candidate", "a_counsellor", "a_assessor", "a_supervisor", "a_admin"}
A_ALL = A_CASE | {"a_issuer", "a_free_assessor"}
B_ALL = {"b_candidate", "b_counsellor", "b_assessor", "b_supervisor", "b_admin", "b_issuer"}
FUNDERS = {"a_funder", "b_funder"}  # staff of the matrix's funder, and of another
SIGNED_IN = A_ALL | B_ALL | FUNDERS | {"operator"}
EVERYONE = SIGNED_IN | {"anonymous"}
CANDIDATES = {"a_candidate", "b_candidate"}
ISSUERS = {"a_issuer", "b_issuer"}
ADMINS = {"a_admin", "b_admin"}
CREDENTIAL_SEERS = A_CASE | {"a_issuer"}

# Who may reach each endpoint with world A's ids in its path.
MATRIX: dict[str, set[str]] = {
    "POST /funders": {"operator"},
    "GET /funders/{funder_id}": {"operator", "a_funder"},
    "POST /funders/{funder_id}/grants": {"a_funder"},
    "GET /funders/{funder_id}/grants": {"operator", "a_funder"},
    "POST /funders/{funder_id}/invitations": {"operator", "a_funder"},
    "GET /me/learning-account": SIGNED_IN,
    "PUT /centres/{centre_id}/prices/{standard_code}": {"a_admin"},
    "GET /centres/{centre_id}/prices": EVERYONE,
    "POST /funders/{funder_id}/programmes": {"a_funder"},
    "GET /funders/{funder_id}/programmes": {"operator", "a_funder"},
    "GET /programmes": EVERYONE,
    "POST /cases/{case_id}/funding": {"a_candidate"},
    "POST /cases/{case_id}/funding/decisions": {"a_funder"},
    "GET /funders/{funder_id}/requests": {"operator", "a_funder"},
    "GET /funders/{funder_id}/report": {"operator", "a_funder"},
    "GET /funders/{funder_id}/report.csv": {"operator", "a_funder"},
    # Employer cohorts (a_funder is an employer): its staff only, never the operator.
    "POST /funders/{funder_id}/cohorts": {"a_funder"},
    "GET /funders/{funder_id}/cohorts": {"a_funder"},
    "GET /funders/{funder_id}/cohorts/{cohort_id}": {"a_funder"},
    "POST /funders/{funder_id}/cohorts/{cohort_id}/members": {"a_funder"},
    "GET /funders/{funder_id}/cohorts/{cohort_id}/credentials": {"a_funder"},
    "GET /me/cohorts": SIGNED_IN,
    "POST /me/cohorts/{cohort_id}/join": {"a_candidate"},  # invited
    "PUT /me/cohorts/{cohort_id}/consent": {"a_candidate"},
    "GET /accreditations": EVERYONE,  # the public register
    "GET /accreditations/{accreditation_id}": EVERYONE,
    "POST /awarding-bodies": {"operator"},
    "GET /awarding-bodies/{awarding_body_id}/invitations": {"a_issuer", "operator"},
    "POST /awarding-bodies/{awarding_body_id}/invitations": {"a_issuer", "operator"},
    "POST /centres": {"operator"},
    "GET /centres/{centre_id}": EVERYONE,  # the centre's registry entry
    "GET /registry/awarding-bodies": EVERYONE,
    "GET /registry/centres": EVERYONE,
    "POST /accreditations": {"a_issuer"},  # world A's centre and code, in the body
    "POST /accreditations/{accreditation_id}/status": {"a_issuer"},
    "POST /auth/login": EVERYONE,
    "POST /auth/password-reset": EVERYONE,
    "POST /auth/password-reset/{token}": EVERYONE,
    "POST /auth/logout": SIGNED_IN,
    "POST /auth/membership": SIGNED_IN,
    "GET /auth/session": set(),  # browsers only: a bearer token has no session
    "GET /cases": SIGNED_IN
    - ISSUERS
    - FUNDERS
    - {"operator"},  # filtered: see the leak check below
    "POST /cases": CANDIDATES,
    "GET /cases/{case_id}": A_CASE,
    "POST /cases/{case_id}/appeal": {"a_candidate"},
    "GET /cases/{case_id}/audit": A_CASE,
    "POST /cases/{case_id}/certification": {"a_admin"},
    "POST /cases/{case_id}/conflicts": A_CASE - {"a_candidate"},
    "POST /cases/{case_id}/counselling": {"a_counsellor"},
    "POST /cases/{case_id}/deadline-extension": {"a_admin"},
    "POST /cases/{case_id}/decisions": {"a_assessor"},
    "PUT /cases/{case_id}/decisions/mine": {"a_assessor"},
    "GET /cases/{case_id}/evidence": A_CASE,
    "POST /cases/{case_id}/evidence": {"a_candidate"},
    "GET /cases/{case_id}/evidence/{evidence_id}": A_CASE,
    "DELETE /cases/{case_id}/evidence/{evidence_id}": {"a_candidate"},
    "POST /cases/{case_id}/identification": {"a_candidate", "a_counsellor", "a_admin"},
    "POST /cases/{case_id}/identity": {"a_supervisor"},
    "POST /cases/{case_id}/identity/photo": {"a_supervisor"},
    "PUT /cases/{case_id}/panel": {"a_admin"},
    "GET /cases/{case_id}/portfolio-completeness": A_CASE,
    "POST /cases/{case_id}/portfolio-review": {"a_counsellor"},
    "POST /cases/{case_id}/resolution": {"a_assessor"},
    "POST /cases/{case_id}/result-acceptance": {"a_candidate"},
    "POST /cases/{case_id}/sessions": {"a_admin"},
    "GET /cases/{case_id}/stage-records": A_CASE,
    "GET /cases/{case_id}/status": A_CASE,
    "GET /cases/{case_id}/plan": A_CASE,
    "POST /cases/{case_id}/submission": {"a_candidate"},
    "POST /cases/{case_id}/withdrawal": {"a_candidate"},
    "GET /centres/{centre_id}/figures": {"a_admin"},
    "GET /centres/{centre_id}/invitations": {"a_admin", "operator"},
    "POST /centres/{centre_id}/invitations": {"a_admin", "operator"},
    "GET /centres/{centre_id}/workflows": {"a_admin"},
    "GET /credentials": CANDIDATES | ISSUERS | ADMINS | {"a_counsellor", "b_counsellor"},
    "GET /credentials/{credential_id}": CREDENTIAL_SEERS,
    "GET /credentials/{credential_id}/credential.json": CREDENTIAL_SEERS,
    # Public as the verification page is (tests/test_elm.py hides it: then seers only).
    "GET /credentials/{credential_id}/elm.json": EVERYONE,
    "GET /credentials/{credential_id}/certificate.html": CREDENTIAL_SEERS,
    "GET /credentials/{credential_id}/certificate.pdf": CREDENTIAL_SEERS,
    "POST /credentials/{credential_id}/revocation": {"a_issuer", "a_admin"},
    "GET /credentials/{credential_id}/verification": EVERYONE,
    "GET /events": ISSUERS | FUNDERS,  # filtered: each its own organisation's
    "POST /events/{event_id}/redeliveries": {"a_issuer"},
    "GET /health": EVERYONE,
    "GET /health/live": EVERYONE,
    "GET /health/ready": EVERYONE,
    "POST /invitations/{token}/acceptance": EVERYONE,
    "GET /issuers/{awarding_body_id}": EVERYONE,
    "GET /issuers/{awarding_body_id}/did.json": EVERYONE,
    "GET /me": SIGNED_IN,
    "GET /me/notifications": SIGNED_IN,
    "POST /me/notifications/read": SIGNED_IN,
    "PUT /me/preferences": SIGNED_IN,
    "GET /me/credentials": SIGNED_IN,  # the caller's own: see the leak check below
    # Claims the full credential from the caller's own unit credentials (world A's standard
    # has no units: each is refused for that, 409, after the permission checks).
    "POST /me/qualifications/claims": SIGNED_IN,
    "GET /me/qualifications": SIGNED_IN,  # the caller's own
    "PUT /me/credentials/{credential_id}/public-page": {"a_candidate"},
    "POST /me/credentials/{credential_id}/shares": {"a_candidate"},
    "DELETE /me/credentials/{credential_id}/shares/{share_id}": {"a_candidate"},
    "GET /shared/{share_token}": EVERYONE,
    "POST /me/credentials/{credential_id}/offers": {"a_candidate"},
    "GET /.well-known/openid-credential-issuer": EVERYONE,
    "GET /.well-known/oauth-authorization-server": EVERYONE,
    "GET /oid4vci/offers/{code}": set(),  # a wallet with the offer's code; none here
    "POST /oid4vci/nonce": EVERYONE,
    "POST /oid4vci/token": EVERYONE,  # a wallet with the codes; refused (400) without them
    "POST /oid4vci/credential": EVERYONE,  # a wallet with its access token
    "GET /shared/{share_token}/credential.json": EVERYONE,
    "POST /me/credentials/{credential_id}/exchanges": {"a_candidate"},
    "GET /interactions/{exchange_id}": set(),  # a wallet with the exchange's secret; none here
    "POST /exchanges/{exchange_id}": set(),  # the same: 404 without it
    "PUT /me/password": SIGNED_IN,
    "POST /me/token": SIGNED_IN,
    "GET /standards": SIGNED_IN,
    "POST /standards": ISSUERS,
    "GET /standards/{standard_id}": SIGNED_IN,
    "GET /standards/{standard_id}/export": SIGNED_IN,
    "GET /status/{list_id}": EVERYONE,
    "POST /users/register": EVERYONE,
    "POST /verify": EVERYONE,
    "GET /webhooks": ISSUERS | FUNDERS,  # filtered
    "POST /webhooks": ISSUERS | FUNDERS,
    "DELETE /webhooks/{sub_id}": {"a_issuer"},
    "GET /webhooks/{sub_id}/deliveries": {"a_issuer"},
    "POST /webhooks/{sub_id}/secret-rotation": {"a_issuer"},
}

# Valid bodies, so a refusal is never a 422 hiding whether the caller was allowed.
BODIES: dict[str, dict[str, Any]] = {
    "POST /funders": {"name": "Matrix funder", "kind": "public_programme", "country": "PL"},
    "POST /funders/{funder_id}/grants": {
        "email": "nobody@test.example",
        "amount": 100_00,
        "valid_until": "2030-01-01T00:00:00Z",
        "reason": "the matrix",
    },
    "POST /funders/{funder_id}/invitations": {"email": "new@test.example"},
    "POST /funders/{funder_id}/cohorts/{cohort_id}/members": {"emails": ["new@test.example"]},
    "PUT /me/cohorts/{cohort_id}/consent": {"share_credential": True},
    "PUT /centres/{centre_id}/prices/{standard_code}": {"amount": 800_00},
    "POST /cases/{case_id}/funding": {"sources": [{"kind": "self"}]},
    "POST /cases/{case_id}/funding/decisions": {
        "programme_id": "no-such-programme",
        "approve": True,
        "reason": "the matrix",
    },
    "POST /funders/{funder_id}/programmes": {
        "name": "Matrix programme",
        "budget": 1000_00,
        "valid_until": "2030-01-01T00:00:00Z",
    },
    "POST /accreditations/{accreditation_id}/status": {"status": "suspended", "reason": "QA"},
    "POST /auth/membership": {"membership_id": "none"},
    "POST /cases/{case_id}/appeal": {"reason": "the panel overlooked my reference letter"},
    "POST /cases/{case_id}/conflicts": {"user_id": "someone", "reason": "a former colleague"},
    "POST /cases/{case_id}/deadline-extension": {"days": 7, "reason": "illness"},
    "POST /cases/{case_id}/decisions": {"decisions": []},
    "PUT /cases/{case_id}/decisions/mine": {"decisions": []},
    "POST /centres/{centre_id}/invitations": {
        "email": "new@test.example",
        "role": "centre_admin",
    },
    "POST /awarding-bodies/{awarding_body_id}/invitations": {"email": "new@test.example"},
    "POST /awarding-bodies": {"name": "Matrix awarding body", "country": "PL"},
    "POST /centres": {"name": "Matrix centre", "country": "PL", "region": "Pomorskie"},
    "POST /credentials/{credential_id}/revocation": {"reason": "matrix test"},
    "POST /cases/{case_id}/withdrawal": {"reason": "matrix test"},
    "PUT /me/password": {"current_password": "x", "new_password": "a long new password"},
    "PUT /me/credentials/{credential_id}/public-page": {"public": True},
    "POST /me/credentials/{credential_id}/shares": {"name": "for my new employer"},
    "POST /me/token": {"password": "not the password"},
    "POST /webhooks": {"url": "http://127.0.0.1:9/hook"},
}


def _content(op: str, headers: dict[str, str], credential: dict[str, Any]) -> dict[str, Any]:
    """A valid request for ``op``, so a refusal is never a 422 hiding whether the caller was
    allowed."""
    method = op.split(" ", 1)[0]
    if op in BODIES:
        return {"headers": headers, "json": BODIES[op]}
    if op == "POST /verify":
        return {"headers": headers, "json": credential}
    if op == "POST /cases/{case_id}/evidence" or op.endswith("/identity/photo"):
        return {
            "headers": headers,
            "files": {"file": ("x.pdf", b"%PDF-1.4 matrix", "application/pdf")},
        }
    if method in ("POST", "PUT"):
        return {"headers": headers, "json": {}}
    return {"headers": headers}


def _poisoned(body: Any) -> Any:
    """The body with a NUL byte in every string and 2**70 for every number."""
    if isinstance(body, dict):
        return {k: _poisoned(v) for k, v in body.items()}
    if isinstance(body, list):
        return [_poisoned(v) for v in body]
    if isinstance(body, str):
        return body + "\x00"
    if isinstance(body, int) and not isinstance(body, bool):
        return 2**70
    return body


# Allowed callers whose write is answered 401/403/404 for a reason that is not permission:
# a wrong current password, an invitation token that does not exist, a membership id that
# is not the caller's.
ALLOWED_WRITE_ANSWERS: dict[str, set[int]] = {
    "PUT /me/password": {401, 403},
    "POST /me/token": {401, 403},  # the password is asked again
    "POST /oid4vci/credential": {401},  # no access token in the matrix's requests
    "POST /invitations/{token}/acceptance": {404},
    "POST /auth/membership": {403, 404},
    "POST /auth/login": {401},
    # The matrix's case is certified and has no fee: a funding request is a 409 for its
    # candidate, a decision a 404 for its funder (nothing was asked of it).
    "POST /cases/{case_id}/funding": {409},
    "POST /cases/{case_id}/funding/decisions": {404},
    "POST /auth/password-reset/{token}": {404},  # no such link
}


@pytest.mark.one_database
async def test_every_role_on_every_endpoint(stack: Stack) -> None:
    a, b = await make_world(stack), await make_world(stack)
    run, status = await certified_case(a)
    assert run.counsellor and run.supervisor and run.assessors
    tokens: dict[str, dict[str, str]] = {
        "anonymous": {},
        "a_candidate": run.candidate.auth,
        "a_counsellor": run.counsellor.auth,
        "a_assessor": run.assessors[0].auth,
        "a_supervisor": run.supervisor.auth,
        "a_admin": a.admin.auth,
        "a_issuer": a.issuer.auth,
        "a_free_assessor": (await a.person(Role.assessor)).auth,
        "b_admin": b.admin.auth,
        "b_issuer": b.issuer.auth,
        "operator": (await operator(stack)).auth,
    }
    for role in ("candidate", "counsellor", "assessor", "supervisor"):
        tokens[f"b_{role}"] = (await b.person(Role(role))).auth
    funder_ids = {}
    for who in sorted(FUNDERS):
        funder_ids[who], tokens[who] = await funder_staff(
            stack, kind="employer" if who == "a_funder" else "public_programme"
        )
    assert set(tokens) == EVERYONE
    assert not a.http.cookies, "the shared client must not carry a session: anonymous is anonymous"

    sub = ok(
        await a.http.post("/webhooks", json={"url": "http://127.0.0.1:9/x"}, headers=a.issuer.auth),
        201,
    )
    events = ok(await a.http.get("/events", headers=a.issuer.auth))["events"]
    async with stack.sessions() as session:  # type: ignore[operator]
        accreditation = await session.scalar(
            select(Accreditation).where(Accreditation.centre_id == a.centre_id)
        )
    assert accreditation is not None
    evidence = ok(await a.http.get(f"{run.url}/evidence", headers=a.admin.auth))
    cred = ok(await a.http.get(f"/credentials/{status['credential_id']}", headers=a.admin.auth))
    status_url = cred["document"]["credentialStatus"]["statusListCredential"]
    share = ok(
        await a.http.post(
            f"/me/credentials/{status['credential_id']}/shares",
            json={"name": "the matrix's link"},
            headers=run.candidate.auth,
        ),
        201,
    )
    ids = {
        "code": "no-such-offer-code",
        "exchange_id": "no-such-exchange",
        "share_id": share["id"],
        "share_token": share["url"].rsplit("/", 1)[1],
        "case_id": run.case_id,
        "evidence_id": evidence[0]["id"],
        "centre_id": a.centre_id,
        "credential_id": status["credential_id"],
        "event_id": events[0]["id"],
        "sub_id": sub["id"],
        "standard_id": a.standard_id,
        "list_id": status_url.rsplit("/", 1)[1],
        "awarding_body_id": cred["awarding_body_id"],
        "token": "inv_not_a_real_invitation",
        "accreditation_id": accreditation.id,
        "funder_id": funder_ids["a_funder"],
        "standard_code": a.standard.code,
    }
    me = ok(await a.http.get("/me", headers=run.candidate.auth))
    BODIES["POST /funders/{funder_id}/grants"]["email"] = me["email"]
    # An employer's cohort at world A, with A's candidate invited to it.
    programme = ok(
        await a.http.post(
            f"/funders/{ids['funder_id']}/programmes",
            json={"name": "Matrix pool", "budget": 1000_00, "valid_until": "2030-01-01T00:00:00Z"},
            headers=tokens["a_funder"],
        ),
        201,
    )
    BODIES["POST /funders/{funder_id}/cohorts"] = {
        "name": "Matrix cohort",
        "standard_id": a.standard_id,
        "centre_id": a.centre_id,
        "programme_id": programme["id"],
    }
    cohort = ok(
        await a.http.post(
            f"/funders/{ids['funder_id']}/cohorts",
            json=BODIES["POST /funders/{funder_id}/cohorts"],
            headers=tokens["a_funder"],
        ),
        201,
    )
    ids["cohort_id"] = cohort["id"]
    ok(
        await a.http.post(
            f"/funders/{ids['funder_id']}/cohorts/{cohort['id']}/members",
            json={"emails": [me["email"]]},
            headers=tokens["a_funder"],
        )
    )
    BODIES["POST /me/qualifications/claims"] = {"standard_id": a.standard_id}
    BODIES["POST /accreditations"] = {
        "centre_id": a.centre_id,
        "standard_code": a.standard.code,
        "valid_from": "2026-01-01T00:00:00Z",
        "valid_until": "2030-01-01T00:00:00Z",
        "qa_body": "QA",
        "qa_reference": "R-1",
    }

    # Every endpoint the app serves is declared above.
    served = {
        f"{method.upper()} {path}"
        for path, ops in a.http._transport.app.openapi()["paths"].items()  # type: ignore[attr-defined]
        for method in ops
    }
    assert served == set(MATRIX), (
        f"undeclared: {served - set(MATRIX)}; gone: {set(MATRIX) - served}"
    )

    leaks: list[str] = []
    checked = 0
    for op, allowed in sorted(MATRIX.items()):
        method, template = op.split(" ", 1)
        path = template.format(**ids)
        for who, headers in sorted(tokens.items()):
            if who in allowed and method != "GET":
                continue  # allowed writes: see below
            r = await a.http.request(method, path, **_content(op, headers, cred["document"]))
            checked += 1
            if who in allowed:
                if not 200 <= r.status_code < 300:  # an allowed read answers, fully
                    leaks.append(f"{who} refused {op}: {r.status_code} {r.text[:120]}")
            elif r.status_code not in (401, 403, 404):
                leaks.append(f"{who} reached {op}: {r.status_code} {r.text[:120]}")
    assert not leaks, "\n".join(leaks)
    assert checked >= 600

    # Hostile input, for one allowed caller of each endpoint: a NUL byte in every string
    # of its body, a number beyond any column, a control character in its address. Each is
    # a 4xx that says what is wrong, never a 500.
    hostile: list[str] = []
    for op, allowed in sorted(MATRIX.items()):
        method, template = op.split(" ", 1)
        who = sorted(allowed)[0] if allowed else "anonymous"
        path = template.format(**ids)
        r = await a.http.request(method, path + "?limit=1%00", headers=tokens[who])
        if r.status_code != 400 or "control character" not in r.text:
            hostile.append(f"{op} with %00 in its query: {r.status_code} {r.text[:120]}")
        if op not in BODIES and method not in ("POST", "PUT"):
            continue
        for body in (_poisoned(BODIES.get(op, {"name": "x", "reason": "x"})), {"n": 2**70}):
            r = await a.http.request(method, path, json=body, headers=tokens[who])
            if r.status_code >= 500:
                hostile.append(f"{op} with {str(body)[:60]}: {r.status_code} {r.text[:120]}")
    assert not hostile, "\n".join(hostile)

    # Lists: outsiders see nothing of world A.
    secrets = (run.case_id, status["credential_id"], sub["id"], events[0]["id"])
    for who in sorted(B_ALL | {"a_free_assessor"}):
        for path in (
            "/cases",
            "/credentials",
            "/events",
            "/webhooks",
            "/me/notifications",
            "/me/credentials",
        ):
            r = await a.http.get(path, headers=tokens[who])
            if r.status_code == 200:
                for secret in secrets:
                    assert secret not in r.text, f"{who} sees {secret} in {path}"
    # Nothing the refused callers tried changed anything.
    final = ok(await a.http.get(run.url, headers=a.admin.auth))
    assert final["stage"] == "completed" and final["status"] == "completed"
    assert ok(await a.http.post("/verify", json=cred["document"]))["verified"] is True

    # Allowed writes: every allowed caller gets past the permission checks. On this
    # certified case the answer is then the action taken (2xx) or the case's own refusal
    # (409: the stage is over; 422: the step's content), never 401/403/404 nor a 5xx.
    # Writes that end the caller's access or the objects named in later paths go last.
    last = ["DELETE /webhooks/{sub_id}", "POST /auth/logout"]
    writes = sorted(op for op in MATRIX if not op.startswith("GET ") and op not in last) + last
    let_through: list[str] = []
    answers: dict[int, int] = {}
    for op in writes:
        method, template = op.split(" ", 1)
        path = template.format(**ids)
        for who in sorted(MATRIX[op] - {"anonymous"} if MATRIX[op] != EVERYONE else {"a_admin"}):
            r = await a.http.request(method, path, **_content(op, tokens[who], cred["document"]))
            answers[r.status_code // 100] = answers.get(r.status_code // 100, 0) + 1
            expected = ALLOWED_WRITE_ANSWERS.get(op, set())
            if r.status_code in (401, 403, 404) and r.status_code not in expected:
                let_through.append(f"{who} refused {op}: {r.status_code} {r.text[:120]}")
            elif r.status_code >= 500:
                let_through.append(f"{who} broke {op}: {r.status_code} {r.text[:120]}")
    assert not let_through, "\n".join(let_through)
    assert answers.get(2, 0) >= 10, answers  # writes the certified case still takes
    print(
        f"permissions matrix: {len(MATRIX)} endpoints x {len(tokens)} callers, {checked} "
        f"requests; allowed writes answered {answers} (by hundreds)"
    )
