"""The EU digital identity wallet's Learning Credential: an SD-JWT VC made from an issued
Open Badges credential.

Type ``urn:eu.europa.ec.eudi:learning:credential:1`` (the claims of the EUDI reference
issuer's Learning Credential), filled from the same Annex I elements the Open Badges
document carries (:func:`vnfil.credentials.document.eu_elements_of`), plus the elements
that type has no claim for. Every element is selectively disclosable: the holder shows a
verifier the title without the grade, say. It is bound to the wallet's key (``cnf``),
signed by the awarding body's key (``iss`` its DID, ``kid`` the key in its DID document),
and revoked through the same list as the Open Badges credential: ``status`` points at the
same slot, served as an IETF Token Status List (``application/statuslist+jwt``) at the
same URL. SD-JWT itself is done by the OpenWallet Foundation's reference implementation
(``sd-jwt``), never by hand.
"""

from __future__ import annotations

import base64
import json
import re
import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from jwcrypto.jwk import JWK
from sd_jwt.common import SDObj
from sd_jwt.issuer import SDJWTIssuer
from sd_jwt.verifier import SDJWTVerifier

from vnfil.credentials.document import eu_elements_of
from vnfil.credentials.keys import ActiveKey, body_of_issuer, key_valid_at
from vnfil.credentials.signing import ProofError, public_key_of
from vnfil.credentials.status import bit
from vnfil.credentials.verification import SignatureChecker, TrustRegistry, trusted_bits

VCT = "urn:eu.europa.ec.eudi:learning:credential:1"
FORMAT = "dc+sd-jwt"
TYP = "dc+sd-jwt"
ALG = "EdDSA"
# The claims of the EUDI Learning Credential, and those vnfil adds for Annex I elements
# the type has no claim for; each with its label (the wallet shows them).
CLAIM_LABELS: dict[str, tuple[str, str]] = {
    "issuing_authority": ("Issuing authority", "Instytucja wydająca"),
    "issuing_country": ("Issuing country", "Kraj wydania"),
    "date_of_issuance": ("Date of issuance", "Data wydania"),
    "date_of_expiry": ("Date of expiry", "Data ważności"),
    "family_name": ("Family name", "Nazwisko"),
    "given_name": ("Given name", "Imię"),
    "learner_identification": ("Learner identification", "Identyfikacja osoby uczącej się"),
    "achievement_title": ("Achievement title", "Tytuł osiągnięcia"),
    "achievement_description": ("Achievement description", "Opis osiągnięcia"),
    "learning_outcomes": ("Learning outcomes", "Efekty uczenia się"),
    "assessment_grade": ("Assessment grade", "Ocena"),
    "language_of_classes": ("Language", "Język"),
    "expected_study_time": ("Notional workload", "Nakład pracy"),
    "level_of_learning_experience": ("EQF level", "Poziom ERK"),
    "types_of_quality_assurance": ("Quality assurance", "Zapewnianie jakości"),
    "prerequisites_to_enroll": ("Prerequisites", "Wymagania wstępne"),
    "integration_stackability_options": ("Stackable", "Możliwość łączenia"),
    # Annex I elements beyond the type's claims:
    "integration_stackability": ("Integration / stackability", "Integracja / łączenie"),
    "ects_credits": ("ECTS credits", "Punkty ECTS"),
    "national_level": ("National level", "Poziom krajowy"),
    "type_of_assessment": ("Type of assessment", "Rodzaj walidacji"),
    "form_of_participation": ("Form of participation", "Forma udziału"),
    "supervision_and_identity_verification": (
        "Supervision and identity verification",
        "Nadzór i weryfikacja tożsamości",
    ),
    "validation_result": ("Validation result", "Wynik walidacji"),
    "validation_centre": ("Validation centre", "Instytucja walidująca"),
    "open_badge_credential": ("Open Badges credential", "Poświadczenie Open Badges"),
}


def _date(value: Any) -> str | None:
    return str(value)[:10] if value else None


def _names(full: str) -> tuple[str, str | None]:
    """(family name, given names): a vnfil account holds one name, read as given names
    then the family name (the last word)."""
    given, _, family = full.strip().rpartition(" ")
    return (family, given or None) if family else (full, None)


