"""Funders' programmes: what they fund, and their budgets in the ledger.

A programme's budget is credited from its funder's source when it opens (``programme``
account). Funding a case commits part of it (``committed``), which is later paid to the
centre or given back; neither the budget nor a person's yearly cap (a ``cap`` account
per programme, person and year, opened at its first use) ever goes below zero, so a
budget cannot be over-committed, however many requests come at once.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from vnfil.accounts.models import Funder
from vnfil.funding import ledger
from vnfil.funding.ledger import LedgerRefused, Line, account, post
from vnfil.funding.models import (
    LedgerAccount,
    LedgerPosting,
    LedgerTransaction,
    Price,
    Programme,
)
from vnfil.platform.db import as_utc

BUDGET = "programme"  # what is left to commit
COMMITTED = "committed"  # committed to cases, not yet paid or given back
CAP = "cap"  # what is left of a person's yearly cap in a programme
CAP_SOURCE = "cap_source"  # the counterpart of the caps (overdraft)
STAGES = ("identification", "documentation", "assessment", "certification")


async def open_programme(
    session: AsyncSession, funder: Funder, row: Programme, *, actor_id: str, at: datetime
) -> Programme:
    """The programme, its budget credited from the funder's source."""
    session.add(row)
    await session.flush()
    budget = await account(session, BUDGET, row.id, row.unit)
    source = await account(session, ledger.SOURCE, funder.id, row.unit, overdraft=True)
    await post(
        session,
        f"budget:{row.id}",
        "budget",
        [Line(budget.id, row.budget), Line(source.id, -row.budget)],
        reason=f"budget of {row.name}",
        actor_id=actor_id,
        at=at,
    )
    return row


def refusals(
    programme: Programme,
    *,
    standard_code: str,
    eqf_level: int | None,
    region: str | None,
    accredited: bool,
    at: datetime,
) -> list[str]:
    """Why the programme does not fund this case (none: it does)."""
    why = []
    if not as_utc(programme.valid_from) <= at < as_utc(programme.valid_until):
        why.append("the programme is not open on this date")
    if programme.standard_codes and standard_code not in programme.standard_codes:
        why.append(f"the programme does not fund {standard_code}")
    if programme.eqf_levels and eqf_level not in programme.eqf_levels:
        why.append(f"the programme funds EQF levels {programme.eqf_levels} only")
    if programme.regions and region not in programme.regions:
        why.append(f"the programme funds centres in {', '.join(programme.regions)} only")
    if programme.accredited_only and not accredited:
        why.append("the programme funds accredited centres only")
    return why


def share_of(programme: Programme, fee: int) -> int:
    """The programme's share of a fee (rounded down: the programme never pays more)."""
    return fee * programme.share_percent // 100


def _cap_owner(programme_id: str, person_id: str, year: int) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"vnfil:cap:{programme_id}:{person_id}:{year}"))


async def commit(
    session: AsyncSession,
    programme: Programme,
    *,
    person_id: str,
    amount: int,
    key: str,
    at: datetime,
    reason: str = "",
    actor_id: str | None = None,
) -> tuple[LedgerTransaction, bool]:
    """Commit ``amount`` of the budget to a person's case, within their yearly cap."""
    if amount <= 0:
        raise LedgerRefused("amount", "a commitment is more than zero")
    budget = await account(session, BUDGET, programme.id, programme.unit)
    committed = await account(session, COMMITTED, programme.id, programme.unit)
    lines = [Line(budget.id, -amount), Line(committed.id, amount)]
    if programme.cap_per_person_year is not None:
        cap = await account(
            session, CAP, _cap_owner(programme.id, person_id, at.year), programme.unit
        )
        cap_source = await account(
            session, CAP_SOURCE, programme.id, programme.unit, overdraft=True
        )
        await post(  # the year's cap, credited at its first use (once)
            session,
            f"cap:{cap.owner_id}",
            "cap",
            [
                Line(cap.id, programme.cap_per_person_year),
                Line(cap_source.id, -programme.cap_per_person_year),
            ],
            reason="yearly cap per person",
            at=at,
        )
        lines += [Line(cap.id, -amount), Line(cap_source.id, amount)]
    try:
        return await post(session, key, "commit", lines, reason=reason, actor_id=actor_id, at=at)
    except LedgerRefused as exc:
        if exc.why == "insufficient":
            raise LedgerRefused(
                "budget", "the programme's budget or this person's yearly cap is used up"
            ) from None
        raise


