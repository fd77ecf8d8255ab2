"""``EventDelivery``: one event to one issuer's webhook, at least once.

The activity retries with exponential backoff (10 s doubling up to an hour) for the
delivery window (72 hours by default, at least 24), so a receiver that is down for
a day still gets every event when it returns. A permanent failure (a target the
guard of ``vnfil.events.netguard`` refuses) is raised non-retryable and ends the trying at
once. Each attempt is logged by the activity; the workflow only decides when to stop.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.cases import CaseActivities
    from activities.events import EventActivities
    from vnfil.events.schemas import DeliveryInput, DeliveryOutcome

# One attempt: a lookup and one request capped at the webhook (or SMTP) timeout. A worker
# lost mid-attempt costs this long before the next one.
ATTEMPT = timedelta(seconds=30)
BACKOFF = RetryPolicy(
    initial_interval=timedelta(seconds=10),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(hours=1),
)


@workflow.defn
class EventDelivery:
    @workflow.run
    async def run(self, inp: DeliveryInput) -> DeliveryOutcome:
        try:
            return await workflow.execute_activity_method(
                EventActivities.deliver,
                inp,
                start_to_close_timeout=ATTEMPT,
                schedule_to_close_timeout=timedelta(hours=inp.retry_hours),
                retry_policy=BACKOFF,
            )
        except ActivityError as exc:
            workflow.logger.warning("gave up delivering %s: %s", inp.event_id, exc.cause)
            return await workflow.execute_activity_method(
                EventActivities.give_up,
                inp,
                start_to_close_timeout=ATTEMPT,
            )


@workflow.defn
class MessageDelivery:
    """One outbox message by e-mail, retried like a webhook (``message-<key>``)."""

    @workflow.run
    async def run(self, key: str) -> bool:
        return await workflow.execute_activity_method(
            CaseActivities.deliver_message,
            key,
            start_to_close_timeout=ATTEMPT,
            schedule_to_close_timeout=timedelta(hours=24),
            retry_policy=BACKOFF,
        )
