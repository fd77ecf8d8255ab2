"""Revocation through W3C Bitstring Status List v1.0.

Each awarding body has lists of 131,072 slots (the spec's minimum, for herd
privacy); a credential gets a random free slot, so its index says nothing about
when it was issued. The list is published as a credential signed by the awarding
body, re-signed whenever a bit flips, at a stable URL (``/status/{list_id}``).
"""

from __future__ import annotations

import base64
import gzip
import secrets
import warnings
import zlib
from datetime import datetime
from typing import Any

from joserfc import jwt
from joserfc.jwk import OKPKey
from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from vnfil.credentials.document import VC_CONTEXT
from vnfil.credentials.keys import ActiveKey, issuer_did
from vnfil.credentials.models import Credential, StatusList
from vnfil.credentials.signing import sign
from vnfil.platform.db import insert_unless_present

LIST_SIZE = 131_072
PURPOSE = "revocation"


def status_list_url(base_url: str, list_id: str) -> str:
    return f"{base_url}/status/{list_id}"


def encode(bits: bytes) -> str:
    """Multibase base64url (no padding) of the GZIP-compressed bitstring."""
    packed = gzip.compress(bits, mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).rstrip(b"=").decode()


def decode(encoded: str) -> bytes:
    if not encoded.startswith("u"):
        raise ValueError("encodedList is not base64url multibase (it must start with 'u')")
    body = encoded[1:]
    return gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def bit(bits: bytes, index: int) -> bool:
    """Index 0 is the left-most bit of the first byte (the spec's order)."""
    if not 0 <= index < len(bits) * 8:
        raise IndexError(f"status index {index} is outside the list")
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def with_bit(bits: bytes, index: int) -> bytes:
    out = bytearray(bits)
    out[index // 8] |= 0x80 >> (index % 8)
    return bytes(out)


def list_credential(row: StatusList, key: ActiveKey, base_url: str, at: datetime) -> dict[str, Any]:
    url = status_list_url(base_url, row.id)
    document = {
        "@context": [VC_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_did(base_url, row.awarding_body_id),
        "validFrom": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": row.purpose,
            "encodedList": encode(row.bits),
        },
    }
    return sign(document, key.private, key.method(base_url), at)


def entry(base_url: str, list_id: str, index: int) -> dict[str, Any]:
    """The ``credentialStatus`` of a credential holding slot ``index`` of the list."""
    url = status_list_url(base_url, list_id)
    return {
        "id": f"{url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": PURPOSE,
        "statusListIndex": str(index),
        "statusListCredential": url,
    }


async def _latest(session: AsyncSession, body: str) -> StatusList | None:
    return await session.scalar(
        select(StatusList)
        .where(StatusList.awarding_body_id == body, StatusList.purpose == PURPOSE)
        .order_by(StatusList.number.desc())
        .limit(1)
        .execution_options(populate_existing=True)
    )


async def _open_list(
    session: AsyncSession, key: ActiveKey, base_url: str, at: datetime, number: int
) -> None:
    """Create list ``number`` unless someone just did (unique awarding body, purpose,
    number): racing first certifications all end up in one list."""
    row = StatusList(
        id=secrets.token_hex(16),
        awarding_body_id=key.row.awarding_body_id,
        purpose=PURPOSE,
        number=number,
        size=LIST_SIZE,
        bits=bytes(LIST_SIZE // 8),
        updated_at=at,
    )
    values = {
        "id": row.id,
        "awarding_body_id": row.awarding_body_id,
        "purpose": row.purpose,
        "number": number,
        "size": row.size,
        "bits": row.bits,
        "updated_at": at,
        "version": 1,
        "credential": list_credential(row, key, base_url, at),
    }
    await insert_unless_present(
        session, StatusList, values, ["awarding_body_id", "purpose", "number"]
    )


# Random picks of a slot before the list is counted (once) to see whether it is full.
PICKS = 64


async def _taken(session: AsyncSession, list_id: str, index: int) -> bool:
    """One indexed read (the unique slot's index): is this slot used?"""
    found = await session.scalar(
        select(Credential.id)
        .where(Credential.status_list_id == list_id, Credential.status_index == index)
        .limit(1)
    )
    return found is not None


async def _first_free(session: AsyncSession, row: StatusList) -> int | None:
    """A nearly full list's lowest free slot (rare: 64 random picks missed), found by the
    database in one pass over the list's slot index: the first used slot whose next one
    is not used. Only the answer comes back, not the list's 131,072 used slots."""
    if not await _taken(session, row.id, 0):
        return 0
    used, following = aliased(Credential), aliased(Credential)
    free = await session.scalar(
        select(func.min(used.status_index + 1)).where(
            used.status_list_id == row.id,
            ~exists().where(
                following.status_list_id == row.id,
                following.status_index == used.status_index + 1,
            ),
        )
    )
    return free if free is not None and free < row.size else None


async def allocate(
    session: AsyncSession, key: ActiveKey, base_url: str, at: datetime
) -> tuple[StatusList, int]:
    """A random free slot in the awarding body's last list (a next list when it is full),
    in constant time whatever the number of credentials: random picks, each one indexed
    read, until a free one (about one while a list is under half full); only when 64 in
    a row are taken is the list scanned, and a next list opened when it is full.

    Under a race for a new list every caller ends up in the same one; a slot two
    callers pick at once breaks the unique slot and the activity retries.
    """
    body = key.row.awarding_body_id
    while True:
        row = await _latest(session, body)
        if row is not None:
            for _ in range(PICKS):
                index = secrets.randbelow(row.size)
                if not await _taken(session, row.id, index):
                    return row, index
            free = await _first_free(session, row)
            if free is not None:
                return row, free
        await _open_list(session, key, base_url, at, 0 if row is None else row.number + 1)


async def locked(session: AsyncSession, list_id: str) -> StatusList | None:
    """The list, read for a bit change. PostgreSQL locks the row (``FOR NO KEY UPDATE``:
    a concurrent change waits, while issuing into the list, which only takes a key-share
    lock through its foreign key, does not); SQLite has no row locks, and there the
    version check of the UPDATE catches a change made meanwhile."""
    return await session.scalar(
        select(StatusList)
        .where(StatusList.id == list_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )


def set_revoked(row: StatusList, index: int, key: ActiveKey, base_url: str, at: datetime) -> None:
    """Set the bit and re-sign the list; the flush fails with ``StaleDataError`` if the
    list changed since ``row`` was read (its version moved): read it again and retry."""
    row.bits = with_bit(row.bits, index)
    row.updated_at = at
    row.credential = list_credential(row, key, base_url, at)


TOKEN_TYPE = "statuslist+jwt"
TOKEN_MEDIA_TYPE = "application/statuslist+jwt"
TOKEN_TTL = 300
# Token Status List counts the bits of a byte from the least significant one; Bitstring
# Status List from the most significant: the same list, each byte's bits reversed.
_REVERSED = bytes(int(f"{b:08b}"[::-1], 2) for b in range(256))


def token_bits(bits: bytes) -> bytes:
    return bits.translate(_REVERSED)


def list_token(row: StatusList, key: ActiveKey, base_url: str, at: datetime) -> str:
    """The same list as an IETF Token Status List (``application/statuslist+jwt``), for
    SD-JWT VCs: one status bit a credential, ZLIB-compressed, signed by the awarding body."""
    lst = base64.urlsafe_b64encode(zlib.compress(token_bits(row.bits), 9)).rstrip(b"=")
    claims = {
        "sub": status_list_url(base_url, row.id),
        "iat": int(at.timestamp()),
        "exp": int(at.timestamp()) + TOKEN_TTL,
        "ttl": TOKEN_TTL,
        "status_list": {"bits": 1, "lst": lst.decode()},
    }
    header = {"alg": "EdDSA", "typ": TOKEN_TYPE, "kid": key.method(base_url)}
    signer = OKPKey.import_key(key.private)
    with warnings.catch_warnings():  # "EdDSA" is what Token Status List verifiers know
        warnings.simplefilter("ignore")
        return jwt.encode(header, claims, signer, algorithms=["EdDSA"])
