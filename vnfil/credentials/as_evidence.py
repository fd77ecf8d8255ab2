"""A credential the candidate already holds, added as evidence: checked at once.

The file is an Open Badges 3.0 / W3C credential (JSON). vnfil verifies it as ``POST
/verify`` does (signature, issuer and key, dates, status, the centre's accreditation),
notes who issued it and whether it is revoked, and proposes the standard's outcomes it
aligns to (an outcome whose statement it names, in any language the standard carries).
A file that is not a credential, or does not verify, is still evidence: an ordinary file,
marked as such for the assessor.
"""

from __future__ import annotations

from typing import Any

from vnfil.credentials.document import outcomes_of
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


async def examine(
    raw: bytes | None,
    std: StandardDocument,
    registry: TrustRegistry,
    checker: SignatureChecker = IN_THREADS,
) -> CredentialFound:
    """What the file is: a credential, verified or not, or an ordinary file (``raw`` is
    None when it is too large to be read as one)."""
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
    return CredentialFound(
        credential=True,
        verified=result.verified,
        failed=result.failed,
        detail=failed.detail if failed else "",
        issuer=result.issuer,
        issuer_name=str(issuer.get("name"))
        if isinstance(issuer, dict) and issuer.get("name")
        else None,
        name=str(doc["name"]) if isinstance(doc.get("name"), str) else None,
        valid_from=str(doc["validFrom"]) if isinstance(doc.get("validFrom"), str) else None,
        revoked=status is not None and not status.ok,
        proposed_lo_ids=aligned_outcomes(doc, std),
    )
