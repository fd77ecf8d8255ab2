"""``AccreditationUpdate``: grant or change one accreditation durably, then tell the
awarding body's webhooks.

A workflow rather than a request handler (as ``CredentialRevocation``) so that the change
and its ``accreditation.changed`` event are handed to the webhooks even if the API dies
halfway or Temporal was briefly away (workflow id ``accreditation-{request_id}``).
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.trust import TrustActivities
    from vnfil.trust.schemas import AccreditationRead, AccreditationRequest


@workflow.defn
class AccreditationUpdate:
    @workflow.run
    async def run(self, inp: AccreditationRequest) -> AccreditationRead:
        return await workflow.execute_activity_method(
            TrustActivities.update_accreditation,
            inp,
            start_to_close_timeout=timedelta(seconds=15),
            # A step that keeps failing (a database away for minutes) ends the request
            # with an error instead of holding it: nothing is half-written either way.
            schedule_to_close_timeout=timedelta(minutes=2),
            retry_policy=RetryPolicy(maximum_interval=timedelta(seconds=10)),
        )
