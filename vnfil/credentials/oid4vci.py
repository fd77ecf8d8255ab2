"""OpenID for Verifiable Credential Issuance 1.0, pre-authorized code flow: a holder's
credential into their wallet.

1. The holder asks for an offer (``make_offer``): a pre-authorized code in the offer (a QR
   code or link for the wallet) and a transaction code sent to them apart (their messages
   and e-mail), so a photographed QR code alone takes nothing. Ten minutes, once.
2. The wallet trades both for an access token and a ``c_nonce`` (``redeem``). Five wrong
   transaction codes burn the offer.
3. The wallet proves it holds its key (a JWT of type ``openid4vci-proof+jwt`` over the
   issuer and the nonce, signed by the key in its header: a JWK or a ``did:key``) and gets
   the signed credential (``deliver``), once.

Two configurations: ``OpenBadgeCredential_ldp_vc``, the Open Badges 3.0 credential as
issued, with its Data Integrity proof (``ldp_vc``); and ``LearningCredential_dc+sd-jwt``,
the EU digital identity wallet's Learning Credential (:mod:`vnfil.credentials.sdjwt`),
made for the wallet's key. The wallet takes one of them, once. Every step is recorded on
the offer.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import warnings
from datetime import datetime, timedelta
from typing import Any

from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import JWKRegistry, OKPKey
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from vnfil.accounts.service import hash_token
from vnfil.credentials import sdjwt
from vnfil.credentials.document import OB_CONTEXT, VC_CONTEXT
from vnfil.credentials.keys import active_key
from vnfil.credentials.models import Credential, CredentialOffer
from vnfil.credentials.signing import ProofError, public_key_of
from vnfil.platform.db import as_utc, utcnow

CONFIG_ID = "OpenBadgeCredential_ldp_vc"
SD_JWT_CONFIG_ID = "LearningCredential_dc+sd-jwt"
CONFIG_IDS = [CONFIG_ID, SD_JWT_CONFIG_ID]
PRE_AUTHORIZED = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
OFFER_MINUTES = 10
TOKEN_MINUTES = 10
TX_CODE_DIGITS = 6
TX_CODE_TRIES = 5
PROOF_TYPE = "openid4vci-proof+jwt"
PROOF_ALGS = ["EdDSA", "Ed25519", "ES256"]
PROOF_SKEW = timedelta(minutes=5)


class OfferError(Exception):
    """An OAuth / OpenID4VCI error answer: its code (``invalid_grant``…) and why."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error, self.description, self.status = error, description, status


NONCE_SECONDS = 300


def fresh_nonce(secret: str, now: datetime | None = None) -> str:
    """A ``c_nonce`` from the Nonce Endpoint: the time it was made and a random part,
    sealed with the server secret, so any instance can tell it is its own and fresh."""
    made = int((now or utcnow()).timestamp())
    body = f"{made}.{secrets.token_urlsafe(16)}"
    return f"{body}.{_seal(secret, body)}"


def _seal(secret: str, body: str) -> str:
    mac = hmac.new(secret.encode(), f"oid4vci-nonce|{body}".encode(), hashlib.sha256)
    return mac.hexdigest()[:32]


def nonce_is_fresh(secret: str, nonce: str, now: datetime | None = None) -> bool:
    made, _, rest = nonce.partition(".")
    random_part, _, seal = rest.partition(".")
    if not made.isdigit() or not random_part or not seal:
        return False
    if not hmac.compare_digest(seal, _seal(secret, f"{made}.{random_part}")):
        return False
    age = int((now or utcnow()).timestamp()) - int(made)
    return 0 <= age <= NONCE_SECONDS


def issuer_metadata(base_url: str) -> dict[str, Any]:
    """``/.well-known/openid-credential-issuer``."""
    return {
        "credential_issuer": base_url,
        "authorization_servers": [base_url],
        "credential_endpoint": f"{base_url}/oid4vci/credential",
        "nonce_endpoint": f"{base_url}/oid4vci/nonce",
        "display": [{"name": "vnfil", "locale": "en"}, {"name": "vnfil", "locale": "pl"}],
        "credential_configurations_supported": {
            CONFIG_ID: {
                "format": "ldp_vc",
                "credential_definition": {
                    "@context": [VC_CONTEXT, OB_CONTEXT],
                    "type": ["VerifiableCredential", "OpenBadgeCredential"],
                },
                "cryptographic_binding_methods_supported": ["jwk", "did:key"],
                "credential_signing_alg_values_supported": ["eddsa-rdfc-2022"],
                "proof_types_supported": {
                    "jwt": {"proof_signing_alg_values_supported": PROOF_ALGS}
                },
                "display": [
                    {"name": "Validated learning (Open Badge)", "locale": "en"},
                    {"name": "Potwierdzone efekty uczenia się (Open Badge)", "locale": "pl"},
                ],
            },
            SD_JWT_CONFIG_ID: {
                **sdjwt.configuration(),
                "proof_types_supported": {
                    "jwt": {"proof_signing_alg_values_supported": PROOF_ALGS}
                },
            },
        },
    }


