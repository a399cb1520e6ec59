"""Tokens of an external OpenID Connect issuer (gateway.auth.oidc): RFC 8725 checks against the
issuer's JWKS, the mapping to a gateway user (whose role and scope are the gateway's), the JWKS
cache (TTL, one refresh on an unknown kid, rate limit), discovery, and the admin API's
`external_subject`. The keys are generated here; the JWKS is served by a fake fetcher, and once by
a real HTTP server on 127.0.0.1."""
from __future__ import annotations

import base64
import hashlib
import hmac
import http.server
import json
import threading
from dataclasses import replace

import falcon.testing
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from gateway_fakes import SERVICES, MemoryAuthStore
from gateway.api.idempotency import MemoryIdempotencyStore
from gateway.app import create_app
from gateway.auth import oidc as oidc_module
from gateway.auth.errors import InputInvalid, Unauthenticated
from gateway.auth.oidc import DISCOVERY_PATH, IssuerUnavailable, OidcVerifier, check_url
from gateway.auth.service import AuthService
from gateway.auth.store import external_subject_taken
from gateway import settings

EXT_ISSUER = "https://sso.example.go.id/realms/eplanning"
EXT_AUDIENCE = "eplanning-api"
JWKS_URL = "https://sso.example.go.id/realms/eplanning/protocol/openid-connect/certs"
SUBJECT = "f3a1c9e0-7b2d-4c1e-9a55-0d2b6e8f1a77"


# -- keys, tokens and the fake issuer ----------------------------------------------------------------

def rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


RSA_A, RSA_B = rsa_key(), rsa_key()
EC_KEY = ec.generate_private_key(ec.SECP256R1())


def jwk(private_key, kid, **extra):
    public = private_key.public_key()
    algo = RSAAlgorithm if isinstance(public, rsa.RSAPublicKey) else ECAlgorithm
    return {**algo.to_jwk(public, as_dict=True), "kid": kid, "use": "sig", **extra}


def pem(private_key) -> bytes:
    return private_key.public_key().public_bytes(serialization.Encoding.PEM,
                                                 serialization.PublicFormat.SubjectPublicKeyInfo)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64json(value) -> str:
    return b64url(json.dumps(value).encode())


def claims(clock, **overrides):
    now = int(clock().timestamp())
    base = {"iss": EXT_ISSUER, "aud": EXT_AUDIENCE, "sub": SUBJECT, "iat": now, "exp": now + 300,
            "preferred_username": "siti.desa", "email": "siti@example.go.id"}
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def sign(payload, key=RSA_A, kid="a", algorithm="RS256", **headers):
    return jwt.encode(payload, key, algorithm=algorithm, headers={"kid": kid, **headers})


def unsigned(payload, alg="none", kid="a") -> str:
    return f"{b64json({'alg': alg, 'kid': kid, 'typ': 'JWT'})}.{b64json(payload)}."


class FakeIssuer:
    """Serves the JWKS (and the discovery document) to the verifier; counts what it was asked."""

    def __init__(self, *keys):
        self.keys = list(keys)
        self.requests = []
        self.down = False
        self.jwks_down = False  # only the JWKS URL fails
        self.discovery_issuer = EXT_ISSUER

    def __call__(self, url):
        self.requests.append(url)
        if self.down:
            raise OSError("connection refused")
        if url == EXT_ISSUER + DISCOVERY_PATH:
            return {"issuer": self.discovery_issuer, "jwks_uri": JWKS_URL}
        if url == JWKS_URL and not self.jwks_down:
            return {"keys": list(self.keys)}
        raise OSError(f"404 {url}")

    @property
    def jwks_fetches(self):
        return self.requests.count(JWKS_URL)


class Monotonic:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


class OidcStore(MemoryAuthStore):
    """MemoryAuthStore plus the external-subject parts of the store contract (gateway.auth.store)."""

    def user_by_external_subject(self, subject):
        self._check()
        return next((u for u in self.users.values() if u.external_subject == subject), None)

    def insert_user(self, user, actor=None):
        if user.external_subject is not None and self.user_by_external_subject(user.external_subject):
            raise external_subject_taken()
        super().insert_user(user, actor=actor)

    def update_user(self, user_id, changes, now, actor=None, action=None):
        changes = dict(changes)
        external = {"external_subject": changes.pop("external_subject")} if "external_subject" in changes else {}
        user = super().update_user(user_id, changes, now, actor=actor, action=action)
        if user is not None and external:
            self.users[user_id] = user = replace(user, **external)
        return user


