"""Signed credentials: verification, tampering, revocation, key rotation, certificates."""

from __future__ import annotations

import asyncio
import base64
import gzip
import io
import json
import os
import random
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pypdf
import pytest
from sqlalchemy import select, update

from tests.conftest import Stack
from tests.factories import certified_case, make_world, ok, ready_to_certify
from tests.test_interop import _node_verify
from vnfil.accounts.schemas import Role
from vnfil.credentials.keys import active_key, create_key
from vnfil.credentials.models import SigningKey
from vnfil.credentials.signing import JCS, private_key_of, sign
from vnfil.credentials.verification import MemoryRegistry, verify_credential
from vnfil.platform.db import utcnow
from vnfil.trust.registry import DatabaseRegistry

# The W3C vc-di-eddsa test vector for eddsa-jcs-2022 (spec Appendix, "Alumni Credential").
SPEC_KEY = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"
SPEC_PROOF = (
    "z63t83Y53KfzJ5ZosfKTnqfMcKB2dmTrfjSaQjeNNjAD5srBowQfmWqeRb8rRjmeEuCBEsddF9LsVogtuTsijJKh4"
)


def test_signing_matches_the_w3c_test_vector() -> None:
    from datetime import UTC, datetime

    doc = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://www.w3.org/ns/credentials/examples/v2",
        ],
        "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
        "type": ["VerifiableCredential", "AlumniCredential"],
        "name": "Alumni Credential",
        "description": "A minimum viable example of an Alumni Credential.",
        "issuer": "https://vc.example/issuers/5678",
        "validFrom": "2023-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": "The School of Examples"},
    }
    signed = sign(
        doc,
        private_key_of(SPEC_KEY),
        "https://vc.example/issuers/5678#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",
        datetime(2023, 2, 24, 23, 36, 38, tzinfo=UTC),
        cryptosuite=JCS,  # vnfil's first credentials; they keep verifying
    )
    assert signed["proof"][0]["proofValue"] == SPEC_PROOF


async def _verify(w: Any, doc: Any) -> dict[str, Any]:
    return ok(await w.http.post("/verify", content=json.dumps(doc)))


async def test_issued_credential_verifies_and_any_changed_byte_fails(stack: Stack) -> None:
    w = await make_world(stack)
    run, status = await certified_case(w)
    cred = ok(await w.http.get(f"/credentials/{status['credential_id']}", headers=w.issuer.auth))
    doc = cred["document"]
    assert [p["cryptosuite"] for p in doc["proof"]] == ["eddsa-rdfc-2022"]
    assert doc["credentialStatus"]["type"] == "BitstringStatusListEntry"
    result = await _verify(w, doc)
    assert result["verified"] is True, result
    assert [c["name"] for c in result["checks"]] == [
        "malformed",
        "signature",
        "issuer",
        "expiry",
        "status",
        "accreditation",
    ]
    # Evidence is referenced by digest only, never by a link to the private file.
    for ev in doc["evidence"]:
        assert ev["id"].startswith("urn:uuid:") and ev["digestSRI"].startswith("sha256-")
        assert "http" not in json.dumps(ev)

    # Targeted tampering, through the API: each names the check that failed.
    forged = json.loads(json.dumps(doc))
    forged["credentialSubject"]["result"][0]["value"] = "full, with distinction"
    assert (await _verify(w, forged))["failed"] == "signature"
    forged = json.loads(json.dumps(doc))
    forged["credentialSubject"]["notionalWorkloadHours"] = 4000  # a term no context defines
    result = await _verify(w, forged)
    assert (
        result["failed"] == "signature" and "notionalWorkloadHours" in result["checks"][1]["detail"]
    )
    assert "eddsa-rdfc-2022" in result["checks"][1]["detail"]  # names the suite that failed
    forged = json.loads(json.dumps(doc))
    forged["credentialSubject"]["achievement"]["alignment"].append(
        {"type": ["Alignment"], "targetCode": "LO9", "targetName": "Flying"}
    )
    assert (await _verify(w, forged))["failed"] == "signature"
    assert (await _verify(w, {"hello": "world"}))["failed"] == "malformed"
    r = await w.http.post("/verify", content=b"{not json")
    assert r.status_code == 200 and r.json()["failed"] == "malformed"
    r = await w.http.post("/verify", content=b"[" * 100_000)
    assert r.status_code == 200 and r.json()["failed"] == "malformed"
    r = await w.http.post("/verify", content=b" " * (1024 * 1024 + 1))
    assert r.status_code == 413

    # Every value and every property name, changed in turn, fails verification; so does
    # a sample of single-byte changes anywhere in the compact JSON.
    async with stack.sessions() as session:  # type: ignore[operator]
        registry = await _snapshot_registry(
            DatabaseRegistry(session, stack.settings.public_base_url), doc
        )
    assert (await verify_credential(doc, registry)).verified
    for variant, where in _variants(doc):
        assert not (await verify_credential(variant, registry)).verified, f"{where} changed"
    raw = json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode()
    for i in random.Random(4).sample(range(len(raw)), 300):
        changed = raw[:i] + bytes([raw[i] ^ 0x01]) + raw[i + 1 :]
        try:
            tampered = json.loads(changed)
        except (UnicodeDecodeError, json.JSONDecodeError):
            continue  # not even JSON: nothing to verify
        result_i = await verify_credential(tampered, registry)
        assert not result_i.verified, f"byte {i} ({raw[i : i + 1]!r}) changed and still verified"


