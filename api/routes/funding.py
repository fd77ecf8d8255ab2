"""Paying for validation: the platform operator onboards funders; a funder's staff grant
entitlements to people's learning accounts; a person reads their own account
(``vnfil.funding``)."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from fastapi import APIRouter, HTTPException, Response, status
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from temporalio.service import RPCError

from api.cases import IdempotencyKey, actor_of, send_step
from api.deps import (
    CurrentUser,
    PageDep,
    PathId,
    Principal,
    SessionDep,
    SessionsDep,
    SettingsDep,
    TemporalDep,
    VisibleCase,
    release_connection,
    require_roles,
)
from api.exports import csv_response
from vnfil.accounts.models import Centre, Funder, User
from vnfil.accounts.schemas import FunderCreate, FunderKind, FunderRead, Role
from vnfil.cases.models import Case
from vnfil.cases.schemas import (
    FundingDecisionInput,
    FundingInput,
    FundingSource,
    SourceStatus,
)
from vnfil.cases.view import CaseView
from vnfil.funding import ledger, programmes
from vnfil.funding.accounts import learning_account
from vnfil.funding.ledger import LedgerRefused
from vnfil.funding.models import (
    Cohort,
    CohortMember,
    Entitlement,
    FundingRequest,
    LedgerAccount,
    Price,
    Programme,
)
from vnfil.funding.reports import FunderReport, report, report_csv
from vnfil.funding.schemas import (
    EntitlementRead,
    ExpiryInput,
    FundingChoice,
    FundingDecision,
    FundingRequestRead,
    GrantCreate,
    GrantRead,
    LearningAccountRead,
    PriceRead,
    PriceSet,
    ProgrammeCreate,
    ProgrammeRead,
    SourceChoice,
)
from vnfil.platform.db import as_utc, utcnow
from vnfil.platform.paging import Keyset
from vnfil.standards.models import Standard, StandardCode
from vnfil.standards.schemas import StandardDocument
from workflows.case import ValidationCase
from workflows.clients import start_expiry

log = logging.getLogger(__name__)
GRANT_ORDER = Keyset("grants", (Entitlement.valid_from, Entitlement.id))
PROGRAMME_ORDER = Keyset("programmes", (Programme.created_at, Programme.id), descending=False)
OPEN_PROGRAMME_ORDER = Keyset(
    "open programmes", (Programme.created_at, Programme.id), descending=False
)
# A funder's requests: the waiting ones, then the decided ones (each its own cursor).
WAITING_ORDER = Keyset("funding requests waiting", (FundingRequest.updated_at, FundingRequest.key))
DECIDED_ORDER = Keyset("funding requests decided", (FundingRequest.updated_at, FundingRequest.key))

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


async def funder_of(session: SessionDep, funder_id: str) -> Funder:
    funder = await session.get(Funder, funder_id)
    if funder is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no funder {funder_id}")
    return funder


@router.get("/funders/{funder_id}", dependencies=[require_roles(Role.operator, Role.funder)])
async def funder(funder_id: PathId, session: SessionDep, user: CurrentUser) -> FunderRead:
    may_act_for_funder(user, funder_id)
    return FunderRead.model_validate(await funder_of(session, funder_id))


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
    funder = await funder_of(session, funder_id)
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
    """The entitlements this funder granted, newest first, a page at a time (the next
    page's cursor in ``Link``/``X-Next-Cursor``)."""
    may_act_for_funder(user, funder_id)
    funder = await funder_of(session, funder_id)
    at = page.at(GRANT_ORDER)
    query = (
        select(Entitlement, LedgerAccount.owner_id)
        .join(LedgerAccount, LedgerAccount.id == Entitlement.account_id)
        .where(Entitlement.funder_id == funder.id)
    )
    rows = (await session.execute(GRANT_ORDER.window(query, at, page.limit))).all()
    return [
        _read(ent, owner, funder.name)
        for ent, owner in page.done(GRANT_ORDER, rows, at, key=lambda r: r[0])
    ]


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
    row.funding_required = body.funding_required
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
    funder = await funder_of(session, funder_id)
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
        pays_completed_stages=body.pays_completed_stages,
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
    funder_id: PathId, session: SessionDep, user: CurrentUser, page: PageDep
) -> list[ProgrammeRead]:
    """The funder's programmes, oldest first, a page at a time (``Link``/``X-Next-Cursor``)."""
    may_act_for_funder(user, funder_id)
    funder = await funder_of(session, funder_id)
    at = page.at(PROGRAMME_ORDER)
    query = select(Programme).where(Programme.funder_id == funder.id)
    rows = await session.scalars(PROGRAMME_ORDER.window(query, at, page.limit))
    return [
        await _programme_read(session, r, funder.name)
        for r in page.done(PROGRAMME_ORDER, list(rows), at)
    ]


