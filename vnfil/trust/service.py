"""Accreditations: granting and changing them, the credential the awarding body signs
for each, and the rule every case meets twice, when it opens and when it is certified: the centre
holds a valid accreditation, from the standard's own awarding body, for the standard's
code and version, at that moment."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from vnfil.accounts.models import AwardingBody, Centre
from vnfil.credentials.document import CONTEXTS, centre_url
from vnfil.credentials.keys import KeyError_, active_key, issuer_did
from vnfil.credentials.signing import sign, xsd_datetime
from vnfil.events.models import Event
from vnfil.events.service import event_id, record_event
from vnfil.platform.db import as_utc, new_uuid, utcnow
from vnfil.standards.models import StandardCode
from vnfil.trust.models import Accreditation
from vnfil.trust.schemas import AccreditationChange, AccreditationCreate, AccreditationEntry


class NotAccredited(LookupError):
    """The centre may not validate this standard now; the message says why, for people."""


async def accreditation_for(
    session: AsyncSession,
    *,
    centre_id: str,
    awarding_body_id: str,
    code: str,
    version: int,
    at: datetime,
) -> Accreditation:
    """The accreditation that lets the centre validate ``code@version`` at ``at``, or
    :class:`NotAccredited` saying what is missing (none, suspended, withdrawn, expired)."""
    rows = list(
        await session.scalars(
            select(Accreditation)
            .where(
                Accreditation.centre_id == centre_id,
                Accreditation.standard_code == code,
                Accreditation.awarding_body_id == awarding_body_id,
                Accreditation.min_version <= version,
                or_(Accreditation.max_version.is_(None), Accreditation.max_version >= version),
            )
            .order_by(Accreditation.valid_until.desc())
        )
    )
    for row in rows:
        if row.status == "active" and as_utc(row.valid_from) <= at < as_utc(row.valid_until):
            return row
    what = f"{code} version {version}"
    if not rows:
        raise NotAccredited(f"the centre holds no accreditation from the awarding body for {what}")
    latest = rows[0]
    if latest.status != "active":
        raise NotAccredited(
            f"the centre's accreditation for {what} is {latest.status}: {latest.status_reason}"
        )
    if at < as_utc(latest.valid_from):
        raise NotAccredited(
            f"the centre's accreditation for {what} starts on {latest.valid_from:%Y-%m-%d}"
        )
    raise NotAccredited(
        f"the centre's accreditation for {what} ended on {latest.valid_until:%Y-%m-%d}"
    )


# --- granting and changing accreditations ------------------------------------------

# Accreditation ids made from request ids (uuid5), so a retried grant is found, not repeated.
_REQUESTS = uuid.UUID("6f1b7c52-2f43-4bb5-9a43-0f3b8e0c7a11")
# What may follow what: a withdrawal is final; only a suspended one is reinstated.
MOVES = frozenset(
    {
        ("active", "suspended"),
        ("active", "withdrawn"),
        ("suspended", "withdrawn"),
        ("suspended", "active"),
    }
)


class TrustRefusal(StrEnum):
    no_centre = "no_centre"
    no_standard = "no_standard"
    not_owner = "not_owner"
    no_accreditation = "no_accreditation"
    bad_move = "bad_move"
    no_key = "no_key"


class Refused(Exception):
    def __init__(self, why: TrustRefusal, message: str) -> None:
        super().__init__(message)
        self.why = why


@dataclass(frozen=True)
class Changed:
    accreditation: Accreditation
    event: Event


async def _event(session: AsyncSession, subject: str, discriminator: str) -> Event | None:
    """The ``accreditation.changed`` event a step wrote, if it did."""
    return await session.scalar(
        select(Event).where(Event.id == event_id("accreditation.changed", subject, discriminator))
    )


def _payload(row: Accreditation) -> dict[str, Any]:
    return AccreditationEntry.model_validate(row).model_dump(mode="json")


async def grant(
    session: AsyncSession,
    *,
    awarding_body_id: str,
    actor_id: str,
    data: AccreditationCreate,
    secret: str,
    base_url: str,
    request_id: str | None = None,
) -> Changed:
    """The awarding body accredits a centre for one of its own standards' codes: the row,
    the credential the body signs for it, and the ``accreditation.changed`` event, in the
    caller's transaction. With ``request_id``, a second call finds the first's grant."""
    row_id = str(uuid.uuid5(_REQUESTS, request_id)) if request_id else new_uuid()
    done = await session.get(Accreditation, row_id)
    if done is not None:
        event = await _event(session, row_id, "granted")
        assert event is not None  # written with the row
        return Changed(done, event)
    centre = await session.get(Centre, data.centre_id)
    if centre is None:
        raise Refused(TrustRefusal.no_centre, f"no centre {data.centre_id}")
    owner = await session.get(StandardCode, data.standard_code)
    if owner is None:
        raise Refused(TrustRefusal.no_standard, f"no standard with the code {data.standard_code}")
    if owner.awarding_body_id != awarding_body_id:
        raise Refused(
            TrustRefusal.not_owner,
            f"the standard {data.standard_code} belongs to another awarding body: "
            "only it accredits centres for it",
        )
    body = await session.get(AwardingBody, awarding_body_id)
    assert body is not None  # the body's own member asks
    row = Accreditation(awarding_body_id=awarding_body_id, **data.model_dump())
    row.id, row.created_at = row_id, utcnow()
    try:
        key = await active_key(session, secret, awarding_body_id)
    except KeyError_ as exc:
        raise Refused(TrustRefusal.no_key, str(exc)) from None
    row.credential = sign(
        accreditation_credential(row, centre, body, base_url),
        key.private,
        key.method(base_url),
        row.created_at,
    )
    session.add(row)
    await session.flush()
    event = await record_event(
        session,
        type_="accreditation.changed",
        subject=row.id,
        awarding_body_id=awarding_body_id,
        data={"change": "granted", "by": actor_id, "accreditation": _payload(row)},
        time=row.created_at,
        discriminator="granted",
    )
    return Changed(row, event)


async def change_status(
    session: AsyncSession,
    *,
    accreditation_id: str,
    awarding_body_id: str,
    actor_id: str,
    change: AccreditationChange,
    request_id: str | None = None,
) -> Changed:
    """Suspend, withdraw (final) or reinstate (a suspended one), with the event. With
    ``request_id``, a second call finds the first's change instead of refusing it."""
    row = await session.get(Accreditation, accreditation_id, with_for_update=True)
    if row is None or row.awarding_body_id != awarding_body_id:
        raise Refused(TrustRefusal.no_accreditation, f"no accreditation {accreditation_id}")
    if request_id is not None:
        done = await _event(session, row.id, f"request:{request_id}")
        if done is not None:
            return Changed(row, done)
    if (row.status, change.status) not in MOVES:
        raise Refused(
            TrustRefusal.bad_move,
            f"an accreditation that is {row.status} cannot become {change.status}",
        )
    now = utcnow()
    row.status, row.status_reason, row.status_changed_at = change.status, change.reason, now
    await session.flush()
    event = await record_event(
        session,
        type_="accreditation.changed",
        subject=row.id,
        awarding_body_id=row.awarding_body_id,
        data={"change": change.status, "by": actor_id, "accreditation": _payload(row)},
        time=now,
        discriminator=f"request:{request_id}" if request_id else f"{change.status}@{now}",
    )
    return Changed(row, event)


