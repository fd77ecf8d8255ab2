"""What the API and the workflows say about learning accounts and entitlements."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

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


class LearningAccountRead(BaseModel):
    """``GET /me/learning-account``: balances per unit, held for cases, entitlements with
    their end, and every movement."""

    balances: dict[str, int]
    held: dict[str, int]
    entitlements: list[EntitlementRead]
    movements: list[Movement]


class ExpiryInput(BaseModel):
    entitlement_id: str
    valid_until: datetime
    at: datetime | None = None  # the workflow's time when it ends (set by the workflow)


class ExpiryRef(BaseModel):
    """What the expiry did: the lot carried over (to expire in its turn), if any."""

    expired: bool
    carried: ExpiryInput | None = None
