"""Building the credential document: Open Badges 3.0 on the VC Data Model 2.0.

Every element of the EU 2022 micro-credential recommendation (Annex I, mandatory and
optional) is filled from the standard version and the case; the supervision element comes
from the assessment's own identity record, never from a form. The document names only
the two standard contexts (VC 2.0, OB 3.0.3), so every verifier that bundles them reads
all of it, and each element sits where OB 3.0 has a property for it, otherwise in an
``Alignment`` to the recommendation (:data:`EU_ELEMENT`) with the element's name as its
``targetCode`` and its value as ``targetDescription``. :func:`eu_elements_of` reads them
back (and those of credentials issued before, which carried them in ``euMicroCredential``);
docs/credentials.md maps each element. Signing is in :mod:`vnfil.credentials.signing`,
revocation in :mod:`vnfil.credentials.status`.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import datetime
from functools import lru_cache
from importlib.resources import files
from typing import Any

from vnfil.credentials.schemas import CredentialInput
from vnfil.platform.db import add_years
from vnfil.standards.schemas import SupervisionLevel

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CONTEXTS = [VC_CONTEXT, OB_CONTEXT]
# The JSON-LD contexts a vnfil document may name, shipped in the package (never fetched).
SHIPPED_CONTEXTS = {
    VC_CONTEXT: "credentials-v2.jsonld",
    OB_CONTEXT: "ob-v3p0-context-3.0.3.json",
}
# Alignments that carry Annex I elements OB 3.0 has no property for.
EU_ELEMENT = "ext:EUMicroCredentialElement"
EU_FRAMEWORK = (
    "Council Recommendation of 16 June 2022 on micro-credentials (2022/C 243/02), Annex I"
)
EU_RECOMMENDATION = "https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:32022H0627(02)"
COMPETENCY = "ceasn:Competency"
EQF_LEVEL = "ext:EQFLevel"
NQF_LEVEL = "ext:NQFLevel"
# Element (its name in the recommendation's terms) → label, in Annex I's order.
_EU_LABELS = {
    "notionalWorkloadHours": "Notional workload (hours)",
    "typeOfAssessment": "Type of assessment",
    "formOfParticipation": "Form of participation in the learning activity",
    "typeOfQualityAssurance": "Type of quality assurance",
    "prerequisites": "Prerequisites",
    "supervisionAndIdentityVerification": "Supervision and identity verification",
    "integrationStackability": "Integration / stackability options",
}


@lru_cache
def shipped_context(url: str) -> dict[str, Any] | None:
    """The shipped copy of a context, or None: vnfil never fetches one."""
    name = SHIPPED_CONTEXTS.get(url)
    if name is None:
        return None
    return json.loads(files("vnfil.credentials").joinpath("contexts", name).read_text())


def timestamp(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def _number(x: float | None) -> float | int | None:
    """2.0 ECTS is written 2, as JavaScript would."""
    return int(x) if x is not None and x.is_integer() else x


def digest_sri(sha256_hex: str) -> str:
    return "sha256-" + base64.b64encode(bytes.fromhex(sha256_hex)).decode()


def email_hash(email: str, salt: str) -> str:
    """An e-mail as an OB 3.0 IdentityObject carries it: salted and hashed, never shown."""
    return "sha256$" + hashlib.sha256((email.strip().lower() + salt).encode()).hexdigest()


def _learner_identifiers(name: str, email: str, salt: str) -> list[dict[str, Any]]:
    """OB 3.0 IdentityObjects: the learner's name (Annex I identifies the learner), and
    the e-mail salted and hashed (matched, never shown)."""
    return [
        {"type": "IdentityObject", "identityHash": name, "identityType": "name", "hashed": False},
        {
            "type": "IdentityObject",
            "identityHash": email_hash(email, salt),
            "identityType": "emailAddress",
            "hashed": True,
            "salt": salt,
        },
    ]


def _eu_element(code: str, value: str, url: str) -> dict[str, Any]:
    return {
        "type": ["Alignment"],
        "targetType": EU_ELEMENT,
        "targetFramework": EU_FRAMEWORK,
        "targetCode": code,
        "targetName": _EU_LABELS[code],
        "targetDescription": value,
        "targetUrl": url,
    }


def centre_url(base_url: str, centre_id: str) -> str:
    return f"{base_url}/centres/{centre_id}"


def unit_achievement_id(base_url: str, standard_id: str, unit_id: str) -> str:
    """A unit's achievement: what :mod:`vnfil.credentials.stacking` reads a unit
    credential's standard and unit from."""
    return f"{base_url}/standards/{standard_id}/units/{unit_id}"


UNIT_GENRE = "Unit credential"  # the genre of a full credential's evidence from its units


def _stackability(inp: CredentialInput) -> str:
    std = inp.standard.document
    if inp.unit_id is not None:
        unit = std.unit(inp.unit_id)
        assert unit is not None
        return (
            f"stackable: unit {unit.id} of {std.title} ({std.code}@{std.version}); with a "
            "credential of each of its units the learner claims the full credential"
        )
    if inp.stacked_from:
        units = ", ".join(s.unit_id for s in inp.stacked_from)
        return f"{std.stackability}; claimed from the credentials of its units ({units})"
    return std.stackability


