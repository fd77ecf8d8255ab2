"""Contracts of accounts: roles, who acts, people, sign-in, memberships, invitations,
the session purge and the outbox's reads.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from vnfil.platform.text import Id, printable_line


class Role(StrEnum):
    candidate = "candidate"
    counsellor = "counsellor"
    assessor = "assessor"
    supervisor = "supervisor"
    centre_admin = "centre_admin"
    issuer = "issuer"
    operator = "operator"  # runs the platform: onboards awarding bodies and centres
    funder = "funder"  # staff of a funder: grants entitlements, decides funding requests
    system = "system"  # vnfil itself: timers, expiry; never a user's role


# A person's name: as long as the column that keeps it (PostgreSQL refuses longer).
PersonName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    AfterValidator(printable_line),
]


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


class NotificationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    case_id: str | None
    template: str
    subject: str
    body: str
    created_at: datetime
    sent_at: datetime | None
    read_at: datetime | None


class NoticePreferences(BaseModel):
    """A person's choices: messages by e-mail too, and the language of pages and messages.
    A field left out stays as it was."""

    email_notices: bool | None = None
    language: Literal["en", "pl"] | None = None


Password = Annotated[str, StringConstraints(min_length=10, max_length=200)]


# An address as typed: one printable line (a NUL would make PostgreSQL refuse the query).
EmailAddress = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=320),
    AfterValidator(printable_line),
]


class PasswordResetRequest(BaseModel):
    email: EmailAddress


class PasswordResetInput(BaseModel):
    new_password: Password


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
    funder_id: str | None = None


class SessionRead(BaseModel):
    """The signed-in person, the membership they act in and the CSRF token for writes."""

    user: UserRead
    membership: MembershipRead
    memberships: list[MembershipRead]
    csrf_token: str


class MembershipSwitch(BaseModel):
    membership_id: Id


class TokenRequest(BaseModel):
    password: Annotated[str, StringConstraints(max_length=200)]


class TokenRead(BaseModel):
    token: str


class PasswordChange(BaseModel):
    current_password: Annotated[str, StringConstraints(max_length=200)] | None = None
    new_password: Password


# The address someone is invited at.
InviteeEmail = Annotated[EmailAddress, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]


class InvitationCreate(BaseModel):
    email: InviteeEmail
    role: Role


class InvitationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    email: str
    role: Role
    centre_id: str | None
    awarding_body_id: str | None
    funder_id: str | None = None
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


# --- institutions, as the platform operator makes them ----------------------------

# An ISO 3166-1 alpha-2 country code, as the EU's micro-credential elements name countries.
Country = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
# A public web page: https only, one line.
WebPage = Annotated[str, StringConstraints(max_length=300, pattern=r"^https://[^\s/?#]+[^\s]*$")]
# An id the operator may choose: it ends the awarding body's DID (``…:issuers:<id>``).
InstitutionId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{1,35}$")]
InstitutionName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=2, max_length=200),
    AfterValidator(printable_line),
]
Region = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
    AfterValidator(printable_line),
]


class AwardingBodyCreate(BaseModel):
    """``POST /awarding-bodies``: made with its first signing key."""

    model_config = ConfigDict(extra="forbid")
    id: InstitutionId | None = None
    name: InstitutionName
    country: Country
    url: WebPage | None = None


class AwardingBodyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    name: str
    country: str
    url: str | None
    did: str = ""
    created_at: datetime | None = None


class CentreCreate(BaseModel):
    """``POST /centres``: a validation centre, where it works."""

    model_config = ConfigDict(extra="forbid")
    id: InstitutionId | None = None
    name: InstitutionName
    country: Country
    region: Region | None = None
    url: WebPage | None = None


class CentreRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    name: str
    country: str
    region: str | None
    url: str | None = None
    created_at: datetime | None = None


class FunderKind(StrEnum):
    public_programme = "public_programme"
    region = "region"
    employer = "employer"
    sectoral_fund = "sectoral_fund"


class FunderCreate(BaseModel):
    """``POST /funders``: an organisation that pays for validation."""

    model_config = ConfigDict(extra="forbid")
    name: InstitutionName
    kind: FunderKind
    country: Country
    region: Region | None = None


class FunderRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    name: str
    kind: FunderKind
    country: str
    region: str | None


class FirstAdminInvitation(BaseModel):
    """The operator invites an institution's first administrator (a centre's admin, an
    awarding body's issuer); they invite the rest."""

    email: InviteeEmail
