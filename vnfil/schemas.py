"""Pydantic contracts: what crosses the API, Temporal and the stores.

These are the only types workflows, activities and routes exchange, so each is
serialisable by ``pydantic_data_converter`` and free of I/O.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

from vnfil.models import Role, Stage
from vnfil.netguard import WebhookUrl
from vnfil.text import (
    CRITERIA_MAX,
    IDS_MAX,
    ITEMS_MAX,
    LOS_MAX,
    TITLE_MAX,
    Criterion,
    Id,
    NonBlankLine,
    Note,
    OptionalLine,
    PlanText,
    Rationale,
    Reason,
    Statement,
    printable_line,
)

Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
NonBlank = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
# A person's name: as long as the column that keeps it (PostgreSQL refuses longer).
PersonName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    AfterValidator(printable_line),
]


class SupervisionLevel(StrEnum):
    """The four values of the EU 2022 optional element."""

    unsupervised_no_id = "unsupervised-no-identity-verification"
    supervised_no_id = "supervised-no-identity-verification"
    supervised_online_id = "supervised-online-identity-verification"
    onsite_id = "onsite-identity-verification"


class LOType(StrEnum):
    knowledge = "knowledge"
    skill = "skill"
    responsibility_autonomy = "responsibility-autonomy"


class AssessmentMethod(StrEnum):
    portfolio_review = "portfolio-review"
    interview = "interview"
    observation = "observation"
    practical_test = "practical-test"
    written_test = "written-test"
    simulation = "simulation"


class Result(StrEnum):
    full = "full"
    partial = "partial"
    not_validated = "not-validated"


# --- standards -------------------------------------------------------------


class LearningOutcome(BaseModel):
    """One learning outcome: a knowledge, skill or responsibility-and-autonomy statement."""

    model_config = ConfigDict(extra="forbid")
    id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._-]{1,40}$")]
    set: NonBlankLine = Field(description="the set (unit) of learning outcomes it belongs to")
    type: LOType
    statement: Statement
    criteria: list[Criterion] = Field(
        min_length=1, max_length=CRITERIA_MAX, description="assessment criteria"
    )
    methods: list[AssessmentMethod] = Field(
        min_length=1, description="methods allowed to assess it"
    )

    @field_validator("methods", mode="before")
    @classmethod
    def _spaced_methods(cls, v: object) -> object:
        # "practical test" and "practical-test" are the same method.
        if isinstance(v, list):
            return [m.strip().lower().replace(" ", "-") if isinstance(m, str) else m for m in v]
        return v


class StageDeadlines(BaseModel):
    """Days each stage may take before reminders and, in the end, expiry."""

    model_config = ConfigDict(extra="forbid")
    identification: int = Field(default=30, ge=1, le=3650)
    documentation: int = Field(default=60, ge=1, le=3650)
    assessment: int = Field(default=45, ge=1, le=3650)
    certification: int = Field(default=14, ge=1, le=3650)


# Numbers in a standard: what their columns hold (``version`` is an INTEGER) and what a
# signed credential can carry (JCS numbers); 2**70 is a 422, never a 500.
INT_MAX = 2**31 - 1
WORKLOAD_HOURS_MAX = 100_000  # a full doctorate is some 10,000 hours
ECTS_MAX = 1000
# A BCP 47 language tag ("en", "pl", "pt-BR").
LanguageTag = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{1,8}){0,4}$")]


class StandardDocument(BaseModel):
    """A standard version as published by its awarding body (see docs/standards.md)."""

    model_config = ConfigDict(extra="forbid")
    code: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{1,99}$")]
    version: int = Field(ge=1, le=INT_MAX)
    title: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=TITLE_MAX),
        AfterValidator(printable_line),
    ]
    description: Note
    language: LanguageTag = "en"
    eqf_level: int | None = Field(default=None, ge=1, le=8)
    national_level: NonBlankLine | None = None
    workload_hours: int = Field(ge=1, le=WORKLOAD_HOURS_MAX)
    ects: float | None = Field(default=None, ge=0, le=ECTS_MAX, allow_inf_nan=False)
    prerequisites: list[Statement] = Field(default=[], max_length=CRITERIA_MAX)
    assessment_type: Note
    form_of_participation: Literal["online", "onsite", "blended"]
    quality_assurance: Note
    supervision: SupervisionLevel
    min_panel_size: int = Field(default=2, ge=1, le=15)
    deadlines: StageDeadlines = StageDeadlines()
    appeal_window_days: int = Field(default=14, ge=0, le=365)
    partial_allowed: bool = True
    stackability: Note = "stand-alone"
    # Years a credential stays valid (its validUntil); none means it does not expire.
    validity_years: int | None = Field(default=None, ge=1, le=50)
    learning_outcomes: list[LearningOutcome] = Field(min_length=1, max_length=LOS_MAX)

    @field_validator("learning_outcomes")
    @classmethod
    def _unique_ids(cls, los: list[LearningOutcome]) -> list[LearningOutcome]:
        ids = [lo.id for lo in los]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate learning outcome ids: {', '.join(dupes)}")
        return los

    @property
    def requires_identity_check(self) -> bool:
        return self.supervision in (
            SupervisionLevel.supervised_online_id,
            SupervisionLevel.onsite_id,
        )


class Issuer(BaseModel):
    id: str
    name: str
    country: str
    url: str | None = None


class StandardSnapshot(BaseModel):
    """What a case carries of its standard: the exact version it started on."""

    standard_id: str
    issuer: Issuer
    document: StandardDocument


class StandardRead(BaseModel):
    id: str
    code: str
    version: int
    title: str
    awarding_body_id: str
    document: StandardDocument


# --- people -----------------------------------------------------------------


class Actor(BaseModel):
    """Who performs a human step; set by the API from the bearer token, never by the body."""

    user_id: str
    role: Role
    name: str = ""


class CandidateRef(BaseModel):
    id: str
    name: str
    email: str


class UserRegister(BaseModel):
    name: PersonName
    email: Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=320)]
    # For web sign-in; API clients use the token they get back.
    password: Annotated[str, StringConstraints(min_length=10, max_length=200)] | None = None


class UserCreate(BaseModel):
    name: PersonName
    email: Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=320)]
    role: Role


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    name: str
    email: str
    role: Role
    centre_id: str | None
    awarding_body_id: str | None


class UserWithToken(UserRead):
    token: str


# --- workflow contracts -------------------------------------------------------


class CaseInput(BaseModel):
    case_id: str
    centre_id: str
    candidate: CandidateRef
    counsellor_id: str | None = None
    standard: StandardSnapshot


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


class EvidenceKind(StrEnum):
    certificate = "certificate"
    work_sample = "work-sample"
    reference = "reference"
    media = "media"
    self_description = "self-description"
    other = "other"


class EvidenceRef(BaseModel):
    """Evidence moves by reference: object key and digest, never bytes."""

    evidence_id: Id
    object_key: Annotated[str, StringConstraints(min_length=1, max_length=300)]
    sha256: Sha256
    size: int = Field(gt=0)
    filename: Annotated[str, StringConstraints(max_length=255)]
    media_type: Annotated[str, StringConstraints(max_length=255)]
    kind: EvidenceKind
    lo_ids: list[Id] = Field(min_length=1, max_length=IDS_MAX)


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


class CaseStatus(BaseModel):
    case_id: str
    centre_id: str
    standard_id: str
    candidate_id: str
    stage: Stage
    status: CaseState = CaseState.open
    counsellor_id: str | None = None
    # Prerequisites confirmed by a counsellor before identification (cases since eligibility).
    eligibility_required: bool = False
    # Repeatable steps are counted and capped (cases since "bounded-state").
    bounded: bool = False
    panels_assigned: int = 0
    identity_checks: int = 0
    extensions: int = 0
    extras_bytes: int = 0  # JSON bytes of the repeatable steps' notes and comments
    counselling: list[CounsellingRecord] = []
    reviews: list[ReviewRecord] = []
    closed_reason: str | None = None
    deadline: datetime | None = None
    reminders_sent: list[str] = []
    selected_lo_ids: list[str] = []
    evidence: list[EvidenceRef] = []
    submitted: bool = False
    manifest: list[dict[str, str]] = []
    assessor_ids: list[str] = []
    supervisor_id: str | None = None
    chair_id: str | None = None
    conflicts: list[dict[str, str]] = []
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
    credential_key: str | None = None


class CaseOutcome(BaseModel):
    """How a case ended: the workflow's result, small whatever the case's size (the full
    state stays queryable; a result over Temporal's 2 MiB payload limit would wedge it)."""

    case_id: str
    stage: Stage
    status: CaseState
    result: Result | None = None
    achieved_lo_ids: list[str] = []
    credential_id: str | None = None
    closed_reason: str | None = None


class StepDone(BaseModel):
    """What a human step answers (the API then reads the case's view for the caller)."""

    case_id: str
    stage: Stage
    status: CaseState


# --- activity contracts -------------------------------------------------------


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
    "deadline-reminder", "case-expired", "case-withdrawn", "deadline-extended", "appeal-lodged"
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


class EvidenceRecordInput(BaseModel):
    case_id: str
    evidence: EvidenceRef
    uploaded_by: str
    at: datetime


class AssignmentInput(BaseModel):
    case_id: str
    assessor_ids: list[str]
    supervisor_id: str | None


class CredentialInput(BaseModel):
    credential_id: str
    case_id: str
    candidate: CandidateRef
    standard: StandardSnapshot
    result: Result
    achieved_lo_ids: list[str]
    identity: IdentityRecord | None
    evidence: list[EvidenceRef]
    grade: str | None
    issued_at: datetime
    certified_by: Actor


class CredentialRef(BaseModel):
    credential_id: str
    object_key: str
    sha256: Sha256


# --- API reads ----------------------------------------------------------------


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


class EvidenceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    case_id: str
    filename: str
    media_type: str
    size: int
    sha256: str
    kind: str
    lo_ids: list[str]
    created_at: datetime


class CredentialRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    case_id: str
    standard_id: str
    awarding_body_id: str
    sha256: str
    issued_at: datetime
    document: dict[str, Any]


class NotificationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    case_id: str
    template: str
    subject: str
    body: str
    created_at: datetime
    sent_at: datetime | None


# --- credentials: verification, revocation; events to issuers ----------------------


class Check(BaseModel):
    """One verification check: malformed, issuer, signature, expiry or status."""

    name: Literal["malformed", "issuer", "signature", "expiry", "status"]
    ok: bool
    detail: str


class VerificationResult(BaseModel):
    verified: bool
    failed: str | None = None  # the first check that failed
    credential_id: str | None = None
    issuer: str | None = None
    checks: list[Check]


class RevocationInput(BaseModel):
    reason: Reason


class RevocationRequest(BaseModel):
    credential_id: Id
    reason: Reason
    actor: Actor
    at: datetime


class RevocationRef(BaseModel):
    credential_id: str
    revoked_at: datetime
    status_list_url: str


class DeliveryInput(BaseModel):
    event_id: str
    subscription_id: str
    retry_hours: float


class DeliveryOutcome(BaseModel):
    delivered: bool
    attempts: int
    status_code: int | None = None
    detail: str = ""


EventType = Literal[
    "case.stage_changed", "case.certified", "credential.issued", "credential.revoked"
]


class SubscriptionCreate(BaseModel):
    """Where the target may be is checked by the route (``vnfil.netguard``): it resolves names."""

    url: WebhookUrl
    event_types: list[EventType] = Field(
        default=[], max_length=ITEMS_MAX, description="none: every type"
    )


class SubscriptionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    awarding_body_id: str
    url: str
    event_types: list[str]
    active: bool
    created_at: datetime


class SubscriptionSecret(SubscriptionRead):
    """Shown once, when created or rotated: the secret to verify signatures with."""

    secret: str
    previous_secret_expires_at: datetime | None = None


class DeliveryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    event_id: str
    subscription_id: str
    attempt: int
    at: datetime
    ok: bool
    status_code: int | None
    latency_ms: float
    error: str | None


# --- accounts ---------------------------------------------------------------------

Password = Annotated[str, StringConstraints(min_length=10, max_length=200)]
# An address as typed: one printable line (a NUL would make PostgreSQL refuse the query).
EmailAddress = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=320),
    AfterValidator(printable_line),
]


