"""Starting cases and sending human steps to their workflows.

Routes stay thin: they resolve who is asking and which case, then call these. A
step refused by the workflow's validator comes back as the matching 4xx, chosen by
the refusal's type (``vnfil.platform.errors.Refusal``), never by its text. Every call here
first gives the request's database connection back (``release_connection``): a
request waiting on Temporal holds no connection.
"""

from __future__ import annotations

import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Header, HTTPException, status
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowUpdateFailedError
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.exceptions import ActivityError, ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from api.deps import Principal, release_connection
from vnfil.accounts.models import Centre
from vnfil.accounts.schemas import Actor, CandidateRef
from vnfil.cases.audit import append_entry
from vnfil.cases.models import AuditEntry, Case
from vnfil.cases.schemas import CaseInput, CaseState, CaseStatus, Stage
from vnfil.cases.tallies import keep_tallies
from vnfil.cases.view import CaseView, view_of
from vnfil.funding.models import Price
from vnfil.platform.db import utcnow
from vnfil.platform.errors import HTTP_STATUS, Refusal
from vnfil.platform.settings import Settings
from vnfil.platform.temporal import CENTRE, STAGE, STANDARD, STATUS, workflow_id
from vnfil.standards.models import Standard
from vnfil.standards.schemas import StandardDocument
from vnfil.standards.service import snapshot
from vnfil.trust.service import NotAccredited, accreditation_for
from workflows.case import ValidationCase


def actor_of(user: Principal) -> Actor:
    return Actor(user_id=user.id, role=user.role, name=user.name)  # type: ignore[arg-type]


async def open_case(
    session: AsyncSession,
    temporal: Client,
    settings: Settings,
    candidate: Principal,
    standard_id: str,
    centre_id: str,
) -> Case:
    standard = await session.get(Standard, standard_id)
    if standard is None:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"no standard {standard_id}")
    if await session.get(Centre, centre_id) is None:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"no centre {centre_id}")
    try:
        await accreditation_for(
            session,
            centre_id=centre_id,
            awarding_body_id=standard.awarding_body_id,
            code=standard.code,
            version=standard.version,
            at=utcnow(),
        )
    except NotAccredited as exc:
        raise HTTPException(
            status.HTTP_409_CONFLICT, f"this centre cannot validate this standard: {exc}"
        ) from None
    case_id = str(uuid.uuid4())
    case = Case(
        id=case_id,
        workflow_id=workflow_id(case_id),
        centre_id=centre_id,
        standard_id=standard.id,
        candidate_id=candidate.id,
    )
    async with keep_tallies(session, case_id):
        session.add(case)
    await append_entry(
        session,
        case_id=case_id,
        seq=0,
        at=utcnow(),
        actor_id=candidate.id,
        actor_role=candidate.role,
        action="case.opened",
        details={"standard": f"{standard.code}@{standard.version}", "centre_id": centre_id},
    )
    price = await session.scalar(
        select(Price).where(Price.centre_id == centre_id, Price.standard_code == standard.code)
    )
    inp = CaseInput(
        case_id=case.id,
        centre_id=centre_id,
        candidate=CandidateRef(id=candidate.id, name=candidate.name, email=candidate.email),
        standard=await snapshot(session, standard),
        funding_required=(price is not None and price.funding_required)
        or StandardDocument.model_validate(standard.document).funding_required,
    )
    await session.commit()
    try:
        await temporal.start_workflow(
            ValidationCase.run,
            inp,
            id=case.workflow_id,
            task_queue=settings.task_queue,
            search_attributes=TypedSearchAttributes(
                [
                    SearchAttributePair(STAGE, Stage.identification.value),
                    SearchAttributePair(CENTRE, centre_id),
                    SearchAttributePair(STANDARD, standard.code),
                    SearchAttributePair(STATUS, CaseState.open.value),
                ]
            ),
        )
    except BaseException:
        # The rows must not outlive a workflow that never started.
        await session.execute(delete(AuditEntry).where(AuditEntry.case_id == case_id))
        async with keep_tallies(session, case_id):
            await session.delete(case)
        await session.commit()
        raise
    return case


IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        pattern=r"^[\x21-\x7e]+$",
        description="the same key on a retry of this step (or upload) never repeats it",
    ),
]
_STEP_IDS = uuid.UUID("0f6c2b61-3c5e-4f0e-9b7a-2d4f8e1a6c93")


