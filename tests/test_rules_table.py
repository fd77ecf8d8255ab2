"""Every stage rule on a state fixture, as a table: which refusal, or none.

No server here: the rules are pure functions (``vnfil/cases/rules.py``), so each row builds a
case's state, calls one rule and names the refusal it must give (or ``None``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from vnfil.accounts.schemas import Actor, Role
from vnfil.cases import rules
from vnfil.cases.rules import RuleBroken
from vnfil.cases.schemas import (
    AssessorDecision,
    CaseState,
    CaseStatus,
    ChairResolution,
    ConflictInput,
    CounsellingInput,
    CounsellingRecord,
    DecisionInput,
    ExtensionInput,
    FundingDecisionInput,
    FundingInput,
    FundingSource,
    FundingState,
    IdentificationInput,
    IdentityCheckInput,
    LODecision,
    Milestone,
    PanelInput,
    PhotoRef,
    Result,
    ReviewInput,
    ReviewRecord,
    SessionInput,
    Stage,
)
from vnfil.evidence.schemas import EvidenceRef
from vnfil.platform.errors import Refusal
from vnfil.standards.schemas import SupervisionLevel
from vnfil.standards.service import sample_document

STD = sample_document("digital-collaboration")  # DC1..DC4, one prerequisite, online id
ONSITE = STD.model_copy(update={"supervision": SupervisionLevel.onsite_id})
WHOLE = STD.model_copy(update={"partial_allowed": False})
LOS = [lo.id for lo in STD.learning_outcomes]
NOW = datetime(2026, 11, 25, tzinfo=UTC)
SHA = "0" * 64

CANDIDATE = Actor(user_id="cand", role=Role.candidate)
COUNSELLOR = Actor(user_id="coun", role=Role.counsellor)
OTHER_COUNSELLOR = Actor(user_id="coun2", role=Role.counsellor)
ADMIN = Actor(user_id="adm", role=Role.centre_admin)
SUPERVISOR = Actor(user_id="sup", role=Role.supervisor)
A1 = Actor(user_id="a1", role=Role.assessor)
A2 = Actor(user_id="a2", role=Role.assessor)
OUTSIDER = Actor(user_id="a9", role=Role.assessor)


def state(stage: Stage = Stage.identification, **changes: Any) -> CaseStatus:
    base: dict[str, Any] = dict(
        case_id="c1",
        centre_id="ce",
        standard_id="s",
        candidate_id="cand",
        stage=stage,
        bounded=True,
        eligibility_required=True,
    )
    if stage != Stage.identification:
        base["selected_lo_ids"] = LOS
    return CaseStatus(**{**base, **changes})


def counselled(met: bool = True, **changes: Any) -> CaseStatus:
    record = CounsellingRecord(
        held_on=date(2026, 11, 20),
        mode="online",
        notes="n",
        prerequisites_met=[met],
        counsellor_id="coun",
        at=NOW,
    )
    return state(counselling=[record], **changes)


def evidence(eid: str = "e1", los: list[str] | None = None) -> EvidenceRef:
    return EvidenceRef(
        evidence_id=eid,
        object_key=f"cases/c1/evidence/{eid}",
        sha256=SHA,
        size=1,
        filename="f.pdf",
        media_type="application/pdf",
        kind="certificate",
        lo_ids=los or LOS,
    )


def decided(who: str, achieved: bool = True) -> AssessorDecision:
    return AssessorDecision(
        decisions=[LODecision(lo_id=lo, achieved=achieved, rationale="r") for lo in LOS],
        assessor_id=who,
        at=NOW,
    )


def panel_state(**changes: Any) -> CaseStatus:
    base: dict[str, Any] = dict(
        evidence=[evidence()],
        submitted=True,
        assessor_ids=["a1", "a2"],
        supervisor_id="sup",
        chair_id="a1",
    )
    return state(Stage.assessment, **{**base, **changes})


VERIFIED = {
    "identity": {
        "method": "online",
        "document_type": "passport",
        "result": "verified",
        "supervisor_id": "sup",
        "at": NOW,
    }
}
PENDING = {
    **VERIFIED,
    "decisions": [decided("a1"), decided("a2")],
    "result": Result.full,
    "achieved_lo_ids": LOS,
    "appeal_window_ends": NOW + timedelta(days=14),
}
DECISION = DecisionInput(
    decisions=[LODecision(lo_id=lo, achieved=True, rationale="r") for lo in LOS]
)
IDENT = IdentificationInput(selected_lo_ids=LOS)
PANEL = PanelInput(assessor_ids=["a1", "a2"], supervisor_id="sup")
ONLINE = IdentityCheckInput(method="online", document_type="passport", result="verified")
SESSION = SessionInput(
    method="interview", starts_at=NOW, online_url="https://meet.example/x", lo_ids=["DC1"]
)
REVIEW = ReviewInput(verdict="ready", comments=["fine"])
COUNSEL = CounsellingInput(
    held_on=date(2026, 11, 20), mode="online", notes="n", prerequisites_met=[True]
)
CONFLICT = ConflictInput(reason="a former colleague")
EXTEND = ExtensionInput(days=7, reason="illness")
OK = None
FUNDER = Actor(user_id="f1", role=Role.funder)
SELF_PAID = FundingSource(kind="self", amount=500, unit="PLN", key="k1", status="approved")
ASKED = FundingSource(
    kind="programme", amount=500, unit="PLN", key="k2", programme_id="p1", status="pending"
)
FUND = FundingInput(sources=[SELF_PAID], fee=500)
SHORT = FundingInput(sources=[SELF_PAID], fee=900)
MIXED = FundingInput(
    sources=[SELF_PAID, SELF_PAID.model_copy(update={"unit": "EUR", "key": "k3"})], fee=1000
)
APPROVE = FundingDecisionInput(programme_id="p1", approve=True, reason="eligible")
OTHER_PROGRAMME = FundingDecisionInput(programme_id="p9", approve=True, reason="x")


def funded(status: str, **changes: Any) -> CaseStatus:
    return state(
        Stage.documentation,
        evidence=[evidence()],
        funding=FundingState(required=True, status=status, sources=[ASKED]),  # type: ignore[arg-type]
        **changes,
    )


# (rule, arguments after the state or none for input rules, the state, the refusal)
Row = tuple[str, Callable[..., None], tuple[Any, ...], CaseStatus | None, Refusal | None]
ROWS: list[Row] = [
    # identification
    ("identifies", rules.check_identification, (STD, CANDIDATE, IDENT), counselled(), OK),
    (
        "needs counselling",
        rules.check_identification,
        (STD, CANDIDATE, IDENT),
        state(),
        Refusal.wrong_stage,
    ),
    (
        "not eligible",
        rules.check_identification,
        (STD, CANDIDATE, IDENT),
        counselled(met=False),
        Refusal.invalid,
    ),
    (
        "assessor cannot identify",
        rules.check_identification,
        (STD, A1, IDENT),
        counselled(),
        Refusal.forbidden,
    ),
    (
        "twice",
        rules.check_identification,
        (STD, CANDIDATE, IDENT),
        state(Stage.documentation),
        Refusal.wrong_stage,
    ),
    (
        "closed",
        rules.check_identification,
        (STD, CANDIDATE, IDENT),
        counselled(status=CaseState.withdrawn),
        Refusal.wrong_stage,
    ),
    (
        "unknown outcome",
        rules.input_identification,
        (STD, IdentificationInput(selected_lo_ids=["DC1", "XX"])),
        None,
        Refusal.invalid,
    ),
    (
        "outcome twice",
        rules.input_identification,
        (STD, IdentificationInput(selected_lo_ids=["DC1", "DC1"])),
        None,
        Refusal.invalid,
    ),
    (
        "not all when whole",
        rules.input_identification,
        (WHOLE, IdentificationInput(selected_lo_ids=["DC1"])),
        None,
        Refusal.invalid,
    ),
    (
        "milestones out of order",
        rules.input_identification,
        (
            STD,
            IdentificationInput(
                selected_lo_ids=LOS,
                milestones=[
                    Milestone(what="b", due=date(2027, 2, 1)),
                    Milestone(what="a", due=date(2027, 1, 1)),
                ],
            ),
        ),
        None,
        Refusal.invalid,
    ),
    (
        "self-assessment off plan",
        rules.input_identification,
        (STD, IdentificationInput(selected_lo_ids=["DC1"], self_assessment={"DC2": 3})),
        None,
        Refusal.invalid,
    ),
    # counselling
    ("counsels", rules.check_counselling, (COUNSELLOR, COUNSEL), state(), OK),
    (
        "candidate cannot counsel",
        rules.check_counselling,
        (CANDIDATE, COUNSEL),
        state(),
        Refusal.forbidden,
    ),
    (
        "counselling in assessment",
        rules.check_counselling,
        (COUNSELLOR, COUNSEL),
        state(Stage.assessment),
        Refusal.wrong_stage,
    ),
    (
        "counselling cap",
        rules.check_counselling,
        (COUNSELLOR, COUNSEL),
        state(counselling=counselled().counselling * rules.MAX_REPEATS),
        Refusal.invalid,
    ),
    (
        "counselling room full",
        rules.check_counselling,
        (COUNSELLOR, COUNSEL),
        state(extras_bytes=rules.EXTRAS_MAX_BYTES),
        Refusal.invalid,
    ),
    (
        "unbounded before the patch",
        rules.check_counselling,
        (COUNSELLOR, COUNSEL),
        state(extras_bytes=rules.EXTRAS_MAX_BYTES, bounded=False),
        OK,
    ),
    (
        "answers every prerequisite",
        rules.input_counselling,
        (STD, COUNSEL.model_copy(update={"prerequisites_met": []})),
        None,
        Refusal.invalid,
    ),
    # documentation
    (
        "removes a piece of evidence before submitting",
        rules.check_evidence_removal,
        (CANDIDATE, "e1"),
        state(Stage.documentation, evidence=[evidence("e1")]),
        OK,
    ),
    (
        "removes someone else's evidence",
        rules.check_evidence_removal,
        (COUNSELLOR, "e1"),
        state(Stage.documentation, evidence=[evidence("e1")]),
        Refusal.forbidden,
    ),
    (
        "removes evidence the portfolio does not hold",
        rules.check_evidence_removal,
        (CANDIDATE, "e2"),
        state(Stage.documentation, evidence=[evidence("e1")]),
        Refusal.invalid,
    ),
    (
        "removes evidence after submitting",
        rules.check_evidence_removal,
        (CANDIDATE, "e1"),
        state(Stage.documentation, evidence=[evidence("e1")], submitted=True),
        Refusal.wrong_stage,
    ),
    (
        "removes evidence in assessment",
        rules.check_evidence_removal,
        (CANDIDATE, "e1"),
        state(Stage.assessment, evidence=[evidence("e1")]),
        Refusal.wrong_stage,
    ),
    (
        "adds evidence",
        rules.check_evidence,
        (CANDIDATE, evidence()),
        state(Stage.documentation),
        OK,
    ),
    (
        "someone else's evidence",
        rules.check_evidence,
        (COUNSELLOR, evidence()),
        state(Stage.documentation),
        Refusal.forbidden,
    ),
    (
        "evidence off plan",
        rules.check_evidence,
        (CANDIDATE, evidence(los=["DC1"])),
        state(Stage.documentation, selected_lo_ids=["DC2"]),
        Refusal.invalid,
    ),
    (
        "same evidence twice",
        rules.check_evidence,
        (CANDIDATE, evidence()),
        state(Stage.documentation, evidence=[evidence()]),
        Refusal.invalid,
    ),
    (
        "evidence after submission",
        rules.check_evidence,
        (CANDIDATE, evidence()),
        state(Stage.assessment),
        Refusal.wrong_stage,
    ),
    (
        "evidence cap",
        rules.check_evidence,
        (CANDIDATE, evidence("new")),
        state(Stage.documentation, evidence=[evidence(f"e{i}") for i in range(rules.MAX_EVIDENCE)]),
        Refusal.invalid,
    ),
    (
        "outcome named twice",
        rules.input_evidence,
        ("c1", evidence(los=["DC1", "DC1"])),
        None,
        Refusal.invalid,
    ),
    ("another case's file", rules.input_evidence, ("c2", evidence()), None, Refusal.invalid),
    (
        "submits",
        rules.check_submission,
        (CANDIDATE,),
        state(Stage.documentation, evidence=[evidence()]),
        OK,
    ),
    (
        "uncovered outcomes",
        rules.check_submission,
        (CANDIDATE,),
        state(Stage.documentation, evidence=[evidence(los=["DC1"])]),
        Refusal.invalid,
    ),
    (
        "changes requested",
        rules.check_submission,
        (CANDIDATE,),
        state(
            Stage.documentation,
            evidence=[evidence()],
            reviews=[
                ReviewRecord(
                    verdict="changes-requested",
                    comments=["x"],
                    counsellor_id="coun",
                    at=NOW,
                    evidence_count=1,
                )
            ],
        ),
        Refusal.invalid,
    ),
    (
        "reviews",
        rules.check_review,
        (COUNSELLOR, REVIEW),
        state(Stage.documentation, counsellor_id="coun"),
        OK,
    ),
    (
        "another counsellor reviews",
        rules.check_review,
        (OTHER_COUNSELLOR, REVIEW),
        state(Stage.documentation, counsellor_id="coun"),
        Refusal.forbidden,
    ),
    (
        "review after submission",
        rules.check_review,
        (COUNSELLOR, REVIEW),
        state(Stage.documentation, submitted=True),
        Refusal.wrong_stage,
    ),
    # assessment
    (
        "assigns a panel",
        rules.check_panel,
        (STD, ADMIN, PANEL, "coun"),
        state(Stage.documentation),
        OK,
    ),
    (
        "counsellor on the panel",
        rules.check_panel,
        (STD, ADMIN, PanelInput(assessor_ids=["coun", "a2"], supervisor_id="sup"), "coun"),
        state(Stage.documentation),
        Refusal.invalid,
    ),
    (
        "declared conflict",
        rules.check_panel,
        (STD, ADMIN, PANEL, None),
        state(
            Stage.documentation, conflicts=[{"user_id": "a1", "reason": "r", "declared_by": "a1"}]
        ),
        Refusal.invalid,
    ),
    (
        "first panel on appeal",
        rules.check_panel,
        (STD, ADMIN, PANEL, None),
        panel_state(appealed=True, first_panel=["a1"]),
        Refusal.invalid,
    ),
    (
        "panel after decisions",
        rules.check_panel,
        (STD, ADMIN, PANEL, None),
        panel_state(decisions=[decided("a1")]),
        Refusal.wrong_stage,
    ),
    (
        "assessor assigns",
        rules.check_panel,
        (STD, A1, PANEL, None),
        state(Stage.documentation),
        Refusal.forbidden,
    ),
    (
        "panel cap",
        rules.check_panel,
        (STD, ADMIN, PANEL, None),
        state(Stage.documentation, panels_assigned=rules.MAX_REPEATS),
        Refusal.invalid,
    ),
    (
        "panel too small",
        rules.input_panel,
        (STD, PanelInput(assessor_ids=["a1"], supervisor_id="sup")),
        None,
        Refusal.invalid,
    ),
    (
        "assessor twice",
        rules.input_panel,
        (STD, PanelInput(assessor_ids=["a1", "a1"], supervisor_id="sup")),
        None,
        Refusal.invalid,
    ),
    (
        "panel too large",
        rules.input_panel,
        (
            STD,
            PanelInput(
                assessor_ids=[f"a{i}" for i in range(rules.MAX_PANEL + 1)], supervisor_id="sup"
            ),
        ),
        None,
        Refusal.invalid,
    ),
    (
        "chair off the panel",
        rules.input_panel,
        (STD, PanelInput(assessor_ids=["a1", "a2"], supervisor_id="sup", chair_id="a3")),
        None,
        Refusal.invalid,
    ),
    (
        "no supervisor",
        rules.input_panel,
        (STD, PanelInput(assessor_ids=["a1", "a2"])),
        None,
        Refusal.invalid,
    ),
    ("verifies identity", rules.check_identity, (SUPERVISOR, ONLINE), panel_state(), OK),
    ("not the supervisor", rules.check_identity, (A1, ONLINE), panel_state(), Refusal.forbidden),
    (
        "identity after decisions",
        rules.check_identity,
        (SUPERVISOR, ONLINE),
        panel_state(decisions=[decided("a1")]),
        Refusal.wrong_stage,
    ),
    (
        "identity cap",
        rules.check_identity,
        (SUPERVISOR, ONLINE),
        panel_state(identity_checks=rules.MAX_REPEATS),
        Refusal.invalid,
    ),
    ("online for onsite", rules.input_identity, ("c1", ONSITE, ONLINE), None, Refusal.invalid),
    (
        "onsite for onsite",
        rules.input_identity,
        ("c1", ONSITE, ONLINE.model_copy(update={"method": "onsite"})),
        None,
        OK,
    ),
    (
        "another case's photo",
        rules.input_identity,
        (
            "c1",
            STD,
            ONLINE.model_copy(
                update={"photo": PhotoRef(object_key="cases/c2/identity/x", sha256=SHA)}
            ),
        ),
        None,
        Refusal.invalid,
    ),
    ("schedules", rules.check_session, (ADMIN, SESSION), panel_state(), OK),
    (
        "session off plan",
        rules.check_session,
        (ADMIN, SESSION),
        panel_state(selected_lo_ids=["DC2"]),
        Refusal.invalid,
    ),
    (
        "place and link",
        rules.input_session,
        (STD, SESSION.model_copy(update={"place": "Room 1"})),
        None,
        Refusal.invalid,
    ),
    ("decides", rules.check_decision, (STD, A1, DECISION), panel_state(**VERIFIED), OK),
    (
        "changes a saved decision while another assessor decides",
        rules.check_revision,
        (STD, A1, DECISION),
        panel_state(**VERIFIED, decisions=[decided("a1", achieved=False)]),
        OK,
    ),
    (
        "changes before deciding",
        rules.check_revision,
        (STD, A1, DECISION),
        panel_state(**VERIFIED),
        Refusal.invalid,
    ),
    (
        "changes after every assessor decided (a disagreement)",
        rules.check_revision,
        (STD, A1, DECISION),
        panel_state(
            **VERIFIED, decisions=[decided("a1"), decided("a2", False)], disputed_lo_ids=LOS
        ),
        Refusal.wrong_stage,
    ),
    (
        "changes after the result",
        rules.check_revision,
        (STD, A1, DECISION),
        panel_state(**PENDING),
        Refusal.wrong_stage,
    ),
    (
        "changes another's",
        rules.check_revision,
        (STD, OUTSIDER, DECISION),
        panel_state(**VERIFIED, decisions=[decided("a1")]),
        Refusal.forbidden,
    ),
    (
        "changes to leave an outcome out",
        rules.check_revision,
        (STD, A1, DECISION.model_copy(update={"decisions": DECISION.decisions[:1]})),
        panel_state(**VERIFIED, decisions=[decided("a1")]),
        Refusal.invalid,
    ),
    (
        "identity first",
        rules.check_decision,
        (STD, A1, DECISION),
        panel_state(),
        Refusal.wrong_stage,
    ),
    (
        "not on the panel",
        rules.check_decision,
        (STD, OUTSIDER, DECISION),
        panel_state(**VERIFIED),
        Refusal.forbidden,
    ),
    (
        "decides twice",
        rules.check_decision,
        (STD, A1, DECISION),
        panel_state(**VERIFIED, decisions=[decided("a1")]),
        Refusal.invalid,
    ),
    (
        "panel short",
        rules.check_decision,
        (STD, A1, DECISION),
        panel_state(**VERIFIED, assessor_ids=["a1"]),
        Refusal.wrong_stage,
    ),
    (
        "an outcome missing",
        rules.check_decision,
        (STD, A1, DECISION.model_copy(update={"decisions": DECISION.decisions[:1]})),
        panel_state(**VERIFIED),
        Refusal.invalid,
    ),
    (
        "unknown evidence",
        rules.check_decision,
        (
            STD,
            A1,
            DecisionInput(
                decisions=[
                    LODecision(lo_id=lo, achieved=True, rationale="r", evidence_ids=["nope"])
                    for lo in LOS
                ]
            ),
        ),
        panel_state(**VERIFIED),
        Refusal.invalid,
    ),
    (
        "decided twice in one step",
        rules.input_decision,
        (DecisionInput(decisions=DECISION.decisions[:1] * 2),),
        None,
        Refusal.invalid,
    ),
    (
        "chair resolves",
        rules.check_resolution,
        (A1, ChairResolution(decisions=[LODecision(lo_id="DC1", achieved=True, rationale="r")])),
        panel_state(disputed_lo_ids=["DC1"]),
        OK,
    ),
    (
        "not the chair",
        rules.check_resolution,
        (A2, ChairResolution(decisions=[LODecision(lo_id="DC1", achieved=True, rationale="r")])),
        panel_state(disputed_lo_ids=["DC1"]),
        Refusal.forbidden,
    ),
    (
        "nothing to resolve",
        rules.check_resolution,
        (A1, ChairResolution(decisions=[LODecision(lo_id="DC1", achieved=True, rationale="r")])),
        panel_state(),
        Refusal.wrong_stage,
    ),
    (
        "resolves the wrong outcome",
        rules.check_resolution,
        (A1, ChairResolution(decisions=[LODecision(lo_id="DC2", achieved=True, rationale="r")])),
        panel_state(disputed_lo_ids=["DC1"]),
        Refusal.invalid,
    ),
    ("declares", rules.check_conflict, (A1, CONFLICT), panel_state(), OK),
    (
        "declares for another",
        rules.check_conflict,
        (A1, CONFLICT.model_copy(update={"user_id": "a2"})),
        panel_state(),
        Refusal.forbidden,
    ),
    (
        "after deciding",
        rules.check_conflict,
        (A1, CONFLICT),
        panel_state(decisions=[decided("a1")]),
        Refusal.wrong_stage,
    ),
    (
        "declared twice",
        rules.check_conflict,
        (A1, CONFLICT),
        panel_state(conflicts=[{"user_id": "a1", "reason": "r", "declared_by": "a1"}]),
        Refusal.invalid,
    ),
    # the result
    ("appeals", rules.check_appeal, (CANDIDATE, NOW), panel_state(**PENDING), OK),
    (
        "appeal after the window",
        rules.check_appeal,
        (CANDIDATE, NOW + timedelta(days=15)),
        panel_state(**PENDING),
        Refusal.wrong_stage,
    ),
    (
        "second appeal",
        rules.check_appeal,
        (CANDIDATE, NOW),
        panel_state(**PENDING, appealed=True),
        Refusal.wrong_stage,
    ),
    (
        "someone else appeals",
        rules.check_appeal,
        (ADMIN, NOW),
        panel_state(**PENDING),
        Refusal.forbidden,
    ),
    ("accepts", rules.check_acceptance, (CANDIDATE,), panel_state(**PENDING), OK),
    ("nothing to accept", rules.check_acceptance, (CANDIDATE,), panel_state(), Refusal.wrong_stage),
    ("certifies", rules.check_certification, (ADMIN,), state(Stage.certification), OK),
    (
        "assessor certifies",
        rules.check_certification,
        (A1,),
        state(Stage.certification),
        Refusal.forbidden,
    ),
    (
        "certifies early",
        rules.check_certification,
        (ADMIN,),
        panel_state(**PENDING),
        Refusal.wrong_stage,
    ),
    # funding (cases since "funding"): asked by the candidate before assessment, decided
    # by a funder, required before the portfolio goes to assessment when the centre says so
    ("asks for funding", rules.check_funding_request, (CANDIDATE, FUND), state(), OK),
    ("asks for someone", rules.check_funding_request, (ADMIN, FUND), state(), Refusal.forbidden),
    ("sources short", rules.check_funding_request, (CANDIDATE, SHORT), state(), Refusal.invalid),
    ("two units", rules.check_funding_request, (CANDIDATE, MIXED), state(), Refusal.invalid),
    (
        "asks while pending",
        rules.check_funding_request,
        (CANDIDATE, FUND),
        funded("pending"),
        Refusal.wrong_stage,
    ),
    (
        "asks again after refusal",
        rules.check_funding_request,
        (CANDIDATE, FUND),
        funded("refused"),
        OK,
    ),
    (
        "asks in assessment",
        rules.check_funding_request,
        (CANDIDATE, FUND),
        state(Stage.assessment),
        Refusal.wrong_stage,
    ),
    ("funder approves", rules.check_funding_decision, (FUNDER, APPROVE), funded("pending"), OK),
    (
        "admin decides funding",
        rules.check_funding_decision,
        (ADMIN, APPROVE),
        funded("pending"),
        Refusal.forbidden,
    ),
    (
        "decides another programme",
        rules.check_funding_decision,
        (FUNDER, OTHER_PROGRAMME),
        funded("pending"),
        Refusal.invalid,
    ),
    (
        "decides twice",
        rules.check_funding_decision,
        (FUNDER, APPROVE),
        funded("approved"),
        Refusal.wrong_stage,
    ),
    ("submits funded", rules.check_submission, (CANDIDATE,), funded("approved"), OK),
    ("submits unfunded", rules.check_submission, (CANDIDATE,), funded("none"), Refusal.invalid),
    ("submits pending", rules.check_submission, (CANDIDATE,), funded("pending"), Refusal.invalid),
    ("submits refused", rules.check_submission, (CANDIDATE,), funded("refused"), Refusal.invalid),
    # any stage
    ("withdraws", rules.check_withdrawal, (CANDIDATE,), state(), OK),
    ("withdraws for someone", rules.check_withdrawal, (ADMIN,), state(), Refusal.forbidden),
    (
        "withdraws twice",
        rules.check_withdrawal,
        (CANDIDATE,),
        state(status=CaseState.withdrawn),
        Refusal.wrong_stage,
    ),
    ("extends", rules.check_extension, (ADMIN, EXTEND), state(), OK),
    ("candidate extends", rules.check_extension, (CANDIDATE, EXTEND), state(), Refusal.forbidden),
    (
        "extension cap",
        rules.check_extension,
        (ADMIN, EXTEND),
        state(extensions=rules.MAX_EXTENSIONS),
        Refusal.invalid,
    ),
    (
        "extends a closed case",
        rules.check_extension,
        (ADMIN, EXTEND),
        state(status=CaseState.expired),
        Refusal.wrong_stage,
    ),
    # every step's size
    (
        "a step too large",
        rules.input_size,
        (REVIEW.model_copy(update={"comments": ["x" * 4000] * 20}),),
        None,
        Refusal.invalid,
    ),
]


@pytest.mark.parametrize("name, rule, args, case, refusal", ROWS, ids=[r[0] for r in ROWS])
def test_rule(
    name: str,
    rule: Callable[..., None],
    args: tuple[Any, ...],
    case: CaseStatus | None,
    refusal: Refusal | None,
) -> None:
    call = (lambda: rule(case, *args)) if case is not None else (lambda: rule(*args))
    if refusal is None:
        call()
        return
    with pytest.raises(RuleBroken) as err:
        call()
    assert err.value.refusal == refusal, err.value.message
    assert err.value.message  # a reason a person can read


def test_every_rule_has_a_row() -> None:
    tested = {r[1].__name__ for r in ROWS}
    every = {n for n in vars(rules) if n.startswith(("check_", "input_"))}
    assert every - tested == {"check_extras"}  # tested through the rules that call it
