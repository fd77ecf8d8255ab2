"""Moving learning entitlements: grants, holds, releases, settlements and expiry.

Each movement is one :func:`post`: a transaction named by its business event, lines that
sum to zero per unit, balances changed by conditional UPDATEs (an account that may not
go negative refuses to), all in the caller's database transaction, which the caller
commits or, on :class:`LedgerRefused`, rolls back: nothing half-written. A second post
with the same key finds the first and changes nothing; the same key with other lines is
refused. Entitlement lots are drawn on in order of expiry, under a lock on the person's
account (PostgreSQL ``FOR UPDATE``; SQLite has one writer at a time).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from vnfil.accounts.models import Funder
from vnfil.funding.models import (
    Entitlement,
    LedgerAccount,
    LedgerPosting,
    LedgerTransaction,
)
from vnfil.platform.db import add_months, as_utc, insert_unless_present, new_uuid

LEARNING = "learning"  # a person's learning account
HELD = "held"  # value held for a case until it is settled or released
SOURCE = "funder"  # where a funder's grants come from and expired ones return (overdraft)
CENTRE = "centre"  # what is owed to a validation centre


class LedgerRefused(Exception):
    """A movement the ledger refuses: ``why`` names it (``insufficient``, ``key_reused``,
    ``unbalanced``...), the message says it to a person."""

    def __init__(self, why: str, message: str) -> None:
        super().__init__(message)
        self.why, self.message = why, message


@dataclass(frozen=True)
class Line:
    account_id: str
    amount: int
    entitlement_id: str | None = None


async def account(
    session: AsyncSession, kind: str, owner_id: str, unit: str, *, overdraft: bool = False
) -> LedgerAccount:
    """The account, created at first use (once, under a race)."""
    found = await _account(session, kind, owner_id, unit)
    if found is None:
        values = {
            "id": new_uuid(),
            "kind": kind,
            "owner_id": owner_id,
            "unit": unit,
            "balance": 0,
            "overdraft": overdraft,
        }
        await insert_unless_present(session, LedgerAccount, values, ["kind", "owner_id", "unit"])
        found = await _account(session, kind, owner_id, unit)
    assert found is not None
    return found


async def _account(
    session: AsyncSession, kind: str, owner_id: str, unit: str
) -> LedgerAccount | None:
    return await session.scalar(
        select(LedgerAccount)
        .where(
            LedgerAccount.kind == kind,
            LedgerAccount.owner_id == owner_id,
            LedgerAccount.unit == unit,
        )
        .execution_options(populate_existing=True)
    )


async def post(
    session: AsyncSession,
    key: str,
    kind: str,
    lines: list[Line],
    *,
    reason: str = "",
    actor_id: str | None = None,
    at: datetime,
) -> tuple[LedgerTransaction, bool]:
    """Apply ``lines`` once as the transaction ``key``; (the transaction, whether this
    call applied it). Raises :class:`LedgerRefused` with nothing applied."""
    units = {
        a.id: a.unit
        for a in await session.scalars(
            select(LedgerAccount).where(LedgerAccount.id.in_({ln.account_id for ln in lines}))
        )
    }
    totals: Counter[str] = Counter()
    for ln in lines:
        if ln.account_id not in units:
            raise LedgerRefused("no_account", f"no ledger account {ln.account_id}")
        totals[units[ln.account_id]] += ln.amount
    if any(totals.values()) or not lines:
        raise LedgerRefused("unbalanced", "a movement's lines must sum to zero in each unit")
    tx_id = new_uuid()
    await insert_unless_present(
        session,
        LedgerTransaction,
        {
            "id": tx_id,
            "key": key,
            "kind": kind,
            "reason": reason[:500],
            "actor_id": actor_id,
            "created_at": at,
        },
        ["key"],
    )
    tx = await session.scalar(
        select(LedgerTransaction)
        .where(LedgerTransaction.key == key)
        .execution_options(populate_existing=True)
    )
    assert tx is not None
    if tx.id != tx_id:  # applied before (a retry, or a racing twin that committed first)
        done = await session.scalars(
            select(LedgerPosting).where(LedgerPosting.transaction_id == tx.id)
        )
        if _lines(done) != Counter((ln.account_id, ln.amount) for ln in lines):
            raise LedgerRefused(
                "key_reused", f"the movement {key} was already made, with other amounts"
            )
        return tx, False
    # Accounts in one order, so two movements over the same accounts never deadlock.
    for ln in sorted(lines, key=lambda x: x.account_id):
        moved = await session.execute(
            update(LedgerAccount)
            .where(
                LedgerAccount.id == ln.account_id,
                LedgerAccount.overdraft | (LedgerAccount.balance + ln.amount >= 0),
            )
            .values(balance=LedgerAccount.balance + ln.amount)
            .execution_options(synchronize_session=False)
        )
        if moved.rowcount != 1:  # type: ignore[attr-defined]
            raise LedgerRefused("insufficient", "not enough left on the account")
    session.add_all(
        LedgerPosting(
            transaction_id=tx.id,
            account_id=ln.account_id,
            amount=ln.amount,
            entitlement_id=ln.entitlement_id,
        )
        for ln in lines
    )
    await session.flush()
    return tx, True


def _lines(postings: Any) -> Counter[tuple[str, int]]:
    return Counter((p.account_id, p.amount) for p in postings)


async def derived_balance(session: AsyncSession, account_id: str) -> int:
    """The balance recomputed from the postings (what ``balance`` must always equal)."""
    total = await session.scalar(
        select(func.coalesce(func.sum(LedgerPosting.amount), 0)).where(
            LedgerPosting.account_id == account_id
        )
    )
    return int(total or 0)


async def grant(
    session: AsyncSession,
    *,
    key: str,
    funder: Funder,
    person_id: str,
    unit: str,
    amount: int,
    valid_from: datetime,
    valid_until: datetime,
    reason: str,
    special_needs: bool = False,
    carry_over_months: int = 0,
    actor_id: str | None = None,
    at: datetime,
    carried_from: str | None = None,
) -> tuple[Entitlement, bool]:
    """Credit an entitlement to the person's learning account, from the funder's source;
    (the entitlement, whether this call made it: a retried key returns the first)."""
    if amount <= 0:
        raise LedgerRefused("amount", "an entitlement is more than zero")
    if as_utc(valid_until) <= as_utc(valid_from):
        raise LedgerRefused("dates", "an entitlement must end after it starts")
    learning = await account(session, LEARNING, person_id, unit)
    source = await account(session, SOURCE, funder.id, unit, overdraft=True)
    ent = Entitlement(
        id=new_uuid(),
        account_id=learning.id,
        funder_id=funder.id,
        unit=unit,
        amount=amount,
        remaining=amount,
        valid_from=valid_from,
        valid_until=valid_until,
        carry_over_months=carry_over_months,
        special_needs=special_needs,
        reason=reason,
        granted_by=actor_id,
        carried_from=carried_from,
    )
    tx, applied = await post(
        session,
        key,
        "grant",
        [Line(learning.id, amount, ent.id), Line(source.id, -amount, ent.id)],
        reason=reason,
        actor_id=actor_id,
        at=at,
    )
    if not applied:
        first = await session.scalar(
            select(Entitlement)
            .join(LedgerPosting, LedgerPosting.entitlement_id == Entitlement.id)
            .where(LedgerPosting.transaction_id == tx.id)
            .limit(1)
        )
        assert first is not None
        return first, False
    session.add(ent)
    await session.flush()
    return ent, True


async def _done(session: AsyncSession, key: str) -> LedgerTransaction | None:
    return await session.scalar(
        select(LedgerTransaction)
        .where(LedgerTransaction.key == key)
        .execution_options(populate_existing=True)
    )


async def _lock(session: AsyncSession, account_id: str) -> None:
    """Hold the person's account for the rest of the transaction (PostgreSQL)."""
    await session.execute(
        select(LedgerAccount.id).where(LedgerAccount.id == account_id).with_for_update()
    )


