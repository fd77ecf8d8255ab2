"""Employer cohorts (collective validation): an employer's staff enrol employees for a
standard at an accredited centre, funded from the employer's programme; the employee
joins (their case opens), chooses the programme as the funding source and decides
whether the employer receives the credential (``vnfil.funding.cohorts``)."""

from __future__ import annotations

import logging
from datetime import timedelta

from fastapi import APIRouter, HTTPException, status
from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.exc import IntegrityError
from temporalio.service import RPCError

from api.cases import open_case
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
from api.routes.funding import funder_of, may_act_for_funder
from vnfil.accounts.models import Centre, Funder, Notification, User
from vnfil.accounts.schemas import FunderKind, Role
from vnfil.cases.models import Case
from vnfil.cases.schemas import CaseState
from vnfil.credentials.models import Credential
from vnfil.funding import cohorts, programmes
from vnfil.funding.models import Cohort, CohortMember, Programme
from vnfil.funding.schemas import (
    CohortCreate,
    CohortCredential,
    CohortInvite,
    CohortInvited,
    CohortProgress,
    CohortRead,
    ConsentSet,
    MyCohortRead,
)
from vnfil.platform.db import utcnow
from vnfil.platform.paging import Keyset
from vnfil.platform.rendering import render_message
from vnfil.standards.models import Standard
from vnfil.standards.schemas import StandardDocument
from vnfil.trust.service import NotAccredited, accreditation_for
from workflows.clients import start_message

log = logging.getLogger(__name__)
router = APIRouter(tags=["cohorts"])
COHORT_ORDER = Keyset("cohorts", (Cohort.created_at, Cohort.id))
COHORT_CREDENTIAL_ORDER = Keyset(
    "cohort credentials", (Credential.issued_at, Credential.id), descending=False
)

# A join whose case never got recorded (the process died between the two) may be taken
# again after this long; until then a second join at the same moment is told to wait.
STALE_JOIN = timedelta(minutes=2)


async def _employer(session: SessionDep, user: Principal, funder_id: str) -> Funder:
    may_act_for_funder(user, funder_id)
    funder = await funder_of(session, funder_id)
    if funder.kind != FunderKind.employer:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, "only an employer enrols its employees in cohorts"
        )
    return funder


async def _cohort(session: SessionDep, user: Principal, funder_id: str, cohort_id: str) -> Cohort:
    funder = await _employer(session, user, funder_id)
    cohort = await session.get(Cohort, cohort_id)
    if cohort is None or cohort.funder_id != funder.id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no cohort {cohort_id} of yours")
    return cohort


@router.post(
    "/funders/{funder_id}/cohorts",
    status_code=status.HTTP_201_CREATED,
    dependencies=[require_roles(Role.funder)],
)
async def new_cohort(
    funder_id: PathId, body: CohortCreate, session: SessionDep, user: CurrentUser
) -> CohortRead:
    """A cohort: a standard, a centre accredited for it today, and the employer's own
    programme that funds this standard there."""
    funder = await _employer(session, user, funder_id)
    standard = await session.get(Standard, body.standard_id)
    if standard is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no standard {body.standard_id}")
    centre = await session.get(Centre, body.centre_id)
    if centre is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no centre {body.centre_id}")
    now = utcnow()
    try:
        await accreditation_for(
            session,
            centre_id=centre.id,
            awarding_body_id=standard.awarding_body_id,
            code=standard.code,
            version=standard.version,
            at=now,
        )
    except NotAccredited as exc:
        raise HTTPException(
            status.HTTP_409_CONFLICT, f"this centre cannot validate this standard: {exc}"
        ) from None
    programme = await session.get(Programme, body.programme_id)
    if programme is None or programme.funder_id != funder.id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no programme {body.programme_id} of yours")
    why = programmes.refusals(
        programme,
        standard_code=standard.code,
        eqf_level=StandardDocument.model_validate(standard.document).eqf_level,
        region=centre.region,
        accredited=True,
        at=now,
    )
    if why:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "; ".join(why))
    row = Cohort(
        funder_id=funder.id,
        name=body.name,
        standard_id=standard.id,
        centre_id=centre.id,
        programme_id=programme.id,
        created_by=user.id,
        created_at=now,
    )
    session.add(row)
    await session.commit()
    return CohortRead.model_validate(row)


@router.get("/funders/{funder_id}/cohorts", dependencies=[require_roles(Role.funder)])
async def funder_cohorts(
    funder_id: PathId, session: SessionDep, user: CurrentUser, page: PageDep
) -> list[CohortRead]:
    """The employer's cohorts, newest first, a page at a time (``Link``/``X-Next-Cursor``)."""
    funder = await _employer(session, user, funder_id)
    at = page.at(COHORT_ORDER)
    query = select(Cohort).where(Cohort.funder_id == funder.id)
    rows = await session.scalars(COHORT_ORDER.window(query, at, page.limit))
    return [CohortRead.model_validate(r) for r in page.done(COHORT_ORDER, list(rows), at)]


