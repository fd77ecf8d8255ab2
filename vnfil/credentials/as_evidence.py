"""A credential the candidate already holds, added as evidence: checked at once.

The file is an Open Badges 3.0 / W3C credential (JSON). vnfil verifies it as ``POST
/verify`` does (signature, issuer and key, dates, status, the centre's accreditation),
notes who issued it and whether it is revoked, and proposes the standard's outcomes it
aligns to (an outcome whose statement it names, in any language the standard carries).
A file that is not a credential, or does not verify, is still evidence: an ordinary file,
marked as such for the assessor.
"""

from __future__ import annotations

import hmac
from typing import Any

from vnfil.credentials.document import email_hash, eu_elements_of, outcomes_of
from vnfil.credentials.verification import (
    IN_THREADS,
    MalformedInput,
    SignatureChecker,
    TrustRegistry,
    parse_credential,
    verify_credential,
)
from vnfil.evidence.schemas import CredentialFound
from vnfil.standards.schemas import StandardDocument

JSON_TYPES = ("application/json", "application/vc+ld+json", "application/ld+json")
MAX_CREDENTIAL_BYTES = 1024 * 1024  # as POST /verify


def _is_credential(doc: Any) -> bool:
    kinds = doc.get("type") if isinstance(doc, dict) else None
    kinds = [kinds] if isinstance(kinds, str) else kinds
    return isinstance(kinds, list) and "VerifiableCredential" in kinds


def aligned_outcomes(doc: dict[str, Any], std: StandardDocument) -> list[str]:
    """The standard's outcomes whose statement the credential names as achieved."""
    named = {str(a.get("targetName", "")).strip().casefold() for a in outcomes_of(doc) if a} - {""}
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
) -> CredentialFound:
    """What the file is: a credential, verified or not, or an ordinary file (``raw`` is
    None when it is too large to be read as one). A credential that names another person
    as its learner does not count as the candidate's, however well it verifies."""
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
    status = next((c for c in result.checks if c.name == "status"), None)
    theirs = awarded_to(doc, candidate_email)
    verified, why, detail = result.verified, result.failed, failed.detail if failed else ""
    if verified and theirs is False:
        verified, why, detail = False, "holder", "it names another person as its learner"
    return CredentialFound(
        credential=True,
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
        revoked=status is not None and not status.ok,
        proposed_lo_ids=aligned_outcomes(doc, std),
    )
