"""A case's life over HTTP: open it, then one route per human step."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, status
from sqlalchemy import select

from api.cases import IdempotencyKey, actor_of, case_status, case_view, open_case, send_step
from api.deps import (
    CASE_ORDER,
    CurrentUser,
    PageDep,
    SessionDep,
    SettingsDep,
    TemporalDep,
    VisibleCase,
    caller_of,
    require_roles,
    visible_case_row,
    visible_cases,
)
from vnfil.accounts.models import Membership
from vnfil.accounts.schemas import Role
from vnfil.cases.audit import chain_of, verify_chain
from vnfil.cases.models import StageRecord
from vnfil.cases.rules import uncovered_outcomes
from vnfil.cases.schemas import (
    AppealInput,
    CaseCreate,
    CaseRead,
    CaseState,
    ChairResolution,
    ConflictInput,
    CounsellingInput,
    DecisionInput,
    ExtensionInput,
    IdentificationInput,
    IdentityCheckInput,
    PanelInput,
    ReviewInput,
    SessionInput,
    Stage,
    WithdrawInput,
)
from vnfil.cases.view import CaseView, audit_view, stage_record_view
from vnfil.credentials.models import SigningKey
from vnfil.platform.db import utcnow
from vnfil.standards.models import Standard
from vnfil.standards.schemas import StandardDocument
from vnfil.standards.units import OutcomePlan, plan_of
from vnfil.trust.service import NotAccredited, accreditation_for
from workflows.case import ValidationCase

router = APIRouter(prefix="/cases", tags=["cases"])


@router.post("", status_code=201, dependencies=[require_roles(Role.candidate)])
async def create_case(
    body: CaseCreate,
    session: SessionDep,
    temporal: TemporalDep,
    settings: SettingsDep,
    user: CurrentUser,
) -> CaseRead:
    case = await open_case(session, temporal, settings, user, body.standard_id, body.centre_id)
    return CaseRead.model_validate(case)


@router.get("")
async def list_cases(
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    stage: Annotated[Stage | None, Query()] = None,
    status_: Annotated[CaseState | None, Query(alias="status")] = None,
    overdue: bool = False,
    standard_id: Annotated[str | None, Query(max_length=64)] = None,
    assessor_id: Annotated[str | None, Query(max_length=64)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
) -> list[CaseRead]:
    """The cases this person may see, newest first, a page at a time (the next page's
    cursor in the ``Link`` and ``X-Next-Cursor`` headers); ``q`` searches the candidate's
    name or e-mail, or the case's reference (the start of its id)."""
    query = visible_cases(
        user,
        stage=stage.value if stage else None,
        status_=status_.value if status_ else None,
        overdue=overdue,
        search=q,
        standard_id=standard_id,
        assessor_id=assessor_id,
    )
    at = page.at(CASE_ORDER)
    rows = await session.scalars(CASE_ORDER.window(query, at, page.limit))
    return [CaseRead.model_validate(r) for r in page.done(CASE_ORDER, list(rows), at)]


# The busiest read of all, so it resolves nothing through FastAPI's dependencies (a
# generator's exit stack, the caller and its bearer scheme cost more than the query): the
# same session, caller and access rule, called directly. The document still says bearer.
@router.get("/{case_id}", openapi_extra={"security": [{"HTTPBearer": []}]})
async def get_case(case_id: str, request: Request) -> CaseRead:
    async with request.app.state.sessions() as session:
        user = await caller_of(request, session)
        row = await visible_case_row(session, user, case_id)
    return CaseRead.model_validate(row)


@router.get("/{case_id}/status")
async def get_status(case: VisibleCase, temporal: TemporalDep, user: CurrentUser) -> CaseView:
    """The live case held by its workflow, as this person may see it."""
    return await case_view(temporal, case, user)


@router.get("/{case_id}/plan")
async def get_plan(
    case: VisibleCase, temporal: TemporalDep, user: CurrentUser, session: SessionDep
) -> OutcomePlan:
    """What is left for the full qualification once the panel has a result, unit by unit
    (machine-readable): the plan kept at certification, else the result's."""
    view = await case_view(temporal, case, user)
    if view.plan is not None:
        return view.plan
    if view.result is None:
        raise HTTPException(
            status.HTTP_409_CONFLICT, "the case has no result yet: the plan follows the result"
        )
    standard = await session.get(Standard, case.standard_id)
    assert standard is not None
    return plan_of(StandardDocument.model_validate(standard.document), view.achieved_lo_ids)


@router.get("/{case_id}/stage-records")
async def stage_records(case: VisibleCase, session: SessionDep, user: CurrentUser) -> list[dict]:
    """Each ended stage's record; storage keys for the centre's administrators only."""
    rows = await session.scalars(
        select(StageRecord).where(StageRecord.case_id == case.id).order_by(StageRecord.created_at)
    )
    return [
        stage_record_view(
            {"stage": r.stage, "object_key": r.object_key, "sha256": r.sha256, "record": r.record},
            user.role,
        )
        for r in rows
    ]


