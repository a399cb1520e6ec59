"""POST /v1/auth/login, /refresh, /logout, /password, GET /v1/auth/me and the Authenticated middleware."""
import falcon
import falcon.testing
import pytest

from gateway_fakes import PASSWORD
from eplanning_common.logs import reset_correlation_id, set_correlation_id
from gateway.app import create_app
from gateway.auth.tokens import hash_refresh_token
from gateway.identity import get_identity
from gateway.problems import PROBLEM_CONTENT_TYPE
from gateway.rpc import default_context


# -- login --------------------------------------------------------------------------------------------

def test_login_answers_a_bearer_token_pair_and_stores_only_the_refresh_hash(make_user, login, store, tokens):
    user = make_user("kec.sosopan", role="operator_kecamatan", wilayah="12.21.01")

    result = login("kec.sosopan")

    assert result.status_code == 200, result.text
    body = result.json
    assert set(body) == {"access_token", "token_type", "expires_in", "refresh_token", "refresh_expires_in"}
    assert body["token_type"] == "Bearer" and body["expires_in"] == 900
    assert result.headers["cache-control"] == "no-store"
    assert tokens.verify(body["access_token"]) == {"sub": user.id, "role": "operator_kecamatan", "pemda": "12.21",
                                                   "wilayah": "12.21.01", "opd": None, "anggota_id": None}
    (stored,) = store.live_tokens(user.id)
    assert body["refresh_token"] not in str(stored) and len(stored["token_hash"]) == 64


def test_login_usernames_are_case_insensitive(make_user, login):
    make_user("bappeda1")
    assert login("  BAPPEDA1 ").status_code == 200


@pytest.mark.parametrize("who, password", [("bappeda1", "salah-salah-salah"), ("nobody", PASSWORD),
                                           ("nonaktif", PASSWORD)])
def test_bad_password_unknown_user_and_inactive_user_get_the_same_401(make_user, login, who, password):
    make_user("bappeda1")
    make_user("nonaktif", active=False)

    result = login(who, password)

    assert result.status_code == 401
    assert result.headers["content-type"] == PROBLEM_CONTENT_TYPE
    assert result.json["code"] == "invalid_credentials"
    assert result.json["detail"] == "Nama pengguna atau kata sandi salah."
    assert result.headers["www-authenticate"].startswith("Bearer")
    assert "access_token" not in result.json


class SpyHasher:
    def __init__(self, hasher):
        self.hasher, self.verified = hasher, []

    def hash(self, password):
        return self.hasher.hash(password)

    def verify(self, password_hash, password):
        self.verified.append(password_hash)
        return self.hasher.verify(password_hash, password)

    def check_needs_rehash(self, password_hash):
        return self.hasher.check_needs_rehash(password_hash)


def test_an_unknown_user_costs_one_argon2_verification_like_a_known_one(make_user, login, passwords):
    make_user("bappeda1")
    passwords.hasher = spy = SpyHasher(passwords.hasher)
    verified = spy.verified

    login("bappeda1", "salah-salah-salah")
    login("nobody", "salah-salah-salah")

    assert len(verified) == 2
    assert verified[1].startswith("$argon2id$") and verified[1] != verified[0]  # the dummy hash


def test_login_refuses_unknown_fields_and_reports_each_field(login, client):
    result = client.simulate_post("/v1/auth/login", json={"username": "a", "role": "admin"})

    assert result.status_code == 422
    assert result.headers["content-type"] == PROBLEM_CONTENT_TYPE
    errors = {e["field"]: e for e in result.json["errors"]}
    assert errors["role"]["code"] == "unknown_field"
    assert errors["password"]["code"] == "required"
    assert errors["password"]["message"] == "Wajib diisi."


def test_field_errors_are_in_english_when_asked(client):
    result = client.simulate_post("/v1/auth/login", json={"username": 5, "password": "x"},
                                  headers={"Accept-Language": "en-US,en;q=0.9,id;q=0.5"})

    assert result.status_code == 422
    assert result.json["title"] == "Invalid data"
    assert result.json["errors"] == [{"field": "username", "message": "Must be a string.", "code": "type_string"}]
    assert result.headers["content-language"] == "en"


