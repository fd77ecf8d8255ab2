"""Contracts of evidence: references to stored objects, their reads, and the orphan sweep."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from vnfil.platform.text import IDS_MAX, Id, Sha256


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


class EvidenceRecordInput(BaseModel):
    case_id: str
    evidence: EvidenceRef
    uploaded_by: str
    at: datetime


class EvidenceRemoval(BaseModel):
    """The candidate takes a piece of evidence out of the portfolio before submitting."""

    evidence_id: Id


class EvidenceForgetInput(BaseModel):
    case_id: str
    evidence_id: str


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
    credential: CredentialFound | None = None  # set when the file is a credential


class SweepInput(BaseModel):
    grace_seconds: int = Field(default=3600, ge=0)
    dry_run: bool = False
    # Keys listed, looked up (one IN query) and decided on at a time: the sweep holds a
    # batch, whatever the bucket holds (and PostgreSQL takes at most 65,535 parameters).
    batch_size: int = Field(default=1000, ge=1, le=10_000)


# A report names at most this many keys of each kind (its counts say how many there
# were): it is an activity's and a workflow's result, and those are kept small.
SWEEP_REPORT_KEYS = 1000


class SweepReport(BaseModel):
    removed: list[str]  # the first SWEEP_REPORT_KEYS of them
    looked_at: int
    dry_run: bool
    # Multipart uploads begun before the grace period and never completed (API killed).
    aborted_uploads: list[str] = Field(default_factory=list)  # the first ones, likewise
    removed_count: int = 0
    aborted_count: int = 0


class CredentialFound(BaseModel):
    """A piece of evidence that is a credential its candidate holds, as vnfil checked it
    when it was added: who issued it, whether it verified (and if not, which check
    failed), and the standard's outcomes it aligns to."""

    credential: bool  # False: not a credential (an ordinary file, taken as one)
    format: str | None = None  # json, pdf (embedded in a certificate), sd-jwt
    verified: bool = False
    failed: str | None = None
    detail: str = ""
    issuer: str | None = None
    issuer_name: str | None = None
    name: str | None = None
    valid_from: str | None = None
    revoked: bool = False
    proposed_lo_ids: list[str] = []
    learner: str | None = None  # the name it was awarded to
    holder_matches: bool | None = None  # its learner is the candidate (None: it cannot say)
    # Where its revocation bit is (status list URL, index): read again whenever it is shown.
    status_list: str | None = None
    status_index: int | None = None
