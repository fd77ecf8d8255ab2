"""Employer cohorts (collective validation): an employer enrols employees for one
standard at one centre and funds them from its programme.

What the employer may know is deliberately little: how many were invited, joined, are at
each stage or ended how, read from the ``cases`` read model (never a Temporal query per
member); and each credential only while its holder consents. Consent belongs to the
employee, per cohort, and is withdrawn as easily as it is given.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from vnfil.cases.models import Case
from vnfil.cases.schemas import CaseState, Result, Stage
from vnfil.funding.models import Cohort, CohortMember, FundingRequest, Programme
from vnfil.funding.schemas import CohortFunding, CohortProgress, CohortRead, StageCounts

VALIDATED = (Result.full.value, Result.partial.value)


def consenting() -> ColumnElement[bool]:
    """Members who share their credential with the employer now."""
    return and_(CohortMember.consent_at.is_not(None), CohortMember.consent_withdrawn_at.is_(None))


def set_consent(member: CohortMember, share: bool, at: datetime) -> None:
    """Give (again) or withdraw consent; a repeat of the same answer changes nothing."""
    if share and (member.consent_at is None or member.consent_withdrawn_at is not None):
        member.consent_at, member.consent_withdrawn_at = at, None
    elif not share and member.consent_at is not None and member.consent_withdrawn_at is None:
        member.consent_withdrawn_at = at


async def progress(session: AsyncSession, cohort: Cohort) -> CohortProgress:
    """The cohort in counts: one grouped query over its members' cases."""
    rows = await session.execute(
        select(Case.status, Case.stage, Case.result, func.count())
        .select_from(CohortMember)
        .join(Case, Case.id == CohortMember.case_id)
        .where(CohortMember.cohort_id == cohort.id)
        .group_by(Case.status, Case.stage, Case.result)
    )
    stages = StageCounts()
    ended = {"certified": 0, "not_validated": 0, "withdrawn": 0, "expired": 0}
    joined = 0
    for status, stage, result, n in rows:
        joined += n
        if status == CaseState.open.value:
            # (an open case is in one of the four stages; anything else counts as the last)
            at = stage if stage in StageCounts.model_fields else Stage.certification.value
            setattr(stages, at, getattr(stages, at) + n)
        elif status == CaseState.completed.value:
            ended["certified" if result in VALIDATED else "not_validated"] += n
        elif status in ended:
            ended[status] += n
    invited, consented = (
        await session.execute(
            select(func.count(), func.count().filter(consenting())).where(
                CohortMember.cohort_id == cohort.id
            )
        )
    ).one()
    return CohortProgress(
        funding=await _funding(session, cohort),
        cohort=CohortRead.model_validate(cohort),
        invited=invited,
        not_joined=invited - joined,
        joined=joined,
        in_progress=stages,
        consented=consented,
        **ended,
    )


async def _funding(session: AsyncSession, cohort: Cohort) -> CohortFunding:
    """The members' requests to the cohort's programme, by status: cases and amounts."""
    programme = await session.get(Programme, cohort.programme_id)
    assert programme is not None
    rows = await session.execute(
        select(
            FundingRequest.status,
            func.count(func.distinct(FundingRequest.case_id)),
            func.coalesce(func.sum(FundingRequest.amount), 0),
        )
        .join(CohortMember, CohortMember.case_id == FundingRequest.case_id)
        .where(
            CohortMember.cohort_id == cohort.id,
            FundingRequest.programme_id == cohort.programme_id,
        )
        .group_by(FundingRequest.status)
    )
    out = CohortFunding(unit=programme.unit)
    for status, cases, total in rows:
        amount = int(total)  # (PostgreSQL sums a bigint as a numeric)
        if status == "pending":
            out.awaiting_decision, out.committed_amount = cases, out.committed_amount + amount
        elif status == "approved":
            out.approved, out.committed_amount = cases, out.committed_amount + amount
        elif status == "settled":
            out.paid, out.paid_amount = cases, amount
    return out
