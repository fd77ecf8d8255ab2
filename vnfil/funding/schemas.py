"""What the API and the workflows say about learning accounts and entitlements."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from vnfil.accounts.schemas import EmailAddress
from vnfil.platform.text import printable_line

# A currency (ISO 4217, amounts in its minor unit) or HOURS (amounts in minutes).
Unit = Annotated[str, StringConstraints(pattern=r"^(?:[A-Z]{3}|HOURS)$")]
Reason = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=500),
    AfterValidator(printable_line),
]
# At most a hundred million in major units: far beyond any entitlement, well inside 64 bits.
Amount = Annotated[int, Field(gt=0, le=10_000_000_000)]


class GrantCreate(BaseModel):
    """``POST /funders/{id}/grants``: credit an entitlement to a person's learning account."""

    model_config = ConfigDict(extra="forbid")
    email: EmailAddress  # the person's account
    unit: Unit = "PLN"
    amount: Amount  # minor units (grosze, cents) or minutes
    valid_from: datetime | None = None  # now, if not given
    valid_until: datetime
    reason: Reason
    special_needs: bool = False  # an extra entitlement for declared special needs
    carry_over_months: Annotated[int, Field(ge=0, le=60)] = 0


class EntitlementRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    funder_id: str
    funder_name: str = ""
    unit: str
    amount: int
    remaining: int
    valid_from: datetime
    valid_until: datetime
    carry_over_months: int
    special_needs: bool
    reason: str
    carried_from: str | None
    expired_at: datetime | None


class GrantRead(EntitlementRead):
    person_id: str


class Movement(BaseModel):
    """One movement on the person's learning account, as they read it."""

    at: datetime
    kind: str  # grant, hold, release, settle, expiry, carry_over
    unit: str
    amount: int  # on the learning account: + in, - out
    reason: str


class CasePayment(BaseModel):
    """One source paying for one of the person's validations."""

    case_id: str
    title: str
    kind: str  # account, programme, self
    payer: str  # the programme's name (and funder), or empty for the account / self
    unit: str
    amount: int
    status: str


class LearningAccountRead(BaseModel):
    """``GET /me/learning-account``: balances per unit, held for cases, entitlements with
    their end, and every movement."""

    balances: dict[str, int]
    held: dict[str, int]
    entitlements: list[EntitlementRead]
    movements: list[Movement]
    validations: list[CasePayment] = []  # what each validation cost, and who paid


class ExpiryInput(BaseModel):
    entitlement_id: str
    valid_until: datetime
    at: datetime | None = None  # the workflow's time when it ends (set by the workflow)


class ExpiryRef(BaseModel):
    """What the expiry did: the lot carried over (to expire in its turn), if any."""

    expired: bool
    carried: ExpiryInput | None = None


Stage = Literal["identification", "documentation", "assessment", "certification"]


class PriceSet(BaseModel):
    """``PUT /centres/{id}/prices/{standard_code}``: the fee for the whole case, or one
    per stage (then the whole is their sum)."""

    model_config = ConfigDict(extra="forbid")
    unit: Unit = "PLN"
    amount: Amount | None = None
    stages: dict[Stage, Annotated[int, Field(ge=0, le=10_000_000_000)]] | None = None
    funding_required: bool = False  # funded before assessment starts

    @model_validator(mode="after")
    def _one_way(self) -> PriceSet:
        if (self.amount is None) == (self.stages is None):
            raise ValueError("give the fee for the whole case (amount) or per stage (stages)")
        if self.stages is not None and sum(self.stages.values()) <= 0:
            raise ValueError("the stages' fees add up to nothing")
        return self


class PriceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    centre_id: str
    standard_code: str
    unit: str
    amount: int
    stages: dict[str, int] | None
    funding_required: bool = False
    updated_at: datetime


class ProgrammeCreate(BaseModel):
    """``POST /funders/{id}/programmes``."""

    model_config = ConfigDict(extra="forbid")
    name: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
        AfterValidator(printable_line),
    ]
    unit: Unit = "PLN"
    budget: Amount
    standard_codes: Annotated[
        list[Annotated[str, StringConstraints(max_length=100)]], Field(max_length=200)
    ] = []
    accredited_only: bool = True
    eqf_levels: Annotated[list[Annotated[int, Field(ge=1, le=8)]], Field(max_length=8)] = []
    regions: Annotated[
        list[Annotated[str, StringConstraints(max_length=100)]], Field(max_length=50)
    ] = []
    share_percent: Annotated[int, Field(ge=1, le=100)] = 100
    cap_per_person_year: Amount | None = None
    auto_approve: bool = False
    decision_days: Annotated[int, Field(ge=1, le=90)] = 14
    pays_completed_stages: bool = True
    valid_from: datetime | None = None
    valid_until: datetime


class ProgrammeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    funder_id: str
    funder_name: str = ""
    name: str
    unit: str
    budget: int
    available: int = 0  # not yet committed
    committed: int = 0  # committed to cases, not yet paid or given back
    standard_codes: list[str]
    accredited_only: bool
    eqf_levels: list[int]
    regions: list[str]
    share_percent: int
    cap_per_person_year: int | None
    auto_approve: bool
    decision_days: int
    pays_completed_stages: bool = True
    valid_from: datetime
    valid_until: datetime


class SourceChoice(BaseModel):
    """One source the candidate chooses: their learning account, a programme, or paying
    the centre themselves; its amount, or (when left out) what the rest needs: a
    programme its share of the fee, the account or self-payment what remains."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["account", "programme", "self"]
    programme_id: Annotated[str, StringConstraints(max_length=64)] | None = None
    amount: Amount | None = None


class FundingChoice(BaseModel):
    """``POST /cases/{id}/funding``."""

    model_config = ConfigDict(extra="forbid")
    sources: Annotated[list[SourceChoice], Field(min_length=1, max_length=5)]


class FundingDecision(BaseModel):
    """``POST /cases/{id}/funding/decisions``: a funder on its programme's part."""

    model_config = ConfigDict(extra="forbid")
    programme_id: Annotated[str, StringConstraints(max_length=64)]
    approve: bool
    reason: Reason


class FundingRequestRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    key: str
    case_id: str
    kind: str
    programme_id: str | None
    unit: str
    amount: int
    status: str
    decide_by: datetime | None
    reason: str | None
    updated_at: datetime


# --- employer cohorts -----------------------------------------------------------------

CohortEmail = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, to_lower=True, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=320
    ),
]
IdRef = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,64}$")]


class CohortCreate(BaseModel):
    """``POST /funders/{id}/cohorts``: employees validating one standard at one centre,
    funded from one of the employer's programmes."""

    model_config = ConfigDict(extra="forbid")
    name: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
        AfterValidator(printable_line),
    ]
    standard_id: IdRef
    centre_id: IdRef
    programme_id: IdRef


class CohortRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    funder_id: str
    name: str
    standard_id: str
    centre_id: str
    programme_id: str
    created_at: datetime


class CohortInvite(BaseModel):
    """``POST /funders/{id}/cohorts/{id}/members``: the employees' e-mail addresses."""

    model_config = ConfigDict(extra="forbid")
    emails: Annotated[list[CohortEmail], Field(min_length=1, max_length=500)]


class CohortInvited(BaseModel):
    """How many were invited now, and how many had been already (an address is invited
    once per cohort): counts, not people."""

    invited: int
    already: int


class StageCounts(BaseModel):
    identification: int = 0
    documentation: int = 0
    assessment: int = 0
    certification: int = 0


class CohortFunding(BaseModel):
    """What the cohort's programme carries for its members' cases: how many cases wait
    for a decision, are approved (committed, not yet paid) or paid to the centre, and
    the amounts committed and paid (minor units of ``unit``)."""

    unit: str
    awaiting_decision: int = 0
    approved: int = 0
    paid: int = 0
    committed_amount: int = 0
    paid_amount: int = 0


class CohortProgress(BaseModel):
    """``GET /funders/{id}/cohorts/{id}``: the cohort in aggregate only, never who."""

    cohort: CohortRead
    invited: int  # everyone invited
    not_joined: int
    joined: int  # with a case
    in_progress: StageCounts  # open cases, by stage
    certified: int  # completed with a full or partial result
    not_validated: int  # completed with no outcome validated
    withdrawn: int
    expired: int
    consented: int  # members sharing their credential with the employer now
    funding: CohortFunding  # from the cohort's programme


class ConsentSet(BaseModel):
    """``PUT /me/cohorts/{id}/consent``: the employee shares the credential of this
    cohort's case with the employer, or stops sharing it."""

    model_config = ConfigDict(extra="forbid")
    share_credential: bool


class MyCohortRead(BaseModel):
    """A cohort as the invited employee sees it."""

    cohort_id: str
    name: str
    employer: str
    standard_id: str
    standard_title: str
    centre_id: str
    centre_name: str
    programme_id: str  # the employer's programme: the funding source for the case
    invited_at: datetime
    joined_at: datetime | None
    case_id: str | None
    share_credential: bool
    consent_at: datetime | None
    consent_withdrawn_at: datetime | None


class CohortCredential(BaseModel):
    """A credential the holder agreed to share with the employer: the signed document."""

    credential_id: str
    case_id: str
    holder_name: str
    issued_at: datetime
    consent_at: datetime
    document: dict[str, Any]
