"""Contracts of cases: stages, the workflow's inputs and state, its activities'
inputs, and the API's reads of cases.

Everything here crosses Temporal: field names and shapes are part of every recorded
history (``tests/histories``) and change only compatibly.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from vnfil.accounts.schemas import Actor, CandidateRef
from vnfil.evidence.schemas import EvidenceRef
from vnfil.platform.text import (
    IDS_MAX,
    ITEMS_MAX,
    Id,
    NonBlankLine,
    Note,
    OptionalLine,
    PlanText,
    Rationale,
    Reason,
    Sha256,
)
from vnfil.standards.schemas import AssessmentMethod, StandardSnapshot, SupervisionLevel
from vnfil.standards.units import OutcomePlan


class Stage(StrEnum):
    identification = "identification"
    documentation = "documentation"
    assessment = "assessment"
    certification = "certification"
    completed = "completed"


class Result(StrEnum):
    full = "full"
    partial = "partial"
    not_validated = "not-validated"


class CaseInput(BaseModel):
    case_id: str
    centre_id: str
    candidate: CandidateRef
    counsellor_id: str | None = None
    standard: StandardSnapshot
    # The centre requires the case's funding approved before assessment (its price says so).
    funding_required: bool = False


FundingKind = Literal["account", "programme", "self"]
SourceStatus = Literal["held", "pending", "approved", "refused", "settled", "released"]


class FundingSource(BaseModel):
    """One source paying part of a case's fee, as reserved in the ledger by the API:
    the person's learning account (held), a programme (committed: pending the funder's
    decision, or approved by its rules), or the candidate paying the centre themselves."""

    kind: FundingKind
    amount: Annotated[int, Field(gt=0, le=10_000_000_000)]
    unit: Annotated[str, StringConstraints(pattern=r"^(?:[A-Z]{3}|HOURS)$")]
    key: Annotated[str, StringConstraints(min_length=1, max_length=200)]  # its ledger movement
    programme_id: str | None = None
    funder_id: str | None = None
    status: SourceStatus
    # Whether it pays the centre for the stages completed when the case ends without a
    # credential (a programme's rule; the learning account's part always does).
    pays_stages: bool = True
    paid: int = 0  # what it paid the centre when the case ended


class FundingInput(BaseModel):
    """``request_funding``: the sources reserved for the fee, and when funders must decide."""

    sources: Annotated[list[FundingSource], Field(min_length=1, max_length=10)]
    fee: Annotated[int, Field(gt=0)]
    decide_by: datetime | None = None
    # The fee of each stage, when the centre's price is per stage.
    stage_fees: dict[str, int] = {}


class FundingDecisionInput(BaseModel):
    programme_id: str
    approve: bool
    reason: Annotated[str, StringConstraints(min_length=1, max_length=500)]


class FundingState(BaseModel):
    """Who pays for the case (cases since "funding"): its current request's sources, and
    where it stands: pending a funder, approved, refused, settled to the centre at
    certification, or released when the case ended without one."""

    required: bool = False
    requests: int = 0
    status: Literal["none", "pending", "approved", "refused", "settled", "released"] = "none"
    sources: list[FundingSource] = []
    fee: int = 0
    stage_fees: dict[str, int] = {}
    decide_by: datetime | None = None
    reason: str | None = None


class FundingRecordInput(BaseModel):
    case_id: str
    sources: list[FundingSource]
    decide_by: datetime | None = None
    reason: str | None = None
    at: datetime


class FundingMoveInput(BaseModel):
    """Release or settle a case's reserved sources (``activities/funding.py``)."""

    case_id: str
    candidate_id: str
    centre_id: str
    sources: list[FundingSource]
    at: datetime
    reason: str = ""
    pay: dict[str, int] = {}  # by source key: what goes to the centre before the rest returns


class CounsellingInput(BaseModel):
    """A counselling session: how it went, and which prerequisites the counsellor confirmed."""

    held_on: date
    mode: Literal["onsite", "online", "phone"]
    notes: Note
    prerequisites_met: list[bool] = Field(
        default=[],
        max_length=ITEMS_MAX,
        description="one answer per prerequisite of the standard, in its order",
    )