@router.get("/programmes")
async def open_programmes(session: SessionDep, page: PageDep) -> list[ProgrammeRead]:
    """The programmes open today, with what they fund and what is left: public, so a
    candidate (or a counsellor) sees where funding may come from."""
    now = utcnow()
    at = page.at(OPEN_PROGRAMME_ORDER)
    query = (
        select(Programme, Funder.name)
        .join(Funder, Funder.id == Programme.funder_id)
        .where(Programme.valid_from <= now, Programme.valid_until > now)
    )
    rows = (await session.execute(OPEN_PROGRAMME_ORDER.window(query, at, page.limit))).all()
    return [
        await _programme_read(session, r, name)
        for r, name in page.done(OPEN_PROGRAMME_ORDER, rows, at, key=lambda r: r[0])
    ]


# --- funding a case ---------------------------------------------------------------


async def _may_draw_on(session: SessionDep, programme: Programme, case: Case) -> bool:
    """An employer's pool pays for its own cohorts' members only (their cohort case)."""
    funder = await session.get(Funder, programme.funder_id)
    if funder is None or funder.kind != FunderKind.employer:
        return True
    member = await session.scalar(
        select(CohortMember.id)
        .join(Cohort, Cohort.id == CohortMember.cohort_id)
        .where(CohortMember.case_id == case.id, Cohort.programme_id == programme.id)
        .limit(1)
    )
    return member is not None


async def _choose(
    session: SessionDep, case: Case, body: FundingChoice, now: datetime
) -> tuple[Price, list[tuple[SourceChoice, Programme | None, int]]]:
    """The fee and each source's amount, checked against the programmes' rules."""
    standard = await session.get(Standard, case.standard_id)
    centre = await session.get(Centre, case.centre_id)
    assert standard is not None and centre is not None
    price = await session.scalar(
        select(Price).where(Price.centre_id == case.centre_id, Price.standard_code == standard.code)
    )
    if price is None:
        raise HTTPException(
            status.HTTP_409_CONFLICT, "the centre has published no fee for this standard"
        )
    eqf = StandardDocument.model_validate(standard.document).eqf_level
    chosen: list[tuple[SourceChoice, Programme | None, int]] = []
    for src in body.sources:
        programme = None
        if src.kind == "programme":
            programme = await session.get(Programme, src.programme_id or "")
            if programme is None:
                raise HTTPException(status.HTTP_404_NOT_FOUND, f"no programme {src.programme_id}")
            why = programmes.refusals(
                programme,
                standard_code=standard.code,
                eqf_level=eqf,
                region=centre.region,
                accredited=True,  # a case is opened only at an accredited centre
                at=now,
            )
            if why:
                raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "; ".join(why))
            if not await _may_draw_on(session, programme, case):
                raise HTTPException(
                    status.HTTP_403_FORBIDDEN,
                    "an employer's programme funds only the cases of its cohorts' members",
                )
            if programme.unit != price.unit:
                raise HTTPException(
                    status.HTTP_422_UNPROCESSABLE_CONTENT,
                    f"the programme pays in {programme.unit}, the fee is in {price.unit}",
                )
        chosen.append((src, programme, src.amount or 0))
    # A programme's part is its share unless given; the rest falls to the account or self.
    chosen = [
        (s, p, a or (programmes.share_of(p, price.amount) if p is not None else 0))
        for s, p, a in chosen
    ]
    rest = price.amount - sum(a for _, _, a in chosen)
    open_ = [i for i, (s, _, a) in enumerate(chosen) if a == 0]
    if len(open_) == 1 and rest > 0:
        s, p, _ = chosen[open_[0]]
        chosen[open_[0]] = (s, p, rest)
        rest = 0
    if rest != 0 or any(a <= 0 for _, _, a in chosen):
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"the sources must cover the fee exactly ({price.amount} in minor units of "
            f"{price.unit}): leave one source's amount out to have it take the rest",
        )
    return price, chosen