def _variants(doc: Any, path: str = "") -> list[tuple[Any, str]]:
    """The document with one value changed, or one property renamed, for each in turn."""
    out: list[tuple[Any, str]] = []
    if isinstance(doc, dict):
        for k, v in doc.items():
            renamed = {(f"{k}x" if key == k else key): val for key, val in doc.items()}
            out.append((renamed, f"{path}/{k} (name)"))
            out += [({**doc, k: changed}, where) for changed, where in _variants(v, f"{path}/{k}")]
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out += [
                ([*doc[:i], changed, *doc[i + 1 :]], where)
                for changed, where in _variants(v, f"{path}/{i}")
            ]
    elif isinstance(doc, bool):
        out.append((not doc, path))
    elif isinstance(doc, int | float):
        out.append((doc + 1, path))
    elif isinstance(doc, str):
        out.append((doc + "x", path))
    return out


async def _snapshot_registry(db: DatabaseRegistry, doc: dict[str, Any]) -> MemoryRegistry:
    """The registry's answers for one credential, fetched once (the DB is not under test)."""
    from vnfil.credentials.keys import body_of_issuer

    multikey = doc["proof"][0]["verificationMethod"].split("#")[1]
    key = await db.key(multikey)
    status = await db.status_list(doc["credentialStatus"]["statusListCredential"])
    assert key is not None and status is not None
    centre = doc["credentialSubject"]["source"]["id"].rsplit("/", 1)[1]
    body = body_of_issuer(db.base_url, doc["issuer"]["id"])
    code, version = doc["credentialSubject"]["achievement"]["humanCode"].split("@")
    assert body is not None
    held = await db.accreditations(centre, body, code, int(version))
    return MemoryRegistry(db.base_url, {multikey: key}, [status], {(centre, body, code): held})


def _bit(status_list: dict[str, Any], index: int) -> bool:
    """Read the bit independently of vnfil.credentials.status: base64url, gunzip, MSB first."""
    encoded = status_list["credentialSubject"]["encodedList"]
    assert encoded[0] == "u"
    body = encoded[1:]
    bits = gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    assert len(bits) * 8 >= 131_072
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


