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
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from vnfil.credentials import VC_CONTEXT
from vnfil.keys import ActiveKey, issuer_url
from vnfil.models import Credential, StatusList
from vnfil.signing import sign

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
        "issuer": issuer_url(base_url, row.awarding_body_id),
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


async def allocate(
    session: AsyncSession, key: ActiveKey, base_url: str, at: datetime
) -> tuple[StatusList, int]:
    """A random free slot in one of the awarding body's lists (a new list when all are full)."""
    body = key.row.awarding_body_id
    used = (
        select(Credential.status_list_id, func.count().label("n"))
        .where(Credential.status_list_id.is_not(None))
        .group_by(Credential.status_list_id)
        .subquery()
    )
    row = await session.scalar(
        select(StatusList)
        .outerjoin(used, used.c.status_list_id == StatusList.id)
        .where(
            StatusList.awarding_body_id == body,
            StatusList.purpose == PURPOSE,
            func.coalesce(used.c.n, 0) < StatusList.size,
        )
        .limit(1)
    )
    if row is None:
        row = StatusList(awarding_body_id=body, purpose=PURPOSE, size=LIST_SIZE)
        row.id = secrets.token_hex(16)
        row.bits = bytes(LIST_SIZE // 8)
        row.updated_at = at
        row.credential = list_credential(row, key, base_url, at)
        session.add(row)
        await session.flush()
    taken = set(
        await session.scalars(
            select(Credential.status_index).where(Credential.status_list_id == row.id)
        )
    )
    while (index := secrets.randbelow(row.size)) in taken:
        pass
    return row, index


def set_revoked(row: StatusList, index: int, key: ActiveKey, base_url: str, at: datetime) -> None:
    row.bits = with_bit(row.bits, index)
    row.updated_at = at
    row.credential = list_credential(row, key, base_url, at)
