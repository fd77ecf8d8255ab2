"""Paying for validation: the platform operator onboards funders; a funder's staff grant
entitlements to people's learning accounts; a person reads their own account
(``vnfil.funding``)."""

from __future__ import annotations

import logging
import uuid

from fastapi import APIRouter, HTTPException, status
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
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
from vnfil.funding import ledger, programmes
from vnfil.funding.accounts import learning_account
from vnfil.funding.ledger import LedgerRefused
from vnfil.funding.models import (
    Entitlement,
    LedgerAccount,
    Price,
    Programme,
)
from vnfil.funding.schemas import (
    EntitlementRead,
    ExpiryInput,
    GrantCreate,
    GrantRead,
    LearningAccountRead,
    PriceRead,
    PriceSet,
    ProgrammeCreate,
    ProgrammeRead,
)
from vnfil.platform.db import as_utc, utcnow
from vnfil.standards.models import StandardCode
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
    return await learning_account(session, user.id)


@router.put(
    "/centres/{centre_id}/prices/{standard_code}",
    dependencies=[require_roles(Role.centre_admin)],
)
async def set_price(
    centre_id: PathId,
    standard_code: PathId,
    body: PriceSet,
    session: SessionDep,
    user: CurrentUser,
) -> PriceRead:
    """The centre's fee for validating a standard: whole, or per stage."""
    if user.centre_id != centre_id:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "you set the prices of your own centre")
    if await session.get(StandardCode, standard_code) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no standard {standard_code}")
    row = await session.scalar(
        select(Price).where(Price.centre_id == centre_id, Price.standard_code == standard_code)
    )
    if row is None:
        row = Price(centre_id=centre_id, standard_code=standard_code)
        session.add(row)
    row.unit = body.unit
    row.stages = {str(k): v for k, v in body.stages.items()} if body.stages else None
    row.amount = sum(body.stages.values()) if body.stages is not None else (body.amount or 0)
    row.updated_at = utcnow()
    try:
        await session.commit()
    except IntegrityError:  # the same price set twice at once: the other one stands
        await session.rollback()
        raise HTTPException(
            status.HTTP_409_CONFLICT, "the price was set at the same moment: read it again"
        ) from None
    return PriceRead.model_validate(row)


@router.get("/centres/{centre_id}/prices")
async def prices(centre_id: PathId, session: SessionDep) -> list[PriceRead]:
    """What the centre charges, per standard (public: a candidate compares before asking)."""
    rows = await session.scalars(
        select(Price).where(Price.centre_id == centre_id).order_by(Price.standard_code)
    )
    return [PriceRead.model_validate(r) for r in rows]


async def _programme_read(session: SessionDep, row: Programme, funder_name: str) -> ProgrammeRead:
    available = await ledger.account(session, programmes.BUDGET, row.id, row.unit)
    committed = await ledger.account(session, programmes.COMMITTED, row.id, row.unit)
    return ProgrammeRead.model_validate(row).model_copy(
        update={
            "funder_name": funder_name,
            "available": available.balance,
            "committed": committed.balance,
        }
    )


@router.post(
    "/funders/{funder_id}/programmes",
    status_code=status.HTTP_201_CREATED,
    dependencies=[require_roles(Role.funder)],
)
async def new_programme(
    funder_id: PathId, body: ProgrammeCreate, session: SessionDep, user: CurrentUser
) -> ProgrammeRead:
    """A programme and its budget, credited in the ledger at once."""
    may_act_for_funder(user, funder_id)
    funder = await _funder(session, funder_id)
    now = utcnow()
    valid_from = as_utc(body.valid_from) if body.valid_from else now
    if as_utc(body.valid_until) <= max(valid_from, now):
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            "a programme must end after it starts, and in the future",
        )
    row = Programme(
        funder_id=funder.id,
        name=body.name,
        unit=body.unit,
        budget=body.budget,
        standard_codes=sorted(set(body.standard_codes)),
        accredited_only=body.accredited_only,
        eqf_levels=sorted(set(body.eqf_levels)),
        regions=sorted(set(body.regions)),
        share_percent=body.share_percent,
        cap_per_person_year=body.cap_per_person_year,
        auto_approve=body.auto_approve,
        decision_days=body.decision_days,
        valid_from=valid_from,
        valid_until=as_utc(body.valid_until),
    )
    await programmes.open_programme(session, funder, row, actor_id=user.id, at=now)
    await session.commit()
    return await _programme_read(session, row, funder.name)


@router.get(
    "/funders/{funder_id}/programmes", dependencies=[require_roles(Role.operator, Role.funder)]
)
async def funder_programmes(
    funder_id: PathId, session: SessionDep, user: CurrentUser
) -> list[ProgrammeRead]:
    may_act_for_funder(user, funder_id)
    funder = await _funder(session, funder_id)
    rows = await session.scalars(
        select(Programme).where(Programme.funder_id == funder.id).order_by(Programme.created_at)
    )
    return [await _programme_read(session, r, funder.name) for r in rows]


@router.get("/programmes")
async def open_programmes(session: SessionDep, page: PageDep) -> list[ProgrammeRead]:
    """The programmes open today, with what they fund and what is left: public, so a
    candidate (or a counsellor) sees where funding may come from."""
    now = utcnow()
    rows = await session.execute(
        select(Programme, Funder.name)
        .join(Funder, Funder.id == Programme.funder_id)
        .where(Programme.valid_from <= now, Programme.valid_until > now)
        .order_by(Programme.created_at, Programme.id)
        .limit(page.limit)
        .offset(page.offset)
    )
    return [await _programme_read(session, r, name) for r, name in rows]
