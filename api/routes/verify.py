"""Public, unauthenticated: verify any credential, read status lists and issuer keys."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import JSONResponse, Response
from sqlalchemy import select

from api.deps import PathId, SessionDep, SettingsDep, SignaturesDep, read_capped
from vnfil.accounts.models import AwardingBody
from vnfil.credentials.document import OB_CONTEXT, VC_CONTEXT
from vnfil.credentials.keys import active_key, did_document, issuer_did
from vnfil.credentials.models import SigningKey, StatusList
from vnfil.credentials.schemas import VerificationResult
from vnfil.credentials.status import TOKEN_MEDIA_TYPE, list_token
from vnfil.credentials.verification import verify_json
from vnfil.platform.db import utcnow
from vnfil.trust.registry import DatabaseRegistry

router = APIRouter(tags=["verification"])
MAX_CREDENTIAL_BYTES = 1024 * 1024


@router.post(
    "/verify",
    responses={413: {"description": "the body is over 1 MiB (read no further than that)"}},
)
async def verify(
    request: Request, session: SessionDep, settings: SettingsDep, signatures: SignaturesDep
) -> VerificationResult:
    """Any credential JSON in the body; the answer names each check and the first that failed.

    A body that is not strict JSON (NaN, Infinity, a number out of range, nesting too
    deep) or not a credential is answered 200 with ``failed: "malformed"``.
    """
    raw = await read_capped(request, MAX_CREDENTIAL_BYTES, "a credential")
    registry = DatabaseRegistry(session, settings.public_base_url)
    return await verify_json(raw, registry, checker=signatures)


@router.get(
    "/status/{list_id}",
    responses={200: {"content": {TOKEN_MEDIA_TYPE: {}}}},
)
async def status_list(
    list_id: PathId, request: Request, session: SessionDep, settings: SettingsDep
) -> Response:
    """The signed Bitstring Status List credential; it changes the moment a bit flips.
    Asked for ``application/statuslist+jwt``, the same list as an IETF Token Status List
    (what SD-JWT VCs point at), signed when asked."""
    row = await session.get(StatusList, list_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no status list {list_id}")
    if TOKEN_MEDIA_TYPE in request.headers.get("accept", ""):
        key = await active_key(session, settings.secret_key, row.awarding_body_id)
        token = list_token(row, key, settings.public_base_url, utcnow())
        return Response(
            token,
            media_type=TOKEN_MEDIA_TYPE,
            headers={"Cache-Control": "no-cache", "Vary": "Accept"},
        )
    return JSONResponse(row.credential, headers={"Vary": "Accept"})


async def _body_and_keys(
    session: SessionDep, awarding_body_id: str
) -> tuple[AwardingBody, list[SigningKey]]:
    body = await session.get(AwardingBody, awarding_body_id)
    if body is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no awarding body {awarding_body_id}")
    keys = await session.scalars(
        select(SigningKey)
        .where(SigningKey.awarding_body_id == body.id)
        .order_by(SigningKey.created_at, SigningKey.id)
    )
    return body, list(keys)


@router.get("/issuers/{awarding_body_id}")
async def issuer_profile(
    awarding_body_id: PathId, session: SessionDep, settings: SettingsDep
) -> dict:
    """The issuer as Open Badges 3.0 knows it (a ``Profile``), identified by its DID; its
    keys are in the DID document (``/issuers/{id}/did.json``)."""
    body, _ = await _body_and_keys(session, awarding_body_id)
    return {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": issuer_did(settings.public_base_url, body.id),
        "type": ["Profile"],
        "name": body.name,
        **({"url": body.url} if body.url else {}),
        "address": {
            "type": ["Address"],
            "addressCountry": body.country,
            "addressCountryCode": body.country,
        },
    }


@router.get("/issuers/{awarding_body_id}/did.json")
async def issuer_did_document(
    awarding_body_id: PathId, session: SessionDep, settings: SettingsDep
) -> JSONResponse:
    """What ``did:web`` resolution of the awarding body reads: every key it ever signed
    with; retired keys stay (what they signed stays valid), revoked ones say when and are
    no assertion method any more."""
    body, keys = await _body_and_keys(session, awarding_body_id)
    return JSONResponse(
        did_document(settings.public_base_url, body.id, keys),
        media_type="application/did+json",
    )
