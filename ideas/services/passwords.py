"""Password hashing with Argon2id (argon2-cffi's defaults follow RFC 9106), and the
rules a new password must meet."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import format_number
from flask_babel import lazy_gettext as _l

from ideas.services.errors import DomainError

_hasher = PasswordHasher()
# Verified against when no account matches, so that a wrong e-mail address takes as
# long as a wrong password and timing tells nothing about who has an account.
_DUMMY_HASH = _hasher.hash("not a password of anyone")


def use_cheap_hashing_for_tests() -> None:
    """Argon2 at its cheapest parameters: only ever for test suites."""
    global _hasher, _DUMMY_HASH
    _hasher = PasswordHasher.from_parameters(profiles.CHEAPEST)
    _DUMMY_HASH = _hasher.hash("not a password of anyone")


MIN_LENGTH = 12
# How many of the most common passwords are refused (NIST SP 800-63B, 5.1.1.2: "values
# known to be commonly-used"). The list is zxcvbn's, from leaked password sets, most
# frequent first; shipped inside that package, so nothing is fetched at run time.
COMMON_COUNT = 10_000


@cache
def common_passwords() -> frozenset[str]:
    """The ``COMMON_COUNT`` most common passwords, lower-cased: read once per process."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(word.lower() for word in FREQUENCY_LISTS["passwords"][:COMMON_COUNT])


def is_common(password: str) -> bool:
    """Whether ``password`` is among the most common ones, whatever its letters' case."""
    return password.strip().lower() in common_passwords()


def check_new_password(password: str | None, field: str = "password") -> None:
    """Refuse a new password that is too short or too common, with the reason, at
    ``field``. Everywhere a password is set goes through here."""
    password = password or ""
    if len(password) < MIN_LENGTH:
        raise DomainError(
            _l("The password must be at least %(n)d characters.", n=MIN_LENGTH), field=field
        )
    if is_common(password):
        raise DomainError(
            _l(
                "This password is among the %(n)s most common ones, which are tried first "
                "when an account is attacked. Choose another one.",
                n=format_number(COMMON_COUNT),
            ),
            field=field,
        )


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
