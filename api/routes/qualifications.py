"""The learner claims the full credential of a qualification from the unit credentials
they hold (``vnfil.credentials.stacking``; run by workflow ``QualificationClaim``)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Response, status
from sqlalchemy import select
from temporalio.client import WorkflowFailureError
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.exceptions import ActivityError, ApplicationError

from api.deps import CurrentUser, SessionDep, SettingsDep, TemporalDep, release_connection
from vnfil.accounts.schemas import Actor, CandidateRef, Role
from vnfil.credentials.models import Credential, QualificationClaim
from vnfil.credentials.sharing import held_by
from vnfil.credentials.stacking import (
    Claimable,
    ClaimCreate,
    ClaimInput,
    ClaimRead,
    claim_key,
    claimable_for,
    credential_id_of,
)
from vnfil.platform.db import utcnow
from vnfil.platform.errors import HTTP_STATUS, Refusal
from vnfil.standards.models import Standard
from vnfil.standards.schemas import StandardDocument
from workflows.claims import QualificationClaim as ClaimWorkflow

router = APIRouter(tags=["backpack"])


def _read(claim: QualificationClaim) -> ClaimRead:
    return ClaimRead(
        claim_id=claim.id,
        credential_id=claim.credential_id,
        standard_id=claim.standard_id,
        unit_credential_ids=list(claim.unit_credential_ids),
        created_at=claim.created_at,
    )


@router.get("/me/qualifications")
async def my_qualifications(session: SessionDep, user: CurrentUser) -> list[Claimable]:
    """The qualifications the caller holds unit credentials of: the units held and
    missing, and the full credential if already claimed."""
    return await claimable_for(session, user.id)


@router.post("/me/qualifications/claims", status_code=201)
async def claim_qualification(
    body: ClaimCreate,
    response: Response,
    session: SessionDep,
    user: CurrentUser,
    temporal: TemporalDep,
    settings: SettingsDep,
) -> ClaimRead:
    """The full credential from the caller's unit credentials: each verified (signature,
    status, issuer, the centre's accreditation), theirs, of this code and an accepted
    version, young enough, every unit once; the awarding body issues it, its units as its
    evidence. The same claim again answers the same credential (200)."""
    standard = await session.get(Standard, body.standard_id)
    if standard is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no standard {body.standard_id}")
    std = StandardDocument.model_validate(standard.document)
    if not std.units or std.unit_claims is None:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            f"{std.code}@{std.version} is not claimed from unit credentials: "
            "its full credential is issued by a case",
        )
    ids = list(dict.fromkeys(body.credential_ids))
    for cid in ids:
        row = await session.get(Credential, cid)
        if row is None or row.holder_id != user.id:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT, f"you hold no credential {cid}"
            )
    presented = [credential_id_of(doc) for doc in body.credentials]
    if None in presented:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            "a credential of the claim has no id of the form urn:uuid:…",
        )
    if not ids and not body.credentials:
        ids = await _from_backpack(session, user.id, std)
    key = claim_key(user.id, standard.id, ids + [p for p in presented if p])
    done = await session.scalar(
        select(QualificationClaim).where(QualificationClaim.claim_key == key)
    )
    if done is not None:
        response.status_code = status.HTTP_200_OK
        return _read(done)
    inp = ClaimInput(
        claim_key=key,
        holder=CandidateRef(id=user.id, name=user.name, email=user.email),
        standard_id=standard.id,
        credential_ids=ids,
        documents=body.credentials,
        at=utcnow(),
        actor=Actor(user_id=user.id, role=Role(user.role), name=user.name),
    )
    await release_connection()  # no connection held while the workflow runs
    try:
        result = await temporal.execute_workflow(
            ClaimWorkflow.run,
            inp,
            id=f"claim-{key[:40]}",
            task_queue=settings.task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        )
    except WorkflowFailureError as exc:
        cause = exc.cause.cause if isinstance(exc.cause, ActivityError) else exc.cause
        if isinstance(cause, ApplicationError) and cause.type in set(Refusal):
            raise HTTPException(HTTP_STATUS[Refusal(str(cause.type))], cause.message) from None
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "the claim could not be completed now; nothing was issued, try again",
        ) from None
    claim = await session.get(QualificationClaim, result.claim_id)
    assert claim is not None
    if not result.created:
        response.status_code = status.HTTP_200_OK
    return _read(claim)


async def _from_backpack(session: SessionDep, person_id: str, std: StandardDocument) -> list[str]:
    """The backpack's unit credentials of this code, the newest unrevoked of each unit."""
    standards = {
        s.id: s.code
        for s in await session.scalars(select(Standard).where(Standard.code == std.code))
    }
    newest: dict[str, str] = {}
    for cred in await held_by(session, person_id):  # newest first
        if cred.unit_id and cred.revoked_at is None and cred.standard_id in standards:
            newest.setdefault(cred.unit_id, cred.id)
    return sorted(newest.values())
