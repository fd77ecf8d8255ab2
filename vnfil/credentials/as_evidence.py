"""A credential the candidate already holds, added as evidence: checked at once.

The file is an Open Badges 3.0 / W3C credential (JSON), a PDF certificate with the
credential embedded in it (vnfil's certificates carry theirs as ``credential.json``), or
an SD-JWT VC (the EU wallet's Learning Credential, whole or as a holder's presentation,
in a text file). vnfil verifies it as ``POST /verify`` does (signature, issuer and key,
dates, status, the centre's accreditation; for an SD-JWT, the disclosures against their
digests and the same status list), notes who issued it and whether it is revoked, and
proposes the standard's outcomes it aligns to (an outcome whose statement it names, in
any language the standard carries). A file that is not a credential, or does not verify,
is still evidence: an ordinary file, marked as such for the assessor.
"""

from __future__ import annotations

import asyncio
import hmac
import io
from collections.abc import Awaitable, Callable
from typing import Any

from pypdf import PdfReader

from vnfil.credentials import sdjwt
from vnfil.credentials.document import email_hash, eu_elements_of, outcomes_of
from vnfil.credentials.signing import ProofError
from vnfil.credentials.status import bit
from vnfil.credentials.verification import (
    IN_THREADS,
    MalformedInput,
    SignatureChecker,
    TrustRegistry,
    parse_credential,
    trusted_bits,
    verify_credential,
)
from vnfil.evidence.schemas import CredentialFound
from vnfil.platform.db import utcnow
from vnfil.standards.schemas import StandardDocument

JSON_TYPES = ("application/json", "application/vc+ld+json", "application/ld+json")
SD_JWT_TYPES = ("text/plain", "application/dc+sd-jwt", "application/vc+sd-jwt")
PDF_TYPE = "application/pdf"
MAX_CREDENTIAL_BYTES = 1024 * 1024  # as POST /verify
MAX_PDF_BYTES = 8 * 1024 * 1024  # a certificate with its credential; larger PDFs are files
EMBEDDED_NAME = "credential.json"
# Whether a credential vnfil issued (by its id) is held by the candidate; None: not one
# of vnfil's.
Holds = Callable[[str], Awaitable[bool | None]]


def kept_size(media_type: str) -> int | None:
    """How much of an upload of this type to keep to look for a credential in it."""
    if media_type in JSON_TYPES or media_type in SD_JWT_TYPES:
        return MAX_CREDENTIAL_BYTES
    return MAX_PDF_BYTES if media_type == PDF_TYPE else None


def embedded_credential(raw: bytes) -> bytes | None:
    """The credential a PDF carries as an attachment (``*.json``), if any."""
    try:
        reader = PdfReader(io.BytesIO(raw))
        names = [n for n in reader.attachments if n.lower().endswith(".json")]
        for name in sorted(names, key=lambda n: n != EMBEDDED_NAME):
            for content in reader.attachments[name]:
                if len(content) <= MAX_CREDENTIAL_BYTES:
                    return content
    except Exception:  # a damaged or hostile PDF is an ordinary file, never an error
        return None
    return None


def _is_credential(doc: Any) -> bool:
    kinds = doc.get("type") if isinstance(doc, dict) else None
    kinds = [kinds] if isinstance(kinds, str) else kinds
    return isinstance(kinds, list) and "VerifiableCredential" in kinds


def aligned_outcomes(doc: dict[str, Any], std: StandardDocument) -> list[str]:
    """The standard's outcomes whose statement the credential names as achieved."""
    return _outcomes_named([str(a.get("targetName", "")) for a in outcomes_of(doc) if a], std)


def _outcomes_named(statements: list[str], std: StandardDocument) -> list[str]:
    named = {s.strip().casefold() for s in statements} - {""}
    out = []
    for lo in std.learning_outcomes:
        said = {lo.statement.casefold()} | {
            w.learning_outcomes[lo.id].statement.casefold()
            for w in std.translations.values()
            if lo.id in w.learning_outcomes
        }
        if said & named:
            out.append(lo.id)
    return out


def awarded_to(doc: dict[str, Any], email: str) -> bool | None:
    """Whether the credential names this person as its learner: its salted e-mail hash
    (OB 3.0 ``IdentityObject``) against theirs; None when it names no e-mail."""
    subject = doc.get("credentialSubject")
    ids = subject.get("identifier") if isinstance(subject, dict) else None
    hashed = [
        i
        for i in (ids if isinstance(ids, list) else [])
        if isinstance(i, dict) and i.get("identityType") == "emailAddress"
    ]
    if not hashed:
        return None
    for i in hashed:
        salt, said = str(i.get("salt") or ""), str(i.get("identityHash") or "")
        if not i.get("hashed"):
            if said.strip().lower() == email.strip().lower():
                return True
            continue
        if hmac.compare_digest(said.lower(), email_hash(email, salt)):
            return True
    return False