# -- fixtures ------------------------------------------------------------------------------------------

@pytest.fixture
def issuer():
    return FakeIssuer(jwk(RSA_A, "a"), jwk(EC_KEY, "ec"))


@pytest.fixture
def monotonic():
    return Monotonic()


@pytest.fixture
def verifier(issuer, clock, monotonic):
    return OidcVerifier(EXT_ISSUER, EXT_AUDIENCE, jwks_url=JWKS_URL, fetch=issuer, clock=clock,
                        monotonic=monotonic, jwks_ttl_seconds=600, min_refresh_seconds=30)


@pytest.fixture
def store():
    return OidcStore()


@pytest.fixture
def auth(store, tokens, passwords, policy, clock, verifier):
    return AuthService(store, tokens, passwords, refresh_ttl_seconds=3600, policy=policy, clock=clock,
                       oidc=verifier)


@pytest.fixture
def app(rpc, broker, auth):
    return create_app(rpc=rpc, broker_check=broker, services=SERVICES, readiness_timeout=2.0, max_body_bytes=4096,
                      auth=auth, idempotency_store=MemoryIdempotencyStore(), deps={})


@pytest.fixture
def client(app):
    return falcon.testing.TestClient(app)


@pytest.fixture
def linked(make_user, store):
    """An operator desa whose external subject is SUBJECT."""
    user = make_user("siti.desa", role="operator_desa", wilayah="12.21.01.2001")
    store.users[user.id] = replace(user, external_subject=SUBJECT)
    return store.users[user.id]


def me(client, token, **headers):
    return client.simulate_get("/v1/auth/me", headers={"Authorization": f"Bearer {token}", **headers})


# -- accepted --------------------------------------------------------------------------------------------

def test_a_valid_external_token_gets_the_gateway_users_role_and_scope(client, linked, clock):
    # whatever role the issuer puts in its token, the gateway's own record decides
    token = sign(claims(clock, role="admin", pemda="99.99", wilayah="99.99.99.9999"))

    result = me(client, token)

    assert result.status_code == 200, result.text
    assert result.json["identity"] == {"sub": linked.id, "role": "operator_desa", "pemda": "12.21",
                                       "wilayah": "12.21.01.2001", "opd": None, "anggota_id": None}


def test_an_es256_token_is_accepted_with_its_p256_key(auth, linked, clock):
    token = sign(claims(clock), key=EC_KEY, kid="ec", algorithm="ES256")

    assert auth.authenticate(token)["sub"] == linked.id


def test_the_gateways_own_tokens_still_work_next_to_the_issuer(client, make_user, bearer, issuer):
    make_user("bappeda1")

    result = client.simulate_get("/v1/auth/me", headers=bearer("bappeda1"))

    assert result.status_code == 200 and result.json["identity"]["role"] == "bappeda"
    assert issuer.requests == []  # our tokens never touch the issuer


def test_a_configured_claim_can_name_the_user(store, tokens, passwords, policy, clock, issuer, monotonic, linked):
    store.users[linked.id] = replace(linked, external_subject="siti@example.go.id")
    verifier = OidcVerifier(EXT_ISSUER, EXT_AUDIENCE, jwks_url=JWKS_URL, fetch=issuer, clock=clock,
                            monotonic=monotonic, subject_claim="email")
    auth = AuthService(store, tokens, passwords, policy=policy, clock=clock, oidc=verifier)

    assert auth.authenticate(sign(claims(clock)))["sub"] == linked.id
    with pytest.raises(Unauthenticated):  # an address the issuer has not verified names nobody
        auth.authenticate(sign(claims(clock, email_verified=False)))
    with pytest.raises(Unauthenticated):
        auth.authenticate(sign(claims(clock, email=None)))


# -- refused: algorithms and keys -------------------------------------------------------------------

def test_hs256_signed_with_the_public_key_is_refused(client, linked, clock):
    """The classic confusion: an HMAC whose secret is the issuer's (public) RSA key."""
    signing_input = f"{b64json({'alg': 'HS256', 'kid': 'a', 'typ': 'JWT'})}.{b64json(claims(clock))}"
    for secret in (pem(RSA_A), json.dumps(jwk(RSA_A, "a")).encode()):
        mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
        result = me(client, f"{signing_input}.{b64url(mac)}")
        assert result.status_code == 401
        assert result.json["code"] == "invalid_token"
        assert 'error="invalid_token"' in result.headers["www-authenticate"]


