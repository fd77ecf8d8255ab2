"""How a case's workflow runs its activities: one timeout and one retry policy for all."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from vnfil.accounts.schemas import Actor, Role

T = TypeVar("T")

# Every activity of a case takes well under a second (a DB row, an S3 object, a
# signature); a worker lost mid-step costs this long before another one retries it.
TIMEOUT = timedelta(seconds=15)
# Transient failures (database or S3 away) retry until they pass; activities raise
# permanent ones as non-retryable errors, which end the step, not the case.
RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30))
# The actor of what the case does by itself (a deadline passing).
SYSTEM = Actor(user_id="system", role=Role.system, name="vnfil")


def run_activity(method: Callable[[Any, Any], Awaitable[T]], arg: Any) -> Awaitable[T]:
    """One activity of a case, with the case's timeout and retry policy."""
    return workflow.execute_activity_method(
        method, arg, start_to_close_timeout=TIMEOUT, retry_policy=RETRY
    )
