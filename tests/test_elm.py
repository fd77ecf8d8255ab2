"""The credential as a European Learning Model (Europass digital credential) document,
validated against the data it declares, shipped in vnfil/credentials/elm/: EBSI's
"Europass EDC credential" JSON Schema (ELM 3.2, VCDM 2.0), and ELM 3.2's own SHACL
shapes over the RDF the document expands to with the shipped JSON-LD contexts."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from importlib.resources import files
from typing import Any

import pytest
import rdflib
from jsonschema import Draft202012Validator, FormatChecker
from pyld import jsonld
from pyshacl import validate

from tests.conftest import Stack
from tests.factories import certified_case, make_world, new_case, ok, signed_in
from vnfil.credentials.document import VC_CONTEXT, shipped_context
from vnfil.credentials.elm import EDC_CONTEXT

ELM_DIR = files("vnfil.credentials").joinpath("elm")
HIDDEN = "the holder of this credential does not show it here; ask them for a link"
ISSUER_DEPENDENT = "https://www.w3.org/ns/credentials/issuer-dependent#"


def _schema() -> dict[str, Any]:
    return json.loads(ELM_DIR.joinpath("europass-edc-schema-2.1.0.json").read_text())


def schema_errors(doc: dict[str, Any]) -> list[str]:
    checker = FormatChecker()
    # The formats the schema leans on are really checked (jsonschema's format extras).
    assert {"uri", "date-time", "duration", "email"} <= set(checker.checkers)
    validator = Draft202012Validator(_schema(), format_checker=checker)
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.path)))
    ]


def schema_reasons(doc: dict[str, Any]) -> list[str]:
    """What the schema says is wrong, down to the branches of every ``anyOf`` it tried
    (a broken node of a ``Many!`` type fails as itself and as a list)."""

    def leaves(e: Any) -> list[str]:
        if not e.context:
            return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"]
        return [m for sub in e.context for m in leaves(sub)]

    validator = Draft202012Validator(_schema(), format_checker=FormatChecker())
    return [m for e in validator.iter_errors(doc) for m in leaves(e)]


def _edc_context(*, without: tuple[str, ...] = ()) -> dict[str, Any]:
    ctx = json.loads(ELM_DIR.joinpath("edc-ap-context-3.2.jsonld").read_text())
    for term in without:
        del ctx["@context"][term]
    return ctx


def _loader(edc: dict[str, Any]):  # type: ignore[no-untyped-def]
    def load(url: str, options: Any = None) -> dict[str, Any]:
        doc = {VC_CONTEXT: shipped_context(VC_CONTEXT), EDC_CONTEXT: edc}.get(url)
        if doc is None:
            raise AssertionError(f"the document names a context vnfil does not ship: {url}")
        return {"contextUrl": None, "documentUrl": url, "document": doc}

    return load


def keys_of(x: Any) -> set[str]:
    if isinstance(x, dict):
        return set(x) | {k for v in x.values() for k in keys_of(v)}
    if isinstance(x, list):
        return {k for v in x for k in keys_of(v)}
    return set()


async def test_a_certified_credential_as_elm_validates_and_carries_every_annex_i_element(
    stack: Stack,
) -> None:
    w = await make_world(stack)
    run, status = await certified_case(w)
    cred_id = status["credential_id"]
    r = await w.http.get(f"/credentials/{cred_id}/elm.json")  # public, as its page is
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/ld+json")
    elm = r.json()
    assert schema_errors(elm) == []
    assert elm["@context"] == [VC_CONTEXT, EDC_CONTEXT]
    assert elm["type"] == [
        "VerifiableCredential",
        "VerifiableAttestation",
        "EuropeanDigitalCredential",
    ]
    # The same credential gives the same document, ids and all.
    assert (await w.http.get(f"/credentials/{cred_id}/elm.json")).json() == elm

    signed = await w.http.get(f"/credentials/{cred_id}/credential.json", headers=run.candidate.auth)
    ob = signed.json()
    # It points at the signed credential it was derived from: its id and its file's digest.
    assert elm["identifier"][0]["notation"] == ob["id"]
    related = elm["relatedResource"][0]
    assert related["id"].endswith(f"/credentials/{cred_id}/credential.json")
    assert (
        related["digestSRI"]
        == "sha256-" + base64.b64encode(hashlib.sha256(signed.content).digest()).decode()
    )

    std = w.standard
    person = elm["credentialSubject"]
    claim = person["hasClaim"][0]
    spec = claim["specifiedBy"]
    assessment = claim["provenBy"][0]
    notes = {
        n["subject"]["prefLabel"]["en"]: n["noteLiteral"]["en"] for n in spec["additionalNote"]
    }
    me = ok(await w.http.get("/me", headers=run.candidate.auth))
    # Learner, title, country, awarding body, date of issuing.
    assert person["type"] == "Person" and person["fullName"] == {"en": me["name"]}
    assert claim["title"] == {"en": std.title} == spec["title"]
    issuer = elm["issuer"]
    assert issuer["id"] == ob["issuer"]["id"] and issuer["legalName"] == {
        "en": ob["issuer"]["name"]
    }
    country = issuer["location"]["address"]["countryCode"]
    assert country["id"] == "http://publications.europa.eu/resource/authority/country/POL"
    assert claim["awardedBy"]["awardingBody"][0]["id"] == issuer["id"]
    assert elm["issued"] == claim["awardedBy"]["awardingDate"] == ob["awardedDate"]
    assert elm["validFrom"] == ob["validFrom"]
    # Learning outcomes (every one achieved here), workload, level.
    assert [lo["title"]["en"] for lo in spec["learningOutcome"]] == [
        lo.statement for lo in std.learning_outcomes
    ]
    assert [lo["identifier"]["notation"] for lo in spec["learningOutcome"]] == [
        "DC1", "DC2", "DC3", "DC4"
    ]  # fmt: skip
    assert spec["volumeOfLearning"] == "PT50H"
    assert spec["creditPoint"][0]["point"] == "2"
    assert spec["creditPoint"][0]["framework"]["id"] == (
        "http://data.europa.eu/snb/education-credit/6fcec5c5af"
    )
    assert spec["eqfLevel"]["id"] == "http://data.europa.eu/snb/eqf/4"
    assert notes["National qualifications framework level"] == "PRK 4"
    # Type of assessment, form of participation, quality assurance, prerequisites.
    assert assessment["specifiedBy"][0]["title"] == {"en": std.assessment_type}
    assert spec["mode"][0]["id"] == "http://data.europa.eu/snb/learning-assessment/e92d221e4d"
    assert spec["mode"][0]["prefLabel"] == {"en": "Blended"}
    assert notes["Type of quality assurance"] == std.quality_assurance
    assert spec["entryRequirement"]["noteLiteral"] == {"en": "; ".join(std.prerequisites)}
    # Supervision and identity verification: from the identity record (verified online).
    verified = assessment["idVerification"]
    assert verified["notation"] == "supervised-online-identity-verification"
    assert verified["prefLabel"] == {"en": "Supervised online with identity verification"}
    assert notes["Supervision and identity verification"] == (
        "Supervised online with identity verification"
    )
    # Grade (none agreed here: the result stands for it), stackability, further information.
    assert assessment["grade"]["noteLiteral"] == {"en": "validated in full"}
    assert spec["isPartialQualification"] is False
    assert notes["Integration / stackability"] == std.stackability
    assert notes["Further information"] == std.description
    # Assessed by the validation centre, named as in the signed credential.
    assert assessment["assessedBy"][0]["id"] == ob["credentialSubject"]["source"]["id"]
    # The page image an EDC viewer shows is made from the same values.
    card = base64.b64decode(
        elm["displayParameter"]["individualDisplay"][0]["displayDetail"][0]["image"]["content"]
    ).decode()
    assert std.title in card and ob["issuer"]["name"] in card


async def test_a_partial_result_lists_only_the_outcomes_achieved(stack: Stack) -> None:
    w = await make_world(stack)
    run = await new_case(w)
    await run.ready_for_decisions()
    ok(await run.decide(run.assessors[0], {"DC3": False}))
    ok(await run.decide(run.assessors[1], {"DC3": False}))
    ok(await run.accept())
    status = ok(await run.certify())
    elm = ok(await w.http.get(f"/credentials/{status['credential_id']}/elm.json"))
    assert schema_errors(elm) == []
    spec = elm["credentialSubject"]["hasClaim"][0]["specifiedBy"]
    assert [lo["identifier"]["notation"] for lo in spec["learningOutcome"]] == ["DC1", "DC2", "DC4"]
    assert spec["isPartialQualification"] is True
    grade = elm["credentialSubject"]["hasClaim"][0]["provenBy"][0]["grade"]
    assert grade["noteLiteral"] == {"en": "validated in part"}


@pytest.fixture
async def elm(stack: Stack) -> dict[str, Any]:
    w = await make_world(stack)
    _, status = await certified_case(w)
    return ok(await w.http.get(f"/credentials/{status['credential_id']}/elm.json"))


async def test_the_schema_check_fails_when_the_document_breaks(elm: dict[str, Any]) -> None:
    """The validation can fail: each change below is one the schema names."""
    no_issued = copy.deepcopy(elm)
    del no_issued["issued"]
    assert schema_errors(no_issued) == [": 'issued' is a required property"]

    no_title = copy.deepcopy(elm)
    del no_title["credentialSubject"]["hasClaim"][0]["title"]
    assert "credentialSubject/hasClaim/0: 'title' is a required property" in schema_reasons(
        no_title
    )

    stray = copy.deepcopy(elm)
    stray["credentialSubject"]["hasClaim"][0]["specifiedBy"]["eqfLevel"]["level"] = 4
    assert any("('level' was unexpected)" in e for e in schema_reasons(stray))

    bad_workload = copy.deepcopy(elm)
    bad_workload["credentialSubject"]["hasClaim"][0]["specifiedBy"]["volumeOfLearning"] = "50h"
    assert any("'50h' is not a 'duration'" in e for e in schema_reasons(bad_workload))

    ob_status = copy.deepcopy(elm)
    ob_status["credentialStatus"] = {
        "id": "https://x.example/status/1#5",
        "type": "BitstringStatusListEntry",
    }
    assert any("'BitstringStatusListEntry' is not one of" in e for e in schema_reasons(ob_status))


def undefined_terms(doc: dict[str, Any]) -> tuple[set[str], set[str]]:
    """The keys and types of ``doc`` that neither VC 2.0's context nor ELM's defines (the
    keys of language maps are languages, not terms)."""
    vc = shipped_context(VC_CONTEXT)["@context"]
    defined = (
        set(vc) | set(vc["VerifiableCredential"]["@context"]) | set(_edc_context()["@context"])
    )
    maps = {
        k
        for k, v in _edc_context()["@context"].items()
        if isinstance(v, dict) and v.get("@container") == "@language"
    }
    keys: set[str] = set()
    types: set[str] = set()

    def walk(x: Any) -> None:
        if isinstance(x, list):
            for v in x:
                walk(v)
        elif isinstance(x, dict):
            for k, v in x.items():
                if k == "type":
                    types.update(t for t in ([v] if isinstance(v, str) else v) if t not in defined)
                elif k not in ("@context", "id"):
                    if k not in defined:
                        keys.add(k)
                    if k not in maps:
                        walk(v)

    walk(doc)
    return keys, types


def test_the_json_ld_contexts_the_document_names_ship_and_define_its_terms(
    elm: dict[str, Any],
) -> None:
    """Expanded by PyLD with only the shipped contexts. ELM's context and VC 2.0's both
    define ``description`` (VC 2.0's is protected), so a JSON-LD 1.1 processor refuses the
    pair as the EU publishes it; the document never uses ``description``, and is expanded
    with ELM's context less that one term, the only change."""
    with pytest.raises(jsonld.JsonLdError, match="protected term"):
        jsonld.expand(elm, {"documentLoader": _loader(_edc_context())})
    assert "description" not in keys_of(elm)
    load = _loader(_edc_context(without=("description",)))
    expanded = jsonld.expand(elm, {"documentLoader": load})
    text = json.dumps(expanded)
    assert "https://www.w3.org/2018/credentials#credentialSubject" in text
    assert "http://data.europa.eu/snb/model/elm/learningOutcome" in text
    # Every term is VC 2.0's or ELM's but two that EBSI's schema asks for and neither
    # context defines (ELM 3.2's was written for VC 1.1, whose context had ``issued``):
    # a JSON-LD processor drops ``issued`` and reads the type as a relative IRI.
    assert undefined_terms(elm) == ({"issued"}, {"VerifiableAttestation"})
    assert not [k for k in expanded[0] if k.endswith("issued")]
    assert "http://example.org/base/VerifiableAttestation" in expanded[0]["@type"]


# What VC 1.1's context said of ``issued``, which ELM 3.2's shapes read and VC 2.0's
# context no longer defines (see the test above): the one term added for the SHACL check.
VC11_ISSUED = {
    "issued": {
        "@id": "https://www.w3.org/2018/credentials#issued",
        "@type": "http://www.w3.org/2001/XMLSchema#dateTime",
    }
}
ELM = "http://data.europa.eu/snb/model/elm/"


def shacl_violations(doc: dict[str, Any], *extra: tuple[Any, Any, Any]) -> list[tuple[str, str]]:
    """ELM 3.2's shapes (EDC generic, with its controlled-vocabulary constraints) over the
    RDF the document expands to: each violation as (its shape's path, its focus node)."""
    bridged = {**doc, "@context": [*doc["@context"], VC11_ISSUED]}
    load = _loader(_edc_context(without=("description",)))
    nquads = jsonld.to_rdf(bridged, {"documentLoader": load, "format": "application/n-quads"})
    data = rdflib.Graph().parse(data=nquads, format="nquads")
    for triple in extra:
        data.add(triple)
    shapes = rdflib.Graph()
    for name in ("EDC-generic-no-cv-3.2.ttl", "EDC-generic-full-3.2.ttl"):
        shapes.parse(data=ELM_DIR.joinpath(name).read_text(), format="turtle")
    conforms, report, _ = validate(data, shacl_graph=shapes, inference="none")
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    found = sorted(
        (str(report.value(r, sh.resultPath)), str(report.value(r, sh.focusNode)))
        for r in report.subjects(rdflib.RDF.type, sh.ValidationResult)
    )
    assert conforms == (found == [])
    return found


def test_elm_s_shacl_shapes_accept_it_but_for_the_issuer_s_eidas_identifier(
    elm: dict[str, Any],
) -> None:
    """ELM wants the issuer identified by its eIDAS legal identifier (what its qualified
    seal's certificate carries). vnfil does not hold one: that, with the seal, is the
    issuer's to add (docs/credentials.md, "The seal question"). With it, it conforms."""
    assert shacl_violations(elm) == [
        (f"{ELM}eidasLegalIdentifier", elm["issuer"]["id"]),
        ("https://www.w3.org/2018/credentials#issuer", elm["id"]),  # the issuer's shape
    ]
    issuer = rdflib.URIRef(elm["issuer"]["id"])
    legal = rdflib.URIRef("urn:example:legal-identifier")
    poland = rdflib.URIRef("http://publications.europa.eu/resource/authority/country/POL")
    added = [
        (issuer, rdflib.URIRef(f"{ELM}eidasLegalIdentifier"), legal),
        (legal, rdflib.RDF.type, rdflib.URIRef(f"{ELM}LegalIdentifier")),
        (legal, rdflib.SKOS.notation, rdflib.Literal("VATPL-0000000000")),
        (legal, rdflib.DCTERMS.spatial, poland),
    ]
    assert shacl_violations(elm, *added) == []


def test_the_shacl_check_fails_when_the_document_breaks(elm: dict[str, Any]) -> None:
    issuer = rdflib.URIRef(elm["issuer"]["id"])
    eidas = (issuer, rdflib.URIRef(f"{ELM}eidasLegalIdentifier"), rdflib.URIRef("urn:x:id"))
    # (an identifier that is no LegalIdentifier node still fails the issuer's shape)
    issuer_row = ("https://www.w3.org/2018/credentials#issuer", elm["id"])
    # An EQF level from another scheme than the EQF's.
    spec = copy.deepcopy(elm)
    level = spec["credentialSubject"]["hasClaim"][0]["specifiedBy"]["eqfLevel"]
    level["inScheme"]["id"] = "http://data.europa.eu/snb/isced-f/25831c2"
    found = [v for v in shacl_violations(spec, eidas) if v != issuer_row]
    spec_id = spec["credentialSubject"]["hasClaim"][0]["specifiedBy"]["id"]
    assert (f"{ELM}EQFLevel", spec_id) in found
    # A learning outcome without its title.
    untitled = copy.deepcopy(elm)
    outcome = untitled["credentialSubject"]["hasClaim"][0]["specifiedBy"]["learningOutcome"][0]
    del outcome["title"]
    found = [v for v in shacl_violations(untitled, eidas) if v != issuer_row]
    assert ("http://purl.org/dc/terms/title", outcome["id"]) in found
    # No date of issuing.
    undated = {k: v for k, v in elm.items() if k != "issued"}
    assert ("https://www.w3.org/2018/credentials#issued", elm["id"]) in shacl_violations(undated)


async def test_a_hidden_page_hides_the_elm_document_from_all_but_those_who_may_see_it(
    stack: Stack,
) -> None:
    a, b = await make_world(stack), await make_world(stack)
    run, status = await certified_case(a)
    cred_id = status["credential_id"]
    url = f"/credentials/{cred_id}/elm.json"
    ok(
        await a.http.put(
            f"/me/credentials/{cred_id}/public-page",
            json={"public": False},
            headers=run.candidate.auth,
        )
    )
    anonymous = await a.http.get(url)
    assert anonymous.status_code == 404 and anonymous.json()["detail"] == HIDDEN
    outsider, _ = await certified_case(b)
    assert (await a.http.get(url, headers=outsider.candidate.auth)).status_code == 404
    assert (await a.http.get(url, headers={"Authorization": "Bearer nonsense"})).status_code == 404
    assert (await a.http.get(url, headers=run.candidate.auth)).status_code == 200
    assert (await a.http.get(url, headers=a.issuer.auth)).status_code == 200
    # In the browser, the holder's session is enough.
    async with signed_in(stack, run.candidate, "elm password 1") as browser:
        assert (await browser.get(url)).status_code == 200
    assert (await a.http.get("/credentials/no-such-credential/elm.json")).status_code == 404


async def test_the_backpack_and_the_public_page_offer_the_elm_document(stack: Stack) -> None:
    w = await make_world(stack)
    run, status = await certified_case(w)
    cred_id = status["credential_id"]
    item = ok(await w.http.get("/me/credentials", headers=run.candidate.auth))[0]
    assert item["elm_url"] == f"/credentials/{cred_id}/elm.json"
    async with signed_in(stack, run.candidate, "elm password 2") as browser:
        english = (await browser.get("/app/backpack?lang=en")).text
        assert f'href="/credentials/{cred_id}/elm.json"' in english
        assert "Europass digital credential (European Learning Model, JSON-LD)" in english
        polish = (await browser.get("/app/backpack?lang=pl")).text
        assert "Poświadczenie cyfrowe Europass (European Learning Model, JSON-LD)" in polish
    page = (await w.http.get(f"/credentials/{cred_id}/verification")).text
    assert f'<a href="/credentials/{cred_id}/elm.json" id="elm" download>' in page
