"""Evidence in and out, streamed end to end; stored evidence is never changed."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import StreamingResponse
from sqlalchemy import select

from api.cases import actor_of, case_status, send_step
from api.deps import (
    CurrentUser,
    SessionDep,
    SettingsDep,
    StoreDep,
    TemporalDep,
    VisibleCase,
    require_roles,
)
from api.uploads import incoming_file
from vnfil.evidence import UploadRejected
from vnfil.models import Evidence, Role, Stage
from vnfil.schemas import EvidenceKind, EvidenceRead, EvidenceRef, PhotoRef
from workflows.case import ValidationCase

router = APIRouter(prefix="/cases/{case_id}/evidence", tags=["evidence"])


@router.post("", status_code=201, dependencies=[require_roles(Role.candidate)])
async def upload_evidence(
    request: Request,
    case: VisibleCase,
    user: CurrentUser,
    temporal: TemporalDep,
    store: StoreDep,
    settings: SettingsDep,
    kind: EvidenceKind,
    lo: Annotated[list[str], Query(min_length=1, description="learning outcome ids it supports")],
    filename: str | None = None,
) -> EvidenceRead:
    """Stream one file into the portfolio: raw body (``?filename=``) or multipart ``file``."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > settings.max_upload_bytes + 64 * 1024:
        raise HTTPException(
            status.HTTP_413_CONTENT_TOO_LARGE,
            f"file is larger than the limit of {settings.max_upload_bytes} bytes",
        )
    # Cheap early refusals, so nobody streams a gigabyte into a closed portfolio.
    # The workflow's validator stays the authority once the file is in.
    state = await case_status(temporal, case)
    if state.stage != Stage.documentation or state.submitted:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            f"the portfolio takes evidence only in documentation; the case is in {state.stage.value}",
        )
    unknown = sorted(set(lo) - set(state.selected_lo_ids))
    if unknown:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"evidence maps to outcomes not selected: {', '.join(unknown)}",
        )
    incoming = await incoming_file(request, filename)
    if incoming.media_type not in settings.allowed_media_types:
        raise HTTPException(
            status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            f"{incoming.media_type} is not accepted; allowed: {', '.join(settings.allowed_media_types)}",
        )
    evidence_id = str(uuid.uuid4())
    key = f"cases/{case.id}/evidence/{evidence_id}"
    try:
        stored = await store.put_stream(
            key,
            incoming.chunks,
            media_type=incoming.media_type,
            max_bytes=settings.max_upload_bytes,
            metadata={"case-id": case.id, "evidence-id": evidence_id},
        )
    except UploadRejected as exc:
        raise HTTPException(exc.status, exc.message) from None
    ref = EvidenceRef(
        evidence_id=evidence_id,
        object_key=key,
        sha256=stored.sha256,
        size=stored.size,
        filename=incoming.filename,
        media_type=incoming.media_type,
        kind=kind,
        lo_ids=lo,
    )
    try:
        await send_step(temporal, case, ValidationCase.add_evidence, actor_of(user), ref)
    except BaseException:
        # The portfolio refused it (e.g. submitted meanwhile): leave nothing behind.
        await asyncio.to_thread(store.remove, key)
        raise
    return EvidenceRead(
        id=evidence_id,
        case_id=case.id,
        filename=ref.filename,
        media_type=ref.media_type,
        size=ref.size,
        sha256=ref.sha256,
        kind=kind.value,
        lo_ids=lo,
        created_at=datetime.now(UTC),
    )


@router.get("")
async def list_evidence(case: VisibleCase, session: SessionDep) -> list[EvidenceRead]:
    rows = await session.scalars(
        select(Evidence).where(Evidence.case_id == case.id).order_by(Evidence.created_at)
    )
    return [EvidenceRead.model_validate(r) for r in rows]


@router.get("/{evidence_id}")
async def download_evidence(
    evidence_id: str, case: VisibleCase, session: SessionDep, store: StoreDep
) -> StreamingResponse:
    ev = await session.get(Evidence, evidence_id)
    if ev is None or ev.case_id != case.id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no evidence {evidence_id} in this case")
    ascii_name = ev.filename.encode("ascii", "replace").decode().replace('"', "'")
    return StreamingResponse(
        store.iter_object(ev.object_key),
        media_type=ev.media_type,
        headers={
            "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(ev.filename)}",
            "Content-Length": str(ev.size),
            "X-Content-SHA256": ev.sha256,
            "X-Content-Type-Options": "nosniff",
        },
    )


identity_router = APIRouter(prefix="/cases/{case_id}/identity", tags=["assessment"])
PHOTO_TYPES = ("image/jpeg", "image/png")
MAX_PHOTO_BYTES = 20 * 1024 * 1024


@identity_router.post("/photo", status_code=201, dependencies=[require_roles(Role.supervisor)])
async def upload_identity_photo(
    request: Request, case: VisibleCase, store: StoreDep, filename: str | None = None
) -> PhotoRef:
    """A photo taken at the identity check; pass the answer as ``photo`` to POST /identity."""
    incoming = await incoming_file(request, filename or "identity-photo")
    if incoming.media_type not in PHOTO_TYPES:
        raise HTTPException(
            status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            f"an identity photo is {' or '.join(PHOTO_TYPES)}, not {incoming.media_type}",
        )
    key = f"cases/{case.id}/identity/{uuid.uuid4()}"
    try:
        stored = await store.put_stream(
            key, incoming.chunks, media_type=incoming.media_type, max_bytes=MAX_PHOTO_BYTES
        )
    except UploadRejected as exc:
        raise HTTPException(exc.status, exc.message) from None
    return PhotoRef(object_key=stored.key, sha256=stored.sha256)
