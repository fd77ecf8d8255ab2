"""``QualificationClaim``: the full credential claimed from the unit credentials a learner
holds. A workflow, as revocation is, so that a claim half done when the API goes down
ends the same way (workflow id ``claim-{key}``: the same claim joins the first, and once
done, finds the credential it made)."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.claims import ClaimActivities
    from vnfil.credentials.stacking import ClaimDone, ClaimInput, ClaimIssue

# Checking fifty credentials' signatures takes a second or two; signing one, less.
TIMEOUT = timedelta(seconds=60)
RETRY = RetryPolicy(maximum_interval=timedelta(seconds=10))


@workflow.defn
class QualificationClaim:
    @workflow.run
    async def run(self, inp: ClaimInput) -> ClaimDone:
        checked = await workflow.execute_activity_method(
            ClaimActivities.check_claim, inp, start_to_close_timeout=TIMEOUT, retry_policy=RETRY
        )
        return await workflow.execute_activity_method(
            ClaimActivities.issue_claimed,
            ClaimIssue(claim=inp, credential_id=str(workflow.uuid4()), checked=checked),
            start_to_close_timeout=TIMEOUT,
            retry_policy=RETRY,
        )