class LoginInput(BaseModel):
    email: EmailAddress
    password: Annotated[str, StringConstraints(max_length=200)]
    membership_id: Annotated[str, StringConstraints(max_length=64)] | None = None


class MembershipRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    role: Role
    centre_id: str | None
    awarding_body_id: str | None


class SessionRead(BaseModel):
    """The signed-in person, the membership they act in and the CSRF token for writes."""

    user: UserRead
    membership: MembershipRead
    memberships: list[MembershipRead]
    csrf_token: str


class MembershipSwitch(BaseModel):
    membership_id: str


class PasswordChange(BaseModel):
    current_password: str | None = None
    new_password: Password


class InvitationCreate(BaseModel):
    email: Annotated[EmailAddress, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    role: Role


class InvitationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    email: str
    role: Role
    centre_id: str
    expires_at: datetime
    accepted_at: datetime | None


class InvitationAcceptance(BaseModel):
    """A newcomer gives a name and a password; someone with an account, their password.
    (The token is e-mailed to the invited address only; the inviter never receives it.)"""

    name: PersonName | None = None
    password: Password


class SessionPurgeInput(BaseModel):
    """The hourly purge of expired web sessions (``SessionPurge``), in batches."""

    batch_size: int = Field(default=1000, ge=1, le=10_000)


class SessionPurgeReport(BaseModel):
    sessions_removed: int
    attempts_removed: int  # sign-in throttle rows whose window had ended


class MeRead(UserRead):
    membership_id: str
    memberships: list[MembershipRead]


class SweepInput(BaseModel):
    grace_seconds: int = Field(default=3600, ge=0)
    dry_run: bool = False


class SweepReport(BaseModel):
    removed: list[str]
    looked_at: int
    dry_run: bool
    # Multipart uploads begun before the grace period and never completed (API killed).
    aborted_uploads: list[str] = Field(default_factory=list)
