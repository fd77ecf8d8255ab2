"""Stacking: the full credential of a qualification claimed from the unit credentials a
learner holds, from any accredited centres and on any dates the standard allows.

Each unit credential is checked as any verifier checks it (``verify_credential``:
signature, issuer and key, expiry, status, the centre's accreditation on the day of
issue), then against the claim: it names this learner, it is a unit of this code (read
from its achievement, ``…/standards/{id}/units/{unit}``), of a version the standard
accepts with the same outcomes, young enough; and every unit is there, once. The first
thing that does not hold is the refusal, naming the unit or the credential and why.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from vnfil.accounts.schemas import Actor, CandidateRef
from vnfil.credentials.as_evidence import awarded_to
from vnfil.credentials.document import eu_elements_of
from vnfil.credentials.models import Credential, QualificationClaim
from vnfil.credentials.schemas import StackedUnit
from vnfil.credentials.verification import (
    IN_THREADS,
    SignatureChecker,
    TrustRegistry,
    verify_credential,
)
from vnfil.platform.db import add_years
from vnfil.platform.text import Id
from vnfil.standards.models import Standard
from vnfil.standards.schemas import StandardDocument, SupervisionLevel

CLAIM_IDS_MAX = 50  # as many as a standard has units
# Signed files carried in one claim (its workflow's input; the body is at most 256 KiB).
CLAIM_DOCUMENTS_MAX = 20
# The supervision element of the full credential is the least of its units'.
_SUPERVISION_ORDER = [
    SupervisionLevel.unsupervised_no_id,
    SupervisionLevel.supervised_no_id,
    SupervisionLevel.supervised_online_id,
    SupervisionLevel.onsite_id,
]


# The checks of a verification as a person reads them (refusals_pl.VALUES has them).
CHECK_WORDS = {
    "malformed": "its form",
    "signature": "signature",
    "issuer": "issuer and key",
    "expiry": "validity dates",
    "status": "revocation",
    "accreditation": "the centre's accreditation",
}


class Refused(Exception):
    """Why a claim is not granted (422: what the learner presented does not make it)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ClaimCreate(BaseModel):
    """``POST /me/qualifications/claims``: the standard (version) whose full credential
    is claimed, and the unit credentials, by id from the backpack or as signed files (a
    wallet's); none named: the backpack's, the newest of each unit."""

    standard_id: Id
    credential_ids: list[Id] = Field(default=[], max_length=CLAIM_IDS_MAX)
    credentials: list[dict[str, Any]] = Field(default=[], max_length=CLAIM_DOCUMENTS_MAX)


class ClaimRead(BaseModel):
    claim_id: str
    credential_id: str
    standard_id: str
    unit_credential_ids: list[str]
    created_at: datetime


class ClaimInput(BaseModel):
    """What the claim's workflow carries: the holder, the standard, the credentials by id
    (the backpack's) and the signed files presented."""

    claim_key: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    holder: CandidateRef
    standard_id: str
    credential_ids: list[str]
    documents: list[dict[str, Any]]
    at: datetime
    actor: Actor


class ClaimChecked(BaseModel):
    units: list[StackedUnit]
    supervision: SupervisionLevel


class ClaimIssue(BaseModel):
    claim: ClaimInput
    credential_id: str
    checked: ClaimChecked


class ClaimDone(BaseModel):
    claim_id: str
    credential_id: str
    created: bool


def claim_key(holder_id: str, standard_id: str, credential_ids: list[str]) -> str:
    """One claim per holder, standard and set of unit credentials: the same claim again
    finds the credential it made."""
    text = "|".join([holder_id, standard_id, *sorted(set(credential_ids))])
    return hashlib.sha256(text.encode()).hexdigest()


def credential_id_of(doc: dict[str, Any]) -> str | None:
    value = doc.get("id")
    if isinstance(value, str) and value.startswith("urn:uuid:"):
        return value.removeprefix("urn:uuid:")
    return None


@dataclass(frozen=True)
class Presented:
    """One unit credential of the claim: its id, its signed document, and the SHA-256 of
    the signed file as vnfil keeps it (None when vnfil did not issue it)."""

    credential_id: str
    document: dict[str, Any]
    sha256: str | None


@dataclass(frozen=True)
class UnitOf:
    """A unit credential's standard, as vnfil's catalogue has it."""

    standard_id: str
    awarding_body_id: str
    document: StandardDocument


StandardLookup = Callable[[str], Awaitable[UnitOf | None]]


def _unit_ref(base_url: str) -> re.Pattern[str]:
    return re.compile(
        re.escape(base_url) + r"/standards/([A-Za-z0-9_-]{1,64})/units/([A-Za-z0-9._-]{1,40})"
    )


def _achievement(doc: dict[str, Any]) -> dict[str, Any]:
    subject = doc.get("credentialSubject")
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    return achievement if isinstance(achievement, dict) else {}


def _supervision(doc: dict[str, Any]) -> SupervisionLevel:
    said = eu_elements_of(doc).get("supervisionAndIdentityVerification")
    try:
        return SupervisionLevel(str(said))
    except ValueError:
        return SupervisionLevel.unsupervised_no_id


