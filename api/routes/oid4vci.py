"""OpenID for Verifiable Credential Issuance: the issuer's metadata, the token and
credential endpoints a wallet calls (``vnfil.credentials.oid4vci``), and the holder's offer."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from urllib.parse import quote

import segno
from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.deps import CurrentUser, PathId, SessionDep, SettingsDep, read_capped
from api.routes.backpack import mine
from vnfil.accounts.models import Notification, User
from vnfil.credentials.oid4vci import (
    PRE_AUTHORIZED,
    TOKEN_MINUTES,
    OfferError,
    authorization_metadata,
    deliver,
    fresh_nonce,
    issuer_metadata,
    make_offer,
    offered,
    redeem,
)
from vnfil.platform.rendering import render_message

router = APIRouter(tags=["wallets"])
NO_STORE = {"Cache-Control": "no-store"}


def _refused(exc: OfferError) -> JSONResponse:
    headers = dict(NO_STORE)
    if exc.status == 401:
        headers["WWW-Authenticate"] = f'Bearer error="{exc.error}"'
    return JSONResponse(
        {"error": exc.error, "error_description": exc.description},
        status_code=exc.status,
        headers=headers,
    )


@router.get("/.well-known/openid-credential-issuer")
async def credential_issuer(settings: SettingsDep) -> dict[str, Any]:
    return issuer_metadata(settings.public_base_url)


@router.get("/.well-known/oauth-authorization-server")
async def authorization_server(settings: SettingsDep) -> dict[str, Any]:
    return authorization_metadata(settings.public_base_url)


@router.post("/oid4vci/token")
async def token(request: Request, session: SessionDep) -> JSONResponse:
    """The pre-authorized code and the transaction code, for an access token (a form)."""
    form = await request.form()
    if form.get("grant_type") != PRE_AUTHORIZED:
        return _refused(OfferError("unsupported_grant_type", f"only {PRE_AUTHORIZED}"))
    code, tx_code = form.get("pre-authorized_code"), form.get("tx_code")
    if not isinstance(code, str) or not isinstance(tx_code, str) or len(code) > 200:
        return _refused(OfferError("invalid_request", "send pre-authorized_code and tx_code"))
    try:
        access, nonce = await redeem(session, code, tx_code[:20])
    except OfferError as exc:
        await session.commit()  # a wrong transaction code counts
        return _refused(exc)
    await session.commit()
    return JSONResponse(
        {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": TOKEN_MINUTES * 60,
            "c_nonce": nonce,
            "c_nonce_expires_in": TOKEN_MINUTES * 60,
        },
        headers=NO_STORE,
    )


@router.post("/oid4vci/nonce")
async def nonce(settings: SettingsDep) -> JSONResponse:
    """A fresh ``c_nonce`` for a proof of the wallet's key (OpenID4VCI 1.0's Nonce
    Endpoint); it is good for five minutes."""
    return JSONResponse({"c_nonce": fresh_nonce(settings.secret_key)}, headers=NO_STORE)


@router.post("/oid4vci/credential")
async def credential(request: Request, session: SessionDep, settings: SettingsDep) -> JSONResponse:
    """The signed credential, once, for the access token and a proof of the wallet's key."""
    auth = request.headers.get("authorization", "")
    if not auth.lower().startswith("bearer "):
        return _refused(OfferError("invalid_token", "send the access token", 401))
    try:
        body = json.loads(await read_capped(request, 64 * 1024, "a credential request"))
    except ValueError:
        return _refused(OfferError("invalid_credential_request", "the body is not JSON"))
    if not isinstance(body, dict):
        return _refused(OfferError("invalid_credential_request", "the body is not an object"))
    try:
        answer = await deliver(
            session, auth[7:].strip(), body, settings.public_base_url, settings.secret_key
        )
    except OfferError as exc:
        return _refused(exc)
    await session.commit()
    return JSONResponse(answer, headers=NO_STORE)


@router.get("/oid4vci/offers/{code}")
async def offer_by_reference(code: PathId, session: SessionDep, settings: SettingsDep) -> Any:
    """The Credential Offer a wallet fetches from ``credential_offer_uri`` (a short QR code
    instead of the whole offer), while the offer can still be used."""
    try:
        return JSONResponse(
            await offered(session, code, settings.public_base_url), headers=NO_STORE
        )
    except OfferError as exc:
        return _refused(exc)


class OfferMade(BaseModel):
    offer_uri: str  # openid-credential-offer://… for the wallet (as a QR code or a link)
    qr: str  # the same as a QR code (an SVG data: URI) for a phone's wallet to scan
    credential_offer: dict[str, Any]
    expires_at: datetime


@router.post("/me/credentials/{credential_id}/offers", status_code=201)
async def offer_to_wallet(
    credential_id: PathId, session: SessionDep, user: CurrentUser, settings: SettingsDep
) -> OfferMade:
    """An offer of the credential to the holder's wallet; its transaction code goes to
    their messages (and e-mail), not in the answer."""
    cred = await mine(session, user, credential_id)
    if cred.revoked_at is not None:
        raise HTTPException(
            status.HTTP_409_CONFLICT, "this credential was revoked: it cannot go into a wallet"
        )
    person = await session.get(User, user.id)
    if person is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such person")
    offer, body, tx_code = await make_offer(session, cred, settings.public_base_url)
    subject, text = render_message(
        "wallet-code",
        person.language,
        name=person.name,
        title=str(cred.document.get("name", "")),
        code=tx_code,
        minutes=10,
    )
    session.add(
        Notification(
            id=f"wallet-code:{offer.id}",
            recipient_id=person.id,
            template="wallet-code",
            subject=subject,
            body=text,
        )
    )
    await session.commit()
    # By reference: a QR code a phone reads at a glance (the whole offer makes a dense one).
    code = body["grants"][PRE_AUTHORIZED]["pre-authorized_code"]
    reference = f"{settings.public_base_url}/oid4vci/offers/{code}"
    uri = "openid-credential-offer://?credential_offer_uri=" + quote(reference, safe="")

    qr = segno.make(uri, error="l").svg_data_uri(scale=4, border=2)
    return OfferMade(offer_uri=uri, qr=qr, credential_offer=body, expires_at=offer.expires_at)
