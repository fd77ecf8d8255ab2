"""Signed credentials made quickly: the real ``issue_credential`` activity on case rows
written straight to the database, so a test can have twenty credentials without
running twenty cases through the workflow."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import ActivityEnvironment

from activities.cases import CaseActivities
from activities.credentials import CredentialActivities
from tests.factories import World
from vnfil.accounts.schemas import Actor, CandidateRef, Role
from vnfil.cases.models import Case
from vnfil.cases.schemas import Result
from vnfil.credentials.schemas import CredentialInput, RevocationRef, RevocationRequest
from vnfil.platform.db import make_engine, make_session_factory, utcnow
from vnfil.standards.models import Standard
from vnfil.standards.service import snapshot
from workflows.clients import start_delivery


@asynccontextmanager
async def other_process(stack: Any) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions on an engine (and pool) of their own, as a second API or worker has."""
    engine = make_engine(stack.settings)
    try:
        yield make_session_factory(engine)
    finally:
        await engine.dispose()


async def credential_inputs(stack: Any, w: World, n: int) -> list[CredentialInput]:
    """``n`` cases of the world's standard, ready to certify, as the workflow would send."""
    candidate = await w.person(Role.candidate)
    now = utcnow()
    async with stack.sessions.begin() as session:
        std = await session.get(Standard, w.standard_id)
        assert std is not None
        snap = await snapshot(session, std)
        case_ids = [str(uuid.uuid4()) for _ in range(n)]
        session.add_all(
            Case(
                id=cid,
                workflow_id=f"case-{cid}",
                centre_id=w.centre_id,
                standard_id=w.standard_id,
                candidate_id=candidate.id,
            )
            for cid in case_ids
        )
    return [
        CredentialInput(
            credential_id=str(uuid.uuid4()),
            case_id=cid,
            candidate=CandidateRef(id=candidate.id, name="Zofia Test", email="z@test.example"),
            standard=snap,
            result=Result.full,
            achieved_lo_ids=[lo.id for lo in snap.document.learning_outcomes],
            identity=None,
            evidence=[],
            grade=None,
            issued_at=now,
            certified_by=Actor(user_id=w.admin.id, role=Role.centre_admin),
        )
        for cid in case_ids
    ]


async def issue(
    stack: Any,
    inputs: list[CredentialInput],
    sessions: list[async_sessionmaker[AsyncSession]],
    *,
    concurrently: bool,
) -> None:
    """Issue each credential through the activity, spreading them over ``sessions``
    (one session factory per simulated process)."""
    acts = [CaseActivities(stack.store, s, stack.settings, start_delivery) for s in sessions]
    calls = [
        ActivityEnvironment().run(acts[i % len(acts)].issue_credential, inp)
        for i, inp in enumerate(inputs)
    ]
    if concurrently:
        await asyncio.gather(*calls)
    else:
        for call in calls:
            await call


async def revoke(
    stack: Any,
    w: World,
    credential_ids: list[str],
    sessions: list[async_sessionmaker[AsyncSession]],
    reason: str,
) -> list[RevocationRef]:
    """Revoke all at once through the activity, spread over ``sessions``."""
    acts = [CredentialActivities(s, stack.settings, start_delivery) for s in sessions]
    actor = Actor(user_id=w.issuer.id, role=Role.issuer)
    return list(
        await asyncio.gather(
            *(
                ActivityEnvironment().run(
                    acts[i % len(acts)].revoke_credential,
                    RevocationRequest(credential_id=cid, reason=reason, actor=actor, at=utcnow()),
                )
                for i, cid in enumerate(credential_ids)
            )
        )
    )