def accreditation_url(base_url: str, accreditation_id: str) -> str:
    return f"{base_url}/accreditations/{accreditation_id}"


def accreditation_credential(
    row: Accreditation, centre: Centre, body: AwardingBody, base_url: str
) -> dict[str, Any]:
    """The accreditation as an Open Badges 3.0 ``EndorsementCredential`` (unsigned): the
    awarding body endorses the centre (its subject, by its registry URL) for the
    standard's code and versions, for the dates, within the scope, on the QA body's
    report. Only OB 3.0 and VC 2.0 terms, so every OB verifier reads it. Its live status
    (suspended, withdrawn) is the registry's: ``id`` is where to read it."""
    versions = (
        f"versions {row.min_version} and later"
        if row.max_version is None
        else f"versions {row.min_version} to {row.max_version}"
    )
    comment = (
        f"{body.name} accredits {centre.name} to validate learning against the standard "
        f"{row.standard_code} ({versions}) from {row.valid_from:%Y-%m-%d} until "
        f"{row.valid_until:%Y-%m-%d}."
        + (f" Scope: {row.scope}" if row.scope else "")
        + f" External quality assurance: {row.qa_body}, report {row.qa_reference}."
    )
    return {
        "@context": CONTEXTS,
        "id": accreditation_url(base_url, row.id),
        "type": ["VerifiableCredential", "EndorsementCredential"],
        "name": f"Accreditation of {centre.name} for {row.standard_code}",
        "issuer": {
            "id": issuer_did(base_url, body.id),
            "type": ["Profile"],
            "name": body.name,
        },
        "validFrom": xsd_datetime(as_utc(row.valid_from)),
        "validUntil": xsd_datetime(as_utc(row.valid_until)),
        "credentialSubject": {
            "id": centre_url(base_url, centre.id),
            "type": ["EndorsementSubject"],
            "endorsementComment": comment,
        },
        "evidence": [
            {
                "type": ["Evidence"],
                "name": row.qa_body,
                "description": f"External quality assurance report {row.qa_reference}",
                "genre": "Quality assurance report",
            }
        ],
    }