@router.post(
    "/funders/{funder_id}/cohorts/{cohort_id}/members",
    dependencies=[require_roles(Role.funder)],
)
async def invite_members(
    funder_id: PathId,
    cohort_id: PathId,
    body: CohortInvite,
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    temporal: TemporalDep,
) -> CohortInvited:
    """Invite employees by e-mail; each gets a message (in their language when they have
    an account, else in English and Polish). An address already invited is not invited
    again, so sending the same list twice is harmless."""
    cohort = await _cohort(session, user, funder_id, cohort_id)
    funder = await session.get(Funder, cohort.funder_id)
    standard = await session.get(Standard, cohort.standard_id)
    centre = await session.get(Centre, cohort.centre_id)
    assert funder is not None and standard is not None and centre is not None
    emails = sorted(set(body.emails))
    known = set(
        await session.scalars(
            select(CohortMember.email).where(
                CohortMember.cohort_id == cohort.id, CohortMember.email.in_(emails)
            )
        )
    )
    people = {u.email: u for u in await session.scalars(select(User).where(User.email.in_(emails)))}
    now = utcnow()
    sent: list[str] = []
    for email in emails:
        if email in known:
            continue
        member = CohortMember(cohort_id=cohort.id, email=email, invited_at=now)
        session.add(member)
        await session.flush()
        person = people.get(email)
        subject, text = render_message(
            "cohort-invitation",
            person.language if person else None,
            employer=funder.name,
            cohort=cohort.name,
            standard=standard.title,
            centre=centre.name,
            link=f"{settings.public_base_url}/me/cohorts",
        )
        key = f"cohort-invitation:{member.id}"
        session.add(
            Notification(
                id=key,
                recipient_id=person.id if person else None,
                recipient_email=email,
                template="cohort-invitation",
                subject=subject,
                body=text,
            )
        )
        sent.append(key)
    try:
        await session.commit()  # the members and their messages, together
    except IntegrityError:  # the same addresses invited at the same moment
        await session.rollback()
        raise HTTPException(
            status.HTTP_409_CONFLICT, "these addresses were invited at the same moment: send again"
        ) from None
    for key in sent:
        try:
            await start_message(temporal, settings, key)
        except RPCError as exc:  # the message waits in the outbox
            log.warning("cohort invitation %s not handed to the mailer: %s", key, exc)
    return CohortInvited(invited=len(sent), already=len(known))


@router.get("/funders/{funder_id}/cohorts/{cohort_id}", dependencies=[require_roles(Role.funder)])
async def cohort_progress(
    funder_id: PathId, cohort_id: PathId, session: SessionDep, user: CurrentUser
) -> CohortProgress:
    """The cohort's progress in counts only: invited, joined, at each stage, how the cases
    ended, and how many share their credential. Never who."""
    return await cohorts.progress(session, await _cohort(session, user, funder_id, cohort_id))


@router.get(
    "/funders/{funder_id}/cohorts/{cohort_id}/credentials",
    dependencies=[require_roles(Role.funder)],
)
async def cohort_credentials(
    funder_id: PathId, cohort_id: PathId, session: SessionDep, user: CurrentUser, page: PageDep
) -> list[CohortCredential]:
    """The signed credentials of the members who consent to share them, from their cohort
    case only, not revoked; a withdrawn consent takes the credential off this list. Oldest
    first, a page at a time (``Link``/``X-Next-Cursor``): read from the cohort's members
    (a cohort is as large as an employer's staff), not from every credential."""
    cohort = await _cohort(session, user, funder_id, cohort_id)
    at = page.at(COHORT_CREDENTIAL_ORDER)
    query = (
        select(Credential, User.name, CohortMember.consent_at)
        .join(CohortMember, CohortMember.case_id == Credential.case_id)
        .join(Case, Case.id == CohortMember.case_id)
        .join(User, User.id == Credential.holder_id)
        .where(
            CohortMember.cohort_id == cohort.id,
            cohorts.consenting(),
            Credential.holder_id == CohortMember.user_id,
            Credential.revoked_at.is_(None),
            Case.status == CaseState.completed.value,
        )
    )
    rows = (await session.execute(COHORT_CREDENTIAL_ORDER.window(query, at, page.limit))).all()
    return [
        CohortCredential(
            credential_id=cred.id,
            case_id=cred.case_id or "",
            holder_name=name,
            issued_at=cred.issued_at,
            consent_at=consent_at or cred.issued_at,  # (set: only consenting members)
            document=cred.document,
        )
        for cred, name, consent_at in page.done(
            COHORT_CREDENTIAL_ORDER, rows, at, key=lambda r: r[0]
        )
    ]


# --- the employee ---------------------------------------------------------------------


def _invited_to(user: Principal) -> ColumnElement[bool]:
    return or_(CohortMember.user_id == user.id, CohortMember.email == user.email.lower())


