"""Onboarding institutions: the platform operator makes awarding bodies (each with its
first signing key, so it is a working ``did:web`` at once) and validation centres, then
invites their first administrators (``vnfil.accounts.service.invite``)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from vnfil.accounts.models import AwardingBody, Centre
from vnfil.accounts.schemas import AwardingBodyCreate, CentreCreate
from vnfil.credentials.keys import create_key


class Taken(ValueError):
    """The id asked for is another institution's."""


async def create_awarding_body(
    session: AsyncSession, secret: str, data: AwardingBodyCreate
) -> AwardingBody:
    """The awarding body and its first signing key, in the caller's transaction (a race
    for the same id fails there, on the primary key)."""
    if data.id is not None and await session.get(AwardingBody, data.id) is not None:
        raise Taken(f"there is already an awarding body {data.id}")
    row = AwardingBody(**data.model_dump(exclude_none=True))
    session.add(row)
    await session.flush()
    await create_key(session, secret, row.id)
    return row


async def create_centre(session: AsyncSession, data: CentreCreate) -> Centre:
    if data.id is not None and await session.get(Centre, data.id) is not None:
        raise Taken(f"there is already a centre {data.id}")
    row = Centre(**data.model_dump(exclude_none=True))
    session.add(row)
    await session.flush()
    return row
