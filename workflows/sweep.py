"""``OrphanSweep``: run hourly by a Temporal schedule (``vnfil-orphan-sweep``)."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.sweeper import SweepActivities
    from vnfil.evidence.schemas import SweepInput, SweepReport


@workflow.defn
class OrphanSweep:
    @workflow.run
    async def run(self, inp: SweepInput) -> SweepReport:
        return await workflow.execute_activity_method(
            SweepActivities.sweep_orphans,
            inp,
            start_to_close_timeout=timedelta(minutes=30),
            heartbeat_timeout=timedelta(minutes=5),
        )
