"""Contracts of accreditations."""

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
    model_validator,
)

from vnfil.platform.db import as_utc
from vnfil.platform.text import Id, NonBlankLine, Reason, printable_text
from vnfil.standards.schemas import INT_MAX, StandardCodeText

StandardCode = StandardCodeText
AccreditationStatus = Literal["active", "suspended", "withdrawn"]


class AccreditationCreate(BaseModel):
    """What an awarding body grants a centre (``POST /accreditations``)."""

    model_config = ConfigDict(extra="forbid")
    centre_id: Id
    standard_code: StandardCode
    min_version: int = Field(default=1, ge=1, le=INT_MAX)
    max_version: int | None = Field(default=None, ge=1, le=INT_MAX)
    valid_from: datetime
    valid_until: datetime
    scope: Annotated[str, StringConstraints(max_length=2000), AfterValidator(printable_text)] = ""
    qa_body: NonBlankLine
    qa_reference: NonBlankLine

    @model_validator(mode="after")
    def _ordered(self) -> AccreditationCreate:
        if self.valid_from.tzinfo is None or self.valid_until.tzinfo is None:
            raise ValueError("valid_from and valid_until need a time zone (e.g. Z)")
        if self.valid_until <= self.valid_from:
            raise ValueError("valid_until must be after valid_from")
        if self.max_version is not None and self.max_version < self.min_version:
            raise ValueError("max_version must not be below min_version")
        return self


class AccreditationChange(BaseModel):
    """Suspend, withdraw (for good) or reinstate (a suspended one), with a reason."""

    status: AccreditationStatus
    reason: Reason


class AccreditationRequest(BaseModel):
    """One grant or one status change, as the ``AccreditationUpdate`` workflow carries it;
    ``request_id`` makes a retried step find what it did instead of doing it twice."""

    request_id: str
    awarding_body_id: str
    actor_id: str
    grant: AccreditationCreate | None = None
    accreditation_id: str | None = None
    change: AccreditationChange | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> AccreditationRequest:
        if (self.grant is None) == (self.change is None or self.accreditation_id is None):
            raise ValueError("a request is a grant, or a change of one accreditation")
        return self


class AccreditationEntry(BaseModel):
    """An accreditation as the register lists it: the signed credential is one request
    away (``GET /accreditations/{id}``), not in every page of the list."""

    model_config = ConfigDict(from_attributes=True)
    id: str
    awarding_body_id: str
    centre_id: str
    standard_code: str
    min_version: int
    max_version: int | None
    valid_from: datetime
    valid_until: datetime
    scope: str
    qa_body: str
    qa_reference: str
    status: AccreditationStatus
    status_reason: str | None
    status_changed_at: datetime | None
    created_at: datetime | None = None

    @field_validator("valid_from", "valid_until", "status_changed_at", "created_at")
    @classmethod
    def _utc(cls, at: datetime | None) -> datetime | None:
        return None if at is None else as_utc(at)  # SQLite hands back naive times


class AccreditationRead(AccreditationEntry):
    # Signed by the awarding body (an OB 3.0 EndorsementCredential); none for a grant
    # made before accreditations were signed.
    credential: dict[str, Any] | None = None


# --- the public registry -----------------------------------------------------------

KeyState = Literal["current", "retired", "revoked"]


class RegistryKey(BaseModel):
    """One of an awarding body's signing keys, as its DID document lists it, with the
    dates it was valid: it signed from ``created_at`` until ``retired_at`` (a rotation);
    once ``revoked_at`` (a compromise) nothing it signed verifies."""

    id: str  # the verification method: the DID and the key
    public_key_multibase: str
    state: KeyState
    created_at: datetime
    retired_at: datetime | None
    revoked_at: datetime | None


class RegistryBody(BaseModel):
    id: str
    did: str
    name: str
    country: str
    url: str | None
    profile: str  # the OB 3.0 Profile
    did_document: str  # where did:web resolution reads it
    standard_codes: list[str]
    keys: list[RegistryKey]


class RegistryCentre(BaseModel):
    id: str
    url: str  # how credentials name it (``credentialSubject.source.id``)
    name: str
    country: str
    region: str | None
    web_page: str | None
    accreditations: list[AccreditationEntry]
