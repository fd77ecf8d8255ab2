"""Verifying a credential: the one procedure behind ``POST /verify``, the public page
and ``vnfil verify``.

It never fetches anything: contexts ship with the package, and keys, status
lists and accreditations come from a :class:`TrustRegistry` (vnfil's own database,
``vnfil.trust.registry.DatabaseRegistry``, so it works offline). Each check says what it found; ``failed`` names the first that did not
hold, in the order malformed, signature, issuer, expiry, status, accreditation.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import multiprocessing
import re
from collections import OrderedDict
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, Protocol, TypeVar

from vnfil.credentials.document import UNIT_GENRE, VC_CONTEXT, centre_url, shipped_context
from vnfil.credentials.keys import body_of_issuer, key_valid_at
from vnfil.credentials.schemas import Check, VerificationResult
from vnfil.credentials.signing import MAX_PROOFS, ProofError, proofs_of
from vnfil.credentials.signing import verify as verify_proof
from vnfil.credentials.status import bit, decode
from vnfil.standards.schemas import CODE_PATTERN

# The shapes of what a verifier looks up: vnfil's ids (uuids, hex) and Ed25519 Multikeys.
VNFIL_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
MULTIKEY = re.compile(r"z[1-9A-HJ-NP-Za-km-z]{1,63}")
# statusListIndex: a non-negative integer in decimal digits (Bitstring Status List v1.0
# makes it a string); 15 digits are far beyond any list, and keep the number exact.
_STATUS_INDEX = re.compile(r"[0-9]{1,15}")
MAX_DEPTH = 64  # a credential nests about 6 deep; deeper only exhausts the stack
MAX_STATUS_ENTRIES = 8
T = TypeVar("T")
log = logging.getLogger(__name__)


class MalformedInput(ValueError):
    """The bytes are not a JSON document vnfil can check."""


def _finite(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise MalformedInput(f"the number {text[:40]} is out of range")
    return value


def _no_constant(name: str) -> Any:
    raise MalformedInput(f"{name} is not JSON (RFC 8259 has no NaN or Infinity)")


def parse_credential(raw: bytes) -> Any:
    """Strict JSON: no NaN or Infinity, no number too large to hold, not too deep.
    Raises :class:`MalformedInput` saying why."""
    try:
        return json.loads(raw, parse_constant=_no_constant, parse_float=_finite)
    except MalformedInput:
        raise
    except RecursionError:
        raise MalformedInput(f"the JSON nests deeper than {MAX_DEPTH} levels") from None
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, a 5,000-digit integer
        raise MalformedInput(f"the body is not JSON: {exc}") from None


def _depth_exceeds(value: Any, limit: int) -> bool:
    stack = [(value, 1)]
    while stack:
        v, depth = stack.pop()
        if isinstance(v, dict | list):
            if depth > limit:
                return True
            stack.extend((c, depth + 1) for c in (v.values() if isinstance(v, dict) else v))
    return False


def _shown(value: Any) -> str:
    try:
        text = json.dumps(value) if not isinstance(value, str) else repr(value)
    except ValueError:  # an integer of thousands of digits
        text = type(value).__name__
    return text if len(text) <= 40 else text[:37] + "..."


def _status_malformed(entries: Any) -> str | None:
    listed = entries if isinstance(entries, list) else [entries]
    if not listed or len(listed) > MAX_STATUS_ENTRIES:
        return f"credentialStatus must hold 1 to {MAX_STATUS_ENTRIES} entries"
    for st in listed:
        if not isinstance(st, dict):
            return "every credentialStatus entry must be an object"
        if st.get("type") != "BitstringStatusListEntry":
            continue  # unsupported, said by the status check
        index = st.get("statusListIndex")
        if not isinstance(index, str) or not _STATUS_INDEX.fullmatch(index):
            return (
                "credentialStatus.statusListIndex must be a non-negative integer in decimal "
                f"digits, as a string of at most 15: not {_shown(index)}"
            )
        if not isinstance(st.get("statusListCredential"), str):
            return "credentialStatus.statusListCredential must be a URL"
    return None


@dataclass(frozen=True)
class KnownKey:
    awarding_body_id: str
    created_at: datetime
    retired_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True)
class KnownAccreditation:
    valid_from: datetime
    valid_until: datetime
    status: str
    status_reason: str | None
    status_changed_at: datetime | None
    qa_reference: str
    min_version: int = 1
    max_version: int | None = None

    def covers(self, version: int) -> bool:
        return self.min_version <= version and (
            self.max_version is None or version <= self.max_version
        )

    def held_on(self, at: datetime) -> bool:
        """Valid at ``at``: within its dates, and active then (only the latest change of
        status is kept, so a suspension or withdrawal counts from when it was made)."""
        return self.valid_from <= at < self.valid_until and (
            self.status == "active"
            or (self.status_changed_at is not None and self.status_changed_at > at)
        )


class TrustRegistry(Protocol):
    base_url: str

    async def accreditations(
        self, centre_id: str, awarding_body_id: str, code: str, version: int
    ) -> list[KnownAccreditation]: ...

    async def key(self, multikey: str) -> KnownKey | None: ...

    async def status_list(self, url: str) -> dict[str, Any] | None: ...

    async def revocation_note(self, credential_id: str) -> str | None: ...


class MemoryRegistry:
    """Trust held in memory: keys and status lists given up front (batch checks, bench)."""

    def __init__(
        self,
        base_url: str,
        keys: dict[str, KnownKey],
        status_lists: list[dict[str, Any]],
        accreditations: dict[tuple[str, str, str], list[KnownAccreditation]] | None = None,
    ) -> None:
        self.base_url = base_url
        self._keys = keys
        self._lists = {str(sl["id"]): sl for sl in status_lists}
        self._accreditations = accreditations or {}

    async def accreditations(
        self, centre_id: str, awarding_body_id: str, code: str, version: int
    ) -> list[KnownAccreditation]:
        held = self._accreditations.get((centre_id, awarding_body_id, code), [])
        return [a for a in held if a.covers(version)]

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
    if _depth_exceeds(doc, MAX_DEPTH):
        return f"the credential nests deeper than {MAX_DEPTH} levels"
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
    if "credentialStatus" in doc:
        why = _status_malformed(doc["credentialStatus"])
        if why:
            return why
    proofs = doc.get("proof")
    if not isinstance(proofs, dict | list) or not proofs:
        return "the credential has no proof: it is not signed"
    listed = proofs if isinstance(proofs, list) else [proofs]
    if len(listed) > MAX_PROOFS or not all(isinstance(p, dict) for p in listed):
        return f"proof must be an object or a list of 1 to {MAX_PROOFS} objects"
    return None


def _issuer_id(doc: dict[str, Any]) -> str:
    issuer = doc["issuer"]
    return str(issuer["id"] if isinstance(issuer, dict) else issuer)


async def _issuer(doc: dict[str, Any], registry: TrustRegistry) -> Check:
    """Every proof was made by a key the issuer held when it signed."""
    issuer = _issuer_id(doc)
    for proof in proofs_of(doc):
        method = str(proof.get("verificationMethod", ""))
        controller, _, multikey = method.partition("#")
        if controller != issuer:
            return Check(
                name="issuer", ok=False, detail=f"the proof's key is not the issuer's ({method})"
            )
        key = await registry.key(multikey)
        if key is None or body_of_issuer(registry.base_url, issuer) != key.awarding_body_id:
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


_HUMAN_CODE = re.compile(rf"({CODE_PATTERN})@([0-9]{{1,10}})")


async def _accreditation(doc: dict[str, Any], registry: TrustRegistry) -> Check:
    """The validation centre that assessed it (``credentialSubject.source``) held, on the
    day of issue, a valid accreditation from the issuer for the standard's code and
    version (``achievement.humanCode``), as the register of this installation says."""

    def no(detail: str) -> Check:
        return Check(name="accreditation", ok=False, detail=detail)

    subject = doc["credentialSubject"]
    subject = subject[0] if isinstance(subject, list) and subject else subject
    source = subject.get("source") if isinstance(subject, dict) else None
    evidence = doc.get("evidence")
    stacked = [
        e
        for e in (evidence if isinstance(evidence, list) else [])
        if isinstance(e, dict) and e.get("genre") == UNIT_GENRE
    ]
    if source is None and stacked:
        return Check(
            name="accreditation",
            ok=True,
            detail=(
                f"issued by the awarding body from {len(stacked)} unit credentials (its "
                "evidence), each assessed at an accredited centre and checked when claimed"
            ),
        )
    if source is None:
        return Check(
            name="accreditation",
            ok=True,
            detail="no validation centre named (issued before vnfil recorded accreditations)",
        )
    prefix = centre_url(registry.base_url, "")
    source_id = source.get("id") if isinstance(source, dict) else source
    centre_id = source_id.removeprefix(prefix) if isinstance(source_id, str) else ""
    if (
        not isinstance(source_id, str)
        or not source_id.startswith(prefix)
        or not VNFIL_ID.fullmatch(centre_id)
    ):
        return no(f"the validation centre {_shown(source_id)} is not in this register")
    body = body_of_issuer(registry.base_url, _issuer_id(doc))
    if body is None:
        return no(f"the issuer {_shown(_issuer_id(doc))} is not in this register")
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    human = achievement.get("humanCode") if isinstance(achievement, dict) else None
    parsed = _HUMAN_CODE.fullmatch(human) if isinstance(human, str) else None
    if parsed is None:
        return no("the credential does not name its standard as code@version (humanCode)")
    code, version = parsed[1], int(parsed[2])
    issued = _time(doc["validFrom"], "validFrom")
    name = source.get("name", centre_id) if isinstance(source, dict) else centre_id
    held = [
        a
        for a in await registry.accreditations(centre_id, body, code, version)
        if a.held_on(issued)
    ]
    if not held:
        return no(
            f"{name} held no valid accreditation from the issuer for {code} version {version} "
            f"on {issued:%Y-%m-%d}"
        )
    a = held[0]
    detail = f"{name} was accredited for {code}@{version} on {issued:%Y-%m-%d} ({a.qa_reference})"
    if a.status != "active" and a.status_changed_at is not None:
        detail += f"; {a.status} since {a.status_changed_at:%Y-%m-%d}: {a.status_reason}"
    return Check(name="accreditation", ok=True, detail=detail)


async def _status(doc: dict[str, Any], registry: TrustRegistry, checker: SignatureChecker) -> Check:
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
            bits = await trusted_bits(listed, _issuer_id(doc), registry, checker)
            revoked = bit(bits, int(st["statusListIndex"]))  # its shape checked as malformed
        except (ProofError, ValueError, KeyError, IndexError, TypeError) as exc:
            return Check(name="status", ok=False, detail=f"status list unusable: {exc}")
        if revoked and st.get("statusPurpose") in ("revocation", "suspension"):
            note = await registry.revocation_note(str(doc.get("id", "")))
            return Check(name="status", ok=False, detail=note or f"{st['statusPurpose']} bit set")
    return Check(name="status", ok=True, detail="not revoked")


class _ByContent(Generic[T]):
    """Answers that follow from a document's content alone, by :func:`_digest`; beyond
    ``size`` the least recently used goes. Used from the event loop's thread."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[bytes, T] = OrderedDict()

    def get(self, digest: bytes) -> T | None:
        value = self._items.get(digest)
        if value is not None:
            self._items.move_to_end(digest)
        return value

    def put(self, digest: bytes, value: T) -> T:
        self._items[digest] = value
        self._items.move_to_end(digest)
        while len(self._items) > self.size:
            self._items.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._items)


