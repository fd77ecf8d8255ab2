"""Learning entitlements over time: what is left of one leaves the account when it ends
(or is carried over), on the workflow's timer (``workflows/funding.py``)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

from vnfil.funding import ledger
from vnfil.funding.schemas import ExpiryInput, ExpiryRef
from vnfil.platform.db import as_utc, utcnow


class FundingActivities:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

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