@router.get("/{case_id}/audit")
async def audit_trail(case: VisibleCase, session: SessionDep, user: CurrentUser) -> dict:
    """The case's hash-chained audit trail and whether every link holds, as this person
    may read it (``vnfil/cases/view.py::audit_view``)."""
    rows = await chain_of(session, case.id)
    check = verify_chain(rows)
    entries = [
        {
            "seq": r.seq,
            "at": r.at,
            "actor_id": r.actor_id,
            "actor_role": r.actor_role,
            "action": r.action,
            "details": r.details,
            "prev_hash": r.prev_hash,
            "hash": r.hash,
        }
        for r in rows
    ]
    return {
        "valid": check.valid,
        "first_broken_seq": check.first_broken_seq,
        "reason": check.reason,
        "entries": audit_view(entries, user.id, user.role, case.candidate_id),
    }


@router.post(
    "/{case_id}/identification",
    dependencies=[require_roles(Role.candidate, Role.counsellor, Role.centre_admin)],
)
async def complete_identification(
    case: VisibleCase,
    body: IdentificationInput,
    temporal: TemporalDep,
    user: CurrentUser,
    key: IdempotencyKey = None,
) -> CaseView:
    return await send_step(
        temporal, case, ValidationCase.complete_identification, actor_of(user), body, key=key
    )


@router.post("/{case_id}/submission", dependencies=[require_roles(Role.candidate)])
async def submit_portfolio(
    case: VisibleCase, temporal: TemporalDep, user: CurrentUser, key: IdempotencyKey = None
) -> CaseView:
    return await send_step(temporal, case, ValidationCase.submit_portfolio, actor_of(user), key=key)


@router.put("/{case_id}/panel", dependencies=[require_roles(Role.centre_admin)])
async def assign_panel(
    case: VisibleCase,
    body: PanelInput,
    temporal: TemporalDep,
    session: SessionDep,
    user: CurrentUser,
    key: IdempotencyKey = None,
) -> CaseView:
    """Name the assessors (and the supervisor) of the case's panel."""
    wanted = {uid: Role.assessor for uid in body.assessor_ids}
    if body.supervisor_id:
        wanted[body.supervisor_id] = Role.supervisor
    # Who holds which role here comes from memberships: a person may be an assessor in
    # this centre and something else (or the same) in another.
    held = set(
        (
            await session.execute(
                select(Membership.user_id, Membership.role).where(
                    Membership.user_id.in_(list(wanted)), Membership.centre_id == case.centre_id
                )
            )
        ).tuples()
    )
    for uid, role in wanted.items():
        if (uid, role.value) not in held:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                f"{uid} is not a {role.value} of this case's centre",
            )
    return await send_step(
        temporal, case, ValidationCase.assign_panel, actor_of(user), body, key=key
    )


@router.post("/{case_id}/identity", dependencies=[require_roles(Role.supervisor)])
async def verify_identity(
    case: VisibleCase,
    body: IdentityCheckInput,
    temporal: TemporalDep,
    user: CurrentUser,
    key: IdempotencyKey = None,
) -> CaseView:
    return await send_step(
        temporal, case, ValidationCase.verify_identity, actor_of(user), body, key=key
    )


@router.post("/{case_id}/decisions", dependencies=[require_roles(Role.assessor)])
async def record_decision(
    case: VisibleCase,
    body: DecisionInput,
    temporal: TemporalDep,
    user: CurrentUser,
    key: IdempotencyKey = None,
) -> CaseView:
    return await send_step(
        temporal, case, ValidationCase.record_decision, actor_of(user), body, key=key
    )


@router.put("/{case_id}/decisions/mine", dependencies=[require_roles(Role.assessor)])
async def revise_decision(
    case: VisibleCase,
    body: DecisionInput,
    temporal: TemporalDep,
    user: CurrentUser,
    key: IdempotencyKey = None,
) -> CaseView:
    """The assessor's own decision, changed while the rest of the panel is still deciding
    (409 once every assessor has decided); the audit trail keeps the first one too."""
    return await send_step(
        temporal, case, ValidationCase.revise_decision, actor_of(user), body, key=key
    )


@router.post("/{case_id}/certification", dependencies=[require_roles(Role.centre_admin)])
async def certify(
    case: VisibleCase,
    temporal: TemporalDep,
    user: CurrentUser,
    session: SessionDep,
    key: IdempotencyKey = None,
) -> CaseView:
    """Issue the signed credential; refused while the awarding body has no signing key."""
    standard = await session.get(Standard, case.standard_id)
    assert standard is not None
    has_key = await session.scalar(
        select(SigningKey.id).where(
            SigningKey.awarding_body_id == standard.awarding_body_id,
            SigningKey.retired_at.is_(None),
            SigningKey.revoked_at.is_(None),
        )
    )
    if has_key is None:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            f"awarding body {standard.awarding_body_id} has no signing key: "
            f"run `vnfil keys create {standard.awarding_body_id}` first",
        )
    try:
        await accreditation_for(
            session,
            centre_id=case.centre_id,
            awarding_body_id=standard.awarding_body_id,
            code=standard.code,
            version=standard.version,
            at=utcnow(),
        )
    except NotAccredited as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, f"not certified: {exc}") from None
    return await send_step(temporal, case, ValidationCase.certify, actor_of(user), key=key)


