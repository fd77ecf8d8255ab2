"""Case activities against the real database, run with Temporal's ``ActivityEnvironment``:
a value the database refuses for good ends the step at once (a non-retryable refusal),
instead of retrying forever with the case's lock held, and leaves nothing written."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.cases import CaseActivities
from tests.factories import make_world, new_case
from vnfil.accounts.schemas import Actor, Role
from vnfil.cases.models import AuditEntry
from vnfil.cases.schemas import AuditInput
from vnfil.platform.errors import Refusal


async def _no_delivery(*_: object) -> None:
    return None


@pytest.mark.parametrize(
    "change",
    [
        {"action": "identity\x00checked"},  # PostgreSQL stores no NUL byte
        {"seq": 2**40},  # beyond the column's integer
    ],
    ids=["nul-byte", "number-out-of-range"],
)
async def test_a_value_the_database_refuses_ends_the_step_without_retrying(
    stack, db_kind: str, change: dict
) -> None:
    if db_kind != "postgresql":
        pytest.skip("SQLite stores both values: the refusal is PostgreSQL's")
    w = await make_world(stack)
    run = await new_case(w)
    acts = CaseActivities(stack.store, stack.sessions, stack.settings, _no_delivery)
    step = AuditInput(
        case_id=run.case_id,
        seq=1,
        at=datetime.now(UTC),
        actor=Actor(user_id=run.candidate.id, role=Role.candidate),
        action="identity.checked",
        details={"note": f"probe {uuid.uuid4()}"},
    ).model_copy(update=change)

    with pytest.raises(ApplicationError) as refused:
        await ActivityEnvironment().run(acts.append_audit, step)
    assert refused.value.non_retryable
    assert refused.value.type == Refusal.invalid.value
    assert "the database refused a value of this step" in str(refused.value)
    async with stack.sessions() as session:  # type: ignore[operator]
        written = await session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.case_id == run.case_id)
        )
    assert written == 1  # only entry 0, written when the case was opened
