"""Verifying a credential: the one procedure behind ``POST /verify``, the public page
and ``vnfil verify``.

It never fetches anything: contexts ship with the package, and keys and status
lists come from a :class:`TrustRegistry` (vnfil's own database, so it works
offline). Each check says what it found; ``failed`` names the first that did not
hold, in the order malformed, signature, issuer, expiry, status.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from vnfil.credentials import VC_CONTEXT, shipped_context
from vnfil.keys import issuer_url, key_by_multikey, key_valid_at
from vnfil.models import Credential, StatusList
from vnfil.schemas import Check, VerificationResult
from vnfil.signing import ProofError
from vnfil.signing import verify as verify_proof
from vnfil.status import bit, decode


@dataclass(frozen=True)
class KnownKey:
    awarding_body_id: str
    created_at: datetime
    retired_at: datetime | None
    revoked_at: datetime | None


class TrustRegistry(Protocol):
    base_url: str

    async def key(self, multikey: str) -> KnownKey | None: ...

    async def status_list(self, url: str) -> dict[str, Any] | None: ...

    async def revocation_note(self, credential_id: str) -> str | None: ...


class DatabaseRegistry:
    """Trust as vnfil's database knows it: its awarding bodies' keys and status lists."""

    def __init__(self, session: AsyncSession, base_url: str) -> None:
        self.session = session
        self.base_url = base_url

    async def key(self, multikey: str) -> KnownKey | None:
        row = await key_by_multikey(self.session, multikey)
        if row is None:
            return None
        return KnownKey(row.awarding_body_id, row.created_at, row.retired_at, row.revoked_at)

    async def status_list(self, url: str) -> dict[str, Any] | None:
        prefix = f"{self.base_url}/status/"
        if not url.startswith(prefix):
            return None
        row = await self.session.get(StatusList, url.removeprefix(prefix))
        return None if row is None else row.credential

    async def revocation_note(self, credential_id: str) -> str | None:
        row = await self.session.get(Credential, credential_id.removeprefix("urn:uuid:"))
        if row is None or row.revoked_at is None:
            return None
        return f"revoked on {row.revoked_at:%Y-%m-%d}: {row.revocation_reason}"


class MemoryRegistry:
    """Trust held in memory: keys and status lists given up front (batch checks, bench)."""

    def __init__(
        self, base_url: str, keys: dict[str, KnownKey], status_lists: list[dict[str, Any]]
    ) -> None:
        self.base_url = base_url
        self._keys = keys
        self._lists = {str(sl["id"]): sl for sl in status_lists}

    async def key(self, multikey: str) -> KnownKey | None:
        return self._keys.get(multikey)

    async def status_list(self, url: str) -> dict[str, Any] | None:
        return self._lists.get(url)

    async def revocation_note(self, credential_id: str) -> str | None:
        return None


def _time(value: Any, name: str) -> datetime:
    if not isinstance(value, str):
        raise ValueError(f"{name} must be an XML Schema dateTime string")
    at = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if at.tzinfo is None:
        raise ValueError(f"{name} must carry a time zone")
    return at


def _malformed(doc: Any) -> str | None:
    """Why the document is not a credential vnfil can check, or None."""
    if not isinstance(doc, dict):
        return "a credential is a JSON object"
    ctx = doc.get("@context")
    if not isinstance(ctx, list) or not ctx or ctx[0] != VC_CONTEXT:
        return f"@context must be a list starting with {VC_CONTEXT}"
    for c in ctx:
        if isinstance(c, str) and shipped_context(c) is None:
            return f"unknown context {c} (vnfil fetches none; only shipped contexts are accepted)"
        if not isinstance(c, str | dict):
            return "every @context entry must be a URL or an object"
    types = doc.get("type")
    if not isinstance(types, list) or "VerifiableCredential" not in types:
        return "type must be a list including VerifiableCredential"
    issuer = doc.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if not isinstance(issuer_id, str):
        return "issuer must be a URL or an object with an id"
    if not isinstance(doc.get("credentialSubject"), dict | list):
        return "credentialSubject is missing"
    try:
        _time(doc.get("validFrom"), "validFrom")
        if "validUntil" in doc:
            _time(doc["validUntil"], "validUntil")
    except ValueError as exc:
        return str(exc)
    if not isinstance(doc.get("proof"), dict):
        return "the credential has no proof: it is not signed"
    return None


def _issuer_id(doc: dict[str, Any]) -> str:
    issuer = doc["issuer"]
    return str(issuer["id"] if isinstance(issuer, dict) else issuer)


async def _issuer(doc: dict[str, Any], registry: TrustRegistry) -> Check:
    proof = doc["proof"]
    method = str(proof.get("verificationMethod", ""))
    controller, _, multikey = method.partition("#")
    issuer = _issuer_id(doc)
    if controller != issuer:
        return Check(
            name="issuer", ok=False, detail=f"the proof's key is not the issuer's ({method})"
        )
    key = await registry.key(multikey)
    if key is None or issuer_url(registry.base_url, key.awarding_body_id) != issuer:
        return Check(name="issuer", ok=False, detail=f"unknown issuer or key: {method}")
    try:
        created = _time(proof.get("created"), "proof.created")
    except ValueError as exc:
        return Check(name="issuer", ok=False, detail=str(exc))
    why = key_valid_at(key, created)
    if why:
        return Check(name="issuer", ok=False, detail=why)
    return Check(name="issuer", ok=True, detail=f"signed by a key of {issuer}")


def _expiry(doc: dict[str, Any], now: datetime) -> Check:
    valid_from = _time(doc["validFrom"], "validFrom")
    if valid_from > now:
        return Check(name="expiry", ok=False, detail=f"not valid before {doc['validFrom']}")
    if "validUntil" in doc and _time(doc["validUntil"], "validUntil") <= now:
        return Check(name="expiry", ok=False, detail=f"expired on {doc['validUntil']}")
    until = doc.get("validUntil")
    return Check(name="expiry", ok=True, detail=f"valid until {until}" if until else "no expiry")


async def _status(doc: dict[str, Any], registry: TrustRegistry) -> Check:
    entries = doc.get("credentialStatus")
    if entries is None:
        return Check(name="status", ok=True, detail="no status entry: it cannot be revoked")
    for st in entries if isinstance(entries, list) else [entries]:
        if not isinstance(st, dict) or st.get("type") != "BitstringStatusListEntry":
            return Check(name="status", ok=False, detail="unsupported credentialStatus")
        url = str(st.get("statusListCredential", ""))
        listed = await registry.status_list(url)
        if listed is None:
            return Check(name="status", ok=False, detail=f"status list {url} is not known here")
        try:
            bits = await _trusted_bits(listed, _issuer_id(doc), registry)
            index = int(st["statusListIndex"])
            revoked = bit(bits, index)
        except (ProofError, ValueError, KeyError, IndexError, TypeError) as exc:
            return Check(name="status", ok=False, detail=f"status list unusable: {exc}")
        if revoked and st.get("statusPurpose") in ("revocation", "suspension"):
            note = await registry.revocation_note(str(doc.get("id", "")))
            return Check(name="status", ok=False, detail=note or f"{st['statusPurpose']} bit set")
    return Check(name="status", ok=True, detail="not revoked")


_LISTS: dict[str, bytes] = {}  # verified status lists, by their exact content


async def _trusted_bits(listed: dict[str, Any], issuer: str, registry: TrustRegistry) -> bytes:
    """The list's bits once its issuer and proof hold. The signature of a list seen
    before (the same bytes) is not checked again: many credentials share one list."""
    if _issuer_id(listed) != issuer or not (await _issuer(listed, registry)).ok:
        raise ProofError("the status list is not signed by the credential's issuer")
    content = json.dumps(listed, sort_keys=True)
    if content not in _LISTS:
        verify_proof(listed)
        if len(_LISTS) > 64:
            _LISTS.clear()
        _LISTS[content] = decode(listed["credentialSubject"]["encodedList"])
    return _LISTS[content]


async def verify_credential(
    doc: Any, registry: TrustRegistry, now: datetime | None = None
) -> VerificationResult:
    now = now or datetime.now(UTC)
    why = _malformed(doc)
    if why is not None:
        return VerificationResult(
            verified=False,
            failed="malformed",
            checks=[Check(name="malformed", ok=False, detail=why)],
        )
    checks = [Check(name="malformed", ok=True, detail="a well-formed VC 2.0 credential")]
    try:
        verify_proof(doc)
        checks.append(Check(name="signature", ok=True, detail="eddsa-jcs-2022 proof matches"))
    except ProofError as exc:
        checks.append(Check(name="signature", ok=False, detail=str(exc)))
    checks.append(await _issuer(doc, registry))
    checks.append(_expiry(doc, now))
    checks.append(await _status(doc, registry))
    failed = next((c.name for c in checks if not c.ok), None)
    return VerificationResult(
        verified=failed is None,
        failed=failed,
        credential_id=str(doc.get("id")) if doc.get("id") else None,
        issuer=_issuer_id(doc),
        checks=checks,
    )
