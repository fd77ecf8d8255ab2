"""What makes verification fast must not change what it answers.

- A proof configuration's canonical N-Quads, filled into a template worked out once,
  are the bytes the full RDFC-1.0 canonicalisation gives, and whatever the template
  cannot stand for takes the full path (and its refusals).
- The caches of verification are bounded, keyed by content: a status list whose bits or
  proof change is read anew.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from vnfil.credentials import rdfc, verification
from vnfil.credentials.document import CONTEXTS, VC_CONTEXT
from vnfil.credentials.keys import ActiveKey, issuer_did
from vnfil.credentials.models import SigningKey, StatusList
from vnfil.credentials.signing import multikey, sign
from vnfil.credentials.status import LIST_SIZE, encode, entry, list_credential, with_bit
from vnfil.credentials.verification import KnownKey, MemoryRegistry, verify_credential

VECTOR = Path(__file__).parent / "vectors" / "w3c-eddsa-rdfc-2022"
BASE = "https://vnfil.example"
EXAMPLES = "https://www.w3.org/ns/credentials/examples/v2"
PREFIXED = "urn:test:prefix-context"
CONFIG = {
    "@context": CONTEXTS,
    "type": "DataIntegrityProof",
    "cryptosuite": "eddsa-rdfc-2022",
    "proofPurpose": "assertionMethod",
}


def _full(document: dict[str, Any], extra: dict[str, Any] | None = None) -> bytes:
    """The canonical N-Quads by the full path alone."""
    key = rdfc._extra_key(extra)
    rdfc._check_shape(document)
    return rdfc._canonicalise(rdfc._with_shipped_contexts(document, key, prune=False))


def same_either_way(document: dict[str, Any], extra: dict[str, Any] | None = None) -> str:
    """The document canonicalised with its contexts pruned to the terms it can reach and
    with them whole: the same N-Quads, or the same refusal. Returns which."""
    key = rdfc._extra_key(extra)
    outcomes = []
    for prune in (True, False):
        try:
            rdfc._check_shape(document)
            outcomes.append(
                rdfc._canonicalise(rdfc._with_shipped_contexts(document, key, prune=prune))
            )
        except rdfc.UnsafeDocument as exc:
            outcomes.append(f"refused: {exc}")
    assert outcomes[0] == outcomes[1], document
    return "refused" if isinstance(outcomes[0], str) else "same"


def test_pruned_contexts_give_the_w3c_vectors_graph() -> None:
    examples = json.loads((VECTOR / "credentials-examples-v2.jsonld").read_text())
    unsigned = json.loads((VECTOR / "unsigned.json").read_text())
    assert same_either_way(unsigned, {EXAMPLES: examples}) == "same"


@pytest.mark.parametrize(
    "created",
    ["2026-12-04T08:00:00Z", "2026-12-04T08:00:00.123Z", "2026-12-04T08:00:00+02:00"],
)
@pytest.mark.parametrize(
    "method",
    [
        "did:web:vnfil.example:issuers:3f1c#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",
        "did:web:127.0.0.1%3A8000:api:issuers:a-b_c#z6Mk",
        "did:key:z6Mkr#z6Mkr",
        "urn:uuid:4d0b#key-1",
        "xsd:int#x",  # a prefix of no shipped context here: an IRI as written
        "did:1111-11-11T11:11:11Z#z",  # the template's mark for created
    ],
)
def test_a_proof_configuration_from_its_template_is_the_full_canonical_form(
    created: str, method: str
) -> None:
    config = {**CONFIG, "created": created, "verificationMethod": method}
    fast = rdfc._proof_config_nquads(config, "")
    assert fast is not None
    assert fast == _full(config) == rdfc.canonical_nquads(config)


def test_the_w3c_vectors_proof_configuration_comes_from_its_template() -> None:
    extra = {EXAMPLES: json.loads((VECTOR / "credentials-examples-v2.jsonld").read_text())}
    config = json.loads((VECTOR / "proofConfigDataInt.json").read_text())
    fast = rdfc._proof_config_nquads(config, rdfc._extra_key(extra))
    assert fast is not None and fast == _full(config, extra)
    assert fast.decode().strip() == (VECTOR / "proofCanonDataInt.txt").read_text().strip()


@pytest.mark.parametrize(
    "change",
    [
        {"verificationMethod": "https://vnfil.example/issuers/x#z6Mk"},  # an authority
        {"verificationMethod": "ex:issuers:x#z6Mk"},  # a prefix the context defines
        {"created": "2026-12-04 08:00:00Z"},
        {"created": 1733299200},
        {"id": "urn:uuid:5e0f"},
        {"nonce": "abc"},
        {"@context": [VC_CONTEXT, "urn:unknown:context"]},
    ],
)
def test_what_the_template_cannot_stand_for_takes_the_full_path(change: dict[str, Any]) -> None:
    extra = {PREFIXED: {"@context": {"ex": "https://example.org/ns/"}}}
    config = {
        **CONFIG,
        "@context": [VC_CONTEXT, PREFIXED],
        "created": "2026-12-04T08:00:00Z",
        "verificationMethod": "did:web:vnfil.example:issuers:x#z6Mk",
        **change,
    }
    assert rdfc._proof_config_nquads(config, rdfc._extra_key(extra)) is None
    try:
        expected: bytes | type[Exception] = _full(config, extra)
    except rdfc.UnsafeDocument:
        expected = rdfc.UnsafeDocument
    if expected is rdfc.UnsafeDocument:
        with pytest.raises(rdfc.UnsafeDocument):
            rdfc.canonical_nquads(config, extra_contexts=extra)
    else:
        assert rdfc.canonical_nquads(config, extra_contexts=extra) == expected


def test_a_key_iri_the_contexts_leave_undefined_is_still_refused() -> None:
    config = {
        **CONFIG,
        "created": "2026-12-04T08:00:00Z",
        "verificationMethod": "urn:vnfil:undefined-term:x#y",
    }
    with pytest.raises(rdfc.UnsafeDocument):
        rdfc.canonical_nquads(config)


def test_the_content_cache_keeps_the_most_recently_used_within_its_size() -> None:
    cache: verification._ByContent[int] = verification._ByContent(3)
    for i in range(3):
        cache.put(bytes([i]), i)
    assert cache.get(b"\x00") == 0  # used again: kept
    cache.put(b"\x03", 3)
    assert len(cache) == 3
    assert cache.get(b"\x01") is None
    assert [cache.get(bytes([i])) for i in (0, 2, 3)] == [0, 2, 3]


def _issuer_key(now: datetime) -> tuple[Ed25519PrivateKey, ActiveKey]:
    """A fresh awarding body's signing key, valid since yesterday."""
    private = Ed25519PrivateKey.generate()
    row = SigningKey(
        id=str(uuid.uuid4()),
        awarding_body_id=str(uuid.uuid4()),
        public_multikey=multikey(private.public_key()),
        created_at=now - timedelta(days=1),
    )
    return private, ActiveKey(row=row, private=private)


