"""(c) Credentials issued and verified per second, against Digital Bazaar's JavaScript and
against raw Ed25519.

Measured on one core, in the same run:
- issue+verify: build the OB 3.0 credential of a real sample standard, naming its
  validation centre and a status entry (a new credential each time, signed at its own
  time, so no signature check is answered from the content cache; the contexts pruned
  for this shape and the proof-configuration template are made once and reused, as in
  the API), sign it (``eddsa-rdfc-2022``:
  the RDFC-1.0 canonical form of the document and of the proof configuration, and a
  signature), then ``verify_credential`` with all six of its checks: malformed
  (well-formedness), signature (the same two canonical forms and a verification), issuer
  (the key and when it signed), expiry, status (the shared status list: its proof is
  checked once, then its bits are looked up) and accreditation (the centre's, on the day
  of issue), against a registry held in memory. Database and HTTP are left out: they
  are measured in (a) and (d).
- js: the same sign and verify by Digital Bazaar's ``vc`` with its
  ``eddsa-rdfc-2022`` cryptosuite under Node (``tests/js/issue_verify.mjs``), on the same
  credential without its status entry (the JS side checks no status list nor
  accreditation).
- raw: one ``Ed25519PrivateKey.sign`` plus one ``verify`` of 64 bytes (what a proof
  signs: two SHA-256s).

Goals (issue 10): ÷ js ≥ 1.0; ÷ (raw sign + verify) ≥ 0.5. RDFC-1.0 of a credential this
size costs milliseconds against tens of microseconds for Ed25519, so the second is out
of reach for any faithful canonicalisation; the figure is printed to say by how much.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from vnfil.accounts.schemas import Actor, CandidateRef, Role
from vnfil.cases.schemas import Result
from vnfil.credentials import rdfc
from vnfil.credentials.document import build_credential
from vnfil.credentials.keys import ActiveKey, issuer_did
from vnfil.credentials.models import SigningKey, StatusList
from vnfil.credentials.schemas import CredentialInput
from vnfil.credentials.signing import multikey, sign
from vnfil.credentials.status import LIST_SIZE, entry, list_credential
from vnfil.credentials.verification import (
    KnownAccreditation,
    KnownKey,
    MemoryRegistry,
    verify_credential,
)
from vnfil.evidence.schemas import EvidenceKind, EvidenceRef
from vnfil.standards.schemas import Issuer, StandardSnapshot
from vnfil.standards.service import sample_document

BASE = "https://vnfil.example"


def _rate(n: int, fn: Any) -> float:
    started = time.perf_counter()
    for _ in range(n):
        fn()
    return n / (time.perf_counter() - started)


def sample_input(body_id: str, now: datetime) -> CredentialInput:
    """A full result on a sample standard, with three evidence files."""
    doc = sample_document("digital-collaboration")
    return CredentialInput(
        credential_id=str(uuid.uuid4()),
        case_id=str(uuid.uuid4()),
        candidate=CandidateRef(id="c", name="Zofia Łukasiewicz", email="zofia@example.org"),
        standard=StandardSnapshot(
            standard_id="s",
            issuer=Issuer(id=body_id, name="Awarding body", country="PL"),
            document=doc,
        ),
        result=Result.full,
        achieved_lo_ids=[lo.id for lo in doc.learning_outcomes],
        identity=None,
        evidence=[
            EvidenceRef(
                evidence_id=str(uuid.uuid4()),
                object_key=f"cases/x/evidence/{i}",
                sha256="ab" * 32,
                size=1000,
                filename=f"work-sample-{i}.pdf",
                media_type="application/pdf",
                kind=EvidenceKind.work_sample,
                lo_ids=[doc.learning_outcomes[0].id],
            )
            for i in range(3)
        ],
        grade=None,
        issued_at=now,
        certified_by=Actor(user_id="a", role=Role.centre_admin),
    )


async def run(seconds: float = 3.0) -> dict[str, float | None]:
    private = Ed25519PrivateKey.generate()
    now = datetime.now(UTC)
    body_id = str(uuid.uuid4())
    row = SigningKey(
        id=str(uuid.uuid4()),
        awarding_body_id=body_id,
        public_multikey=multikey(private.public_key()),
        created_at=now.replace(year=now.year - 1),
    )
    key = ActiveKey(row=row, private=private)
    status_row = StatusList(
        id="bench", awarding_body_id=body_id, purpose="revocation", size=LIST_SIZE
    )
    status_row.bits = bytes(LIST_SIZE // 8)
    status_list = list_credential(status_row, key, BASE, now)
    inp = sample_input(body_id, now)
    std = inp.standard.document
    centre: dict[str, Any] = {"id": "bench-centre", "name": "Bench centre", "country": "PL"}
    accredited = KnownAccreditation(
        now.replace(year=now.year - 1), now.replace(year=now.year + 1), "active", None, None, "QA-1"
    )
    registry = MemoryRegistry(
        BASE,
        {row.public_multikey: KnownKey(body_id, row.created_at, None, None)},
        [status_list],
        {(centre["id"], body_id, std.code): [accredited]},
    )
    message = b"\x01" * 64
    method = key.method(BASE)
    status = entry(BASE, "bench", 4242)

    issuer = issuer_did(BASE, body_id)

    async def issue_and_verify() -> None:
        fresh = inp.model_copy(update={"credential_id": str(uuid.uuid4())})
        unsigned = build_credential(fresh, BASE, issuer, status, centre)
        signed = sign(unsigned, private, method, datetime.now(UTC))
        result = await verify_credential(signed, registry)
        assert result.verified, result
        assert result.checks[-1].detail.startswith("Bench centre was accredited"), result

    await issue_and_verify()  # warm caches
    n = max(100, int(seconds * 40))
    raw = _rate(n * 40, lambda: private.sign(message))
    signature = private.sign(message)
    public = private.public_key()
    raw_verify = _rate(n * 20, lambda: public.verify(signature, message))
    started = time.perf_counter()
    for _ in range(n):
        await issue_and_verify()
    pipeline = n / (time.perf_counter() - started)
    js = await asyncio.to_thread(_javascript, build_credential(inp, BASE, issuer, None, centre), n)
    raw_pair = 1 / (1 / raw + 1 / raw_verify)
    parse_us, rdfc_us, quads = _canonicalisation_alone(
        build_credential(inp, BASE, issuer, status, centre), n
    )
    return {
        "quads": quads,
        "jsonld_parse_us": round(parse_us, 1),
        "rdfc_alone_us": round(rdfc_us, 1),
        # Issuing and verifying each canonicalise once: the best ratio any RDFC
        # implementation could reach if nothing but RDFC-1.0 itself cost anything.
        "ceiling_ratio_rdfc_alone": round(1e6 / (2 * rdfc_us) / raw_pair, 3),
        "raw_signs_per_s": round(raw, 1),
        "raw_verifies_per_s": round(raw_verify, 1),
        "issue_verify_per_s": round(pipeline, 1),
        "js_issue_verify_per_s": round(js, 1) if js else None,
        "ratio_to_js": round(pipeline / js, 2) if js else None,
        "ratio_to_raw_sign_verify": round(pipeline / raw_pair, 4),
    }


def _canonicalisation_alone(credential: dict[str, Any], n: int) -> tuple[float, float, int]:
    """Microseconds to parse the credential's JSON-LD into quads, and to canonicalise
    those quads with RDFC-1.0 alone (pyoxigraph, in Rust): the floor under any signature
    of an ``eddsa-rdfc-2022`` proof."""
    text = rdfc._with_shipped_contexts(credential, rdfc._extra_key(None))
    started = time.perf_counter()
    for _ in range(n):
        quads = list(ox.parse(text, format=ox.RdfFormat.JSON_LD))
    parse = (time.perf_counter() - started) / n
    started = time.perf_counter()
    for _ in range(n):
        ox.Dataset(quads).canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return parse * 1e6, (time.perf_counter() - started) / n * 1e6, len(quads)


def _javascript(credential: dict[str, Any], count: int) -> float | None:
    """Digital Bazaar's rate for the same signing and signature check (no status list,
    no accreditation), or None without Node or tests/js."""
    folder = Path(__file__).parent.parent / "tests" / "js"
    node = shutil.which("node")
    if node is None or not (folder / "node_modules").exists():
        return None
    done = subprocess.run(
        [node, "issue_verify.mjs"],
        input=json.dumps({"credential": credential, "count": count}),
        capture_output=True,
        text=True,
        cwd=folder,
        check=True,
    )
    return float(json.loads(done.stdout)["per_s"])


if __name__ == "__main__":
    print(asyncio.run(run()))