@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
def test_an_unsigned_token_is_refused(client, linked, clock, alg):
    assert me(client, unsigned(claims(clock), alg=alg)).status_code == 401


def test_an_unsigned_token_is_refused_by_the_verifier_itself(verifier, issuer, clock):
    with pytest.raises(Unauthenticated):
        verifier.verify(unsigned(claims(clock)))
    assert issuer.requests == []  # refused on its algorithm, before any key is looked up


@pytest.mark.parametrize("alg", ["RS384", "RS512", "PS256", "ES384", "HS256", "HS512"])
def test_algorithms_outside_the_fixed_list_are_refused(verifier, clock, alg):
    signing_input = f"{b64json({'alg': alg, 'kid': 'a'})}.{b64json(claims(clock))}"
    with pytest.raises(Unauthenticated):
        verifier.verify(f"{signing_input}.{b64url(b'x' * 64)}")


def test_a_token_signed_by_another_key_under_a_known_kid_is_refused(verifier, clock):
    with pytest.raises(Unauthenticated):
        verifier.verify(sign(claims(clock), key=RSA_B, kid="a"))


def test_the_key_type_must_match_the_algorithm(verifier, clock):
    # an RS256 header naming the EC key's kid (and the reverse) is refused
    with pytest.raises(Unauthenticated):
        verifier.verify(sign(claims(clock), key=RSA_A, kid="ec"))
    with pytest.raises(Unauthenticated):
        verifier.verify(sign(claims(clock), key=EC_KEY, kid="a", algorithm="ES256"))


def test_symmetric_and_private_jwks_entries_are_never_used(clock, monotonic):
    oct_secret = b"s" * 32
    issuer = FakeIssuer({"kty": "oct", "kid": "k", "k": b64url(oct_secret), "alg": "HS256"},
                        {**jwk(RSA_B, "priv"), **RSAAlgorithm.to_jwk(RSA_B, as_dict=True), "kid": "priv"},
                        jwk(RSA_A, "a"))
    verifier = OidcVerifier(EXT_ISSUER, EXT_AUDIENCE, jwks_url=JWKS_URL, fetch=issuer, clock=clock,
                            monotonic=monotonic)

    assert verifier.verify(sign(claims(clock))) == SUBJECT  # the usable key is there
    with pytest.raises(Unauthenticated):
        verifier.verify(jwt.encode(claims(clock), oct_secret, algorithm="HS256", headers={"kid": "k"}))
    with pytest.raises(Unauthenticated):
        verifier.verify(sign(claims(clock), key=RSA_B, kid="priv"))


@pytest.mark.parametrize("typ, accepted", [("JWT", True), ("at+jwt", True), ("application/at+JWT", True),
                                          ("logout+jwt", False), ("secevent+jwt", False), ("dpop+jwt", False)])
def test_explicitly_typed_non_access_tokens_are_refused(verifier, clock, typ, accepted):
    token = sign(claims(clock), typ=typ)
    if accepted:
        assert verifier.verify(token) == SUBJECT
    else:
        with pytest.raises(Unauthenticated):
            verifier.verify(token)


def test_key_urls_in_the_header_are_never_fetched(verifier, issuer, clock):
    token = sign(claims(clock), key=RSA_B, kid="evil", jku="https://attacker.example/jwks.json",
                 x5u="https://attacker.example/cert.pem")
    with pytest.raises(Unauthenticated):
        verifier.verify(token)
    assert set(issuer.requests) == {JWKS_URL}


# -- refused: claims -----------------------------------------------------------------------------------

@pytest.mark.parametrize("missing", ["exp", "iat", "aud", "sub"])
def test_a_token_without_a_required_claim_is_refused(client, linked, clock, missing):
    assert me(client, sign(claims(clock, **{missing: None}))).status_code == 401


def test_a_token_without_iss_is_refused(client, verifier, linked, clock):
    token = sign(claims(clock, iss=None))
    with pytest.raises(Unauthenticated):
        verifier.verify(token)
    assert me(client, token).status_code == 401  # and the gateway's own verifier refuses it too


