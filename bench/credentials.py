"""(c) Credentials issued and verified per second ÷ raw Ed25519 signatures per second.

Measured in one process, one core, the same run:
- raw: ``Ed25519PrivateKey.sign`` of 64 bytes (what a proof signs: two SHA-256s);
- issue+verify: build the OB 3.0 credential of a real sample standard, sign it
  (``eddsa-jcs-2022``), then run every verification check (``verify_credential``:
  well-formedness, signature, issuer key, expiry, status list) against a registry held
  in memory. Database and HTTP are left out: they are measured in (a).

An Ed25519 verification costs about three signatures with OpenSSL, so issue+verify can
reach at most 1 / (1 + verify/sign) of the raw rate even with nothing else to do; the
bench prints that ceiling beside the figure.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from vnfil.accounts.schemas import Actor, CandidateRef
from vnfil.cases.schemas import Result
from vnfil.credentials.document import build_credential
from vnfil.credentials.keys import ActiveKey, issuer_did
from vnfil.credentials.models import SigningKey, StatusList
from vnfil.credentials.schemas import CredentialInput
from vnfil.credentials.signing import multikey, sign
from vnfil.credentials.status import LIST_SIZE, entry, list_credential
from vnfil.credentials.verification import KnownKey, MemoryRegistry, verify_credential
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
        certified_by=Actor(user_id="a", role="centre_admin"),
    )


async def run(seconds: float = 3.0) -> dict[str, float]:
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
    registry = MemoryRegistry(
        BASE,
        {row.public_multikey: KnownKey(body_id, row.created_at, None, None)},
        [status_list],
    )
    inp = sample_input(body_id, now)
    message = b"\x01" * 64
    method = key.method(BASE)
    status = entry(BASE, "bench", 4242)

    async def issue_and_verify() -> None:
        signed = sign(
            build_credential(inp, BASE, issuer_did(BASE, body_id), status), private, method, now
        )
        result = await verify_credential(signed, registry, now)
        assert result.verified, result

    await issue_and_verify()  # warm caches
    n = max(200, int(seconds * 1000))
    raw = _rate(n * 4, lambda: private.sign(message))
    signature = private.sign(message)
    public = private.public_key()
    raw_verify = _rate(n * 2, lambda: public.verify(signature, message))
    started = time.perf_counter()
    for _ in range(n):
        await issue_and_verify()
    pipeline = n / (time.perf_counter() - started)
    return {
        "raw_signs_per_s": round(raw, 1),
        "raw_verifies_per_s": round(raw_verify, 1),
        "issue_verify_per_s": round(pipeline, 1),
        "ratio": round(pipeline / raw, 3),
        "ceiling": round(1 / (1 + raw / raw_verify), 3),
    }


if __name__ == "__main__":
    print(asyncio.run(run()))
