"""Accreditations: an awarding body grants its centres the right to validate its
standards, suspends, withdraws or reinstates it; anyone reads the register."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status
from sqlalchemy import select
from temporalio.service import RPCError

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
from vnfil.accounts.models import Centre
from vnfil.accounts.schemas import Role
from vnfil.events.models import Event, WebhookSubscription
from vnfil.events.service import record_event, wants
from vnfil.platform.db import utcnow
from vnfil.standards.models import StandardCode
from vnfil.trust.models import Accreditation
from vnfil.trust.schemas import (
    AccreditationChange,
    AccreditationCreate,
    AccreditationRead,
)
from vnfil.trust.schemas import (
    StandardCode as CodeText,
)
from workflows.clients import start_delivery

router = APIRouter(tags=["trust"])
_ID = r"^[A-Za-z0-9_-]{1,64}$"
log = logging.getLogger(__name__)
# What may follow what: a withdrawal is final; only a suspended one is reinstated.
_MOVES = {
    ("active", "suspended"),
    ("active", "withdrawn"),
    ("suspended", "withdrawn"),
    ("suspended", "active"),
}


def _body_of(user: CurrentUser) -> str:
    if user.awarding_body_id is None:  # require_roles lets only issuers in
        raise HTTPException(status.HTTP_403_FORBIDDEN, "you act for no awarding body")
    return user.awarding_body_id


async def _announce(
    session: SessionDep, temporal: TemporalDep, settings: SettingsDep, event: Event
) -> None:
    """Start the event's deliveries to the awarding body's subscriptions. The event is in
    the outbox already (and the pull feed); if Temporal is away, the feed still has it."""
    subs = list(
        await session.scalars(
            select(WebhookSubscription).where(
                WebhookSubscription.awarding_body_id == event.awarding_body_id,
                WebhookSubscription.active.is_(True),
            )
        )
    )
    await release_connection()
    for sub in subs:
        if wants(sub.event_types, event.type):
            try:
                await start_delivery(temporal, settings, event.id, sub.id)
            except RPCError as exc:
                log.warning("event %s not handed to %s: %s", event.id, sub.id, exc)


def _payload(row: Accreditation) -> dict:
    return AccreditationRead.model_validate(row).model_dump(mode="json")


@router.post("/accreditations", status_code=201, dependencies=[require_roles(Role.issuer)])
async def grant(
    body: AccreditationCreate,
    session: SessionDep,
    temporal: TemporalDep,
    settings: SettingsDep,
    user: CurrentUser,
) -> AccreditationRead:
    """Your awarding body accredits a centre for one of its standards' codes."""
    awarding_body_id = _body_of(user)
    if await session.get(Centre, body.centre_id) is None:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"no centre {body.centre_id}")
    owner = await session.get(StandardCode, body.standard_code)
    if owner is None:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, f"no standard with the code {body.standard_code}"
        )
    if owner.awarding_body_id != awarding_body_id:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"the standard {body.standard_code} belongs to another awarding body: "
            "only it accredits centres for it",
        )
    row = Accreditation(awarding_body_id=awarding_body_id, **body.model_dump())
    session.add(row)
    await session.flush()
    event = await record_event(
        session,
        type_="accreditation.changed",
        subject=row.id,
        awarding_body_id=awarding_body_id,
        data={"change": "granted", "by": user.id, "accreditation": _payload(row)},
        time=row.created_at,
        discriminator="granted",
    )
    await session.commit()
    await _announce(session, temporal, settings, event)
    return AccreditationRead.model_validate(row)


@router.post("/accreditations/{accreditation_id}/status", dependencies=[require_roles(Role.issuer)])
async def change_status(
    accreditation_id: PathId,
    body: AccreditationChange,
    session: SessionDep,
    temporal: TemporalDep,
    settings: SettingsDep,
    user: CurrentUser,
) -> AccreditationRead:
    """Suspend, withdraw (final) or reinstate (a suspended one); cases of the centre for
    the standard cannot open nor be certified while it is not active."""
    row = await session.get(Accreditation, accreditation_id, with_for_update=True)
    if row is None or row.awarding_body_id != _body_of(user):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no accreditation {accreditation_id}")
    if (row.status, body.status) not in _MOVES:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            f"an accreditation that is {row.status} cannot become {body.status}",
        )
    now = utcnow()
    row.status, row.status_reason, row.status_changed_at = body.status, body.reason, now
    await session.flush()
    event = await record_event(
        session,
        type_="accreditation.changed",
        subject=row.id,
        awarding_body_id=row.awarding_body_id,
        data={"change": body.status, "by": user.id, "accreditation": _payload(row)},
        time=now,
        discriminator=f"{body.status}@{now.isoformat()}",
    )
    await session.commit()
    await _announce(session, temporal, settings, event)
    return AccreditationRead.model_validate(row)


@router.get("/accreditations")
async def register(
    session: SessionDep,
    page: PageDep,
    centre_id: Annotated[str | None, Query(pattern=_ID)] = None,
    standard_code: Annotated[CodeText | None, Query()] = None,
    awarding_body_id: Annotated[str | None, Query(pattern=_ID)] = None,
) -> list[AccreditationRead]:
    """Public: every accreditation with its status, newest first, filtered as asked."""
    query = select(Accreditation)
    if centre_id:
        query = query.where(Accreditation.centre_id == centre_id)
    if standard_code:
        query = query.where(Accreditation.standard_code == standard_code)
    if awarding_body_id:
        query = query.where(Accreditation.awarding_body_id == awarding_body_id)
    rows = await session.scalars(
        query.order_by(Accreditation.created_at.desc(), Accreditation.id)
        .limit(page.limit)
        .offset(page.offset)
    )
    return [AccreditationRead.model_validate(r) for r in rows]