async def examine(
    raw: bytes | None,
    std: StandardDocument,
    registry: TrustRegistry,
    checker: SignatureChecker = IN_THREADS,
    *,
    candidate_email: str,
    media_type: str = "application/json",
    holds: Holds | None = None,
    now: Any = None,
) -> CredentialFound | None:
    """What the file is: a credential, verified or not, or an ordinary file (``raw`` is
    None when it is too large to be read as one). A credential that names another person
    as its learner does not count as the candidate's, however well it verifies. A PDF or
    a text file with no credential in it is just a file: None, nothing to say."""
    form = "json"
    if media_type == PDF_TYPE or media_type in SD_JWT_TYPES:
        if raw is None:
            return None
        if media_type == PDF_TYPE:
            embedded = await asyncio.to_thread(embedded_credential, raw)
            if embedded is None:
                return None
            raw, form = embedded, "pdf"
        else:
            text = raw.decode("ascii", "replace").strip()
            if not sdjwt.looks_like(text):
                return None
            return await _examine_sd_jwt(text, std, registry, checker, holds, now)
    if raw is None:
        return CredentialFound(credential=False, detail="larger than a credential can be")
    try:
        doc = parse_credential(raw)
    except MalformedInput as exc:
        return CredentialFound(credential=False, detail=str(exc))
    if not _is_credential(doc):
        return CredentialFound(credential=False, detail="not a verifiable credential")
    result = await verify_credential(doc, registry, checker=checker)
    failed = next((c for c in result.checks if not c.ok), None)
    issuer = doc.get("issuer")
    passed = {c.name: c.ok for c in result.checks}
    # Revoked only by a list its own, trusted issuer signed: a status check that failed
    # for a forged or unknown issuer says nothing about revocation.
    revoked = (
        passed.get("status") is False
        and bool(passed.get("issuer"))
        and bool(passed.get("signature"))
    )
    theirs = awarded_to(doc, candidate_email)
    verified, why, detail = result.verified, result.failed, failed.detail if failed else ""
    if verified and theirs is False:
        verified, why, detail = False, "holder", "it names another person as its learner"
    return CredentialFound(
        credential=True,
        format=form,
        verified=verified,
        failed=why,
        detail=detail,
        holder_matches=theirs,
        learner=eu_elements_of(doc).get("learnerIdentification"),
        issuer=result.issuer,
        issuer_name=str(issuer.get("name"))
        if isinstance(issuer, dict) and issuer.get("name")
        else None,
        name=str(doc["name"]) if isinstance(doc.get("name"), str) else None,
        valid_from=str(doc["validFrom"]) if isinstance(doc.get("validFrom"), str) else None,
        revoked=revoked,
        proposed_lo_ids=aligned_outcomes(doc, std),
        **_status_slot(doc.get("credentialStatus")),
    )


async def _examine_sd_jwt(
    text: str,
    std: StandardDocument,
    registry: TrustRegistry,
    checker: SignatureChecker,
    holds: Holds | None,
    now: Any,
) -> CredentialFound:
    """An SD-JWT VC: what it discloses is what counts (a claim the holder kept back
    proposes nothing). Its learner is the candidate when it names a credential vnfil
    issued to them (``open_badge_credential``)."""
    checked = await sdjwt.check(text, registry, checker, now or utcnow())
    claims = checked.claims
    ob_id = str(claims.get("open_badge_credential") or "")
    theirs = await holds(ob_id.removeprefix("urn:uuid:")) if holds and ob_id else None
    verified, why, detail = checked.verified, checked.failed, checked.detail
    if verified and theirs is False:
        verified, why, detail = False, "holder", "it names another person as its learner"
    outcomes = claims.get("learning_outcomes")
    learner = claims.get("learner_identification") or " ".join(
        str(claims[k]) for k in ("given_name", "family_name") if claims.get(k)
    )
    return CredentialFound(
        credential=True,
        format="sd-jwt",
        verified=verified,
        failed=why,
        detail=detail,
        holder_matches=theirs,
        learner=str(learner) if learner else None,
        issuer=checked.issuer,
        issuer_name=_text(claims.get("issuing_authority")),
        name=_text(claims.get("achievement_title")),
        valid_from=_text(claims.get("date_of_issuance")),
        revoked=checked.revoked,
        **_status_slot(claims.get("status")),
        proposed_lo_ids=_outcomes_named(
            [str(o) for o in outcomes] if isinstance(outcomes, list) else [], std
        ),
    )


def _text(value: Any) -> str | None:
    return str(value) if isinstance(value, str | int) and value != "" else None


def _status_slot(entry: Any) -> dict[str, Any]:
    """The revocation slot of an Open Badges ``credentialStatus`` or an SD-JWT ``status``."""
    for st in entry if isinstance(entry, list) else [entry]:
        if not isinstance(st, dict):
            continue
        if st.get("type") == "BitstringStatusListEntry" and st.get("statusPurpose") in (
            "revocation",
            "suspension",
        ):
            index, url = str(st.get("statusListIndex", "")), st.get("statusListCredential")
            if index.isdigit() and isinstance(url, str):
                return {"status_list": url, "status_index": int(index)}
        listed = st.get("status_list")
        if isinstance(listed, dict) and isinstance(listed.get("idx"), int):
            return {"status_list": str(listed.get("uri", "")), "status_index": listed["idx"]}
    return {}


async def as_of_now(
    found: CredentialFound, registry: TrustRegistry, checker: SignatureChecker = IN_THREADS
) -> CredentialFound:
    """What was found when the file was added, with its revocation read again: a
    credential revoked since then says so wherever it is shown. A list this registry does
    not hold is left as it was found."""
    if not found.verified or found.status_list is None or found.status_index is None:
        return found
    listed = await registry.status_list(found.status_list)
    if listed is None or found.issuer is None:
        return found
    try:
        bits = await trusted_bits(listed, found.issuer, registry, checker)
        revoked = bit(bits, found.status_index)
    except (ProofError, ValueError, IndexError, TypeError, KeyError):
        return found
    if not revoked:
        return found
    note = "it was revoked after it was added"
    return found.model_copy(
        update={"verified": False, "revoked": True, "failed": "status", "detail": note}
    )