@router.post("/cases/{case_id}/funding", dependencies=[require_roles(Role.candidate)])
async def request_funding(
    case: VisibleCase,
    body: FundingChoice,
    session: SessionDep,
    user: CurrentUser,
    temporal: TemporalDep,
    key: IdempotencyKey = None,
) -> CaseView:
    """Who pays for the validation: the learning account's part is held at once, a
    programme's committed from its budget (its funder then decides, unless its rules
    approve it), self-payment is paid to the centre directly. All or nothing. With an
    ``Idempotency-Key``, a retry after an unsure answer (503) finds the same holds and
    the same step, never a second reservation."""
    if user.id != case.candidate_id:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "only the candidate asks for funding")
    now = utcnow()
    price, chosen = await _choose(session, case, body, now)
    attempt = (
        uuid.uuid5(uuid.NAMESPACE_URL, f"{case.id}|{user.id}|{key}").hex[:12]
        if key
        else uuid.uuid4().hex[:12]
    )
    sources: list[FundingSource] = []
    state: SourceStatus
    try:
        # The person's account first, then budgets: every request takes its locks in
        # one order, so two at once never deadlock.
        for src, programme, amount in sorted(chosen, key=lambda c: c[0].kind != "account"):
            key = f"case:{case.id}:funding:{attempt}:{len(sources)}"
            if src.kind == "account":
                await ledger.hold(
                    session,
                    key=key,
                    person_id=user.id,
                    unit=price.unit,
                    amount=amount,
                    at=now,
                    reason=f"validation {case.id}",
                    actor_id=user.id,
                )
                state = "held"
            elif programme is not None:
                await programmes.commit(
                    session,
                    programme,
                    person_id=user.id,
                    amount=amount,
                    key=key,
                    at=now,
                    reason=f"validation {case.id}",
                    actor_id=user.id,
                )
                state = "approved" if programme.auto_approve else "pending"
            else:
                state = "approved"
            sources.append(
                FundingSource(
                    kind=src.kind,
                    amount=amount,
                    unit=price.unit,
                    key=key,
                    programme_id=programme.id if programme else None,
                    funder_id=programme.funder_id if programme else None,
                    status=state,
                    pays_stages=programme.pays_completed_stages if programme else True,
                )
            )
        await session.commit()
    except LedgerRefused as exc:
        await session.rollback()
        raise HTTPException(status.HTTP_409_CONFLICT, exc.message) from None
    days = min(
        (p.decision_days for _, p, _ in chosen if p is not None and not p.auto_approve),
        default=None,
    )
    step = FundingInput(
        sources=sources,
        fee=price.amount,
        stage_fees=dict(price.stages or {}),
        decide_by=now + timedelta(days=days) if days else None,
    )
    try:
        return await send_step(
            temporal, case, ValidationCase.request_funding, actor_of(user), step, key=key
        )
    except HTTPException:
        await _give_back(session, case.candidate_id, sources, now)  # refused: nothing held
        raise


async def _give_back(
    session: SessionDep, person_id: str, sources: list[FundingSource], at: datetime
) -> None:
    for s in sources:
        if s.kind == "account":
            await ledger.release(session, hold_key=s.key, person_id=person_id, unit=s.unit, at=at)
        elif s.kind == "programme":
            programme = await session.get(Programme, s.programme_id or "")
            assert programme is not None
            await programmes.give_back(session, programme, key=s.key, at=at)
    await session.commit()