@pytest.mark.parametrize("claim, value", [("aud", "another-api"), ("aud", ["another-api", "x"]),
                                          ("iss", "https://sso.example.go.id/realms/other"),
                                          ("iss", EXT_ISSUER + "/")])
def test_a_wrong_audience_or_issuer_is_refused(client, verifier, linked, clock, claim, value):
    token = sign(claims(clock, **{claim: value}))
    with pytest.raises(Unauthenticated):
        verifier.verify(token)
    assert me(client, token).status_code == 401


def test_an_audience_list_naming_us_is_accepted(verifier, clock):
    assert verifier.verify(sign(claims(clock, aud=["account", EXT_AUDIENCE]))) == SUBJECT


def test_an_expired_token_is_refused_past_the_leeway(client, linked, clock):
    token = sign(claims(clock))
    clock.advance(300 + 29)
    assert me(client, token).status_code == 200  # within the 30 s leeway
    clock.advance(2)
    result = me(client, token)
    assert result.status_code == 401 and result.json["code"] == "invalid_token"


def test_a_token_from_the_future_is_refused(verifier, clock):
    now = int(clock().timestamp())
    with pytest.raises(Unauthenticated):
        verifier.verify(sign(claims(clock, iat=now + 120, exp=now + 600)))
    with pytest.raises(Unauthenticated):
        verifier.verify(sign(claims(clock, nbf=now + 120)))


def test_non_numeric_times_are_refused(verifier, clock):
    with pytest.raises(Unauthenticated):
        verifier.verify(sign(claims(clock, exp="4102444800")))


# -- the mapping to a gateway user ------------------------------------------------------------------------

def test_an_unknown_external_subject_gets_401(client, linked, clock):
    result = me(client, sign(claims(clock, sub="someone-else")))

    assert result.status_code == 401 and result.json["code"] == "invalid_token"


def test_an_inactive_user_gets_401(client, linked, store, clock):
    store.users[linked.id] = replace(linked, active=False)

    assert me(client, sign(claims(clock))).status_code == 401


def test_a_user_without_an_external_subject_cannot_be_reached_by_username(client, make_user, clock):
    make_user("siti.desa", role="operator_desa", wilayah="12.21.01.2001")  # no external_subject

    assert me(client, sign(claims(clock, sub="siti.desa"))).status_code == 401


# -- the JWKS cache ---------------------------------------------------------------------------------------

def test_the_jwks_is_fetched_once_and_kept_for_its_ttl(verifier, issuer, clock, monotonic):
    for _ in range(5):
        assert verifier.verify(sign(claims(clock))) == SUBJECT
    assert issuer.jwks_fetches == 1

    monotonic.now += 601
    assert verifier.verify(sign(claims(clock))) == SUBJECT
    assert issuer.jwks_fetches == 2


def test_an_unknown_kid_triggers_exactly_one_refresh(verifier, issuer, clock, monotonic):
    assert verifier.verify(sign(claims(clock))) == SUBJECT
    assert issuer.jwks_fetches == 1
    monotonic.now += 60
    issuer.keys.append(jwk(RSA_B, "b"))  # the issuer rotated in a new key

    assert verifier.verify(sign(claims(clock), key=RSA_B, kid="b")) == SUBJECT
    assert issuer.jwks_fetches == 2
    assert verifier.verify(sign(claims(clock), key=RSA_B, kid="b")) == SUBJECT
    assert issuer.jwks_fetches == 2  # known now: no further fetch


def test_refreshes_on_unknown_kids_are_rate_limited(verifier, issuer, clock, monotonic):
    verifier.verify(sign(claims(clock)))
    monotonic.now += 60

    for i in range(10):  # an attacker spraying random kids
        with pytest.raises(Unauthenticated):
            verifier.verify(sign(claims(clock), key=RSA_B, kid=f"random-{i}"))
    assert issuer.jwks_fetches == 2  # the first unknown kid refreshed once; the rest waited

    monotonic.now += 30
    with pytest.raises(Unauthenticated):
        verifier.verify(sign(claims(clock), key=RSA_B, kid="random-x"))
    assert issuer.jwks_fetches == 3


def test_a_refresh_right_after_the_first_fetch_waits(verifier, issuer, clock):
    with pytest.raises(Unauthenticated):  # first use fetches; the unknown kid may not fetch again at once
        verifier.verify(sign(claims(clock), key=RSA_B, kid="b"))
    assert issuer.jwks_fetches == 1


