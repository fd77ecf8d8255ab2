"""A credential the candidate already holds, added as evidence: verified at once, its
issuer and status recorded, the outcomes it aligns to proposed, and the assessor told;
one that does not verify is still taken, as an ordinary file, and marked so."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from joserfc.jwk import ECKey
from jwcrypto.jwk import JWK
from sd_jwt.common import SDObj
from sd_jwt.holder import SDJWTHolder
from sd_jwt.issuer import SDJWTIssuer

from tests.conftest import Stack
from tests.factories import (
    CaseRun,
    certified_case,
    make_world,
    ok,
    signed_in,
    upload,
)
from tests.test_oid4vci import Wallet, _offer
from tests.test_sdjwt import _collect
from vnfil.credentials.signing import multikey, sign
from vnfil.evidence.models import EvidenceCredential


async def _add(run: CaseRun, data: bytes, name: str) -> dict:
    r = await upload(
        run.w,
        run.case_id,
        run.candidate,
        data,
        filename=name,
        media_type="application/json",
        los=["DC1"],
    )
    assert r.status_code == 201, r.text
    return r.json()


@pytest.mark.one_database
async def test_a_credential_held_is_checked_when_added_as_evidence(stack: Stack) -> None:
    a, b = await make_world(stack), await make_world(stack)
    earlier, status = await certified_case(a)
    signed = ok(
        await a.http.get(f"/credentials/{status['credential_id']}", headers=earlier.candidate.auth)
    )["document"]
    # The same person validates at another centre and brings the credential they hold.
    run = CaseRun(b, earlier.candidate, await b.open_case(earlier.candidate))
    ok(await run.identify())
    good = await _add(run, json.dumps(signed).encode(), "badge.json")
    found = good["credential"]
    assert found["credential"] is True and found["verified"] is True, found
    assert found["issuer"] == signed["issuer"]["id"]
    assert found["issuer_name"] == signed["issuer"]["name"]
    assert found["name"] == signed["name"] and found["revoked"] is False
    # Its achieved outcomes, named by the same statements: proposed for this standard.
    assert found["proposed_lo_ids"] == [lo.id for lo in b.standard.learning_outcomes]

    # Changed after signing: still evidence, marked as a credential that did not verify.
    tampered = {**signed, "name": "Something grander"}
    bad = (await _add(run, json.dumps(tampered).encode(), "edited.json"))["credential"]
    assert bad["credential"] is True and bad["verified"] is False
    assert bad["failed"] == "signature"

    # Signed by a key nobody registered: an unknown issuer.
    stranger = Ed25519PrivateKey.generate()
    did = "did:web:unknown.example"
    forged = {k: v for k, v in signed.items() if k != "proof"}
    forged["issuer"] = {**signed["issuer"], "id": did}
    forged = sign(forged, stranger, f"{did}#{multikey(stranger.public_key())}", datetime.now(UTC))
    unknown = (await _add(run, json.dumps(forged).encode(), "forged.json"))["credential"]
    assert unknown["verified"] is False and unknown["failed"] in ("signature", "issuer")
    assert unknown["revoked"] is False  # its status says nothing: its issuer is unknown

    # Revoked by its awarding body since: the check says so.
    ok(
        await a.http.post(
            f"/credentials/{status['credential_id']}/revocation",
            json={"reason": "issued in error"},
            headers=a.admin.auth,
        )
    )
    revoked = (await _add(run, json.dumps(signed).encode(), "again.json"))["credential"]
    assert revoked["verified"] is False and revoked["revoked"] is True
    assert revoked["failed"] == "status"

    # Someone else's credential, however well it verifies, is not the candidate's.
    stranger_run, theirs = await certified_case(a)
    taken = ok(
        await a.http.get(
            f"/credentials/{theirs['credential_id']}", headers=stranger_run.candidate.auth
        )
    )["document"]
    borrowed = (await _add(run, json.dumps(taken).encode(), "borrowed.json"))["credential"]
    assert borrowed["verified"] is False and borrowed["failed"] == "holder"
    assert borrowed["holder_matches"] is False and found["holder_matches"] is True

    # A retry of the same upload (its Idempotency-Key) answers with what was found.
    for _ in range(2):
        again = await b.http.post(
            f"{run.url}/evidence",
            params=[("kind", "certificate"), ("lo", "DC2")],
            headers={**run.candidate.auth, "Idempotency-Key": "badge-twice"},
            files={"file": ("twice.json", json.dumps(taken).encode(), "application/json")},
        )
        assert again.status_code == 201, again.text
        assert again.json()["credential"]["failed"] == "holder"
    # Past a credential's size it is an ordinary file, read no further.
    big = b'{"notes": "' + b"x" * (1024 * 1024 + 10) + b'"}'
    large = (await _add(run, big, "big.json"))["credential"]
    assert large["credential"] is False and "larger" in large["detail"]

    # JSON that is no credential is an ordinary file.
    plain = (await _add(run, b'{"notes": "my own list"}', "notes.json"))["credential"]
    assert plain == {**plain, "credential": False, "verified": False}
    # A file claiming to be JSON that is not is refused as mislabelled.
    r = await upload(
        b,
        run.case_id,
        run.candidate,
        b"%PDF-1.4",
        filename="x.json",
        media_type="application/json",
        los=["DC1"],
    )
    assert r.status_code == 415

    # The portfolio lists what was found, and the assessor's page says it in words.
    listed = ok(await b.http.get(f"{run.url}/evidence", headers=b.admin.auth))
    by_name = {e["filename"]: e["credential"] for e in listed}
    # badge.json verified when added; its credential was revoked since, and it says so.
    assert good["credential"]["verified"] is True
    assert by_name["badge.json"]["verified"] is False and by_name["badge.json"]["revoked"]
    assert by_name["badge.json"]["detail"] == "it was revoked after it was added"
    assert by_name["edited.json"]["failed"]
    assert by_name["notes.json"]["credential"] is False
    async with signed_in(stack, b.admin, "evidence password 1") as browser:
        page = (await browser.get(f"/app/cases/{run.case_id}?lang=en")).text
        revoked_since = f"A credential issued by {signed['issuer']['name']}, now revoked"
        assert page.count(revoked_since) == 2  # badge.json and again.json
        assert "A credential that did not verify (signature): taken as an ordinary file" in page
        assert "now revoked: taken as an ordinary file" in page
        assert "it aligns to DC1, DC2, DC3, DC4" in page
        assert "it names another person as its learner" in page
        assert "A JSON file that is not a credential: an ordinary file" in page
        polish = (await browser.get(f"/app/cases/{run.case_id}?lang=pl")).text
        assert "obecnie unieważnione: traktowane jak zwykły plik" in polish
    # Taken back out before submitting: what was found goes with it.
    plain_id = next(e["id"] for e in listed if e["filename"] == "notes.json")
    ok(await b.http.delete(f"{run.url}/evidence/{plain_id}", headers=run.candidate.auth))
    async with stack.sessions() as session:  # type: ignore[operator]
        assert await session.get(EvidenceCredential, plain_id) is None
        assert await session.get(EvidenceCredential, good["id"]) is not None


async def _add_file(run: CaseRun, data: bytes, name: str, media_type: str) -> dict:
    r = await upload(
        run.w, run.case_id, run.candidate, data, filename=name, media_type=media_type, los=["DC1"]
    )
    assert r.status_code == 201, r.text
    return r.json()


@pytest.mark.one_database
async def test_a_pdf_certificate_and_an_eu_wallet_presentation_are_checked_too(
    stack: Stack,
) -> None:
    a, b = await make_world(stack), await make_world(stack)
    earlier, status = await certified_case(a)
    cred_id = status["credential_id"]
    run = CaseRun(b, earlier.candidate, await b.open_case(earlier.candidate))
    ok(await run.identify())

    # The PDF certificate carries its signed credential: checked as the JSON would be.
    pdf = await a.http.get(
        f"/credentials/{cred_id}/certificate.pdf", headers=earlier.candidate.auth
    )
    assert pdf.status_code == 200
    found = (await _add_file(run, pdf.content, "certificate.pdf", "application/pdf"))["credential"]
    assert found["verified"] is True and found["format"] == "pdf", found
    assert found["holder_matches"] is True
    # An ordinary PDF, or a note in a text file, is just a file: nothing to say.
    plain_pdf = await _add_file(run, b"%PDF-1.4\n%%EOF\n", "scan.pdf", "application/pdf")
    assert plain_pdf["credential"] is None
    note = await _add_file(run, b"moje notatki", "notes.txt", "text/plain")
    assert note["credential"] is None

    # The EU wallet's Learning Credential, shown in part: the title, the outcomes and
    # which credential it is; the name and the grade kept back.
    offer, tx_code = await _offer(stack, a, earlier, cred_id)
    wallet = Wallet(a.http, ECKey.generate_key("P-256"), "ES256")
    issued = ok(await _collect(a, wallet, offer, tx_code))["credentials"][0]["credential"]
    holder = SDJWTHolder(issued)
    holder.create_presentation(
        {
            "achievement_title": True,
            "learning_outcomes": True,
            "open_badge_credential": True,
            "issuing_authority": True,
        },
        nonce="centre-b",
        aud=stack.settings.public_base_url,
        holder_key=JWK(**wallet.key.as_dict(private=True)),
        sign_alg="ES256",
    )
    shown = holder.sd_jwt_presentation
    got = (await _add_file(run, shown.encode(), "wallet.txt", "text/plain"))["credential"]
    assert got["verified"] is True and got["format"] == "sd-jwt", got
    assert got["holder_matches"] is True and got["learner"] is None  # not disclosed
    signed = ok(await a.http.get(f"/credentials/{cred_id}", headers=earlier.candidate.auth))
    assert got["issuer_name"] == signed["document"]["issuer"]["name"]
    assert got["name"] == signed["document"]["name"]
    assert got["proposed_lo_ids"] == [lo.id for lo in b.standard.learning_outcomes]
    # As application/dc+sd-jwt through the API, the whole credential: the same verdict.
    whole = await _add_file(run, issued.encode(), "wallet.sd-jwt", "application/dc+sd-jwt")
    assert whole["credential"]["verified"] is True

    # Its payload changed (its signature no longer holds).
    head, body, sig = shown.split("~")[0].split(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=="))
    payload["iat"] = payload["iat"] - 1
    body = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")
    tampered = f"{head}.{body}.{sig}~" + shown.split("~", 1)[1]
    bad = (await _add_file(run, tampered.encode(), "edited.txt", "text/plain"))["credential"]
    assert bad["verified"] is False and bad["failed"] == "signature", bad

    # Signed by an issuer nobody registered.
    stranger = JWK.generate(kty="OKP", crv="Ed25519")
    did = "did:web:unknown.example"
    made = SDJWTIssuer(
        {
            "iss": did,
            "iat": int(datetime.now(UTC).timestamp()),
            "vct": "urn:x",
            SDObj("achievement_title"): "Anything",
        },
        stranger,
        sign_alg="EdDSA",
        extra_header_parameters={"typ": "dc+sd-jwt", "kid": f"{did}#key-1"},
    ).sd_jwt_issuance
    unknown = (await _add_file(run, made.encode(), "stranger.txt", "text/plain"))["credential"]
    assert unknown["verified"] is False and unknown["failed"] == "issuer"

    # Someone else's: it names a credential vnfil issued to another person.
    other, theirs = await certified_case(a)
    offer, tx_code = await _offer(stack, a, other, theirs["credential_id"])
    their_wallet = Wallet(a.http, ECKey.generate_key("P-256"), "ES256")
    borrowed = ok(await _collect(a, their_wallet, offer, tx_code))["credentials"][0]["credential"]
    lent = (await _add_file(run, borrowed.encode(), "lent.txt", "text/plain"))["credential"]
    assert lent["verified"] is False and lent["failed"] == "holder"

    async with signed_in(stack, b.admin, "evidence password 1") as browser:
        polish = (await browser.get(f"/app/cases/{run.case_id}?lang=pl")).text
        assert "Poświadczenie zweryfikowane pozytywnie, wydane przez" in polish
        assert "(zapisane w certyfikacie PDF)" in polish

    # Revoked since: the same status list says so, for what was added before too.
    ok(
        await a.http.post(
            f"/credentials/{cred_id}/revocation",
            json={"reason": "issued in error"},
            headers=a.admin.auth,
        )
    )
    late = (await _add_file(run, shown.encode(), "again.txt", "text/plain"))["credential"]
    assert late["verified"] is False and late["revoked"] is True and late["failed"] == "status"
    listed = ok(await b.http.get(f"{run.url}/evidence", headers=b.admin.auth))
    by_name = {e["filename"]: e["credential"] for e in listed}
    assert by_name["wallet.txt"]["revoked"] is True and by_name["certificate.pdf"]["revoked"]

    async with signed_in(stack, run.candidate, "evidence password 2") as browser:
        page = (await browser.get(f"/app/cases/{run.case_id}?lang=en")).text
        assert "(carried in a PDF certificate)" in page
        assert "(from an EU wallet, as SD-JWT: only what the holder disclosed)" in page
        polish = (await browser.get(f"/app/cases/{run.case_id}?lang=pl")).text
        assert "(z portfela UE, jako SD-JWT: tylko to, co ujawnił posiadacz)" in polish