def build_credential(
    inp: CredentialInput,
    base_url: str,
    issuer_id: str,
    status: dict[str, Any] | None = None,
    centre: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The unsigned credential issued by ``issuer_id`` (the awarding body's DID);
    ``status`` is its Bitstring Status List entry; ``centre`` (id, name, country,
    region) the validation centre that assessed it on the issuer's behalf, named as the
    subject's ``source`` so anyone can check its accreditation."""
    std = inp.standard.document
    issuer = inp.standard.issuer
    unit = std.unit(inp.unit_id) if inp.unit_id is not None else None
    if inp.unit_id is not None and unit is None:
        raise ValueError(f"the standard has no unit {inp.unit_id}")
    scope = set(inp.achieved_lo_ids) & (set(unit.outcomes) if unit else set(inp.achieved_lo_ids))
    achieved = [lo for lo in std.learning_outcomes if lo.id in scope]
    supervision = (
        inp.supervision.value
        if inp.supervision is not None
        else inp.identity.supervision_level.value
        if inp.identity is not None and inp.identity.result == "verified"
        else SupervisionLevel.unsupervised_no_id.value
    )
    standard_url = f"{base_url}/standards/{inp.standard.standard_id}"
    achievement_id = (
        unit_achievement_id(base_url, inp.standard.standard_id, unit.id)
        if unit
        else f"{standard_url}/achievement"
    )
    title = unit.title if unit else std.title
    hours = unit.workload_hours if unit else std.workload_hours
    ects = unit.ects if unit else std.ects
    alignment: list[dict[str, Any]] = [
        {
            "type": ["Alignment"],
            "targetType": COMPETENCY,
            "targetName": lo.statement,
            "targetCode": lo.id,
            "targetUrl": f"{standard_url}#{lo.id}",
        }
        for lo in achieved
    ]
    if std.eqf_level:
        alignment.append(
            {
                "type": ["Alignment"],
                "targetType": EQF_LEVEL,
                "targetFramework": "European Qualifications Framework",
                "targetCode": str(std.eqf_level),
                "targetName": f"EQF level {std.eqf_level}",
                "targetUrl": f"http://data.europa.eu/snb/eqf/{std.eqf_level}",
            }
        )
    if std.national_level:
        alignment.append(
            {
                "type": ["Alignment"],
                "targetType": NQF_LEVEL,
                "targetFramework": f"National qualifications framework ({issuer.country})",
                "targetCode": std.national_level,
                "targetName": std.national_level,
                "targetUrl": f"{standard_url}#national-level",
            }
        )
    elements = [
        ("notionalWorkloadHours", str(hours)),
        ("typeOfAssessment", std.assessment_type),
        ("formOfParticipation", std.form_of_participation),
        ("typeOfQualityAssurance", std.quality_assurance),
        *(("prerequisites", p) for p in std.prerequisites),
        ("supervisionAndIdentityVerification", supervision),
        ("integrationStackability", _stackability(inp)),
    ]
    alignment += [_eu_element(code, value, EU_RECOMMENDATION) for code, value in elements]
    result_id, grade_id = f"{achievement_id}#result", f"{achievement_id}#grade"
    result_descriptions: list[dict[str, Any]] = [
        {
            "id": result_id,
            "type": ["ResultDescription"],
            "name": "Validation result (full or partial)",
            "resultType": "Status",
            "allowedValue": ["full", "partial"],
        }
    ]
    results: list[dict[str, Any]] = [
        {"type": ["Result"], "resultDescription": result_id, "value": inp.result.value}
    ]
    if inp.grade:
        result_descriptions.append(
            {
                "id": grade_id,
                "type": ["ResultDescription"],
                "name": "Grade",
                "resultType": "ext:Grade",
            }
        )
        results.append({"type": ["Result"], "resultDescription": grade_id, "value": inp.grade})
    achievement: dict[str, Any] = {
        "id": achievement_id,
        "type": ["Achievement"],
        "achievementType": "MicroCredential",
        "name": title,
        "description": (
            f"Unit {unit.id} of {std.title} ({std.code}@{std.version}). {std.description}"
            if unit
            else std.description
        ),
        "humanCode": f"{std.code}@{std.version}",
        "inLanguage": std.language,
        "criteria": {
            "narrative": "\n".join(
                f"{lo.id}: {lo.statement} — " + "; ".join(lo.criteria) for lo in achieved
            )
        },
        "alignment": alignment,
        "resultDescription": result_descriptions,
    }
    subject: dict[str, Any] = {
        "type": ["AchievementSubject"],
        "identifier": _learner_identifiers(
            inp.candidate.name, inp.candidate.email, inp.credential_id[:8]
        ),
        "achievement": achievement,
        "result": results,
    }
    if centre is not None:
        subject["source"] = {
            "id": centre_url(base_url, centre["id"]),
            "type": ["Profile"],
            "name": centre["name"],
            "address": {
                "type": ["Address"],
                "addressCountry": centre["country"],
                **({"addressRegion": centre["region"]} if centre.get("region") else {}),
            },
        }
    if ects is not None:
        achievement["creditsAvailable"] = _number(ects)
        subject["creditsEarned"] = _number(ects)
    document: dict[str, Any] = {
        "@context": list(CONTEXTS),  # its own: never the module's list
        "id": f"urn:uuid:{inp.credential_id}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": title,
        "issuer": {
            "id": issuer_id,
            "type": ["Profile"],
            "name": issuer.name,
            **({"url": issuer.url} if issuer.url else {}),
            "address": {
                "type": ["Address"],
                "addressCountry": issuer.country,
                "addressCountryCode": issuer.country,
            },
        },
        "validFrom": timestamp(inp.issued_at),
        "awardedDate": timestamp(inp.issued_at),
        "credentialSubject": subject,
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
            if set(ev.lo_ids) & scope
        ]
        + [
            {
                "id": f"urn:uuid:{s.credential_id}",
                "type": ["Evidence"],
                "name": s.title,
                "genre": UNIT_GENRE,
                "description": (
                    f"unit {s.unit_id}, issued on {s.issued_on[:10]} by {s.issuer}"
                    + (f", assessed at {s.centre}" if s.centre else "")
                ),
                "digestSRI": digest_sri(s.sha256),
            }
            for s in inp.stacked_from
        ],
    }
    if std.validity_years:
        document["validUntil"] = timestamp(add_years(inp.issued_at, std.validity_years))
    if status is not None:
        document["credentialStatus"] = status
    return document


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value] if value is not None else []


