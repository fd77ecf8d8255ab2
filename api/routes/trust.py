"""Trust: an awarding body grants its centres the right to validate its standards,
suspends, withdraws or reinstates it; anyone reads the register and the registry of
awarding bodies (DIDs, keys) and centres (accreditations)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status
from sqlalchemy import select
from sqlalchemy.orm import defer
from temporalio.client import WorkflowFailureError
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.exceptions import ActivityError, ApplicationError

from api.cases import IdempotencyKey
from api.deps import (
    CurrentUser,
    PageDep,
    PathId,
    SessionDep,
    SettingsDep,
    TemporalDep,
    release_connection,
    require_roles,
)
from vnfil.accounts.schemas import Country, Role
from vnfil.platform.paging import Keyset
from vnfil.trust import registry
from vnfil.trust.models import Accreditation
from vnfil.trust.schemas import (
    AccreditationChange,
    AccreditationCreate,
    AccreditationEntry,
    AccreditationRead,
    AccreditationRequest,
    RegistryBody,
    RegistryCentre,
)
from vnfil.trust.schemas import (
    StandardCode as CodeText,
)
from vnfil.trust.service import TrustRefusal
from workflows.accreditation import AccreditationUpdate

router = APIRouter(tags=["trust"])
ACCREDITATION_ORDER = Keyset("accreditations", (Accreditation.created_at, Accreditation.id))
# Request ids made from Idempotency-Keys (uuid5), so a client's retry lands on the first.
_REQUESTS = uuid.UUID("b3a1f0d2-8c4e-4e59-a0d1-6f2c9e7b5a30")
_ID = r"^[A-Za-z0-9_-]{1,64}$"
# Every refusal of the trust rules, by kind; the one place that picks a status.
_STATUS = {
    TrustRefusal.no_centre: status.HTTP_422_UNPROCESSABLE_CONTENT,
    TrustRefusal.no_standard: status.HTTP_422_UNPROCESSABLE_CONTENT,
    TrustRefusal.not_owner: status.HTTP_403_FORBIDDEN,
    TrustRefusal.no_accreditation: status.HTTP_404_NOT_FOUND,
    TrustRefusal.bad_move: status.HTTP_409_CONFLICT,
    TrustRefusal.no_key: status.HTTP_409_CONFLICT,
}


def request_id_for(awarding_body_id: str, user_id: str, what: str, key: str) -> str:
    """The request (and workflow ``accreditation-<id>``) a client's Idempotency-Key names."""
    return str(uuid.uuid5(_REQUESTS, f"{awarding_body_id}|{user_id}|{what}|{key}"))


def _body_of(user: CurrentUser) -> str:
    if user.awarding_body_id is None:  # require_roles lets only issuers in
        raise HTTPException(status.HTTP_403_FORBIDDEN, "you act for no awarding body")
    return user.awarding_body_id


async def _update(
    temporal: TemporalDep,
    settings: SettingsDep,
    user: CurrentUser,
    key: str | None,
    what: str,
    **change: Any,
) -> AccreditationRead:
    """Run the change as a workflow (the change, its event, the webhooks, durably) and
    answer with the accreditation, or with the refusal, by kind. With an Idempotency-Key,
    a client's retry joins (or finds) the first request instead of granting twice."""
    body_id = _body_of(user)
    request_id = (
        str(uuid.uuid5(_REQUESTS, f"{body_id}|{user.id}|{what}|{key}"))
        if key
        else str(uuid.uuid4())
    )
    request = AccreditationRequest(
        request_id=request_id, awarding_body_id=body_id, actor_id=user.id, **change
    )
    await release_connection()  # no connection held while the workflow runs
    try:
        return await temporal.execute_workflow(
            AccreditationUpdate.run,
            request,
            id=f"accreditation-{request.request_id}",
            task_queue=settings.task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        )
    except WorkflowFailureError as exc:
        cause = exc.cause.cause if isinstance(exc.cause, ActivityError) else exc.cause
        if isinstance(cause, ApplicationError) and cause.type in set(TrustRefusal):
            raise HTTPException(_STATUS[TrustRefusal(cause.type)], cause.message) from None
        # Not a refusal: the step kept failing (the database away) and nothing was written.
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "the accreditation could not be recorded now; nothing was changed, try again",
        ) from None