def price_of(price: Price, stages: tuple[str, ...] = STAGES) -> int:
    """The fee for these stages (the whole case when the price is not per stage)."""
    if not price.stages:
        return price.amount
    return sum(price.stages.get(s, 0) for s in stages)


async def _commitment(session: AsyncSession, key: str) -> list[Any]:
    tx = await session.scalar(select(LedgerTransaction).where(LedgerTransaction.key == key))
    if tx is None or tx.kind != "commit":
        raise LedgerRefused("no_hold", f"no commitment {key}")
    return list(
        await session.scalars(select(LedgerPosting).where(LedgerPosting.transaction_id == tx.id))
    )


async def give_back(
    session: AsyncSession,
    programme: Programme,
    *,
    key: str,
    at: datetime,
    reason: str = "",
    centre_id: str | None = None,
    pay: int = 0,
) -> tuple[LedgerTransaction, bool]:
    """A commitment returned to the budget (and to the person's cap): the case ended
    without using it, or the funder refused. With ``pay``, that much is paid to the
    centre first (the stages it completed, when the programme pays for them) and only
    the rest returns. Once: a commitment ends given back or paid."""
    postings = await _commitment(session, key)
    budget = await account(session, BUDGET, programme.id, programme.unit)
    committed = await account(session, COMMITTED, programme.id, programme.unit)
    total = sum(p.amount for p in postings if p.account_id == committed.id)
    paid = min(pay, total) if centre_id else 0
    back = total - paid
    lines: list[Line] = []
    if paid and centre_id:
        centre = await account(session, ledger.CENTRE, centre_id, programme.unit)
        lines += [Line(committed.id, -paid), Line(centre.id, paid)]
    if back:
        # The commitment undone for what comes back: budget, and the person's cap.
        lines += [Line(committed.id, -back), Line(budget.id, back)]
        for p in postings:
            if p.account_id not in (committed.id, budget.id):
                sign = 1 if p.amount > 0 else -1
                lines.append(Line(p.account_id, -sign * back))
    kind = "part_pay" if paid else "give_back"
    return await post(session, ledger.closing_key(key), kind, lines, reason=reason, at=at)


async def pay(
    session: AsyncSession,
    programme: Programme,
    *,
    key: str,
    centre_id: str,
    at: datetime,
    reason: str = "",
) -> tuple[LedgerTransaction, bool]:
    """A commitment paid to the validation centre (the person's cap stays used)."""
    postings = await _commitment(session, key)
    committed = await account(session, COMMITTED, programme.id, programme.unit)
    centre = await account(session, ledger.CENTRE, centre_id, programme.unit)
    amount = sum(p.amount for p in postings if p.account_id == committed.id)
    lines = [Line(committed.id, -amount), Line(centre.id, amount)]
    return await post(session, ledger.closing_key(key), "pay", lines, reason=reason, at=at)


class Option(BaseModel):
    """A programme the candidate may ask, with the part of the fee it would pay."""

    id: str
    name: str
    funder: str
    share_percent: int
    amount: int


class FundingOptions(BaseModel):
    """What a candidate chooses from: the fee, what their account holds, the programmes
    open to this case."""

    fee: int
    unit: str
    required: bool
    balance: int
    programmes: list[Option]


async def options_for(
    session: AsyncSession,
    *,
    person_id: str,
    centre_id: str,
    standard_code: str,
    eqf_level: int | None,
    region: str | None,
    at: datetime,
) -> FundingOptions | None:
    """None when the centre has published no fee for the standard."""
    price = await session.scalar(
        select(Price).where(Price.centre_id == centre_id, Price.standard_code == standard_code)
    )
    if price is None:
        return None
    balance = await session.scalar(
        select(LedgerAccount.balance).where(
            LedgerAccount.kind == ledger.LEARNING,
            LedgerAccount.owner_id == person_id,
            LedgerAccount.unit == price.unit,
        )
    )
    options = []
    for p, funder in await session.execute(
        select(Programme, Funder.name)
        .join(Funder, Funder.id == Programme.funder_id)
        .where(Programme.unit == price.unit, Programme.valid_from <= at, Programme.valid_until > at)
        .order_by(Programme.created_at, Programme.id)
    ):
        if refusals(
            p,
            standard_code=standard_code,
            eqf_level=eqf_level,
            region=region,
            accredited=True,
            at=at,
        ):
            continue
        options.append(
            Option(
                id=p.id,
                name=p.name,
                funder=funder,
                share_percent=p.share_percent,
                amount=share_of(p, price.amount),
            )
        )
    return FundingOptions(
        fee=price.amount,
        unit=price.unit,
        required=price.funding_required,
        balance=int(balance or 0),
        programmes=options,
    )
