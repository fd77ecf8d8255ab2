"""``EntitlementExpiry``: an entitlement ends on its day. Started when it is granted
(workflow id ``entitlement-{id}``); sleeps until its end, then what is left of it goes
back to its funder, or is carried over into a new lot that this workflow then waits for
in its turn."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.funding import FundingActivities
    from vnfil.funding.schemas import ExpiryInput, ExpiryRef


@workflow.defn
class EntitlementExpiry:
    @workflow.run
    async def run(self, inp: ExpiryInput) -> ExpiryRef:
        lot: ExpiryInput | None = inp
        done = ExpiryRef(expired=False)
        while lot is not None:
            wait = lot.valid_until - workflow.now()
            if wait > timedelta(0):
                await workflow.sleep(wait)
            done = await workflow.execute_activity_method(
                FundingActivities.expire_entitlement,
                lot.model_copy(update={"at": workflow.now()}),
                start_to_close_timeout=timedelta(seconds=30),
                retry_policy=RetryPolicy(maximum_interval=timedelta(minutes=5)),
            )
            lot = done.carried
        return done
