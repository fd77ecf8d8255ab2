"""Building the credential document: Open Badges 3.0 on the VC Data Model 2.0.

Every mandatory element of the EU 2022 micro-credential recommendation (Annex I) is
filled from the standard version and the case; the supervision element comes from
the assessment's own identity record, never from a form. Signing arrives later.
"""

from __future__ import annotations

import hashlib
from typing import Any

from vnfil.schemas import CredentialInput, SupervisionLevel

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"


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


def build_credential(inp: CredentialInput, base_url: str) -> dict[str, Any]:
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
        "dateOfIssuing": inp.issued_at.isoformat(),
        "learningOutcomes": [lo.statement for lo in achieved],
        "notionalWorkload": {"hours": std.workload_hours, "ects": std.ects},
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
    return {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": f"urn:uuid:{inp.credential_id}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": std.title,
        "issuer": {
            "id": f"{base_url}/issuers/{issuer.id}",
            "type": ["Profile"],
            "name": issuer.name,
            "url": issuer.url,
            "address": {"type": ["Address"], "addressCountry": issuer.country},
        },
        "validFrom": inp.issued_at.isoformat(),
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
                "digestSRI": f"sha256-{ev.sha256}",
            }
            for ev in inp.evidence
            if set(ev.lo_ids) & set(inp.achieved_lo_ids)
        ],
        "euMicroCredential": eu_elements,
    }
