"""The storage port: what every adapter promises, and the rules they share (written once here).

- `put(key, content, media_type)` writes once: the same content again is a no-op that answers the
  stored object; different content under an existing key is refused (`ObjectConflict`), so a
  document that was served can never be replaced behind its record.
- `get(key, sha256=None)` answers the content only if it still hashes to the SHA-256 and size
  recorded at `put` and, when given, to the caller's own `sha256`; else `ObjectCorrupt`. A key
  that was never written (or is gone) is `ObjectMissing`.
- `head(key)` the recorded `StoredObject` or None; `list(prefix)` the keys under a prefix, sorted.
- `delete(key)` removes the object (True) or finds nothing to remove (False): idempotent. Only for
  what its owner may take back (an usulan's attachment, a photo that shows a person); a published
  document (an RKPD version's files) is never deleted.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Protocol

MAX_KEY_LENGTH = 512
_SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


class StorageError(Exception):
    """The store could not do what was asked (the subclasses say why)."""


class InvalidKey(StorageError, ValueError):
    pass


class ObjectMissing(StorageError):
    def __init__(self, key: str):
        self.key = key
        super().__init__(f"no stored object under {key!r}")


class ObjectCorrupt(StorageError):
    def __init__(self, key: str, reason: str):
        self.key = key
        super().__init__(f"stored object {key!r} is corrupt: {reason}")


class ObjectConflict(StorageError):
    def __init__(self, key: str, stored_sha256: str, new_sha256: str):
        self.key = key
        super().__init__(f"{key!r} already holds other content (sha256 {stored_sha256}, not {new_sha256}); "
                         "stored objects are written once")


@dataclass(frozen=True)
class StoredObject:
    key: str
    sha256: str
    bytes: int
    media_type: str = "application/octet-stream"


class DocumentStore(Protocol):
    kind: str  # "postgres" | "s3" | "memory"

    def put(self, key: str, content: bytes, media_type: str = "application/octet-stream") -> StoredObject: ...

    def get(self, key: str, sha256: str | None = None) -> bytes: ...

    def head(self, key: str) -> StoredObject | None: ...

    def list(self, prefix: str = "") -> list[str]: ...

    def delete(self, key: str) -> bool: ...


def check_key(key: object) -> str:
    """A key is `/`-separated segments of letters, digits, `.`, `_`, `-` (each starting with a
    letter or digit: no `..`, no hidden names, no absolute paths), at most 512 characters."""
    if not isinstance(key, str) or not key or len(key) > MAX_KEY_LENGTH:
        raise InvalidKey(f"a storage key is 1..{MAX_KEY_LENGTH} characters, got {key!r}")
    if not all(_SEGMENT.fullmatch(part) for part in key.split("/")):
        raise InvalidKey(f"storage key {key!r}: segments of A-Z a-z 0-9 . _ - separated by '/', "
                         "each starting with a letter or digit")
    return key


def check_prefix(prefix: str) -> str:
    """A listing prefix: empty, or a key with an optional trailing `/`."""
    if prefix:
        check_key(prefix.rstrip("/") or "/")
    return prefix


def describe(key: str, content: bytes, media_type: str = "application/octet-stream") -> StoredObject:
    return StoredObject(key, hashlib.sha256(content).hexdigest(), len(content), media_type)


def same_or_conflict(stored: StoredObject, new: StoredObject) -> StoredObject:
    """Write-once: a put of what is already there answers it; anything else is refused."""
    if stored.sha256 != new.sha256 or stored.bytes != new.bytes:
        raise ObjectConflict(new.key, stored.sha256, new.sha256)
    return stored


def verified(key: str, content: bytes, recorded: StoredObject, expected_sha256: str | None = None) -> bytes:
    """`content` if it matches what was recorded at put (and what the caller expects); else ObjectCorrupt."""
    actual = hashlib.sha256(content).hexdigest()
    if len(content) != recorded.bytes:
        raise ObjectCorrupt(key, f"{len(content)} bytes, {recorded.bytes} recorded")
    if actual != recorded.sha256:
        raise ObjectCorrupt(key, f"sha256 {actual}, {recorded.sha256} recorded")
    if expected_sha256 is not None and actual != expected_sha256:
        raise ObjectCorrupt(key, f"sha256 {actual}, the caller expects {expected_sha256}")
    return content
