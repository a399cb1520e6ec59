"""Access tokens (RFC 8725 validation), refresh-token hashing and the generated signing key."""
import base64
import json
import os
import stat
from datetime import timedelta

import jwt
import pytest

from gateway_fakes import AUDIENCE, ISSUER, SECRET
from gateway.auth.errors import Unauthenticated
from gateway.auth.tokens import (
    AccessTokens, hash_refresh_token, load_or_create_secret, new_refresh_token,
)
from gateway.auth.users import User


def user(**overrides):
    fields = dict(id="3f1c2d9e-0000-4000-8000-000000000001", username="desa1", password_hash="x",
                  role="operator_desa", pemda="12.21", wilayah="12.21.01.2001", opd=None, anggota_id=None,
                  active=True, created_at=None, updated_at=None)
    fields.update(overrides)
    return User(**fields)


def claims(clock, **overrides):
    now = int(clock().timestamp())
    base = {"iss": ISSUER, "aud": AUDIENCE, "sub": "u-1", "iat": now, "exp": now + 900, "jti": "j1",
            "role": "bappeda", "pemda": "12.21"}
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def sign(payload, key=SECRET, algorithm="HS256", typ="at+jwt"):
    return jwt.encode(payload, key, algorithm=algorithm, headers={"typ": typ})


def b64(data):
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_an_issued_token_verifies_to_the_users_identity(tokens):
    token, expires_in = tokens.issue(user())

    assert expires_in == 900
    assert tokens.verify(token) == {"sub": "3f1c2d9e-0000-4000-8000-000000000001", "role": "operator_desa",
                                    "pemda": "12.21", "wilayah": "12.21.01.2001", "opd": None, "anggota_id": None}


def test_an_issued_token_has_the_required_claims_and_explicit_type(tokens, clock):
    token, _ = tokens.issue(user())

    header = jwt.get_unverified_header(token)
    payload = jwt.decode(token, options={"verify_signature": False})
    assert header["alg"] == "HS256" and header["typ"] == "at+jwt"
    assert payload["iss"] == ISSUER and payload["aud"] == AUDIENCE
    assert payload["exp"] - payload["iat"] == 900
    assert payload["iat"] == int(clock().timestamp())
    assert payload["jti"] and payload["preferred_username"] == "desa1"


def test_alg_none_is_refused(tokens, clock):
    header = {"alg": "none", "typ": "at+jwt"}
    unsigned = f"{b64(header)}.{b64(claims(clock))}."

    with pytest.raises(Unauthenticated) as caught:
        tokens.verify(unsigned)
    assert caught.value.code == "invalid_token"


@pytest.mark.parametrize("algorithm", ["HS384", "HS512"])
def test_another_algorithm_is_refused_even_with_the_right_key(tokens, clock, algorithm):
    with pytest.raises(Unauthenticated):
        tokens.verify(sign(claims(clock), algorithm=algorithm))


def test_a_token_signed_with_another_key_is_refused(tokens, clock):
    with pytest.raises(Unauthenticated):
        tokens.verify(sign(claims(clock), key=b"another-secret-another-secret-0123456789"))


def test_the_right_token_passes_so_the_refusals_above_are_meaningful(tokens, clock):
    assert tokens.verify(sign(claims(clock)))["sub"] == "u-1"


@pytest.mark.parametrize("override", [
    {"aud": "urn:someone:else"}, {"iss": "https://evil.example"}, {"aud": None}, {"iss": None},
    {"exp": None}, {"iat": None}, {"sub": None}, {"jti": None}, {"role": "root"}, {"pemda": None},
])
def test_wrong_or_missing_claims_are_refused(tokens, clock, override):
    with pytest.raises(Unauthenticated):
        tokens.verify(sign(claims(clock, **override)))


def test_a_token_of_another_type_is_refused(tokens, clock):
    with pytest.raises(Unauthenticated):
        tokens.verify(sign(claims(clock), typ="JWT"))


def test_expiry_is_checked_against_the_injected_clock_with_a_small_leeway(tokens, clock):
    token, _ = tokens.issue(user())

    clock.advance(900 + 29)
    assert tokens.verify(token)["role"] == "operator_desa"  # within the 30 s leeway
    clock.advance(1)
    with pytest.raises(Unauthenticated):
        tokens.verify(token)


def test_a_token_issued_in_the_future_is_refused(tokens, clock):
    now = int(clock().timestamp())
    with pytest.raises(Unauthenticated):
        tokens.verify(sign(claims(clock, iat=now + 120, exp=now + 1000)))
    with pytest.raises(Unauthenticated):
        tokens.verify(sign(claims(clock, nbf=now + 120)))


def test_a_token_living_longer_than_we_issue_is_refused(tokens, clock):
    now = int(clock().timestamp())
    with pytest.raises(Unauthenticated):
        tokens.verify(sign(claims(clock, exp=now + 30 * 24 * 3600)))


def test_garbage_and_oversized_tokens_are_refused(tokens):
    for bad in ("", "abc", "a.b.c", "x" * 5000):
        with pytest.raises(Unauthenticated):
            tokens.verify(bad)


def test_a_short_key_is_refused(clock):
    tokens = AccessTokens(b"short", issuer=ISSUER, audience=AUDIENCE, ttl_seconds=900, clock=clock)
    with pytest.raises(ValueError):
        tokens.issue(user())


def test_refresh_tokens_are_256_bit_random_and_stored_as_sha256(tokens):
    first, second = new_refresh_token(), new_refresh_token()

    assert first != second
    assert len(base64.urlsafe_b64decode(first + "=")) == 32
    assert hash_refresh_token(first) == hash_refresh_token(first)
    assert len(hash_refresh_token(first)) == 64 and first not in hash_refresh_token(first)


def test_the_generated_signing_key_is_private_stable_and_long(tmp_path):
    path = tmp_path / "var" / "gateway-jwt-secret"

    first = load_or_create_secret(path)
    second = load_or_create_secret(path)

    assert first == second and len(first) >= 32
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["gateway-jwt-secret"]  # no temporary file left


def test_a_key_file_that_is_too_short_is_refused(tmp_path):
    path = tmp_path / "gateway-jwt-secret"
    path.write_text("short\n")
    with pytest.raises(ValueError):
        load_or_create_secret(path)


def test_the_key_is_read_lazily_from_a_provider(clock):
    calls = []

    def provider():
        calls.append(1)
        return SECRET

    tokens = AccessTokens(provider, issuer=ISSUER, audience=AUDIENCE, ttl_seconds=900, clock=clock)
    assert calls == []
    token, _ = tokens.issue(user())
    tokens.verify(token)
    assert calls == [1]


def test_a_clock_step_backwards_does_not_accept_a_token_from_too_far_ahead(tokens, clock):
    token, _ = tokens.issue(user())
    clock.now -= timedelta(seconds=31)  # the token's iat is now 31 s in the future
    with pytest.raises(Unauthenticated):
        tokens.verify(token)
