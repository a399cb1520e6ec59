"""Webhook signatures: the header format, verification, the tolerance window, and the Python
snippet the README gives partners (run here against a real signature)."""
from __future__ import annotations

import hashlib
import hmac
import re
from pathlib import Path

import pytest

from gateway.webhooks import signing
from gateway.webhooks.signing import SignatureError

SECRET = "whsec_test-secret"
BODY = '{"specversion":"1.0","id":"1f0e2d3c-4b5a-4697-8877-665544332211","data":{"nama":"Jalan desa é"}}'.encode()
T = 1_800_000_000
README = Path(__file__).resolve().parents[3] / "services" / "gateway" / "README.md"


def test_the_header_is_t_and_the_hex_hmac_of_timestamp_dot_body():
    expected = hmac.new(SECRET.encode(), b"1800000000." + BODY, hashlib.sha256).hexdigest()
    assert signing.sign(SECRET, T, BODY) == f"t=1800000000,v1={expected}"


def test_a_signature_verifies_within_the_window():
    header = signing.sign(SECRET, T, BODY)
    assert signing.verify(SECRET, header, BODY, now=T) == T
    assert signing.verify(SECRET, header, BODY, now=T + 300) == T
    assert signing.verify(SECRET, header, BODY, now=T - 300) == T


@pytest.mark.parametrize("now", [T + 301, T - 301, T + 86_400])
def test_an_old_or_future_timestamp_is_refused(now):
    with pytest.raises(SignatureError, match="tolerance"):
        signing.verify(SECRET, signing.sign(SECRET, T, BODY), BODY, now=now)


def test_a_changed_body_secret_or_timestamp_does_not_verify():
    header = signing.sign(SECRET, T, BODY)
    with pytest.raises(SignatureError, match="does not match"):
        signing.verify(SECRET, header, BODY.replace(b"desa", b"kota"), now=T)
    with pytest.raises(SignatureError, match="does not match"):
        signing.verify(SECRET + "x", header, BODY, now=T)
    moved = header.replace(f"t={T}", f"t={T + 1}")  # the timestamp is signed too
    with pytest.raises(SignatureError, match="does not match"):
        signing.verify(SECRET, moved, BODY, now=T)


def test_one_matching_signature_of_several_is_enough():
    good = signing.signature(SECRET, T, BODY)
    assert signing.verify(SECRET, f"t={T},v1={'0' * 64},v1={good}", BODY, now=T) == T


@pytest.mark.parametrize("header, reason", [
    ("", "no timestamp"), (f"v1={'a' * 64}", "no timestamp"), (f"t={T}", "no v1"),
    (f"t=abc,v1={'a' * 64}", "malformed"), (f"t={T},t={T},v1={'a' * 64}", "malformed"),
    (f"t=-{T},v1={'a' * 64}", "malformed"),
])
def test_malformed_headers_are_refused(header, reason):
    with pytest.raises(SignatureError, match=reason):
        signing.verify(SECRET, header, BODY, now=T)


def test_the_body_must_be_bytes():
    with pytest.raises(TypeError):
        signing.sign(SECRET, T, BODY.decode())


def test_secrets_are_long_random_and_prefixed():
    secrets = {signing.new_secret() for _ in range(50)}
    assert len(secrets) == 50
    assert all(re.fullmatch(r"whsec_[A-Za-z0-9_-]{43}", s) for s in secrets)


def _readme_snippet() -> str:
    text = README.read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    (snippet,) = [b for b in blocks if "def verify_webhook" in b]
    return snippet


def test_the_readme_verification_snippet_accepts_ours_and_refuses_a_forgery():
    namespace: dict = {}
    exec(compile(_readme_snippet(), "README snippet", "exec"), namespace)  # noqa: S102 - our own README
    verify = namespace["verify_webhook"]
    import time

    now = int(time.time())
    header = signing.sign(SECRET, now, BODY)
    assert verify(SECRET, header, BODY) is True
    assert verify(SECRET, header, BODY + b" ") is False
    assert verify("whsec_other", header, BODY) is False
    assert verify(SECRET, signing.sign(SECRET, now - 3600, BODY), BODY) is False
    assert verify(SECRET, "garbage", BODY) is False
