"""A bare workflow of the same shape as a validation case: the same number of updates and
activity calls, but the activities do nothing. It is the ceiling the real case is compared to."""

from __future__ import annotations

from datetime import timedelta

from temporalio import activity, workflow

UPDATES_PER_CASE = 11  # counselling, identification, 2 evidence, panel, submit, identity,
#                        2 decisions, acceptance, certification
ACTIVITIES_PER_UPDATE = 2


@activity.defn
async def noop(step: int) -> int:
    return step


@workflow.defn
class BareCase:
    def __init__(self) -> None:
        self.steps = 0

    @workflow.run
    async def run(self) -> int:
        await workflow.wait_condition(lambda: self.steps >= UPDATES_PER_CASE)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.steps

    @workflow.update
    async def step(self, n: int) -> int:
        for _ in range(ACTIVITIES_PER_UPDATE):
            await workflow.execute_activity(noop, n, start_to_close_timeout=timedelta(seconds=30))
        self.steps += 1
        return self.steps