async def test_revocation_flips_verification_at_once(stack: Stack) -> None:
    w = await make_world(stack)
    run, status = await certified_case(w)
    cid = status["credential_id"]
    doc = ok(await w.http.get(f"/credentials/{cid}", headers=w.issuer.auth))["document"]
    entry = doc["credentialStatus"]
    list_path = entry["statusListCredential"].removeprefix(stack.settings.public_base_url)
    index = int(entry["statusListIndex"])
    before = ok(await w.http.get(list_path))
    assert _bit(before, index) is False
    assert (await _verify(w, before))["verified"] is True  # the list is itself signed

    # Who may not revoke, and bad input.
    r = await w.http.post(
        f"/credentials/{cid}/revocation", json={"reason": "fraud"}, headers=run.candidate.auth
    )
    assert r.status_code == 403
    other = await make_world(stack)
    r = await w.http.post(
        f"/credentials/{cid}/revocation", json={"reason": "fraud"}, headers=other.issuer.auth
    )
    assert r.status_code == 403
    r = await w.http.post(
        f"/credentials/{cid}/revocation", json={"reason": " "}, headers=w.issuer.auth
    )
    assert r.status_code == 422
    assert (await _verify(w, doc))["verified"] is True

    revoked = ok(
        await w.http.post(
            f"/credentials/{cid}/revocation",
            json={"reason": "evidence found to be forged"},
            headers=w.issuer.auth,
        )
    )
    assert revoked["credential_id"] == cid
    after = ok(await w.http.get(list_path))
    assert _bit(after, index) is True
    assert (await _verify(w, after))["verified"] is True
    result = await _verify(w, doc)
    assert result["verified"] is False and result["failed"] == "status"
    assert "evidence found to be forged" in result["checks"][4]["detail"]  # status
    page = await w.http.get(f"/credentials/{cid}/verification")
    assert page.status_code == 200
    # The verdict names the failed check for people, in both languages, and its finding.
    assert "Not valid / Nieważne — not revoked / nieunieważnione" in page.text
    assert "evidence found to be forged" in page.text
    r = await w.http.post(
        f"/credentials/{cid}/revocation", json={"reason": "again"}, headers=w.admin.auth
    )
    assert r.status_code == 409
    # The case's audit chain records it, still intact.
    trail = ok(await w.http.get(f"{run.url}/audit", headers=w.admin.auth))
    assert trail["valid"] and trail["entries"][-1]["action"] == "credential.revoked"
    assert trail["entries"][-1]["details"]["reason"] == "evidence found to be forged"
    # The issuer is told.
    feed = ok(await w.http.get("/events", headers=w.issuer.auth))
    revocations = [e for e in feed["events"] if e["type"] == "credential.revoked"]
    assert [e["subject"] for e in revocations] == [cid]
    assert revocations[0]["data"]["reason"] == "evidence found to be forged"


async def test_key_rotation_keeps_earlier_credentials_valid(stack: Stack) -> None:
    w = await make_world(stack)
    _, first = await certified_case(w)
    first_doc = ok(
        await w.http.get(f"/credentials/{first['credential_id']}", headers=w.issuer.auth)
    )["document"]
    body_id = first_doc["issuer"]["id"].rsplit(":", 1)[1]
    async with stack.sessions.begin() as session:  # type: ignore[attr-defined]
        old = await active_key(session, stack.settings.secret_key, body_id)
        await create_key(session, stack.settings.secret_key, body_id)
    _, second = await certified_case(w)
    second_doc = ok(
        await w.http.get(f"/credentials/{second['credential_id']}", headers=w.issuer.auth)
    )["document"]
    assert (
        first_doc["proof"][0]["verificationMethod"] != second_doc["proof"][0]["verificationMethod"]
    )
    assert (await _verify(w, first_doc))["verified"] is True
    assert (await _verify(w, second_doc))["verified"] is True
    did = ok(await w.http.get(f"/issuers/{body_id}/did.json"))
    assert did["id"] == first_doc["issuer"]["id"]
    # A rotated-out key carries no ``expires``: in Multikey it would make every verifier
    # refuse what the key signed while it was current.
    assert [sorted(m) for m in did["verificationMethod"]] == [
        ["controller", "id", "publicKeyMultibase", "type"]
    ] * 2
    assert did["assertionMethod"] == [m["id"] for m in did["verificationMethod"]]
    base = stack.settings.public_base_url
    lists = {d["credentialStatus"]["statusListCredential"] for d in (first_doc, second_doc)}
    served = {did["id"]: did} | {u: ok(await w.http.get(u.removeprefix(base))) for u in lists}
    independent = await asyncio.to_thread(_node_verify, [first_doc, second_doc], served)
    assert [r["verified"] for r in independent] == [True, True], independent

    # The retired key cannot sign anything new: a credential it signs now is refused.
    unsigned = {k: v for k, v in second_doc.items() if k != "proof"}
    late = sign(unsigned, old.private, old.method(stack.settings.public_base_url), utcnow())
    result = await _verify(w, late)
    assert result["failed"] == "issuer" and "retired" in result["checks"][2]["detail"]

    # A key nobody registered: the signature holds, the issuer is unknown.
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from vnfil.credentials.signing import multikey

    stranger = Ed25519PrivateKey.generate()
    method = f"{second_doc['issuer']['id']}#{multikey(stranger.public_key())}"
    result = await _verify(w, sign(unsigned, stranger, method, utcnow()))
    assert [c["ok"] for c in result["checks"][:3]] == [True, True, False]
    assert result["failed"] == "issuer"

    # A compromised key is revoked: what it signed no longer verifies.
    async with stack.sessions.begin() as session:  # type: ignore[attr-defined]
        await session.execute(
            update(SigningKey).where(SigningKey.id == old.row.id).values(revoked_at=utcnow())
        )
    assert (await _verify(w, first_doc))["failed"] == "issuer"
    did = ok(await w.http.get(f"/issuers/{body_id}/did.json"))
    assert "revoked" in did["verificationMethod"][0]  # and no assertion method any more:
    assert did["assertionMethod"] == [did["verificationMethod"][1]["id"]]
    served[did["id"]] = did
    [compromised] = await asyncio.to_thread(_node_verify, [first_doc], served)
    assert compromised["verified"] is False, compromised