def test_an_unreachable_issuer_is_503_without_keys_and_stale_keys_are_used_with_them(client, verifier, issuer,
                                                                                     linked, clock, monotonic):
    issuer.down = True
    result = me(client, sign(claims(clock)))
    assert result.status_code == 503 and result.headers["retry-after"] == "5"

    issuer.down = False
    monotonic.now += 30
    assert me(client, sign(claims(clock))).status_code == 200

    issuer.down = True
    monotonic.now += 601  # past the TTL: the refresh fails, the keys held are still used
    assert me(client, sign(claims(clock))).status_code == 200
    monotonic.now += 3600  # past the stale grace: no more
    assert me(client, sign(claims(clock))).status_code == 503


# -- discovery ------------------------------------------------------------------------------------------------

def test_without_a_jwks_url_the_discovery_document_names_it(issuer, clock, monotonic):
    verifier = OidcVerifier(EXT_ISSUER, EXT_AUDIENCE, fetch=issuer, clock=clock, monotonic=monotonic)

    assert verifier.verify(sign(claims(clock))) == SUBJECT
    assert issuer.requests == [EXT_ISSUER + DISCOVERY_PATH, JWKS_URL]


def test_a_failing_jwks_url_is_discovered_again(issuer, clock, monotonic):
    verifier = OidcVerifier(EXT_ISSUER, EXT_AUDIENCE, fetch=issuer, clock=clock, monotonic=monotonic)
    issuer.jwks_down = True  # discovery answers, the JWKS it names does not
    with pytest.raises(IssuerUnavailable):
        verifier.verify(sign(claims(clock)))
    assert issuer.requests == [EXT_ISSUER + DISCOVERY_PATH, JWKS_URL]
    issuer.jwks_down = False
    monotonic.now += 30

    assert verifier.verify(sign(claims(clock))) == SUBJECT
    assert issuer.requests[2:] == [EXT_ISSUER + DISCOVERY_PATH, JWKS_URL]  # looked up again, not trusted stale


def test_a_discovery_document_of_another_issuer_is_not_trusted(issuer, clock, monotonic):
    issuer.discovery_issuer = "https://attacker.example"
    verifier = OidcVerifier(EXT_ISSUER, EXT_AUDIENCE, fetch=issuer, clock=clock, monotonic=monotonic)

    with pytest.raises(IssuerUnavailable):
        verifier.verify(sign(claims(clock)))
    assert JWKS_URL not in issuer.requests


def test_a_real_jwks_over_http_on_loopback(clock):
    """The default fetcher (urllib) against a real HTTP server on 127.0.0.1: discovery, then the JWKS."""
    served = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            served.append(self.path)
            if self.path == "/realms/e" + DISCOVERY_PATH:
                body = {"issuer": issuer_url, "jwks_uri": f"{base}/realms/e/certs"}
            elif self.path == "/realms/e/certs":
                body = {"keys": [jwk(RSA_A, "a"), jwk(EC_KEY, "ec")]}
            else:
                self.send_error(404)
                return
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    issuer_url = f"{base}/realms/e"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        verifier = OidcVerifier(issuer_url, EXT_AUDIENCE, clock=clock)
        token = sign(claims(clock, iss=issuer_url), key=EC_KEY, kid="ec", algorithm="ES256")
        assert verifier.handles(token)
        assert verifier.verify(token) == SUBJECT
        with pytest.raises(Unauthenticated):
            verifier.verify(sign(claims(clock, iss=issuer_url), key=RSA_B, kid="a"))
        assert served == ["/realms/e" + DISCOVERY_PATH, "/realms/e/certs"]
    finally:
        server.shutdown()
        server.server_close()


# -- configuration -------------------------------------------------------------------------------------------

def test_urls_must_be_https_except_on_loopback():
    assert check_url("https://sso.example.go.id", "x")
    assert check_url("http://127.0.0.1:8081/realms/e", "x")
    assert check_url("http://localhost/realms/e", "x")
    for url in ("http://sso.example.go.id", "ftp://sso.example.go.id", "sso.example.go.id", ""):
        with pytest.raises(ValueError):
            check_url(url, "x")
    with pytest.raises(ValueError):
        OidcVerifier("http://sso.example.go.id", EXT_AUDIENCE)