def test_indonesian_stays_the_default_when_it_is_preferred(client):
    result = client.simulate_post("/v1/auth/login", json={}, headers={"Accept-Language": "id, en;q=0.8"})

    assert result.json["title"] == "Data tidak valid"
    assert result.headers["content-language"] == "id"


@pytest.mark.parametrize("body, kwargs", [(b"[1, 2]", {}), (b"", {})])
def test_a_body_that_is_not_an_object_is_refused(client, body, kwargs):
    result = client.simulate_post("/v1/auth/login", body=body, headers={"Content-Type": "application/json"})

    assert result.status_code == 422
    assert result.json["errors"][0]["code"] == "not_object"


def test_malformed_json_is_a_400_problem(client):
    result = client.simulate_post("/v1/auth/login", body=b"{nope", headers={"Content-Type": "application/json"})

    assert result.status_code == 400
    assert result.headers["content-type"] == PROBLEM_CONTENT_TYPE


# -- usernames per pemda (issue #18 finding 9) ------------------------------------------------------

def test_a_sign_in_names_its_pemda_and_without_one_the_default_pemda_is_meant(make_user, login, client, bearer):
    ours = make_user("bappeda")  # 12.21: the default pemda (GATEWAY_DEFAULT_PEMDA, else GATEWAY_ADMIN_PEMDA)
    theirs = make_user("bappeda", pemda="12.22", password="kata-sandi-tapsel-1")

    def me(headers):
        return client.simulate_get("/v1/auth/me", headers=headers).json["identity"]

    assert me(bearer("bappeda"))["sub"] == ours.id
    assert me(bearer("bappeda", pemda="12.21"))["sub"] == ours.id
    assert me(bearer("bappeda", "kata-sandi-tapsel-1", pemda="12.22"))["sub"] == theirs.id
    assert login("bappeda", "kata-sandi-tapsel-1").status_code == 401
    assert login("bappeda", pemda="12.22").status_code == 401


def test_users_from_before_per_pemda_usernames_still_sign_in_without_their_pemda(make_user, login):
    make_user("bappeda.tapsel", pemda="12.22", global_username=True)  # migration 0006 marked it
    make_user("dinkes.tapsel", pemda="12.22")  # created since: names its pemda

    assert login("bappeda.tapsel").status_code == 200
    assert login("bappeda.tapsel", pemda="12.22").status_code == 200
    assert login("dinkes.tapsel").status_code == 401
    assert login("dinkes.tapsel", pemda="12.22").status_code == 200


def test_the_default_pemdas_own_user_comes_before_an_older_name_elsewhere(make_user, login):
    make_user("operator1", pemda="12.22", global_username=True, password="kata-sandi-tapsel-1")
    make_user("operator1")  # 12.21, created since

    assert login("operator1").status_code == 200
    assert login("operator1", "kata-sandi-tapsel-1").status_code == 401
    assert login("operator1", "kata-sandi-tapsel-1", pemda="12.22").status_code == 200


def test_the_pemda_of_a_sign_in_must_be_a_pemda_code(login):
    result = login("bappeda", pemda="1221")

    assert result.status_code == 422 and result.json["errors"][0] == {
        "field": "pemda", "code": "format_pemda", "message": result.json["errors"][0]["message"]}


# -- rate limiting ------------------------------------------------------------------------------------

def test_five_failures_block_the_account_with_429_and_retry_after_then_it_recovers(make_user, login, clock):
    make_user("bappeda1")
    for _ in range(5):
        assert login("bappeda1", "salah-salah-salah").status_code == 401
        clock.advance(10)

    blocked = login("bappeda1")  # even the right password is not checked now

    assert blocked.status_code == 429
    assert blocked.headers["content-type"] == PROBLEM_CONTENT_TYPE
    # the oldest failure leaves the 900 s window 40 s from now
    assert blocked.headers["retry-after"] == "850"
    assert blocked.json["retry_after"] == 850 and "850" in blocked.json["detail"]

    clock.advance(849)
    assert login("bappeda1").status_code == 429
    clock.advance(1)
    assert login("bappeda1").status_code == 200