async def test_expired_credential_fails_on_expiry(stack: Stack) -> None:
    w = await make_world(stack)
    _, status = await certified_case(w)
    doc = ok(await w.http.get(f"/credentials/{status['credential_id']}", headers=w.issuer.auth))[
        "document"
    ]
    async with stack.sessions() as session:  # type: ignore[operator]
        registry = DatabaseRegistry(session, stack.settings.public_base_url)
        later = utcnow() + timedelta(days=365 * 60)
        assert (await verify_credential(doc, registry)).verified
        body_id = doc["issuer"]["id"].rsplit(":", 1)[1]
        key = await session.scalar(select(SigningKey).where(SigningKey.awarding_body_id == body_id))
        assert key is not None
    async with stack.sessions() as session:  # type: ignore[operator]
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        from vnfil.platform.sealing import unseal

        private = Ed25519PrivateKey.from_private_bytes(
            unseal(stack.settings.secret_key, key.private_sealed, f"signing-key:{key.id}")
        )
        unsigned = {k: v for k, v in doc.items() if k != "proof"}
        unsigned["validUntil"] = "2026-01-01T00:00:00Z"
        expired = sign(unsigned, private, doc["proof"][0]["verificationMethod"], utcnow())
        result = await verify_credential(
            expired, DatabaseRegistry(session, stack.settings.public_base_url)
        )
        assert result.failed == "expiry" and "expired on 2026-01-01" in result.checks[3].detail
        result = await verify_credential(
            doc, DatabaseRegistry(session, stack.settings.public_base_url), now=later
        )
        assert result.verified  # no validUntil: it does not expire


async def _cli(stack: Stack, *args: str, offline: bool = False) -> subprocess.CompletedProcess[str]:
    """The installed `vnfil` command on the test's database (and, offline, nothing else)."""
    s = stack.settings
    env = {
        **os.environ,
        "VNFIL_DATABASE_URL": s.database_url,
        "VNFIL_DATABASE_SCHEMA": s.database_schema,
        "VNFIL_PUBLIC_BASE_URL": s.public_base_url,
        "VNFIL_SECRET_KEY": s.secret_key,
    }
    if offline:  # nothing but the database is reachable
        env |= {"VNFIL_TEMPORAL_ADDRESS": "127.0.0.1:1", "VNFIL_S3_ENDPOINT": "127.0.0.1:1"}
    command = [str(Path(sys.executable).parent / "vnfil"), *args]
    return await asyncio.to_thread(
        subprocess.run, command, env=env, capture_output=True, text=True, timeout=60
    )


