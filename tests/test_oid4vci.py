"""OpenID4VCI, pre-authorized code flow, end to end with a wallet written here: the holder
asks for an offer, the transaction code reaches them apart, the wallet trades the codes
for a token, proves it holds its key and gets the signed credential, once."""

from __future__ import annotations

import re
import time
import warnings
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
from joserfc import jwt
from joserfc.jwk import ECKey, OKPKey
from sqlalchemy import select, update

from tests.conftest import Stack
from tests.factories import certified_case, make_world, ok
from vnfil.accounts.models import Notification
from vnfil.credentials.models import CredentialOffer
from vnfil.credentials.oid4vci import fresh_nonce
from vnfil.platform.db import utcnow

PRE = "urn:ietf:params:oauth:grant-type:pre-authorized_code"


class Wallet:
    """A wallet as the specification describes one: its own key, the issuer's metadata."""

    def __init__(self, http: httpx.AsyncClient, key: Any, alg: str) -> None:
        self.http, self.key, self.alg = http, key, alg

    def proof(self, audience: str, nonce: str, *, iat: int | None = None) -> str:
        header = {
            "alg": self.alg,
            "typ": "openid4vci-proof+jwt",
            "jwk": self.key.as_dict(private=False),
        }
        claims = {"aud": audience, "nonce": nonce, "iat": iat or int(time.time())}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return jwt.encode(header, claims, self.key, algorithms=[self.alg])

    async def token(self, offer: dict[str, Any], tx_code: str) -> httpx.Response:
        issuer = offer["credential_issuer"]
        meta = ok(await self.http.get(_path(f"{issuer}/.well-known/oauth-authorization-server")))
        assert PRE in meta["grant_types_supported"]
        return await self.http.post(
            _path(meta["token_endpoint"]),
            data={
                "grant_type": PRE,
                "pre-authorized_code": offer["grants"][PRE]["pre-authorized_code"],
                "tx_code": tx_code,
            },
        )

    async def collect(self, offer: dict[str, Any], token: dict[str, Any]) -> httpx.Response:
        issuer = offer["credential_issuer"]
        meta = ok(await self.http.get(_path(f"{issuer}/.well-known/openid-credential-issuer")))
        config = offer["credential_configuration_ids"][0]
        assert meta["credential_configurations_supported"][config]["format"] == "ldp_vc"
        return await self.http.post(
            _path(meta["credential_endpoint"]),
            json={
                "credential_configuration_id": config,
                "proofs": {"jwt": [self.proof(issuer, token["c_nonce"])]},
            },
            headers={"Authorization": f"Bearer {token['access_token']}"},
        )


def _path(url: str) -> str:
    """The test talks to the app in process: the issuer's URL, without its host."""
    parsed = urlparse(url)
    return parsed.path + (f"?{parsed.query}" if parsed.query else "")


async def _offer(stack: Stack, w: Any, run: Any, cred_id: str) -> tuple[dict[str, Any], str]:
    made = ok(
        await w.http.post(f"/me/credentials/{cred_id}/offers", headers=run.candidate.auth), 201
    )
    uri = urlparse(made["offer_uri"])
    assert uri.scheme == "openid-credential-offer"
    # By reference, as a wallet reads it: a short QR code, the offer fetched from the issuer.
    reference = parse_qs(uri.query)["credential_offer_uri"][0]
    offer = ok(await w.http.get(_path(reference)))
    assert offer == made["credential_offer"] and len(made["offer_uri"]) < 200
    # The transaction code arrives apart: in the holder's messages (and e-mail).
    async with stack.sessions() as session:  # type: ignore[operator]
        body = await session.scalar(
            select(Notification.body)
            .where(Notification.recipient_id == run.candidate.id)
            .where(Notification.template == "wallet-code")
            .order_by(Notification.created_at.desc())
            .limit(1)
        )
    code = re.search(r"\b(\d{6})\b", body or "")
    assert code, body
    assert code[1] not in made["offer_uri"]  # the offer alone takes nothing
    return offer, code[1]


