"""Public, unauthenticated: verify any credential, read status lists and issuer keys."""

from __future__ import annotations

import json

from fastapi import APIRouter, HTTPException, Request, status
from sqlalchemy import select

from api.deps import SessionDep, SettingsDep
from vnfil.credentials import VC_CONTEXT
from vnfil.keys import issuer_url, method_id
from vnfil.models import AwardingBody, SigningKey, StatusList
from vnfil.schemas import Check, VerificationResult
from vnfil.verification import DatabaseRegistry, verify_credential

router = APIRouter(tags=["verification"])
MAX_CREDENTIAL_BYTES = 1024 * 1024


@router.post("/verify")
async def verify(
    request: Request, session: SessionDep, settings: SettingsDep
) -> VerificationResult:
    """Any credential JSON in the body; the answer names each check and the first that failed."""
    raw = await request.body()
    if len(raw) > MAX_CREDENTIAL_BYTES:
        raise HTTPException(
            status.HTTP_413_CONTENT_TOO_LARGE,
            f"a credential is at most {MAX_CREDENTIAL_BYTES // 1024} KiB; this is {len(raw)} bytes",
        )
    try:
        doc = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        return VerificationResult(
            verified=False,
            failed="malformed",
            checks=[Check(name="malformed", ok=False, detail=f"the body is not JSON: {exc}")],
        )
    return await verify_credential(doc, DatabaseRegistry(session, settings.public_base_url))


@router.get("/status/{list_id}")
async def status_list(list_id: str, session: SessionDep) -> dict:
    """The signed Bitstring Status List credential; it changes the moment a bit flips."""
    row = await session.get(StatusList, list_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no status list {list_id}")
    return row.credential


@router.get("/issuers/{awarding_body_id}")
async def issuer_profile(awarding_body_id: str, session: SessionDep, settings: SettingsDep) -> dict:
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