async def _my_reads(
    session: SessionDep, user: Principal, *where: ColumnElement[bool]
) -> list[MyCohortRead]:
    rows = await session.execute(
        select(CohortMember, Cohort, Funder.name, Standard.title, Centre.name)
        .join(Cohort, Cohort.id == CohortMember.cohort_id)
        .join(Funder, Funder.id == Cohort.funder_id)
        .join(Standard, Standard.id == Cohort.standard_id)
        .join(Centre, Centre.id == Cohort.centre_id)
        .where(_invited_to(user), *where)
        .order_by(CohortMember.invited_at.desc(), CohortMember.id)
    )
    return [
        MyCohortRead(
            cohort_id=cohort.id,
            name=cohort.name,
            employer=employer,
            standard_id=cohort.standard_id,
            standard_title=title,
            centre_id=cohort.centre_id,
            centre_name=centre,
            programme_id=cohort.programme_id,
            invited_at=m.invited_at,
            joined_at=m.joined_at if m.case_id else None,
            case_id=m.case_id,
            share_credential=m.consent_at is not None and m.consent_withdrawn_at is None,
            consent_at=m.consent_at,
            consent_withdrawn_at=m.consent_withdrawn_at,
        )
        for m, cohort, employer, title, centre in rows
    ]


@router.get("/me/cohorts")
async def my_cohorts(session: SessionDep, user: CurrentUser) -> list[MyCohortRead]:
    """The cohorts the person is invited to (by their account's address) or has joined."""
    return await _my_reads(session, user)


async def _my_membership(session: SessionDep, user: Principal, cohort_id: str) -> CohortMember:
    member = await session.scalar(
        select(CohortMember).where(CohortMember.cohort_id == cohort_id, _invited_to(user))
    )
    if member is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "you are not invited to this cohort")
    return member


async def _mine(session: SessionDep, user: Principal, cohort_id: str) -> MyCohortRead:
    reads = await _my_reads(session, user, CohortMember.cohort_id == cohort_id)
    assert reads
    return reads[0]


@router.post("/me/cohorts/{cohort_id}/join", dependencies=[require_roles(Role.candidate)])
async def join_cohort(
    cohort_id: PathId,
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    temporal: TemporalDep,
) -> MyCohortRead:
    """Join: the person's case opens for the cohort's standard at its centre (as any
    candidate's would); then they choose the employer's programme as the funding source
    (``POST /cases/{id}/funding``). Joining again answers the same case."""
    member = await _my_membership(session, user, cohort_id)
    if member.case_id is not None:
        return await _mine(session, user, cohort_id)
    cohort = await session.get(Cohort, cohort_id)
    assert cohort is not None
    member_id, earlier, now = member.id, member.joined_at, utcnow()
    # One join opens one case: the first to mark the membership opens it.
    claimed = await session.execute(
        update(CohortMember)
        .where(
            CohortMember.id == member_id,
            CohortMember.case_id.is_(None),
            or_(CohortMember.joined_at.is_(None), CohortMember.joined_at < now - STALE_JOIN),
        )
        .values(joined_at=now, user_id=user.id)
        .execution_options(synchronize_session=False)
    )
    await session.commit()
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise HTTPException(
            status.HTTP_409_CONFLICT, "you are joining this cohort already: ask again in a moment"
        )
    # A join that stopped between opening the case and recording it: that case is theirs.
    adopted = (
        await session.scalar(
            select(Case.id)
            .where(
                Case.candidate_id == user.id,
                Case.standard_id == cohort.standard_id,
                Case.centre_id == cohort.centre_id,
                Case.created_at >= earlier,
                Case.id.not_in(
                    select(CohortMember.case_id).where(CohortMember.case_id.is_not(None))
                ),
            )
            .order_by(Case.created_at)
            .limit(1)
        )
        if earlier is not None
        else None
    )
    try:
        case_id = (
            adopted
            or (
                await open_case(
                    session, temporal, settings, user, cohort.standard_id, cohort.centre_id
                )
            ).id
        )
    except BaseException:
        await session.rollback()
        await session.execute(
            update(CohortMember)
            .where(CohortMember.id == member_id, CohortMember.case_id.is_(None))
            .values(joined_at=None)
        )
        await session.commit()
        raise
    await session.execute(
        update(CohortMember).where(CohortMember.id == member_id).values(case_id=case_id)
    )
    await session.commit()
    return await _mine(session, user, cohort_id)


@router.put("/me/cohorts/{cohort_id}/consent", dependencies=[require_roles(Role.candidate)])
async def cohort_consent(
    cohort_id: PathId, body: ConsentSet, session: SessionDep, user: CurrentUser
) -> MyCohortRead:
    """The employee's consent that the employer receives the credential of this cohort's
    case; withdrawn, the employer no longer receives it."""
    member = await _my_membership(session, user, cohort_id)
    if member.case_id is None or member.user_id != user.id:
        raise HTTPException(
            status.HTTP_409_CONFLICT, "join the cohort first: consent is about your case in it"
        )
    cohorts.set_consent(member, body.share_credential, utcnow())
    await session.commit()
    return await _mine(session, user, cohort_id)
