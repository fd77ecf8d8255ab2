"""A person's learning account as they read it: balances, what is held for cases, the
entitlements with their end and who gave them, and every movement."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from vnfil.accounts.models import Funder
from vnfil.cases.models import Case
from vnfil.funding.ledger import HELD, LEARNING
from vnfil.funding.models import (
    Entitlement,
    FundingRequest,
    LedgerAccount,
    LedgerPosting,
    LedgerTransaction,
    Programme,
)
from vnfil.funding.schemas import CasePayment, EntitlementRead, LearningAccountRead, Movement
from vnfil.standards.models import Standard

MOVEMENTS_SHOWN = 500


async def learning_account(session: AsyncSession, person_id: str) -> LearningAccountRead:
    accounts = list(
        await session.scalars(
            select(LedgerAccount).where(
                LedgerAccount.owner_id == person_id, LedgerAccount.kind.in_([LEARNING, HELD])
            )
        )
    )
    learning = {a.id: a for a in accounts if a.kind == LEARNING}
    entitlements: Any = []
    moves: Any = []
    if learning:
        entitlements = await session.execute(
            select(Entitlement, Funder.name)
            .join(Funder, Funder.id == Entitlement.funder_id)
            .where(Entitlement.account_id.in_(learning))
            .order_by(Entitlement.valid_until, Entitlement.id)
        )
        moves = await session.execute(
            select(LedgerTransaction, LedgerPosting)
            .join(LedgerPosting, LedgerPosting.transaction_id == LedgerTransaction.id)
            .where(LedgerPosting.account_id.in_(learning))
            .order_by(LedgerTransaction.created_at.desc(), LedgerPosting.id.desc())
            .limit(MOVEMENTS_SHOWN)
        )
    paid = await session.execute(
        select(FundingRequest, Standard.title, Programme.name, Funder.name)
        .join(Case, Case.id == FundingRequest.case_id)
        .join(Standard, Standard.id == Case.standard_id)
        .outerjoin(Programme, Programme.id == FundingRequest.programme_id)
        .outerjoin(Funder, Funder.id == Programme.funder_id)
        .where(Case.candidate_id == person_id)
        .order_by(FundingRequest.updated_at.desc(), FundingRequest.key)
        .limit(MOVEMENTS_SHOWN)
    )
    return LearningAccountRead(
        balances={a.unit: a.balance for a in learning.values()},
        held={a.unit: a.balance for a in accounts if a.kind == HELD},
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
        validations=[
            CasePayment(
                case_id=r.case_id,
                title=title,
                kind=r.kind,
                payer=f"{programme} ({funder})" if programme else "",
                unit=r.unit,
                amount=r.amount,
                status=r.status,
            )
            for r, title, programme, funder in paid
        ],
    )
