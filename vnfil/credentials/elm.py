"""The credential as a European Learning Model document (a Europass digital credential).

The EU's own model names the same ideas as Open Badges 3.0 in other words; an issuer in
the EU may be asked for it. :func:`elm_document` derives it from the *signed* Open Badges
credential as stored (nothing else is read, so it can never say more than what was
signed) and points back to it: ``identifier`` carries the signed credential's id and
``relatedResource`` its file's SHA-256. It is VC Data Model 2.0 in the shape of EBSI's
"Europass EDC credential" JSON Schema (ELM 3.2), which the tests validate it against
(``vnfil/credentials/elm/``; docs/credentials.md, "European Learning Model").

It carries no proof of its own: the EU asks an EDC issuer for an advanced or qualified
electronic seal (JAdES), made with a qualified certificate vnfil does not hold (docs,
"The seal question"). Ids are derived from the credential's, so the same credential
gives the same document every time.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from typing import Any
from xml.sax.saxutils import escape

from vnfil.credentials.document import VC_CONTEXT, eu_elements_of, outcomes_of

EDC_CONTEXT = "http://data.europa.eu/snb/model/context/edc-ap"
# The shapes the document declares, and EBSI's JSON Schema for it (the tests validate it
# against both: vnfil/credentials/elm/).
EDC_SHAPES = "http://data.europa.eu/snb/model/ap/edc-generic-full"
EDC_JSON_SCHEMA = (
    "https://api-pilot.ebsi.eu/trusted-schemas-registry/v3/schemas/"
    "0x4d40d34533797f62a8a03d7c4a4cd7827d289fadf1bfa582ec0ecfedbe55a6e0"
)
MEDIA_TYPE = "application/ld+json"

_SNB = "http://data.europa.eu/snb"
_AUTHORITY = "http://publications.europa.eu/resource/authority"
# Controlled-vocabulary concepts whose URIs the EU's own ELM examples use. Where vnfil
# knows no URI for a value (three of the four supervision levels, "onsite"), the
# concept is named in its scheme without one: vnfil does not make up EU URIs.
_GENERIC_PROFILE = (f"{_SNB}/credential/e34929035b", "Generic")
_ECTS = (f"{_SNB}/education-credit/6fcec5c5af", "European Credit Transfer System")
_NON_FORMAL = (f"{_SNB}/learning-setting/e207a81fc7", "non-formal learning")
_MODES = {
    "online": (f"{_SNB}/learning-assessment/920fbb3cbe", "Online"),
    "blended": (f"{_SNB}/learning-assessment/e92d221e4d", "Blended"),
    "onsite": (None, "Onsite"),
}
_SUPERVISION = {
    "unsupervised-no-identity-verification": (
        f"{_SNB}/supervision-verification/c598449d64",
        "Unsupervised without ID Verification",
    ),
    "supervised-no-identity-verification": (None, "Supervised with no identity verification"),
    "supervised-online-identity-verification": (
        None,
        "Supervised online with identity verification",
    ),
    "onsite-identity-verification": (None, "Onsite with identity verification"),
}
_BASE64 = (f"{_SNB}/encoding/6146cde7dd", "base64")
# The EU's official languages: BCP 47 primary tag → the EU language authority's code.
_LANGUAGES = {
    "bg": "BUL", "cs": "CES", "da": "DAN", "de": "DEU", "el": "ELL", "en": "ENG",
    "es": "SPA", "et": "EST", "fi": "FIN", "fr": "FRA", "ga": "GLE", "hr": "HRV",
    "hu": "HUN", "it": "ITA", "lt": "LIT", "lv": "LAV", "mt": "MLT", "nl": "NLD",
    "pl": "POL", "pt": "POR", "ro": "RON", "sk": "SLK", "sl": "SLV", "sv": "SWE",
}  # fmt: skip
# ISO 3166-1 alpha-2 → the EU country authority's code (alpha-3), EU and EEA and neighbours.
_COUNTRIES = {
    "AT": "AUT", "BE": "BEL", "BG": "BGR", "HR": "HRV", "CY": "CYP", "CZ": "CZE",
    "DK": "DNK", "EE": "EST", "FI": "FIN", "FR": "FRA", "DE": "DEU", "GR": "GRC",
    "HU": "HUN", "IE": "IRL", "IT": "ITA", "LV": "LVA", "LT": "LTU", "LU": "LUX",
    "MT": "MLT", "NL": "NLD", "PL": "POL", "PT": "PRT", "RO": "ROU", "SK": "SVK",
    "SI": "SVN", "ES": "ESP", "SE": "SWE", "IS": "ISL", "LI": "LIE", "NO": "NOR",
    "CH": "CHE", "GB": "GBR", "UA": "UKR", "MD": "MDA", "RS": "SRB", "ME": "MNE",
    "MK": "MKD", "AL": "ALB", "BA": "BIH", "TR": "TUR", "GE": "GEO",
}  # fmt: skip


def signed_file(document: dict[str, Any]) -> bytes:
    """The signed credential's file, byte for byte as ``credential.json`` serves it."""
    return json.dumps(document, ensure_ascii=False, indent=2).encode()


