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
from vnfil.funding import ledger, programmes
from vnfil.funding.ledger import LedgerRefused
from vnfil.funding.models import Entitlement, LedgerAccount, LedgerPosting, Programme
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
    results = await asyncio.gather(
        *(_hold(stack, person, 1_00, f"{person}:hold:{i}") for i in range(200))
    )
    assert results.count("held") == 100 and results.count("insufficient") == 100
    assert await _balances(stack, person) == {"learning": 0, "held": 100_00}
    await _books_balance(stack)
    # The same 200 again, each a retry of its key: nothing moves twice.
    again = await asyncio.gather(
        *(_hold(stack, person, 1_00, f"{person}:hold:{i}") for i in range(200))
    )
    assert again.count("again") == 100 and again.count("insufficient") == 100
    assert await _balances(stack, person) == {"learning": 0, "held": 100_00}
    await _books_balance(stack)


async def test_a_retried_movement_is_applied_once_and_a_key_cannot_change_its_amount(
    stack: Stack,
) -> None:
    funder, person = await _funder_and_person(stack)
    await _grant(stack, funder, person, 50_00)
    key = f"{uuid.uuid4()}:own"
    assert await _hold(stack, person, 20_00, key) == "held"
    assert await _hold(stack, person, 20_00, key) == "again"
    # The key of another person's hold, or another amount, is not a retry: refused.
    _, someone = await _funder_and_person(stack)
    await _grant(stack, funder, someone, 50_00)
    assert await _hold(stack, someone, 20_00, key) == "key_reused"
    assert await _hold(stack, person, 10_00, key) == "key_reused"
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
    assert await _hold(stack, person, 50_00, f"{person}:case-a") == "held"
    async with stack.sessions() as session:  # type: ignore[operator]
        assert (await session.get(Entitlement, soon.id)).remaining == 0  # type: ignore[union-attr]
        assert (await session.get(Entitlement, later.id)).remaining == 50_00  # type: ignore[union-attr]
    # Settled to the centre: out of the held account, into the centre's.
    centre = str(uuid.uuid4())
    async with stack.sessions.begin() as session:  # type: ignore[attr-defined]
        paid, applied = await ledger.settle(
            session, hold_key=f"{person}:case-a", centre_id=centre, unit=PLN, at=utcnow()
        )
    assert applied and paid.kind == "settle"
    # Released after it was paid: it has ended, and says how; nothing moves.
    async with stack.sessions.begin() as session:  # type: ignore[attr-defined]
        ended, applied = await ledger.release(
            session, hold_key=f"{person}:case-a", person_id=person, unit=PLN, at=utcnow()
        )
    assert not applied and ended.kind == "settle"
    assert await _balances(stack, centre) == {"centre": 50_00}
    assert await _balances(stack, person) == {"learning": 50_00, "held": 0}
    # Another hold, released after the lot it drew on expired: that part goes back to
    # the funder, the rest to the account.
    assert await _hold(stack, person, 40_00, f"{person}:case-b") == "held"
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
            session, hold_key=f"{person}:case-b", person_id=person, unit=PLN, at=utcnow()
        )
    # 10 carried over stays; the 40 released belonged to the expired lot: to the funder.
    assert await _balances(stack, person) == {"learning": 10_00, "held": 0}
    async with stack.sessions() as session:  # type: ignore[operator]
        source = await ledger.account(session, ledger.SOURCE, funder.id, PLN, overdraft=True)
        assert source.balance == -(30_00 + 70_00) + 40_00
    await _books_balance(stack)


async def _programme(stack: Stack, funder: Funder, budget: int, **kw: Any) -> Programme:
    async with stack.sessions.begin() as session:  # type: ignore[attr-defined]
        row = Programme(
            funder_id=funder.id,
            name=kw.pop("name", "Walidacja dla dorosłych"),
            unit=PLN,
            budget=budget,
            standard_codes=kw.pop("standard_codes", []),
            eqf_levels=kw.pop("eqf_levels", []),
            regions=kw.pop("regions", []),
            valid_from=utcnow() - timedelta(days=1),
            valid_until=utcnow() + timedelta(days=365),
            **kw,
        )
        funder_row = await session.get(Funder, funder.id)
        assert funder_row is not None
        return await programmes.open_programme(
            session, funder_row, row, actor_id="bench", at=utcnow()
        )


