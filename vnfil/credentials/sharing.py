"""The learner's backpack: every credential a person holds, the links they make to show
one, and whether its public verification page is shown.

A share link shows the credential as the server verifies it, without the parts its holder
chose to leave out (the grade, the outcomes, the evidence). The signed file holds every
part and its signature covers them all, so a link that leaves something out does not
offer the file: what it shows is vnfil's word, checked at each visit.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from urllib.parse import urlencode

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from vnfil.accounts.service import hash_token
from vnfil.credentials.models import Credential, CredentialShare
from vnfil.platform.db import add_years, as_utc, utcnow

Part = Literal["grade", "outcomes", "evidence"]
SHARE_PREFIX = "shr_"
SHARES_PER_CREDENTIAL = 50  # live links at once; a revoked or expired one frees its place
SHARE_YEARS_MAX = 10  # how far ahead a link may end


class ShareRefused(Exception):
    """Why a share link does not show its credential (the page says so, plainly)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


async def held_by(session: AsyncSession, person_id: str) -> list[Credential]:
    """Every credential issued to this person, from any centre, newest first."""
    rows = await session.scalars(
        select(Credential)
        .where(Credential.holder_id == person_id)
        .order_by(Credential.issued_at.desc(), Credential.id)
    )
    return list(rows)


async def holder_of(session: AsyncSession, credential: Credential) -> str | None:
    """Its learner: the case's candidate, or who claimed it from their unit credentials."""
    return credential.holder_id


def live(share: CredentialShare, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return share.revoked_at is None and (share.expires_at is None or as_utc(share.expires_at) > now)


async def shares_of(session: AsyncSession, credential_ids: list[str]) -> list[CredentialShare]:
    if not credential_ids:
        return []
    rows = await session.scalars(
        select(CredentialShare)
        .where(CredentialShare.credential_id.in_(credential_ids))
        .order_by(CredentialShare.created_at.desc())
    )
    return list(rows)


async def make_share(
    session: AsyncSession,
    credential: Credential,
    *,
    name: str,
    expires_at: datetime | None,
    hidden: list[Part],
) -> tuple[CredentialShare, str]:
    """A new link (its token is returned this once), or ShareRefused."""
    if expires_at is not None:
        try:
            expires_at = as_utc(expires_at)
        except OverflowError:  # 9999-12-31T23:59-05:00 is past what a date can hold
            raise ShareRefused(422, "the link's end is not a date it can have") from None
        if expires_at <= utcnow():
            raise ShareRefused(422, "the link would end before it starts: choose a later date")
        if expires_at > add_years(utcnow(), SHARE_YEARS_MAX):
            raise ShareRefused(422, f"a link ends at most {SHARE_YEARS_MAX} years ahead, or never")
    current = [s for s in await shares_of(session, [credential.id]) if live(s)]
    if len(current) >= SHARES_PER_CREDENTIAL:
        raise ShareRefused(
            409,
            f"a credential has at most {SHARES_PER_CREDENTIAL} live links; revoke one first",
        )
    token = SHARE_PREFIX + secrets.token_urlsafe(24)
    share = CredentialShare(
        credential_id=credential.id,
        name=name,
        token_hash=hash_token(token),
        hidden=sorted(set(hidden)),
        expires_at=expires_at,
    )
    session.add(share)
    await session.flush()
    return share, token


async def shared(session: AsyncSession, token: str) -> tuple[CredentialShare, Credential]:
    """What a link shows, counted as a visit; ShareRefused when it shows nothing."""
    share = await session.scalar(
        select(CredentialShare).where(CredentialShare.token_hash == hash_token(token))
    )
    if share is None:
        raise ShareRefused(404, "there is no such link to a credential")
    if share.revoked_at is not None:
        raise ShareRefused(410, "the holder has withdrawn this link")
    if not live(share):
        raise ShareRefused(410, "this link has expired; ask its holder for a new one")
    credential = await session.get(Credential, share.credential_id)
    assert credential is not None
    await session.execute(
        update(CredentialShare)
        .where(CredentialShare.id == share.id)
        .values(views=CredentialShare.views + 1)
    )
    return share, credential


@dataclass(frozen=True)
class Links:
    """Where a holder takes a credential: its file, its certificate, its European Learning
    Model (Europass) document, its public page."""

    json: str
    pdf: str
    elm: str
    verification: str
    linkedin: str


def links(base_url: str, credential: Credential) -> Links:
    verification = f"{base_url}/credentials/{credential.id}/verification"
    return Links(
        json=f"/credentials/{credential.id}/credential.json",
        pdf=f"/credentials/{credential.id}/certificate.pdf",
        elm=f"/credentials/{credential.id}/elm.json",
        verification=verification,
        linkedin=linkedin_url(credential.document, verification, credential.id),
    )


def linkedin_url(document: dict[str, Any], page: str, credential_id: str) -> str:
    """LinkedIn's "add to profile" form, filled in (it opens on LinkedIn, nothing is sent
    from here): the credential's name, its awarding body, the month it was issued and
    the page where anyone sees it is valid."""
    issued = str(document.get("validFrom", ""))
    issuer = document.get("issuer")
    fields: dict[str, str] = {
        "startTask": "CERTIFICATION_NAME",
        "name": str(document.get("name", "")),
        "organizationName": str(issuer.get("name", "")) if isinstance(issuer, dict) else "",
        "certUrl": page,
        "certId": credential_id,
    }
    if len(issued) >= 7 and issued[:4].isdigit() and issued[5:7].isdigit():
        fields |= {"issueYear": issued[:4], "issueMonth": str(int(issued[5:7]))}
    return "https://www.linkedin.com/profile/add?" + urlencode(fields)
