"""Canonical JSON and SHA-256 digests: the shared rules (eplanning_common.domainkit.canonical)."""
from eplanning_common.domainkit.canonical import canonical_json, sha256_hex  # noqa: F401