def test_the_environment_turns_it_on_only_when_issuer_and_audience_are_both_set(monkeypatch):
    for name in ("GATEWAY_OIDC_ISSUER", "GATEWAY_OIDC_AUDIENCE", "GATEWAY_OIDC_JWKS_URL",
                 "GATEWAY_OIDC_SUBJECT_CLAIM", "GATEWAY_JWT_ISSUER"):
        monkeypatch.delenv(name, raising=False)
    assert settings.oidc_config() is None and OidcVerifier.from_env() is None

    monkeypatch.setenv("GATEWAY_OIDC_ISSUER", EXT_ISSUER)
    with pytest.raises(ValueError):
        settings.oidc_config()

    monkeypatch.setenv("GATEWAY_OIDC_AUDIENCE", EXT_AUDIENCE)
    monkeypatch.setenv("GATEWAY_OIDC_JWKS_URL", JWKS_URL)
    monkeypatch.setenv("GATEWAY_OIDC_SUBJECT_CLAIM", "preferred_username")
    verifier = OidcVerifier.from_env()
    assert (verifier.issuer, verifier.audience, verifier.subject_claim) == (EXT_ISSUER, EXT_AUDIENCE,
                                                                            "preferred_username")

    monkeypatch.setenv("GATEWAY_OIDC_ISSUER", settings.DEFAULT_JWT_ISSUER)
    with pytest.raises(ValueError):  # the gateway's own issuer cannot be the external one
        OidcVerifier.from_env()


def test_only_tokens_naming_the_issuer_are_routed_to_it(verifier, clock, tokens, make_user):
    assert verifier.handles(sign(claims(clock)))
    assert not verifier.handles(sign(claims(clock, iss="https://elsewhere")))
    assert not verifier.handles(tokens.issue(make_user("bappeda1"))[0])
    assert not verifier.handles("not-a-jwt") and not verifier.handles("a.b.c")
    assert not oidc_module.unverified_issuer("x" * 20_000)


# -- the admin API sets external_subject ------------------------------------------------------------------------

@pytest.fixture
def as_admin(make_user, bearer):
    make_user("admin", role="admin")
    return bearer("admin")


def test_the_admin_links_a_user_to_an_external_subject_which_then_signs_in(client, as_admin, clock):
    created = client.simulate_post("/v1/admin/users", headers=as_admin, json={
        "username": "siti.desa", "password": "kata-sandi-awal-9876", "role": "operator_desa",
        "wilayah": "12.21.01.2001"})
    assert created.status_code == 201, created.text
    assert "external_subject" not in created.json
    assert me(client, sign(claims(clock))).status_code == 401  # not linked yet

    patched = client.simulate_patch(f"/v1/admin/users/{created.json['id']}", headers=as_admin,
                                    json={"external_subject": SUBJECT})
    assert patched.status_code == 200, patched.text
    assert patched.json["external_subject"] == SUBJECT
    result = me(client, sign(claims(clock)))
    assert result.status_code == 200 and result.json["identity"]["sub"] == created.json["id"]

    unlinked = client.simulate_patch(f"/v1/admin/users/{created.json['id']}", headers=as_admin,
                                     json={"external_subject": None})
    assert unlinked.status_code == 200 and "external_subject" not in unlinked.json
    assert me(client, sign(claims(clock))).status_code == 401


def test_an_external_subject_belongs_to_one_user(client, as_admin, linked):
    result = client.simulate_post("/v1/admin/users", headers=as_admin, json={
        "username": "other.desa", "password": "kata-sandi-awal-9876", "role": "operator_desa",
        "wilayah": "12.21.01.2002", "external_subject": SUBJECT})

    assert result.status_code == 422
    assert result.json["errors"][0]["field"] == "external_subject"
    assert result.json["errors"][0]["code"] == "external_subject_taken"


@pytest.mark.parametrize("value", ["with space", "", "x" * 256, 42])
def test_a_malformed_external_subject_is_refused(client, as_admin, linked, value):
    result = client.simulate_patch(f"/v1/admin/users/{linked.id}", headers=as_admin,
                                   json={"external_subject": value})

    assert result.status_code == 422 and result.json["errors"][0]["field"] == "external_subject"


def test_the_store_contract_error_is_a_field_error():
    error = external_subject_taken()
    assert isinstance(error, InputInvalid) and error.errors[0].code == "external_subject_taken"