def idempotent_id(case: Case, user_id: str, what: str, key: str) -> str:
    """One id per (case, person, kind of step, client key): a retry lands on the same id."""
    return str(uuid.uuid5(_STEP_IDS, f"{case.id}|{user_id}|{what}|{key}"))


async def run_step(call: Callable[[], Awaitable[Any]], handle: Any = None) -> Any:
    """Execute one update; turn a refusal into its HTTP answer.

    Only what is certain becomes a 4xx: a refusal the workflow gave, or a workflow that
    has in fact closed. Anything else (the server is unsure, the case cannot answer now)
    is a 503 to retry with the same Idempotency-Key."""
    try:
        return await call()
    except WorkflowUpdateFailedError as exc:
        refusal = refusal_of(exc)
        if refusal is not None:
            raise HTTPException(HTTP_STATUS[refusal[0]], refusal[1]) from None
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"the step could not be taken: {exc.cause or exc}",
        ) from None
    except RPCError as exc:
        if exc.status in (RPCStatusCode.NOT_FOUND, RPCStatusCode.FAILED_PRECONDITION):
            if handle is None or await _closed(handle):
                raise HTTPException(
                    status.HTTP_409_CONFLICT,
                    "this case's workflow has ended; it takes no more steps",
                ) from None
            raise RPCError(
                f"the case could not take the step now ({exc.message})",
                RPCStatusCode.UNAVAILABLE,
                b"",
            ) from exc
        raise


async def _closed(handle: Any) -> bool:
    try:
        desc = await handle.describe()
    except RPCError as exc:
        return exc.status == RPCStatusCode.NOT_FOUND
    return desc.status is not None and desc.status != WorkflowExecutionStatus.RUNNING


def refusal_of(exc: WorkflowUpdateFailedError) -> tuple[Refusal, str] | None:
    """The refusal a failed update carries (the step never entered the case), if any."""
    cause: BaseException | None = exc.cause
    if isinstance(cause, ActivityError):  # an activity's refusal, passed through the step
        cause = cause.cause
    if isinstance(cause, ApplicationError) and cause.type in set(Refusal):
        return Refusal(str(cause.type)), cause.message
    return None


# The state of cases whose workflow has closed, by workflow id: it never changes again,
# and a query of a closed workflow replays its whole history on a worker (tens of ms).
_CLOSED: OrderedDict[str, CaseStatus] = OrderedDict()
CLOSED_CACHED = 2048


async def case_status(temporal: Client, case: Case) -> CaseStatus:
    known = _CLOSED.get(case.workflow_id)
    if known is not None:
        _CLOSED.move_to_end(case.workflow_id)
        return known.model_copy(deep=True)
    await release_connection()
    handle = temporal.get_workflow_handle_for(ValidationCase.run, case.workflow_id)
    state: CaseStatus = await handle.query(ValidationCase.status)
    if state.status != CaseState.open:  # the workflow's own word that it has ended
        _CLOSED[case.workflow_id] = state.model_copy(deep=True)
        while len(_CLOSED) > CLOSED_CACHED:
            _CLOSED.popitem(last=False)
    return state


def handle_of(temporal: Client, case: Case):  # type: ignore[no-untyped-def]
    return temporal.get_workflow_handle_for(ValidationCase.run, case.workflow_id)


async def send_step(
    temporal: Client, case: Case, update: Any, actor: Actor, *args: Any, key: str | None = None
) -> CaseView:
    """One human step: the update (a ValidationCase method) with the actor and its payload.

    With a client's ``key`` the update's id is derived from it, and Temporal answers a
    retry with the outcome of the step already taken instead of taking it twice.
    """
    await release_connection()
    h = handle_of(temporal, case)
    update_id = idempotent_id(case, actor.user_id, update.__name__, key) if key else None
    await run_step(lambda: h.execute_update(update, args=[actor, *args], id=update_id), h)
    # A step answers only its receipt (StepDone): the case is read afterwards, as the
    # person who took the step may see it.
    return view_of(await h.query(ValidationCase.status), actor.user_id, actor.role)


async def case_view(temporal: Client, case: Case, user: Principal) -> CaseView:
    """The live case, as this person may see it (never the workflow's own state)."""
    return view_of(await case_status(temporal, case), user.id, user.role)