class CounsellingRecord(CounsellingInput):
    counsellor_id: str
    at: datetime


class ReviewInput(BaseModel):
    """The counsellor's review of the portfolio before submission."""

    verdict: Literal["ready", "changes-requested"]
    comments: list[Note] = Field(min_length=1, max_length=ITEMS_MAX)


class ReviewRecord(ReviewInput):
    counsellor_id: str
    at: datetime
    evidence_count: int


class Milestone(BaseModel):
    what: NonBlankLine
    due: date


class IdentificationInput(BaseModel):
    selected_lo_ids: list[Id] = Field(min_length=1, max_length=IDS_MAX)
    self_assessment: dict[Id, Annotated[int, Field(ge=1, le=5)]] = Field(
        default={}, max_length=IDS_MAX
    )
    plan: PlanText = ""
    milestones: list[Milestone] = Field(
        default=[], max_length=ITEMS_MAX, description="the plan's dated steps"
    )


class PanelInput(BaseModel):
    assessor_ids: list[Id] = Field(min_length=1, max_length=ITEMS_MAX)
    supervisor_id: Id | None = None
    chair_id: Id | None = Field(
        default=None, description="resolves disagreements; default: first assessor"
    )


class ConflictInput(BaseModel):
    """A declared conflict of interest; staff declare for themselves, the centre for anyone."""

    user_id: Id | None = None
    reason: Reason


class PhotoRef(BaseModel):
    """A photo taken at the identity check, stored in S3 (see POST /cases/{id}/identity/photo)."""

    object_key: Annotated[str, StringConstraints(min_length=1, max_length=300)]
    sha256: Sha256


class IdentityCheckInput(BaseModel):
    method: Literal["onsite", "online"]
    document_type: Literal["id-card", "passport", "residence-permit", "driving-licence"]
    result: Literal["verified", "failed"]
    note: OptionalLine = ""
    photo: PhotoRef | None = None


class SessionInput(BaseModel):
    """An assessment session: one method, at a time, in a place or online."""

    method: AssessmentMethod
    starts_at: datetime
    place: OptionalLine | None = None
    online_url: (
        Annotated[str, StringConstraints(pattern=r"^https://\S+$", max_length=500)] | None
    ) = None
    lo_ids: list[Id] = Field(min_length=1, max_length=IDS_MAX)


class AssessmentSession(SessionInput):
    session_id: str
    scheduled_by: str


class IdentityRecord(IdentityCheckInput):
    supervisor_id: str
    at: datetime

    @property
    def supervision_level(self) -> SupervisionLevel:
        if self.method == "onsite":
            return SupervisionLevel.onsite_id
        return SupervisionLevel.supervised_online_id


class LODecision(BaseModel):
    lo_id: Id
    achieved: bool
    rationale: Rationale
    evidence_ids: list[Id] = Field(default=[], max_length=IDS_MAX)


class ChairResolution(BaseModel):
    """The chair's decision on each outcome the assessors disagreed on."""

    decisions: list[LODecision] = Field(min_length=1, max_length=IDS_MAX)


class DecisionInput(BaseModel):
    decisions: list[LODecision] = Field(min_length=1, max_length=IDS_MAX)
    grade: NonBlankLine | None = None


class AssessorDecision(DecisionInput):
    assessor_id: str
    at: datetime


class CaseState(StrEnum):
    """Whether a case is still running, and how it ended."""

    open = "open"
    completed = "completed"
    withdrawn = "withdrawn"
    expired = "expired"


class AppealInput(BaseModel):
    reason: Reason


class WithdrawInput(BaseModel):
    reason: Reason


class ExtensionInput(BaseModel):
    days: int = Field(ge=1, le=365)
    reason: Reason


class IssuedUnit(BaseModel):
    unit_id: str
    credential_id: str


