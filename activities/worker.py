"""The worker process: builds clients once, registers the case workflow and activities."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable
from datetime import timedelta

import httpx
from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
)
from temporalio.worker import Worker

from activities.accounts import AccountActivities
from activities.cases import CaseActivities
from activities.claims import ClaimActivities
from activities.credentials import CredentialActivities
from activities.events import EventActivities
from activities.funding import FundingActivities
from activities.sweeper import SweepActivities
from activities.trust import TrustActivities
from vnfil.accounts.schemas import SessionPurgeInput
from vnfil.evidence.schemas import SweepInput
from vnfil.evidence.store import EvidenceStore
from vnfil.platform.db import make_engine, make_session_factory
from vnfil.platform.probe import serve_health
from vnfil.platform.settings import Settings, get_settings
from vnfil.platform.temporal import connect
from workflows.accreditation import AccreditationUpdate
from workflows.case import ValidationCase
from workflows.claims import QualificationClaim
from workflows.clients import query_case, start_delivery, start_message
from workflows.delivery import EventDelivery, MessageDelivery
from workflows.funding import EntitlementExpiry
from workflows.revocation import CredentialRevocation
from workflows.sessions import SessionPurge
from workflows.sweep import OrphanSweep


def build_worker(
    client: Client,
    settings: Settings,
    task_queue: str | None = None,
    http: httpx.AsyncClient | None = None,
) -> Worker:
    """The worker for every vnfil workflow; ``http`` is the client webhooks go out on."""
    store = EvidenceStore(settings)
    sessions = make_session_factory(make_engine(settings))
    acts = CaseActivities(store, sessions, settings, start_delivery)
    creds = CredentialActivities(sessions, settings, start_delivery, start_message)
    claims = ClaimActivities(store, sessions, settings, start_delivery)
    trust = TrustActivities(sessions, settings, start_delivery)
    # Webhooks go straight to the checked address: no proxy from the environment.
    events = EventActivities(sessions, settings, http or httpx.AsyncClient(trust_env=False))
    sweeper = SweepActivities(store, sessions, query_case)
    accounts = AccountActivities(sessions)
    funding = FundingActivities(sessions, settings, start_delivery)
    return Worker(
        client,
        task_queue=task_queue or settings.task_queue,
        max_concurrent_activities=settings.worker_max_concurrent_activities,
        graceful_shutdown_timeout=timedelta(seconds=settings.worker_graceful_shutdown_seconds),
        workflows=[
            ValidationCase,
            EventDelivery,
            MessageDelivery,
            CredentialRevocation,
            QualificationClaim,
            AccreditationUpdate,
            OrphanSweep,
            SessionPurge,
            EntitlementExpiry,
        ],
        activities=[
            acts.record_stage,
            acts.record_evidence,
            acts.forget_evidence,
            acts.record_assignments,
            acts.issue_credential,
            acts.issue_credentials,
            acts.append_audit,
            acts.record_deadline,
            acts.notify,
            acts.deliver_message,
            creds.revoke_credential,
            claims.check_claim,
            claims.issue_claimed,
            trust.update_accreditation,
            events.deliver,
            events.give_up,
            sweeper.sweep_orphans,
            accounts.purge_expired_sessions,
            funding.expire_entitlement,
            funding.record_funding,
            funding.release_funding,
            funding.settle_funding,
        ],
    )


SWEEP_SCHEDULE = "vnfil-orphan-sweep"


async def ensure_sweep_schedule(client: Client, settings: Settings) -> bool:
    """The hourly sweep of unrecorded uploads, created once (True when created now)."""
    try:
        await client.create_schedule(
            SWEEP_SCHEDULE,
            Schedule(
                action=ScheduleActionStartWorkflow(
                    OrphanSweep.run, SweepInput(), id=SWEEP_SCHEDULE, task_queue=settings.task_queue
                ),
                spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=timedelta(hours=1))]),
                policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
            ),
        )
    except ScheduleAlreadyRunningError:
        return False
    return True


SESSION_PURGE_SCHEDULE = "vnfil-session-purge"


async def ensure_session_purge_schedule(
    client: Client, settings: Settings, schedule_id: str = SESSION_PURGE_SCHEDULE
) -> bool:
    """The hourly purge of expired web sessions, created once (True when created now)."""
    try:
        await client.create_schedule(
            schedule_id,
            Schedule(
                action=ScheduleActionStartWorkflow(
                    SessionPurge.run,
                    SessionPurgeInput(),
                    id=SESSION_PURGE_SCHEDULE,
                    task_queue=settings.task_queue,
                ),
                spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=timedelta(hours=1))]),
                policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
            ),
        )
    except ScheduleAlreadyRunningError:
        return False
    return True


async def connect_patiently(
    settings: Settings,
    *,
    most: float = 30.0,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> Client:
    """Connect to Temporal, waiting (with backoff, logged) while it is not there yet: a
    worker started during a Temporal restart waits for it instead of exiting."""
    delay = 0.5
    while True:
        try:
            return await connect(settings)
        except RuntimeError as exc:  # the SDK's "Failed client connect"
            logging.warning(
                "Temporal at %s not reachable (%s); retrying in %.0f s",
                settings.temporal_address,
                exc,
                delay,
            )
            await sleep(delay)
            delay = min(delay * 2, most)


async def ensure_schedules(client: Client, settings: Settings) -> list[str]:
    """Every schedule vnfil runs, each created once; the ids of those created now."""
    created = []
    if await ensure_sweep_schedule(client, settings):
        created.append(SWEEP_SCHEDULE)
    if await ensure_session_purge_schedule(client, settings):
        created.append(SESSION_PURGE_SCHEDULE)
    return created


async def run(settings: Settings) -> None:
    phase = "connecting to Temporal"
    worker: Worker | None = None
    identity = ""

    def state() -> tuple[bool, dict[str, str]]:
        # Alive while it connects (it waits for Temporal patiently) and while it polls;
        # not once the worker has stopped.
        stopped = worker is not None and not worker.is_running and phase == "polling"
        return not stopped, {
            "phase": phase,
            "task_queue": settings.task_queue,
            "identity": identity,
        }

    health = (
        await serve_health(settings.worker_health_port, state)
        if settings.worker_health_port
        else None
    )
    try:
        client = await connect_patiently(settings)
        identity = client.identity
        for schedule in await ensure_schedules(client, settings):
            logging.info("created schedule %s (hourly)", schedule)
        worker = build_worker(client, settings)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        async with worker:
            phase = "polling"
            logging.info("worker %s polling task queue %s", identity, settings.task_queue)
            await stop.wait()
            phase = "stopping"
    finally:
        if health is not None:
            health.close()


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s worker %(levelname)s %(message)s")
    asyncio.run(run(get_settings()))


if __name__ == "__main__":
    main()
