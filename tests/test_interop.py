"""vnfil's credentials as the outside world checks them.

- The W3C vc-di-eddsa test vector for ``eddsa-rdfc-2022`` (``tests/vectors``).
- Digital Bazaar's JavaScript stack (``@digitalbazaar/vc`` with the
  ``eddsa-rdfc-2022`` cryptosuite and the Bitstring Status List checker), an
  implementation nobody on the project wrote, installed by ``make install`` from
  ``tests/js/package-lock.json`` and run by Node. Its document loader holds only the
  standard contexts (VC 2.0, OB 3.0.3, DID, Multikey, Data Integrity) and what vnfil
  served: the issuer's DID document and the status list, read from vnfil's own routes.
- 1EdTech's Open Badges 3.0 AchievementCredential JSON Schema (shipped in
  ``tests/vectors``, a copy of the official file).
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft201909Validator, FormatChecker

from tests.conftest import Stack
from tests.factories import certified_case, make_world, ok
from tests.test_verification_cache import same_either_way
from vnfil.credentials.rdfc import UnsafeDocument, canonical_nquads
from vnfil.credentials.signing import b58encode, private_key_of

HERE = Path(__file__).parent
VECTOR = HERE / "vectors" / "w3c-eddsa-rdfc-2022"
JS = HERE / "js"
OB_SCHEMA = HERE / "vectors" / "ob_v3p0_achievementcredential_schema.json"


def test_rdfc_matches_the_w3c_test_vector() -> None:
    examples = json.loads((VECTOR / "credentials-examples-v2.jsonld").read_text())
    extra = {"https://www.w3.org/ns/credentials/examples/v2": examples}
    unsigned = json.loads((VECTOR / "unsigned.json").read_text())
    config = json.loads((VECTOR / "proofConfigDataInt.json").read_text())
    doc_c14n = canonical_nquads(unsigned, extra_contexts=extra)
    config_c14n = canonical_nquads(config, extra_contexts=extra)
    assert doc_c14n.decode().strip() == (VECTOR / "canonDocDataInt.txt").read_text().strip()
    assert config_c14n.decode().strip() == (VECTOR / "proofCanonDataInt.txt").read_text().strip()
    hashed = hashlib.sha256(config_c14n).digest() + hashlib.sha256(doc_c14n).digest()
    assert hashed.hex() == (VECTOR / "combinedHashDataInt.txt").read_text().strip()
    key = json.loads((VECTOR / "keyPair.json").read_text())["privateKeyMultibase"]
    signed = json.loads((VECTOR / "signedDataInt.json").read_text())
    assert "z" + b58encode(private_key_of(key).sign(hashed)) == signed["proof"]["proofValue"]


@pytest.mark.parametrize(
    "change, why",
    [
        (
            lambda d: d["credentialSubject"].update(notionalWorkloadHours=40),
            "notionalWorkloadHours",
        ),
        (lambda d: d["credentialSubject"].update(id="learner 42"), "absolute IRI"),
        (lambda d: d["credentialSubject"].update(id="learner-42"), "learner-42"),
        (lambda d: d.update({"@context": [*d["@context"], {"x": "urn:x"}]}), "inline @context"),
        (lambda d: d["credentialSubject"].update({"@foo": 1}), "not a JSON-LD keyword"),
        (lambda d: d.update(type=["VerifiableCredential", "NotAType"]), "NotAType"),
    ],
    ids=["undefined-term", "malformed-iri", "relative-iri", "inline-context", "keyword", "type"],
)
def test_what_json_ld_would_drop_is_refused_not_left_unsigned(change: Any, why: str) -> None:
    doc = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": "did:web:vnfil.example:issuers:b",
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"name": "Zofia"},
    }
    canonical_nquads(doc)  # the clean document passes
    change(doc)
    with pytest.raises(UnsafeDocument, match=why):
        canonical_nquads(doc)


def _node_verify(credentials: list[dict[str, Any]], served: dict[str, Any]) -> list[dict]:
    node = shutil.which("node")
    assert node, "Node.js is needed for the independent verifier (every machine has it)"
    if not (JS / "node_modules" / "@digitalbazaar" / "vc").exists():
        pytest.fail("tests/js/node_modules is missing: run make install (npm ci in tests/js)")
    done = subprocess.run(
        [node, str(JS / "verify.mjs")],
        input=json.dumps({"credentials": credentials, "served": served}),
        capture_output=True,
        text=True,
        timeout=900,
        cwd=JS,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def with_undefined_term(doc: dict[str, Any]) -> dict[str, Any]:
    """The credential with one term no shipped context defines."""
    return {**doc, "credentialSubject": {**doc["credentialSubject"], "favouriteColour": "blue"}}


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _leaves(v, (*path, k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _leaves(v, (*path, i))]
    return [path]


def _changed(doc: dict[str, Any], path: tuple[Any, ...]) -> dict[str, Any]:
    out = copy.deepcopy(doc)
    holder: Any = out
    for step in path[:-1]:
        holder = holder[step]
    value = holder[path[-1]]
    if isinstance(value, bool):
        holder[path[-1]] = not value
    elif isinstance(value, int | float):
        holder[path[-1]] = value + 1
    else:
        holder[path[-1]] = f"{value}x"
    return out


@pytest.mark.one_database
async def test_an_independent_verifier_accepts_the_workflows_credential_and_refuses_any_change(
    stack: Stack,
) -> None:
    w = await make_world(stack)
    _, status = await certified_case(w)
    cred = ok(await w.http.get(f"/credentials/{status['credential_id']}", headers=w.issuer.auth))
    doc = cred["document"]
    issuer = doc["issuer"]["id"]
    assert issuer.startswith("did:web:") and doc["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert [p["cryptosuite"] for p in doc["proof"]] == ["eddsa-rdfc-2022"]
    # What did:web resolution reads, and the status list, from vnfil's own routes.
    base = stack.settings.public_base_url
    did_doc = ok(await w.http.get(f"/issuers/{cred['awarding_body_id']}/did.json"))
    assert did_doc["id"] == issuer
    list_url = doc["credentialStatus"]["statusListCredential"]
    served = {issuer: did_doc, list_url: ok(await w.http.get(list_url.removeprefix(base)))}

    # One variant per leaf value of the credential (proof included), each with that one
    # value changed: every variant differs from the original and from every other one,
    # every top-level property is touched, and there are as many as the credential has
    # leaves (well over 80 for the sample standard), so an empty or tiny sample fails.
    paths = _leaves(doc)
    variants = [doc, *(_changed(doc, p) for p in paths)]
    # vnfil canonicalises with the contexts pruned to the terms a document can reach: the
    # same graph as with them whole, for the credential and every variant (or the same
    # refusal), and the variants show both kinds.
    kinds = {same_either_way(v) for v in variants} | {same_either_way(with_undefined_term(doc))}
    assert kinds == {"same", "refused"}, kinds
    assert len(paths) > 80, f"only {len(paths)} leaves changed"
    assert len({json.dumps(v, sort_keys=True) for v in variants}) == len(paths) + 1
    assert {p[0] for p in paths} == set(doc)
    assert ("proof", 0, "proofValue") in paths
    results = await asyncio.to_thread(_node_verify, variants, served)
    assert len(results) == len(variants) == len(paths) + 1  # each one was verified
    assert results[0] == {"verified": True, "revoked": False, "error": None}, results[0]
    still = [p for p, r in zip(paths, results[1:], strict=True) if r["verified"]]
    assert still == [], f"changed and still verified by the independent verifier: {still}"
    # vnfil's own verifier agrees, on the original and on a changed grade of the result.
    assert ok(await w.http.post("/verify", json=doc))["verified"] is True
    forged = _changed(doc, ("credentialSubject", "result", 0, "value"))
    assert ok(await w.http.post("/verify", json=forged))["failed"] == "signature"

    # Revoked by vnfil, reported revoked by the independent verifier.
    ok(
        await w.http.post(
            f"/credentials/{status['credential_id']}/revocation",
            json={"reason": "issued in error"},
            headers=w.issuer.auth,
        )
    )
    served[list_url] = ok(await w.http.get(list_url.removeprefix(base)))
    [after] = await asyncio.to_thread(_node_verify, [doc], served)
    assert after["revoked"] is True, after


async def test_the_credential_validates_against_1edtechs_ob3_schema(stack: Stack) -> None:
    w = await make_world(stack)
    _, status = await certified_case(w)
    cred = ok(await w.http.get(f"/credentials/{status['credential_id']}", headers=w.issuer.auth))
    schema = json.loads(OB_SCHEMA.read_text())
    validator = Draft201909Validator(schema, format_checker=FormatChecker())
    errors = [
        f"{'/'.join(map(str, e.path))}: {e.message}"
        for e in validator.iter_errors(cred["document"])
    ]
    assert errors == []
    # The schema is not a rubber stamp: the shape vnfil issued before fails it.
    old = copy.deepcopy(cred["document"])
    old["proof"] = old["proof"][0]
    old["credentialSubject"]["achievement"]["alignment"][0]["targetType"] = "ceterms:Competency"
    assert {e.path[0] for e in validator.iter_errors(old)} == {"proof", "credentialSubject"}