@pytest.mark.one_database
async def test_cli_verifies_offline_and_names_the_failed_check(stack: Stack, tmp_path) -> None:
    w = await make_world(stack)
    _, status = await certified_case(w)
    doc = ok(await w.http.get(f"/credentials/{status['credential_id']}", headers=w.issuer.auth))[
        "document"
    ]
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(json.dumps(doc, indent=2, ensure_ascii=False))
    tampered = json.loads(json.dumps(doc))
    tampered["name"] = tampered["name"] + " (Honours)"
    bad.write_text(json.dumps(tampered))

    async def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
        return await _cli(stack, "verify", *args, offline=True)

    r = await run_cli(str(good))
    assert r.returncode == 0 and "VALID" in r.stdout, r.stdout + r.stderr
    r = await run_cli(str(bad), "--json")
    assert r.returncode == 1, r.stdout + r.stderr
    assert json.loads(r.stdout)["failed"] == "signature"
    r = await run_cli(str(tmp_path / "missing.json"))
    assert r.returncode == 2
    # The README's recipe: the file the candidate downloads, or GET /credentials/{id}'s
    # answer as it is (the signed credential inside is what is checked).
    cid = status["credential_id"]
    r = await w.http.get(f"/credentials/{cid}/credential.json", headers=w.issuer.auth)
    assert r.status_code == 200 and r.headers["content-type"] == "application/vc+ld+json"
    assert f'filename="credential-{cid}.json"' in r.headers["content-disposition"]
    assert r.json() == doc
    downloaded, answer = tmp_path / "downloaded.json", tmp_path / "answer.json"
    downloaded.write_bytes(r.content)
    answer.write_text((await w.http.get(f"/credentials/{cid}", headers=w.issuer.auth)).text)
    for path in (downloaded, answer):
        r = await run_cli(str(path))
        assert r.returncode == 0 and "VALID" in r.stdout, r.stdout + r.stderr
    assert "GET /credentials/{id}'s answer" in r.stdout


async def test_certificate_pdf_reads_back_with_the_outcomes_and_the_verification_link(
    stack: Stack,
) -> None:
    w = await make_world(stack)
    run, status = await certified_case(w)
    cid = status["credential_id"]
    r = await w.http.get(f"/credentials/{cid}/certificate.pdf", headers=run.candidate.auth)
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(r.content)).pages)
    flat = " ".join(text.split())
    assert "Certificate" in flat and "Zaświadczenie" in flat
    assert "Zofia Gęślą-Jaźwińska" in flat  # the candidate, every Polish letter intact
    assert "Osiągnięte efekty uczenia się" in flat and "Supplement" in flat
    for lo in w.standard.learning_outcomes:
        assert " ".join(lo.statement.split())[:40] in flat
    assert cid in flat.replace(" ", "") or cid[:8] in flat
    assert len(pypdf.PdfReader(io.BytesIO(r.content)).pages) >= 2  # certificate + supplement
    other = await make_world(stack)
    r = await w.http.get(f"/credentials/{cid}/certificate.pdf", headers=other.issuer.auth)
    assert r.status_code == 403
    # Once revoked, the certificate says so.
    ok(
        await w.http.post(
            f"/credentials/{cid}/revocation",
            json={"reason": "issued in error"},
            headers=w.admin.auth,
        )
    )
    r = await w.http.get(f"/credentials/{cid}/certificate.pdf", headers=run.candidate.auth)
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(r.content)).pages)
    assert "UNIEWAŻNIONE" in text


async def test_certification_is_refused_while_the_awarding_body_has_no_key(stack: Stack) -> None:
    w = await make_world(stack)
    std = ok(await w.http.get(f"/standards/{w.standard_id}", headers=w.admin.auth))
    async with stack.sessions.begin() as session:  # type: ignore[attr-defined]
        await session.execute(
            update(SigningKey)
            .where(SigningKey.awarding_body_id == std["awarding_body_id"])
            .values(retired_at=utcnow())
        )
    run = await ready_to_certify(w)
    r = await run.certify()
    assert r.status_code == 409 and "vnfil keys create" in r.json()["detail"]


def test_fast_canonical_form_is_exactly_jcs() -> None:
    import rfc8785

    from vnfil.credentials.signing import canonical

    samples: list[Any] = [
        {"b": 1, "a": [True, None, "x"], "é": "ż"},  # a non-ASCII key: general encoder
        {"ects": 2.0, "x": 2.5, "y": 1e-7, "z": 1e21, "n": 2**53 - 1},
        {"text": 'Zażółć gęślą jaźń \u2028 \x1f \x7f " \\ \n\t', "emoji": "🎓"},
        {"nested": [{"k": [1, {"j": "v"}]}], "empty": {}, "none": []},
    ]
    for value in samples:
        assert canonical(value) == rfc8785.dumps(value), value
    try:  # beyond 2**53 JCS has no form: refused, not silently written
        canonical({"n": 2**60})
        raise AssertionError("an integer beyond 2**53 was canonicalised")
    except ValueError:
        pass


