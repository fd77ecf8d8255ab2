"""The EU digital identity wallet's Learning Credential (SD-JWT VC), end to end: a wallet
written here takes it through OpenID4VCI, shows a verifier only some claims, and two SD-JWT
implementations nobody on the project wrote check it: the OpenWallet Foundation's Python
reference library (``sd-jwt``) and its TypeScript one (``@sd-jwt/sd-jwt-vc``, in Node).
Revocation reaches it through the same status list as the Open Badges credential."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import zlib
from pathlib import Path
from typing import Any

import pytest
from joserfc.jwk import ECKey, OKPKey
from jwcrypto.jwk import JWK
from sd_jwt.holder import SDJWTHolder
from sd_jwt.verifier import SDJWTVerifier

from tests.conftest import Stack
from tests.factories import certified_case, make_world, ok
from tests.test_oid4vci import Wallet, _offer, _path
from vnfil.credentials.document import eu_elements_of
from vnfil.credentials.keys import body_of_issuer
from vnfil.credentials.sdjwt import VCT
from vnfil.credentials.signing import public_key_of

JS = Path(__file__).parent / "js"
SD_JWT = "LearningCredential_dc+sd-jwt"


async def _collect(w: Any, wallet: Wallet, offer: dict[str, Any], tx_code: str) -> Any:
    token = ok(await wallet.token(offer, tx_code))
    meta = ok(await w.http.get("/.well-known/openid-credential-issuer"))
    config = meta["credential_configurations_supported"][SD_JWT]
    assert config["format"] == "dc+sd-jwt" and config["vct"] == VCT
    assert SD_JWT in offer["credential_configuration_ids"]
    return await w.http.post(
        _path(meta["credential_endpoint"]),
        json={
            "credential_configuration_id": SD_JWT,
            "proofs": {"jwt": [wallet.proof(offer["credential_issuer"], token["c_nonce"])]},
        },
        headers={"Authorization": f"Bearer {token['access_token']}"},
    )


async def _ask(
    w: Any, wallet: Wallet, offer: dict[str, Any], token: dict[str, Any], config: str
) -> Any:
    """The wallet's credential request for ``config``, with a proof over its nonce."""
    return await w.http.post(
        "/oid4vci/credential",
        json={
            "credential_configuration_id": config,
            "proofs": {"jwt": [wallet.proof(offer["credential_issuer"], token["c_nonce"])]},
        },
        headers={"Authorization": f"Bearer {token['access_token']}"},
    )


async def _issuer_jwk(w: Any, issuer: str, kid: str) -> dict[str, Any]:
    """The key the header's ``kid`` names, read from the issuer's DID document as any
    verifier would."""
    body = body_of_issuer("http://testserver", issuer) or issuer.rsplit(":", 1)[-1]
    did = ok(await w.http.get(f"/issuers/{body}/did.json"))
    [method] = [m for m in did["verificationMethod"] if m["id"] == kid]
    public = public_key_of(method["publicKeyMultibase"])
    return json.loads(JWK.from_pyca(public).export_public())


def _payload(compact: str) -> dict[str, Any]:
    part = compact.split("~", 1)[0].split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def _python_verify(sd_jwt: str, jwk: dict[str, Any], **binding: str) -> dict[str, Any]:
    checked = SDJWTVerifier(sd_jwt, lambda iss, header: JWK(**jwk), **binding)
    return checked.get_verified_payload()


def _node_verify(sd_jwt: str, jwk: dict[str, Any], status_list: str, nonce: str = "") -> Any:
    node = shutil.which("node")
    assert node, "Node.js is needed for the independent verifier (every machine has it)"
    given = {"sd_jwt": sd_jwt, "issuer_jwk": jwk, "status_list_jwt": status_list, "nonce": nonce}
    done = subprocess.run(
        [node, str(JS / "sdjwt_verify.mjs")],
        input=json.dumps(given),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout)


