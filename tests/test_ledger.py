"""The ledger of learning entitlements, on the real databases: grants, holds, releases,
settlements and expiry; never negative, every movement once, whatever the concurrency."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.conftest import Stack
from vnfil.accounts.models import Funder
from vnfil.accounts.schemas import Role
from vnfil.accounts.service import create_user
from vnfil.funding import ledger
from vnfil.funding.ledger import LedgerRefused
from vnfil.funding.models import Entitlement, LedgerAccount, LedgerPosting
from vnfil.platform.db import utcnow

PLN = "PLN"


async def _funder_and_person(stack: Stack) -> tuple[Funder, str]:
    async with stack.sessions.begin() as session:  # type: ignore[attr-defined]
        funder = Funder(name=f"KFS {uuid.uuid4().hex[:6]}", kind="public_programme", country="PL")
        session.add(funder)
        person, _ = await create_user(
            session,
            name="Ewa Nowak",
            email=f"ewa-{uuid.uuid4().hex[:10]}@test.example",
            role=Role.candidate,
        )
        await session.flush()
        return funder, person.id


async def _grant(stack: Stack, funder: Funder, person: str, amount: int, **kw: Any) -> Entitlement:
    now = utcnow()
    async with stack.sessions.begin() as session:  # type: ignore[attr-defined]
        ent, made = await ledger.grant(
            session,
            key=kw.pop("key", f"grant:{uuid.uuid4()}"),
            funder=funder,
            person_id=person,
            unit=PLN,
            amount=amount,
            valid_from=kw.pop("valid_from", now - timedelta(days=1)),
            valid_until=kw.pop("valid_until", now + timedelta(days=365)),
            reason=kw.pop("reason", "validation of digital skills"),
            at=now,
            **kw,
        )
        assert made
        return ent


async def _balances(stack: Stack, person: str) -> dict[str, int]:
    async with stack.sessions() as session:  # type: ignore[operator]
        rows = await session.scalars(select(LedgerAccount).where(LedgerAccount.owner_id == person))
        return {a.kind: a.balance for a in rows}


async def _books_balance(stack: Stack) -> None:
    """Every account's balance is the sum of its postings; all postings sum to zero; no
    account that may not go negative is negative."""
    async with stack.sessions() as session:  # type: ignore[operator]
        for acct in await session.scalars(select(LedgerAccount)):
            assert acct.balance == await ledger.derived_balance(session, acct.id), acct.kind
            assert acct.overdraft or acct.balance >= 0
        total = await session.scalar(select(func.coalesce(func.sum(LedgerPosting.amount), 0)))
        assert total == 0


async def _hold(stack: Stack, person: str, amount: int, key: str) -> str:
    """'held', 'again' (the key was applied before) or why it was refused."""
    try:
        async with stack.sessions.begin() as session:  # type: ignore[attr-defined]
            _, applied = await ledger.hold(
                session, key=key, person_id=person, unit=PLN, amount=amount, at=utcnow()
            )
            return "held" if applied else "again"
    except LedgerRefused as exc:
        return exc.why


async def test_two_hundred_holds_at_once_never_overdraw_the_account(stack: Stack) -> None:
    if not stack.settings.database_url.startswith("postgresql"):
        pytest.skip("row locks under real concurrency: PostgreSQL (SQLite has one writer)")
    funder, person = await _funder_and_person(stack)
    await _grant(stack, funder, person, 60_00)
    await _grant(stack, funder, person, 40_00, valid_until=utcnow() + timedelta(days=30))
    results = await asyncio.gather(*(_hold(stack, person, 1_00, f"hold:{i}") for i in range(200)))
    assert results.count("held") == 100 and results.count("insufficient") == 100
    assert await _balances(stack, person) == {"learning": 0, "held": 100_00}
    await _books_balance(stack)
    # The same 200 again, each a retry of its key: nothing moves twice.
    again = await asyncio.gather(*(_hold(stack, person, 1_00, f"hold:{i}") for i in range(200)))
    assert again.count("again") == 100 and again.count("insufficient") == 100
    assert await _balances(stack, person) == {"learning": 0, "held": 100_00}
    await _books_balance(stack)


async def test_a_retried_movement_is_applied_once_and_a_key_cannot_change_its_amount(
    stack: Stack,
) -> None:
    funder, person = await _funder_and_person(stack)
    await _grant(stack, funder, person, 50_00)
    assert await _hold(stack, person, 20_00, "case-1:own") == "held"
    assert await _hold(stack, person, 20_00, "case-1:own") == "again"
    assert await _balances(stack, person) == {"learning": 30_00, "held": 20_00}
    # A grant retried with its key: one entitlement, one credit.
    key = f"grant:{uuid.uuid4()}"
    first = await _grant(stack, funder, person, 10_00, key=key)
    async with stack.sessions.begin() as session:  # type: ignore[attr-defined]
        second, made = await ledger.grant(
            session,
            key=key,
            funder=funder,
            person_id=person,
            unit=PLN,
            amount=10_00,
            valid_from=utcnow() - timedelta(days=1),
            valid_until=utcnow() + timedelta(days=30),
            reason="again",
            at=utcnow(),
        )
    assert not made and second.id == first.id
    assert (await _balances(stack, person))["learning"] == 40_00
    # The same key for another amount is refused, and changes nothing.
    with pytest.raises(LedgerRefused) as refused:
        async with stack.sessions.begin() as session:  # type: ignore[attr-defined]
            await ledger.grant(
                session,
                key=key,
                funder=funder,
                person_id=person,
                unit=PLN,
                amount=99_00,
                valid_from=utcnow() - timedelta(days=1),
                valid_until=utcnow() + timedelta(days=30),
                reason="more",
                at=utcnow(),
            )
    assert refused.value.why == "key_reused"
    assert (await _balances(stack, person))["learning"] == 40_00
    # A movement whose lines do not balance is refused before anything is written.
    async with stack.sessions() as session:  # type: ignore[operator]
        learning = await ledger.account(session, ledger.LEARNING, person, PLN)
        with pytest.raises(LedgerRefused) as unbalanced:
            await ledger.post(
                session, "free-money", "grant", [ledger.Line(learning.id, 5_00)], at=utcnow()
            )
        assert unbalanced.value.why == "unbalanced"
        await session.rollback()
    await _books_balance(stack)


async def test_releases_settlements_and_expiry_follow_the_entitlements(stack: Stack) -> None:
    funder, person = await _funder_and_person(stack)
    soon = await _grant(stack, funder, person, 30_00, valid_until=utcnow() + timedelta(days=10))
    later = await _grant(stack, funder, person, 70_00, carry_over_months=6)
    # A hold draws on what expires first.
    assert await _hold(stack, person, 50_00, "case-a:own") == "held"
    async with stack.sessions() as session:  # type: ignore[operator]
        assert (await session.get(Entitlement, soon.id)).remaining == 0  # type: ignore[union-attr]
        assert (await session.get(Entitlement, later.id)).remaining == 50_00  # type: ignore[union-attr]
    # Settled to the centre: out of the held account, into the centre's.
    centre = str(uuid.uuid4())
    async with stack.sessions.begin() as session:  # type: ignore[attr-defined]
        paid, applied = await ledger.settle(
            session, hold_key="case-a:own", centre_id=centre, unit=PLN, at=utcnow()
        )
    assert applied and paid.kind == "settle"
    # Released after it was paid: it has ended, and says how; nothing moves.
    async with stack.sessions.begin() as session:  # type: ignore[attr-defined]
        ended, applied = await ledger.release(
            session, hold_key="case-a:own", person_id=person, unit=PLN, at=utcnow()
        )
    assert not applied and ended.kind == "settle"
    assert await _balances(stack, centre) == {"centre": 50_00}
    assert await _balances(stack, person) == {"learning": 50_00, "held": 0}
    # Another hold, released after the lot it drew on expired: that part goes back to
    # the funder, the rest to the account.
    assert await _hold(stack, person, 40_00, "case-b:own") == "held"
    async with stack.sessions.begin() as session:  # type: ignore[attr-defined]
        row = await session.get(Entitlement, later.id)
        row.valid_until = utcnow() - timedelta(seconds=1)  # its end has come
    async with stack.sessions.begin() as session:  # type: ignore[attr-defined]
        carried, expired = await ledger.expire(session, later.id, utcnow())
    assert expired and carried is not None and carried.amount == 10_00
    assert carried.carried_from == later.id and carried.carry_over_months == 0
    async with stack.sessions.begin() as session:  # type: ignore[attr-defined]
        assert (await ledger.expire(session, later.id, utcnow())) == (None, False)  # once
    async with stack.sessions.begin() as session:  # type: ignore[attr-defined]
        await ledger.release(
            session, hold_key="case-b:own", person_id=person, unit=PLN, at=utcnow()
        )
    # 10 carried over stays; the 40 released belonged to the expired lot: to the funder.
    assert await _balances(stack, person) == {"learning": 10_00, "held": 0}
    async with stack.sessions() as session:  # type: ignore[operator]
        source = await ledger.account(session, ledger.SOURCE, funder.id, PLN, overdraft=True)
        assert source.balance == -(30_00 + 70_00) + 40_00
    await _books_balance(stack)
