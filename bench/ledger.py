"""`python -m bench.ledger` (part (f) of `make bench`): the ledger of learning
entitlements on PostgreSQL.

1. Postings per second with 50 concurrent writers: each writer holds, one movement at a
   time, small amounts of its own person's entitlements (``ledger.hold``: the account's
   row lock, the lots drawn on, a double-entry transaction of two or more postings),
   for ``--seconds``.
2. The cost of computing a balance for an account with 100,000 postings ÷ one with 10
   (goal ≤ 1.5): the balance vnfil reads (kept by the movements themselves), and for
   comparison the same balance derived from the postings (``SUM``), which grows with them.

It makes a schema of its own in the PostgreSQL of ``VNFIL_BENCH_PG`` (default the
machine's, 127.0.0.1:5432, database ``test``) and drops it after.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import time
import uuid
from datetime import timedelta
from typing import Any

import psycopg
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from vnfil.accounts.models import Funder, User
from vnfil.funding import ledger
from vnfil.funding.models import LedgerAccount, LedgerPosting, LedgerTransaction
from vnfil.migrations import upgrade
from vnfil.platform.db import new_uuid, utcnow
from vnfil.platform.settings import Settings

PG = os.environ.get("VNFIL_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")
WRITERS = 50


async def _people(sessions: async_sessionmaker[AsyncSession], n: int) -> tuple[Funder, list[str]]:
    async with sessions.begin() as session:
        funder = Funder(name="Bench fund", kind="public_programme", country="PL")
        session.add(funder)
        people = []
        for i in range(n):
            user = User(
                name=f"Bench {i}",
                email=f"bench-{i}-{uuid.uuid4().hex[:6]}@bench.example",
                role="candidate",
                token_hash=uuid.uuid4().hex + uuid.uuid4().hex,
            )
            session.add(user)
            people.append(user)
        await session.flush()
        for user in people:
            await ledger.grant(
                session,
                key=f"grant:{user.id}",
                funder=funder,
                person_id=user.id,
                unit="PLN",
                amount=10**12,
                valid_from=utcnow() - timedelta(days=1),
                valid_until=utcnow() + timedelta(days=365),
                reason="bench",
                at=utcnow(),
            )
        return funder, [u.id for u in people]


async def postings_per_second(
    sessions: async_sessionmaker[AsyncSession], people: list[str], seconds: float
) -> dict[str, Any]:
    stop = time.perf_counter() + seconds
    counts = [0] * len(people)
    latencies: list[float] = []

    async def writer(i: int, person: str) -> None:
        while time.perf_counter() < stop:
            t0 = time.perf_counter()
            async with sessions.begin() as session:
                await ledger.hold(
                    session,
                    key=f"bench:{person}:{counts[i]}",
                    person_id=person,
                    unit="PLN",
                    amount=1,
                    at=utcnow(),
                )
            latencies.append(time.perf_counter() - t0)
            counts[i] += 1

    t0 = time.perf_counter()
    await asyncio.gather(*(writer(i, p) for i, p in enumerate(people)))
    elapsed = time.perf_counter() - t0
    movements = sum(counts)
    latencies.sort()
    return {
        "writers": len(people),
        "seconds": round(elapsed, 1),
        "movements": movements,
        "postings": movements * 2,
        "postings_per_s": round(movements * 2 / elapsed, 1),
        "movement_p50_ms": round(statistics.median(latencies) * 1000, 1),
        "movement_p99_ms": round(latencies[int(len(latencies) * 0.99)] * 1000, 1),
    }


async def _fill(session: AsyncSession, account_id: str, counter_id: str, n: int) -> None:
    """``n`` postings on the account (and as many on its counterpart), in bulk."""
    batch = 5000
    for start in range(0, n, batch):
        txs, postings = [], []
        for i in range(start, min(n, start + batch)):
            tx = new_uuid()
            txs.append(
                {
                    "id": tx,
                    "key": f"fill:{account_id}:{i}",
                    "kind": "grant",
                    "reason": "",
                    "created_at": utcnow(),
                }
            )
            postings.append({"transaction_id": tx, "account_id": account_id, "amount": 1})
            postings.append({"transaction_id": tx, "account_id": counter_id, "amount": -1})
        await session.execute(insert(LedgerTransaction), txs)
        await session.execute(insert(LedgerPosting), postings)
    account = await session.get(LedgerAccount, account_id)
    assert account is not None
    account.balance += n


async def balance_cost(sessions: async_sessionmaker[AsyncSession], repeats: int) -> dict[str, Any]:
    async with sessions.begin() as session:
        counter = await ledger.account(session, ledger.SOURCE, new_uuid(), "PLN", overdraft=True)
        big = await ledger.account(session, ledger.LEARNING, new_uuid(), "PLN")
        small = await ledger.account(session, ledger.LEARNING, new_uuid(), "PLN")
        await _fill(session, big.id, counter.id, 100_000)
        await _fill(session, small.id, counter.id, 10)
    await asyncio.sleep(0)
    async with sessions() as session:
        await session.execute(select(LedgerAccount).limit(1))  # warm the connection

        async def timed(fn: Any) -> float:
            samples = []
            for _ in range(repeats):
                t0 = time.perf_counter()
                await fn()
                samples.append(time.perf_counter() - t0)
            return statistics.median(samples)

        async def kept(account_id: str) -> int:
            value = await session.scalar(
                select(LedgerAccount.balance).where(LedgerAccount.id == account_id)
            )
            return int(value or 0)

        read_big = await timed(lambda: kept(big.id))
        read_small = await timed(lambda: kept(small.id))
        sum_big = await timed(lambda: ledger.derived_balance(session, big.id))
        sum_small = await timed(lambda: ledger.derived_balance(session, small.id))
        assert await kept(big.id) == await ledger.derived_balance(session, big.id) == 100_000
    return {
        "balance_100k_us": round(read_big * 1e6, 1),
        "balance_10_us": round(read_small * 1e6, 1),
        "balance_ratio": round(read_big / read_small, 3),
        "derived_100k_us": round(sum_big * 1e6, 1),
        "derived_10_us": round(sum_small * 1e6, 1),
        "derived_ratio": round(sum_big / sum_small, 1),
    }


async def run(seconds: float = 10.0, repeats: int = 200) -> dict[str, Any]:
    schema = f"vnfil_bench_{uuid.uuid4().hex[:10]}"
    url = PG.replace("postgresql://", "postgresql+psycopg://", 1)
    settings = Settings(database_url=url, database_schema=schema)
    with psycopg.connect(PG, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        upgrade(settings)
        engine = create_async_engine(
            url,
            connect_args={"options": f"-csearch_path={schema}"},
            pool_size=WRITERS,
            max_overflow=5,
        )
        sessions = async_sessionmaker(engine, expire_on_commit=False)
        _, people = await _people(sessions, WRITERS)
        load = await postings_per_second(sessions, people, seconds)
        cost = await balance_cost(sessions, repeats)
        await engine.dispose()
        return {"postings": load, "balance": cost}
    finally:
        with psycopg.connect(PG, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def report(r: dict[str, Any]) -> None:
    p, b = r["postings"], r["balance"]
    print(
        f"(f) ledger on PostgreSQL, {p['writers']} concurrent writers for {p['seconds']} s: "
        f"{p['postings_per_s']} postings/s ({p['movements']} movements, p50 "
        f"{p['movement_p50_ms']} ms, p99 {p['movement_p99_ms']} ms)"
    )
    verdict = "PASS" if b["balance_ratio"] <= 1.5 else "FAIL"
    print(
        f"    balance of an account with 100,000 postings {b['balance_100k_us']} µs ÷ with 10 "
        f"{b['balance_10_us']} µs = {b['balance_ratio']} (goal ≤ 1.5) {verdict}; derived "
        f"from the postings instead: {b['derived_100k_us']} µs ÷ {b['derived_10_us']} µs = "
        f"{b['derived_ratio']}"
    )


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    # A SIGTERM unwinds like Ctrl-C: what the run made (servers, files, schema) goes.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    r = asyncio.run(run(args.seconds))
    print(json.dumps(r, indent=2)) if args.json else report(r)


if __name__ == "__main__":
    cli()
