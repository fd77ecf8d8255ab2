"""What a funder reads: its requests, its budgets, where its money went and what it bought.

Every figure comes from the read models the workflow and the ledger keep
(``funding_requests``, ``cases``, ``credentials``, the ledger's accounts), never from a
Temporal query, so a report over thousands of cases is a few SQL reads.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import ColumnElement, Select, case, func, literal_column, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vnfil.accounts.models import Centre
from vnfil.cases.models import Case
from vnfil.credentials.models import Credential
from vnfil.funding import ledger, programmes
from vnfil.funding.models import Entitlement, FundingRequest, LedgerAccount, Programme
from vnfil.platform import bulk
from vnfil.standards.models import Standard

SPENT = ("settled",)
COMMITTED = ("pending", "approved", "held")


class ProgrammeFigures(BaseModel):
    id: str
    name: str
    unit: str
    budget: int
    available: int
    committed: int
    paid: int


class Spend(BaseModel):
    key: str  # a standard's code, a centre's name, a region
    unit: str
    paid: int
    committed: int
    cases: int


class FunderReport(BaseModel):
    programmes: list[ProgrammeFigures]
    pending: int  # requests waiting for this funder's decision
    by_standard: list[Spend]
    by_centre: list[Spend]
    by_region: list[Spend]
    certified_cases: int
    outcomes_validated: int
    # Outcomes validated per 1,000 of the currency paid (per unit), over certified cases.
    outcomes_per_thousand: dict[str, float]
    special_needs_people: int  # with this funder's special-needs entitlement, a case funded


class RequestRow(BaseModel):
    case_id: str
    programme_id: str
    standard: str
    centre: str
    region: str
    programme: str
    kind: str
    unit: str
    amount: int
    status: str
    case_status: str
    updated_at: datetime


def _joined(funder_id: str, *columns: Any) -> Select[*tuple[Any, ...]]:
    """``columns`` of this funder's requests, with the case, standard and centre each
    was made for: the rows every figure and the CSV count (a request of a case that is
    not there any more counts nowhere)."""
    return (
        select(*columns)
        .select_from(FundingRequest)
        .join(Case, Case.id == FundingRequest.case_id)
        .join(Standard, Standard.id == Case.standard_id)
        .join(Centre, Centre.id == Case.centre_id)
        .where(FundingRequest.funder_id == funder_id)
    )


def _requests(funder_id: str) -> Select[*tuple[Any, ...]]:
    """This funder's requests as ``RequestRow`` reads them, newest first."""
    return _joined(
        funder_id,
        FundingRequest.case_id,
        FundingRequest.programme_id,
        Standard.code,
        Centre.name,
        Centre.region,
        Programme.name,
        FundingRequest.kind,
        FundingRequest.unit,
        FundingRequest.amount,
        FundingRequest.status,
        Case.status,
        FundingRequest.updated_at,
    ).outerjoin(Programme, Programme.id == FundingRequest.programme_id)


def _row(found: Sequence[Any]) -> RequestRow:
    case_id, programme_id, code, centre, region, programme = found[:6]
    kind, unit, amount, status, case_status, updated_at = found[6:]
    return RequestRow(
        case_id=case_id,
        programme_id=programme_id or "",
        standard=code,
        centre=centre,
        region=region or "",
        programme=programme or "",
        kind=kind,
        unit=unit,
        amount=amount,
        status=status,
        case_status=case_status,
        updated_at=updated_at,
    )


# Counted in a report: money paid out, and money promised but not yet paid.
_SPENT = FundingRequest.status.in_(SPENT)
_COMMITTED = FundingRequest.status.in_(COMMITTED)


