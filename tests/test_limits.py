"""The largest case the limits allow stays within its history budget, and each limit holds.

Every text and list a person sends has a maximum (``vnfil/platform/text.py``), every step at most
``STEP_MAX_BYTES`` of JSON and every repeatable step a count (``vnfil/cases/rules.py``). This
test takes one case to the top of every one of them (Polish text, so more bytes than
characters), through an appeal to a second panel and certification, then measures what
Temporal keeps: the whole history, its largest event, and the state a query returns.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest
from pydantic import ValidationError
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from tests.factories import make_world, new_case
from vnfil.accounts.schemas import Actor, Role
from vnfil.cases import rules
from vnfil.cases.schemas import (
    AppealInput,
    ChairResolution,
    ConflictInput,
    CounsellingInput,
    DecisionInput,
    ExtensionInput,
    IdentificationInput,
    IdentityCheckInput,
    LODecision,
    Milestone,
    PanelInput,
    ReviewInput,
    SessionInput,
)
from vnfil.evidence.schemas import EvidenceRef
from vnfil.platform.errors import Refusal
from vnfil.platform.temporal import workflow_id
from vnfil.platform.text import (
    CRITERIA_MAX,
    CRITERION_MAX,
    ITEMS_MAX,
    LINE_MAX,
    LOS_MAX,
    NOTE_MAX,
    PLAN_MAX,
    RATIONALE_MAX,
    REASON_MAX,
    STATEMENT_MAX,
)
from vnfil.standards.schemas import AssessmentMethod, StandardDocument
from vnfil.standards.service import sample_document
from workflows.case import ValidationCase

MiB = 1024 * 1024
# The budget this test holds the largest case to. Temporal refuses a history over 50 MiB
# and any one payload over 2 MiB; a query's answer travels in one 4 MiB gRPC message.
HISTORY_BUDGET = 8 * MiB
EVENT_BUDGET = int(1.5 * MiB)
STATE_BUDGET = int(1.5 * MiB)

_WORDS = "Zażółć gęślą jaźń; kandydatka pokazała, że umie to robić w pracy. "


def text(n: int) -> str:
    """``n`` characters of Polish prose (about 1.1 bytes a character in UTF-8)."""
    return (_WORDS * (n // len(_WORDS) + 1))[:n].strip().ljust(n, "x")


def largest_standard() -> StandardDocument:
    base = sample_document("digital-collaboration")
    lo = base.learning_outcomes[0]
    outcomes = [
        lo.model_copy(
            update={
                "id": f"LO{i:02d}",
                "statement": text(STATEMENT_MAX),
                "criteria": [text(CRITERION_MAX)] * CRITERIA_MAX,
                "methods": [AssessmentMethod.portfolio_review, AssessmentMethod.interview],
            }
        )
        for i in range(LOS_MAX)
    ]
    largest = base.model_copy(
        update={
            "code": f"largest-{uuid4().hex[:8]}",
            "description": text(NOTE_MAX),
            "prerequisites": [text(STATEMENT_MAX)] * CRITERIA_MAX,
            "learning_outcomes": outcomes,
            "min_panel_size": 2,
            "translations": {},
        }
    )
    # ... and as large again in Polish, as much as a standard with translations may hold.
    polish = {
        "title": largest.title,
        "description": largest.description,
        "prerequisites": largest.prerequisites,
        "learning_outcomes": {
            lo.id: {"statement": lo.statement, "criteria": lo.criteria}
            for lo in largest.learning_outcomes
        },
    }
    return StandardDocument.model_validate(
        {**largest.model_dump(mode="json"), "translations": {"pl": polish}}
    )


def _fill(make):  # type: ignore[no-untyped-def]
    """The largest step ``make(k)`` whose JSON stays within STEP_MAX_BYTES, and one over it."""
    k = 1
    while len(make(k + 1).model_dump_json().encode()) <= rules.STEP_MAX_BYTES:
        k += 1
    return make(k), make(k + 1)


class Driver:
    def __init__(self, handle: WorkflowHandle) -> None:
        self.h = handle

    async def ok(self, update, actor: Actor, *args) -> None:  # type: ignore[no-untyped-def]
        await self.h.execute_update(update, args=[actor, *args])

    async def refused(self, update, actor: Actor, *args) -> tuple[str, str]:  # type: ignore[no-untyped-def]
        with pytest.raises(WorkflowUpdateFailedError) as err:
            await self.h.execute_update(update, args=[actor, *args])
        cause = err.value.cause
        return str(cause.type), str(cause.message)  # type: ignore[union-attr]


def _actor(person, role: Role) -> Actor:  # type: ignore[no-untyped-def]
    return Actor(user_id=person.id, role=role, name="x")


async def test_the_largest_case_stays_within_its_history_budget(stack) -> None:
    if not stack.settings.database_url.startswith("sqlite"):
        pytest.skip("the history budget is the workflow's; one database shows it")
    doc = largest_standard()
    w = await make_world(stack, doc)
    run = await new_case(w)
    handle = stack.client.get_workflow_handle_for(ValidationCase.run, workflow_id(run.case_id))
    d = Driver(handle)
    los = [lo.id for lo in doc.learning_outcomes]
    candidate = _actor(run.candidate, Role.candidate)
    admin = _actor(w.admin, Role.centre_admin)
    counsellor = _actor(await w.person(Role.counsellor), Role.counsellor)
    supervisor = _actor(await w.person(Role.supervisor), Role.supervisor)
    first = [_actor(await w.person(Role.assessor), Role.assessor) for _ in range(rules.MAX_PANEL)]
    second = [_actor(await w.person(Role.assessor), Role.assessor) for _ in range(rules.MAX_PANEL)]
    cap = (Refusal.invalid.value, "at most")

    # Identification: every counselling session, every extension, the fullest plan.
    session = CounsellingInput(
        held_on=date(2026, 11, 20),
        mode="online",
        notes=text(NOTE_MAX),
        prerequisites_met=[True] * CRITERIA_MAX,
    )
    for _ in range(rules.MAX_REPEATS):
        await d.ok(ValidationCase.record_counselling, counsellor, session)
    assert (await d.refused(ValidationCase.record_counselling, counsellor, session))[0] == cap[0]
    extension = ExtensionInput(days=30, reason=text(REASON_MAX))
    for _ in range(rules.MAX_EXTENSIONS):
        await d.ok(ValidationCase.extend_deadline, admin, extension)
    kind, message = await d.refused(ValidationCase.extend_deadline, admin, extension)
    assert (kind, cap[1] in message) == (cap[0], True)
    plan = IdentificationInput(
        selected_lo_ids=los,
        self_assessment={lo: 3 for lo in los},
        plan=text(PLAN_MAX),
        milestones=[
            Milestone(what=text(LINE_MAX), due=date(2027, 1, 1) + timedelta(days=i))
            for i in range(ITEMS_MAX)
        ],
    )
    await d.ok(ValidationCase.complete_identification, candidate, plan)

    # Documentation: the most evidence, each for every outcome; every review, each full.
    for i in range(rules.MAX_EVIDENCE):
        eid = str(uuid4())
        ref = EvidenceRef(
            evidence_id=eid,
            object_key=f"cases/{run.case_id}/evidence/{eid}",
            sha256=hashlib.sha256(str(i).encode()).hexdigest(),
            size=1,
            filename=text(200) + ".pdf",
            media_type="application/pdf",
            kind="work-sample",
            lo_ids=los,
        )
        await d.ok(ValidationCase.add_evidence, candidate, ref)
    extra = ref.model_copy(update={"evidence_id": str(uuid4())})
    assert (await d.refused(ValidationCase.add_evidence, candidate, extra))[0] == cap[0]
    slot = SessionInput(
        method="interview",
        starts_at=datetime(2027, 2, 1, 9, tzinfo=UTC),
        place=text(LINE_MAX),
        lo_ids=los,
    )
    for _ in range(rules.MAX_REPEATS):
        await d.ok(ValidationCase.schedule_session, admin, slot)
    assert (await d.refused(ValidationCase.schedule_session, admin, slot))[0] == cap[0]
    review, too_big_review = _fill(
        lambda k: ReviewInput(verdict="ready", comments=[text(NOTE_MAX)] * k)
    )
    kind, message = await d.refused(ValidationCase.review_portfolio, counsellor, too_big_review)
    assert kind == Refusal.invalid.value and "too large" in message
    # Reviews share the room for notes and comments with counselling and sessions.
    reviews = 0
    while reviews < rules.MAX_REPEATS:
        try:
            await d.ok(ValidationCase.review_portfolio, counsellor, review)
        except WorkflowUpdateFailedError as err:
            assert "notes and comments" in str(err.cause)
            break
        reviews += 1
    assert reviews >= 2

    # Assessment: panels (one assignment kept for the appeal), sessions, conflicts.
    panel = PanelInput(assessor_ids=[a.user_id for a in first], supervisor_id=supervisor.user_id)
    for _ in range(rules.MAX_REPEATS - 1):
        await d.ok(ValidationCase.assign_panel, admin, panel)
    for _ in range(rules.MAX_REPEATS):
        conflict = ConflictInput(user_id=str(uuid4()), reason=text(REASON_MAX))
        await d.ok(ValidationCase.declare_conflict, admin, conflict)
    await d.ok(ValidationCase.submit_portfolio, candidate)
    check = IdentityCheckInput(
        method="online", document_type="passport", result="verified", note=text(LINE_MAX)
    )
    for _ in range(rules.MAX_REPEATS):
        await d.ok(ValidationCase.verify_identity, supervisor, check)
    assert (await d.refused(ValidationCase.verify_identity, supervisor, check))[0] == cap[0]

    async def panel_decides(panel: list[Actor]) -> None:
        for i, a in enumerate(panel):
            step = DecisionInput(
                decisions=[
                    LODecision(
                        lo_id=lo, achieved=i > 0 or lo != "LO00", rationale=text(RATIONALE_MAX)
                    )
                    for lo in los
                ],
                grade=text(LINE_MAX),
            )
            assert len(step.model_dump_json().encode()) <= rules.STEP_MAX_BYTES
            await d.ok(ValidationCase.record_decision, a, step)
        resolution = ChairResolution(
            decisions=[LODecision(lo_id="LO00", achieved=False, rationale=text(RATIONALE_MAX))]
        )
        await d.ok(ValidationCase.resolve_disagreement, panel[0], resolution)

    await panel_decides(first)
    await d.ok(ValidationCase.appeal, candidate, AppealInput(reason=text(REASON_MAX)))
    await d.ok(
        ValidationCase.assign_panel,
        admin,
        PanelInput(assessor_ids=[a.user_id for a in second], supervisor_id=supervisor.user_id),
    )
    await panel_decides(second)
    await d.ok(ValidationCase.certify, admin)
    final = await handle.result()
    assert final.result == "partial" and final.credential_id

    # What Temporal keeps.
    events = [e async for e in handle.fetch_history_events()]
    total = sum(e.ByteSize() for e in events)
    largest = max(e.ByteSize() for e in events)
    state = len((await handle.query(ValidationCase.status)).model_dump_json().encode())
    print(
        f"\nlargest case: {len(events)} events, history {total / MiB:.2f} MiB "
        f"(budget {HISTORY_BUDGET / MiB:.0f}), largest event {largest / 1024:.0f} KiB, "
        f"state {state / 1024:.0f} KiB"
    )
    assert total <= HISTORY_BUDGET
    assert largest <= EVENT_BUDGET
    assert state <= STATE_BUDGET
    # And it replays.
    await Replayer(
        workflows=[ValidationCase], data_converter=pydantic_data_converter
    ).replay_workflow(await handle.fetch_history())


def test_a_standard_with_its_translations_holds_no_more_than_a_standard_file() -> None:
    data = largest_standard().model_dump(mode="json")
    data["translations"]["de"] = data["translations"]["pl"]  # a third language: too much
    with pytest.raises(ValidationError, match="with its translations the standard is"):
        StandardDocument.model_validate(data)