async def test_a_status_list_is_read_anew_when_its_content_changes() -> None:
    assert not hasattr(verification, "_LISTS")  # one cache approach, by content
    now = datetime.now(UTC)
    private, key = _issuer_key(now)
    row, body = key.row, key.row.awarding_body_id
    status_row = StatusList(id=f"l{uuid.uuid4().hex}", awarding_body_id=body, purpose="revocation")
    status_row.size = LIST_SIZE
    status_row.bits = bytes(LIST_SIZE // 8)
    clean = list_credential(status_row, key, BASE, now)
    status_row.bits = with_bit(status_row.bits, 7)
    revoked = list_credential(status_row, key, BASE, now)
    forged = json.loads(json.dumps(clean))  # bit 7 set without signing it
    forged["credentialSubject"]["encodedList"] = encode(status_row.bits)
    keys = {row.public_multikey: KnownKey(body, row.created_at, None, None)}
    doc = sign(
        {
            "@context": [VC_CONTEXT],
            "id": f"urn:uuid:{uuid.uuid4()}",
            "type": ["VerifiableCredential"],
            "issuer": issuer_did(BASE, body),
            "validFrom": (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "credentialSubject": {"id": "urn:uuid:0c4e4a6e-1d57-4a38-9b0a-4f4f9d1e7a10"},
            "credentialStatus": entry(BASE, status_row.id, 7),
        },
        private,
        key.method(BASE),
        now,
    )

    async def status_of(listed: dict[str, Any]) -> verification.Check:
        result = await verify_credential(doc, MemoryRegistry(BASE, keys, [listed]), now)
        return next(c for c in result.checks if c.name == "status")

    for _ in range(2):  # the second time from the caches, alike
        assert (await status_of(clean)).ok
        assert not (await status_of(revoked)).ok
        check = await status_of(forged)
        assert not check.ok and "status list unusable" in check.detail


def _signed_credential(private: Ed25519PrivateKey, key: ActiveKey, now: datetime) -> dict[str, Any]:
    return sign(
        {
            "@context": [VC_CONTEXT],
            "id": f"urn:uuid:{uuid.uuid4()}",
            "type": ["VerifiableCredential"],
            "issuer": issuer_did(BASE, key.row.awarding_body_id),
            "validFrom": (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "credentialSubject": {"id": f"urn:uuid:{uuid.uuid4()}"},
        },
        private,
        key.method(BASE),
        now,
    )


async def test_signatures_checked_in_worker_processes_answer_as_in_a_thread() -> None:
    """The API checks proofs in a process pool: the same verdicts, named alike, and a
    worker that dies (killed, out of memory) is replaced, not a broken verifier."""
    now = datetime.now(UTC)
    private, key = _issuer_key(now)
    row, body = key.row, key.row.awarding_body_id
    registry = MemoryRegistry(
        BASE, {row.public_multikey: KnownKey(body, row.created_at, None, None)}, []
    )
    in_processes = verification.SignatureChecker(1)
    try:
        good = _signed_credential(private, key, now)
        tampered = {**_signed_credential(private, key, now), "validFrom": "2020-01-01T00:00:00Z"}
        for doc in (good, tampered):
            ours = await verify_credential(doc, registry, now, in_processes)
            verification._SIGNATURES._items.clear()
            threads = await verify_credential(doc, registry, now)
            assert ours == threads
        assert ours.failed == "signature" and "does not match" in ours.checks[1].detail, ours
        assert (await verify_credential(good, registry, now, in_processes)).verified

        pool = in_processes._pool
        assert pool is not None
        for process in list(pool._processes.values()):
            process.kill()
            process.join()
        again = _signed_credential(private, key, now)
        assert (await verify_credential(again, registry, now, in_processes)).verified
        assert in_processes._pool is not pool  # a new pool took over
    finally:
        in_processes.close()