async def test_a_wallet_takes_the_credential_once_with_the_code_sent_apart(stack: Stack) -> None:
    w = await make_world(stack)
    run, status = await certified_case(w)
    cred_id = status["credential_id"]
    signed = ok(await w.http.get(f"/credentials/{cred_id}", headers=run.candidate.auth))["document"]
    offer, tx_code = await _offer(stack, w, run, cred_id)
    wallet = Wallet(w.http, OKPKey.generate_key("Ed25519"), "EdDSA")

    wrong = await wallet.token(offer, "000000" if tx_code != "000000" else "111111")
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    assert wrong.json()["error_description"] == "the transaction code is wrong"
    answered = await wallet.token(offer, tx_code)
    assert answered.status_code == 200, answered.text
    token = answered.json()
    assert token["token_type"] == "Bearer" and token["c_nonce"]
    # The same codes again: used.
    again = await wallet.token(offer, tx_code)
    assert again.status_code == 400 and "already used" in again.json()["error_description"]
    reference = f"/oid4vci/offers/{offer['grants'][PRE]['pre-authorized_code']}"
    assert (await w.http.get(reference)).status_code == 404  # used: no longer offered

    # A proof over another nonce, or signed by another key than the one it names, fails.
    stale = await w.http.post(
        "/oid4vci/credential",
        json={
            "credential_configuration_id": "OpenBadgeCredential_ldp_vc",
            "proof": {"proof_type": "jwt", "jwt": wallet.proof(offer["credential_issuer"], "x")},
        },
        headers={"Authorization": f"Bearer {token['access_token']}"},
    )
    assert stale.status_code == 400 and stale.json()["error"] == "invalid_nonce"
    forged = wallet.proof(offer["credential_issuer"], token["c_nonce"])
    head, claims, _ = forged.split(".")
    other = Wallet(w.http, OKPKey.generate_key("Ed25519"), "EdDSA").proof(
        offer["credential_issuer"], token["c_nonce"]
    )
    swapped = await w.http.post(
        "/oid4vci/credential",
        json={
            "credential_configuration_id": "OpenBadgeCredential_ldp_vc",
            "proof": {"proof_type": "jwt", "jwt": f"{head}.{claims}.{other.split('.')[2]}"},
        },
        headers={"Authorization": f"Bearer {token['access_token']}"},
    )
    assert swapped.status_code == 400 and swapped.json()["error"] == "invalid_proof"
    no_token = await w.http.post("/oid4vci/credential", json={})
    assert no_token.status_code == 401 and no_token.json()["error"] == "invalid_token"

    got = await wallet.collect(offer, token)
    assert got.status_code == 200, got.text
    credential = got.json()["credentials"][0]["credential"]
    assert credential == signed
    assert ok(await w.http.post("/verify", json=credential))["verified"] is True
    # Once.
    twice = await wallet.collect(offer, token)
    assert twice.status_code == 400 and "already issued" in twice.json()["error_description"]
    async with stack.sessions() as session:  # type: ignore[operator]
        row = await session.scalar(
            select(CredentialOffer).where(CredentialOffer.credential_id == cred_id)
        )
    assert row is not None and row.redeemed_at and row.delivered_at and row.holder_key
    assert row.attempts == 1


async def test_offers_expire_and_wrong_codes_burn_them(stack: Stack) -> None:
    w = await make_world(stack)
    run, status = await certified_case(w)
    cred_id = status["credential_id"]
    wallet = Wallet(w.http, ECKey.generate_key("P-256"), "ES256")
    offer, tx_code = await _offer(stack, w, run, cred_id)
    async with stack.sessions.begin() as session:  # type: ignore[attr-defined]
        await session.execute(update(CredentialOffer).values(expires_at=utcnow()))
    late = await wallet.token(offer, tx_code)
    assert late.status_code == 400 and "expired" in late.json()["error_description"]
    # Five wrong codes, then even the right one is refused.
    offer, tx_code = await _offer(stack, w, run, cred_id)
    wrong = "000000" if tx_code != "000000" else "111111"
    for _ in range(5):
        assert (await wallet.token(offer, wrong)).status_code == 400
    assert (await wallet.token(offer, tx_code)).status_code == 400
    # A fresh offer, with a P-256 wallet key and a nonce from the Nonce Endpoint (as
    # OpenID4VCI 1.0 wallets ask for one): its credential, as the first.
    offer, tx_code = await _offer(stack, w, run, cred_id)
    token = ok(await wallet.token(offer, tx_code))
    meta = ok(await w.http.get("/.well-known/openid-credential-issuer"))
    issuer = offer["credential_issuer"]

    async def with_nonce(nonce: str) -> httpx.Response:
        return await w.http.post(
            _path(meta["credential_endpoint"]),
            json={
                "credential_configuration_id": offer["credential_configuration_ids"][0],
                "proofs": {"jwt": [wallet.proof(issuer, nonce)]},
            },
            headers={"Authorization": f"Bearer {token['access_token']}"},
        )

    # A nonce the server did not make, or made too long ago, is refused.
    made, rand, seal = ok(await w.http.post(_path(meta["nonce_endpoint"])))["c_nonce"].split(".")
    forged = await with_nonce(f"{made}.{rand}.{'0' * len(seal)}")
    assert forged.status_code == 400 and forged.json()["error"] == "invalid_nonce"
    stale = fresh_nonce(stack.settings.secret_key, utcnow() - timedelta(minutes=6))
    assert (await with_nonce(stale)).json()["error"] == "invalid_nonce"
    fresh = ok(await w.http.post(_path(meta["nonce_endpoint"])))["c_nonce"]
    got = await with_nonce(fresh)
    assert got.status_code == 200, got.text
    # Only the holder asks for an offer.
    r = await w.http.post(f"/me/credentials/{cred_id}/offers", headers=w.admin.auth)
    assert r.status_code == 404
