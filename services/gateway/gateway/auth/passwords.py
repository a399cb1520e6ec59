"""Password hashing with argon2id (argon2-cffi's RFC 9106 "low memory" defaults: t=3, m=64 MiB, p=4).

Unknown users are checked against a dummy hash made with the same parameters, so that "no such
user" costs as much time as "wrong password" and the response time does not reveal usernames.
"""
from __future__ import annotations

import secrets
from functools import cached_property

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError


class Passwords:
    def __init__(self, hasher: PasswordHasher | None = None):
        self.hasher = hasher or PasswordHasher()  # argon2id

    def hash(self, password: str) -> str:
        return self.hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        """Whether `password` matches; with no hash (unknown user) it burns the same time, then False."""
        if password_hash is None:
            self._check(self._dummy_hash, password)
            return False
        return self._check(password_hash, password)

    def needs_rehash(self, password_hash: str) -> bool:
        try:
            return self.hasher.check_needs_rehash(password_hash)
        except InvalidHashError:
            return True

    @cached_property
    def _dummy_hash(self) -> str:
        return self.hasher.hash(secrets.token_urlsafe(24))

    def _check(self, password_hash: str, password: str) -> bool:
        try:
            return self.hasher.verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False


def generate_password() -> str:
    """A random password for bootstrap and resets: 24 URL-safe characters (144 bits)."""
    return secrets.token_urlsafe(18)
