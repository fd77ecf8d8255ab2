"""Removing uploads nobody recorded: an evidence file or identity photo whose request died
between the S3 write and the workflow update (or whose update's outcome the API never
learnt) is invisible to everyone and would stay forever; so would the parts of a
multipart upload whose API process was killed mid-file. Only what is older than a grace
period is looked at, so an upload still on its way is never touched; the case's workflow
(not the DB, which lags it) decides what is held."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.client import Client, WorkflowQueryFailedError
from temporalio.service import RPCError

from vnfil.cases.models import Case
from vnfil.cases.schemas import CaseStatus
from vnfil.evidence.models import Evidence
from vnfil.evidence.schemas import SWEEP_REPORT_KEYS, SweepInput, SweepReport
from vnfil.evidence.store import EvidenceStore
from vnfil.platform import bulk
from vnfil.platform.db import utcnow


class SweepActivities:
    def __init__(
        self,
        store: EvidenceStore,
        sessions: async_sessionmaker[AsyncSession],
        query_case: Callable[[Client, str], Awaitable[CaseStatus]],
    ) -> None:
        self.store = store
        self.sessions = sessions
        # ``workflows.clients.query_case``, handed in: activities do not import workflows.
        self.query_case = query_case

    async def _referenced(self, case: Case) -> set[str] | None:
        """Keys the case's workflow holds (evidence and identity photo), or None if unknown."""
        try:
            state = await self.query_case(activity.client(), case.workflow_id)
        except (RPCError, WorkflowQueryFailedError):
            return None  # cannot ask: keep everything of this case
        keys = {e.object_key for e in state.evidence}
        if state.identity is not None and state.identity.photo is not None:
            keys.add(state.identity.photo.object_key)
        return keys

    @activity.defn
    async def sweep_orphans(self, inp: SweepInput) -> SweepReport:
        """A batch of keys at a time: listed from S3, looked up in one IN query, decided
        on and removed, before the next batch is listed. Memory and the size of every
        query stay the same whatever the bucket holds."""
        before = utcnow() - timedelta(seconds=inp.grace_seconds)
        report = SweepReport(removed=[], looked_at=0, dry_run=inp.dry_run)
        await self._abort_incomplete(before, inp, report)
        listing = self.store.keys_older_than("cases/", before)  # lazy: a page at a time
        while keys := await asyncio.to_thread(bulk.take, listing, inp.batch_size):
            uploads = [k for k in keys if k.split("/")[2:3] in (["evidence"], ["identity"])]
            report.looked_at += len(uploads)
            await self._sweep(uploads, inp.dry_run, report)
            activity.heartbeat(keys[-1])
        return report

    async def _sweep(self, uploads: list[str], dry_run: bool, report: SweepReport) -> None:
        """Remove those of ``uploads`` (one batch) that no record and no case holds."""
        if not uploads:
            return
        async with self.sessions() as session:  # one short read per batch
            recorded = set(
                await session.scalars(
                    select(Evidence.object_key).where(Evidence.object_key.in_(uploads))
                )
            )
            by_case: dict[str, list[str]] = {}
            for key in uploads:
                if key not in recorded:
                    by_case.setdefault(key.split("/")[1], []).append(key)
            cases = {
                c.id: c
                for c in await session.scalars(select(Case).where(Case.id.in_(list(by_case))))
            }
        for case_id, keys in sorted(by_case.items()):
            case = cases.get(case_id)
            held = await self._referenced(case) if case is not None else set()
            if held is None:
                continue
            for key in keys:
                if key not in held:
                    if not dry_run:
                        await asyncio.to_thread(self.store.remove, key)
                    _note(report.removed, key)
                    report.removed_count += 1
            activity.heartbeat(case_id)

    async def _abort_incomplete(
        self, before: datetime, inp: SweepInput, report: SweepReport
    ) -> None:
        """Abort multipart uploads begun before ``before``: their process is gone (no
        upload of ours runs longer than the grace period), their parts cost storage."""
        stale = self.store.incomplete_uploads("cases/", before)  # lazy: a page at a time
        while uploads := await asyncio.to_thread(bulk.take, stale, inp.batch_size):
            for upload in uploads:
                if not inp.dry_run:
                    await asyncio.to_thread(self.store.abort_upload, upload)
                _note(report.aborted_uploads, upload.key)
                report.aborted_count += 1
                activity.heartbeat(upload.key)


def _note(named: list[str], key: str) -> None:
    """Name ``key`` in a report, unless it names enough already (its count goes on)."""
    if len(named) < SWEEP_REPORT_KEYS:
        named.append(key)
