"""The worker process: builds clients once, registers the case workflow and activities."""

from __future__ import annotations

import asyncio
import logging
import signal

import httpx
from temporalio.client import Client
from temporalio.worker import Worker

from activities.cases import CaseActivities
from activities.credentials import CredentialActivities
from activities.events import EventActivities
from vnfil.db import make_engine, make_session_factory
from vnfil.evidence import EvidenceStore
from vnfil.settings import Settings, get_settings
from vnfil.temporal import connect
from workflows.case import ValidationCase
from workflows.delivery import EventDelivery
from workflows.revocation import CredentialRevocation


def build_worker(
    client: Client,
    settings: Settings,
    task_queue: str | None = None,
    http: httpx.AsyncClient | None = None,
) -> Worker:
    """The worker for every vnfil workflow; ``http`` is the client webhooks go out on."""
    store = EvidenceStore(settings)
    sessions = make_session_factory(make_engine(settings))
    acts = CaseActivities(store, sessions, settings)
    creds = CredentialActivities(sessions, settings)
    events = EventActivities(sessions, settings, http or httpx.AsyncClient())
    return Worker(
        client,
        task_queue=task_queue or settings.task_queue,
        workflows=[ValidationCase, EventDelivery, CredentialRevocation],
        activities=[
            acts.record_stage,
            acts.record_evidence,
            acts.record_assignments,
            acts.issue_credential,
            acts.append_audit,
            acts.record_deadline,
            acts.notify,
            creds.revoke_credential,
            events.deliver,
            events.give_up,
        ],
    )


async def run(settings: Settings) -> None:
    client = await connect(settings)
    worker = build_worker(client, settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with worker:
        logging.info("worker polling task queue %s", settings.task_queue)
        await stop.wait()


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s worker %(levelname)s %(message)s")
    asyncio.run(run(get_settings()))


if __name__ == "__main__":
    main()
