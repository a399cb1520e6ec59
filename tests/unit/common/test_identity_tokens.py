"""Signed RPC identities (eplanning_common.identity_tokens), pure: keys in a temporary folder."""
import os
import stat
import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from eplanning_common import audit
from eplanning_common.identity_tokens import (
    IdentityRefused, IdentitySigner, IdentityVerifier, KeysMissing, generate_keys, key_id, public_pem,
)

BAPPEDA = {"sub": "u1", "role": "bappeda", "pemda": "12.21"}


@pytest.fixture
def keys(tmp_path):
    generate_keys(tmp_path)
    return tmp_path


def reason(verifier, token, service="musrenbang", method="list_usulan", rid="r1"):
    with pytest.raises(IdentityRefused) as caught:
        verifier.verify(token, service, method, rid)
    return caught.value.reason


def test_generate_keys_is_idempotent_and_the_private_keys_are_mode_600(keys):
    assert generate_keys(keys) == []
    for issuer in ("gateway", "rkpd"):
        assert stat.S_IMODE(os.stat(keys / f"{issuer}.key").st_mode) == 0o600
        assert (keys / f"{issuer}.pub").read_bytes().startswith(b"-----BEGIN PUBLIC KEY-----")


def test_a_gateway_token_verifies_for_its_service_method_and_request_only(keys):
    signer, verifier = IdentitySigner.from_keys_dir("gateway", keys), IdentityVerifier.from_keys_dir(keys)
    token = signer.sign(BAPPEDA, "musrenbang", "r1", ttl=10)
    verified = verifier.verify(token, "musrenbang", "list_usulan", "r1")
    assert verified.identity == {**BAPPEDA, "wilayah": None, "opd": None, "anggota_id": None}
    assert (verified.issuer, verified.kid) == ("gateway", signer.kid)
    assert reason(verifier, token, service="pokir") == "wrong_audience"
    assert reason(verifier, token, rid="r2") == "request_mismatch"
    assert reason(verifier, token, rid=None) == "request_mismatch"
    assert reason(verifier, "not-a-token") == "malformed"
    assert reason(verifier, token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")) == "bad_signature"


def test_expired_too_long_lived_foreign_and_other_algorithm_tokens_are_refused(keys):
    signer, verifier = IdentitySigner.from_keys_dir("gateway", keys), IdentityVerifier.from_keys_dir(keys)
    now = int(time.time())
    base = {**BAPPEDA, "iss": "gateway", "aud": "musrenbang", "rid": "r1"}
    key = signer._key
    assert reason(verifier, jwt.encode({**base, "iat": now - 60, "exp": now - 30}, key, "EdDSA",
                                       headers={"kid": signer.kid})) == "expired"
    assert reason(verifier, jwt.encode({**base, "iat": now, "exp": now + 3600}, key, "EdDSA",
                                       headers={"kid": signer.kid})) == "lifetime"
    stranger = Ed25519PrivateKey.generate()
    assert reason(verifier, jwt.encode({**base, "iat": now, "exp": now + 5}, stranger, "EdDSA",
                                       headers={"kid": key_id(stranger.public_key())})) == "unknown_key"
    assert reason(verifier, jwt.encode({**base, "iat": now, "exp": now + 5}, "a-shared-secret-of-at-least-32-bytes!", "HS256",
                                       headers={"kid": signer.kid})) == "algorithm"
    assert reason(verifier, jwt.encode({**base, "iss": "rkpd", "iat": now, "exp": now + 5}, key, "EdDSA",
                                       headers={"kid": signer.kid})) == "wrong_issuer"


def test_rotation_two_public_keys_of_one_issuer_are_trusted_at_once(keys):
    old = IdentitySigner.from_keys_dir("gateway", keys)
    new_key = Ed25519PrivateKey.generate()
    with open(keys / "gateway.pub", "ab") as out:
        out.write(public_pem(new_key.public_key()))
    verifier = IdentityVerifier.from_keys_dir(keys)
    new = IdentitySigner("gateway", new_key)
    for signer in (old, new):
        assert verifier.verify(signer.sign(BAPPEDA, "renja", "r", 5), "renja", "list_opd", "r").kid == signer.kid


def test_rkpd_signs_only_its_service_identity_and_only_for_its_granted_reads(keys):
    rkpd, verifier = IdentitySigner.from_keys_dir("rkpd", keys), IdentityVerifier.from_keys_dir(keys)
    me = {"sub": "service:rkpd", "role": "service_rkpd", "pemda": "12.21"}
    identity = verifier.verify(rkpd.sign(me, "pokir", "r", 5), "pokir", "list_pokir", "r").identity
    assert identity["role"] == "bappeda" and identity["service"] == "rkpd" and identity["sub"] == "service:rkpd"
    assert audit.actor_for(identity) == {"type": "service", "service": "rkpd", "sub": "service:rkpd",
                                         "role": "service_rkpd", "pemda": "12.21"}
    assert reason(verifier, rkpd.sign(me, "pokir", "r", 5), "pokir", "act_on_pokir", "r") == "not_granted"
    assert reason(verifier, rkpd.sign(BAPPEDA, "pokir", "r", 5), "pokir", "list_pokir", "r") == "not_granted"
    gateway = IdentitySigner.from_keys_dir("gateway", keys)
    assert reason(verifier, gateway.sign(me, "pokir", "r", 5), "pokir", "list_pokir", "r") == "not_granted"


def test_missing_keys_stop_the_component_with_a_clear_message(tmp_path):
    with pytest.raises(KeysMissing, match="gateway.pub"):
        IdentityVerifier.from_keys_dir(tmp_path)
    with pytest.raises(KeysMissing, match="rkpd.key"):
        IdentitySigner.from_keys_dir("rkpd", tmp_path)