def learning_claims(document: dict[str, Any]) -> dict[str, Any]:
    """The Learning Credential's claims from a signed Open Badges credential; absent
    elements are left out (never an empty claim)."""
    elements = eu_elements_of(document)
    subject = document.get("credentialSubject") or {}
    achievement = subject.get("achievement") or {}
    results = {
        str(r.get("resultDescription", "")).rsplit("#", 1)[-1]: r.get("value")
        for r in subject.get("result") or []
        if isinstance(r, dict)
    }
    family, given = _names(str(elements.get("learnerIdentification") or ""))
    workload, level = elements["notionalWorkload"], elements["level"]
    stackability = elements.get("integrationStackability")
    claims: dict[str, Any] = {
        "issuing_authority": elements.get("awardingBody"),
        "issuing_country": elements.get("issuerCountry"),
        "date_of_issuance": _date(elements.get("dateOfIssuing")),
        "date_of_expiry": _date(document.get("validUntil")),
        "family_name": family,
        "given_name": given,
        "learner_identification": elements.get("learnerIdentification"),
        "achievement_title": elements.get("title"),
        "achievement_description": elements.get("furtherInformation"),
        "learning_outcomes": elements.get("learningOutcomes") or None,
        "assessment_grade": elements.get("gradeAchieved"),
        "language_of_classes": [achievement["inLanguage"]]
        if achievement.get("inLanguage")
        else None,
        "expected_study_time": f"{workload['hours']} hours" if workload.get("hours") else None,
        "level_of_learning_experience": level.get("eqf"),
        "types_of_quality_assurance": [elements["typeOfQualityAssurance"]]
        if elements.get("typeOfQualityAssurance")
        else None,
        "prerequisites_to_enroll": elements.get("prerequisites") or None,
        "integration_stackability_options": bool(stackability) if stackability else None,
        "integration_stackability": stackability,
        "ects_credits": workload.get("ects"),
        "national_level": level.get("national"),
        "type_of_assessment": elements.get("typeOfAssessment"),
        "form_of_participation": elements.get("formOfParticipation"),
        "supervision_and_identity_verification": elements.get("supervisionAndIdentityVerification"),
        "validation_result": results.get("result"),
        "validation_centre": (subject.get("source") or {}).get("name"),
        "open_badge_credential": document.get("id"),
    }
    return {name: value for name, value in claims.items() if value not in (None, "", [])}


def status_claim(document: dict[str, Any]) -> dict[str, Any] | None:
    """The Token Status List reference to the slot of the credential's Bitstring Status
    List entry: one list, one bit, whichever format a verifier reads."""
    entry = document.get("credentialStatus")
    if not isinstance(entry, dict) or "statusListCredential" not in entry:
        return None
    return {
        "status_list": {
            "idx": int(entry["statusListIndex"]),
            "uri": entry["statusListCredential"],
        }
    }


def issue(
    document: dict[str, Any],
    key: ActiveKey,
    base_url: str,
    holder_jwk: dict[str, Any],
    now: datetime,
) -> str:
    """The SD-JWT VC (issuer-signed JWT and every disclosure, ``~``-separated), bound
    to ``holder_jwk``; every Annex I claim is a disclosure of its own."""
    issuer = document.get("issuer") or {}
    payload: dict[str, Any] = {
        "iss": issuer.get("id"),
        "iat": int(now.timestamp()),
        "vct": VCT,
        **{SDObj(name): value for name, value in learning_claims(document).items()},
    }
    if document.get("validUntil"):
        payload["exp"] = int(
            datetime.fromisoformat(str(document["validUntil"]).replace("Z", "+00:00")).timestamp()
        )
    status = status_claim(document)
    if status is not None:
        payload["status"] = status
    signer = JWK.from_pyca(key.private)
    holder = JWK(**{k: v for k, v in holder_jwk.items() if k in ("kty", "crv", "x", "y")})
    with warnings.catch_warnings():  # "EdDSA" is what SD-JWT VC verifiers know
        warnings.simplefilter("ignore")
        made = SDJWTIssuer(
            payload,
            signer,
            holder_key=holder,
            sign_alg=ALG,
            add_decoy_claims=False,  # the library would put decoys in status too
            extra_header_parameters={"typ": TYP, "kid": key.method(base_url)},
        )
    return made.sd_jwt_issuance


