"""Webhook signatures (pure: no I/O, no clock of its own).

Every delivery carries

    Webhook-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(key, "<t>." + body)>

key: the subscription's secret exactly as shown at creation (`whsec_...`), as UTF-8 bytes.
body: the raw request body bytes, before any JSON parsing (re-serialising changes the bytes).
The timestamp is signed with the body, so a captured request cannot be replayed later than the
receiver's tolerance (default 5 minutes); each attempt is signed anew with its own `t`. A header
may carry several `v1=` values (e.g. while a secret is being rotated): one matching is enough.
Comparison is constant-time (`hmac.compare_digest`).

Receiver side, in Python (the same code as `verify` below):

    import hashlib, hmac, time
    def verify(secret: str, header: str, body: bytes, tolerance: int = 300) -> bool:
        items = [p.split("=", 1) for p in header.split(",") if "=" in p]
        t = next((v for k, v in items if k.strip() == "t"), None)
        if t is None or not t.isdigit() or abs(time.time() - int(t)) > tolerance:
            return False
        expected = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
        return any(hmac.compare_digest(expected, v.strip()) for k, v in items if k.strip() == "v1")
"""
from __future__ import annotations

import hashlib
import hmac
import secrets

HEADER = "Webhook-Signature"
SCHEME = "v1"
DEFAULT_TOLERANCE_SECONDS = 300
SECRET_PREFIX = "whsec_"


class SignatureError(ValueError):
    """Why a signature does not verify (malformed, too old, or no matching v1)."""


def new_secret() -> str:
    """256 random bits, URL-safe: `whsec_` + 43 characters."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """hex HMAC-SHA256 of `<timestamp>.<body>` under the secret's UTF-8 bytes."""
    if not isinstance(body, (bytes, bytearray)):
        raise TypeError("sign the raw body bytes")
    message = str(int(timestamp)).encode("ascii") + b"." + bytes(body)
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The Webhook-Signature header value for this body at this time."""
    return f"t={int(timestamp)},{SCHEME}={signature(secret, timestamp, body)}"


def parse(header: str) -> tuple[int, list[str]]:
    """(timestamp, [v1 signatures]) of a header value; SignatureError if it is not one."""
    timestamp, found = None, []
    for part in (header or "").split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            continue
        if key == "t":
            if not value.isdigit() or timestamp is not None:
                raise SignatureError("malformed timestamp")
            timestamp = int(value)
        elif key == SCHEME:
            found.append(value.strip())
    if timestamp is None:
        raise SignatureError("no timestamp")
    if not found:
        raise SignatureError(f"no {SCHEME} signature")
    return timestamp, found


def verify(secret: str, header: str, body: bytes, now: float,
           tolerance: int = DEFAULT_TOLERANCE_SECONDS) -> int:
    """Check a Webhook-Signature header; returns its timestamp, raises SignatureError otherwise.

    `now` is the receiver's clock (unix seconds); a timestamp further than `tolerance` seconds from
    it, in either direction, is refused before any HMAC is compared."""
    timestamp, candidates = parse(header)
    if abs(now - timestamp) > tolerance:
        raise SignatureError("timestamp outside the tolerance window")
    expected = signature(secret, timestamp, body)
    # compare against every candidate (no early exit on the first match changes nothing secret)
    matched = False
    for candidate in candidates:
        matched |= hmac.compare_digest(expected, candidate)
    if not matched:
        raise SignatureError("signature does not match")
    return timestamp