def test_every_term_is_defined_by_the_shipped_contexts() -> None:
    """An independent JSON-LD processor (PyLD) expands the signed credential with only the
    contexts vnfil ships and compacts it back unchanged: no property is undefined (an
    undefined one would be dropped), and nothing is fetched."""
    from datetime import UTC, datetime

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from pyld import jsonld

    from bench.credentials import BASE, sample_input
    from vnfil.credentials.document import CONTEXTS, build_credential, shipped_context
    from vnfil.credentials.keys import issuer_did
    from vnfil.credentials.status import entry

    def loader(url: str, options: Any = None) -> dict[str, Any]:
        document = shipped_context(url)
        assert document is not None, f"would fetch {url}"
        return {
            "contentType": "application/ld+json",
            "contextUrl": None,
            "documentUrl": url,
            "document": document,
        }

    now = datetime.now(UTC)
    doc = sign(
        build_credential(
            sample_input("body", now), BASE, issuer_did(BASE, "body"), entry(BASE, "list", 7)
        ),
        Ed25519PrivateKey.generate(),
        f"{issuer_did(BASE, 'body')}#z6Mk",
        now,
    )
    expanded = jsonld.expand(doc, {"documentLoader": loader})
    compacted = jsonld.compact(expanded, {"@context": CONTEXTS}, {"documentLoader": loader})

    def same(a: Any, b: Any, path: str = "") -> None:
        # Compaction writes a one-element array as its element; otherwise equal.
        if isinstance(a, list) and not isinstance(b, list) and len(a) == 1:
            a = a[0]
        if isinstance(b, list) and not isinstance(a, list) and len(b) == 1:
            b = b[0]
        if isinstance(a, dict) and isinstance(b, dict):
            assert set(a) == set(b), f"{path}: {set(a) ^ set(b)}"
            for k in a:
                same(a[k], b[k], f"{path}/{k}")
        elif isinstance(a, list) and isinstance(b, list):
            assert len(a) == len(b), path
            for x, y in zip(a, b, strict=True):
                same(x, y, path)
        else:
            assert a == b, f"{path}: {a!r} != {b!r}"

    original = {k: v for k, v in doc.items() if k != "@context"}
    same(original, {k: v for k, v in compacted.items() if k != "@context"})


async def test_keys_are_created_by_the_cli_and_sealed_at_rest(stack: Stack) -> None:
    w = await make_world(stack)
    std = ok(await w.http.get(f"/standards/{w.standard_id}", headers=w.admin.auth))
    body_id = std["awarding_body_id"]
    s = stack.settings
    r = await _cli(stack, "keys", "rotate", body_id)
    assert r.returncode == 0 and "new signing key" in r.stdout, r.stdout + r.stderr
    r = await _cli(stack, "keys", "create", "no-such-body")
    assert r.returncode == 2 and "no awarding body" in r.stdout
    async with stack.sessions() as session:  # type: ignore[operator]
        keys = list(
            await session.scalars(
                select(SigningKey)
                .where(SigningKey.awarding_body_id == body_id)
                .order_by(SigningKey.created_at)
            )
        )
    assert len(keys) == 2 and keys[0].retired_at is not None and keys[1].retired_at is None
    from vnfil.platform.sealing import unseal

    raw = unseal(s.secret_key, keys[1].private_sealed, f"signing-key:{keys[1].id}")
    assert len(raw) == 32 and raw not in keys[1].private_sealed  # not stored in the clear
    for wrong_secret, purpose in ((s.secret_key + "x", keys[1].id), (s.secret_key, keys[0].id)):
        try:
            unseal(wrong_secret, keys[1].private_sealed, f"signing-key:{purpose}")
            raise AssertionError("unsealed with the wrong secret or purpose")
        except ValueError:
            pass
    # The new key signs from now on; the issuer profile lists both.
    _, status = await certified_case(w)
    doc = ok(await w.http.get(f"/credentials/{status['credential_id']}", headers=w.issuer.auth))
    assert doc["document"]["proof"][0]["verificationMethod"].endswith(keys[1].public_multikey)


