"""Evidence in and out, streamed end to end; stored evidence is never changed.

An upload's bytes go to S3 under a key of their own, then an update asks the case's
workflow to take them. Only a refusal of that update (a definite "no") removes the
object: when the outcome is unknown (Temporal restarting, the connection lost) the
object stays, the client hears 503, and the orphan sweep later removes it if the
workflow never took it. With an ``Idempotency-Key`` the evidence id is derived from
(case, person, key), so a retry can never add the same file twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from fastapi.responses import StreamingResponse
from minio.error import S3Error
from pydantic import AfterValidator, StringConstraints
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from api.cases import (
    IdempotencyKey,
    actor_of,
    case_status,
    idempotent_id,
    send_step,
)
from api.deps import (
    CurrentUser,
    PathId,
    SessionDep,
    SettingsDep,
    SignaturesDep,
    StoreDep,
    TemporalDep,
    VisibleCase,
    release_connection,
    require_roles,
)
from api.uploads import incoming_file
from vnfil.accounts.models import User
from vnfil.accounts.schemas import Role
from vnfil.cases.models import Case
from vnfil.cases.schemas import CaseState, CaseStatus, PhotoRef, Stage
from vnfil.cases.view import CaseView
from vnfil.credentials.as_evidence import as_of_now, examine, kept_size
from vnfil.credentials.models import Credential
from vnfil.credentials.sharing import holder_of
from vnfil.credentials.verification import SignatureChecker
from vnfil.evidence.formats import size_text, type_names
from vnfil.evidence.models import Evidence, EvidenceCredential
from vnfil.evidence.schemas import (
    CredentialFound,
    EvidenceKind,
    EvidenceRead,
    EvidenceRef,
    EvidenceRemoval,
)
from vnfil.evidence.store import MISSING, EvidenceStore, UploadRejected, digest_stream
from vnfil.platform.settings import Settings
from vnfil.standards.models import Standard
from vnfil.standards.schemas import StandardDocument
from vnfil.trust.registry import DatabaseRegistry
from workflows.case import ValidationCase

router = APIRouter(prefix="/cases/{case_id}/evidence", tags=["evidence"])

MAX_LO_IDS = 200
RETRY_AFTER = "5"


def _distinct(ids: list[str]) -> list[str]:
    if len(set(ids)) != len(ids):
        raise ValueError("each learning outcome may be named only once")
    return ids


LoIds = Annotated[
    list[Annotated[str, StringConstraints(min_length=1, max_length=64)]],
    Query(
        min_length=1,
        max_length=MAX_LO_IDS,
        description=f"learning outcome ids it supports (1 to {MAX_LO_IDS}, each once)",
    ),
    AfterValidator(_distinct),
]


def _not_confirmed() -> HTTPException:
    return HTTPException(
        status.HTTP_503_SERVICE_UNAVAILABLE,
        "the workflow service did not confirm this evidence; it may have been recorded: "
        "retry with the same Idempotency-Key, or look at the portfolio first",
        headers={"Retry-After": RETRY_AFTER},
    )


def _held_keys(state: CaseStatus) -> set[str]:
    return {e.object_key for e in state.evidence}


async def _remove_refused(
    temporal: Client, case: Case, store: EvidenceStore, key: str
) -> CaseStatus | None:
    """Remove an object whose update was refused, unless the case holds it after all;
    the state read for that check is returned (None if it could not be read)."""
    try:
        state = await case_status(temporal, case)
    except Exception:  # noqa: BLE001 - cannot check: the sweep decides later
        return None
    if key not in _held_keys(state):
        with contextlib.suppress(Exception):  # the store down too: the sweep removes it
            await asyncio.to_thread(store.remove, key)
    return state


async def _replay(
    session: AsyncSession,
    response: Response,
    held: EvidenceRef,
    sha256: str,
    kind: str,
    lo: list[str],
) -> EvidenceRead:
    """The answer to a retry of an upload already in the portfolio, if it is the same."""
    if (held.sha256, held.kind.value, sorted(held.lo_ids)) != (sha256, kind, sorted(lo)):
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            "this Idempotency-Key was already used for another upload "
            "(a different file, kind or outcomes); use a new key for a new file",
        )
    row = await session.get(Evidence, held.evidence_id)
    if row is None:  # the first attempt's update is still being recorded
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            "an upload with this Idempotency-Key is still being recorded; retry shortly",
            headers={"Retry-After": RETRY_AFTER},
        )
    response.headers["Idempotent-Replayed"] = "true"
    return EvidenceRead.model_validate(row)


def _held(state: CaseStatus, evidence_id: str) -> EvidenceRef | None:
    return next((e for e in state.evidence if e.evidence_id == evidence_id), None)


@router.post("", status_code=201, dependencies=[require_roles(Role.candidate)])
async def upload_evidence(
    request: Request,
    response: Response,
    case: VisibleCase,
    user: CurrentUser,
    session: SessionDep,
    temporal: TemporalDep,
    store: StoreDep,
    settings: SettingsDep,
    signatures: SignaturesDep,
    kind: EvidenceKind,
    lo: LoIds,
    filename: str | None = None,
    key: IdempotencyKey = None,
) -> EvidenceRead:
    """Stream one file into the portfolio: raw body (``?filename=``) or multipart ``file``.

    Send an ``Idempotency-Key`` to make retries safe: the same key with the same file
    answers with the evidence already recorded; with another file, 422.
    """
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > settings.max_upload_bytes + 64 * 1024:
        raise HTTPException(
            status.HTTP_413_CONTENT_TOO_LARGE,
            f"the file is larger than the limit of {size_text(settings.max_upload_bytes)}",
        )
    # Cheap early refusals, before a byte of the body is read, so nobody streams a
    # gigabyte into a closed portfolio: first the read model, then the live state.
    # The workflow's validator stays the authority once the file is in.
    if case.status != CaseState.open or case.stage != Stage.documentation:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            "the portfolio takes evidence only in documentation while the case is open; "
            f"the case is {case.status} in {case.stage}",
        )
    state = await case_status(temporal, case)  # gives the DB connection back first
    if state.status != CaseState.open or state.stage != Stage.documentation or state.submitted:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            "the portfolio takes evidence only in documentation while the case is open; "
            f"the case is {state.status.value} in {state.stage.value}",
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
            f"this kind of file ({incoming.media_type}) is not accepted; allowed: "
            f"{type_names(settings.allowed_media_types)}",
        )
    attempt = str(uuid.uuid4())
    evidence_id = idempotent_id(case, user.id, "add_evidence", key) if key else attempt
    # A JSON, text or PDF file may be a credential the candidate holds (or carry one):
    # kept in memory as it streams (up to a credential's or a certificate's size) to be
    # checked once it is in, on a retry too.
    limit = kept_size(incoming.media_type)
    kept = _Kept(limit) if limit is not None else None
    chunks = incoming.chunks if kept is None else kept.tee(incoming.chunks)

    async def answered(read: EvidenceRead) -> EvidenceRead:
        if kept is None:
            return read
        row = await session.get(Evidence, read.id)
        if row is not None:
            read.credential = await _check_credential(
                session, settings, signatures, case, row, kept.raw()
            )
        return read

    held = _held(state, evidence_id)
    if held is not None:  # a retry of an upload already taken: compare, store nothing
        try:
            sha256, _ = await digest_stream(chunks, settings.max_upload_bytes)
        except UploadRejected as exc:
            raise HTTPException(exc.status, exc.message) from None
        return await answered(await _replay(session, response, held, sha256, kind.value, lo))
    # Each attempt writes a key of its own: a retry never overwrites bytes that an
    # earlier attempt's update (still in flight, perhaps) points at.
    object_key = f"cases/{case.id}/evidence/{attempt}"
    try:
        stored = await store.put_stream(
            object_key,
            chunks,
            media_type=incoming.media_type,
            max_bytes=settings.max_upload_bytes,
            metadata={"case-id": case.id, "evidence-id": evidence_id},
        )
    except UploadRejected as exc:
        raise HTTPException(exc.status, exc.message) from None
    ref = EvidenceRef(
        evidence_id=evidence_id,
        object_key=object_key,
        sha256=stored.sha256,
        size=stored.size,
        filename=incoming.filename,
        media_type=incoming.media_type,
        kind=kind,
        lo_ids=lo,
    )
    try:
        await send_step(temporal, case, ValidationCase.add_evidence, actor_of(user), ref)
    except HTTPException:
        # A definite refusal: this attempt's object is not in the portfolio.
        after = await _remove_refused(temporal, case, store, object_key)
        earlier = _held(after, evidence_id) if key and after is not None else None
        if earlier is None:
            raise
        # The same key's earlier attempt landed meanwhile.
        return await answered(
            await _replay(session, response, earlier, stored.sha256, kind.value, lo)
        )
    except asyncio.CancelledError:
        raise  # the client went away: the outcome is unknown, the sweep decides
    except Exception as exc:
        # Unknown outcome (Temporal restarting, the answer lost): the update may have
        # landed, so the object stays; the orphan sweep removes it if it did not.
        raise _not_confirmed() from exc
    row = await session.get(Evidence, evidence_id)
    if row is None:  # recorded by the workflow; the read model lags (never seen)
        raise _not_confirmed()
    return await answered(EvidenceRead.model_validate(row))


class _Kept:
    """A copy of a file as it streams past, while it fits a credential; past that size
    the copy is dropped and only that it was too large is remembered."""

    def __init__(self, limit: int) -> None:
        self.data = bytearray()
        self.limit = limit
        self.too_large = False

    def raw(self) -> bytes | None:
        return None if self.too_large else bytes(self.data)

    async def tee(self, chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
        async for chunk in chunks:
            if not self.too_large:
                self.data += chunk
                if len(self.data) > self.limit:
                    self.data, self.too_large = bytearray(), True
            yield chunk


async def _check_credential(
    session: AsyncSession,
    settings: Settings,
    signatures: SignatureChecker,
    case: Case,
    row: Evidence,
    raw: bytes | None,
) -> CredentialFound | None:
    """Verify a credential added as evidence and keep what was found (once: a retry of
    the same upload finds it)."""
    kept = await session.get(EvidenceCredential, row.id)
    if kept is not None:
        return CredentialFound.model_validate(kept.result)
    standard = await session.get(Standard, case.standard_id)
    candidate = await session.get(User, case.candidate_id)
    assert standard is not None and candidate is not None

    async def holds(credential_id: str) -> bool | None:
        issued = await session.get(Credential, credential_id)
        return None if issued is None else await holder_of(session, issued) == candidate.id

    found = await examine(
        raw,
        StandardDocument.model_validate(standard.document),
        DatabaseRegistry(session, settings.public_base_url),
        signatures,
        candidate_email=candidate.email,
        media_type=row.media_type,
        holds=holds,
    )
    if found is None:  # a PDF or text file with no credential in it: just a file
        return None
    session.add(EvidenceCredential(evidence_id=row.id, result=found.model_dump(mode="json")))
    try:
        await session.commit()
    except IntegrityError:  # the same upload's retry, at the same moment
        await session.rollback()
    return found


@router.get("")
async def list_evidence(
    case: VisibleCase, session: SessionDep, settings: SettingsDep
) -> list[EvidenceRead]:
    """The portfolio; a credential added as evidence says what vnfil found when checking
    it, and whether it has been revoked since."""
    rows = list(
        await session.scalars(
            select(Evidence).where(Evidence.case_id == case.id).order_by(Evidence.created_at)
        )
    )
    found = await credentials_found(session, [r.id for r in rows], settings.public_base_url)
    return [
        EvidenceRead.model_validate(r).model_copy(update={"credential": found.get(r.id)})
        for r in rows
    ]


async def credentials_found(
    session: AsyncSession, evidence_ids: list[str], base_url: str
) -> dict[str, CredentialFound]:
    """What was found in each credential added as evidence, its revocation read again."""
    if not evidence_ids:
        return {}
    rows = await session.scalars(
        select(EvidenceCredential).where(EvidenceCredential.evidence_id.in_(evidence_ids))
    )
    registry = DatabaseRegistry(session, base_url)
    return {
        r.evidence_id: await as_of_now(CredentialFound.model_validate(r.result), registry)
        for r in rows
    }


@router.delete("/{evidence_id}", dependencies=[require_roles(Role.candidate)])
async def remove_evidence(
    evidence_id: PathId,
    case: VisibleCase,
    temporal: TemporalDep,
    user: CurrentUser,
    key: IdempotencyKey = None,
) -> CaseView:
    """Take a piece out of the portfolio, before submission (the audit trail keeps that it
    was added and removed; the orphan sweep frees its file)."""
    return await send_step(
        temporal,
        case,
        ValidationCase.remove_evidence,
        actor_of(user),
        EvidenceRemoval(evidence_id=evidence_id),
        key=key,
    )


@router.get("/{evidence_id}")
async def download_evidence(
    evidence_id: str, case: VisibleCase, session: SessionDep, store: StoreDep
) -> StreamingResponse:
    """The file as it was uploaded; 200 only once the store has answered for it."""
    ev = await session.get(Evidence, evidence_id)
    if ev is None or ev.case_id != case.id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no evidence {evidence_id} in this case")
    await release_connection()
    try:
        reader = await asyncio.to_thread(store.open_object, ev.object_key)
    except S3Error as exc:
        if exc.code in MISSING:
            raise HTTPException(
                status.HTTP_404_NOT_FOUND, f"the file of evidence {evidence_id} is not in the store"
            ) from None
        raise
    ascii_name = ev.filename.encode("ascii", "replace").decode().replace('"', "'")
    return StreamingResponse(
        reader,
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
    await release_connection()  # the photo streams to S3 with no DB connection held
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