def _digest(doc: Any) -> bytes:
    """SHA-256 of the document's exact content (keys sorted, nothing escaped)."""
    content = json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(content.encode("utf-8", "surrogatepass")).digest()


# Signature checks of credentials and status lists (a few hundred bytes each), and the
# bits of status lists whose signature held (16 kB each; only lists of the registry).
_SIGNATURES: _ByContent[Check] = _ByContent(4096)
_STATUS_BITS: _ByContent[bytes] = _ByContent(64)


async def trusted_bits(
    listed: dict[str, Any], issuer: str, registry: TrustRegistry, checker: SignatureChecker
) -> bytes:
    """The list's bits once its issuer and proof hold. Its signature and bits are not
    worked out again while its content stays the same: many credentials share one list."""
    base = registry.base_url
    same = body_of_issuer(base, _issuer_id(listed)) == body_of_issuer(base, issuer)
    if not same or not (await _issuer(listed, registry)).ok:
        raise ProofError("the status list is not signed by the credential's issuer")
    digest = _digest(listed)
    signature = await _signature(listed, checker, digest)
    if not signature.ok:
        raise ProofError(signature.detail)
    bits = _STATUS_BITS.get(digest)
    if bits is None:
        bits = _STATUS_BITS.put(digest, decode(listed["credentialSubject"]["encodedList"]))
    return bits


