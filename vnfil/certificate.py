"""The printable certificate: Jinja2 HTML, PDF by WeasyPrint, a QR code to its verification.

English and Polish labels side by side; a supplement lists the learning outcomes
achieved and every EU micro-credential element. Fonts come from the system (DejaVu
Sans covers Polish); nothing is fetched while rendering.
"""

from __future__ import annotations

from typing import Any

import segno
import weasyprint

from vnfil.rendering import environment


def _context(credential: dict[str, Any], verify_url: str, revoked: bool) -> dict[str, Any]:
    eu = credential.get("euMicroCredential")
    subject = credential.get("credentialSubject")
    if not isinstance(eu, dict) or not isinstance(subject, dict):
        raise ValueError("not a vnfil credential: euMicroCredential or credentialSubject missing")
    achievement = subject.get("achievement") or {}
    return {
        "credential": credential,
        "eu": eu,
        "achievement": achievement,
        "outcomes": achievement.get("alignment") or [],
        "issuer": (credential.get("issuer") or {}).get("name", ""),
        "verify_url": verify_url,
        "qr_svg": segno.make(verify_url, error="m").svg_inline(scale=3, border=2),
        "revoked": revoked,
    }


def render_certificate_html(
    credential: dict[str, Any], verify_url: str, *, revoked: bool = False
) -> str:
    return (
        environment()
        .get_template("certificate.html.j2")
        .render(**_context(credential, verify_url, revoked))
    )


def render_certificate_pdf(
    credential: dict[str, Any], verify_url: str, *, revoked: bool = False
) -> bytes:
    html = render_certificate_html(credential, verify_url, revoked=revoked)
    pdf = weasyprint.HTML(string=html, base_url=None).write_pdf()
    assert pdf is not None
    return bytes(pdf)
