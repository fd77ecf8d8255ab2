"""The worker process: builds clients once, registers the case workflow and activities."""

from __future__ import annotations

import asyncio
import logging
import signal

from temporalio.client import Client
from temporalio.worker import Worker

from activities.cases import CaseActivities
from vnfil.db import make_engine, make_session_factory
from vnfil.evidence import EvidenceStore
from vnfil.settings import Settings, get_settings
from vnfil.temporal import connect
from workflows.case import ValidationCase


def build_worker(client: Client, settings: Settings, task_queue: str | None = None) -> Worker:
    store = EvidenceStore(settings)
    sessions = make_session_factory(make_engine(settings))
    acts = CaseActivities(store, sessions, settings)
    return Worker(
        client,
        task_queue=task_queue or settings.task_queue,
        workflows=[ValidationCase],
        activities=[
            acts.record_stage,
            acts.record_evidence,
            acts.record_assignments,
            acts.issue_credential,
            acts.append_audit,
            acts.record_deadline,
            acts.notify,
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
