"""Accounts' housekeeping: expired web sessions and ended throttle windows go, in
batches, on a Temporal schedule (``vnfil-session-purge``, hourly). A person's own
expired sessions already go when they sign in again; this catches everyone else's."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

from vnfil.accounts.schemas import SessionPurgeInput, SessionPurgeReport
from vnfil.accounts.service import LoginThrottle, delete_expired_sessions, forget_stale_attempts
from vnfil.platform.db import utcnow


class AccountActivities:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    @activity.defn
    async def purge_expired_sessions(self, inp: SessionPurgeInput) -> SessionPurgeReport:
        """Each batch is its own short transaction (no long lock on SQLite); a retry
        after a crash finds fewer rows and deletes the rest."""
        now: datetime = utcnow()
        removed = 0
        while True:
            async with self.sessions.begin() as session:
                n = await delete_expired_sessions(session, now, inp.batch_size)
            removed += n
            activity.heartbeat(removed)
            if n < inp.batch_size:
                break
        async with self.sessions.begin() as session:
            stale = await forget_stale_attempts(session, now - LoginThrottle.WINDOW)
        return SessionPurgeReport(sessions_removed=removed, attempts_removed=stale)
