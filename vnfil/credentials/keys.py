"""Awarding bodies' signing keys.

Private keys are sealed (``vnfil.platform.sealing``) with the server secret: a database
dump without it reveals no key.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import quote, urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from vnfil.accounts.models import AwardingBody
from vnfil.credentials.models import SigningKey
from vnfil.credentials.signing import multikey, xsd_datetime
from vnfil.platform.db import as_utc, utcnow
from vnfil.platform.sealing import seal, unseal

DID_CONTEXT = "https://www.w3.org/ns/did/v1"
MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"


class KeyError_(LookupError):
    """No usable key: the message says which awarding body and what to run."""


def issuer_url(base_url: str, awarding_body_id: str) -> str:
    """The awarding body's page (its OB 3.0 Profile); credentials issued before DIDs
    named the issuer by it, and still verify."""
    return f"{base_url}/issuers/{awarding_body_id}"


def issuer_did(base_url: str, awarding_body_id: str) -> str:
    """The awarding body's ``did:web``: the public host (a port percent-encoded), the base
    URL's path and ``issuers:<id>``, so did:web resolution reads
    ``<base_url>/issuers/<id>/did.json``."""
    parts = urlsplit(base_url)
    host = (parts.hostname or "") + (f"%3A{parts.port}" if parts.port else "")
    path = [quote(seg, safe="") for seg in parts.path.split("/") if seg]
    return ":".join(["did:web", host, *path, "issuers", awarding_body_id])


_BODY_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def body_of_issuer(base_url: str, issuer: str) -> str | None:
    """The awarding body an issuer id names (its DID, or its page for older credentials);
    none when it names anything else, or something beneath or beside a body."""
    for prefix in (issuer_did(base_url, ""), issuer_url(base_url, "")):
        rest = issuer[len(prefix) :] if issuer.startswith(prefix) else ""
        if _BODY_ID.fullmatch(rest):
            return rest
    return None


def method_id(base_url: str, key: SigningKey) -> str:
    return f"{issuer_did(base_url, key.awarding_body_id)}#{key.public_multikey}"


def did_document(base_url: str, awarding_body_id: str, keys: list[SigningKey]) -> dict[str, Any]:
    """The DID document did:web resolves to: every key the body signed with, under the DID
    and Multikey contexts (which define every term used).

    A retired key (rotated out) stays an assertion method with no ``expires``: in Multikey
    ``expires`` means "use for nothing after", so verifiers would refuse what it signed
    while it was current. A revoked (compromised) key is no assertion method any more,
    so nothing it signed verifies anywhere, and says when (``revoked``). The dates each
    key was valid are in the trust registry (``GET /registry/awarding-bodies``)."""
    did = issuer_did(base_url, awarding_body_id)
    methods = [
        {
            "id": f"{did}#{k.public_multikey}",
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": k.public_multikey,
            **({"revoked": xsd_datetime(as_utc(k.revoked_at))} if k.revoked_at else {}),
        }
        for k in keys
    ]
    return {
        "@context": [DID_CONTEXT, MULTIKEY_CONTEXT],
        "id": did,
        "alsoKnownAs": [issuer_url(base_url, awarding_body_id)],
        "verificationMethod": methods,
        "assertionMethod": [
            m["id"] for m, k in zip(methods, keys, strict=True) if not k.revoked_at
        ],
    }


@dataclass(frozen=True)
class ActiveKey:
    row: SigningKey
    private: Ed25519PrivateKey

    def method(self, base_url: str) -> str:
        return method_id(base_url, self.row)


async def create_key(session: AsyncSession, secret: str, awarding_body_id: str) -> SigningKey:
    """A new key for the awarding body; its current key, if any, is retired (rotation)."""
    if await session.get(AwardingBody, awarding_body_id) is None:
        raise KeyError_(f"no awarding body {awarding_body_id}")
    now = utcnow()
    for old in await session.scalars(
        select(SigningKey).where(
            SigningKey.awarding_body_id == awarding_body_id, SigningKey.retired_at.is_(None)
        )
    ):
        old.retired_at = now
    private = Ed25519PrivateKey.generate()
    row = SigningKey(
        awarding_body_id=awarding_body_id, public_multikey=multikey(private.public_key())
    )
    raw = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    row.id = str(uuid.uuid4())
    row.private_sealed = seal(secret, raw, f"signing-key:{row.id}")
    row.created_at = now
    session.add(row)
    await session.flush()
    return row


async def active_key(session: AsyncSession, secret: str, awarding_body_id: str) -> ActiveKey:
    row = await session.scalar(
        select(SigningKey)
        .where(
            SigningKey.awarding_body_id == awarding_body_id,
            SigningKey.retired_at.is_(None),
            SigningKey.revoked_at.is_(None),
        )
        .order_by(SigningKey.created_at.desc())
    )
    if row is None:
        raise KeyError_(
            f"awarding body {awarding_body_id} has no signing key: "
            f"run `vnfil keys create {awarding_body_id}`"
        )
    raw = unseal(secret, row.private_sealed, f"signing-key:{row.id}")
    return ActiveKey(row=row, private=Ed25519PrivateKey.from_private_bytes(raw))


class KeyDates(Protocol):
    @property
    def created_at(self) -> datetime: ...
    @property
    def retired_at(self) -> datetime | None: ...
    @property
    def revoked_at(self) -> datetime | None: ...


def key_valid_at(key: KeyDates, at: datetime) -> str | None:
    """Why ``key`` could not have signed at ``at``, or None when it could."""
    if key.revoked_at is not None:
        return f"the signing key was revoked on {key.revoked_at:%Y-%m-%d}"
    if key.retired_at is not None and at >= as_utc(key.retired_at):
        return "the proof was made after its key was retired by a rotation"
    if at < as_utc(key.created_at).replace(microsecond=0):
        return "the proof claims a time before its key existed"
    return None
