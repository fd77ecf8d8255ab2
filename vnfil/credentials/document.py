"""Building the credential document: Open Badges 3.0 on the VC Data Model 2.0.

Every mandatory element of the EU 2022 micro-credential recommendation (Annex I) is
filled from the standard version and the case; the supervision element comes from
the assessment's own identity record, never from a form. The EU elements travel in
``euMicroCredential``, a JSON literal declared by an inline context (nothing to fetch);
the element-by-element mapping is in docs/credentials.md. Signing is in
:mod:`vnfil.credentials.signing`, revocation in :mod:`vnfil.credentials.status`.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from datetime import datetime
from functools import lru_cache
from importlib.resources import files
from typing import Any

from vnfil.credentials.schemas import CredentialInput
from vnfil.standards.schemas import SupervisionLevel

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
EU_TERMS = {
    "euMicroCredential": {"@id": "urn:vnfil:terms:euMicroCredential", "@type": "@json"},
}
CONTEXTS = [VC_CONTEXT, OB_CONTEXT, EU_TERMS]
# The JSON-LD contexts a vnfil credential may name, shipped in the package.
_SHIPPED = {
    VC_CONTEXT: "credentials-v2.jsonld",
    OB_CONTEXT: "ob-v3p0-context-3.0.3.json",
}


@lru_cache
def shipped_context(url: str) -> dict[str, Any] | None:
    """The shipped copy of a context, or None: vnfil never fetches one."""
    name = _SHIPPED.get(url)
    if name is None:
        return None
    return json.loads(files("vnfil.credentials").joinpath("contexts", name).read_text())


def timestamp(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def _add_years(at: datetime, years: int) -> datetime:
    try:
        return at.replace(year=at.year + years)
    except ValueError:  # 29 February
        return at.replace(year=at.year + years, day=28)


def _number(x: float | None) -> float | int | None:
    """2.0 ECTS is written 2, as JCS (and JavaScript) would."""
    return int(x) if x is not None and x.is_integer() else x


def digest_sri(sha256_hex: str) -> str:
    return "sha256-" + base64.b64encode(bytes.fromhex(sha256_hex)).decode()


def _learner_identifier(email: str, salt: str) -> dict[str, Any]:
    """An OB 3.0 IdentityObject: the learner's e-mail, salted and hashed."""
    digest = hashlib.sha256((email.strip().lower() + salt).encode()).hexdigest()
    return {
        "type": "IdentityObject",
        "identityHash": f"sha256${digest}",
        "identityType": "emailAddress",
        "hashed": True,
        "salt": salt,
    }


def build_credential(
    inp: CredentialInput, base_url: str, status: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The unsigned credential; ``status`` is its Bitstring Status List entry."""
    std = inp.standard.document
    issuer = inp.standard.issuer
    achieved = [lo for lo in std.learning_outcomes if lo.id in set(inp.achieved_lo_ids)]
    supervision = (
        inp.identity.supervision_level.value
        if inp.identity is not None and inp.identity.result == "verified"
        else SupervisionLevel.unsupervised_no_id.value
    )
    achievement_id = f"{base_url}/standards/{inp.standard.standard_id}/achievement"
    eu_elements: dict[str, Any] = {
        # mandatory (Annex I, part I)
        "learnerIdentification": inp.candidate.name,
        "title": std.title,
        "issuerCountry": issuer.country,
        "awardingBody": issuer.name,
        "dateOfIssuing": timestamp(inp.issued_at),
        "learningOutcomes": [lo.statement for lo in achieved],
        "notionalWorkload": {"hours": std.workload_hours, "ects": _number(std.ects)},
        "level": {"eqf": std.eqf_level, "national": std.national_level},
        "typeOfAssessment": std.assessment_type,
        "formOfParticipation": std.form_of_participation,
        "typeOfQualityAssurance": std.quality_assurance,
        # optional (Annex I, part II)
        "prerequisites": std.prerequisites,
        "supervisionAndIdentityVerification": supervision,
        "gradeAchieved": inp.grade,
        "integrationStackability": std.stackability,
        "furtherInformation": std.description,
    }
    document: dict[str, Any] = {
        "@context": copy.deepcopy(CONTEXTS),  # its own: never the module's list
        "id": f"urn:uuid:{inp.credential_id}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": std.title,
        "issuer": {
            "id": f"{base_url}/issuers/{issuer.id}",
            "type": ["Profile"],
            "name": issuer.name,
            **({"url": issuer.url} if issuer.url else {}),
            "address": {"type": ["Address"], "addressCountry": issuer.country},
        },
        "validFrom": timestamp(inp.issued_at),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [_learner_identifier(inp.candidate.email, inp.credential_id[:8])],
            "achievement": {
                "id": achievement_id,
                "type": ["Achievement"],
                "achievementType": "MicroCredential",
                "name": std.title,
                "description": std.description,
                "humanCode": f"{std.code}@{std.version}",
                "inLanguage": std.language,
                "criteria": {
                    "narrative": "\n".join(
                        f"{lo.id}: {lo.statement} — " + "; ".join(lo.criteria) for lo in achieved
                    )
                },
                "alignment": [
                    {
                        "type": ["Alignment"],
                        "targetName": lo.statement,
                        "targetCode": lo.id,
                        "targetType": "ceterms:Competency",
                        "targetUrl": f"{base_url}/standards/{inp.standard.standard_id}#{lo.id}",
                    }
                    for lo in achieved
                ],
            },
            "result": [
                {"type": ["Result"], "value": inp.result.value},
            ],
        },
        "evidence": [
            {
                "id": f"urn:uuid:{ev.evidence_id}",
                "type": ["Evidence"],
                "name": ev.filename,
                "genre": ev.kind.value,
                "description": f"supports {', '.join(ev.lo_ids)}",
                "digestSRI": digest_sri(ev.sha256),
            }
            for ev in inp.evidence
            if set(ev.lo_ids) & set(inp.achieved_lo_ids)
        ],
        "euMicroCredential": eu_elements,
    }
    if std.validity_years:
        document["validUntil"] = timestamp(_add_years(inp.issued_at, std.validity_years))
    if status is not None:
        document["credentialStatus"] = status
    return document
