"""Data Integrity proofs with the ``eddsa-jcs-2022`` cryptosuite (W3C vc-di-eddsa).

JCS (RFC 8785) rather than RDF canonicalisation: the proof covers the JSON exactly as
issued, no JSON-LD processing is needed to sign or verify, and a verifier in any
language needs only SHA-256, Ed25519 and a JCS library. Public keys travel as
Multikey (``z6Mk…``) in the verification method's fragment, so a credential names
the key that signed it; whether that key belongs to the issuer is for the trust
registry to say (:mod:`vnfil.credentials.keys`), not for the credential.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from functools import lru_cache
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

CRYPTOSUITE = "eddsa-jcs-2022"
PROOF_TYPE = "DataIntegrityProof"
_ED25519_PUB = b"\xed\x01"  # multicodec ed25519-pub
_ED25519_PRIV = b"\x80\x26"  # multicodec ed25519-priv
_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {ch: i for i, ch in enumerate(_B58)}


class ProofError(ValueError):
    """The proof is missing, malformed or does not match the document."""


def b58encode(data: bytes) -> str:
    n = int.from_bytes(data, "big")
    out = ""
    while n:
        n, r = divmod(n, 58)
        out = _B58[r] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def b58decode(text: str) -> bytes:
    n = 0
    for ch in text:
        i = _B58_INDEX.get(ch)
        if i is None:
            raise ValueError(f"{ch!r} is not a base58btc character")
        n = n * 58 + i
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return b"\0" * (len(text) - len(text.lstrip("1"))) + body


def multikey(public: Ed25519PublicKey) -> str:
    """The public key as a Multikey value (base58btc multibase of ed25519-pub)."""
    return "z" + b58encode(_ED25519_PUB + public.public_bytes_raw())


@lru_cache(maxsize=1024)
def public_key_of(value: str) -> Ed25519PublicKey:
    if not value.startswith("z"):
        raise ProofError("the key is not base58btc multibase (it must start with 'z')")
    raw = b58decode(value[1:])
    if not raw.startswith(_ED25519_PUB) or len(raw) != 34:
        raise ProofError("the key is not an Ed25519 Multikey")
    return Ed25519PublicKey.from_public_bytes(raw[2:])


def private_key_of(value: str) -> Ed25519PrivateKey:
    """A private key given as multibase ed25519-priv (as in the spec's test vectors)."""
    raw = b58decode(value.removeprefix("z"))
    if not raw.startswith(_ED25519_PRIV) or len(raw) != 34:
        raise ProofError("the key is not an Ed25519 private Multikey")
    return Ed25519PrivateKey.from_private_bytes(raw[2:])


def _plain(value: Any) -> bool:
    """True when Python's sorted compact JSON is already JCS: string keys in ASCII (they
    sort alike), no integer beyond 2**53, and floats only where ``repr`` writes what
    ECMAScript does (not integral, 1e-4 <= |x| < 1e16)."""
    stack = [value]
    while stack:
        v = stack.pop()
        t = type(v)
        if t is str or t is bool or v is None:
            continue
        if t is dict:
            if not all(type(k) is str and k.isascii() for k in v):
                return False
            stack.extend(v.values())
        elif t is list:
            stack.extend(v)
        elif t is int:
            if abs(v) >= 2**53:
                return False
        elif t is float:
            if v.is_integer() or not 1e-4 <= abs(v) < 1e16:
                return False
        else:
            return False
    return True


def canonical(value: Any) -> bytes:
    """RFC 8785 JCS. Credentials are nearly always plain (see :func:`_plain`), and then
    ``json.dumps`` gives the same bytes several times faster than a general JCS encoder:
    keys sort alike when ASCII, and strings escape alike (ECMAScript rules)."""
    if _plain(value):
        try:
            text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
            return text.encode()
        except UnicodeEncodeError:  # a lone surrogate: JCS rejects it too, say so there
            pass
    return rfc8785.dumps(value)


def _hash_data(document: dict[str, Any], options: dict[str, Any]) -> bytes:
    # vc-di-eddsa §3.3.4: hash of the canonical proof config, then of the document.
    return (
        hashlib.sha256(canonical(options)).digest() + hashlib.sha256(canonical(document)).digest()
    )


def _timestamp(at: datetime) -> str:
    """UTC, with milliseconds when there are any: a key retired within the same second
    must still tell a proof made before it from one made after."""
    text = at.strftime("%Y-%m-%dT%H:%M:%S")
    if at.microsecond:
        text += f".{at.microsecond // 1000:03d}"
    return text + "Z"


def sign(
    document: dict[str, Any],
    key: Ed25519PrivateKey,
    verification_method: str,
    created: datetime,
) -> dict[str, Any]:
    """The document with an ``eddsa-jcs-2022`` proof added (the input is not changed)."""
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    options: dict[str, Any] = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": _timestamp(created),
        "verificationMethod": verification_method,
        "proofPurpose": "assertionMethod",
    }
    if "@context" in unsecured:
        options["@context"] = unsecured["@context"]
    signature = key.sign(_hash_data(unsecured, options))
    return {**unsecured, "proof": {**options, "proofValue": "z" + b58encode(signature)}}


def verify(document: dict[str, Any]) -> dict[str, Any]:
    """Check the proof against the key its verification method names; return the proof.

    Raises :class:`ProofError` naming what does not hold. Trust in the key is not
    decided here.
    """
    proof = document.get("proof")
    if not isinstance(proof, dict):
        raise ProofError("the credential has no proof (one object expected)")
    if proof.get("type") != PROOF_TYPE or proof.get("cryptosuite") != CRYPTOSUITE:
        raise ProofError(f"unsupported proof: only {PROOF_TYPE} with {CRYPTOSUITE} is accepted")
    if proof.get("proofPurpose") != "assertionMethod":
        raise ProofError("the proof's purpose is not assertionMethod")
    value, method = proof.get("proofValue"), proof.get("verificationMethod")
    if not isinstance(value, str) or not value.startswith("z"):
        raise ProofError("proofValue is not base58btc multibase")
    if not isinstance(method, str) or "#" not in method:
        raise ProofError("verificationMethod must name a key as <controller>#<multikey>")
    # Base58 decoding is quadratic: refuse what no Ed25519 signature (89 characters)
    # or Multikey (48) can be before decoding it.
    if len(value) > 100 or len(method.rsplit("#", 1)[1]) > 64:
        raise ProofError("proofValue or the verification method's key is too long for Ed25519")
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    if "@context" in options:
        ctx, doc_ctx = options["@context"], unsecured.get("@context")
        if not isinstance(ctx, list) or not isinstance(doc_ctx, list) or doc_ctx[: len(ctx)] != ctx:
            raise ProofError("the proof's @context does not match the credential's")
    try:
        signature = b58decode(value[1:])
        public_key_of(method.rsplit("#", 1)[1]).verify(signature, _hash_data(unsecured, options))
    except (InvalidSignature, ValueError) as exc:
        raise ProofError("the signature does not match the credential's content") from exc
    return proof
