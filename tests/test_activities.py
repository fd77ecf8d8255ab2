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


async def test_a_retried_accreditation_step_finds_what_it_did(stack) -> None:
    """The activity may run again after it committed (a lost worker, a failed webhook
    start): the grant is not made twice, the change is not refused as a second move, and
    each has one event."""
    from activities.trust import TrustActivities
    from tests.test_trust import _grant
    from vnfil.events.models import Event
    from vnfil.trust.models import Accreditation
    from vnfil.trust.schemas import AccreditationChange, AccreditationCreate, AccreditationRequest
    from vnfil.trust.service import TrustRefusal

    w = await make_world(stack)
    async with stack.sessions() as session:  # type: ignore[operator]
        body_id = await session.scalar(
            select(Accreditation.awarding_body_id).where(Accreditation.centre_id == w.centre_id)
        )
    acts = TrustActivities(stack.sessions, stack.settings, _no_delivery)  # type: ignore[arg-type]
    env = ActivityEnvironment()
    granting = AccreditationRequest(
        request_id=str(uuid.uuid4()),
        awarding_body_id=body_id,
        actor_id=w.issuer.id,
        grant=AccreditationCreate.model_validate(_grant(w, w.centre_id)),
    )
    first = await env.run(acts.update_accreditation, granting)
    again = await env.run(acts.update_accreditation, granting)
    assert again.id == first.id and again.credential == first.credential
    suspending = AccreditationRequest(
        request_id=str(uuid.uuid4()),
        awarding_body_id=body_id,
        actor_id=w.issuer.id,
        accreditation_id=first.id,
        change=AccreditationChange(status="suspended", reason="QA visit"),
    )
    assert (await env.run(acts.update_accreditation, suspending)).status == "suspended"
    assert (await env.run(acts.update_accreditation, suspending)).status == "suspended"
    async with stack.sessions() as session:  # type: ignore[operator]
        events = list(await session.scalars(select(Event.data).where(Event.subject == first.id)))
    assert sorted(e["change"] for e in events) == ["granted", "suspended"]
    # A new request for the same move is a second move: refused, for good, saying why.
    with pytest.raises(ApplicationError) as refused:
        await env.run(
            acts.update_accreditation,
            suspending.model_copy(update={"request_id": str(uuid.uuid4())}),
        )
    assert refused.value.non_retryable and refused.value.type == TrustRefusal.bad_move.value
    assert "is suspended cannot become suspended" in str(refused.value)
