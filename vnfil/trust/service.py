"""The rule every case meets twice, when it opens and when it is certified: the centre
holds a valid accreditation, from the standard's own awarding body, for the standard's
code and version, at that moment."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from vnfil.platform.db import as_utc
from vnfil.trust.models import Accreditation


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
