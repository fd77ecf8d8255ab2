"""The standards catalogue: load, validate and import standard versions."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from vnfil.models import AwardingBody, Standard
from vnfil.schemas import Issuer, StandardDocument, StandardSnapshot

CATALOGUE = Path(__file__).parent / "catalogue"


def sample_documents() -> list[StandardDocument]:
    return [
        StandardDocument.model_validate(json.loads(p.read_text()))
        for p in sorted(CATALOGUE.glob("*.json"))
    ]


async def import_standard(
    session: AsyncSession, doc: StandardDocument, awarding_body_id: str
) -> Standard:
    """Add a standard version; an existing (code, version) is left as it is."""
    existing = await session.scalar(
        select(Standard).where(Standard.code == doc.code, Standard.version == doc.version)
    )
    if existing is not None:
        return existing
    row = Standard(
        code=doc.code,
        version=doc.version,
        title=doc.title,
        awarding_body_id=awarding_body_id,
        document=doc.model_dump(mode="json"),
    )
    session.add(row)
    await session.flush()
    return row


async def snapshot(session: AsyncSession, standard: Standard) -> StandardSnapshot:
    body = await session.get(AwardingBody, standard.awarding_body_id)
    assert body is not None
    return StandardSnapshot(
        standard_id=standard.id,
        issuer=Issuer(id=body.id, name=body.name, country=body.country, url=body.url),
        document=StandardDocument.model_validate(standard.document),
    )
