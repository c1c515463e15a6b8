"""Encryption at rest for the whistleblowing channel (WHISTLEBLOWING.md).

The design, after GlobaLeaks:

- Every case has its own random 256-bit key. Report text, messages, minutes and
  attachments are encrypted with it by an AEAD cipher (AES-256-GCM) before they reach
  the database or the disk; the associated data binds each ciphertext to where it
  belongs, so a ciphertext moved to another row or case does not decrypt.
- The case key is never stored as it is: it is *sealed* to the public key of each
  case handler (X25519 key agreement with an ephemeral key, HKDF-SHA256, AES-GCM) and
  to a key derived from the reporter's receipt code.
- Each case handler's private key is sealed under a key derived from their password
  with Argon2id. Neither a copy of the database, nor the application's secret, nor
  both, opens a case: a handler's password (or the reporter's receipt code) is needed.

Losing every handler's password and the receipt code loses the case for good: that is
the price of the promise, and the README says so.
"""

from __future__ import annotations

import os
import struct

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_BYTES = 32
NONCE_BYTES = 12
SALT_BYTES = 16
VERSION = 1
# Argon2id for keys derived from passwords and receipt codes (RFC 9106, second choice:
# 64 MiB, 3 passes); stored with each sealed blob, so it can be raised later.
KDF_TIME_COST = 3
KDF_MEMORY_KIB = 64 * 1024
KDF_PARALLELISM = 1


class DecryptionError(Exception):
    """Wrong key, or a ciphertext that was changed or moved."""


def new_key() -> bytes:
    """A fresh random key (from the operating system's generator)."""
    return os.urandom(KEY_BYTES)


def encrypt(key: bytes, plaintext: bytes, context: str) -> bytes:
    """AES-256-GCM; ``context`` (e.g. "report:7:text") is bound as associated data."""
    nonce = os.urandom(NONCE_BYTES)
    return bytes([VERSION]) + nonce + AESGCM(key).encrypt(nonce, plaintext, context.encode())


def decrypt(key: bytes, blob: bytes, context: str) -> bytes:
    if not blob or blob[0] != VERSION:
        raise DecryptionError("unknown format")
    nonce, body = blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :]
    try:
        return AESGCM(key).decrypt(nonce, body, context.encode())
    except InvalidTag:
        raise DecryptionError("wrong key, or the data was changed") from None


def derive_key(
    secret: str, salt: bytes, *, time_cost: int = KDF_TIME_COST, memory_kib: int = KDF_MEMORY_KIB
) -> bytes:
    """A 256-bit key from a password or receipt code, with Argon2id."""
    return hash_secret_raw(
        secret.encode(),
        salt,
        time_cost=time_cost,
        memory_cost=memory_kib,
        parallelism=KDF_PARALLELISM,
        hash_len=KEY_BYTES,
        type=Type.ID,
    )


def seal_with_secret(data: bytes, secret: str, context: str, **kdf) -> bytes:
    """Encrypt ``data`` under a key derived from ``secret``; the salt and cost go along."""
    salt = os.urandom(SALT_BYTES)
    time_cost = kdf.get("time_cost", KDF_TIME_COST)
    memory_kib = kdf.get("memory_kib", KDF_MEMORY_KIB)
    key = derive_key(secret, salt, time_cost=time_cost, memory_kib=memory_kib)
    return struct.pack(">II", time_cost, memory_kib) + salt + encrypt(key, data, context)


def open_with_secret(blob: bytes, secret: str, context: str) -> bytes:
    time_cost, memory_kib = struct.unpack(">II", blob[:8])
    salt, sealed = blob[8 : 8 + SALT_BYTES], blob[8 + SALT_BYTES :]
    key = derive_key(secret, salt, time_cost=time_cost, memory_kib=memory_kib)
    return decrypt(key, sealed, context)


def new_keypair() -> tuple[bytes, bytes]:
    """An X25519 key pair as raw bytes: (private, public)."""
    private = X25519PrivateKey.generate()
    return (
        private.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        ),
        private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        ),
    )


def _wrap_key(shared: bytes, ephemeral_public: bytes, recipient_public: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(),
        length=KEY_BYTES,
        salt=None,
        info=b"ideas seal v1" + ephemeral_public + recipient_public,
    ).derive(shared)


def seal_to(recipient_public: bytes, data: bytes, context: str) -> bytes:
    """Encrypt ``data`` so that only the holder of the matching private key opens it."""
    ephemeral = X25519PrivateKey.generate()
    ephemeral_public = ephemeral.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(recipient_public))
    key = _wrap_key(shared, ephemeral_public, recipient_public)
    return ephemeral_public + encrypt(key, data, context)


def open_sealed(recipient_private: bytes, blob: bytes, context: str) -> bytes:
    private = X25519PrivateKey.from_private_bytes(recipient_private)
    ephemeral_public, sealed = blob[:KEY_BYTES], blob[KEY_BYTES:]
    recipient_public = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    try:
        shared = private.exchange(X25519PublicKey.from_public_bytes(ephemeral_public))
    except ValueError:
        raise DecryptionError("not a sealed key") from None
    return decrypt(_wrap_key(shared, ephemeral_public, recipient_public), sealed, context)
