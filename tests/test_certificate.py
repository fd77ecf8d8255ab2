"""The printable certificate, rendered from a real credential and read back as a reader would.

No services: the credential is built by vnfil.credentials.document from a catalogue standard, the
PDF is read back with pypdf, and its QR code is decoded from a rasterised page.
"""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime
from typing import Any

import pypdf
import pytest

from vnfil.accounts.schemas import Actor, CandidateRef, Role
from vnfil.cases.schemas import Result
from vnfil.credentials.certificate import render_certificate_html, render_certificate_pdf
from vnfil.credentials.document import build_credential
from vnfil.credentials.schemas import CredentialInput
from vnfil.standards.schemas import Issuer, StandardDocument, StandardSnapshot
from vnfil.standards.service import sample_document

LEARNER = "Zażółć Gęślą-Jaźń"
URL = "https://vnfil.example/credentials/4f1c2b7e-0000-4000-8000-000000000001/verification"
DOC = sample_document("digital-collaboration")


def credential(
    achieved: list[str] | None = None,
    doc: StandardDocument = DOC,
    grade: str | None = "bardzo dobry",
) -> dict[str, Any]:
    achieved = [lo.id for lo in doc.learning_outcomes] if achieved is None else achieved
    full = len(achieved) == len(doc.learning_outcomes)
    return build_credential(
        CredentialInput(
            credential_id=str(uuid.uuid4()),
            case_id=str(uuid.uuid4()),
            candidate=CandidateRef(id="c", name=LEARNER, email="zazolc@example.org"),
            standard=StandardSnapshot(
                standard_id="s",
                issuer=Issuer(id="b", name="Fundacja Łódzkie Centrum Kompetencji", country="PL"),
                document=doc,
            ),
            result=Result.full if full else Result.partial,
            achieved_lo_ids=achieved,
            identity=None,
            evidence=[],
            grade=grade,
            issued_at=datetime(2026, 3, 14, 9, 30, tzinfo=UTC),
            certified_by=Actor(user_id="a", role=Role.centre_admin),
        ),
        "https://vnfil.example",
        "did:web:vnfil.example:issuers:b",
    )


def pdf_pages(pdf: bytes) -> list[str]:
    """Each page's text with whitespace collapsed, as line breaks fall where they may."""
    return [" ".join(p.extract_text().split()) for p in pypdf.PdfReader(io.BytesIO(pdf)).pages]


@pytest.fixture(scope="module")
def full_pdf() -> bytes:
    return render_certificate_pdf(credential(), URL)


def test_pdf_reads_back_in_both_languages_with_every_outcome(full_pdf: bytes) -> None:
    pages = pdf_pages(full_pdf)
    assert len(pages) >= 2  # the certificate, then the supplement
    front, supplement = pages[0], " ".join(pages[1:])
    assert LEARNER in front  # every Polish letter intact
    for label in (
        "Certificate / Zaświadczenie",
        "Awarded to / Przyznano",
        "Awarding body / Instytucja certyfikująca",
        "Issued / Data wydania",
        "EQF level / Poziom ERK",
        "Verify at / Zweryfikuj pod adresem",
        "Fundacja Łódzkie Centrum Kompetencji",
        "2026-03-14",
    ):
        assert label in front, label
    assert URL in "".join(pages[0].split())  # a long URL may break anywhere
    assert "Supplement / Suplement" in supplement
    assert "Osiągnięte efekty uczenia się" in supplement
    for lo in DOC.learning_outcomes:
        assert f"{lo.id} {lo.statement}" in supplement, lo.id
        for criterion in lo.criteria:
            assert criterion in supplement
    for label in (
        "Workload / Nakład pracy 50 h · 2 ECTS",
        "EQF level / Poziom ERK 4 · PRK 4",
        "Type of assessment / Rodzaj oceny",
        "Form of participation / Forma uczestnictwa blended / hybrydowo",
        "Quality assurance / Zapewnianie jakości",
        "Nadzór i weryfikacja tożsamości",
        "bez nadzoru, bez weryfikacji tożsamości",  # no identity check recorded
        "Prerequisites / Wymagania wstępne Basic computer literacy",
        "Grade / Ocena bardzo dobry",
        "Stackability / Możliwość łączenia",
    ):
        assert label in supplement, label
    assert "UNIEWAŻNIONE" not in " ".join(pages)


def test_partial_result_lists_only_the_outcomes_achieved() -> None:
    achieved = ["DC1", "DC3"]
    text = " ".join(pdf_pages(render_certificate_pdf(credential(achieved, grade=None), URL)))
    assert "partial validation / walidacja częściowa" in text
    for lo in DOC.learning_outcomes:
        assert (lo.statement in text) == (lo.id in achieved), lo.id
        assert (lo.criteria[0] in text) == (lo.id in achieved), lo.id
    assert "Grade / Ocena" not in text  # an empty optional element is left out


def test_qr_code_decodes_to_the_verification_url(full_pdf: bytes) -> None:
    pdfium = pytest.importorskip("pypdfium2")
    zxingcpp = pytest.importorskip("zxingcpp")
    page = pdfium.PdfDocument(full_pdf)[0].render(scale=3).to_pil()
    codes = zxingcpp.read_barcodes(page, formats=zxingcpp.BarcodeFormat.QRCode)
    assert [c.text for c in codes] == [URL]


def test_revoked_certificate_says_so_on_every_page() -> None:
    pdf = render_certificate_pdf(credential(), URL, revoked=True)
    pages = pdf_pages(pdf)
    assert len(pages) >= 2 and all("REVOKED / UNIEWAŻNIONE" in page for page in pages)


def test_html_is_escaped_and_self_contained() -> None:
    los = [lo.model_copy() for lo in DOC.learning_outcomes]
    los[0].statement = "Writes <script>alert('x')</script> & more"
    html = render_certificate_html(
        credential(doc=DOC.model_copy(update={"learning_outcomes": los})), URL
    )
    assert "<script>" not in html
    assert "Writes &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; more" in html
    assert html.count("<svg") == 1  # the QR code, inline
    assert "src=" not in html and "@import" not in html and "url(" not in html


def test_a_document_that_is_not_a_vnfil_credential_is_refused() -> None:
    cred = credential()
    broken = {k: v for k, v in cred.items() if k != "credentialSubject"}
    with pytest.raises(ValueError, match="credentialSubject"):
        render_certificate_html(broken, URL)
