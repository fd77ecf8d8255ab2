"""The ledger of learning entitlements: double entry, append-only, in minor units.

Every movement is a :class:`LedgerTransaction` named by the business event that caused
it (its ``key``: applied once, however often it is retried) and made of
:class:`LedgerPosting` rows that sum to zero per unit. An account's ``balance`` is the
sum of its postings, kept up to date in the same database transaction by a conditional
UPDATE that refuses to take an account that may not go negative below zero; so reading a
balance costs the same for ten postings or a hundred thousand, and
:func:`vnfil.funding.ledger.derived_balance` recomputes it from the postings to prove it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql import false, true

from vnfil.platform.db import Base, new_uuid, utcnow


class LedgerAccount(Base):
    """One balance in one unit (an ISO 4217 currency in minor units, or ``HOURS`` in
    minutes): a person's learning account, a funder's source of grants, expired
    entitlements... ``overdraft`` accounts are the counterparts where value enters or
    leaves the ledger (a funder's grants); every other account stays at or above zero."""

    __tablename__ = "ledger_accounts"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    kind: Mapped[str] = mapped_column(String(20))
    owner_id: Mapped[str] = mapped_column(String(36))
    unit: Mapped[str] = mapped_column(String(5))
    balance: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    overdraft: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    __table_args__ = (
        UniqueConstraint("kind", "owner_id", "unit", name="uq_ledger_accounts_kind_owner_unit"),
    )


class LedgerTransaction(Base):
    """One business event's movement; ``key`` names the event (``grant:<id>``,
    ``hold:<case>:<source>``...), so a retry finds it instead of moving value twice."""

    __tablename__ = "ledger_transactions"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(500), default="")
    actor_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class LedgerPosting(Base):
    """One line of a transaction: an amount (signed, minor units) on one account, and the
    entitlement it draws on or returns to, when it does."""

    __tablename__ = "ledger_postings"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    transaction_id: Mapped[str] = mapped_column(
        ForeignKey("ledger_transactions.id", name="fk_ledger_postings_transaction_id"), index=True
    )
    account_id: Mapped[str] = mapped_column(
        ForeignKey("ledger_accounts.id", name="fk_ledger_postings_account_id"), index=True
    )
    amount: Mapped[int] = mapped_column(BigInteger)
    entitlement_id: Mapped[str | None] = mapped_column(String(36), index=True)


class Entitlement(Base):
    """Value a funder credited to a person's learning account: how much, in what unit,
    until when, why, and what is left of it. Spending draws on the entitlements that
    expire first; what is left when one expires leaves the account (or, with a carry-over,
    is credited again for that many more months, once)."""

    __tablename__ = "entitlements"
    __table_args__ = (  # a funder's grants, newest first
        Index("ix_entitlements_funder_valid_from", "funder_id", "valid_from", "id"),
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    account_id: Mapped[str] = mapped_column(
        ForeignKey("ledger_accounts.id", name="fk_entitlements_account_id"), index=True
    )
    funder_id: Mapped[str] = mapped_column(
        ForeignKey("funders.id", name="fk_entitlements_funder_id")
    )
    unit: Mapped[str] = mapped_column(String(5))
    amount: Mapped[int] = mapped_column(BigInteger)
    remaining: Mapped[int] = mapped_column(BigInteger)
    valid_from: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    valid_until: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    carry_over_months: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    special_needs: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str] = mapped_column(String(500))
    granted_by: Mapped[str | None] = mapped_column(String(36))
    carried_from: Mapped[str | None] = mapped_column(String(36))
    expired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Price(Base):
    """What a validation centre charges for validating a standard (by its code): for the
    whole case, or per stage (the stages' amounts then make the whole)."""

    __tablename__ = "prices"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    centre_id: Mapped[str] = mapped_column(ForeignKey("centres.id", name="fk_prices_centre_id"))
    standard_code: Mapped[str] = mapped_column(String(100))
    unit: Mapped[str] = mapped_column(String(5))
    amount: Mapped[int] = mapped_column(BigInteger)  # the whole case
    # Per stage (identification, documentation, assessment, certification), or none.
    stages: Mapped[dict[str, int] | None] = mapped_column(JSON)
    # Cases at this centre for this standard are funded before assessment starts.
    funding_required: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    __table_args__ = (
        UniqueConstraint("centre_id", "standard_code", name="uq_prices_centre_standard"),
    )


