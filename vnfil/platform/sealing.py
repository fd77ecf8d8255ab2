"""The sealing of every secret vnfil keeps (signing keys, webhook secrets, invitation links).

Secrets are sealed with AES-256-GCM under a key derived (HKDF-SHA256) from
``VNFIL_SECRET_KEY``; the associated data names what the blob is for, so a sealed
webhook secret cannot be passed off as a signing key.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def _aead(secret: str) -> AESGCM:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"vnfil seal v1").derive(
        secret.encode()
    )
    return AESGCM(key)


def seal(secret: str, plaintext: bytes, purpose: str) -> bytes:
    nonce = os.urandom(12)
    return nonce + _aead(secret).encrypt(nonce, plaintext, purpose.encode())


def unseal(secret: str, sealed: bytes, purpose: str) -> bytes:
    try:
        return _aead(secret).decrypt(sealed[:12], sealed[12:], purpose.encode())
    except InvalidTag as exc:
        raise ValueError(f"cannot unseal {purpose}: wrong VNFIL_SECRET_KEY or data") from exc