def outcomes_of(credential: dict[str, Any]) -> list[dict[str, Any]]:
    """The achieved learning outcomes' alignments (the levels and EU elements are not)."""
    achievement = _dict(_dict(credential.get("credentialSubject")).get("achievement"))
    return [
        a
        for a in _list(achievement.get("alignment"))
        if isinstance(a, dict) and a.get("targetType") in (COMPETENCY, "ceterms:Competency")
    ]


def eu_elements_of(credential: dict[str, Any]) -> dict[str, Any]:
    """Every Annex I element, read back from where :func:`build_credential` put it (or
    from ``euMicroCredential`` in credentials issued before): what certificates, pages
    and the CLI show."""
    legacy = credential.get("euMicroCredential")
    if isinstance(legacy, dict):
        return legacy
    subject = _dict(credential.get("credentialSubject"))
    achievement = _dict(subject.get("achievement"))
    issuer = _dict(credential.get("issuer"))
    aligned = [a for a in _list(achievement.get("alignment")) if isinstance(a, dict)]

    def element(code: str) -> list[str]:
        return [
            str(a.get("targetDescription", ""))
            for a in aligned
            if a.get("targetType") == EU_ELEMENT and a.get("targetCode") == code
        ]

    def level(kind: str) -> str | None:
        return next(
            (str(a.get("targetCode")) for a in aligned if a.get("targetType") == kind), None
        )

    name = next(
        (
            i.get("identityHash")
            for i in _list(subject.get("identifier"))
            if isinstance(i, dict) and i.get("identityType") == "name" and not i.get("hashed")
        ),
        None,
    )
    descriptions = {
        d.get("id"): d for d in _list(achievement.get("resultDescription")) if isinstance(d, dict)
    }
    grade = next(
        (
            r.get("value")
            for r in _list(subject.get("result"))
            if isinstance(r, dict)
            and _dict(descriptions.get(r.get("resultDescription"))).get("resultType") == "ext:Grade"
        ),
        None,
    )
    hours = next(iter(element("notionalWorkloadHours")), None)
    eqf = level(EQF_LEVEL)
    return {
        "learnerIdentification": name,
        "title": achievement.get("name") or credential.get("name"),
        "issuerCountry": _dict(issuer.get("address")).get("addressCountry"),
        "awardingBody": issuer.get("name"),
        "dateOfIssuing": credential.get("awardedDate") or credential.get("validFrom"),
        "learningOutcomes": [a.get("targetName") for a in outcomes_of(credential)],
        "notionalWorkload": {
            "hours": int(hours) if hours and hours.isdigit() else hours,
            "ects": achievement.get("creditsAvailable"),
        },
        "level": {"eqf": int(eqf) if eqf and eqf.isdigit() else eqf, "national": level(NQF_LEVEL)},
        "typeOfAssessment": next(iter(element("typeOfAssessment")), None),
        "formOfParticipation": next(iter(element("formOfParticipation")), None),
        "typeOfQualityAssurance": next(iter(element("typeOfQualityAssurance")), None),
        "prerequisites": element("prerequisites"),
        "supervisionAndIdentityVerification": next(
            iter(element("supervisionAndIdentityVerification")), None
        ),
        "gradeAchieved": grade,
        "integrationStackability": next(iter(element("integrationStackability")), None),
        "furtherInformation": achievement.get("description"),
    }
