"""What a funder reads: its requests, its budgets, where its money went and what it bought.

Every figure comes from the read models the workflow and the ledger keep
(``funding_requests``, ``cases``, ``credentials``, the ledger's accounts), never from a
Temporal query, so a report over thousands of cases is a few SQL reads.
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from vnfil.accounts.models import Centre
from vnfil.cases.models import Case
from vnfil.credentials.document import outcomes_of
from vnfil.credentials.models import Credential
from vnfil.funding import ledger, programmes
from vnfil.funding.models import Entitlement, FundingRequest, LedgerAccount, Programme
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


async def _rows(session: AsyncSession, funder_id: str) -> list[RequestRow]:
    found = await session.execute(
        select(FundingRequest, Case, Standard.code, Centre.name, Centre.region, Programme.name)
        .join(Case, Case.id == FundingRequest.case_id)
        .join(Standard, Standard.id == Case.standard_id)
        .join(Centre, Centre.id == Case.centre_id)
        .outerjoin(Programme, Programme.id == FundingRequest.programme_id)
        .where(FundingRequest.funder_id == funder_id)
        .order_by(FundingRequest.updated_at.desc(), FundingRequest.key)
    )
    return [
        RequestRow(
            case_id=case.id,
            programme_id=req.programme_id or "",
            standard=code,
            centre=centre,
            region=region or "",
            programme=programme or "",
            kind=req.kind,
            unit=req.unit,
            amount=req.amount,
            status=req.status,
            case_status=case.status,
            updated_at=req.updated_at,
        )
        for req, case, code, centre, region, programme in found
    ]


def _spend(rows: list[RequestRow], key: str) -> list[Spend]:
    acc: dict[tuple[str, str], dict[str, Any]] = defaultdict(
        lambda: {"paid": 0, "committed": 0, "cases": set()}
    )
    for r in rows:
        slot = acc[(getattr(r, key), r.unit)]
        if r.status in SPENT:
            slot["paid"] += r.amount
        elif r.status in COMMITTED:
            slot["committed"] += r.amount
        else:
            continue
        slot["cases"].add(r.case_id)
    return [
        Spend(key=k, unit=u, paid=v["paid"], committed=v["committed"], cases=len(v["cases"]))
        for (k, u), v in sorted(acc.items())
    ]


async def report(session: AsyncSession, funder_id: str) -> FunderReport:
    rows = await _rows(session, funder_id)
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
    # What the money bought: the outcomes of the certified cases it paid for.
    paid_cases = {r.case_id for r in rows if r.status in SPENT}
    paid: Counter[str] = Counter()
    for r in rows:
        if r.status in SPENT:
            paid[r.unit] += r.amount
    outcomes = 0
    if paid_cases:
        for doc in await session.scalars(
            select(Credential.document).where(Credential.case_id.in_(paid_cases))
        ):
            outcomes += len(outcomes_of(doc))
    served = {
        c
        for (c,) in await session.execute(
            select(Case.candidate_id).where(Case.id.in_({r.case_id for r in rows}))
        )
    }
    special = set(
        await session.scalars(
            select(LedgerAccount.owner_id)
            .join(Entitlement, Entitlement.account_id == LedgerAccount.id)
            .where(Entitlement.funder_id == funder_id, Entitlement.special_needs.is_(True))
        )
    )
    return FunderReport(
        programmes=figures,
        pending=sum(1 for r in rows if r.status == "pending"),
        by_standard=_spend(rows, "standard"),
        by_centre=_spend(rows, "centre"),
        by_region=_spend(rows, "region"),
        certified_cases=len(paid_cases),
        outcomes_validated=outcomes,
        outcomes_per_thousand={
            unit: round(outcomes / (amount / 100) * 1000, 2)
            for unit, amount in paid.items()
            if amount
        },
        special_needs_people=len(special & served),
    )


async def requests_of(session: AsyncSession, funder_id: str, limit: int = 200) -> list[RequestRow]:
    """The requests made to this funder, those waiting for its decision first."""
    rows = await _rows(session, funder_id)
    return sorted(rows, key=lambda r: r.status != "pending")[:limit]


CSV_COLUMNS = list(RequestRow.model_fields)


async def report_csv(session: AsyncSession, funder_id: str) -> str:
    """Every funding source of every case asked of this funder, a row each."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    for r in await _rows(session, funder_id):
        row = r.model_dump(mode="json")
        # A spreadsheet must not read a cell as a formula (CSV injection).
        writer.writerow(
            {
                k: f"'{v}" if isinstance(v, str) and v[:1] in "=+-@\t\r" else v
                for k, v in row.items()
            }
        )
    return out.getvalue()