@router.post("/{case_id}/withdrawal", dependencies=[require_roles(Role.candidate)])
async def withdraw(
    case: VisibleCase,
    body: WithdrawInput,
    temporal: TemporalDep,
    user: CurrentUser,
    key: IdempotencyKey = None,
) -> CaseView:
    """The candidate ends the case at any stage; everything recorded is kept."""
    return await send_step(temporal, case, ValidationCase.withdraw, actor_of(user), body, key=key)


@router.post("/{case_id}/deadline-extension", dependencies=[require_roles(Role.centre_admin)])
async def extend_deadline(
    case: VisibleCase,
    body: ExtensionInput,
    temporal: TemporalDep,
    user: CurrentUser,
    key: IdempotencyKey = None,
) -> CaseView:
    return await send_step(
        temporal, case, ValidationCase.extend_deadline, actor_of(user), body, key=key
    )


@router.post("/{case_id}/appeal", dependencies=[require_roles(Role.candidate)])
async def appeal(
    case: VisibleCase,
    body: AppealInput,
    temporal: TemporalDep,
    user: CurrentUser,
    key: IdempotencyKey = None,
) -> CaseView:
    """Contest the result within the standard's appeal window; a new panel reassesses."""
    return await send_step(temporal, case, ValidationCase.appeal, actor_of(user), body, key=key)


@router.post("/{case_id}/result-acceptance", dependencies=[require_roles(Role.candidate)])
async def accept_result(
    case: VisibleCase, temporal: TemporalDep, user: CurrentUser, key: IdempotencyKey = None
) -> CaseView:
    """Accept the result now, waiving the appeal, so it can be certified."""
    return await send_step(temporal, case, ValidationCase.accept_result, actor_of(user), key=key)


@router.post("/{case_id}/resolution", dependencies=[require_roles(Role.assessor)])
async def resolve_disagreement(
    case: VisibleCase,
    body: ChairResolution,
    temporal: TemporalDep,
    user: CurrentUser,
    key: IdempotencyKey = None,
) -> CaseView:
    """The panel's chair decides the outcomes the assessors disagreed on."""
    return await send_step(
        temporal, case, ValidationCase.resolve_disagreement, actor_of(user), body, key=key
    )


@router.post(
    "/{case_id}/conflicts",
    dependencies=[
        require_roles(Role.assessor, Role.supervisor, Role.counsellor, Role.centre_admin)
    ],
)
async def declare_conflict(
    case: VisibleCase,
    body: ConflictInput,
    temporal: TemporalDep,
    user: CurrentUser,
    key: IdempotencyKey = None,
) -> CaseView:
    """Declare a conflict of interest: the person cannot sit on this case's panel."""
    return await send_step(
        temporal, case, ValidationCase.declare_conflict, actor_of(user), body, key=key
    )


@router.post("/{case_id}/counselling", dependencies=[require_roles(Role.counsellor)])
async def record_counselling(
    case: VisibleCase,
    body: CounsellingInput,
    temporal: TemporalDep,
    user: CurrentUser,
    key: IdempotencyKey = None,
) -> CaseView:
    """A counselling session, confirming (or not) each prerequisite of the standard."""
    return await send_step(
        temporal, case, ValidationCase.record_counselling, actor_of(user), body, key=key
    )


@router.post("/{case_id}/portfolio-review", dependencies=[require_roles(Role.counsellor)])
async def review_portfolio(
    case: VisibleCase,
    body: ReviewInput,
    temporal: TemporalDep,
    user: CurrentUser,
    key: IdempotencyKey = None,
) -> CaseView:
    return await send_step(
        temporal, case, ValidationCase.review_portfolio, actor_of(user), body, key=key
    )


@router.get("/{case_id}/portfolio-completeness")
async def portfolio_completeness(case: VisibleCase, temporal: TemporalDep) -> dict:
    """Which selected outcomes have evidence, and which do not yet."""
    state = await case_status(temporal, case)
    return {
        "selected_lo_ids": state.selected_lo_ids,
        "uncovered_lo_ids": uncovered_outcomes(state),
        "evidence_by_lo": {
            lo: [e.evidence_id for e in state.evidence if lo in e.lo_ids]
            for lo in state.selected_lo_ids
        },
        "submitted": state.submitted,
    }


@router.post("/{case_id}/sessions", dependencies=[require_roles(Role.centre_admin)])
async def schedule_session(
    case: VisibleCase,
    body: SessionInput,
    temporal: TemporalDep,
    user: CurrentUser,
    key: IdempotencyKey = None,
) -> CaseView:
    """Schedule an assessment session (method, time, place or link) for some outcomes."""
    return await send_step(
        temporal, case, ValidationCase.schedule_session, actor_of(user), body, key=key
    )
