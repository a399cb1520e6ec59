"""MemoryStore: the in-memory DocumentStore for unit tests (same rules as the real adapters)."""
from __future__ import annotations

from .port import ObjectMissing, StoredObject, check_key, check_prefix, describe, same_or_conflict, verified


class MemoryStore:
    kind = "memory"

    def __init__(self):
        self.objects: dict[str, tuple[StoredObject, bytes]] = {}

    def put(self, key: str, content: bytes, media_type: str = "application/octet-stream") -> StoredObject:
        new = describe(check_key(key), bytes(content), media_type)
        if key in self.objects:
            return same_or_conflict(self.objects[key][0], new)
        self.objects[key] = (new, bytes(content))
        return new

    def get(self, key: str, sha256: str | None = None) -> bytes:
        check_key(key)
        if key not in self.objects:
            raise ObjectMissing(key)
        recorded, content = self.objects[key]
        return verified(key, content, recorded, sha256)

    def head(self, key: str) -> StoredObject | None:
        found = self.objects.get(check_key(key))
        return None if found is None else found[0]

    def list(self, prefix: str = "") -> list[str]:
        check_prefix(prefix)
        return sorted(k for k in self.objects if k.startswith(prefix))

    def delete(self, key: str) -> bool:
        return self.objects.pop(check_key(key), None) is not None

    def corrupt(self, key: str, content: bytes) -> None:
        """Test helper: replace the bytes behind the record (what a disk or an operator might do)."""
        recorded, _ = self.objects[key]
        self.objects[key] = (recorded, content)
