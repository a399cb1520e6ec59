"""Canonical JSON and SHA-256 digests, reusable by any service that must agree on a digest.

canonical_json: UTF-8, keys sorted, no whitespace, no NaN; values limited to str, int, bool,
None, list/tuple, dict with str keys, and Decimal written as text without exponent or trailing
zeros (callers that need a fixed format, like money, pass the text themselves). Floats are
refused: their text is not portable. For ASCII keys this matches RFC 8785 (JCS) output.
"""
from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from enum import Enum

from .money import decimal_text


def _prepare(value: object) -> object:
    if isinstance(value, Enum):
        value = value.value
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError("Decimal tak hingga/NaN tidak dapat dikanonikkan")
        return decimal_text(value)
    if isinstance(value, (list, tuple)):
        return [_prepare(v) for v in value]
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise TypeError("Kunci objek JSON kanonik harus string")
        return {k: _prepare(v) for k, v in value.items()}
    raise TypeError(f"Tipe {type(value).__name__} tidak didukung JSON kanonik")


def canonical_json(value: object) -> bytes:
    return json.dumps(_prepare(value), sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False, allow_nan=False).encode("utf-8")


def sha256_hex(value: object) -> str:
    """Hex SHA-256 of canonical_json(value)."""
    return hashlib.sha256(canonical_json(value)).hexdigest()
