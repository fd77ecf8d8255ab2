"""``SessionPurge``: run hourly by a Temporal schedule (``vnfil-session-purge``)."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.accounts import AccountActivities
    from vnfil.accounts.schemas import SessionPurgeInput, SessionPurgeReport


@workflow.defn
class SessionPurge:
    @workflow.run
    async def run(self, inp: SessionPurgeInput) -> SessionPurgeReport:
        return await workflow.execute_activity_method(
            AccountActivities.purge_expired_sessions,
            inp,
            start_to_close_timeout=timedelta(minutes=10),
            heartbeat_timeout=timedelta(seconds=30),
            retry_policy=RetryPolicy(maximum_attempts=5),
        )
