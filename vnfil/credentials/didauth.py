"""DID Authentication: a wallet proves it holds the key of its DID by signing a
presentation over a challenge and a domain that vnfil gave it (W3C VP Request Spec,
``DIDAuthentication``; VC-API exchanges).

What is accepted is what the Learner Credential Wallet sends (app/lib/exchanges.ts:
``vc.createPresentation({holder})`` then ``vc.signPresentation`` with its did:key): a
Verifiable Presentation on the VC 2.0 context whose ``holder`` is an Ed25519 ``did:key``
and whose one proof, for the purpose ``authentication``, is

- ``Ed25519Signature2020`` (LCW signs with it; its context is shipped, never fetched), or
- a ``DataIntegrityProof`` with ``eddsa-rdfc-2022`` (what newer wallets sign with),

made by that very key (``did:key:z6Mk…#z6Mk…``). Both suites sign the same bytes: the
SHA-256 of the RDFC-1.0 canonical proof options (without ``proofValue``, under the
presentation's ``@context``), then of the presentation without its proof; Ed25519 over
the two. Canonicalisation is :mod:`vnfil.credentials.rdfc` (pyoxigraph, safe mode, shipped
contexts only), checked there against Digital Bazaar's jsonld.js; the tests check this
module against Digital Bazaar's Ed25519Signature2020 and eddsa-rdfc-2022 signers.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from typing import Any

from cryptography.exceptions import InvalidSignature

from vnfil.credentials.document import VC_CONTEXT
from vnfil.credentials.rdfc import UnsafeDocument, canonical_nquads
from vnfil.credentials.signing import RDFC, ProofError, b58decode, public_key_of

ED25519_2020_CONTEXT = "https://w3id.org/security/suites/ed25519-2020/v1"
ED25519_2020 = "Ed25519Signature2020"
SUITES = (ED25519_2020, RDFC)  # what a wallet may sign its DID Authentication with
_CONTEXTS = (VC_CONTEXT, ED25519_2020_CONTEXT)
_VP_KEYS = frozenset({"@context", "id", "type", "holder", "proof"})
_PROOF_KEYS = frozenset(
    {
        "type",
        "cryptosuite",
        "created",
        "expires",
        "verificationMethod",
        "proofPurpose",
        "challenge",
        "domain",
        "nonce",
        "proofValue",
    }
)


class DidAuthError(ValueError):
    """The presentation does not prove the wallet's DID: why, and whether its form
    (``malformed``) or its proof (a cryptographic failure) is wrong."""

    def __init__(self, message: str, *, malformed: bool = False) -> None:
        super().__init__(message)
        self.malformed = malformed


@dataclass(frozen=True)
class Authenticated:
    holder: str  # the did:key the wallet proved
    suite: str  # Ed25519Signature2020 or eddsa-rdfc-2022


@lru_cache
def _ed25519_2020_context() -> dict[str, Any]:
    """The context of Ed25519Signature2020 (npm ``ed25519-signature-2020-context`` 1.1.0,
    the one wallets and DCC's document loader bundle), shipped with vnfil."""
    text = files("vnfil.credentials").joinpath("contexts", "ed25519-signature-2020-v1.jsonld")
    return dict(json.loads(text.read_text()))


def _malformed(message: str) -> DidAuthError:
    return DidAuthError(message, malformed=True)


def _flat(vp: dict[str, Any]) -> None:
    """Only what a DID Authentication holds, each a string or a list of strings: nothing
    else to canonicalise (and nothing nested deeper than a proof)."""
    if not vp.keys() <= _VP_KEYS:
        raise _malformed(
            "a DID Authentication presentation holds only @context, id, type, holder and proof"
        )
    proof = vp.get("proof")
    proofs = proof if isinstance(proof, list) else [proof]
    for i, part in enumerate([{k: v for k, v in vp.items() if k != "proof"}, *proofs]):
        if not isinstance(part, dict):
            continue  # said below
        if i and not part.keys() <= _PROOF_KEYS:
            raise _malformed(f"a proof holds only {', '.join(sorted(_PROOF_KEYS))}")
        for value in part.values():
            values = value if isinstance(value, list) else [value]
            if not all(isinstance(v, str) for v in values):
                raise _malformed("the presentation's values must be strings")


def _holder_key(vp: dict[str, Any]) -> tuple[str, Any]:
    holder = vp.get("holder")
    if not isinstance(holder, str) or not holder.startswith("did:key:z6Mk") or len(holder) > 64:
        raise _malformed("the presentation's holder must be an Ed25519 did:key")
    try:
        return holder, public_key_of(holder.removeprefix("did:key:"))
    except (ProofError, ValueError):
        raise _malformed("the presentation's holder must be an Ed25519 did:key") from None


def _the_proof(vp: dict[str, Any]) -> dict[str, Any]:
    proof = vp.get("proof")
    if isinstance(proof, list) and len(proof) == 1:
        proof = proof[0]
    if not isinstance(proof, dict):
        raise _malformed("the presentation must carry one proof")
    suite = proof.get("cryptosuite") if proof.get("type") == "DataIntegrityProof" else None
    if proof.get("type") != ED25519_2020 and suite != RDFC:
        raise _malformed(f"the presentation must be signed with {' or '.join(SUITES)}")
    return proof


def verify_did_auth(vp: Any, *, challenge: str, domain: str) -> Authenticated:
    """The DID the presentation proves, or :class:`DidAuthError` saying why not."""
    if not isinstance(vp, dict):
        raise _malformed("verifiablePresentation must be an object")
    _flat(vp)
    types = vp.get("type")
    if "VerifiablePresentation" not in (types if isinstance(types, list) else [types]):
        raise _malformed("verifiablePresentation must be of type VerifiablePresentation")
    contexts = vp.get("@context")
    listed = contexts if isinstance(contexts, list) else [contexts]
    if not listed or listed[0] != VC_CONTEXT or not all(c in _CONTEXTS for c in listed):
        raise _malformed(
            f"the presentation's @context must be {VC_CONTEXT} (and {ED25519_2020_CONTEXT})"
        )
    holder, key = _holder_key(vp)
    proof = _the_proof(vp)
    suite = ED25519_2020 if proof.get("type") == ED25519_2020 else RDFC
    if proof.get("proofPurpose") != "authentication":
        raise DidAuthError("the proof's purpose must be authentication")
    said = proof.get("challenge")
    if not isinstance(said, str) or not secrets.compare_digest(
        said.encode("utf-8", "replace"), challenge.encode()
    ):
        raise DidAuthError("the proof's challenge is not this exchange's")
    domains = proof.get("domain")
    if domains != domain and not (isinstance(domains, list) and domain in domains):
        raise DidAuthError(f"the proof is for another domain than {domain}")
    if proof.get("verificationMethod") != f"{holder}#{holder.removeprefix('did:key:')}":
        raise DidAuthError("the proof is not made by the holder's did:key")
    value = proof.get("proofValue")
    if not isinstance(value, str) or not value.startswith("z") or len(value) > 100:
        raise _malformed("the proof's proofValue is not a base58btc Ed25519 signature")
    unsecured = {k: v for k, v in vp.items() if k != "proof"}
    options = {
        "@context": unsecured["@context"],
        **{k: v for k, v in proof.items() if k != "proofValue"},
    }
    extra = {ED25519_2020_CONTEXT: _ed25519_2020_context()}
    try:
        hashed = (
            hashlib.sha256(canonical_nquads(options, extra_contexts=extra)).digest()
            + hashlib.sha256(canonical_nquads(unsecured, extra_contexts=extra)).digest()
        )
    except UnsafeDocument as exc:
        raise _malformed(f"the presentation is not JSON-LD vnfil can read: {exc}") from None
    try:
        key.verify(b58decode(value[1:]), hashed)
    except (InvalidSignature, ValueError):
        raise DidAuthError("the presentation's signature does not verify") from None
    return Authenticated(holder=holder, suite=suite)