async def check_units(
    presented: list[Presented],
    *,
    target: UnitOf,
    holder_email: str,
    registry: TrustRegistry,
    standard_of: StandardLookup,
    now: datetime,
    checker: SignatureChecker = IN_THREADS,
) -> ClaimChecked:
    """The units of ``target``'s full credential, each from a credential that holds;
    :class:`Refused` with the first that does not."""
    std = target.document
    rule = std.unit_claims
    if not std.units or rule is None:
        raise Refused(
            f"{std.code}@{std.version} is not claimed from unit credentials: "
            "its full credential is issued by a case"
        )
    accepted = sorted({std.version, *rule.accepted_versions})
    pattern = _unit_ref(registry.base_url)
    found: dict[str, StackedUnit] = {}
    least = len(_SUPERVISION_ORDER) - 1
    for item in presented:
        cid, doc = item.credential_id, item.document
        result = await verify_credential(doc, registry, now, checker)
        failed = next((c for c in result.checks if not c.ok), None)
        if failed is not None:
            raise Refused(
                f"credential {cid} does not verify ({CHECK_WORDS[failed.name]}): {failed.detail}"
            )
        theirs = awarded_to(doc, holder_email)
        if theirs is not True:
            raise Refused(
                f"credential {cid} names another person as its learner"
                if theirs is False
                else f"credential {cid} names no learner to match with you"
            )
        ref = pattern.fullmatch(str(_achievement(doc).get("id", "")))
        if ref is None:
            raise Refused(f"credential {cid} is not the credential of a unit")
        unit_of = await standard_of(ref[1])
        if (
            unit_of is None
            or unit_of.document.code != std.code
            or unit_of.awarding_body_id != target.awarding_body_id
        ):
            raise Refused(f"credential {cid} is a unit of another standard than {std.code}")
        version = unit_of.document.version
        if version not in accepted:
            raise Refused(
                f"credential {cid} is a unit of version {version} of {std.code}; "
                f"this claim accepts versions {', '.join(str(v) for v in accepted)}"
            )
        theirs_unit, ours = unit_of.document.unit(ref[2]), std.unit(ref[2])
        if theirs_unit is None or ours is None or set(theirs_unit.outcomes) != set(ours.outcomes):
            raise Refused(
                f"unit {ref[2]} of version {version} is not a unit of version {std.version} "
                "with the same outcomes"
            )
        issued_on = str(doc.get("validFrom", ""))
        issued = datetime.fromisoformat(issued_on.replace("Z", "+00:00"))
        if rule.max_age_years is not None and add_years(issued, rule.max_age_years) <= now:
            raise Refused(
                f"credential {cid} was issued on {issued:%Y-%m-%d}; unit credentials count "
                f"for {rule.max_age_years} years"
            )
        if ours.id in found:
            raise Refused(
                f"unit {ours.id} is given twice ({found[ours.id].credential_id} and {cid})"
            )
        if item.sha256 is None:
            raise Refused(f"credential {cid} was not issued here")
        issuer = doc.get("issuer")
        subject = doc.get("credentialSubject")
        source = subject.get("source") if isinstance(subject, dict) else None
        found[ours.id] = StackedUnit(
            credential_id=cid,
            unit_id=ours.id,
            title=ours.title,
            issued_on=issued_on,
            issuer=str(issuer.get("name", "")) if isinstance(issuer, dict) else str(issuer),
            centre=str(source.get("name")) if isinstance(source, dict) else None,
            sha256=item.sha256,
        )
        least = min(least, _SUPERVISION_ORDER.index(_supervision(doc)))
    missing = [u for u in std.units if u.id not in found]
    if missing:
        raise Refused(
            "no credential of unit "
            + ", ".join(f"{u.id} ({u.title})" for u in missing)
            + ": validate it at any accredited centre, then claim again"
        )
    return ClaimChecked(
        units=[found[u.id] for u in std.units], supervision=_SUPERVISION_ORDER[least]
    )


class Claimable(BaseModel):
    """A qualification the learner holds unit credentials of (its latest version that is
    claimed from units): the units held, those missing, and the credential already
    claimed, if any."""

    standard_id: str
    title: str
    units_held: list[str]
    units_missing: list[str]
    claimed_credential_id: str | None = None


async def claimable_for(session: AsyncSession, person_id: str) -> list[Claimable]:
    """What the backpack offers to claim: per code of the unit credentials held (unrevoked),
    its latest version with ``unit_claims``, and which of its units are held in a version
    it accepts. The claim itself checks each credential in full."""
    held = list(
        await session.scalars(
            select(Credential).where(
                Credential.holder_id == person_id,
                Credential.unit_id.is_not(None),
                Credential.revoked_at.is_(None),
            )
        )
    )
    if not held:
        return []
    of_held = {
        s.id: s
        for s in await session.scalars(
            select(Standard).where(Standard.id.in_({c.standard_id for c in held}))
        )
    }
    out = []
    for code in sorted({s.code for s in of_held.values()}):
        # The version the held units go furthest towards; the latest of those.
        best: tuple[int, Standard, StandardDocument, set[str]] | None = None
        for row in await session.scalars(
            select(Standard).where(Standard.code == code).order_by(Standard.version.desc())
        ):
            doc = StandardDocument.model_validate(row.document)
            if not doc.units or doc.unit_claims is None:
                continue
            accepted = {doc.version, *doc.unit_claims.accepted_versions}
            units = {
                str(c.unit_id)
                for c in held
                if of_held[c.standard_id].code == code
                and of_held[c.standard_id].version in accepted
            } & {u.id for u in doc.units}
            if best is None or len(units) > best[0]:
                best = (len(units), row, doc, units)
        if best is None:
            continue
        _, row, doc, units = best
        claimed = await session.scalar(
            select(QualificationClaim.credential_id)
            .where(
                QualificationClaim.holder_id == person_id,
                QualificationClaim.standard_id == row.id,
            )
            .order_by(QualificationClaim.created_at.desc())
            .limit(1)
        )
        out.append(
            Claimable(
                standard_id=row.id,
                title=doc.title,
                units_held=[u.id for u in doc.units if u.id in units],
                units_missing=[u.id for u in doc.units if u.id not in units],
                claimed_credential_id=claimed,
            )
        )
    return out