@router.post("/accreditations", status_code=201, dependencies=[require_roles(Role.issuer)])
async def grant_accreditation(
    body: AccreditationCreate,
    temporal: TemporalDep,
    settings: SettingsDep,
    user: CurrentUser,
    key: IdempotencyKey = None,
) -> AccreditationRead:
    """Your awarding body accredits a centre for one of its standards' codes, and signs
    the accreditation as a verifiable credential (returned as ``credential``)."""
    return await _update(temporal, settings, user, key, "grant", grant=body)


@router.post("/accreditations/{accreditation_id}/status", dependencies=[require_roles(Role.issuer)])
async def change_accreditation_status(
    accreditation_id: PathId,
    body: AccreditationChange,
    temporal: TemporalDep,
    settings: SettingsDep,
    user: CurrentUser,
    key: IdempotencyKey = None,
) -> AccreditationRead:
    """Suspend, withdraw (final) or reinstate (a suspended one); cases of the centre for
    the standard cannot open nor be certified while it is not active."""
    return await _update(
        temporal,
        settings,
        user,
        key,
        f"change:{accreditation_id}",
        accreditation_id=accreditation_id,
        change=body,
    )


@router.get("/accreditations")
async def register(
    session: SessionDep,
    page: PageDep,
    centre_id: Annotated[str | None, Query(pattern=_ID)] = None,
    standard_code: Annotated[CodeText | None, Query()] = None,
    awarding_body_id: Annotated[str | None, Query(pattern=_ID)] = None,
) -> list[AccreditationEntry]:
    """Public: every accreditation with its status, newest first, filtered as asked; a
    page at a time (the next page's cursor in ``Link``/``X-Next-Cursor``)."""
    query = select(Accreditation).options(defer(Accreditation.credential))
    if centre_id:
        query = query.where(Accreditation.centre_id == centre_id)
    if standard_code:
        query = query.where(Accreditation.standard_code == standard_code)
    if awarding_body_id:
        query = query.where(Accreditation.awarding_body_id == awarding_body_id)
    at = page.at(ACCREDITATION_ORDER)
    rows = await session.scalars(ACCREDITATION_ORDER.window(query, at, page.limit))
    return [
        AccreditationEntry.model_validate(r) for r in page.done(ACCREDITATION_ORDER, list(rows), at)
    ]


@router.get("/accreditations/{accreditation_id}")
async def accreditation(accreditation_id: PathId, session: SessionDep) -> AccreditationRead:
    """Public: one accreditation, its status now and the credential its awarding body
    signed for it (whose ``id`` is this address)."""
    row = await session.get(Accreditation, accreditation_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no accreditation {accreditation_id}")
    return AccreditationRead.model_validate(row)


@router.get("/registry/awarding-bodies")
async def registry_bodies(
    session: SessionDep, settings: SettingsDep, page: PageDep
) -> list[RegistryBody]:
    """Public: every awarding body, its DID, its keys and the dates each was valid, the
    standards' codes it owns; by name, a page at a time (``Link``/``X-Next-Cursor``)."""
    at = page.at(registry.BODY_ORDER)
    found = await registry.bodies(session, settings.public_base_url, limit=page.limit, after=at)
    return page.done(registry.BODY_ORDER, found, at)


@router.get("/registry/centres")
async def registry_centres(
    session: SessionDep,
    settings: SettingsDep,
    page: PageDep,
    country: Annotated[Country | None, Query()] = None,
) -> list[RegistryCentre]:
    """Public: every validation centre with its accreditations and their status; by name,
    a page at a time (``Link``/``X-Next-Cursor``)."""
    at = page.at(registry.CENTRE_ORDER)
    found = await registry.centres(
        session, settings.public_base_url, limit=page.limit, after=at, country=country
    )
    return page.done(registry.CENTRE_ORDER, found, at)


@router.get("/centres/{centre_id}")
async def registry_centre(
    centre_id: PathId, session: SessionDep, settings: SettingsDep
) -> RegistryCentre:
    """Public: the centre as credentials name it (``credentialSubject.source.id``), with
    its accreditations."""
    found = await registry.centres(session, settings.public_base_url, limit=1, centre_id=centre_id)
    if not found:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no centre {centre_id}")
    return found[0]
