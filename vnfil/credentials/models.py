"""Issued credentials, awarding bodies' signing keys and their status lists."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from vnfil.platform.db import Base, new_uuid, utcnow


class Credential(Base):
    __tablename__ = "credentials"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    # The case that issued it (several: its units and the full one); none when the learner
    # claimed it from unit credentials they hold (vnfil.credentials.stacking).
    case_id: Mapped[str | None] = mapped_column(ForeignKey("cases.id"), index=True)
    holder_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", name="fk_credentials_holder_id"), index=True
    )
    unit_id: Mapped[str | None] = mapped_column(String(40))  # a unit's credential
    # The centre whose case issued it (none when claimed): the centre's list of credentials
    # reads its own index instead of joining every case.
    centre_id: Mapped[str | None] = mapped_column(
        ForeignKey("centres.id", name="fk_credentials_centre_id")
    )
    standard_id: Mapped[str] = mapped_column(ForeignKey("standards.id"), index=True)
    awarding_body_id: Mapped[str] = mapped_column(ForeignKey("awarding_bodies.id"), index=True)
    object_key: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64))
    document: Mapped[dict[str, Any]] = mapped_column()
    # How many learning outcomes it validates (``outcomes_of(document)``), kept beside the
    # document so reports add them up in SQL instead of decoding every credential.
    outcome_count: Mapped[int | None] = mapped_column(Integer)
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
    # The holder may hide its public verification page (the credential still verifies).
    public_page: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    __table_args__ = (
        UniqueConstraint("status_list_id", "status_index", name="uq_credentials_status_slot"),
        # Each list of credentials (the issuer's, the holder's, the centre's), newest first.
        Index("ix_credentials_body_issued", "awarding_body_id", "issued_at", "id"),
        Index("ix_credentials_holder_issued", "holder_id", "issued_at", "id"),
        Index("ix_credentials_centre_issued", "centre_id", "issued_at", "id"),
    )


class QualificationClaim(Base):
    """The full credential a learner claimed from the unit credentials they hold: one row
    per claim (``claim_key``: the holder, the standard and the unit credentials), so the
    same claim again answers the same credential."""

    __tablename__ = "qualification_claims"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    claim_key: Mapped[str] = mapped_column(String(64), unique=True)
    holder_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", name="fk_qualification_claims_holder_id"), index=True
    )
    standard_id: Mapped[str] = mapped_column(
        ForeignKey("standards.id", name="fk_qualification_claims_standard_id")
    )
    unit_credential_ids: Mapped[list[Any]] = mapped_column()
    credential_id: Mapped[str] = mapped_column(
        ForeignKey("credentials.id", name="fk_qualification_claims_credential_id")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CredentialShare(Base):
    """A link the holder makes to show one credential: named, limited in time if they
    wish, revocable, showing only the parts they chose. Only its token's SHA-256 is kept
    (the link is shown once, when made)."""

    __tablename__ = "credential_shares"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    credential_id: Mapped[str] = mapped_column(
        ForeignKey("credentials.id", name="fk_credential_shares_credential_id"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hidden: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    views: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class SigningKey(Base):
    """An awarding body's Ed25519 key; the private half is sealed with the server secret.

    Rotation retires a key (it signs nothing more) without revoking it, so what it
    signed before stays valid; ``revoked_at`` is for a compromised key.
    """

    __tablename__ = "signing_keys"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
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
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    awarding_body_id: Mapped[str] = mapped_column(ForeignKey("awarding_bodies.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(20), default="revocation")
    number: Mapped[int] = mapped_column(Integer, default=0)
    size: Mapped[int] = mapped_column(Integer)
    bits: Mapped[bytes] = mapped_column(LargeBinary)
    credential: Mapped[dict[str, Any]] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    version: Mapped[int] = mapped_column(Integer)
    __mapper_args__ = {"version_id_col": version}


class CredentialOffer(Base):
    """An OpenID4VCI offer of one credential to its holder's wallet (pre-authorized code
    flow): its code, the transaction code sent to the holder apart, and when each step was
    taken. Only digests of the codes and tokens are kept. Used once; it expires."""

    __tablename__ = "credential_offers"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    credential_id: Mapped[str] = mapped_column(
        ForeignKey("credentials.id", name="fk_credential_offers_credential_id"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    tx_code_hash: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    redeemed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    token_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    nonce: Mapped[str | None] = mapped_column(String(64))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    holder_key: Mapped[str | None] = mapped_column(String(200))  # the wallet key's thumbprint
    configuration: Mapped[str | None] = mapped_column(String(100))  # what the wallet took


class CredentialExchange(Base):
    """A VC-API exchange that hands one credential to its holder's wallet (the Learner
    Credential Wallet): the wallet asks (a presentation request with a challenge), proves
    its DID by signing a presentation over that challenge and vnfil's domain, and gets the
    signed credential. Only the digest of the exchange's id (the secret in its URL) is
    kept. Used once; it expires; every step is recorded, a refused presentation too."""

    __tablename__ = "credential_exchanges"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    credential_id: Mapped[str] = mapped_column(
        ForeignKey("credentials.id", name="fk_credential_exchanges_credential_id"), index=True
    )
    exchange_hash: Mapped[str] = mapped_column(String(64), unique=True)
    challenge: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    refusals: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_refusal: Mapped[str | None] = mapped_column(String(300))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    holder_did: Mapped[str | None] = mapped_column(String(200))
    holder_proof: Mapped[str | None] = mapped_column(String(40))  # the suite it signed with