def _proofs_match(doc: dict[str, Any]) -> Check:
    try:
        suites = sorted({str(p.get("cryptosuite")) for p in verify_proof(doc)})
        return Check(name="signature", ok=True, detail=f"{', '.join(suites)} proof matches")
    except ProofError as exc:
        return Check(name="signature", ok=False, detail=str(exc))


def _proofs_verdict(doc: dict[str, Any]) -> tuple[bool, str]:
    """:func:`_proofs_match` as plain values, to cross from a worker process."""
    check = _proofs_match(doc)
    return check.ok, check.detail


class SignatureChecker:
    """Where proofs are checked: a worker thread (``processes=0``; what a one-off check,
    the CLI or a test needs) or a pool of worker processes started on first use (the
    API's). Parsing JSON-LD holds Python's lock for most of a check's 2 ms, so in a
    thread a stream of checks delays every other request of the process; in processes
    they run beside it, on other cores, and a document that crashed the parser would
    take down a worker, not the API. A worker that died is replaced and its check tried
    once more; a second death fails the check, named as such."""

    def __init__(self, processes: int = 0) -> None:
        self.processes = processes
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # spawn: a fork of a process running threads (asyncio, database drivers)
            # may inherit a lock held at that instant.
            self._pool = ProcessPoolExecutor(
                self.processes, mp_context=multiprocessing.get_context("spawn")
            )
        return self._pool

    async def check(self, doc: dict[str, Any]) -> Check | None:
        """The signature check, or None when it could not be completed."""
        if not self.processes:
            return await asyncio.to_thread(_proofs_match, doc)
        loop = asyncio.get_running_loop()
        for attempt in (1, 2):
            pool = self._executor()
            try:
                ok, detail = await loop.run_in_executor(pool, _proofs_verdict, doc)
                return Check(name="signature", ok=ok, detail=detail)
            except BrokenProcessPool:
                if self._pool is pool:
                    self._pool = None
                    pool.shutdown(wait=False, cancel_futures=True)
                log.warning("a signature-checking process died (attempt %d)", attempt)
        return None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None