def test_blocked_attempts_do_not_extend_the_block(make_user, login, clock):
    make_user("bappeda1")
    for _ in range(5):
        login("bappeda1", "salah-salah-salah")
    for _ in range(10):
        clock.advance(60)
        assert login("bappeda1", "salah-salah-salah").status_code == 429
    clock.advance(300)  # 900 s after the five failures
    assert login("bappeda1").status_code == 200


def test_a_success_restarts_the_account_counter(make_user, login):
    make_user("bappeda1")
    for _ in range(4):
        login("bappeda1", "salah-salah-salah")
    assert login("bappeda1").status_code == 200
    for _ in range(4):
        assert login("bappeda1", "salah-salah-salah").status_code == 401
    assert login("bappeda1").status_code == 200


def test_the_account_limit_applies_to_unknown_usernames_too(login):
    for _ in range(5):
        assert login("ghost", "x").status_code == 401
    assert login("ghost", "x").status_code == 429


def test_the_limit_of_another_account_is_separate(make_user, login):
    make_user("bappeda1")
    make_user("bappeda2")
    for _ in range(5):
        login("bappeda1", "salah-salah-salah")

    assert login("bappeda1").status_code == 429
    assert login("bappeda2").status_code == 200


def proxied_login(client, username, password=PASSWORD, client_address="198.51.100.7"):
    """A login through the ingress (peer 10.0.0.1), which appends the client's address to X-Forwarded-For."""
    return client.simulate_post("/v1/auth/login", json={"username": username, "password": password},
                                remote_addr="10.0.0.1", headers={"X-Forwarded-For": client_address})


@pytest.fixture
def proxied(rpc, broker, auth):
    """The gateway behind one trusted proxy (GATEWAY_TRUSTED_PROXY_HOPS=1), as in deploy/k8s."""
    return falcon.testing.TestClient(create_app(rpc=rpc, broker_check=broker, auth=auth, trusted_proxy_hops=1))


def test_failures_for_one_account_do_not_block_another_account_from_the_same_address(make_user, proxied):
    """Issue #18 finding 10: the clients of one office (one NAT address) behind the ingress."""
    make_user("bappeda1")
    make_user("bappeda2")
    for _ in range(5):
        assert proxied_login(proxied, "bappeda1", "salah-salah-salah").status_code == 401
    for i in range(30):  # and a spray of made-up usernames, from the same address
        assert proxied_login(proxied, f"ghost{i}", "x").status_code == 401

    assert proxied_login(proxied, "bappeda1").status_code == 429  # that account, from that address
    assert proxied_login(proxied, "bappeda2").status_code == 200  # anyone else, from the same address
    assert proxied_login(proxied, "bappeda1", client_address="198.51.100.8").status_code == 200


def test_without_trusted_hops_one_shared_address_still_cannot_lock_everyone_out(make_user, login):
    """Issue #18 finding 10: every client arrives from the ingress's address (hops not set)."""
    make_user("bappeda1")
    for i in range(30):
        assert login(f"ghost{i}", "x", remote_addr="10.0.0.1").status_code == 401
    for _ in range(10):
        login("bappeda2", "x", remote_addr="10.0.0.1")

    assert login("bappeda1", remote_addr="10.0.0.1").status_code == 200


def test_an_account_is_still_limited_against_guesses_from_many_addresses(make_user, proxied, clock):
    make_user("bappeda1")
    make_user("bappeda2")
    for i in range(5):  # 5 addresses x 4 guesses: no address reaches its 5, the account its 20
        for _ in range(4):
            assert proxied_login(proxied, "bappeda1", "salah", client_address=f"203.0.113.{i}").status_code == 401
        clock.advance(1)

    blocked = proxied_login(proxied, "bappeda1", client_address="192.0.2.99")  # a fresh address, right password

    assert blocked.status_code == 429
    assert blocked.headers["retry-after"] == str(900 - 5)
    assert proxied_login(proxied, "bappeda2", client_address="203.0.113.0").status_code == 200