class CaseFacts(BaseModel):
    """What a case is, as both its workflow's state and every person's view of it hold it."""

    case_id: str
    centre_id: str
    standard_id: str
    candidate_id: str
    stage: Stage
    status: CaseState = CaseState.open
    counsellor_id: str | None = None
    # Prerequisites confirmed by a counsellor before identification (cases since eligibility).
    eligibility_required: bool = False
    funding: FundingState = FundingState()
    counselling: list[CounsellingRecord] = []
    reviews: list[ReviewRecord] = []
    closed_reason: str | None = None
    deadline: datetime | None = None
    selected_lo_ids: list[str] = []
    submitted: bool = False
    assessor_ids: list[str] = []
    supervisor_id: str | None = None
    chair_id: str | None = None
    sessions: list[AssessmentSession] = []
    disputed_lo_ids: list[str] = []
    chair_resolutions: list[LODecision] = []
    identity: IdentityRecord | None = None
    decisions: list[AssessorDecision] = []
    result: Result | None = None
    achieved_lo_ids: list[str] = []
    # A result becomes final when the candidate accepts it, the appeal window passes,
    # or the appeal panel decides; only a final result is certified.
    result_final: bool = False
    appeal_window_ends: datetime | None = None
    appealed: bool = False
    appeal_reason: str | None = None
    first_panel: list[str] = []
    first_decisions: list[AssessorDecision] = []
    first_result: Result | None = None
    credential_id: str | None = None
    # A standard with units (cases since "unit-credentials"): the credential of each unit
    # achieved, and, unless every outcome was, the plan of what is left.
    unit_credentials: list[IssuedUnit] = []
    plan: OutcomePlan | None = None


class CaseStatus(CaseFacts):
    """The workflow's own state: the facts, storage keys, and its bookkeeping. Private:
    the API answers ``vnfil.cases.view.view_of(state, ...)``, never this."""

    evidence: list[EvidenceRef] = []
    manifest: list[dict[str, str]] = []
    conflicts: list[dict[str, str]] = []
    credential_key: str | None = None
    reminders_sent: list[str] = []
    # Repeatable steps are counted and capped (cases since "bounded-state").
    bounded: bool = False
    panels_assigned: int = 0
    identity_checks: int = 0
    extensions: int = 0
    extras_bytes: int = 0  # JSON bytes of the repeatable steps' notes and comments


class CaseOutcome(BaseModel):
    """How a case ended: the workflow's result, small whatever the case's size (the full
    state stays queryable; a result over Temporal's 2 MiB payload limit would wedge it)."""

    case_id: str
    stage: Stage
    status: CaseState
    result: Result | None = None
    achieved_lo_ids: list[str] = []
    credential_id: str | None = None
    unit_credential_ids: list[str] = []
    closed_reason: str | None = None


class StepDone(BaseModel):
    """What a human step answers (the API then reads the case's view for the caller)."""

    case_id: str
    stage: Stage
    status: CaseState


class StageRecordInput(BaseModel):
    case_id: str
    stage: Stage
    next_stage: Stage
    status: CaseState | None = None
    deadline: datetime | None = None
    actor: Actor
    at: datetime
    inputs: dict[str, Any] = {}
    evidence: list[dict[str, str]] = []


class AuditInput(BaseModel):
    case_id: str
    seq: int
    at: datetime
    actor: Actor
    action: str
    details: dict[str, Any] = {}


MessageTemplate = Literal[
    "deadline-reminder",
    "case-expired",
    "case-withdrawn",
    "deadline-extended",
    "appeal-lodged",
    "panel-assigned",
    "session-scheduled",
    "result-ready",
    "credential-issued",
    "credential-revoked",
]


class NotificationInput(BaseModel):
    """A message to render into the outbox; ``key`` makes a retry write it once."""

    key: str
    case_id: str
    template: MessageTemplate
    audience: list[str]
    centre_admins_of: str | None = None
    context: dict[str, Any] = {}


class DeadlineInput(BaseModel):
    case_id: str
    deadline: datetime


class StageRecordRef(BaseModel):
    object_key: str
    sha256: Sha256


class AssignmentInput(BaseModel):
    case_id: str
    assessor_ids: list[str]
    supervisor_id: str | None


class CaseCreate(BaseModel):
    standard_id: Id
    centre_id: Id


class CaseRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    workflow_id: str
    centre_id: str
    standard_id: str
    candidate_id: str
    counsellor_id: str | None
    stage: Stage
    status: str
    deadline: datetime | None
    result: str | None
    created_at: datetime
    updated_at: datetime
