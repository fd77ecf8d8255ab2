"""ORM models (SQLAlchemy 2 typed). Pydantic contracts live in ``vnfil.schemas``."""

from __future__ import annotations

import enum
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def _uuid() -> str:
    return str(uuid.uuid4())


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(at: datetime) -> datetime:
    """SQLite hands back naive datetimes; vnfil stores UTC only."""
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class Role(enum.StrEnum):
    candidate = "candidate"
    counsellor = "counsellor"
    assessor = "assessor"
    supervisor = "supervisor"
    centre_admin = "centre_admin"
    issuer = "issuer"
    system = "system"  # vnfil itself: timers, expiry; never a user's role


class Stage(enum.StrEnum):
    identification = "identification"
    documentation = "documentation"
    assessment = "assessment"
    certification = "certification"
    completed = "completed"


class Centre(Base):
    __tablename__ = "centres"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_uuid)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2))
    region: Mapped[str | None] = mapped_column(String(100))


class AwardingBody(Base):
    __tablename__ = "awarding_bodies"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_uuid)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2))
    url: Mapped[str | None] = mapped_column(String(300))


class User(Base):
    __tablename__ = "users"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_uuid)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    centre_id: Mapped[str | None] = mapped_column(ForeignKey("centres.id"))
    awarding_body_id: Mapped[str | None] = mapped_column(ForeignKey("awarding_bodies.id"))
    # SHA-256 of the bearer token; the token itself is shown once and never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Web sign-in (argon2id); none until the person sets one.
    password_hash: Mapped[str | None] = mapped_column(String(200))
    # An external OpenID Connect identity (issuer + subject), when one is linked.
    oidc_issuer: Mapped[str | None] = mapped_column(String(300))
    oidc_subject: Mapped[str | None] = mapped_column(String(300))


class Standard(Base):
    """A qualification or micro-credential, one row per version; cases keep their version."""

    __tablename__ = "standards"
    __table_args__ = (UniqueConstraint("code", "version"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_uuid)
    code: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column()
    title: Mapped[str] = mapped_column(String(300))
    awarding_body_id: Mapped[str] = mapped_column(ForeignKey("awarding_bodies.id"))
    document: Mapped[dict[str, Any]] = mapped_column()


class Case(Base):
    """The read model of a case; the workflow ``case-{id}`` is the source of truth."""

    __tablename__ = "cases"
    __table_args__ = (Index("ix_cases_centre_stage", "centre_id", "stage"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_uuid)
    workflow_id: Mapped[str] = mapped_column(String(64), unique=True)
    centre_id: Mapped[str] = mapped_column(ForeignKey("centres.id"), index=True)
    standard_id: Mapped[str] = mapped_column(ForeignKey("standards.id"), index=True)
    candidate_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    counsellor_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    stage: Mapped[str] = mapped_column(String(20), default=Stage.identification)
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    deadline: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    result: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CaseAssignment(Base):
    """Who sits on a case's panel (assessors) or supervises it; drives access rules."""

    __tablename__ = "case_assignments"
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)


class Evidence(Base):
    __tablename__ = "evidence"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_uuid)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    object_key: Mapped[str] = mapped_column(String(300), unique=True)
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(40))
    lo_ids: Mapped[list[Any]] = mapped_column()
    uploaded_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class StageRecord(Base):
    __tablename__ = "stage_records"
    __table_args__ = (UniqueConstraint("case_id", "stage"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_uuid)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    stage: Mapped[str] = mapped_column(String(20))
    object_key: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64))
    record: Mapped[dict[str, Any]] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Credential(Base):
    __tablename__ = "credentials"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_uuid)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), unique=True)
    standard_id: Mapped[str] = mapped_column(ForeignKey("standards.id"), index=True)
    awarding_body_id: Mapped[str] = mapped_column(ForeignKey("awarding_bodies.id"), index=True)
    object_key: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64))
    document: Mapped[dict[str, Any]] = mapped_column()
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    key_id: Mapped[str | None] = mapped_column(
        ForeignKey("signing_keys.id", name="fk_credentials_key_id")
    )
    status_list_id: Mapped[str | None] = mapped_column(
        ForeignKey("status_lists.id", name="fk_credentials_status_list_id")
    )
    status_index: Mapped[int | None] = mapped_column(Integer)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_by: Mapped[str | None] = mapped_column(String(36))
    revocation_reason: Mapped[str | None] = mapped_column(String(2000))  # text.REASON_MAX
    __table_args__ = (
        UniqueConstraint("status_list_id", "status_index", name="uq_credentials_status_slot"),
    )


