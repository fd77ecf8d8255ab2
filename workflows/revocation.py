"""``CredentialRevocation``: revoke one credential durably, then tell its issuers.

A workflow rather than a request handler so that the status list change and the
``credential.revoked`` event survive an API crash halfway (workflow id
``revocation-{credential_id}``: a second request joins the first).
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.credentials import CredentialActivities
    from vnfil.credentials.schemas import RevocationRef, RevocationRequest


@workflow.defn
class CredentialRevocation:
    @workflow.run
    async def run(self, inp: RevocationRequest) -> RevocationRef:
        return await workflow.execute_activity_method(
            CredentialActivities.revoke_credential,
            inp,
            # The work takes well under a second; a lost worker costs seconds, not a minute.
            start_to_close_timeout=timedelta(seconds=15),
            retry_policy=RetryPolicy(maximum_interval=timedelta(seconds=10)),
        )