async def _token_status_list(w: Any, uri: str) -> str:
    r = await w.http.get(_path(uri), headers={"Accept": "application/statuslist+jwt"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/statuslist+jwt")
    return r.text


@pytest.mark.one_database
async def test_the_eu_wallet_takes_a_learning_credential_the_holder_shows_in_part(
    stack: Stack,
) -> None:
    w = await make_world(stack)
    run, status = await certified_case(w)
    cred_id = status["credential_id"]
    signed = ok(await w.http.get(f"/credentials/{cred_id}", headers=run.candidate.auth))["document"]
    offer, tx_code = await _offer(stack, w, run, cred_id)
    wallet = Wallet(w.http, ECKey.generate_key("P-256"), "ES256")
    got = await _collect(w, wallet, offer, tx_code)
    assert got.status_code == 200, got.text
    issued = got.json()["credentials"][0]["credential"]
    assert isinstance(issued, str) and issued.endswith("~")
    header = json.loads(base64.urlsafe_b64decode(issued.split(".")[0] + "=="))
    assert header["typ"] == "dc+sd-jwt" and header["alg"] == "EdDSA"
    payload = _payload(issued)
    assert payload["iss"] == signed["issuer"]["id"] and payload["vct"] == VCT
    # Bound to the wallet's key; every element is a disclosure, none in the clear.
    assert payload["cnf"]["jwk"]["x"] == wallet.key.as_dict(private=False)["x"]
    assert "achievement_title" not in payload and len(payload["_sd"]) >= 15
    index = int(signed["credentialStatus"]["statusListIndex"])
    assert payload["status"]["status_list"] == {
        "idx": index,
        "uri": signed["credentialStatus"]["statusListCredential"],
    }

    # The Python reference library: the signature, every disclosure, the claims.
    jwk = await _issuer_jwk(w, payload["iss"], header["kid"])
    claims = _python_verify(issued, jwk)
    elements = eu_elements_of(signed)
    assert claims["achievement_title"] == elements["title"]
    assert claims["issuing_authority"] == elements["awardingBody"]
    assert claims["issuing_country"] == elements["issuerCountry"] == "PL"
    assert claims["learning_outcomes"] == elements["learningOutcomes"]
    assert claims["learner_identification"] == elements["learnerIdentification"]
    assert f"{claims['given_name']} {claims['family_name']}" == elements["learnerIdentification"]
    assert claims["expected_study_time"] == f"{elements['notionalWorkload']['hours']} hours"
    assert claims["level_of_learning_experience"] == elements["level"]["eqf"]
    assert claims["types_of_quality_assurance"] == [elements["typeOfQualityAssurance"]]
    assert claims["type_of_assessment"] == elements["typeOfAssessment"]
    assert claims["form_of_participation"] == elements["formOfParticipation"]
    assert (
        claims["supervision_and_identity_verification"]
        == elements["supervisionAndIdentityVerification"]
    )
    assert claims["date_of_issuance"] == signed["validFrom"][:10]
    assert claims["validation_result"] == "full"
    assert claims["open_badge_credential"] == signed["id"]

    # The holder shows a verifier the title and the outcomes, nothing else, bound to
    # the verifier's nonce by the wallet's key.
    holder = SDJWTHolder(issued)
    holder.create_presentation(
        {"achievement_title": True, "learning_outcomes": True, "issuing_authority": True},
        nonce="verifier-nonce-1",
        aud="https://verifier.example",
        holder_key=JWK(**wallet.key.as_dict(private=True)),
        sign_alg="ES256",
    )
    shown = holder.sd_jwt_presentation
    seen = _python_verify(
        shown, jwk, expected_aud="https://verifier.example", expected_nonce="verifier-nonce-1"
    )
    assert seen["achievement_title"] == elements["title"]
    assert "family_name" not in seen and "assessment_grade" not in seen
    assert "learner_identification" not in seen
    status_list = await _token_status_list(w, payload["status"]["status_list"]["uri"])
    node = _node_verify(shown, jwk, status_list, nonce="verifier-nonce-1")
    assert node["verified"] is True, node
    assert node["claims"]["achievement_title"] == elements["title"]
    assert "family_name" not in node["claims"]
    # Another verifier's nonce: the presentation was not made for it.
    replayed = _node_verify(shown, jwk, status_list, nonce="verifier-nonce-2")
    assert replayed["verified"] is False and "Nonce" in replayed["error"]

    # Tampered: a disclosure changed (another title) no longer matches its digest, and
    # a payload changed no longer matches the signature.
    parts = shown.split("~")
    for i, part in enumerate(parts[1:-1], 1):
        decoded = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
        if decoded[1] == "achievement_title":
            decoded[2] = "Doctor of Everything"
            parts[i] = base64.urlsafe_b64encode(json.dumps(decoded).encode()).decode().rstrip("=")
    forged = "~".join(parts)
    # The Python library drops a disclosure no digest names (the forged title is not
    # shown), and the key-binding JWT's hash over the presentation no longer matches.
    assert "achievement_title" not in _python_verify(forged, jwk)
    with pytest.raises(ValueError, match="Invalid digest in KB-JWT"):
        _python_verify(
            forged, jwk, expected_aud="https://verifier.example", expected_nonce="verifier-nonce-1"
        )
    lenient = _node_verify(forged, jwk, status_list)
    assert lenient["verified"] is True and "achievement_title" not in lenient["claims"]
    bound = _node_verify(forged, jwk, status_list, nonce="verifier-nonce-1")
    assert bound["verified"] is False and "hash" in bound["error"].lower(), bound
    jwt_part = issued.split("~")[0].split(".")
    changed = dict(payload, vct="urn:something:else")
    jwt_part[1] = base64.urlsafe_b64encode(json.dumps(changed).encode()).decode().rstrip("=")
    resigned = ".".join(jwt_part) + "~" + issued.split("~", 1)[1]
    with pytest.raises(Exception, match="[Ss]ignature|[Vv]erif"):
        _python_verify(resigned, jwk)
    bad = _node_verify(resigned, jwk, status_list)
    assert bad["verified"] is False and "ignature" in bad["error"]

    # Revoked: the same slot of the same list flips, and the SD-JWT VC says so too.
    ok(
        await w.http.post(
            f"/credentials/{cred_id}/revocation",
            json={"reason": "issued in error"},
            headers=w.admin.auth,
        )
    )
    revoked_list = await _token_status_list(w, payload["status"]["status_list"]["uri"])
    token_payload = _payload(revoked_list)
    lst = token_payload["status_list"]["lst"]
    bits = zlib.decompress(base64.urlsafe_b64decode(lst + "=" * (-len(lst) % 4)))
    assert bits[index // 8] >> (index % 8) & 1 == 1  # least significant bit first
    assert sum(bin(b).count("1") for b in bits) == 1
    after = _node_verify(issued, jwk, revoked_list)
    assert after["verified"] is False and "Status" in after["error"], after
    assert _node_verify(issued, jwk, status_list)["verified"] is True  # the old list


async def test_an_ed25519_wallet_gets_one_format_once_and_revoked_credentials_stay_out(
    stack: Stack,
) -> None:
    w = await make_world(stack)
    run, status = await certified_case(w)
    cred_id = status["credential_id"]
    offer, tx_code = await _offer(stack, w, run, cred_id)
    wallet = Wallet(w.http, OKPKey.generate_key("Ed25519"), "EdDSA")
    token = ok(await wallet.token(offer, tx_code))
    unknown = await _ask(w, wallet, offer, token, "mso_mdoc_something")
    assert unknown.status_code == 400
    assert unknown.json()["error"] == "invalid_credential_request"
    got = await _ask(w, wallet, offer, token, SD_JWT)
    assert got.status_code == 200, got.text
    issued = got.json()["credentials"][0]["credential"]
    assert _payload(issued)["cnf"]["jwk"]["crv"] == "Ed25519"
    header = json.loads(base64.urlsafe_b64decode(issued.split(".")[0] + "=="))
    jwk = await _issuer_jwk(w, _payload(issued)["iss"], header["kid"])
    status_list = await _token_status_list(w, _payload(issued)["status"]["status_list"]["uri"])
    assert _node_verify(issued, jwk, status_list)["verified"] is True
    # The offer is spent: the other format is not a second credential.
    again = await _ask(w, wallet, offer, token, "OpenBadgeCredential_ldp_vc")
    assert again.status_code == 400 and "already issued" in again.json()["error_description"]

    # An offer made before a revocation delivers nothing after it; no new offer is made.
    offer, tx_code = await _offer(stack, w, run, cred_id)
    token = ok(await wallet.token(offer, tx_code))
    ok(
        await w.http.post(
            f"/credentials/{cred_id}/revocation",
            json={"reason": "issued in error"},
            headers=w.admin.auth,
        )
    )
    late = await _ask(w, wallet, offer, token, SD_JWT)
    assert late.status_code == 400 and late.json()["error"] == "credential_request_denied"
    refused = await w.http.post(f"/me/credentials/{cred_id}/offers", headers=run.candidate.auth)
    assert refused.status_code == 409
    assert "revoked" in refused.json()["detail"]
