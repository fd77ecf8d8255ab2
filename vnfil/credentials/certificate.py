"""The printable certificate: Jinja2 HTML, PDF by WeasyPrint, a QR code to its verification.

Everything comes from the credential document itself, never from the database, so a
certificate shows exactly what was signed. English and Polish labels stand side by
side; a supplement lists the learning outcomes achieved and every EU micro-credential
element (Council Recommendation of 16 June 2022, Annex I). Fonts come from the system
(DejaVu Sans covers Polish) and the QR code is inline SVG: rendering fetches nothing.
"""

from __future__ import annotations

import json
from typing import Any

import segno
import weasyprint
from weasyprint.urls import URLFetcher

from vnfil.credentials.document import eu_elements_of, outcomes_of
from vnfil.credentials.signing import proofs_of
from vnfil.platform.rendering import environment

# The values the EU recommendation (and the result) enumerate, as a reader should see them.
_VALUES = {
    "full": "full validation / walidacja pełna",
    "partial": "partial validation / walidacja częściowa",
    "online": "online / online",
    "onsite": "on site / stacjonarnie",
    "blended": "blended / hybrydowo",
    "unsupervised-no-identity-verification": (
        "unsupervised, no identity verification / bez nadzoru, bez weryfikacji tożsamości"
    ),
    "supervised-no-identity-verification": (
        "supervised, no identity verification / z nadzorem, bez weryfikacji tożsamości"
    ),
    "supervised-online-identity-verification": (
        "supervised online, identity verified / z nadzorem online, z weryfikacją tożsamości"
    ),
    "onsite-identity-verification": (
        "on site, identity verified / na miejscu, z weryfikacją tożsamości"
    ),
}


def _criteria(narrative: str, code: str, statement: str) -> str:
    """An outcome's assessment criteria, read back from the narrative build_credential wrote
    ("ID: statement — c1; c2"); matching the whole prefix survives dashes in statements."""
    prefix = f"{code}: {statement} — "
    line = next((ln for ln in narrative.splitlines() if ln.startswith(prefix)), "")
    return line[len(prefix) :].strip()


def _rows(*pairs: tuple[str, Any]) -> list[tuple[str, str]]:
    """Label/value rows without the optional elements a credential leaves empty."""
    return [(label, str(v)) for label, v in pairs if v not in (None, "", [])]


def _joined(*parts: Any) -> str:
    """One cell for a pair of elements (EQF and national level; hours and ECTS), either optional."""
    return " · ".join(str(p) for p in parts if p)


def _say(value: Any) -> Any:
    """An enumerated value in both languages; any other value is shown as is."""
    return _VALUES.get(value, value) if isinstance(value, str) else value


def _context(credential: dict[str, Any], verify_url: str, revoked: bool) -> dict[str, Any]:
    subject = credential.get("credentialSubject")
    if not isinstance(subject, dict) or not isinstance(subject.get("achievement"), dict):
        raise ValueError("not a vnfil credential: credentialSubject.achievement missing")
    eu = eu_elements_of(credential)
    achievement = subject["achievement"]
    narrative = (achievement.get("criteria") or {}).get("narrative") or ""
    outcomes = [
        {
            "code": a.get("targetCode", ""),
            "statement": a.get("targetName", ""),
            "criteria": _criteria(narrative, a.get("targetCode", ""), a.get("targetName", "")),
        }
        for a in outcomes_of(credential)
    ]
    level, work = eu.get("level") or {}, eu.get("notionalWorkload") or {}
    levels = _joined(level.get("eqf"), level.get("national"))
    hours, ects = work.get("hours"), work.get("ects")
    workload = _joined(hours and f"{hours} h", ects and f"{ects} ECTS")
    result = ((subject.get("result") or [{}])[0] or {}).get("value")
    proofs = proofs_of(credential)
    issuer = (credential.get("issuer") or {}).get("name") or eu.get("awardingBody")
    issued = (eu.get("dateOfIssuing") or credential.get("validFrom") or "")[:10]
    grade = eu.get("gradeAchieved")
    return {
        "name": eu.get("learnerIdentification") or "",
        "title": eu.get("title") or credential.get("name") or "",
        "revoked": revoked,
        "verify_url": verify_url,
        "qr_svg": segno.make(verify_url, error="m").svg_inline(scale=4, border=2),
        "signed_by": (proofs[-1] if proofs and isinstance(proofs[-1], dict) else {}).get(
            "verificationMethod"
        ),
        "outcomes": outcomes,
        "front": _rows(
            ("Awarding body / Instytucja certyfikująca", issuer),
            ("Issued / Data wydania", issued),
            ("Valid until / Ważne do", (credential.get("validUntil") or "")[:10]),
            ("EQF level / Poziom ERK", levels),
            ("Result / Wynik", _say(result)),
            ("Grade / Ocena", grade),
            ("Credential ID / Identyfikator poświadczenia", credential.get("id")),
        ),
        "elements": _rows(
            ("Title / Tytuł", eu.get("title")),
            ("Learner / Osoba ucząca się", eu.get("learnerIdentification")),
            ("Awarding body / Instytucja certyfikująca", eu.get("awardingBody")),
            ("Country of the issuer / Kraj wystawcy", eu.get("issuerCountry")),
            ("Issued / Data wydania", issued),
            ("Workload / Nakład pracy", workload),
            ("EQF level / Poziom ERK", levels),
            ("Type of assessment / Rodzaj oceny", eu.get("typeOfAssessment")),
            ("Form of participation / Forma uczestnictwa", _say(eu.get("formOfParticipation"))),
            ("Quality assurance / Zapewnianie jakości", eu.get("typeOfQualityAssurance")),
            (
                "Supervision and identity verification / Nadzór i weryfikacja tożsamości",
                _say(eu.get("supervisionAndIdentityVerification")),
            ),
            ("Prerequisites / Wymagania wstępne", "; ".join(eu.get("prerequisites") or [])),
            ("Grade / Ocena", grade),
            ("Stackability / Możliwość łączenia", eu.get("integrationStackability")),
            ("Further information / Dodatkowe informacje", eu.get("furtherInformation")),
        ),
    }


def render_certificate_html(
    credential: dict[str, Any], verify_url: str, *, revoked: bool = False
) -> str:
    """The HTML is also served as is, so it must stand alone: styles and QR inline."""
    template = environment().get_template("certificate.html.j2")
    return template.render(**_context(credential, verify_url, revoked))


def render_certificate_pdf(
    credential: dict[str, Any], verify_url: str, *, revoked: bool = False
) -> bytes:
    """A fetcher that refuses every URL but data: makes an external asset a loud error, not a request."""
    html = render_certificate_html(credential, verify_url, revoked=revoked)
    fetcher = URLFetcher(allowed_protocols=("data",), fail_on_errors=True)
    # The signed credential rides along (PDF/A-3's "Data" relationship): a verifier, or a
    # validation centre taking the certificate as evidence, checks it, not the print.
    attached = weasyprint.Attachment(
        string=json.dumps(credential, ensure_ascii=False, indent=2),
        name="credential.json",
        description="The signed credential (W3C Verifiable Credential, Open Badges 3.0)",
        relationship="Data",
    )
    pdf = weasyprint.HTML(string=html, url_fetcher=fetcher).write_pdf(attachments=[attached])
    assert pdf is not None
    return bytes(pdf)
