"""VC-API exchanges for the Learner Credential Wallet (``vnfil.credentials.vcapi``): the
holder's exchange, its interaction URL and the exchange endpoint the wallet posts to.

URLs: ``POST /me/credentials/{id}/exchanges`` (the signed-in holder) makes one;
``GET /interactions/{secret}?iuv=1`` (VCALM's interaction URL, the QR code) answers a
wallet with ``{"protocols": {"vcapi": …}}`` and sends a browser on to LCW;
``POST /exchanges/{secret}`` is the exchange itself (``protocols.vcapi``)."""

from __future__ import annotations

from datetime import datetime

import segno
from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel

from api.deps import CurrentUser, PathId, SessionDep, SettingsDep, read_capped
from api.routes.backpack import mine
from vnfil.credentials.vcapi import (
    ExchangeError,
    exchange_url,
    interaction_url,
    lcw_deep_link,
    live_exchange,
    make_exchange,
    participate,
)
from vnfil.credentials.verification import MalformedInput, parse_credential
from vnfil.platform.rendering import environment

router = APIRouter(tags=["wallets"])
NO_STORE = {"Cache-Control": "no-store"}
MESSAGE_MAX = 64 * 1024  # a DID Authentication is under 2 KiB


def _problem(exc: ExchangeError) -> JSONResponse:
    return JSONResponse(
        exc.body(), status_code=exc.status, media_type="application/problem+json", headers=NO_STORE
    )


@router.post("/exchanges/{exchange_id}")
async def exchange_step(
    exchange_id: PathId, request: Request, session: SessionDep, settings: SettingsDep
) -> Response:
    """Participate in the exchange: ``{}`` for the presentation request, then the
    wallet's DID Authentication for the credential (once)."""
    try:
        raw = await read_capped(request, MESSAGE_MAX, "an exchange message")
    except HTTPException as exc:
        return _problem(ExchangeError(str(exc.detail), exc.status_code))
    try:
        message = parse_credential(raw) if raw.strip() else {}
    except MalformedInput as exc:
        return _problem(ExchangeError(str(exc), problem="PARSING_ERROR"))
    if not isinstance(message, dict):
        return _problem(ExchangeError("the body is not a JSON object", problem="PARSING_ERROR"))
    try:
        answer = await participate(session, exchange_id, message, settings.public_base_url)
    except ExchangeError as exc:
        await session.commit()  # a refused presentation is recorded
        return _problem(exc)
    await session.commit()
    return JSONResponse(answer, headers=NO_STORE)


@router.get("/interactions/{exchange_id}")
async def interaction(
    exchange_id: PathId, request: Request, session: SessionDep, settings: SettingsDep
) -> Response:
    """The interaction URL: its protocols for a wallet that asks for JSON; a browser
    (a phone's camera opened the QR code) goes on to the Learner Credential Wallet."""
    wants_json = "application/json" in request.headers.get("accept", "")
    try:
        await live_exchange(session, exchange_id)
    except ExchangeError as exc:
        if wants_json:
            return _problem(exc)
        gone = environment().get_template("exchange-gone.html.j2").render(status=exc.status)
        return HTMLResponse(gone, status_code=exc.status, headers=NO_STORE)
    base = settings.public_base_url
    if wants_json:
        return JSONResponse(
            {"protocols": {"vcapi": exchange_url(base, exchange_id)}}, headers=NO_STORE
        )
    return RedirectResponse(lcw_deep_link(base, exchange_id), status_code=303, headers=NO_STORE)


class ExchangeMade(BaseModel):
    deep_link: str  # https://lcw.app/request.html?request=… (LCW on this phone)
    interaction_url: str  # …/interactions/{secret}?iuv=1 (what the QR code holds)
    qr: str  # the interaction URL as a QR code (an SVG data: URI)
    exchange_url: str  # protocols.vcapi
    expires_at: datetime


@router.post("/me/credentials/{credential_id}/exchanges", status_code=201)
async def exchange_for_wallet(
    credential_id: PathId, session: SessionDep, user: CurrentUser, settings: SettingsDep
) -> ExchangeMade:
    """An exchange of the credential with the holder's Learner Credential Wallet: ten
    minutes, once. Its links are in this answer only."""
    cred = await mine(session, user, credential_id)
    if cred.revoked_at is not None:
        raise HTTPException(
            status.HTTP_409_CONFLICT, "this credential is revoked: a wallet would show it so"
        )
    exchange, secret = await make_exchange(session, cred)
    await session.commit()
    base = settings.public_base_url
    interact = interaction_url(base, secret)
    return ExchangeMade(
        deep_link=lcw_deep_link(base, secret),
        interaction_url=interact,
        qr=segno.make(interact, error="l").svg_data_uri(scale=4, border=2),
        exchange_url=exchange_url(base, secret),
        expires_at=exchange.expires_at,
    )
