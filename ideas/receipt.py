"""Receipt codes for anonymous reporters (WHISTLEBLOWING.md).

A code is 20 characters of Crockford's base32 (100 bits from the operating system's
generator), shown in five groups of four: easy to write down and read aloud, with no
letters that look like digits (no I, L, O, U). What is typed back is normalised (case,
spaces, dashes, and O/I/L read as 0/1/1) and length-checked before any hashing.

Only a slow hash is stored: Argon2id with the installation's own salt. A per-row salt
would make a code impossible to look up; with 100 random bits, a site-wide salt is
enough to make a copied database useless for guessing. The looked-up hash is compared
again in constant time.
"""

from __future__ import annotations

import hmac
import secrets

from argon2.low_level import Type, hash_secret_raw

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base32
LENGTH = 20  # 20 x 5 bits = 100 bits
GROUP = 4
BITS = LENGTH * 5
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})
# Argon2id cost for receipt codes: every follow-up login pays it once.
TIME_COST = 3
MEMORY_KIB = 64 * 1024


def new_code() -> str:
    """A new receipt code, grouped for writing down: XXXX-XXXX-XXXX-XXXX-XXXX."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return "-".join(raw[i : i + GROUP] for i in range(0, LENGTH, GROUP))


def normalise(typed: str) -> str | None:
    """The code as stored, from what a person typed; None if it cannot be one."""
    if not typed or len(typed) > 64:  # before any other work: long input is refused
        return None
    code = "".join(ch for ch in typed.upper() if ch not in " -\t").translate(_READ_AS)
    if len(code) != LENGTH or any(ch not in ALPHABET for ch in code):
        return None
    return code


def code_hash(
    code: str, site_salt: bytes, *, time_cost: int | None = None, memory_kib: int | None = None
) -> bytes:
    """The slow hash kept in place of the code (``code`` already normalised). The cost
    is read when called, so that a test suite can lower it for the whole run."""
    return hash_secret_raw(
        code.encode(),
        site_salt,
        time_cost=time_cost or TIME_COST,
        memory_cost=memory_kib or MEMORY_KIB,
        parallelism=1,
        hash_len=32,
        type=Type.ID,
    )


def matches(stored: bytes, candidate: bytes) -> bool:
    return hmac.compare_digest(stored, candidate)
