"""Removing uploads nobody recorded: an evidence file or identity photo whose request died
between the S3 write and the workflow update is invisible to everyone and would stay
forever. Only objects older than a grace period are looked at, so an upload still on
its way is never touched; the case's workflow (not the DB, which lags it) decides."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.client import WorkflowQueryFailedError
from temporalio.service import RPCError

from vnfil.evidence import EvidenceStore
from vnfil.models import Case, Evidence, utcnow
from vnfil.schemas import CaseStatus, SweepInput, SweepReport


class SweepActivities:
    def __init__(self, store: EvidenceStore, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.store = store
        self.sessions = sessions

    async def _referenced(self, case: Case) -> set[str] | None:
        """Keys the case's workflow holds (evidence and identity photo), or None if unknown."""
        from workflows.case import ValidationCase

        handle = activity.client().get_workflow_handle_for(ValidationCase.run, case.workflow_id)
        try:
            state: CaseStatus = await handle.query(
                ValidationCase.status, rpc_timeout=timedelta(seconds=10)
            )
        except (RPCError, WorkflowQueryFailedError):
            return None  # cannot ask: keep everything of this case
        keys = {e.object_key for e in state.evidence}
        if state.identity is not None and state.identity.photo is not None:
            keys.add(state.identity.photo.object_key)
        return keys

    @activity.defn
    async def sweep_orphans(self, inp: SweepInput) -> SweepReport:
        before = utcnow() - timedelta(seconds=inp.grace_seconds)
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
        return SweepReport(removed=removed, looked_at=len(uploads), dry_run=inp.dry_run)
