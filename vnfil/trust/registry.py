"""The trust registry: awarding bodies with their DIDs and keys (and the dates each key
was valid), centres with their accreditations and status. Read by anyone, as JSON, a
page at a time (``GET /registry/...``), and by vnfil's own verifier
(:class:`DatabaseRegistry`)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer

from vnfil.accounts.models import AwardingBody, Centre
from vnfil.credentials.document import centre_url
from vnfil.credentials.keys import issuer_did, issuer_url, method_id
from vnfil.credentials.models import Credential, SigningKey, StatusList
from vnfil.credentials.verification import (
    MULTIKEY,
    VNFIL_ID,
    KnownAccreditation,
    KnownKey,
)
from vnfil.platform.db import as_utc
from vnfil.platform.paging import Keyset, Position
from vnfil.standards.models import StandardCode
from vnfil.trust.models import Accreditation
from vnfil.trust.schemas import (
    AccreditationEntry,
    KeyState,
    RegistryBody,
    RegistryCentre,
    RegistryKey,
)


def _state(key: SigningKey) -> KeyState:
    if key.revoked_at is not None:
        return "revoked"
    return "retired" if key.retired_at is not None else "current"


# The registry's lists, by name (equal names by id), each on an index of its own.
BODY_ORDER = Keyset("awarding bodies", (AwardingBody.name, AwardingBody.id), descending=False)
CENTRE_ORDER = Keyset("centres", (Centre.name, Centre.id), descending=False)


async def bodies(
    session: AsyncSession,
    base_url: str,
    *,
    limit: int,
    after: Position | None = None,
    body_id: str | None = None,
) -> list[RegistryBody]:
    """A page of awarding bodies from ``after`` (``BODY_ORDER``), with one more than
    ``limit`` when the list goes on."""
    query = select(AwardingBody)
    if body_id is not None:
        query = query.where(AwardingBody.id == body_id)
    rows = list(await session.scalars(BODY_ORDER.window(query, after, limit)))
    ids = [b.id for b in rows]
    keys: dict[str, list[SigningKey]] = defaultdict(list)
    for k in await session.scalars(
        select(SigningKey)
        .where(SigningKey.awarding_body_id.in_(ids))
        .order_by(SigningKey.created_at)
    ):
        keys[k.awarding_body_id].append(k)
    codes: dict[str, list[str]] = defaultdict(list)
    for c in await session.scalars(
        select(StandardCode)
        .where(StandardCode.awarding_body_id.in_(ids))
        .order_by(StandardCode.code)
    ):
        codes[c.awarding_body_id].append(c.code)
    return [
        RegistryBody(
            id=b.id,
            did=issuer_did(base_url, b.id),
            name=b.name,
            country=b.country,
            url=b.url,
            profile=issuer_url(base_url, b.id),
            did_document=f"{issuer_url(base_url, b.id)}/did.json",
            standard_codes=codes[b.id],
            keys=[
                RegistryKey(
                    id=method_id(base_url, k),
                    public_key_multibase=k.public_multikey,
                    state=_state(k),
                    created_at=as_utc(k.created_at),
                    retired_at=as_utc(k.retired_at) if k.retired_at else None,
                    revoked_at=as_utc(k.revoked_at) if k.revoked_at else None,
                )
                for k in keys[b.id]
            ],
        )
        for b in rows
    ]


async def centres(
    session: AsyncSession,
    base_url: str,
    *,
    limit: int,
    after: Position | None = None,
    centre_id: str | None = None,
    country: str | None = None,
) -> list[RegistryCentre]:
    """A page of centres from ``after`` (``CENTRE_ORDER``), with one more than ``limit``
    when the list goes on."""
    query = select(Centre)
    if centre_id is not None:
        query = query.where(Centre.id == centre_id)
    if country is not None:
        query = query.where(Centre.country == country)
    rows = list(await session.scalars(CENTRE_ORDER.window(query, after, limit)))
    held: dict[str, list[AccreditationEntry]] = defaultdict(list)
    for a in await session.scalars(
        select(Accreditation)
        .options(defer(Accreditation.credential))
        .where(Accreditation.centre_id.in_([c.id for c in rows]))
        .order_by(Accreditation.standard_code, Accreditation.valid_from.desc())
    ):
        held[a.centre_id].append(AccreditationEntry.model_validate(a))
    return [
        RegistryCentre(
            id=c.id,
            url=centre_url(base_url, c.id),
            name=c.name,
            country=c.country,
            region=c.region,
            web_page=c.url,
            accreditations=held[c.id],
        )
        for c in rows
    ]


class DatabaseRegistry:
    """Trust as vnfil's database knows it: its awarding bodies' keys and status lists."""

    def __init__(self, session: AsyncSession, base_url: str) -> None:
        self.session = session
        self.base_url = base_url
        # Keys looked up once for one verification (made for each request): a credential
        # and its status list are nearly always signed by the same key.
        self._keys: dict[str, KnownKey | None] = {}

    # What the document says is asked of the database only in the shape vnfil's own
    # ids and keys have: anything else (a NUL byte, a megabyte) is simply unknown here.

    async def key(self, multikey: str) -> KnownKey | None:
        if not MULTIKEY.fullmatch(multikey):
            return None
        if multikey not in self._keys:
            row = (
                await self.session.execute(
                    select(
                        SigningKey.awarding_body_id,
                        SigningKey.created_at,
                        SigningKey.retired_at,
                        SigningKey.revoked_at,
                    ).where(SigningKey.public_multikey == multikey)
                )
            ).first()
            self._keys[multikey] = None if row is None else KnownKey(*row)
        return self._keys[multikey]

    async def accreditations(
        self, centre_id: str, awarding_body_id: str, code: str, version: int
    ) -> list[KnownAccreditation]:
        # The columns the check reads: not the signed credential each row keeps.
        rows = await self.session.execute(
            select(
                Accreditation.valid_from,
                Accreditation.valid_until,
                Accreditation.status,
                Accreditation.status_reason,
                Accreditation.status_changed_at,
                Accreditation.qa_reference,
                Accreditation.min_version,
                Accreditation.max_version,
            ).where(
                Accreditation.centre_id == centre_id,
                Accreditation.awarding_body_id == awarding_body_id,
                Accreditation.standard_code == code,
                Accreditation.min_version <= version,
                or_(Accreditation.max_version.is_(None), Accreditation.max_version >= version),
            )
        )
        return [
            KnownAccreditation(
                as_utc(r.valid_from),
                as_utc(r.valid_until),
                r.status,
                r.status_reason,
                as_utc(r.status_changed_at) if r.status_changed_at else None,
                r.qa_reference,
                r.min_version,
                r.max_version,
            )
            for r in rows
        ]

    async def status_list(self, url: str) -> dict[str, Any] | None:
        prefix = f"{self.base_url}/status/"
        list_id = url.removeprefix(prefix)
        if not url.startswith(prefix) or not VNFIL_ID.fullmatch(list_id):
            return None
        # The signed list alone: not its bits (16 kB more), nor an ORM object to track.
        listed: dict[str, Any] | None = await self.session.scalar(
            select(StatusList.credential).where(StatusList.id == list_id)
        )
        return listed

    async def revocation_note(self, credential_id: str) -> str | None:
        cid = credential_id.removeprefix("urn:uuid:")
        if not VNFIL_ID.fullmatch(cid):
            return None
        row = await self.session.get(Credential, cid)
        if row is None or row.revoked_at is None:
            return None
        return f"revoked on {row.revoked_at:%Y-%m-%d}: {row.revocation_reason}"
