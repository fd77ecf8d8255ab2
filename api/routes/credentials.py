from __future__ import annotations

from fastapi import APIRouter, HTTPException, Query, status
from sqlalchemy import select

from api.deps import CurrentUser, SessionDep, can_see_case
from vnfil.models import Case, Credential, Role, User
from vnfil.schemas import CredentialRead

router = APIRouter(prefix="/credentials", tags=["credentials"])


async def _may_see(session: SessionDep, user: User, cred: Credential) -> bool:
    if user.role == Role.issuer:
        return cred.awarding_body_id == user.awarding_body_id
    case = await session.get(Case, cred.case_id)
    return case is not None and await can_see_case(session, user, case)


@router.get("")
async def list_credentials(
    session: SessionDep,
    user: CurrentUser,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
) -> list[CredentialRead]:
    q = select(Credential)
    if user.role == Role.issuer:
        q = q.where(Credential.awarding_body_id == user.awarding_body_id)
    elif user.role == Role.candidate:
        q = q.join(Case, Case.id == Credential.case_id).where(Case.candidate_id == user.id)
    elif user.role in (Role.centre_admin, Role.counsellor):
        q = q.join(Case, Case.id == Credential.case_id).where(Case.centre_id == user.centre_id)
    else:
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"a {user.role} does not list credentials")
    rows = await session.scalars(
        q.order_by(Credential.issued_at.desc()).limit(limit).offset(offset)
    )
    return [CredentialRead.model_validate(r) for r in rows]


@router.get("/{credential_id}")
async def get_credential(
    credential_id: str, session: SessionDep, user: CurrentUser
) -> CredentialRead:
    cred = await session.get(Credential, credential_id)
    if cred is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no credential {credential_id}")
    if not await _may_see(session, user, cred):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            "issuers see only credentials of their own standards; others only their cases'",
        )
    return CredentialRead.model_validate(cred)
