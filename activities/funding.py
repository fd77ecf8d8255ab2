"""Learning entitlements over time: what is left of one leaves the account when it ends
(or is carried over), on the workflow's timer (``workflows/funding.py``)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

from activities.events import StartDelivery, dispatch
from vnfil.cases.schemas import FundingMoveInput, FundingRecordInput, FundingSource
from vnfil.events.models import Event
from vnfil.events.service import record_event
from vnfil.funding import ledger, programmes
from vnfil.funding.models import FundingRequest, Programme
from vnfil.funding.schemas import ExpiryInput, ExpiryRef
from vnfil.platform.db import as_utc, utcnow
from vnfil.platform.settings import Settings

# What each source's status tells its funder.
FUNDER_EVENTS = {
    "pending": "funding.requested",
    "approved": "funding.approved",
    "refused": "funding.refused",
    "released": "funding.released",
    "settled": "funding.settled",
}


class FundingActivities:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        settings: Settings | None = None,
        start_delivery: StartDelivery | None = None,
    ) -> None:
        self.sessions = sessions
        self.settings = settings
        self.start_delivery = start_delivery

    @activity.defn
    async def expire_entitlement(self, inp: ExpiryInput) -> ExpiryRef:
        """Idempotent: a retry finds the entitlement expired and the carried lot made.
        Its time is the workflow's (the timer's), so the end is the day it was granted for."""
        async with self.sessions.begin() as session:
            carried, expired = await ledger.expire(session, inp.entitlement_id, inp.at or utcnow())
        if carried is None:
            return ExpiryRef(expired=expired)
        return ExpiryRef(
            expired=expired,
            carried=ExpiryInput(entitlement_id=carried.id, valid_until=as_utc(carried.valid_until)),
        )

    @activity.defn
    async def record_funding(self, inp: FundingRecordInput) -> None:
        """Where each source of the case's funding stands, for funders and reports; each
        change of a programme's part is an event to its funder (once: its id is the
        source's key and status), in the same transaction, then sent to its webhooks."""
        events: list[Event] = []
        async with self.sessions.begin() as session:
            for s in inp.sources:
                # Recorded (and handed on) every time: the event's id makes it once, and
                # a retry after a crash between the commit and the hand-off still sends it.
                if s.funder_id and s.status in FUNDER_EVENTS:
                    events.append(
                        await record_event(
                            session,
                            type_=FUNDER_EVENTS[s.status],
                            subject=f"cases/{inp.case_id}/funding/{s.key.rsplit(':', 2)[-2]}",
                            funder_id=s.funder_id,
                            data={
                                "case_id": inp.case_id,
                                "programme_id": s.programme_id,
                                "unit": s.unit,
                                "amount": s.amount,
                                "status": s.status,
                                "reason": inp.reason,
                                "decide_by": inp.decide_by.isoformat() if inp.decide_by else None,
                            },
                            time=inp.at,
                            discriminator=f"{s.key}|{s.status}",
                        )
                    )
                row = await session.get(FundingRequest, s.key)
                if row is None:
                    row = FundingRequest(key=s.key, case_id=inp.case_id)
                    session.add(row)
                row.kind, row.programme_id, row.funder_id = s.kind, s.programme_id, s.funder_id
                row.unit, row.amount, row.status = s.unit, s.amount, s.status
                row.decide_by = inp.decide_by if s.status == "pending" else None
                row.reason = inp.reason or None
                row.updated_at = inp.at
        if events and self.settings is not None and self.start_delivery is not None:
            await dispatch(self.sessions, self.settings, events, self.start_delivery)

    async def _move(self, inp: FundingMoveInput, pay: bool) -> list[FundingSource]:
        """Release (or settle) each source once; a retry finds each ended and goes on."""
        done: list[FundingSource] = []
        for s in inp.sources:
            ended = "settled" if pay else "released"
            if s.status in ("released", "settled", "refused"):
                done.append(s)  # ended before (a refusal gives its part back at once)
                continue
            if s.kind == "self":  # paid to the centre by the candidate: nothing held here
                done.append(s.model_copy(update={"status": ended}))
                continue
            async with self.sessions.begin() as session:
                owed = inp.pay.get(s.key, 0)
                if s.kind == "account":
                    if pay:
                        await ledger.settle(
                            session,
                            hold_key=s.key,
                            centre_id=inp.centre_id,
                            unit=s.unit,
                            at=inp.at,
                            reason=inp.reason,
                        )
                    else:
                        await ledger.release(
                            session,
                            hold_key=s.key,
                            person_id=inp.candidate_id,
                            unit=s.unit,
                            at=inp.at,
                            reason=inp.reason,
                            centre_id=inp.centre_id,
                            pay=owed,
                        )
                else:
                    programme = await session.get(Programme, s.programme_id)
                    assert programme is not None
                    if pay:
                        await programmes.pay(
                            session,
                            programme,
                            key=s.key,
                            centre_id=inp.centre_id,
                            at=inp.at,
                            reason=inp.reason,
                        )
                    else:
                        await programmes.give_back(
                            session,
                            programme,
                            key=s.key,
                            at=inp.at,
                            reason=inp.reason,
                            centre_id=inp.centre_id,
                            pay=owed,
                        )
            paid = s.amount if pay else min(owed, s.amount)
            done.append(s.model_copy(update={"status": ended, "paid": paid}))
        return done

    @activity.defn
    async def release_funding(self, inp: FundingMoveInput) -> list[FundingSource]:
        """The case ended without using its funding (withdrawn, expired, refused): every
        source goes back where it came from."""
        return await self._move(inp, pay=False)

    @activity.defn
    async def settle_funding(self, inp: FundingMoveInput) -> list[FundingSource]:
        """The case is certified: every source is paid to the centre."""
        return await self._move(inp, pay=True)
