"""Public, unauthenticated: verify any credential, read status lists and issuer keys."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, status
from sqlalchemy import select

from api.deps import PathId, SessionDep, SettingsDep, read_capped
from vnfil.accounts.models import AwardingBody
from vnfil.credentials.document import VC_CONTEXT
from vnfil.credentials.keys import issuer_url, method_id
from vnfil.credentials.models import SigningKey, StatusList
from vnfil.credentials.schemas import VerificationResult
from vnfil.credentials.verification import DatabaseRegistry, verify_json

router = APIRouter(tags=["verification"])
MAX_CREDENTIAL_BYTES = 1024 * 1024


@router.post(
    "/verify",
    responses={413: {"description": "the body is over 1 MiB (read no further than that)"}},
)
async def verify(
    request: Request, session: SessionDep, settings: SettingsDep
) -> VerificationResult:
    """Any credential JSON in the body; the answer names each check and the first that failed.

    A body that is not strict JSON (NaN, Infinity, a number out of range, nesting too
    deep) or not a credential is answered 200 with ``failed: "malformed"``.
    """
    raw = await read_capped(request, MAX_CREDENTIAL_BYTES, "a credential")
    return await verify_json(raw, DatabaseRegistry(session, settings.public_base_url))


@router.get("/status/{list_id}")
async def status_list(list_id: PathId, session: SessionDep) -> dict:
    """The signed Bitstring Status List credential; it changes the moment a bit flips."""
    row = await session.get(StatusList, list_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no status list {list_id}")
    return row.credential


@router.get("/issuers/{awarding_body_id}")
async def issuer_profile(
    awarding_body_id: PathId, session: SessionDep, settings: SettingsDep
) -> dict:
    """The issuer's profile and controller document: every key it ever signed with.

    Retired keys stay listed (what they signed stays valid); revoked ones say when.
    """
    body = await session.get(AwardingBody, awarding_body_id)
    if body is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no awarding body {awarding_body_id}")
    base = settings.public_base_url
    url = issuer_url(base, body.id)
    keys = list(
        await session.scalars(
            select(SigningKey)
            .where(SigningKey.awarding_body_id == body.id)
            .order_by(SigningKey.created_at)
        )
    )
    methods = [
        {
            "id": method_id(base, k),
            "type": "Multikey",
            "controller": url,
            "publicKeyMultibase": k.public_multikey,
            **({"retired": k.retired_at.isoformat()} if k.retired_at else {}),
            **({"revoked": k.revoked_at.isoformat()} if k.revoked_at else {}),
        }
        for k in keys
    ]
    return {
        "@context": [VC_CONTEXT, "https://w3id.org/security/multikey/v1"],
        "id": url,
        "type": ["Profile"],
        "name": body.name,
        **({"url": body.url} if body.url else {}),
        "address": {"type": ["Address"], "addressCountry": body.country},
        "verificationMethod": methods,
        "assertionMethod": [m["id"] for m in methods if "revoked" not in m],
    }