def _total(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    return func.coalesce(func.sum(case((condition, FundingRequest.amount), else_=0)), 0)


async def _spend(session: AsyncSession, funder_id: str, key: Any) -> list[Spend]:
    """Paid and committed per ``key`` and unit, and the cases either went to: one grouped
    query. A key whose requests were all refused or released is listed, with zeros."""
    found = await session.execute(
        _joined(
            funder_id,
            key,
            FundingRequest.unit,
            _total(_SPENT),
            _total(_COMMITTED),
            func.count(func.distinct(case((or_(_SPENT, _COMMITTED), FundingRequest.case_id)))),
        ).group_by(key, FundingRequest.unit)
    )
    # Sorted here, as Python orders text, not by the database's collation.
    return sorted(
        (
            Spend(key=k, unit=u, paid=int(paid), committed=int(committed), cases=n)
            for k, u, paid, committed, n in found
        ),
        key=lambda s: (s.key, s.unit),
    )


async def report(session: AsyncSession, funder_id: str) -> FunderReport:
    """Every figure a grouped query (or a stream of the paid cases' credentials): a funder
    with 100,000 requests is never a list in memory, nor a list of ids sent back in an IN."""
    figures = []
    for p in await session.scalars(
        select(Programme).where(Programme.funder_id == funder_id).order_by(Programme.created_at)
    ):
        available = await ledger.account(session, programmes.BUDGET, p.id, p.unit)
        committed = await ledger.account(session, programmes.COMMITTED, p.id, p.unit)
        figures.append(
            ProgrammeFigures(
                id=p.id,
                name=p.name,
                unit=p.unit,
                budget=p.budget,
                available=available.balance,
                committed=committed.balance,
                paid=p.budget - available.balance - committed.balance,
            )
        )
    pending = await session.scalar(
        _joined(funder_id, func.count()).where(FundingRequest.status == "pending")
    )
    # What the money bought: the outcomes of the certified cases it paid for.
    paid_cases = _joined(funder_id, FundingRequest.case_id).where(_SPENT)
    certified = await session.scalar(
        _joined(funder_id, func.count(func.distinct(FundingRequest.case_id))).where(_SPENT)
    )
    paid = {
        unit: int(amount)
        for unit, amount in await session.execute(
            _joined(funder_id, FundingRequest.unit, func.sum(FundingRequest.amount))
            .where(_SPENT)
            .group_by(FundingRequest.unit)
            .order_by(FundingRequest.unit)
        )
    }
    outcomes = int(
        await session.scalar(
            select(func.coalesce(func.sum(Credential.outcome_count), 0)).where(
                Credential.case_id.in_(paid_cases)
            )
        )
        or 0
    )
    served = _joined(funder_id, Case.candidate_id)
    special = await session.scalar(
        select(func.count(func.distinct(LedgerAccount.owner_id)))
        .join(Entitlement, Entitlement.account_id == LedgerAccount.id)
        .where(
            Entitlement.funder_id == funder_id,
            Entitlement.special_needs.is_(True),
            LedgerAccount.owner_id.in_(served),
        )
    )
    return FunderReport(
        programmes=figures,
        pending=pending or 0,
        by_standard=await _spend(session, funder_id, Standard.code),
        by_centre=await _spend(session, funder_id, Centre.name),
        by_region=await _spend(
            session, funder_id, func.coalesce(Centre.region, literal_column("''"))
        ),
        certified_cases=certified or 0,
        outcomes_validated=outcomes,
        outcomes_per_thousand={
            unit: round(outcomes / (amount / 100) * 1000, 2)
            for unit, amount in paid.items()
            if amount
        },
        special_needs_people=special or 0,
    )


async def requests_of(session: AsyncSession, funder_id: str, limit: int = 200) -> list[RequestRow]:
    """The requests made to this funder, those waiting for its decision first: the first
    ``limit``, read as such (not every request, sorted here)."""
    found = await session.execute(
        _requests(funder_id)
        .order_by(
            FundingRequest.status != "pending",
            FundingRequest.updated_at.desc(),
            FundingRequest.key,
        )
        .limit(limit)
    )
    return [_row(r) for r in found]


CSV_COLUMNS = list(RequestRow.model_fields)


def _csv_cells(r: RequestRow) -> list[Any]:
    """A row's cells; a spreadsheet must not read one as a formula (CSV injection)."""
    return [bulk.spreadsheet_cell(v) for v in r.model_dump(mode="json").values()]


def report_csv(
    sessions: async_sessionmaker[AsyncSession], funder_id: str
) -> AsyncGenerator[str, None]:
    """Every funding source of every case asked of this funder, a row each, as CSV text
    a batch of rows at a time (read through a cursor of its own session)."""
    query = _requests(funder_id).order_by(FundingRequest.updated_at.desc(), FundingRequest.key)
    return bulk.csv_export(sessions, query, CSV_COLUMNS, lambda row: _csv_cells(_row(row)))