def test_a_key_retired_within_the_second_still_dates_proofs_exactly() -> None:
    from datetime import UTC, datetime

    from vnfil.credentials.keys import key_valid_at
    from vnfil.credentials.verification import KnownKey

    made = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    retired = made.replace(hour=13, microsecond=500_000)
    key = KnownKey("body", made, retired, None)
    before, after = retired.replace(microsecond=400_000), retired.replace(microsecond=600_000)
    assert key_valid_at(key, before) is None
    assert "retired" in str(key_valid_at(key, after))
    # The proof carries the milliseconds that tell them apart.
    signed = sign({"a": 1}, private_key_of(SPEC_KEY), "x#z6Mk", after, cryptosuite=JCS)
    assert signed["proof"][0]["created"] == "2026-01-01T13:00:00.600Z"


async def test_the_workflow_refuses_to_certify_when_the_key_went_after_the_api_checked(
    stack: Stack,
) -> None:
    """The API refuses without a key; if the key goes in between, the step is refused too
    (409 through the same mapping), not retried forever, and the case stays certifiable."""
    import pytest
    from fastapi import HTTPException

    from api.cases import run_step
    from tests.factories import ready_to_certify
    from vnfil.accounts.schemas import Actor
    from vnfil.platform.temporal import workflow_id
    from workflows.case import ValidationCase

    w = await make_world(stack)
    run = await ready_to_certify(w)
    std = ok(await w.http.get(f"/standards/{w.standard_id}", headers=w.admin.auth))
    async with stack.sessions.begin() as session:  # type: ignore[attr-defined]
        await session.execute(
            update(SigningKey)
            .where(SigningKey.awarding_body_id == std["awarding_body_id"])
            .values(retired_at=utcnow())
        )
    handle = stack.client.get_workflow_handle_for(ValidationCase.run, workflow_id(run.case_id))
    admin = Actor(user_id=w.admin.id, role=Role.centre_admin)
    with pytest.raises(HTTPException) as refused:
        await run_step(lambda: handle.execute_update(ValidationCase.certify, admin))
    assert refused.value.status_code == 409 and "vnfil keys create" in refused.value.detail
    async with stack.sessions.begin() as session:  # type: ignore[attr-defined]
        await create_key(session, stack.settings.secret_key, std["awarding_body_id"])
    assert ok(await run.certify())["stage"] == "completed"


async def _one_credential(stack: Stack) -> tuple[Any, dict[str, Any]]:
    """A world and one signed credential with a status entry, issued by the activity."""
    from tests.issuance import credential_inputs, issue

    w = await make_world(stack)
    [inp] = await credential_inputs(stack, w, 1)
    await issue(stack, [inp], [stack.sessions], concurrently=False)  # type: ignore[list-item]
    doc = ok(await w.http.get(f"/credentials/{inp.credential_id}", headers=w.issuer.auth))
    return w, doc["document"]