@router.post("/cases/{case_id}/funding/decisions", dependencies=[require_roles(Role.funder)])
async def decide_funding(
    case_id: PathId,
    body: FundingDecision,
    session: SessionDep,
    user: CurrentUser,
    temporal: TemporalDep,
) -> FundingRequestRead:
    """A funder approves or refuses its programme's part of a case's request; a refusal
    gives every source back and the candidate chooses again."""
    programme = await session.get(Programme, body.programme_id)
    if programme is None or programme.funder_id != user.funder_id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no programme {body.programme_id} of yours")
    request = await session.scalar(
        select(FundingRequest)
        .where(FundingRequest.case_id == case_id, FundingRequest.programme_id == programme.id)
        .order_by(FundingRequest.updated_at.desc())
        .limit(1)
    )
    case = await session.get(Case, case_id)
    if request is None or case is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no request of case {case_id} to you")
    step = FundingDecisionInput(programme_id=programme.id, approve=body.approve, reason=body.reason)
    await send_step(temporal, case, ValidationCase.decide_funding, actor_of(user), step)
    await session.refresh(request)
    return FundingRequestRead.model_validate(request)


@router.get(
    "/funders/{funder_id}/requests", dependencies=[require_roles(Role.operator, Role.funder)]
)
async def funding_requests(
    funder_id: PathId, session: SessionDep, user: CurrentUser, page: PageDep
) -> list[FundingRequestRead]:
    """The requests made to this funder's programmes: those waiting first, then those
    decided, each newest first; a page at a time (``Link``/``X-Next-Cursor``). Two index
    ranges read one after the other, so a page costs the same however deep."""
    may_act_for_funder(user, funder_id)
    mine = select(FundingRequest).where(FundingRequest.funder_id == funder_id)
    waiting = mine.where(FundingRequest.status == "pending")
    decided = mine.where(FundingRequest.status != "pending")
    keyset, at = page.at_any(WAITING_ORDER, DECIDED_ORDER)
    if keyset is DECIDED_ORDER:
        rows = list(await session.scalars(DECIDED_ORDER.window(decided, at, page.limit)))
        return [FundingRequestRead.model_validate(r) for r in page.done(DECIDED_ORDER, rows, at)]
    first = list(await session.scalars(WAITING_ORDER.window(waiting, at, page.limit)))
    if len(first) > page.limit:  # the waiting ones fill this page and go on
        return [FundingRequestRead.model_validate(r) for r in page.done(WAITING_ORDER, first, at)]
    room = page.limit - len(first)  # the decided ones follow, from their newest
    then = list(await session.scalars(DECIDED_ORDER.window(decided, None, room)))
    if len(then) > room:  # more follow: after the page's last row, in its own part
        page.follow_after(
            *((DECIDED_ORDER, then[room - 1]) if room else (WAITING_ORDER, first[-1]))
        )
    return [FundingRequestRead.model_validate(r) for r in first + then[:room]]


@router.get("/funders/{funder_id}/report", dependencies=[require_roles(Role.operator, Role.funder)])
async def funder_report(funder_id: PathId, session: SessionDep, user: CurrentUser) -> FunderReport:
    """Budgets used and committed; spend per standard, centre and region; the outcomes
    validated per 1,000 paid; the people with special-needs entitlements it served."""
    may_act_for_funder(user, funder_id)
    await funder_of(session, funder_id)
    return await report(session, funder_id)


@router.get(
    "/funders/{funder_id}/report.csv",
    dependencies=[require_roles(Role.operator, Role.funder)],
    response_class=Response,
)
async def funder_report_csv(
    funder_id: PathId, session: SessionDep, sessions: SessionsDep, user: CurrentUser
) -> Response:
    """Every funding source of every case asked of this funder, a row each; streamed, a
    batch at a time, once the asker is known to be allowed and the funder to exist."""
    may_act_for_funder(user, funder_id)
    await funder_of(session, funder_id)
    await release_connection()  # the export reads through a session of its own
    return await csv_response(report_csv(sessions, funder_id), f"funding-{funder_id}.csv")
