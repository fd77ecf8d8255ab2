"""Starting and asking workflows from outside them: a client's job (the API, the worker
process, tests), handed to activities that need it at construction, so that no activity
module imports a workflow (workflows import activities, never the other way round)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

from temporalio.client import Client
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from vnfil.cases.schemas import CaseStatus
from vnfil.events.schemas import DeliveryInput
from vnfil.funding.schemas import ExpiryInput
from vnfil.platform.settings import Settings
from workflows.case import ValidationCase
from workflows.delivery import EventDelivery, MessageDelivery
from workflows.funding import EntitlementExpiry

StartDelivery = Callable[[Client, Settings, str, str], Awaitable[bool]]
QueryCase = Callable[[Client, str], Awaitable[CaseStatus]]


async def start_delivery(
    client: Client, settings: Settings, event_id: str, subscription_id: str, run_id: str = ""
) -> bool:
    """Start the delivery workflow unless it already ran (its id is the de-duplication)."""
    suffix = f"-{run_id}" if run_id else ""
    try:
        await client.start_workflow(
            EventDelivery.run,
            DeliveryInput(
                event_id=event_id,
                subscription_id=subscription_id,
                retry_hours=settings.webhook_retry_hours,
            ),
            id=f"delivery-{event_id}-{subscription_id}{suffix}",
            task_queue=settings.task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        )
    except WorkflowAlreadyStartedError:
        return False
    return True


async def start_message(client: Client, settings: Settings, notification_id: str) -> None:
    """Hand an outbox message (an invitation's) to the mailer; its id de-duplicates. Only
    with SMTP configured: without it the outbox is where people read their messages."""
    if settings.smtp_host:
        await client.start_workflow(
            MessageDelivery.run,
            notification_id,
            id=f"message-{notification_id}",
            task_queue=settings.task_queue,
        )


async def query_case(client: Client, workflow_id: str) -> CaseStatus:
    """The case's full state, as its workflow holds it (for the system, never a person)."""
    handle = client.get_workflow_handle_for(ValidationCase.run, workflow_id)
    return await handle.query(ValidationCase.status, rpc_timeout=timedelta(seconds=10))


async def start_expiry(client: Client, settings: Settings, inp: ExpiryInput) -> bool:
    """The entitlement's end on a timer; its id de-duplicates (a retried grant)."""
    try:
        await client.start_workflow(
            EntitlementExpiry.run,
            inp,
            id=f"entitlement-{inp.entitlement_id}",
            task_queue=settings.task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        )
    except WorkflowAlreadyStartedError:
        return False
    return True