async def test_verify_refuses_hostile_status_indexes_and_numbers_as_malformed(
    stack: Stack,
) -> None:
    """A huge, infinite, negative or non-integer statusListIndex, or a number JSON cannot
    hold, is answered 200 "malformed" with a reason: never a 500."""
    w, doc = await _one_credential(stack)
    assert (await _verify(w, doc))["verified"] is True
    entry = json.dumps(doc["credentialStatus"]["statusListIndex"])

    def with_index(raw_index: str) -> bytes:
        text = json.dumps(doc)
        assert text.count(f'"statusListIndex": {entry}') == 1
        return text.replace(
            f'"statusListIndex": {entry}', f'"statusListIndex": {raw_index}'
        ).encode()

    shapes = [
        '"1e400"',
        "1e400",
        "-1e400",
        "Infinity",
        "-Infinity",
        "NaN",
        '"Infinity"',
        str(10**400),
        f'"{10**400}"',
        '"-1"',
        "-1",
        '"1.5"',
        "1.5",
        "7",
        "true",
        "null",
        "[]",
        "{}",
        '""',
        '" 7"',
        '"٣"',
        '"0x10"',
        '"' + "9" * 5000 + '"',
        "9" * 5000,
    ]
    for shape in shapes:
        r = await w.http.post("/verify", content=with_index(shape))
        assert r.status_code == 200, (shape[:20], r.status_code, r.text[:200])
        result = r.json()
        assert result["failed"] == "malformed", (shape[:20], result)
        detail = result["checks"][0]["detail"]
        assert "statusListIndex" in detail or "not JSON" in detail or "out of range" in detail, (
            shape[:20],
            detail,
        )
    # An index of the right shape but beyond the list is the status check's to refuse.
    beyond = json.loads(json.dumps(doc))
    beyond["credentialStatus"]["statusListIndex"] = "999999999"
    async with stack.sessions() as session:  # type: ignore[operator]
        registry = DatabaseRegistry(session, stack.settings.public_base_url)
        result = await verify_credential(beyond, registry)
    assert result.failed == "signature" and "outside the list" in result.checks[4].detail

    # Numbers and values elsewhere: never a 500 either.
    text = json.dumps(doc)
    for hostile in (
        text.replace('"validFrom"', '"n": 1e400, "validFrom"', 1),
        text.replace('"validFrom"', '"n": NaN, "validFrom"', 1),
        text.replace('"validFrom"', f'"n": {"9" * 5000}, "validFrom"', 1),
        text.replace('"validFrom"', f'"n": {2**70}, "validFrom"', 1),
        text.replace('"validFrom"', '"n": ' + "[" * 500 + "]" * 500 + ', "validFrom"', 1),
        text.replace(doc["id"], "urn:uuid:\\u0000x"),
        text.replace(
            doc["credentialStatus"]["statusListCredential"], "http://testserver/status/\\u0000"
        ),
        text.replace(doc["proof"][0]["verificationMethod"], doc["issuer"]["id"] + "#z\\u0000"),
        text.replace(doc["proof"][0]["proofValue"], "z" + "2" * 200_000),
    ):
        r = await w.http.post("/verify", content=hostile.encode())
        assert r.status_code == 200 and r.json()["verified"] is False, r.text[:300]


async def test_verify_reads_no_more_than_its_limit(stack: Stack) -> None:
    """The public /verify stops reading a streamed body at 1 MiB (413), and refuses a
    Content-Length over it before reading anything."""
    sent = 0
    chunk = b" " * 65536

    async def body():  # type: ignore[no-untyped-def]
        nonlocal sent
        for _ in range(128):  # 8 MiB, never announced
            sent += len(chunk)
            yield chunk

    r = await stack.http.post("/verify", content=body())
    assert r.status_code == 413 and "at most 1024 KiB" in r.json()["detail"]
    assert sent <= 1024 * 1024 + 2 * len(chunk), f"read {sent} bytes before refusing"

    sent = 0
    r = await stack.http.post(
        "/verify", content=body(), headers={"Content-Length": str(8 * 1024 * 1024)}
    )
    assert r.status_code == 413 and sent <= len(chunk)
    r = await stack.http.post("/verify", content=b"{}", headers={"Content-Length": "x2"})
    assert r.status_code == 400


async def test_credential_lists_refuse_out_of_range_pages(stack: Stack) -> None:
    w = await make_world(stack)
    for query, field in (
        ("offset=" + str(2**70), "offset"),
        ("offset=4000000000000", "offset"),
        ("offset=-1", "offset"),
        ("limit=" + str(2**70), "limit"),
        ("limit=4e12", "limit"),
        ("limit=0", "limit"),
        ("cursor=" + "A" * 1025, "cursor"),
        ("cursor=%C5%BC", "cursor"),
        ("cursor=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "cursor"),
    ):
        r = await w.http.get(f"/credentials?{query}", headers=w.issuer.auth)
        assert r.status_code == 422, (query, r.status_code, r.text)
        assert [e["field"] for e in r.json()["errors"]] == [f"query.{field}"], r.json()
    assert ok(await w.http.get("/credentials?limit=500", headers=w.issuer.auth)) == []
    # Ids in paths have vnfil's shape: anything else is refused before the database.
    for path in ("/credentials/x.y", "/status/a%20b", "/issuers/" + "x" * 65):
        r = await w.http.get(path, headers=w.issuer.auth)
        assert r.status_code == 422, (path, r.status_code)
    # A control character anywhere in the address is refused before any route.
    for path in ("/credentials/%00", "/status/a%00b"):
        r = await w.http.get(path, headers=w.issuer.auth)
        assert r.status_code == 400 and "control character" in r.json()["detail"], path
