"""People, their memberships and sessions, the organisations they belong to
(centres, awarding bodies), and the outbox of messages sent to them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from vnfil.platform.db import Base, new_uuid, utcnow


class Centre(Base):
    """A validation centre; made by the platform operator (``POST /centres``)."""

    __tablename__ = "centres"
    __table_args__ = (  # the registry's list, by name: all, or one country's
        Index("ix_centres_name", "name", "id"),
        Index("ix_centres_country_name", "country", "name", "id"),
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2))
    region: Mapped[str | None] = mapped_column(String(100))
    url: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=utcnow)


class AwardingBody(Base):
    """An awarding body (issuer of credentials): ``did:web`` …``:issuers:<id>``; made by
    the platform operator (``POST /awarding-bodies``) with its first signing key."""

    __tablename__ = "awarding_bodies"
    __table_args__ = (Index("ix_awarding_bodies_name", "name", "id"),)  # the registry's list
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2))
    url: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=utcnow)


class Funder(Base):
    """An organisation that pays for validation: a public programme, a region, an
    employer or a sectoral fund (in Poland, the National Training Fund, KFS, is one)."""

    __tablename__ = "funders"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))  # public_programme, region, employer, ...
    country: Mapped[str] = mapped_column(String(2))
    region: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class User(Base):
    __tablename__ = "users"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
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
    # Messages also by e-mail (the notification centre keeps them either way).
    email_notices: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # The language chosen for pages and messages ("en", "pl"); None: the browser's.
    language: Mapped[str | None] = mapped_column(String(5))
    # An external OpenID Connect identity (issuer + subject), when one is linked.
    oidc_issuer: Mapped[str | None] = mapped_column(String(300))
    oidc_subject: Mapped[str | None] = mapped_column(String(300))


class Notification(Base):
    """The outbox: rendered messages, delivered by SMTP when configured."""

    __tablename__ = "notifications"
    __table_args__ = (
        # a person's messages, newest first
        Index("ix_notifications_recipient_created", "recipient_id", "created_at", "id"),
        # the header's unread badge: a person's unread messages, a range of this index
        Index("ix_notifications_recipient_unread", "recipient_id", "read_at"),
    )
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
    # redacted and the whole text sealed here (``vnfil.accounts.service.seal_message``) until sent.
    sealed_body: Mapped[bytes | None] = mapped_column(LargeBinary)
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Membership(Base):
    """One role a person holds: in a centre (staff), for an awarding body (issuer), or
    none (candidate). A person may hold several; each request acts in one of them.
    ``users.role`` / ``centre_id`` / ``awarding_body_id`` mirror the first (primary) one."""

    __tablename__ = "memberships"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    centre_id: Mapped[str | None] = mapped_column(ForeignKey("centres.id"))
    awarding_body_id: Mapped[str | None] = mapped_column(ForeignKey("awarding_bodies.id"))
    funder_id: Mapped[str | None] = mapped_column(
        ForeignKey("funders.id", name="fk_memberships_funder_id")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    __table_args__ = (
        UniqueConstraint("user_id", "role", "centre_id", "awarding_body_id", name="uq_membership"),
        # A centre's staff, then by role. Partial: most rows are candidates with no
        # centre, and SQLite's statistics (unlike PostgreSQL's) count those as one value
        # matching half the table, so it scanned every membership instead (migration 0028).
        Index(
            "ix_memberships_centre_role",
            "centre_id",
            "role",
            sqlite_where=text("centre_id IS NOT NULL"),
            postgresql_where=text("centre_id IS NOT NULL"),
        ),
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
    """An invitation by e-mail to a role in a centre (its admin invites staff; the
    platform operator its first admin) or for an awarding body (the operator invites its
    first issuer); exactly one of ``centre_id`` and ``awarding_body_id`` is set. The
    link's token is stored hashed."""

    __tablename__ = "invitations"
    __table_args__ = (  # a centre's or an awarding body's list, newest first
        Index("ix_invitations_centre_created", "centre_id", "created_at", "id"),
        Index("ix_invitations_body_created", "awarding_body_id", "created_at", "id"),
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(320))
    role: Mapped[str] = mapped_column(String(20))
    centre_id: Mapped[str | None] = mapped_column(ForeignKey("centres.id"), index=True)
    awarding_body_id: Mapped[str | None] = mapped_column(
        ForeignKey("awarding_bodies.id"), index=True
    )
    funder_id: Mapped[str | None] = mapped_column(
        ForeignKey("funders.id", name="fk_invitations_funder_id")
    )
    invited_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    accepted_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))


class PasswordReset(Base):
    """A link by e-mail to choose a new password: its token stored hashed, good once and
    for an hour."""

    __tablename__ = "password_resets"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SignInAttempts(Base):
    """Password checks per e-mail in the current window, shared by every API process
    (``vnfil.accounts.service.LoginThrottle``); keyed by the SHA-256 of the address."""

    __tablename__ = "sign_in_attempts"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    attempts: Mapped[int] = mapped_column(Integer)
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