def test_a_success_from_one_address_does_not_reset_the_counter_of_another(make_user, login):
    make_user("bappeda1")
    for _ in range(4):
        login("bappeda1", "salah", remote_addr="10.1.1.1")
    assert login("bappeda1", remote_addr="10.1.1.2").status_code == 200
    assert login("bappeda1", "salah", remote_addr="10.1.1.1").status_code == 401
    assert login("bappeda1", remote_addr="10.1.1.1").status_code == 429


def test_ipv6_clients_are_limited_per_64_network(make_user, login):
    make_user("bappeda1")
    for i in range(5):
        login("bappeda1", "x", remote_addr=f"2001:db8:1:2::{i + 1:x}")
    assert login("bappeda1", remote_addr="2001:db8:1:2:ffff::1").status_code == 429
    assert login("bappeda1", remote_addr="2001:db8:1:3::1").status_code == 200


def test_x_forwarded_for_is_ignored_unless_proxies_are_trusted(rpc, broker, auth, make_user, proxied):
    make_user("bappeda1")
    direct = falcon.testing.TestClient(create_app(rpc=rpc, broker_check=broker, auth=auth))

    for i in range(5):  # spoofed X-Forwarded-For: still counted against the peer address
        direct.simulate_post("/v1/auth/login", json={"username": "bappeda1", "password": "x"},
                             remote_addr="10.0.0.9", headers={"X-Forwarded-For": f"192.0.2.{i}"})
    assert direct.simulate_post("/v1/auth/login", json={"username": "bappeda1", "password": PASSWORD},
                                remote_addr="10.0.0.9").status_code == 429

    # behind one trusted proxy the client is the last X-Forwarded-For entry, whatever came before it
    make_user("bappeda2")
    for i in range(5):
        proxied_login(proxied, "bappeda2", "x", client_address=f"6.6.6.{i}, 198.51.100.7")
    assert proxied_login(proxied, "bappeda2", client_address="198.51.100.7").status_code == 429
    assert proxied_login(proxied, "bappeda2", client_address="198.51.100.8").status_code == 200


def test_old_login_attempts_are_pruned_after_a_day(make_user, login, store, clock):
    make_user("bappeda1")
    login("bappeda1", "salah-salah-salah")
    clock.advance(24 * 3600 + 1)

    login("bappeda1")

    assert all(a["attempted_at"] == clock() for a in store.attempts)


def test_a_database_outage_is_a_503_problem(make_user, login, store):
    make_user("bappeda1")
    store.down = True

    result = login("bappeda1")

    assert result.status_code == 503
    assert result.headers["content-type"] == PROBLEM_CONTENT_TYPE
    assert result.headers["retry-after"] == "5"


# -- refresh, logout ----------------------------------------------------------------------------------

def refresh(client, token):
    return client.simulate_post("/v1/auth/refresh", json={"refresh_token": token})


def test_refresh_rotates_the_refresh_token_and_issues_a_new_access_token(make_user, login, client, clock, tokens):
    user = make_user("bappeda1")
    first = login("bappeda1").json
    clock.advance(60)

    second = refresh(client, first["refresh_token"])

    assert second.status_code == 200
    assert second.json["refresh_token"] != first["refresh_token"]
    assert second.json["access_token"] != first["access_token"]
    assert tokens.verify(second.json["access_token"])["sub"] == user.id
    assert second.headers["cache-control"] == "no-store"
    # the old one is spent
    assert refresh(client, first["refresh_token"]).status_code == 401


def test_reusing_a_rotated_refresh_token_revokes_the_whole_family(make_user, login, client, store):
    make_user("bappeda1")
    stolen = login("bappeda1").json["refresh_token"]
    other_session = login("bappeda1").json["refresh_token"]
    legit = refresh(client, stolen).json["refresh_token"]

    reuse = refresh(client, stolen)

    assert reuse.status_code == 401 and reuse.json["code"] == "invalid_refresh_token"
    assert refresh(client, legit).status_code == 401  # the thief's (or user's) successor is dead too
    assert refresh(client, other_session).status_code == 200  # another login session is not
    stolen_family = next(t["family_id"] for t in store.tokens if t["token_hash"] == hash_refresh_token(stolen))
    assert [t["reason"] for t in store.tokens if t["family_id"] == stolen_family] == ["rotated", "reuse"]