class Programme(Base):
    """A funder's programme: what it funds (standards, accredited centres only, EQF
    levels, regions), which share of the fee, up to what per person and year, from a
    total budget held in the ledger (its ``programme`` account), which it never exceeds."""

    __tablename__ = "programmes"
    __table_args__ = (  # a funder's programmes, and the open ones, oldest first
        Index("ix_programmes_funder_created", "funder_id", "created_at", "id"),
        Index("ix_programmes_created", "created_at", "id"),
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    funder_id: Mapped[str] = mapped_column(
        ForeignKey("funders.id", name="fk_programmes_funder_id"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(5))
    budget: Mapped[int] = mapped_column(BigInteger)
    standard_codes: Mapped[list[str]] = mapped_column(JSON, default=list)  # none: any
    accredited_only: Mapped[bool] = mapped_column(Boolean, default=True)
    eqf_levels: Mapped[list[int]] = mapped_column(JSON, default=list)  # none: any
    regions: Mapped[list[str]] = mapped_column(JSON, default=list)  # none: any
    share_percent: Mapped[int] = mapped_column(Integer, default=100)
    cap_per_person_year: Mapped[int | None] = mapped_column(BigInteger)
    # Automatic approval within these rules, or a person decides within so many days.
    auto_approve: Mapped[bool] = mapped_column(Boolean, default=False)
    # A case ending without a credential: the programme pays the centre its part of the
    # stages completed (with a price per stage), or gives nothing and takes all back.
    pays_completed_stages: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default=true()
    )
    decision_days: Mapped[int] = mapped_column(Integer, default=14)
    valid_from: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    valid_until: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class FundingRequest(Base):
    """One source of a case's funding as it stands (the workflow writes it): what funders
    list to decide, and what reports add up. The ledger holds the money; this, the story."""

    __tablename__ = "funding_requests"
    __table_args__ = (  # a funder's: the waiting ones, then all others, newest first
        Index(
            "ix_funding_requests_funder_status_updated", "funder_id", "status", "updated_at", "key"
        ),
        Index("ix_funding_requests_funder_updated", "funder_id", "updated_at", "key"),
    )
    key: Mapped[str] = mapped_column(String(200), primary_key=True)  # its ledger movement
    case_id: Mapped[str] = mapped_column(
        ForeignKey("cases.id", name="fk_funding_requests_case_id"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    programme_id: Mapped[str | None] = mapped_column(String(36), index=True)
    funder_id: Mapped[str | None] = mapped_column(String(36), index=True)
    unit: Mapped[str] = mapped_column(String(5))
    amount: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(20))
    decide_by: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str | None] = mapped_column(String(500))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Cohort(Base):
    """An employer's group of employees validating one standard at one centre, funded
    from one of the employer's programmes (collective validation). The employer sees the
    group's progress only in aggregate; each credential only with its holder's consent."""

    __tablename__ = "cohorts"
    __table_args__ = (Index("ix_cohorts_funder_created", "funder_id", "created_at", "id"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    funder_id: Mapped[str] = mapped_column(
        ForeignKey("funders.id", name="fk_cohorts_funder_id"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    standard_id: Mapped[str] = mapped_column(
        ForeignKey("standards.id", name="fk_cohorts_standard_id")
    )
    centre_id: Mapped[str] = mapped_column(ForeignKey("centres.id", name="fk_cohorts_centre_id"))
    programme_id: Mapped[str] = mapped_column(
        ForeignKey("programmes.id", name="fk_cohorts_programme_id"), index=True
    )
    created_by: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CohortMember(Base):
    """One employee invited to a cohort (by e-mail): who joined, their case, and their
    consent to share the credential with the employer (theirs to give and withdraw; the
    employer receives the credential only while ``consent_at`` is set and not withdrawn)."""

    __tablename__ = "cohort_members"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    cohort_id: Mapped[str] = mapped_column(
        ForeignKey("cohorts.id", name="fk_cohort_members_cohort_id"), index=True
    )
    email: Mapped[str] = mapped_column(String(320), index=True)
    user_id: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", name="fk_cohort_members_user_id"), index=True
    )
    invited_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    joined_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    case_id: Mapped[str | None] = mapped_column(
        ForeignKey("cases.id", name="fk_cohort_members_case_id"), index=True
    )
    consent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    consent_withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    __table_args__ = (
        UniqueConstraint("cohort_id", "email", name="uq_cohort_members_cohort_email"),
    )