async def _reserve(stack: Stack, person: str, programme: Programme, key: str) -> str:
    """One case's funding: 1.00 from the person's account and 1.00 from the programme,
    together or not at all."""
    try:
        async with stack.sessions.begin() as session:  # type: ignore[attr-defined]
            _, applied = await ledger.hold(
                session, key=f"{key}:own", person_id=person, unit=PLN, amount=1_00, at=utcnow()
            )
            await programmes.commit(
                session,
                programme,
                person_id=person,
                amount=1_00,
                key=f"{key}:programme",
                at=utcnow(),
            )
            return "reserved" if applied else "again"
    except LedgerRefused as exc:
        return exc.why


async def test_two_hundred_reservations_overdraw_neither_the_account_nor_the_programme(
    stack: Stack,
) -> None:
    if not stack.settings.database_url.startswith("postgresql"):
        pytest.skip("row locks under real concurrency: PostgreSQL (SQLite has one writer)")
    funder, person = await _funder_and_person(stack)
    await _grant(stack, funder, person, 100_00)
    programme = await _programme(stack, funder, 70_00)
    results = await asyncio.gather(
        *(_reserve(stack, person, programme, f"{programme.id}:case-{i}") for i in range(200))
    )
    # The programme's budget is the tighter: 70 reservations, each whole.
    assert results.count("reserved") == 70, results
    assert results.count("budget") == 130
    assert await _balances(stack, person) == {"learning": 30_00, "held": 70_00}
    async with stack.sessions() as session:  # type: ignore[operator]
        budget = await ledger.account(session, programmes.BUDGET, programme.id, PLN)
        committed = await ledger.account(session, programmes.COMMITTED, programme.id, PLN)
        assert (budget.balance, committed.balance) == (0, 70_00)
    await _books_balance(stack)


async def test_a_programme_keeps_to_its_rules_its_budget_and_each_persons_cap(
    stack: Stack,
) -> None:
    funder, person = await _funder_and_person(stack)
    programme = await _programme(
        stack,
        funder,
        1000_00,
        standard_codes=["digital-collaboration"],
        eqf_levels=[4, 5],
        regions=["Pomorskie"],
        share_percent=80,
        cap_per_person_year=500_00,
    )
    at = utcnow()
    assert (
        programmes.refusals(
            programme,
            standard_code="digital-collaboration",
            eqf_level=4,
            region="Pomorskie",
            accredited=True,
            at=at,
        )
        == []
    )
    assert programmes.refusals(
        programme,
        standard_code="welding",
        eqf_level=3,
        region="Mazowieckie",
        accredited=False,
        at=at + timedelta(days=400),
    ) == [
        "the programme is not open on this date",
        "the programme does not fund welding",
        "the programme funds EQF levels [4, 5] only",
        "the programme funds centres in Pomorskie only",
        "the programme funds accredited centres only",
    ]
    assert programmes.share_of(programme, 1234_56) == 987_64  # 80%, rounded down
    # A person's yearly cap: 500.00, whatever the budget left.
    async with stack.sessions.begin() as session:  # type: ignore[attr-defined]
        await programmes.commit(
            session, programme, person_id=person, amount=400_00, key=f"{person}:c1", at=at
        )
    with pytest.raises(LedgerRefused) as capped:
        async with stack.sessions.begin() as session:  # type: ignore[attr-defined]
            await programmes.commit(
                session, programme, person_id=person, amount=200_00, key=f"{person}:c2", at=at
            )
    assert capped.value.why == "budget" and "yearly cap" in capped.value.message
    _, other = await _funder_and_person(stack)
    async with stack.sessions.begin() as session:  # type: ignore[attr-defined]
        await programmes.commit(
            session, programme, person_id=other, amount=500_00, key=f"{other}:c3", at=at
        )
    # 900 committed of 1000: the next 200 would over-commit the budget.
    _, third = await _funder_and_person(stack)
    with pytest.raises(LedgerRefused) as over:
        async with stack.sessions.begin() as session:  # type: ignore[attr-defined]
            await programmes.commit(
                session, programme, person_id=third, amount=200_00, key=f"{third}:c4", at=at
            )
    assert over.value.why == "budget"
    async with stack.sessions() as session:  # type: ignore[operator]
        budget = await ledger.account(session, programmes.BUDGET, programme.id, PLN)
        assert budget.balance == 100_00
    await _books_balance(stack)
