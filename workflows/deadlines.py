"""Deadlines of a case: each stage's, the reminders before it, and what its passing does.

A mixin of ``ValidationCase`` (``workflows/case.py``), kept apart so the timing rules read
on their own: a week and a day before a stage's deadline the people who must act are
reminded; when it passes, a result waiting for the candidate becomes final and any other
stage closes the case as expired. The centre's extensions move the deadline, and the
watch starts over.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.cases import CaseActivities
    from vnfil.accounts.schemas import Actor
    from vnfil.cases.schemas import CaseInput, CaseState, CaseStatus, NotificationInput, Stage
    from vnfil.standards.schemas import StandardDocument
    from workflows.options import SYSTEM, run_activity

REMINDER_DAYS = (7, 1)


class Deadlines:
    """Needs the case's state, standard and lock, and its audit, finalize and close steps."""

    _case: CaseInput
    _std: StandardDocument
    _state: CaseStatus
    _lock: asyncio.Lock

    def _open(self) -> bool:
        return self._state.status == CaseState.open

    def _result_pending(self) -> bool:
        return self._state.result is not None and not self._state.result_final

    # Provided by ValidationCase.
    def _audience(self) -> list[str]:
        raise NotImplementedError

    def _message_context(self, **extra: object) -> dict:
        raise NotImplementedError

    async def _audit(self, actor: Actor, action: str, details: dict) -> None:
        raise NotImplementedError

    async def _finalize(self, actor: Actor) -> None:
        raise NotImplementedError

    async def _close(self, actor: Actor, status: CaseState, reason: str) -> None:
        raise NotImplementedError

    def _deadline_for(self, stage: Stage) -> datetime | None:
        if stage == Stage.completed:
            return None
        days = getattr(self._std.deadlines, stage.value)
        return workflow.now() + timedelta(days=days)

    def _reminders(self, deadline: datetime) -> list[tuple[datetime, int]]:
        """When to remind before a deadline: a week and a day before, if still ahead."""
        now = workflow.now()
        return [
            (deadline - timedelta(days=d), d)
            for d in REMINDER_DAYS
            if deadline - timedelta(days=d) > now
            and f"{self._state.stage.value}:{deadline.isoformat()}:{d}"
            not in self._state.reminders_sent
        ]

    async def _watch_deadlines(self) -> None:
        """Remind before each stage's deadline; close the case when one passes."""
        while self._open():
            stage, deadline = self._state.stage, self._state.deadline
            if deadline is None:
                return
            upcoming = self._reminders(deadline)
            wake = min([t for t, _ in upcoming] + [deadline])
            try:
                await workflow.wait_condition(
                    self._moved_on(stage, deadline),
                    timeout=max(wake - workflow.now(), timedelta(0)),
                )
                continue  # something changed: look again
            except TimeoutError:
                pass
            async with self._lock:
                if (
                    not self._open()
                    or self._state.stage != stage
                    or self._state.deadline != deadline
                ):
                    continue
                if workflow.now() >= deadline and self._result_pending():
                    await self._audit(SYSTEM, "appeal.window-closed", {})
                    await self._finalize(SYSTEM)
                    continue
                if workflow.now() >= deadline:
                    await self._close(SYSTEM, CaseState.expired, "the stage deadline passed")
                    return
                days = next(d for t, d in upcoming if t == wake)
                await self._remind(deadline, days)

    def _moved_on(self, stage: Stage, deadline: datetime) -> Callable[[], bool]:
        return lambda: (
            not self._open() or self._state.stage != stage or self._state.deadline != deadline
        )

    async def _remind(self, deadline: datetime, days: int) -> None:
        key = f"{self._state.stage.value}:{deadline.isoformat()}:{days}"
        await run_activity(
            CaseActivities.notify,
            NotificationInput(
                key=f"{self._case.case_id}:reminder:{key}",
                case_id=self._case.case_id,
                template="deadline-reminder",
                audience=self._audience(),
                centre_admins_of=self._case.centre_id
                if self._state.stage == Stage.certification
                else None,
                context=self._message_context(days_left=days),
            ),
        )
        self._state.reminders_sent.append(key)