IN_THREADS = SignatureChecker(0)


async def _signature(
    doc: dict[str, Any], checker: SignatureChecker, digest: bytes | None = None
) -> Check:
    """Whether every proof matches. The answer depends on the content alone (no key's
    standing, no time), so a document checked before (a credential's public page, looked
    at again and again) is not canonicalised and verified anew; a check that did not
    complete is not kept."""
    digest = digest or _digest(doc)
    known = _SIGNATURES.get(digest)
    if known is None:
        checked = await checker.check(doc)
        if checked is None:
            return Check(
                name="signature", ok=False, detail="the signature check did not complete; retry"
            )
        known = _SIGNATURES.put(digest, checked)
    return known


def _refused(why: str) -> VerificationResult:
    return VerificationResult(
        verified=False, failed="malformed", checks=[Check(name="malformed", ok=False, detail=why)]
    )


async def verify_json(
    raw: bytes,
    registry: TrustRegistry,
    now: datetime | None = None,
    checker: SignatureChecker = IN_THREADS,
) -> VerificationResult:
    """Verify a credential as sent (``POST /verify``, ``vnfil verify``): bytes that are
    not strict JSON are refused as malformed, like a document that is not a credential."""
    try:
        doc = parse_credential(raw)
    except MalformedInput as exc:
        return _refused(str(exc))
    return await verify_credential(doc, registry, now, checker)


async def verify_credential(
    doc: Any,
    registry: TrustRegistry,
    now: datetime | None = None,
    checker: SignatureChecker = IN_THREADS,
) -> VerificationResult:
    now = now or datetime.now(UTC)
    why = _malformed(doc)
    if why is not None:
        return _refused(why)
    checks = [Check(name="malformed", ok=True, detail="a well-formed VC 2.0 credential")]
    checks.append(await _signature(doc, checker))
    checks.append(await _issuer(doc, registry))
    checks.append(_expiry(doc, now))
    checks.append(await _status(doc, registry, checker))
    checks.append(await _accreditation(doc, registry))
    failed = next((c.name for c in checks if not c.ok), None)
    return VerificationResult(
        verified=failed is None,
        failed=failed,
        credential_id=str(doc.get("id")) if doc.get("id") else None,
        issuer=_issuer_id(doc),
        checks=checks,
    )
