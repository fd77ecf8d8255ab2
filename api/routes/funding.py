"""Paying for validation: the platform operator onboards funders; a funder's staff grant
entitlements to people's learning accounts; a person reads their own account
(``vnfil.funding``)."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from fastapi import APIRouter, HTTPException, status
from sqlalchemy import select
from temporalio.service import RPCError

from api.cases import IdempotencyKey
from api.deps import (
    CurrentUser,
    PageDep,
    PathId,
    Principal,
    SessionDep,
    SettingsDep,
    TemporalDep,
    require_roles,
)
from vnfil.accounts.models import Funder, User
from vnfil.accounts.schemas import FunderCreate, FunderRead, Role
from vnfil.funding import ledger
from vnfil.funding.ledger import LedgerRefused
from vnfil.funding.models import Entitlement, LedgerAccount, LedgerPosting, LedgerTransaction
from vnfil.funding.schemas import (
    EntitlementRead,
    ExpiryInput,
    GrantCreate,
    GrantRead,
    LearningAccountRead,
    Movement,
)
from vnfil.platform.db import as_utc, utcnow
from workflows.clients import start_expiry

log = logging.getLogger(__name__)
router = APIRouter(tags=["funding"])


@router.post(
    "/funders",
    status_code=status.HTTP_201_CREATED,
    dependencies=[require_roles(Role.operator)],
)
async def new_funder(body: FunderCreate, session: SessionDep) -> FunderRead:
    """A funder: a public programme, a region, an employer or a sectoral fund. Its staff
    are invited with ``POST /funders/{id}/invitations``."""
    row = Funder(name=body.name, kind=body.kind.value, country=body.country, region=body.region)
    session.add(row)
    await session.commit()
    return FunderRead.model_validate(row)


def may_act_for_funder(user: Principal, funder_id: str) -> None:
    if user.role != Role.operator and user.funder_id != funder_id:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "you act for another funder")


async def _funder(session: SessionDep, funder_id: str) -> Funder:
    funder = await session.get(Funder, funder_id)
    if funder is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no funder {funder_id}")
    return funder


@router.get("/funders/{funder_id}", dependencies=[require_roles(Role.operator, Role.funder)])
async def funder(funder_id: PathId, session: SessionDep, user: CurrentUser) -> FunderRead:
    may_act_for_funder(user, funder_id)
    return FunderRead.model_validate(await _funder(session, funder_id))


def _read(ent: Entitlement, person_id: str, funder_name: str = "") -> GrantRead:
    read = EntitlementRead.model_validate(ent)
    return GrantRead(**read.model_dump(), person_id=person_id).model_copy(
        update={"funder_name": funder_name}
    )


@router.post(
    "/funders/{funder_id}/grants",
    status_code=status.HTTP_201_CREATED,
    dependencies=[require_roles(Role.funder)],
)
async def grant(
    funder_id: PathId,
    body: GrantCreate,
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    temporal: TemporalDep,
    key: IdempotencyKey = None,
) -> GrantRead:
    """Credit an entitlement to a registered person's learning account, until a date,
    for a reason; with ``special_needs`` it is an extra entitlement for declared special
    needs. The same ``Idempotency-Key`` on a retry grants once and answers the same."""
    may_act_for_funder(user, funder_id)
    funder = await _funder(session, funder_id)
    person = await session.scalar(
        select(User).where(User.email == body.email.strip().lower()).limit(1)
    )
    if person is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, "no one has registered with this e-mail address"
        )
    now = utcnow()
    valid_from = as_utc(body.valid_from) if body.valid_from else now
    if as_utc(body.valid_until) <= max(valid_from, now):
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            "an entitlement must end after it starts, and in the future",
        )
    try:
        ent, _ = await ledger.grant(
            session,
            key=f"grant:{funder.id}:{key or uuid.uuid4()}",
            funder=funder,
            person_id=person.id,
            unit=body.unit,
            amount=body.amount,
            valid_from=valid_from,
            valid_until=as_utc(body.valid_until),
            reason=body.reason,
            special_needs=body.special_needs,
            carry_over_months=body.carry_over_months,
            actor_id=user.id,
            at=now,
        )
        await session.commit()
    except LedgerRefused as exc:
        await session.rollback()
        raise HTTPException(
            status.HTTP_409_CONFLICT
            if exc.why == "key_reused"
            else status.HTTP_422_UNPROCESSABLE_CONTENT,
            exc.message,
        ) from None
    # Its end on a Temporal timer; a retry of this request starts it if this one could not.
    try:
        await start_expiry(
            temporal,
            settings,
            ExpiryInput(entitlement_id=ent.id, valid_until=as_utc(ent.valid_until)),
        )
    except RPCError as exc:
        log.warning("entitlement %s: its expiry is not yet on a timer: %s", ent.id, exc)
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "granted, but its end is not yet scheduled: send the same request again",
        ) from exc
    return _read(ent, person.id, funder.name)


@router.get("/funders/{funder_id}/grants", dependencies=[require_roles(Role.operator, Role.funder)])
async def grants(
    funder_id: PathId, session: SessionDep, user: CurrentUser, page: PageDep
) -> list[GrantRead]:
    """The entitlements this funder granted, newest first."""
    may_act_for_funder(user, funder_id)
    funder = await _funder(session, funder_id)
    rows = await session.execute(
        select(Entitlement, LedgerAccount.owner_id)
        .join(LedgerAccount, LedgerAccount.id == Entitlement.account_id)
        .where(Entitlement.funder_id == funder.id)
        .order_by(Entitlement.valid_from.desc(), Entitlement.id)
        .limit(page.limit)
        .offset(page.offset)
    )
    return [_read(ent, owner, funder.name) for ent, owner in rows]


@router.get("/me/learning-account")
async def my_learning_account(session: SessionDep, user: CurrentUser) -> LearningAccountRead:
    """The person's own learning account: what they hold, in which unit, until when, who
    gave it, and every movement."""
    accounts = list(
        await session.scalars(
            select(LedgerAccount).where(
                LedgerAccount.owner_id == user.id,
                LedgerAccount.kind.in_([ledger.LEARNING, ledger.HELD]),
            )
        )
    )
    learning = {a.id: a for a in accounts if a.kind == ledger.LEARNING}
    entitlements: Any = (
        await session.execute(
            select(Entitlement, Funder.name)
            .join(Funder, Funder.id == Entitlement.funder_id)
            .where(Entitlement.account_id.in_(learning))
            .order_by(Entitlement.valid_until, Entitlement.id)
        )
        if learning
        else []
    )
    moves: Any = (
        await session.execute(
            select(LedgerTransaction, LedgerPosting)
            .join(LedgerPosting, LedgerPosting.transaction_id == LedgerTransaction.id)
            .where(LedgerPosting.account_id.in_(learning))
            .order_by(LedgerTransaction.created_at.desc(), LedgerPosting.id.desc())
            .limit(500)
        )
        if learning
        else []
    )
    return LearningAccountRead(
        balances={a.unit: a.balance for a in learning.values()},
        held={a.unit: a.balance for a in accounts if a.kind == ledger.HELD},
        entitlements=[
            EntitlementRead.model_validate(e).model_copy(update={"funder_name": name})
            for e, name in entitlements
        ],
        movements=[
            Movement(
                at=tx.created_at,
                kind=tx.kind,
                unit=learning[p.account_id].unit,
                amount=p.amount,
                reason=tx.reason,
            )
            for tx, p in moves
        ],
    )
