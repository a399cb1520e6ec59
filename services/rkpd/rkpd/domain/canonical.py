"""Canonical JSON and SHA-256 (the same rules as the stage services; a small copy).

UTF-8, keys sorted, separators (",", ":"), ensure_ascii=False, no NaN; values limited to str,
int, bool, None, list/tuple and dict with str keys. Floats and Decimals are refused here: the
document writes every number that is not a count as text itself ("1500000.00", "12.5").
"""
from __future__ import annotations

import hashlib
import json


def _check(value: object) -> object:
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, (list, tuple)):
        return [_check(v) for v in value]
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise TypeError("Kunci objek JSON kanonik harus string")
        return {k: _check(v) for k, v in value.items()}
    raise TypeError(f"Tipe {type(value).__name__} tidak didukung JSON kanonik")


def canonical_json(value: object) -> bytes:
    return json.dumps(_check(value), sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False, allow_nan=False).encode("utf-8")


def sha256_hex(value: object) -> str:
    """Hex SHA-256 of canonical_json(value)."""
    return hashlib.sha256(canonical_json(value)).hexdigest()