def configuration() -> dict[str, Any]:
    """Its entry in the issuer's ``credential_configurations_supported``."""
    return {
        "format": FORMAT,
        "vct": VCT,
        "scope": VCT,
        "cryptographic_binding_methods_supported": ["jwk"],
        "credential_signing_alg_values_supported": [ALG],
        "display": [
            {"name": "Learning Credential (EU wallet)", "locale": "en"},
            {"name": "Poświadczenie uczenia się (portfel UE)", "locale": "pl"},
        ],
        "credential_metadata": {
            "display": [
                {"name": "Learning Credential (EU wallet)", "locale": "en"},
                {"name": "Poświadczenie uczenia się (portfel UE)", "locale": "pl"},
            ],
            "claims": [
                {
                    "path": [name],
                    "display": [
                        {"name": english, "locale": "en"},
                        {"name": polish, "locale": "pl"},
                    ],
                }
                for name, (english, polish) in CLAIM_LABELS.items()
            ],
        },
    }


_COMPACT = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+~[A-Za-z0-9_~.-]*")


def looks_like(text: str) -> bool:
    """An SD-JWT in compact form: the issuer-signed JWT, then ``~``-separated parts."""
    return _COMPACT.fullmatch(text) is not None


@dataclass
class Presented:
    """An SD-JWT VC (or a holder's presentation of it) as vnfil checked it."""

    verified: bool
    failed: str | None
    detail: str
    issuer: str | None = None
    claims: dict[str, Any] = field(default_factory=dict)
    revoked: bool = False


def _unverified(compact: str) -> tuple[dict[str, Any], dict[str, Any]]:
    head, body = compact.split("~", 1)[0].split(".")[:2]

    def part(b64: str) -> dict[str, Any]:
        value = json.loads(base64.urlsafe_b64decode(b64 + "=" * (-len(b64) % 4)))
        if not isinstance(value, dict):
            raise ValueError("not a JSON object")
        return value

    return part(head), part(body)


async def check(
    text: str, registry: TrustRegistry, checker: SignatureChecker, now: datetime
) -> Presented:
    """The issuer's signature (a key the awarding body held when it signed, known to
    this registry: vnfil fetches nothing), the disclosures against their digests (by the
    ``sd-jwt`` library), the dates, and the status bit in the same list the Open Badges
    credential uses."""
    try:
        header, payload = _unverified(text)
    except (ValueError, UnicodeDecodeError):
        return Presented(False, "malformed", "the SD-JWT's header or payload is not JSON")
    issuer, kid = str(payload.get("iss", "")), str(header.get("kid", ""))
    controller, _, multikey = kid.partition("#")
    known = await registry.key(multikey) if multikey else None
    if (
        controller != issuer
        or known is None
        or body_of_issuer(registry.base_url, issuer) != known.awarding_body_id
    ):
        return Presented(False, "issuer", f"unknown issuer or key: {kid or issuer}", issuer)
    signed_at = datetime.fromtimestamp(int(payload.get("iat", 0)), UTC)
    why = key_valid_at(known, signed_at)
    if why:
        return Presented(False, "issuer", why, issuer)
    public = JWK.from_pyca(public_key_of(multikey))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            claims = SDJWTVerifier(text, lambda _iss, _header: public).get_verified_payload()
    except Exception:  # the library raises what jwcrypto raises: any of them is a "no"
        return Presented(False, "signature", "the SD-JWT's signature does not verify", issuer)
    expires = claims.get("exp")
    if isinstance(expires, int) and datetime.fromtimestamp(expires, UTC) <= now:
        return Presented(False, "expiry", "it has expired", issuer, claims)
    entry = (claims.get("status") or {}).get("status_list") or {}
    if entry:
        listed = await registry.status_list(str(entry.get("uri", "")))
        if listed is None:
            return Presented(False, "status", "its status list is not known here", issuer, claims)
        try:
            bits = await trusted_bits(listed, issuer, registry, checker)
            revoked = bit(bits, int(entry.get("idx", -1)))
        except (ProofError, ValueError, IndexError, TypeError) as exc:
            return Presented(False, "status", f"status list unusable: {exc}", issuer, claims)
        if revoked:
            return Presented(False, "status", "it was revoked", issuer, claims, revoked=True)
    return Presented(True, None, f"signed by a key of {issuer}", issuer, claims)
