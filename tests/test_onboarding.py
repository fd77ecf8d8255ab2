"""Onboarding: the platform operator makes an awarding body and a centre and invites their
first administrators; the body publishes a standard and accredits the centre with a
credential it signs; a candidate then opens a case there; the public registry shows it all.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.conftest import Stack
from tests.factories import Person, invitation_token, make_world, ok, operator
from tests.test_interop import _node_verify
from vnfil.accounts.schemas import Role
from vnfil.credentials.signing import verify
from vnfil.standards.service import dump_standard, sample_document


async def _accepted(stack: Stack, invitation: dict[str, Any], name: str) -> Person:
    """The invitee follows the e-mailed link and makes the account."""
    token = await invitation_token(stack, invitation["id"])
    body = ok(
        await stack.http.post(
            f"/invitations/{token}/acceptance",
            json={"name": name, "password": "a long enough password"},
        ),
        201,
    )
    assert not stack.http.cookies  # the shared client keeps no session: it stays anonymous
    return Person(body["id"], body["token"], body["role"])


async def test_the_operator_onboards_a_body_and_a_centre_that_then_run_a_case(
    stack: Stack,
) -> None:
    http, op = stack.http, await operator(stack)
    tag = uuid.uuid4().hex[:8]

    # An awarding body, with the id the operator chose: a working did:web at once.
    made = ok(
        await http.post(
            "/awarding-bodies",
            json={
                "id": f"ibe-{tag}",
                "name": "Instytut Badań Edukacyjnych",
                "country": "PL",
                "url": "https://ibe.example",
            },
            headers=op.auth,
        ),
        201,
    )
    assert made["did"].endswith(f":issuers:ibe-{tag}") and made["did"].startswith("did:web:")
    did_doc = ok(await http.get(f"/issuers/ibe-{tag}/did.json"))
    assert did_doc["id"] == made["did"] and len(did_doc["assertionMethod"]) == 1
    again = await http.post(
        "/awarding-bodies",
        json={"id": f"ibe-{tag}", "name": "Someone else", "country": "PL"},
        headers=op.auth,
    )
    assert again.status_code == 409 and "already an awarding body" in again.json()["detail"]
    for bad, field in (
        ({"name": "X body", "country": "pl"}, "country"),
        ({"name": "X body", "country": "PL", "url": "http://plain.example"}, "url"),
        ({"name": "X body", "country": "PL", "id": "Has Spaces"}, "id"),
        ({"name": "X body", "country": "PL", "did": "did:web:evil.example"}, "did"),
    ):
        r = await http.post("/awarding-bodies", json=bad, headers=op.auth)
        assert r.status_code == 422 and field in r.text, (bad, r.text)

    centre = ok(
        await http.post(
            "/centres",
            json={"name": "Centrum Walidacji Gdańsk", "country": "PL", "region": "Pomorskie"},
            headers=op.auth,
        ),
        201,
    )
    assert centre["region"] == "Pomorskie"

    # Nobody else onboards: not an issuer, not a centre's admin.
    w = await make_world(stack)
    for who in (w.issuer, w.admin):
        r = await http.post("/centres", json={"name": "Rogue", "country": "PL"}, headers=who.auth)
        assert r.status_code == 403 and "allowed: operator" in r.json()["detail"]

    # First administrators: an issuer for the body, an admin for the centre. The operator
    # invites no one else: the centre's admin invites its staff.
    issuer_inv = ok(
        await http.post(
            f"/awarding-bodies/ibe-{tag}/invitations",
            json={"email": f"issuer-{tag}@ibe.example"},
            headers=op.auth,
        ),
        201,
    )
    assert issuer_inv["role"] == "issuer" and issuer_inv["awarding_body_id"] == f"ibe-{tag}"
    assert "token" not in issuer_inv
    r = await http.post(
        f"/centres/{centre['id']}/invitations",
        json={"email": f"assessor-{tag}@test.example", "role": "assessor"},
        headers=op.auth,
    )
    assert r.status_code == 403 and "they invite its staff" in r.json()["detail"]
    admin_inv = ok(
        await http.post(
            f"/centres/{centre['id']}/invitations",
            json={"email": f"admin-{tag}@test.example", "role": "centre_admin"},
            headers=op.auth,
        ),
        201,
    )
    r = await http.post(
        "/awarding-bodies/nobody/invitations", json={"email": "x@test.example"}, headers=op.auth
    )
    assert r.status_code == 404 and "no awarding body nobody" in r.json()["detail"]
    issuer = await _accepted(stack, issuer_inv, "Iwona Issuer")
    admin = await _accepted(stack, admin_inv, "Adam Admin")
    assert (issuer.role, admin.role) == ("issuer", "centre_admin")
    me = ok(await http.get("/me", headers=issuer.auth))
    assert me["awarding_body_id"] == f"ibe-{tag}"

    # The new body publishes a standard; the centre cannot validate it until accredited.
    doc = sample_document("digital-collaboration").model_copy(update={"code": f"dc-{tag}"})
    standard = ok(
        await http.post(
            "/standards", content=dump_standard(doc, "json").encode(), headers=issuer.auth
        ),
        201,
    )
    candidate = ok(
        await http.post(
            "/users/register", json={"name": "Zofia Nowa", "email": f"zofia-{tag}@test.example"}
        ),
        201,
    )
    opening = {"standard_id": standard["id"], "centre_id": centre["id"]}
    auth = {"Authorization": f"Bearer {candidate['token']}"}
    r = await http.post("/cases", json=opening, headers=auth)
    assert r.status_code == 409 and "holds no accreditation" in r.json()["detail"]

    now = datetime.now(UTC)
    granted = ok(
        await http.post(
            "/accreditations",
            json={
                "centre_id": centre["id"],
                "standard_code": f"dc-{tag}",
                "valid_from": (now - timedelta(minutes=5)).isoformat(),
                "valid_until": (now + timedelta(days=730)).isoformat(),
                "scope": "every outcome; portfolio and interview",
                "qa_body": "PZZJ nr 3",
                "qa_reference": "PZZJ-3/2026/114",
            },
            headers=issuer.auth,
        ),
        201,
    )
    ok(await http.post("/cases", json=opening, headers=auth), 201)

    # The accreditation is a credential the body signed: vnfil and Digital Bazaar's
    # verifier (resolving the body's did:web from vnfil's own document) both accept it,
    # and refuse it once its comment is changed.
    vc = granted["credential"]
    base = stack.settings.public_base_url
    assert vc["type"] == ["VerifiableCredential", "EndorsementCredential"]
    assert vc["issuer"]["id"] == made["did"]
    assert vc["credentialSubject"]["id"] == f"{base}/centres/{centre['id']}"
    assert "PZZJ-3/2026/114" in vc["credentialSubject"]["endorsementComment"]
    assert vc["id"] == f"{base}/accreditations/{granted['id']}"
    assert [p["cryptosuite"] for p in verify(vc)] == ["eddsa-rdfc-2022"]
    forged = {
        **vc,
        "credentialSubject": {
            **vc["credentialSubject"],
            "endorsementComment": vc["credentialSubject"]["endorsementComment"] + " Any scope.",
        },
    }
    independent = await asyncio.to_thread(_node_verify, [vc, forged], {made["did"]: did_doc})
    assert [r["verified"] for r in independent] == [True, False], independent

    # The registry: the body with its DID and key, the centre with its accreditation.
    bodies = ok(await http.get("/registry/awarding-bodies", params={"limit": 500}))
    [entry] = [b for b in bodies if b["id"] == f"ibe-{tag}"]
    assert entry["did"] == made["did"] and entry["standard_codes"] == [f"dc-{tag}"]
    assert [k["state"] for k in entry["keys"]] == ["current"]
    assert entry["keys"][0]["id"] == did_doc["assertionMethod"][0]
    listed = ok(await http.get(f"/centres/{centre['id']}"))
    assert listed["url"] == vc["credentialSubject"]["id"]
    assert [(a["standard_code"], a["status"]) for a in listed["accreditations"]] == [
        (f"dc-{tag}", "active")
    ]
    assert "credential" not in listed["accreditations"][0]  # one request away, not in lists
    assert ok(await http.get(f"/accreditations/{granted['id']}"))["credential"] == vc
    suspended = ok(
        await http.post(
            f"/accreditations/{granted['id']}/status",
            json={"status": "suspended", "reason": "QA visit pending"},
            headers=issuer.auth,
        )
    )
    assert suspended["status"] == "suspended"
    listed = ok(await http.get(f"/centres/{centre['id']}"))
    assert listed["accreditations"][0]["status"] == "suspended"
    r = await http.post("/cases", json=opening, headers=auth)
    assert r.status_code == 409 and "is suspended: QA visit pending" in r.json()["detail"]
    assert (await http.get("/centres/nowhere")).status_code == 404

    # The new admin runs the centre: invites its staff (the operator could not).
    ok(
        await http.post(
            f"/centres/{centre['id']}/invitations",
            json={"email": f"assessor-{tag}@test.example", "role": "assessor"},
            headers=admin.auth,
        ),
        201,
    )
    # And the operator sees no case.
    r = await http.get("/cases", headers=op.auth)
    assert r.status_code == 403 and "sees no case" in r.json()["detail"]
    assert Role.operator.value == op.role


async def test_the_registry_pages_through_bodies_and_centres(stack: Stack) -> None:
    op = await operator(stack)
    tag = uuid.uuid4().hex[:8]
    for i in range(3):
        ok(
            await stack.http.post(
                "/centres",
                json={"name": f"Centre {tag} {i}", "country": "LT", "region": "Vilnius"},
                headers=op.auth,
            ),
            201,
        )
    mine = []
    address: str | None = "/registry/centres?country=LT&limit=2"
    while address:  # each page names the next in its Link header, the filters kept
        r = await stack.http.get(address)
        assert len(ok(r)) <= 2
        mine += [c["name"] for c in r.json() if tag in c["name"]]
        address = r.links.get("next", {}).get("url")
    assert mine == [f"Centre {tag} {i}" for i in range(3)]
    r = await stack.http.get("/registry/centres", params={"country": "Poland"})
    assert r.status_code == 422
    r = await stack.http.get("/registry/awarding-bodies", params={"limit": 0})
    assert r.status_code == 422


async def test_the_cli_onboards_against_the_same_database(stack: Stack) -> None:
    """``vnfil operator add``, ``vnfil institutions add-body / add-centre / invite``: what
    the API does, for an operator at the server's shell."""
    from typer.testing import CliRunner

    from vnfil.cli import app as cli
    from vnfil.platform.settings import get_settings

    tag = uuid.uuid4().hex[:8]
    env = {
        "VNFIL_DATABASE_URL": stack.settings.database_url,
        "VNFIL_DATABASE_SCHEMA": stack.settings.database_schema,
        "VNFIL_PUBLIC_BASE_URL": stack.settings.public_base_url,
        "VNFIL_SECRET_KEY": stack.settings.secret_key,
        "COLUMNS": "200",
    }

    def run(*args: str) -> Any:
        get_settings.cache_clear()
        try:
            return CliRunner().invoke(cli, list(args), env=env)
        finally:
            get_settings.cache_clear()

    said = await asyncio.to_thread(run, "operator", "add", f"op-{tag}@test.example", "Ola Op")
    assert said.exit_code == 0 and "API token (shown once) vnfil_" in said.output, said.output
    token = said.output.split("(shown once) ")[1].split()[0]
    me = ok(await stack.http.get("/me", headers={"Authorization": f"Bearer {token}"}))
    assert me["role"] == "operator"

    said = await asyncio.to_thread(
        run, "institutions", "add-body", "Kuratorium", "--country", "PL", "--id", f"kb-{tag}"
    )
    assert said.exit_code == 0 and f":issuers:kb-{tag}" in said.output, said.output
    assert ok(await stack.http.get(f"/issuers/kb-{tag}/did.json"))["id"].endswith(f"kb-{tag}")
    said = await asyncio.to_thread(
        run, "institutions", "add-body", "Again", "--country", "PL", "--id", f"kb-{tag}"
    )
    assert said.exit_code == 2 and f"already an awarding body kb-{tag}" in said.output
    said = await asyncio.to_thread(run, "institutions", "add-centre", "Z", "--country", "pl")
    assert said.exit_code == 2 and "--country" in said.output and "--name" in said.output
    said = await asyncio.to_thread(
        run, "institutions", "add-centre", f"Centrum {tag}", "--country", "PL", "--id", f"c-{tag}"
    )
    assert said.exit_code == 0, said.output
    said = await asyncio.to_thread(
        run, "institutions", "invite", f"boss-{tag}@test.example", "--centre", f"c-{tag}"
    )
    assert said.exit_code == 0 and "(centre_admin)" in said.output, said.output
    invitation_id = said.output.split("invitation ")[1].split()[0]
    token = await invitation_token(stack, invitation_id)  # in the invitee's mailbox only
    assert token not in said.output
    said = await asyncio.to_thread(
        run, "institutions", "invite", f"x-{tag}@test.example", "--centre", "nowhere"
    )
    assert said.exit_code == 2 and "no centre nowhere" in said.output
