"""Password hashing (argon2id through argon2-cffi) and the password policy."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _

_COMMON = Path(__file__).with_name("common_passwords.txt")


@lru_cache(maxsize=2)
def _hasher(fast: bool) -> PasswordHasher:
    # Tests use the same scheme with a small cost so the suite stays quick.
    if fast:
        return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    return PasswordHasher()


def hasher() -> PasswordHasher:
    return _hasher(bool(current_app.config.get("ARGON2_FAST")))


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        return False
    try:
        return hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    return frozenset(line.strip().lower() for line in _COMMON.read_text().splitlines() if line.strip())


def password_problems(password: str, *, email: str = "", name: str = "") -> list[str]:
    """Return what is wrong with a new password, in words for the user (empty list: fine)."""
    problems = []
    min_length = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < min_length:
        problems.append(_("Use at least %(n)d characters.", n=min_length))
    lowered = password.lower()
    if lowered in common_passwords() or lowered.rstrip("0123456789!") in common_passwords():
        problems.append(_("This password is too common; choose one that is harder to guess."))
    elif email and lowered == email.lower().split("@")[0]:
        problems.append(_("Don't use your e-mail address as your password."))
    if len(password) > 200:
        problems.append(_("Use at most 200 characters."))
    return problems