async def hold(
    session: AsyncSession,
    *,
    key: str,
    person_id: str,
    unit: str,
    amount: int,
    at: datetime,
    reason: str = "",
    actor_id: str | None = None,
) -> tuple[LedgerTransaction, bool]:
    """Hold ``amount`` of the person's entitlements (those that expire first first)."""
    if amount <= 0:
        raise LedgerRefused("amount", "a hold is more than zero")
    learning = await account(session, LEARNING, person_id, unit)
    held = await account(session, HELD, person_id, unit)
    await _lock(session, learning.id)  # then look: a twin waiting here sees the first
    done = await _done(session, key)
    if done is not None:  # a retry: the first answer, whatever is left now
        drawn = await session.scalar(
            select(func.coalesce(func.sum(LedgerPosting.amount), 0)).where(
                LedgerPosting.transaction_id == done.id, LedgerPosting.account_id == learning.id
            )
        )
        if done.kind != "hold" or drawn != -amount:
            raise LedgerRefused(
                "key_reused", f"the movement {key} was already made, with other amounts"
            )
        return done, False
    lots = await session.scalars(
        select(Entitlement)
        .where(
            Entitlement.account_id == learning.id,
            Entitlement.remaining > 0,
            Entitlement.expired_at.is_(None),
            Entitlement.valid_from <= at,
            Entitlement.valid_until > at,
        )
        .order_by(Entitlement.valid_until, Entitlement.id)
        .execution_options(populate_existing=True)
    )
    lines: list[Line] = []
    wanted = amount
    for lot in lots:
        if wanted == 0:
            break
        take = min(wanted, lot.remaining)
        taken = await session.execute(
            update(Entitlement)
            .where(Entitlement.id == lot.id, Entitlement.remaining >= take)
            .values(remaining=Entitlement.remaining - take)
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount != 1:  # type: ignore[attr-defined]
            raise LedgerRefused("insufficient", "not enough left on the account")
        lines += [Line(learning.id, -take, lot.id), Line(held.id, take, lot.id)]
        wanted -= take
    if wanted:
        raise LedgerRefused("insufficient", "not enough left on the account")
    return await post(session, key, "hold", lines, reason=reason, actor_id=actor_id, at=at)


async def _held_lines(session: AsyncSession, hold_key: str) -> tuple[list[LedgerPosting], str]:
    tx = await session.scalar(select(LedgerTransaction).where(LedgerTransaction.key == hold_key))
    if tx is None or tx.kind != "hold":
        raise LedgerRefused("no_hold", f"no hold {hold_key}")
    postings = list(
        await session.scalars(
            select(LedgerPosting)
            .where(LedgerPosting.transaction_id == tx.id, LedgerPosting.amount > 0)
            .order_by(LedgerPosting.id)
        )
    )
    return postings, tx.id


def closing_key(hold_key: str) -> str:
    """A hold ends once, released or settled: both post under this one key."""
    return f"close:{hold_key}"


async def release(
    session: AsyncSession,
    *,
    hold_key: str,
    person_id: str,
    unit: str,
    at: datetime,
    reason: str = "",
    actor_id: str | None = None,
    centre_id: str | None = None,
    pay: int = 0,
) -> tuple[LedgerTransaction, bool]:
    """Give a hold back: to the entitlements it came from while they last; what belongs
    to one that has expired meanwhile goes back to its funder. With ``pay``, that much
    goes to the centre first (the stages it completed), drawn on the lots in the hold's
    order, and only the rest comes back. A hold already ended (released, or settled)
    answers that transaction, unapplied: its ``kind`` says which."""
    key = closing_key(hold_key)
    postings, _ = await _held_lines(session, hold_key)
    learning = await account(session, LEARNING, person_id, unit)
    centre = await account(session, CENTRE, centre_id, unit) if pay and centre_id else None
    lines: list[Line] = []
    await _lock(session, learning.id)
    done = await _done(session, key)
    if done is not None:
        return done, False
    owed = min(pay, sum(p.amount for p in postings)) if centre is not None else 0
    for p in postings:
        paid = min(owed, p.amount)
        owed -= paid
        if paid and centre is not None:
            lines += [
                Line(p.account_id, -paid, p.entitlement_id),
                Line(centre.id, paid, p.entitlement_id),
            ]
        back = p.amount - paid
        if not back:
            continue
        lot = await session.get(Entitlement, p.entitlement_id, populate_existing=True)
        assert lot is not None
        if lot.expired_at is None and as_utc(lot.valid_until) > at:
            await session.execute(
                update(Entitlement)
                .where(Entitlement.id == lot.id)
                .values(remaining=Entitlement.remaining + back)
                .execution_options(synchronize_session=False)
            )
            lines += [Line(p.account_id, -back, lot.id), Line(learning.id, back, lot.id)]
        else:
            source = await account(session, SOURCE, lot.funder_id, unit, overdraft=True)
            lines += [Line(p.account_id, -back, lot.id), Line(source.id, back, lot.id)]
    paid_any = centre is not None and any(ln.account_id == centre.id for ln in lines)
    kind = "part_settle" if paid_any else "release"
    return await post(session, key, kind, lines, reason=reason, actor_id=actor_id, at=at)


async def settle(
    session: AsyncSession,
    *,
    hold_key: str,
    centre_id: str,
    unit: str,
    at: datetime,
    reason: str = "",
    actor_id: str | None = None,
) -> tuple[LedgerTransaction, bool]:
    """Pay a hold to the validation centre. A hold already ended answers that
    transaction, unapplied."""
    key = closing_key(hold_key)
    postings, _ = await _held_lines(session, hold_key)
    centre = await account(session, CENTRE, centre_id, unit)
    done = await _done(session, key)
    if done is not None:
        return done, False
    lines: list[Line] = []
    for p in postings:
        lines += [
            Line(p.account_id, -p.amount, p.entitlement_id),
            Line(centre.id, p.amount, p.entitlement_id),
        ]
    return await post(session, key, "settle", lines, reason=reason, actor_id=actor_id, at=at)


async def expire(
    session: AsyncSession, entitlement_id: str, at: datetime
) -> tuple[Entitlement | None, bool]:
    """An entitlement at its end: what is left of it goes back to its funder, or, with a
    carry-over, is credited again (once) for that many more months. (The carried lot,
    whether this call expired it.) Idempotent: its key is the entitlement's."""
    lot = await session.get(Entitlement, entitlement_id, populate_existing=True)
    if lot is None or lot.expired_at is not None:
        return None, False
    if as_utc(lot.valid_until) > at:
        raise LedgerRefused("not_yet", "this entitlement has not ended")
    await _lock(session, lot.account_id)
    await session.refresh(lot)
    if lot.expired_at is not None:
        return None, False
    left = lot.remaining
    lot.remaining, lot.expired_at = 0, at
    carried: Entitlement | None = None
    if left and lot.carry_over_months:
        funder = await session.get(Funder, lot.funder_id)
        assert funder is not None
        learning = await session.get(LedgerAccount, lot.account_id)
        assert learning is not None
        # Out of the old lot, into a new one: the balance stays, the dates move.
        carried = Entitlement(
            id=new_uuid(),
            account_id=lot.account_id,
            funder_id=lot.funder_id,
            unit=lot.unit,
            amount=left,
            remaining=left,
            valid_from=lot.valid_until,
            valid_until=add_months(as_utc(lot.valid_until), lot.carry_over_months),
            carry_over_months=0,
            special_needs=lot.special_needs,
            reason=f"carried over: {lot.reason}"[:500],
            granted_by=lot.granted_by,
            carried_from=lot.id,
        )
        await post(
            session,
            f"expire:{lot.id}",
            "carry_over",
            [Line(lot.account_id, -left, lot.id), Line(lot.account_id, left, carried.id)],
            reason="carried over",
            at=at,
        )
        session.add(carried)
    elif left:
        source = await account(session, SOURCE, lot.funder_id, lot.unit, overdraft=True)
        await post(
            session,
            f"expire:{lot.id}",
            "expiry",
            [Line(lot.account_id, -left, lot.id), Line(source.id, left, lot.id)],
            reason="expired",
            at=at,
        )
    await session.flush()
    return carried, True