class SigningKey(Base):
    """An awarding body's Ed25519 key; the private half is sealed with the server secret.

    Rotation retires a key (it signs nothing more) without revoking it, so what it
    signed before stays valid; ``revoked_at`` is for a compromised key.
    """

    __tablename__ = "signing_keys"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_uuid)
    awarding_body_id: Mapped[str] = mapped_column(ForeignKey("awarding_bodies.id"), index=True)
    public_multikey: Mapped[str] = mapped_column(String(64), unique=True)
    private_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class StatusList(Base):
    """One Bitstring Status List of an awarding body and its latest signed credential.

    ``number`` counts an awarding body's lists of one purpose (a next one only when the
    last is full); being unique, two first certifications at once make one list.
    ``version`` makes a bit change a compare-and-swap: the UPDATE names the version it
    read, so a change made meanwhile fails it (``StaleDataError``) instead of being lost.
    """

    __tablename__ = "status_lists"
    __table_args__ = (
        UniqueConstraint(
            "awarding_body_id", "purpose", "number", name="uq_status_lists_body_purpose_number"
        ),
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_uuid)
    awarding_body_id: Mapped[str] = mapped_column(ForeignKey("awarding_bodies.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(20), default="revocation")
    number: Mapped[int] = mapped_column(Integer, default=0)
    size: Mapped[int] = mapped_column(Integer)
    bits: Mapped[bytes] = mapped_column(LargeBinary)
    credential: Mapped[dict[str, Any]] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    version: Mapped[int] = mapped_column(Integer)
    __mapper_args__ = {"version_id_col": version}


class StandardCode(Base):
    """Who owns a standard's code: the awarding body that published it first. Only it
    publishes later versions; one row per code, so two bodies racing cannot both win."""

    __tablename__ = "standard_codes"
    code: Mapped[str] = mapped_column(String(100), primary_key=True)
    awarding_body_id: Mapped[str] = mapped_column(ForeignKey("awarding_bodies.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Event(Base):
    """A CloudEvent for issuers; ``seq`` orders the pull feed, ``id`` de-duplicates."""

    __tablename__ = "events"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(64), unique=True)
    type: Mapped[str] = mapped_column(String(60))
    subject: Mapped[str] = mapped_column(String(200))
    awarding_body_id: Mapped[str] = mapped_column(ForeignKey("awarding_bodies.id"), index=True)
    time: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    data: Mapped[dict[str, Any]] = mapped_column()


class WebhookSubscription(Base):
    """An issuer's endpoint; during a secret rotation the previous secret still signs."""

    __tablename__ = "webhook_subscriptions"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_uuid)
    awarding_body_id: Mapped[str] = mapped_column(ForeignKey("awarding_bodies.id"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    event_types: Mapped[list[Any]] = mapped_column()
    secret_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    previous_secret_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class WebhookDelivery(Base):
    """One attempt to deliver one event to one subscription."""

    __tablename__ = "webhook_deliveries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(64), index=True)
    subscription_id: Mapped[str] = mapped_column(ForeignKey("webhook_subscriptions.id"), index=True)
    attempt: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ok: Mapped[bool] = mapped_column(Boolean)
    status_code: Mapped[int | None] = mapped_column(Integer)
    latency_ms: Mapped[float] = mapped_column()
    error: Mapped[str | None] = mapped_column(String(1000))


class AuditEntry(Base):
    """One link of a case's hash-chained audit trail (see ``vnfil.audit``)."""

    __tablename__ = "audit_entries"
    __table_args__ = (UniqueConstraint("case_id", "seq"),)
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    seq: Mapped[int] = mapped_column()
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor_id: Mapped[str] = mapped_column(String(36))
    actor_role: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(60))
    details: Mapped[dict[str, Any]] = mapped_column()
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class Notification(Base):
    """The outbox: rendered messages, delivered by SMTP when configured."""

    __tablename__ = "notifications"
    id: Mapped[str] = mapped_column(String(200), primary_key=True)  # idempotency key
    # A case's message, or none (an invitation).
    case_id: Mapped[str | None] = mapped_column(ForeignKey("cases.id"), index=True)
    # A person with an account, or only an address (someone invited).
    recipient_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), index=True)
    recipient_email: Mapped[str | None] = mapped_column(String(320))
    template: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(String(20000))
    # A message carrying a secret (an invitation's link) keeps ``body`` with the secret
    # redacted and the whole text sealed here (``vnfil.accounts.seal_message``) until sent.
    sealed_body: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Membership(Base):
    """One role a person holds: in a centre (staff), for an awarding body (issuer), or
    none (candidate). A person may hold several; each request acts in one of them.
    ``users.role`` / ``centre_id`` / ``awarding_body_id`` mirror the first (primary) one."""

    __tablename__ = "memberships"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_uuid)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    centre_id: Mapped[str | None] = mapped_column(ForeignKey("centres.id"), index=True)
    awarding_body_id: Mapped[str | None] = mapped_column(ForeignKey("awarding_bodies.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    __table_args__ = (
        UniqueConstraint("user_id", "role", "centre_id", "awarding_body_id", name="uq_membership"),
    )


class WebSession(Base):
    """A signed-in browser: only the SHA-256 of the cookie value is stored."""

    __tablename__ = "web_sessions"
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    membership_id: Mapped[str] = mapped_column(ForeignKey("memberships.id"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class Invitation(Base):
    """A centre admin invites staff by e-mail; the link's token is stored hashed."""

    __tablename__ = "invitations"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_uuid)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(320))
    role: Mapped[str] = mapped_column(String(20))
    centre_id: Mapped[str] = mapped_column(ForeignKey("centres.id"), index=True)
    invited_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    accepted_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))


class SignInAttempts(Base):
    """Password checks per e-mail in the current window, shared by every API process
    (``vnfil.accounts.LoginThrottle``); keyed by the SHA-256 of the address."""

    __tablename__ = "sign_in_attempts"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    attempts: Mapped[int] = mapped_column(Integer)
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
