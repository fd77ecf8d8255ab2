"""A person's learning account as they read it: balances, what is held for cases, the
entitlements with their end and who gave them, and every movement."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from vnfil.accounts.models import Funder
from vnfil.funding.ledger import HELD, LEARNING
from vnfil.funding.models import Entitlement, LedgerAccount, LedgerPosting, LedgerTransaction
from vnfil.funding.schemas import EntitlementRead, LearningAccountRead, Movement

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
    )
