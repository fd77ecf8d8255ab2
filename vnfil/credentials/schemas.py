"""Contracts of credentials: issuance, verification and revocation."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

from vnfil.accounts.schemas import Actor, CandidateRef
from vnfil.cases.schemas import IdentityRecord, Result
from vnfil.evidence.schemas import EvidenceRef
from vnfil.platform.db import as_utc
from vnfil.platform.text import Id, Reason, Sha256, printable_line
from vnfil.standards.schemas import StandardSnapshot, SupervisionLevel


class StackedUnit(BaseModel):
    """A unit credential the full one was claimed from (its ``evidence``)."""

    credential_id: str
    unit_id: str
    title: str
    issued_on: str  # its validFrom
    issuer: str
    centre: str | None = None
    sha256: Sha256  # of its signed file as held


class CredentialInput(BaseModel):
    credential_id: str
    case_id: str | None  # none when claimed from unit credentials
    candidate: CandidateRef
    standard: StandardSnapshot
    result: Result
    achieved_lo_ids: list[str]
    identity: IdentityRecord | None
    evidence: list[EvidenceRef]
    grade: str | None
    issued_at: datetime
    certified_by: Actor
    # A unit's credential: its achievement is the unit (the standard's ``units``).
    unit_id: str | None = None
    # A full credential claimed from unit credentials: they are its evidence, and the
    # supervision element is the least of theirs.
    stacked_from: list[StackedUnit] = []
    supervision: SupervisionLevel | None = None


class CredentialRef(BaseModel):
    credential_id: str
    object_key: str
    sha256: Sha256


class UnitIssue(BaseModel):
    unit_id: str
    credential_id: str


class CertificationInput(BaseModel):
    """Certification of a case whose standard has units (since "unit-credentials"): one
    credential per unit achieved, and the full one (``credential``) only when ``full``."""

    credential: CredentialInput
    full: bool
    units: list[UnitIssue]


class UnitCredentialRef(CredentialRef):
    unit_id: str


class Certified(BaseModel):
    full: CredentialRef | None
    units: list[UnitCredentialRef]


class CredentialRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    case_id: str | None  # none when claimed from unit credentials
    unit_id: str | None = None  # a unit's credential
    holder_id: str
    standard_id: str
    awarding_body_id: str
    sha256: str
    issued_at: datetime
    document: dict[str, Any]


class Check(BaseModel):
    """One verification check: malformed, issuer, signature, expiry, status or
    accreditation (the validation centre's, on the day of issue)."""

    name: Literal["malformed", "issuer", "signature", "expiry", "status", "accreditation"]
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


# --- the learner's backpack ---------------------------------------------------------


class ShareCreate(BaseModel):
    name: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
        AfterValidator(printable_line),
    ]
    expires_at: datetime | None = None
    hide: list[Literal["grade", "outcomes", "evidence"]] = Field(default=[], max_length=3)


class ShareRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    name: str
    hidden: list[str]
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    views: int
    live: bool = False

    @field_validator("created_at", "expires_at", "revoked_at")
    @classmethod
    def _utc(cls, at: datetime | None) -> datetime | None:
        return None if at is None else as_utc(at)  # SQLite hands back naive times


class ShareMade(ShareRead):
    url: str  # shown this once: only its digest is kept


class BackpackItem(BaseModel):
    """A credential as its holder sees it in the backpack."""

    id: str
    name: str
    awarding_body: str
    centre: str
    issued_at: datetime
    valid_until: str | None
    revoked_at: datetime | None
    revocation_reason: str | None
    public_page: bool
    json_url: str
    pdf_url: str
    elm_url: str
    verification_url: str
    linkedin_url: str
    shares: list[ShareRead]

    @field_validator("issued_at", "revoked_at")
    @classmethod
    def _utc(cls, at: datetime | None) -> datetime | None:
        return None if at is None else as_utc(at)


class PublicPage(BaseModel):
    public: bool
