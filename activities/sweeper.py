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
from vnfil.evidence.schemas import SweepInput, SweepReport
from vnfil.evidence.store import EvidenceStore
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
        before = utcnow() - timedelta(seconds=inp.grace_seconds)
        aborted = await self._abort_incomplete(before, inp.dry_run)
        candidates = await asyncio.to_thread(self.store.list_older_than, "cases/", before)
        uploads = [k for k in candidates if k.split("/")[2:3] in (["evidence"], ["identity"])]
        async with self.sessions() as session:
            recorded = set(
                await session.scalars(
                    select(Evidence.object_key).where(Evidence.object_key.in_(uploads))
                )
            )
            by_case: dict[str, list[str]] = {}
            for key in uploads:
                if key not in recorded:
                    by_case.setdefault(key.split("/")[1], []).append(key)
            removed: list[str] = []
            for case_id, keys in sorted(by_case.items()):
                case = await session.get(Case, case_id)
                held = await self._referenced(case) if case is not None else set()
                if held is None:
                    continue
                for key in keys:
                    if key not in held:
                        if not inp.dry_run:
                            await asyncio.to_thread(self.store.remove, key)
                        removed.append(key)
                activity.heartbeat(case_id)
        return SweepReport(
            removed=removed, looked_at=len(uploads), dry_run=inp.dry_run, aborted_uploads=aborted
        )

    async def _abort_incomplete(self, before: datetime, dry_run: bool) -> list[str]:
        """Abort multipart uploads begun before ``before``: their process is gone (no
        upload of ours runs longer than the grace period), their parts cost storage."""
        stale = await asyncio.to_thread(self.store.incomplete_uploads, "cases/", before)
        for upload in stale:
            if not dry_run:
                await asyncio.to_thread(self.store.abort_upload, upload)
            activity.heartbeat(upload.key)
        return [u.key for u in stale]