def authorization_metadata(base_url: str) -> dict[str, Any]:
    """``/.well-known/oauth-authorization-server`` (RFC 8414): the token endpoint."""
    return {
        "issuer": base_url,
        "token_endpoint": f"{base_url}/oid4vci/token",
        "grant_types_supported": [PRE_AUTHORIZED],
        "pre-authorized_grant_anonymous_access_supported": True,
        "response_types_supported": [],
    }


async def make_offer(
    session: AsyncSession, credential: Credential, base_url: str
) -> tuple[CredentialOffer, dict[str, Any], str]:
    """A new offer: the row, the Credential Offer object, and the transaction code (to be
    sent to the holder apart; neither code is stored)."""
    code = secrets.token_urlsafe(32)
    tx_code = "".join(secrets.choice("0123456789") for _ in range(TX_CODE_DIGITS))
    offer = CredentialOffer(
        credential_id=credential.id,
        code_hash=hash_token(code),
        tx_code_hash=hash_token(tx_code),
        expires_at=utcnow() + timedelta(minutes=OFFER_MINUTES),
    )
    session.add(offer)
    await session.flush()
    return offer, offer_body(base_url, code), tx_code


def offer_body(base_url: str, code: str) -> dict[str, Any]:
    """The Credential Offer object of a pre-authorized code."""
    return {
        "credential_issuer": base_url,
        "credential_configuration_ids": CONFIG_IDS,
        "grants": {
            PRE_AUTHORIZED: {
                "pre-authorized_code": code,
                "tx_code": {
                    "input_mode": "numeric",
                    "length": TX_CODE_DIGITS,
                    "description": "Sent to you by vnfil / Wysłany przez vnfil",
                },
            }
        },
    }


async def offered(session: AsyncSession, code: str, base_url: str) -> dict[str, Any]:
    """An offer fetched by reference (``credential_offer_uri``), while it can be used."""
    offer = await session.scalar(
        select(CredentialOffer).where(CredentialOffer.code_hash == hash_token(code)).limit(1)
    )
    if (
        offer is None
        or offer.redeemed_at is not None
        or as_utc(offer.expires_at) <= utcnow()
        or offer.attempts >= TX_CODE_TRIES
    ):
        raise OfferError("invalid_request", "no such offer, or it was used or has expired", 404)
    return offer_body(base_url, code)