def elm_id(document: dict[str, Any]) -> str:
    """The ELM document's id: a UUID derived from the signed credential's, so stable."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, str(document.get('id')) + '#elm')}"


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _concept(scheme: str, uri: str | None, label: str, lang: str = "en", **more: Any) -> dict:
    concept: dict[str, Any] = {
        "type": "Concept",
        "inScheme": {"id": scheme, "type": "ConceptScheme"},
        "prefLabel": {lang: label},
        **more,
    }
    return {"id": uri, **concept} if uri else concept


def _language(tag: str) -> dict[str, Any]:
    primary = tag.split("-")[0].lower()
    code = _LANGUAGES.get(primary)
    scheme = f"{_AUTHORITY}/language"
    uri = f"{scheme}/{code}" if code else None
    return _concept(scheme, uri, code or tag, notation=code or tag)


def _country(code: str) -> dict[str, Any]:
    alpha3 = _COUNTRIES.get(code.upper())
    scheme = f"{_AUTHORITY}/country"
    return _concept(scheme, f"{scheme}/{alpha3}" if alpha3 else None, code, notation=code)


def _card(title: str, learner: str, issuer: str, issued: str) -> str:
    """What an EDC viewer shows for the credential: a one-page SVG, made from the same
    values (ELM asks for an image of each page in ``displayParameter``)."""
    lines = [(title, 28, 120), (learner, 22, 190), (issuer, 18, 250), (issued[:10], 16, 290)]
    texts = "".join(
        f'<text x="40" y="{y}" font-family="DejaVu Sans, sans-serif" font-size="{size}">'
        f"{escape(text)}</text>"
        for text, size, y in lines
    )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="842" height="400" viewBox="0 0 842 400">'
        f'<rect width="842" height="400" fill="#ffffff" stroke="#1f3b73"/>{texts}</svg>'
    )


def elm_document(document: dict[str, Any], base_url: str, credential_id: str) -> dict[str, Any]:
    """The European Learning Model document of a signed Open Badges credential."""
    eu = eu_elements_of(document)
    subject = _dict(document.get("credentialSubject"))
    achievement = _dict(subject.get("achievement"))
    issuer = _dict(document.get("issuer"))
    lang = str(achievement.get("inLanguage") or "en").split("-")[0].lower()
    own = elm_id(document)

    def node(name: str) -> str:
        return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, own + '#' + name)}"

    def text(value: Any) -> dict[str, str]:
        return {lang: str(value)}

    def note(name: str, value: Any, about: str | None = None) -> dict[str, Any]:
        n: dict[str, Any] = {"id": node(name), "type": "Note", "noteLiteral": text(value)}
        if about:
            n["subject"] = {"type": "Concept", "prefLabel": {"en": about}}
        return n

    def organisation(name: str, who: dict[str, Any], country: str, org_id: str) -> dict:
        org: dict[str, Any] = {
            "id": org_id,
            "type": "Organisation",
            "legalName": text(who.get("name", "")),
            "location": {
                "id": node(f"{name}-location"),
                "type": "Location",
                "address": {
                    "id": node(f"{name}-address"),
                    "type": "Address",
                    "countryCode": _country(country),
                },
            },
        }
        if who.get("url"):
            org["homepage"] = {
                "id": node(f"{name}-homepage"),
                "type": "WebResource",
                "contentURL": who["url"],
            }
        return org

    country = str(eu.get("issuerCountry") or "")
    awarding_body = organisation("issuer", issuer, country, str(issuer.get("id")))
    issued = str(document.get("awardedDate") or document.get("validFrom"))
    awarded_by = {
        "id": node("awarding"),
        "type": "AwardingProcess",
        "awardingBody": [awarding_body],
        "awardingDate": issued,
    }
    result = next(
        (
            str(r.get("value"))
            for r in subject.get("result") or []
            if isinstance(r, dict) and str(r.get("resultDescription", "")).endswith("#result")
        ),
        "full",
    )
    supervision = str(eu.get("supervisionAndIdentityVerification") or "")
    sup_uri, sup_label = _SUPERVISION.get(supervision, (None, supervision))
    assessment: dict[str, Any] = {
        "id": node("assessment"),
        "type": "LearningAssessment",
        "title": text("Validation of non-formal and informal learning"),
        "grade": note(
            "grade",
            eu.get("gradeAchieved")
            or ("validated in full" if result == "full" else "validated in part"),
        ),
        "idVerification": _concept(
            f"{_SNB}/supervision-verification/25831c2", sup_uri, sup_label, notation=supervision
        ),
        "awardedBy": awarded_by,
        "specifiedBy": [
            {
                "id": node("assessment-specification"),
                "type": "LearningAssessmentSpecification",
                "title": text(eu.get("typeOfAssessment") or ""),
            }
        ],
    }
    centre = _dict(subject.get("source"))
    if centre.get("id"):
        where = _dict(centre.get("address")).get("addressCountry") or country
        assessment["assessedBy"] = [organisation("centre", centre, str(where), centre["id"])]
    code_version = str(achievement.get("humanCode") or "")
    outcomes = [
        {
            "id": node(f"lo-{o.get('targetCode')}"),
            "type": "LearningOutcome",
            "title": text(o.get("targetName", "")),
            "identifier": {
                "id": node(f"lo-{o.get('targetCode')}-identifier"),
                "type": "Identifier",
                "notation": str(o.get("targetCode")),
                "schemeName": code_version,
            },
        }
        for o in outcomes_of(document)
    ]
    workload = _dict(eu.get("notionalWorkload"))
    mode_uri, mode_label = _MODES.get(str(eu.get("formOfParticipation")), (None, ""))
    specification: dict[str, Any] = {
        "id": node("specification"),
        "type": "Qualification",
        "title": text(eu.get("title") or ""),
        "identifier": {
            "id": node("specification-identifier"),
            "type": "Identifier",
            "notation": code_version,
            "schemeName": "vnfil standard code@version",
        },
        "language": [_language(str(achievement.get("inLanguage") or "en"))],
        "learningSetting": _concept(f"{_SNB}/learning-setting/25831c2", *_NON_FORMAL),
        "mode": [
            _concept(
                f"{_SNB}/learning-assessment/25831c2",
                mode_uri,
                mode_label or str(eu.get("formOfParticipation")),
                notation=str(eu.get("formOfParticipation")),
            )
        ],
        "learningOutcome": outcomes,
        "isPartialQualification": result == "partial",
        "additionalNote": [
            note(
                "quality-assurance", eu.get("typeOfQualityAssurance"), "Type of quality assurance"
            ),
            note("stackability", eu.get("integrationStackability"), "Integration / stackability"),
            note("further-information", eu.get("furtherInformation"), "Further information"),
            note("supervision", sup_label, "Supervision and identity verification"),
        ],
    }
    if workload.get("hours"):
        specification["volumeOfLearning"] = f"PT{workload['hours']}H"
    if workload.get("ects") is not None:
        specification["creditPoint"] = [
            {
                "id": node("credit-point"),
                "type": "CreditPoint",
                "framework": _concept(f"{_SNB}/education-credit/25831c2", *_ECTS),
                "point": str(workload["ects"]),
            }
        ]
    level = _dict(eu.get("level"))
    if level.get("eqf"):
        specification["eqfLevel"] = _concept(
            f"{_SNB}/eqf/25831c2", f"{_SNB}/eqf/{level['eqf']}", f"Level {level['eqf']}"
        )
    if level.get("national"):
        # ELM wants a national level as a concept of the EU's qualification register (QDR)
        # by its URI; vnfil knows none for it, so it is said in words.
        specification["additionalNote"].append(
            note("national-level", level["national"], "National qualifications framework level")
        )
    if eu.get("prerequisites"):
        specification["entryRequirement"] = note(
            "prerequisites", "; ".join(eu["prerequisites"]), "Prerequisites"
        )
    learner = str(eu.get("learnerIdentification") or "")
    title = str(eu.get("title") or "")
    card = _card(title, learner, str(issuer.get("name", "")), issued)
    elm: dict[str, Any] = {
        "@context": [VC_CONTEXT, EDC_CONTEXT],
        "id": own,
        "type": ["VerifiableCredential", "VerifiableAttestation", "EuropeanDigitalCredential"],
        "identifier": [
            {
                "id": node("identifier"),
                "type": "Identifier",
                "notation": str(document.get("id")),
                "schemeName": "Open Badges 3.0 credential signed by the awarding body",
            }
        ],
        "credentialProfiles": [_concept(f"{_SNB}/credential/25831c2", *_GENERIC_PROFILE)],
        # ELM's shapes allow only SHACL validators here (EBSI's examples also name their
        # JSON Schema, which ELM 3.2's shapes refuse): the schema is EDC_JSON_SCHEMA.
        "credentialSchema": [{"id": EDC_SHAPES, "type": "ShaclValidator2017"}],
        "issuer": awarding_body,
        "validFrom": str(document.get("validFrom")),
        "issued": issued,
        "credentialSubject": {
            "id": node("learner"),
            "type": "Person",
            "fullName": text(learner),
            "hasClaim": [
                {
                    "id": node("achievement"),
                    "type": "LearningAchievement",
                    "title": text(title),
                    "awardedBy": awarded_by,
                    "provenBy": [assessment],
                    "specifiedBy": specification,
                }
            ],
        },
        "displayParameter": {
            "id": node("display"),
            "type": "DisplayParameter",
            "title": text(title),
            "language": [_language(lang)],
            "primaryLanguage": _language(lang),
            "individualDisplay": [
                {
                    "id": node("display-individual"),
                    "type": "IndividualDisplay",
                    "language": _language(lang),
                    "displayDetail": [
                        {
                            "id": node("display-page-1"),
                            "type": "DisplayDetail",
                            "page": 1,
                            "image": {
                                "id": node("display-image"),
                                "type": "MediaObject",
                                "contentType": _concept(
                                    f"{_AUTHORITY}/file-type",
                                    f"{_AUTHORITY}/file-type/SVG",
                                    "SVG",
                                ),
                                "contentEncoding": _concept(f"{_SNB}/encoding/25831c2", *_BASE64),
                                "content": base64.b64encode(card.encode()).decode(),
                            },
                        }
                    ],
                }
            ],
        },
        "relatedResource": [
            {
                "id": f"{base_url}/credentials/{credential_id}/credential.json",
                "mediaType": "application/vc+ld+json",
                "digestSRI": "sha256-"
                + base64.b64encode(hashlib.sha256(signed_file(document)).digest()).decode(),
            }
        ],
    }
    if document.get("validUntil"):
        elm["validUntil"] = str(document["validUntil"])
    return elm
