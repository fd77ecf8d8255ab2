"""A credential into the holder's Learner Credential Wallet: a VC-API exchange (W3C CCG
VC-API / VCALM "Participate in an Exchange"), the protocol LCW speaks.

1. The holder asks for an exchange (``make_exchange``): its URL holds a random secret
   (only its SHA-256 is kept). Ten minutes, once. The holder's page shows it as the
   interaction URL's QR code and as LCW's deep link (``lcw_deep_link``).
2. The wallet POSTs ``{}`` to the exchange URL and gets a presentation request: a
   ``DIDAuthentication`` query with a challenge and vnfil's domain (``participate``).
3. The wallet POSTs ``{"verifiablePresentation": …}``, that presentation signed by its
   did:key over the challenge and domain (:mod:`vnfil.credentials.didauth`), and gets
   ``{"verifiablePresentation": {"verifiableCredential": [the signed credential]}}``.

The credential is the Open Badges 3.0 document as issued (its Data Integrity proof and its
Bitstring Status List entry, so a revocation reaches it as every other copy). Every step
is recorded on the exchange: when it was started and completed, the holder's DID and
suite, how many presentations were refused and the last reason.
"""

from __future__ import annotations

import json
import secrets
from datetime import timedelta
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from vnfil.accounts.service import hash_token
from vnfil.credentials.didauth import SUITES, DidAuthError, verify_did_auth
from vnfil.credentials.document import VC_CONTEXT
from vnfil.credentials.models import Credential, CredentialExchange
from vnfil.platform.db import as_utc, utcnow

EXCHANGE_MINUTES = 10
# LCW's request page: it hands its query to the app (dccrequest://request?…), which runs
# the VC-API exchange named in ``protocols.vcapi`` (app/lib/deepLink.ts).
LCW_REQUEST_PAGE = "https://lcw.app/request.html"
# RFC 9457 problem types: the VC Data Model 2.0's where one fits, else the HTTP status's.
_VCDM = "https://www.w3.org/TR/vc-data-model-2.0#"


class ExchangeError(Exception):
    """A refusal, answered as an RFC 9457 problem (VCALM's ProblemDetails)."""

    def __init__(self, detail: str, status: int = 400, problem: str | None = None) -> None:
        super().__init__(detail)
        self.detail, self.status, self.problem = detail, status, problem

    def body(self) -> dict[str, Any]:
        return {
            "type": _VCDM + self.problem if self.problem else "about:blank",
            "status": self.status,
            "title": self.problem or HTTPStatus(self.status).phrase,
            "detail": self.detail,
        }


def exchange_url(base_url: str, secret: str) -> str:
    return f"{base_url}/exchanges/{secret}"


def interaction_url(base_url: str, secret: str) -> str:
    """VCALM's interaction URL: a wallet GETs the protocols it offers (as JSON); a
    browser (a phone's camera app) is sent on to LCW."""
    return f"{base_url}/interactions/{secret}?iuv=1"


def lcw_deep_link(base_url: str, secret: str) -> str:
    """LCW's link for a VC-API exchange (what DCC's coordinators make)."""
    request = {
        "credentialRequestOrigin": base_url,
        "protocols": {"vcapi": exchange_url(base_url, secret)},
    }
    text = json.dumps(request, separators=(",", ":"))
    return f"{LCW_REQUEST_PAGE}?request=" + quote(text, safe="")  # as encodeURIComponent


async def make_exchange(
    session: AsyncSession, credential: Credential
) -> tuple[CredentialExchange, str]:
    """A new exchange of the credential and its secret (shown this once, kept as a hash)."""
    if credential.revoked_at is not None:
        raise ExchangeError("this credential is revoked: a wallet would show it so", 409)
    secret = secrets.token_urlsafe(32)
    exchange = CredentialExchange(
        credential_id=credential.id,
        exchange_hash=hash_token(secret),
        challenge=secrets.token_urlsafe(24),
        expires_at=utcnow() + timedelta(minutes=EXCHANGE_MINUTES),
    )
    session.add(exchange)
    await session.flush()
    return exchange, secret


async def live_exchange(session: AsyncSession, secret: str) -> CredentialExchange:
    """The exchange of this secret while it can be used, else why not."""
    exchange = await session.scalar(
        select(CredentialExchange)
        .where(CredentialExchange.exchange_hash == hash_token(secret))
        .limit(1)
    )
    if exchange is None:
        raise ExchangeError("no such exchange", 404)
    if exchange.completed_at is not None:
        raise ExchangeError("this exchange was already used", 410)
    if as_utc(exchange.expires_at) <= utcnow():
        raise ExchangeError("this exchange has expired; ask for a new one", 410)
    return exchange


def presentation_request(base_url: str, secret: str, challenge: str) -> dict[str, Any]:
    """What the wallet must answer: prove its DID over this challenge and domain."""
    return {
        "verifiablePresentationRequest": {
            "query": [
                {
                    "type": "DIDAuthentication",
                    "acceptedMethods": [{"method": "key"}],
                    "acceptedCryptosuites": [{"cryptosuite": s} for s in SUITES],
                }
            ],
            "challenge": challenge,
            "domain": base_url,
            "interact": {
                "service": [
                    {
                        "type": "VerifiableCredentialApiExchangeService",
                        "serviceEndpoint": exchange_url(base_url, secret),
                    }
                ]
            },
        }
    }


async def participate(
    session: AsyncSession, secret: str, message: dict[str, Any], base_url: str
) -> dict[str, Any]:
    """One step of the exchange: ``{}`` starts it (the presentation request); the
    wallet's DID Authentication completes it (the credential), once. A refused
    presentation is recorded on the exchange (the caller commits it)."""
    exchange = await live_exchange(session, secret)
    if not message:
        if exchange.started_at is None:
            exchange.started_at = utcnow()
        return presentation_request(base_url, secret, exchange.challenge)
    if "verifiablePresentation" not in message:
        raise ExchangeError(
            'send {} to start the exchange, then {"verifiablePresentation": …}',
            problem="MALFORMED_VALUE_ERROR",
        )
    try:
        proved = verify_did_auth(
            message["verifiablePresentation"], challenge=exchange.challenge, domain=base_url
        )
    except DidAuthError as exc:
        exchange.refusals += 1
        exchange.last_refusal = str(exc)[:300]
        problem = "MALFORMED_VALUE_ERROR" if exc.malformed else "CRYPTOGRAPHIC_SECURITY_ERROR"
        raise ExchangeError(str(exc), problem=problem) from None
    credential = await session.get(Credential, exchange.credential_id)
    assert credential is not None
    if credential.revoked_at is not None:
        raise ExchangeError("this credential was revoked", 410)
    # One conditional UPDATE completes it: of two presentations at once, one wins.
    completed = await session.execute(
        update(CredentialExchange)
        .where(CredentialExchange.id == exchange.id, CredentialExchange.completed_at.is_(None))
        .values(completed_at=utcnow(), holder_did=proved.holder, holder_proof=proved.suite)
    )
    if completed.rowcount != 1:  # type: ignore[attr-defined]
        raise ExchangeError("this exchange was already used", 410)
    return {
        "verifiablePresentation": {
            "@context": [VC_CONTEXT],
            "type": ["VerifiablePresentation"],
            "verifiableCredential": [credential.document],
        }
    }