async def redeem(session: AsyncSession, code: str, tx_code: str) -> tuple[str, str]:
    """The token endpoint: (access token, c_nonce) for a live offer's codes."""
    offer = await session.scalar(
        select(CredentialOffer).where(CredentialOffer.code_hash == hash_token(code)).limit(1)
    )
    if offer is None:
        raise OfferError("invalid_grant", "no such offer")
    if offer.redeemed_at is not None:
        raise OfferError("invalid_grant", "this offer was already used")
    if as_utc(offer.expires_at) <= utcnow() or offer.attempts >= TX_CODE_TRIES:
        raise OfferError("invalid_grant", "this offer has expired; ask for a new one")
    if not secrets.compare_digest(offer.tx_code_hash, hash_token(tx_code)):
        offer.attempts += 1
        raise OfferError("invalid_grant", "the transaction code is wrong")
    token, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    # One conditional UPDATE claims the offer: of two redemptions at once, one wins.
    claimed = await session.execute(
        update(CredentialOffer)
        .where(CredentialOffer.id == offer.id, CredentialOffer.redeemed_at.is_(None))
        .values(
            redeemed_at=utcnow(),
            token_hash=hash_token(token),
            token_expires_at=utcnow() + timedelta(minutes=TOKEN_MINUTES),
            nonce=nonce,
        )
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise OfferError("invalid_grant", "this offer was already used")
    return token, nonce


async def _offer_of_token(session: AsyncSession, token: str) -> CredentialOffer:
    offer = await session.scalar(
        select(CredentialOffer).where(CredentialOffer.token_hash == hash_token(token)).limit(1)
    )
    if offer is None or offer.token_expires_at is None:
        raise OfferError("invalid_token", "unknown access token", 401)
    if as_utc(offer.token_expires_at) <= utcnow():
        raise OfferError("invalid_token", "the access token has expired", 401)
    return offer


def _holder_key(header: dict[str, Any]) -> Any:
    """The key a proof is signed with: a public JWK in its header, or a did:key."""
    if "jwk" in header:
        jwk = header["jwk"]
        if not isinstance(jwk, dict) or "d" in jwk:
            raise OfferError("invalid_proof", "the proof's jwk must be a public key")
        return JWKRegistry.import_key(jwk)
    kid = str(header.get("kid", ""))
    if kid.startswith("did:key:"):
        try:
            public = public_key_of(kid.removeprefix("did:key:").split("#", 1)[0])
        except (ProofError, ValueError):
            raise OfferError("invalid_proof", "only Ed25519 did:key keys are accepted") from None
        return OKPKey.import_key(public)
    raise OfferError("invalid_proof", "the proof names no key (jwk or a did:key kid)")


def check_proof(
    proof_jwt: str, base_url: str, nonce: str, secret: str = ""
) -> tuple[str, dict[str, Any]]:
    """The wallet holds its key: the proof's type, signature, audience, nonce (the one
    given with its token, or a fresh one from the Nonce Endpoint) and time. Returns the
    key's thumbprint and its public JWK."""
    try:
        compact = jws.extract_compact(proof_jwt.encode())
    except (JoseError, ValueError):
        raise OfferError("invalid_proof", "the proof is not a compact JWT") from None
    header = compact.protected
    if header.get("typ") != PROOF_TYPE:
        raise OfferError("invalid_proof", f"the proof's typ must be {PROOF_TYPE}")
    if header.get("alg") not in PROOF_ALGS:
        raise OfferError("invalid_proof", f"the proof is signed with one of {PROOF_ALGS}")
    key = _holder_key(header)
    try:
        with warnings.catch_warnings():  # "EdDSA" is what wallets send (RFC 9864 renames it)
            warnings.simplefilter("ignore")
            token = jwt.decode(proof_jwt, key, algorithms=PROOF_ALGS)
    except (JoseError, ValueError):
        raise OfferError("invalid_proof", "the proof's signature does not verify") from None
    claims = token.claims
    audience = claims.get("aud")
    if audience != base_url and not (isinstance(audience, list) and base_url in audience):
        raise OfferError("invalid_proof", "the proof is not addressed to this issuer")
    said = claims.get("nonce")
    if not isinstance(said, str) or not (
        (nonce and secrets.compare_digest(said, nonce)) or (secret and nonce_is_fresh(secret, said))
    ):
        raise OfferError("invalid_nonce", "the proof's nonce is not one given, or is stale")
    iat = claims.get("iat")
    now = utcnow()
    if not isinstance(iat, int) or not (
        now - PROOF_SKEW <= datetime.fromtimestamp(iat, now.tzinfo) <= now + PROOF_SKEW
    ):
        raise OfferError("invalid_proof", "the proof's iat is not now")
    return str(key.thumbprint()), key.as_dict(private=False)


async def deliver(
    session: AsyncSession, token: str, request: dict[str, Any], base_url: str, secret: str = ""
) -> dict[str, Any]:
    """The credential endpoint: the signed credential, once, to the wallet that proves
    it holds its key: as issued (``ldp_vc``) or as the EU wallet's SD-JWT VC bound to
    that key."""
    offer = await _offer_of_token(session, token)
    if offer.delivered_at is not None:
        raise OfferError("invalid_request", "this offer's credential was already issued")
    configuration = request.get("credential_configuration_id")
    if configuration not in CONFIG_IDS:
        raise OfferError(
            "invalid_credential_request",
            f"the configurations offered are {', '.join(CONFIG_IDS)}",
        )
    proofs = request.get("proofs")
    if isinstance(proofs, dict) and isinstance(proofs.get("jwt"), list) and proofs["jwt"]:
        proof_jwt = proofs["jwt"][0]
    else:
        proof = request.get("proof")
        proof_jwt = proof.get("jwt") if isinstance(proof, dict) else None
    if not isinstance(proof_jwt, str):
        raise OfferError("invalid_proof", "send a jwt proof of the wallet's key")
    thumbprint, holder_jwk = check_proof(proof_jwt, base_url, offer.nonce or "", secret)
    credential = await session.get(Credential, offer.credential_id)
    assert credential is not None
    if credential.revoked_at is not None:
        raise OfferError("credential_request_denied", "this credential was revoked")
    delivered = await session.execute(
        update(CredentialOffer)
        .where(CredentialOffer.id == offer.id, CredentialOffer.delivered_at.is_(None))
        .values(
            delivered_at=utcnow(), holder_key=thumbprint, nonce=None, configuration=configuration
        )
    )
    if delivered.rowcount != 1:  # type: ignore[attr-defined]
        raise OfferError("invalid_request", "this offer's credential was already issued")
    if configuration == SD_JWT_CONFIG_ID:
        key = await active_key(session, secret, credential.awarding_body_id)
        made = sdjwt.issue(credential.document, key, base_url, holder_jwk, utcnow())
        return {"credentials": [{"credential": made}]}
    return {"credentials": [{"credential": credential.document}]}
