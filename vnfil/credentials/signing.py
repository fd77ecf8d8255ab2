"""Data Integrity proofs with Ed25519 (W3C vc-di-eddsa): ``eddsa-rdfc-2022`` and ``eddsa-jcs-2022``.

vnfil signs with ``eddsa-rdfc-2022``: the proof covers the RDFC-1.0 canonical form of the
document (:mod:`vnfil.credentials.rdfc`), which is what the Open Badges ecosystem's
verifiers (Digital Bazaar's ``vc``, the DCC verifier behind the Learner Credential
Wallet, 1EdTech's validator) check. ``eddsa-jcs-2022`` (RFC 8785 over the JSON) signed
vnfil's first credentials; they keep verifying. ``proof`` is written as a list (a proof
set, as OB 3.0's schema requires); a single proof object is read too. Public keys travel
as Multikey (``z6Mk…``) in the verification method's fragment, so a proof names the key
that made it; whether that key belongs to the issuer is for the trust registry to say
(:mod:`vnfil.credentials.keys`), not for the credential.
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

RDFC = "eddsa-rdfc-2022"
JCS = "eddsa-jcs-2022"
CRYPTOSUITES = (RDFC, JCS)
PROOF_TYPE = "DataIntegrityProof"
MAX_PROOFS = 4
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


def _jcs_hash(document: dict[str, Any], options: dict[str, Any]) -> bytes:
    # vc-di-eddsa §3.3.4: hash of the canonical proof config, then of the document.
    return (
        hashlib.sha256(canonical(options)).digest() + hashlib.sha256(canonical(document)).digest()
    )


def _rdfc_hash(document: dict[str, Any], options: dict[str, Any]) -> bytes:
    # vc-di-eddsa §3.2.4: the proof config takes the document's @context for hashing.
    from vnfil.credentials.rdfc import canonical_nquads

    config = {"@context": document.get("@context"), **options}
    return (
        hashlib.sha256(canonical_nquads(config)).digest()
        + hashlib.sha256(canonical_nquads(document)).digest()
    )


def xsd_datetime(at: datetime) -> str:
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
    cryptosuite: str = RDFC,
) -> dict[str, Any]:
    """The document with one proof added (the input is not changed), as a proof set."""
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    options: dict[str, Any] = {
        "type": PROOF_TYPE,
        "cryptosuite": cryptosuite,
        "created": xsd_datetime(created),
        "verificationMethod": verification_method,
        "proofPurpose": "assertionMethod",
    }
    if cryptosuite == RDFC:
        hashed = _rdfc_hash(unsecured, options)
    elif cryptosuite == JCS:
        if "@context" in unsecured:
            options["@context"] = unsecured["@context"]
        hashed = _jcs_hash(unsecured, options)
    else:
        raise ValueError(f"vnfil signs with {' or '.join(CRYPTOSUITES)}, not {cryptosuite}")
    proof = {**options, "proofValue": "z" + b58encode(key.sign(hashed))}
    return {**unsecured, "proof": [*proofs_of(document), proof]}


def proofs_of(document: dict[str, Any]) -> list[Any]:
    """The document's proofs: a proof set (a list) or the single object of older credentials."""
    proof = document.get("proof")
    if proof is None:
        return []
    return proof if isinstance(proof, list) else [proof]


def _verify_one(proof: Any, unsecured: dict[str, Any]) -> None:
    if not isinstance(proof, dict):
        raise ProofError("every proof must be an object")
    suite = proof.get("cryptosuite")
    if proof.get("type") != PROOF_TYPE or suite not in CRYPTOSUITES:
        raise ProofError(
            f"unsupported proof: only {PROOF_TYPE} with {' or '.join(CRYPTOSUITES)} is accepted"
        )
    if proof.get("proofPurpose") != "assertionMethod":
        raise ProofError(f"{suite}: the proof's purpose is not assertionMethod")
    value, method = proof.get("proofValue"), proof.get("verificationMethod")
    if not isinstance(value, str) or not value.startswith("z"):
        raise ProofError(f"{suite}: proofValue is not base58btc multibase")
    if not isinstance(method, str) or "#" not in method:
        raise ProofError(f"{suite}: verificationMethod must name a key as <controller>#<multikey>")
    # Base58 decoding is quadratic: refuse what no Ed25519 signature (89 characters)
    # or Multikey (48) can be before decoding it.
    if len(value) > 100 or len(method.rsplit("#", 1)[1]) > 64:
        raise ProofError(f"{suite}: proofValue or the key is too long for Ed25519")
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    if suite == JCS and "@context" in options:
        ctx, doc_ctx = options["@context"], unsecured.get("@context")
        if not isinstance(ctx, list) or not isinstance(doc_ctx, list) or doc_ctx[: len(ctx)] != ctx:
            raise ProofError(f"{suite}: the proof's @context does not match the credential's")
    try:
        hashed = _rdfc_hash(unsecured, options) if suite == RDFC else _jcs_hash(unsecured, options)
        public_key_of(method.rsplit("#", 1)[1]).verify(b58decode(value[1:]), hashed)
    except ProofError:
        raise
    except (InvalidSignature, ValueError) as exc:  # UnsafeDocument is a ValueError
        detail = str(exc) if str(exc) and not isinstance(exc, InvalidSignature) else ""
        raise ProofError(
            f"{suite}: the signature does not match the credential's content"
            + (f" ({detail})" if detail and "base58" not in detail else "")
        ) from exc


def verify(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Check every proof against the key its verification method names; return them.

    Raises :class:`ProofError` naming the suite and what does not hold. Trust in the
    keys is not decided here.
    """
    proofs = proofs_of(document)
    if not proofs or len(proofs) > MAX_PROOFS:
        raise ProofError(f"the credential must carry 1 to {MAX_PROOFS} proofs")
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    for proof in proofs:
        _verify_one(proof, unsecured)
    return proofs