def test_an_unknown_or_expired_refresh_token_is_refused(make_user, login, client, clock):
    make_user("bappeda1")
    token = login("bappeda1").json["refresh_token"]

    assert refresh(client, "not-a-token").status_code == 401
    clock.advance(3600)
    assert refresh(client, token).status_code == 401


def test_refresh_picks_up_a_changed_role_and_refuses_a_deactivated_user(make_user, login, client, store, clock,
                                                                        tokens):
    user = make_user("bappeda1")
    token = login("bappeda1").json["refresh_token"]
    store.update_user(user.id, {"role": "setwan"}, clock())

    result = refresh(client, token)

    assert tokens.verify(result.json["access_token"])["role"] == "setwan"
    store.update_user(user.id, {"active": False}, clock())
    assert refresh(client, result.json["refresh_token"]).status_code == 401
    assert store.live_tokens(user.id) == []


def test_refresh_works_with_an_expired_access_token_still_in_the_header(make_user, login, client, clock):
    make_user("bappeda1")
    first = login("bappeda1").json
    clock.advance(1000)  # access token expired, refresh token (1 h) still valid

    result = client.simulate_post("/v1/auth/refresh", json={"refresh_token": first["refresh_token"]},
                                  headers={"Authorization": f"Bearer {first['access_token']}"})

    assert result.status_code == 200


def test_logout_revokes_the_refresh_token_and_is_idempotent(make_user, login, client, store):
    user = make_user("bappeda1")
    token = login("bappeda1").json["refresh_token"]

    first = client.simulate_post("/v1/auth/logout", json={"refresh_token": token})
    second = client.simulate_post("/v1/auth/logout", json={"refresh_token": token})
    unknown = client.simulate_post("/v1/auth/logout", json={"refresh_token": "whatever"})

    assert first.status_code == second.status_code == unknown.status_code == 204
    assert store.live_tokens(user.id) == []
    assert refresh(client, token).status_code == 401


def test_refresh_and_logout_refuse_unknown_fields(client):
    for path in ("/v1/auth/refresh", "/v1/auth/logout"):
        result = client.simulate_post(path, json={"refresh_token": "x", "user_id": "y"})
        assert result.status_code == 422
        assert result.json["errors"][0] == {"field": "user_id", "message": "Kolom ini tidak dikenal.",
                                            "code": "unknown_field"}


# -- the Authenticated middleware, /me -----------------------------------------------------------------

def test_me_shows_the_identity_the_services_will_see(make_user, client, bearer):
    user = make_user("dprd1", role="anggota_dprd", anggota_id="A-07")

    result = client.simulate_get("/v1/auth/me", headers=bearer("dprd1"))

    assert result.status_code == 200
    assert result.json == {"identity": {"sub": user.id, "role": "anggota_dprd", "pemda": "12.21", "wilayah": None,
                                        "opd": None, "anggota_id": "A-07"}}


def test_v1_routes_need_a_token(client):
    result = client.simulate_get("/v1/auth/me")

    assert result.status_code == 401
    assert result.headers["content-type"] == PROBLEM_CONTENT_TYPE
    assert result.json["code"] == "missing_token"
    assert result.headers["www-authenticate"] == 'Bearer realm="eplanning"'


@pytest.mark.parametrize("header", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer a b", "Token abc"])
def test_a_malformed_authorization_header_is_a_401(client, header):
    result = client.simulate_get("/v1/auth/me", headers={"Authorization": header})

    assert result.status_code == 401
    assert result.json["code"] == "malformed_authorization"


def test_an_expired_token_is_a_401_with_invalid_token(make_user, client, bearer, clock):
    make_user("bappeda1")
    headers = bearer("bappeda1")
    clock.advance(900 + 31)

    result = client.simulate_get("/v1/auth/me", headers=headers)

    assert result.status_code == 401
    assert result.json["code"] == "invalid_token"
    assert 'error="invalid_token"' in result.headers["www-authenticate"]


def test_health_endpoints_stay_open_and_ignore_a_bad_token(client):
    headers = {"Authorization": "Bearer garbage"}
    assert client.simulate_get("/healthz", headers=headers).status_code == 200
    assert client.simulate_get("/readyz", headers=headers).status_code == 200


class ContextEcho:
    """What the RPC client would send to a service while this request is handled."""

    def on_get(self, req, resp):
        resp.media = default_context()


def test_the_verified_identity_travels_in_the_rpc_context_and_is_reset_after_the_request(
        app, client, make_user, bearer):
    user = make_user("opd.dinkes", role="opd", opd="1.02.0.00.0.00.01.0000")
    app.add_route("/v1/_echo", ContextEcho())
    headers = {**bearer("opd.dinkes"), "X-Correlation-ID": "cid-7"}

    result = client.simulate_get("/v1/_echo", headers=headers)

    assert result.status_code == 200
    assert result.json == {"correlation_id": "cid-7",
                           "identity": {"sub": user.id, "role": "opd", "pemda": "12.21", "wilayah": None,
                                        "opd": "1.02.0.00.0.00.01.0000", "anggota_id": None}}
    assert get_identity() is None


def test_without_a_token_no_identity_is_sent(app, client):
    app.add_route("/open", ContextEcho())  # outside /v1/: no token required

    result = client.simulate_get("/open", headers={"X-Correlation-ID": "cid-8"})

    assert result.json == {"correlation_id": "cid-8"}


def test_a_failed_request_does_not_leak_its_identity(app, client, make_user, bearer):
    make_user("bappeda1")

    class Boom:
        def on_get(self, req, resp):
            raise falcon.HTTPBadRequest()

    app.add_route("/v1/_boom", Boom())
    assert client.simulate_get("/v1/_boom", headers=bearer("bappeda1")).status_code == 400
    assert get_identity() is None


def test_default_context_outside_a_request_has_neither(app):
    token = set_correlation_id(None)
    try:
        assert default_context() == {}
    finally:
        reset_correlation_id(token)


# -- password change -----------------------------------------------------------------------------------

def test_changing_ones_password_ends_other_sessions_and_returns_fresh_tokens(make_user, login, client, bearer,
                                                                             store):
    user = make_user("bappeda1")
    other_session = login("bappeda1").json["refresh_token"]

    result = client.simulate_post("/v1/auth/password", headers=bearer("bappeda1"),
                                  json={"current_password": PASSWORD, "new_password": "kata-sandi-baru-123"})

    assert result.status_code == 200 and result.json["token_type"] == "Bearer"
    assert refresh(client, other_session).status_code == 401
    assert login("bappeda1").status_code == 401
    assert login("bappeda1", "kata-sandi-baru-123").status_code == 200
    assert len(store.live_tokens(user.id)) == 2  # the one just returned, the login just made


def test_changing_ones_password_needs_the_current_one_and_a_decent_new_one(make_user, client, bearer):
    make_user("bappeda1")
    headers = bearer("bappeda1")

    wrong = client.simulate_post("/v1/auth/password", headers=headers,
                                 json={"current_password": "nope", "new_password": "kata-sandi-baru-123"})
    short = client.simulate_post("/v1/auth/password", headers=headers,
                                 json={"current_password": PASSWORD, "new_password": "pendek"})
    same_as_name = client.simulate_post("/v1/auth/password", headers=headers,
                                        json={"current_password": PASSWORD, "new_password": "BAPPEDA1"})

    assert wrong.status_code == 422 and wrong.json["errors"][0]["code"] == "wrong_password"
    assert short.status_code == 422 and short.json["errors"][0]["code"] == "too_short"
    assert same_as_name.status_code == 422
    assert client.simulate_post("/v1/auth/password", json={}).status_code == 401


def test_guessing_the_current_password_is_rate_limited_too(make_user, client, bearer):
    make_user("bappeda1")
    headers = bearer("bappeda1")
    for _ in range(5):
        client.simulate_post("/v1/auth/password", headers=headers,
                             json={"current_password": "nope", "new_password": "kata-sandi-baru-123"})

    result = client.simulate_post("/v1/auth/password", headers=headers,
                                  json={"current_password": PASSWORD, "new_password": "kata-sandi-baru-123"})

    assert result.status_code == 429
