"""Gateway authentication against the real PostgreSQL (a fresh `eplanning_test_gateway`, migrated
by the real `gateway-migrate`): login, token validation, refresh rotation and reuse detection,
logout, rate limits shared by several workers, the admin API and the bootstrap administrator.
One test sends an authenticated request through the real broker to a nameko service that echoes
the identity it received."""
from __future__ import annotations

import base64
import io
import json
import os
import re
import stat
import subprocess
import sys
import threading
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import jwt
import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from falcon import testing

import gateway.migrations

from eplanning_common.dependencies import CallerIdentity
from eplanning_common.rpc import rpc as nameko_rpc  # verifies the signed identity, as the services do
from gateway.app import create_app
from gateway.auth.bootstrap import bootstrap_admin
from gateway.auth.passwords import Passwords
from gateway.auth.service import AuthService, LoginPolicy
from gateway.auth.store import SqlAuthStore
from gateway.auth.tokens import AccessTokens, hash_refresh_token
from gateway.auth.users import User
from gateway.rpc import NamekoRpc

from . import support

pytestmark = pytest.mark.timeout(180)

DB_NAME = "eplanning_test_gateway"
BIN = Path(sys.executable).parent
SECRET = b"integration-secret-" * 4
ISSUER, AUDIENCE = "urn:eplanning:gateway", "urn:eplanning:api"
PASSWORD = "kata-sandi-rahasia-1"
FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)  # argon2id, cheap for tests


class Clock:
    def __init__(self):
        self.now = datetime.now(timezone.utc).replace(microsecond=0)

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += timedelta(seconds=seconds)


class NoRpc:
    """No service here: only the registers a new user's scope is checked against answer (an OPD
    1.02.01 and a DPRD member A01 in 12.21)."""

    REGISTERS = {("renja", "public_opd_codes"): ["1.02.01"], ("pokir", "public_anggota_ids"): ["A01"]}

    def call(self, service, method, *args, **kwargs):
        if (service, method) in self.REGISTERS and args == ("12.21",):
            return self.REGISTERS[(service, method)]
        raise AssertionError("no RPC expected")

    def call_many(self, calls, timeout=None):
        raise AssertionError("no RPC expected")


def run_cli(name, env):
    return subprocess.run([str(BIN / name)], env={**os.environ, **env}, capture_output=True, text=True, timeout=60)


@pytest.fixture(scope="module")
def database_url():
    """Dropped, then created and migrated by the real console script (which creates it if missing)."""
    url = support.fresh_database(DB_NAME)
    admin = sa.create_engine(f"{support.PG_URI}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{support.db_name(DB_NAME)}" WITH (FORCE)'))
    admin.dispose()
    for _ in range(2):  # the second run finds nothing to do
        done = run_cli("gateway-migrate", {"GATEWAY_DATABASE_URL": url})
        assert done.returncode == 0, done.stderr
    return url


@pytest.fixture(scope="module")
def engine(database_url):
    engine = sa.create_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def store(engine):
    return SqlAuthStore(engine)


@pytest.fixture(autouse=True)
def empty_tables(engine):
    with engine.begin() as conn:
        conn.execute(sa.text("truncate users, refresh_tokens, login_attempts restart identity cascade"))


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def passwords():
    return Passwords(FAST)


ACCOUNT_LIMIT = 12  # failures of one account from all addresses (5 from one address)


def make_auth(store, clock, passwords):
    tokens = AccessTokens(SECRET, issuer=ISSUER, audience=AUDIENCE, ttl_seconds=900, clock=clock)
    return AuthService(store, tokens, passwords, refresh_ttl_seconds=3600, clock=clock,
                       policy=LoginPolicy(window_seconds=900, max_failures_client=5, max_failures_account=ACCOUNT_LIMIT))


@pytest.fixture
def auth(store, clock, passwords):
    return make_auth(store, clock, passwords)


def client_for(auth, rpc=None):
    return testing.TestClient(create_app(rpc=rpc or NoRpc(), broker_check=lambda timeout: True, auth=auth))


@pytest.fixture
def client(auth):
    return client_for(auth)


@pytest.fixture
def make_user(store, passwords, clock):
    def make(username, role="bappeda", password=PASSWORD, pemda="12.21", **scopes):
        user = User(id=str(uuid.uuid4()), username=username, password_hash=passwords.hash(password), role=role,
                    pemda=pemda, wilayah=scopes.get("wilayah"), opd=scopes.get("opd"),
                    anggota_id=scopes.get("anggota_id"), active=scopes.get("active", True),
                    created_at=clock(), updated_at=clock(), global_username=scopes.get("global_username", False))
        store.insert_user(user)
        return user
    return make


def login(client, username, password=PASSWORD, pemda=None, **kwargs):
    body = {"username": username, "password": password, **({"pemda": pemda} if pemda else {})}
    return client.simulate_post("/v1/auth/login", json=body, **kwargs)


def bearer(client, username, password=PASSWORD, pemda=None):
    result = login(client, username, password, pemda)
    assert result.status_code == 200, result.text
    return {"Authorization": f"Bearer {result.json['access_token']}"}


def token_rows(engine, user_id):
    with engine.connect() as conn:
        return conn.execute(sa.text("select token_hash, family_id, revoked_at, revoked_reason from refresh_tokens "
                                    "where user_id = :u order by issued_at, revoked_at nulls last"),
                            {"u": user_id}).mappings().all()


# -- schema ------------------------------------------------------------------------------------------

def test_gateway_migrate_created_the_database_with_its_tables(engine):
    with engine.connect() as conn:
        tables = set(conn.execute(sa.text("select tablename from pg_tables where schemaname = 'public'")).scalars())
        version = conn.execute(sa.text("select version_num from alembic_version")).scalar_one()
    assert {"users", "refresh_tokens", "login_attempts", "idempotency_keys", "webhook_subscriptions",
            "alembic_version"} <= tables
    assert version == _head_revision()  # migrated to the newest revision


def _head_revision() -> str:
    """The revision no other revision builds on (read from the migration files)."""
    revisions, parents = set(), set()
    for path in (Path(gateway.migrations.__file__).parent / "versions").glob("*.py"):
        text = path.read_text()
        revision = re.search(r'^revision = "([^"]+)"', text, re.M)
        parent = re.search(r'^down_revision = "([^"]+)"', text, re.M)
        if revision:
            revisions.add(revision.group(1))
        if parent:
            parents.add(parent.group(1))
    (head,) = revisions - parents
    return head


def test_the_database_refuses_what_the_application_never_writes(engine, clock):
    row = {"id": str(uuid.uuid4()), "username": "x1", "password_hash": "$argon2id$v=19$...", "role": "bappeda",
           "pemda": "12.21", "now": clock()}
    insert = ("insert into users (id, username, password_hash, role, pemda, created_at, updated_at) "
              "values (:id, :username, :password_hash, :role, :pemda, :now, :now)")
    for bad in ({"role": "root"}, {"password_hash": "$2b$12$bcrypt"}, {"username": "Upper"}):
        with pytest.raises(sa.exc.IntegrityError):
            with engine.begin() as conn:
                conn.execute(sa.text(insert), {**row, "id": str(uuid.uuid4()), **bad})
    with engine.begin() as conn:
        conn.execute(sa.text(insert), row)  # and accepts a sane row


# -- login -------------------------------------------------------------------------------------------

def test_login_answers_tokens_and_stores_only_the_refresh_tokens_hash(make_user, client, engine):
    user = make_user("bappeda1")

    result = login(client, "bappeda1")

    assert result.status_code == 200, result.text
    body = result.json
    assert body["token_type"] == "Bearer" and body["expires_in"] == 900
    (row,) = token_rows(engine, user.id)
    assert row["token_hash"] == hash_refresh_token(body["refresh_token"])
    assert row["revoked_at"] is None
    claims = jwt.decode(body["access_token"], SECRET, algorithms=["HS256"], audience=AUDIENCE, issuer=ISSUER)
    assert claims["sub"] == user.id and claims["role"] == "bappeda" and claims["pemda"] == "12.21"


def test_bad_password_and_unknown_user_get_the_same_error(make_user, client):
    make_user("bappeda1")

    wrong = login(client, "bappeda1", "salah-salah-salah")
    unknown = login(client, "tidak.ada")

    assert wrong.status_code == unknown.status_code == 401
    strip = lambda body: {k: v for k, v in body.items() if k != "correlation_id"}  # noqa: E731
    assert strip(wrong.json) == strip(unknown.json)
    assert wrong.json["code"] == "invalid_credentials"


def test_a_login_upgrades_a_hash_made_with_weaker_parameters(make_user, store, clock):
    make_user("bappeda1")  # hashed with the cheap test parameters
    stronger = Passwords(PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1))
    client = client_for(make_auth(store, clock, stronger))

    assert login(client, "bappeda1").status_code == 200

    new_hash = store.user_by_username("12.21", "bappeda1").password_hash
    assert "m=2048,t=2" in new_hash
    assert login(client, "bappeda1").status_code == 200


# -- access token validation ----------------------------------------------------------------------------

def b64(data):
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


@pytest.fixture
def valid_claims(make_user, clock):
    user = make_user("bappeda1")
    now = int(clock().timestamp())
    return {"iss": ISSUER, "aud": AUDIENCE, "sub": user.id, "iat": now, "exp": now + 900, "jti": "j",
            "role": "bappeda", "pemda": "12.21"}


def me(client, token):
    return client.simulate_get("/v1/auth/me", headers={"Authorization": f"Bearer {token}"})


def sign(claims):
    return jwt.encode(claims, SECRET, algorithm="HS256", headers={"typ": "at+jwt"})


def test_a_well_formed_token_is_accepted(client, valid_claims):
    result = me(client, sign(valid_claims))

    assert result.status_code == 200
    assert result.json["identity"]["sub"] == valid_claims["sub"]


@pytest.mark.parametrize("tamper", ["alg_none", "wrong_aud", "wrong_iss", "expired"])
def test_token_validation_refuses(client, valid_claims, tamper):
    if tamper == "alg_none":
        token = f"{b64({'alg': 'none', 'typ': 'at+jwt'})}.{b64(valid_claims)}."
    elif tamper == "wrong_aud":
        token = sign({**valid_claims, "aud": "urn:other:api"})
    elif tamper == "wrong_iss":
        token = sign({**valid_claims, "iss": "https://idp.example"})
    else:
        token = sign({**valid_claims, "iat": valid_claims["iat"] - 2000, "exp": valid_claims["iat"] - 1100})

    result = me(client, token)

    assert result.status_code == 401
    assert result.json["code"] == "invalid_token"
    assert 'error="invalid_token"' in result.headers["www-authenticate"]


def test_an_issued_token_expires_with_the_injected_clock(make_user, client, clock):
    make_user("bappeda1")
    headers = bearer(client, "bappeda1")
    assert client.simulate_get("/v1/auth/me", headers=headers).status_code == 200

    clock.advance(900 + 31)

    assert client.simulate_get("/v1/auth/me", headers=headers).status_code == 401


# -- refresh, logout -------------------------------------------------------------------------------------

def refresh(client, token):
    return client.simulate_post("/v1/auth/refresh", json={"refresh_token": token})


def test_refresh_rotates_and_reuse_revokes_the_family(make_user, client, engine, clock):
    user = make_user("bappeda1")
    first = login(client, "bappeda1").json["refresh_token"]
    clock.advance(10)
    second = refresh(client, first)
    assert second.status_code == 200
    second_token = second.json["refresh_token"]
    assert second_token != first

    clock.advance(10)
    reuse = refresh(client, first)  # the rotated token, presented again

    assert reuse.status_code == 401
    assert refresh(client, second_token).status_code == 401  # the family is dead
    rows = {r["token_hash"]: r for r in token_rows(engine, user.id)}
    assert rows[hash_refresh_token(first)]["revoked_reason"] == "rotated"
    assert rows[hash_refresh_token(second_token)]["revoked_reason"] == "reuse"
    assert len({r["family_id"] for r in rows.values()}) == 1
    assert all(r["revoked_at"] is not None for r in rows.values())


def test_concurrent_refreshes_with_one_token_let_exactly_one_through(make_user, client):
    make_user("bappeda1")
    token = login(client, "bappeda1").json["refresh_token"]
    statuses = []

    def go():
        statuses.append(refresh(client, token).status_code)

    threads = [threading.Thread(target=go) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(statuses) == [200] + [401] * 5


def test_logout_revokes_the_refresh_token(make_user, client, engine):
    user = make_user("bappeda1")
    token = login(client, "bappeda1").json["refresh_token"]

    result = client.simulate_post("/v1/auth/logout", json={"refresh_token": token})

    assert result.status_code == 204
    (row,) = token_rows(engine, user.id)
    assert row["revoked_reason"] == "logout"
    assert refresh(client, token).status_code == 401


# -- rate limiting ------------------------------------------------------------------------------------

def test_rate_limit_answers_429_then_recovers_after_the_window(make_user, client, clock):
    make_user("bappeda1")
    for _ in range(5):
        assert login(client, "bappeda1", "salah-salah-salah").status_code == 401
        clock.advance(1)

    blocked = login(client, "bappeda1")

    assert blocked.status_code == 429
    assert blocked.headers["content-type"] == "application/problem+json"
    retry_after = int(blocked.headers["retry-after"])
    assert retry_after == 900 - 5
    clock.advance(retry_after - 1)
    assert login(client, "bappeda1").status_code == 429
    clock.advance(1)
    assert login(client, "bappeda1").status_code == 200


def test_two_workers_share_the_counters_through_the_database(make_user, store, clock, passwords):
    make_user("bappeda1")
    worker_a = client_for(make_auth(store, clock, passwords))
    worker_b = client_for(make_auth(store, clock, passwords))

    for i in range(5):
        worker = worker_a if i % 2 else worker_b
        assert login(worker, "bappeda1", "salah-salah-salah").status_code == 401

    assert login(worker_a, "bappeda1").status_code == 429
    assert login(worker_b, "bappeda1").status_code == 429


def test_concurrent_guesses_cannot_exceed_the_account_limit(make_user, store, clock, passwords):
    make_user("bappeda1")
    workers = [client_for(make_auth(store, clock, passwords)) for _ in range(3)]
    statuses = []

    def guess(i):
        statuses.append(login(workers[i % 3], "bappeda1", f"tebakan-{i}", remote_addr=f"10.0.0.{i}").status_code)

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert statuses.count(401) <= ACCOUNT_LIMIT  # 20 addresses: the limit of the account from all of them
    assert statuses.count(401) + statuses.count(429) == 20


def test_a_success_restarts_the_account_counter(make_user, client):
    make_user("bappeda1")
    for _ in range(4):
        login(client, "bappeda1", "salah-salah-salah")
    assert login(client, "bappeda1").status_code == 200
    for _ in range(4):
        assert login(client, "bappeda1", "salah-salah-salah").status_code == 401
    assert login(client, "bappeda1").status_code == 200
    for _ in range(5):
        login(client, "bappeda1", "salah-salah-salah")
    assert login(client, "bappeda1").status_code == 429


def test_one_address_failing_for_one_account_blocks_neither_another_account_nor_other_addresses(make_user,
                                                                                                 store, clock,
                                                                                                 passwords):
    """Issue #18 finding 10, on PostgreSQL, behind one trusted proxy (the Ingress at 10.0.0.1)."""
    make_user("bappeda1")
    make_user("bappeda2")
    proxied = testing.TestClient(create_app(rpc=NoRpc(), broker_check=lambda timeout: True,
                                            auth=make_auth(store, clock, passwords), trusted_proxy_hops=1))

    def attempt(username, password=PASSWORD, address="192.0.2.7"):
        return login(proxied, username, password, remote_addr="10.0.0.1", headers={"X-Forwarded-For": address})

    for i in range(25):
        assert attempt(f"ghost{i}", "x").status_code == 401
    for _ in range(5):
        assert attempt("bappeda1", "x").status_code == 401

    assert attempt("bappeda1").status_code == 429
    assert attempt("bappeda2").status_code == 200
    assert attempt("bappeda1", address="192.0.2.8").status_code == 200


def test_an_account_is_limited_across_addresses(make_user, client):
    make_user("bappeda1")
    for i in range(ACCOUNT_LIMIT):
        assert login(client, "bappeda1", "x", remote_addr=f"192.0.2.{i}").status_code == 401

    assert login(client, "bappeda1", remote_addr="198.51.100.1").status_code == 429


def test_old_attempts_are_pruned(make_user, client, clock, engine):
    make_user("bappeda1")
    login(client, "bappeda1", "salah-salah-salah")
    clock.advance(24 * 3600 + 1)

    login(client, "bappeda1")

    with engine.connect() as conn:
        times = conn.execute(sa.text("select attempted_at from login_attempts")).scalars().all()
    assert times and all(t == clock() for t in times)


# -- admin API -------------------------------------------------------------------------------------

def test_non_admins_get_403_and_admins_manage_users_of_their_pemda(make_user, client, engine):
    make_user("admin", role="admin")
    make_user("bappeda1")
    make_user("admin.lain", role="admin", pemda="12.22")
    as_bappeda = bearer(client, "bappeda1")
    as_admin = bearer(client, "admin")
    as_other_admin = bearer(client, "admin.lain", pemda="12.22")
    new_user = {"username": "opd.dinkes", "password": "kata-sandi-opd-123", "role": "opd", "opd": "1.02.01"}

    assert client.simulate_get("/v1/admin/users", headers=as_bappeda).status_code == 403
    assert client.simulate_post("/v1/admin/users", json=new_user, headers=as_bappeda).status_code == 403

    created = client.simulate_post("/v1/admin/users", json=new_user, headers=as_admin)
    assert created.status_code == 201, created.text
    duplicate = client.simulate_post("/v1/admin/users", json=new_user, headers=as_admin)
    assert duplicate.status_code == 409
    listed = client.simulate_get("/v1/admin/users", headers=as_admin).json
    assert [u["username"] for u in listed["items"]] == ["admin", "bappeda1", "opd.dinkes"]
    user_id = created.json["id"]
    assert client.simulate_get(f"/v1/admin/users/{user_id}", headers=as_other_admin).status_code == 404

    token = login(client, "opd.dinkes", "kata-sandi-opd-123").json["refresh_token"]
    patched = client.simulate_patch(f"/v1/admin/users/{user_id}", json={"active": False}, headers=as_admin)
    assert patched.status_code == 200 and patched.json["active"] is False
    assert refresh(client, token).status_code == 401
    assert login(client, "opd.dinkes", "kata-sandi-opd-123").status_code == 401
    with engine.connect() as conn:
        stored = conn.execute(sa.text("select password_hash, opd from users where id = :i"), {"i": user_id}).one()
    assert stored.password_hash.startswith("$argon2id$") and stored.opd == "1.02.01"


def test_another_pemdas_admin_creates_a_username_taken_elsewhere_like_a_free_one(make_user, client):
    """Issue #18 finding 9, on PostgreSQL: usernames are unique per pemda (migration 0006)."""
    make_user("bappeda")
    make_user("admin.tapsel", role="admin", pemda="12.22")
    as_other_admin = bearer(client, "admin.tapsel", pemda="12.22")

    answers = [client.simulate_post("/v1/admin/users", headers=as_other_admin,
                                    json={"username": name, "password": "kata-sandi-tapsel-1", "role": "bappeda"})
               for name in ("bappeda", "bappeda.baru", "bappeda")]

    assert [a.status_code for a in answers] == [201, 201, 409]  # taken in its own pemda: that it may know
    assert login(client, "bappeda", "kata-sandi-tapsel-1", pemda="12.22").status_code == 200
    assert login(client, "bappeda").status_code == 200  # 12.21's, as before


def test_the_migration_lets_existing_users_sign_in_without_their_pemda(engine_for, passwords, clock):
    """Users from before per-pemda usernames (0006) keep signing in as they did."""
    from eplanning_common.migrations import migrate

    url = support.fresh_database(f"{DB_NAME}_0006")
    migrate("gateway", url, "0005_audit")
    engine = engine_for(url)
    insert = ("insert into users (id, username, password_hash, role, pemda, active, created_at, updated_at) "
              "values (:id, :username, :hash, 'bappeda', :pemda, true, :now, :now)")
    with engine.begin() as conn:
        for username, pemda in (("bappeda.madina", "12.13"), ("bappeda", "12.21")):
            conn.execute(sa.text(insert), {"id": str(uuid.uuid4()), "username": username, "pemda": pemda,
                                           "hash": passwords.hash(PASSWORD), "now": clock()})
    migrate("gateway", url)
    client = client_for(make_auth(SqlAuthStore(engine), clock, passwords))

    assert login(client, "bappeda.madina").status_code == 200
    assert login(client, "bappeda.madina", pemda="12.13").status_code == 200
    assert login(client, "bappeda").status_code == 200
    with engine.begin() as conn:
        conn.execute(sa.text(insert), {"id": str(uuid.uuid4()), "username": "bappeda.madina", "pemda": "12.21",
                                       "hash": passwords.hash("lain-lain-lain-1"), "now": clock()})
    assert login(client, "bappeda.madina", "lain-lain-lain-1").status_code == 200  # the default pemda's first
    assert login(client, "bappeda.madina", pemda="12.13").status_code == 200


# -- bootstrap ----------------------------------------------------------------------------------------

def test_bootstrap_is_idempotent_even_when_started_concurrently(store, passwords, tmp_path, monkeypatch, engine):
    monkeypatch.setenv("GATEWAY_ADMIN_PASSWORD", "rahasia-bootstrap-123")
    results = []

    def start():
        results.append(bootstrap_admin(store, passwords, var_dir=tmp_path, out=io.StringIO()).created)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    again = bootstrap_admin(store, passwords, var_dir=tmp_path, out=io.StringIO())

    assert sorted(results) == [False, False, False, True] and again.created is False
    with engine.connect() as conn:
        assert conn.execute(sa.text("select username, role, pemda from users")).all() == [("admin", "admin", "12.21")]


def test_only_one_first_user_can_be_inserted_whatever_the_race(store, clock, engine):
    def candidate(i):
        return User(id=str(uuid.uuid4()), username=f"admin{i}", password_hash="$argon2id$v=19$x", role="admin",
                    pemda="12.21", wilayah=None, opd=None, anggota_id=None, active=True, created_at=clock(),
                    updated_at=clock())

    warm = [engine.connect() for _ in range(5)]  # pooled connections: the racers need not wait to connect
    for conn in warm:
        conn.close()
    results = []
    threads = [threading.Thread(target=lambda i=i: results.append(store.insert_first_user(candidate(i))))
               for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(results) == [False] * 7 + [True]
    assert store.count_users() == 1


def test_the_bootstrap_console_script_saves_the_password_privately_and_prints_only_where(database_url, tmp_path,
                                                                                      store, passwords, clock):
    env = {"GATEWAY_DATABASE_URL": database_url, "GATEWAY_VAR_DIR": str(tmp_path), "GATEWAY_ADMIN_PEMDA": "12.21"}
    env_without_password = {k: v for k, v in {**os.environ, **env}.items() if k != "GATEWAY_ADMIN_PASSWORD"}
    first = subprocess.run([str(BIN / "gateway-bootstrap-admin")], env=env_without_password, capture_output=True,
                           text=True, timeout=60)
    second = subprocess.run([str(BIN / "gateway-bootstrap-admin")], env=env_without_password,
                            capture_output=True, text=True, timeout=60)

    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    path = tmp_path / "admin-password.txt"
    password = path.read_text().strip()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert str(path) in first.stdout and password not in first.stdout + first.stderr
    assert password not in second.stdout and "already exist" in second.stdout
    # the generated password (hashed with the production parameters) works
    client = client_for(make_auth(store, clock, Passwords()))
    assert login(client, "admin", password).status_code == 200


# -- identity to the services -------------------------------------------------------------------------

class WhoAmI:
    name = "gateway_test_whoami"
    identity = CallerIdentity()

    @nameko_rpc
    def whoami(self):
        return self.identity


class WhoAmIResource:
    def __init__(self, rpc):
        self.rpc = rpc

    def on_get(self, req, resp):
        resp.media = {"seen": self.rpc.call("gateway_test_whoami", "whoami")}


def test_the_verified_identity_reaches_the_service_over_the_broker(make_user, auth, amqp_uri, start_container):
    """Signed by the gateway for this service, verified by the service's `rpc` entrypoint."""
    user = make_user("desa1", role="operator_desa", wilayah="12.21.01.2001")
    start_container(WhoAmI, "postgresql://unused")
    rpc = NamekoRpc(amqp_uri=amqp_uri, timeout=10)
    try:
        app = create_app(rpc=rpc, broker_check=lambda timeout: True, auth=auth)
        app.add_route("/v1/_whoami", WhoAmIResource(rpc))
        client = testing.TestClient(app)

        seen = client.simulate_get("/v1/_whoami", headers=bearer(client, "desa1"))
        anonymous = client.simulate_get("/v1/_whoami")
    finally:
        rpc.close()

    assert seen.status_code == 200, seen.text
    assert seen.json["seen"] == {"sub": user.id, "role": "operator_desa", "pemda": "12.21",
                                 "wilayah": "12.21.01.2001", "opd": None, "anggota_id": None}
    assert anonymous.status_code == 401


# -- browser sign-in (issue #14): refresh token in an HttpOnly cookie, double-submit CSRF ------------

def browser_login(client, username="bappeda1", password=PASSWORD, **kwargs):
    return client.simulate_post("/v1/auth/browser/login", json={"username": username, "password": password},
                                **kwargs)


def session_of(result):
    return {"ep_refresh": result.cookies["ep_refresh"].value, "ep_csrf": result.cookies["ep_csrf"].value}


def browser_post(client, route, session, csrf=..., headers=None, **kwargs):
    headers = {**(headers or {}), **({} if csrf is None else {"X-CSRF-Token": session["ep_csrf"] if csrf is ...
                                                             else csrf})}
    return client.simulate_post(f"/v1/auth/browser/{route}", cookies=session, headers=headers, **kwargs)


def test_browser_login_sets_the_refresh_token_in_an_httponly_cookie_and_answers_no_refresh_token(make_user, client,
                                                                                                  engine):
    user = make_user("bappeda1")
    result = browser_login(client)
    assert result.status_code == 200, result.text
    assert set(result.json) == {"access_token", "token_type", "expires_in", "csrf_token"}
    assert result.json["token_type"] == "Bearer" and result.json["expires_in"] == 900
    refresh, csrf = result.cookies["ep_refresh"], result.cookies["ep_csrf"]
    assert refresh.http_only and refresh.same_site == "Strict" and refresh.path == "/v1/auth/browser"
    assert refresh.max_age == 3600 and not refresh.secure  # plain HTTP here
    assert not csrf.http_only and csrf.same_site == "Strict" and csrf.path == "/"
    assert csrf.value == result.json["csrf_token"] and len(csrf.value) >= 32
    assert result.headers["cache-control"] == "no-store"
    # the cookie holds a refresh token of the ordinary machinery (stored hashed), the body none
    assert [r["token_hash"] for r in token_rows(engine, user.id)] == [hash_refresh_token(refresh.value)]
    assert refresh.value not in result.text
    me = client.simulate_get("/v1/auth/me", headers={"Authorization": f"Bearer {result.json['access_token']}"})
    assert me.status_code == 200 and me.json["identity"]["sub"] == user.id


def test_browser_refresh_with_the_csrf_header_rotates_both_cookies_and_the_old_one_is_then_reuse(make_user, client,
                                                                                                  engine):
    user = make_user("bappeda1")
    session = session_of(browser_login(client))
    refreshed = browser_post(client, "refresh", session)
    assert refreshed.status_code == 200, refreshed.text
    rotated = session_of(refreshed)
    assert rotated["ep_refresh"] != session["ep_refresh"] and rotated["ep_csrf"] != session["ep_csrf"]
    assert refreshed.json["csrf_token"] == rotated["ep_csrf"] and refreshed.json["access_token"]
    assert browser_post(client, "refresh", rotated).status_code == 200
    # the first cookie again: reuse of a rotated token revokes the whole family
    reused = browser_post(client, "refresh", session)
    assert reused.status_code == 401 and reused.json["code"] == "invalid_refresh_token"
    assert reused.cookies["ep_refresh"].value == "" and reused.cookies["ep_refresh"].max_age == 0
    assert all(r["revoked_at"] is not None for r in token_rows(engine, user.id))


@pytest.mark.parametrize("csrf", [None, "", "not-the-cookie", "x" * 300])
def test_browser_refresh_without_the_right_csrf_header_is_403_and_rotates_nothing(make_user, client, engine, csrf):
    user = make_user("bappeda1")
    session = session_of(browser_login(client))
    refused = browser_post(client, "refresh", session, csrf=csrf)
    assert refused.status_code == 403 and refused.json["code"] == "csrf"
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "ep_refresh" not in refused.cookies
    assert [r["revoked_at"] for r in token_rows(engine, user.id)] == [None]
    assert browser_post(client, "refresh", session).status_code == 200  # the session still works


def test_browser_refresh_without_a_cookie_or_with_an_expired_one_is_401(make_user, client, clock):
    make_user("bappeda1")
    nothing = client.simulate_post("/v1/auth/browser/refresh", headers={"X-CSRF-Token": "abc"})
    assert nothing.status_code == 401 and nothing.json["code"] == "invalid_refresh_token"
    session = session_of(browser_login(client))
    clock.advance(3601)
    expired = browser_post(client, "refresh", session)
    assert expired.status_code == 401


def test_browser_refresh_takes_no_body(make_user, client):
    make_user("bappeda1")
    session = session_of(browser_login(client))
    result = browser_post(client, "refresh", session, json={"refresh_token": session["ep_refresh"]})
    assert result.status_code == 422


def test_browser_logout_revokes_the_session_and_clears_both_cookies(make_user, client, engine):
    user = make_user("bappeda1")
    session = session_of(browser_login(client))
    refused = browser_post(client, "logout", session, csrf="wrong")
    assert refused.status_code == 403 and refused.json["code"] == "csrf"
    assert [r["revoked_at"] for r in token_rows(engine, user.id)] == [None]
    out = browser_post(client, "logout", session)
    assert out.status_code == 204
    for name, path in (("ep_refresh", "/v1/auth/browser"), ("ep_csrf", "/")):
        assert out.cookies[name].value == "" and out.cookies[name].max_age == 0 and out.cookies[name].path == path
    assert token_rows(engine, user.id)[0]["revoked_reason"] == "logout"
    assert browser_post(client, "refresh", session).status_code == 401
    # again, and without any cookie: nothing to revoke, still 204 (idempotent)
    assert client.simulate_post("/v1/auth/browser/logout").status_code == 204


def test_browser_cookies_are_secure_over_tls_and_behind_a_trusted_proxy_saying_https(make_user, store, clock,
                                                                                     passwords):
    make_user("bappeda1")
    direct = client_for(make_auth(store, clock, passwords))
    assert browser_login(direct, protocol="https").cookies["ep_refresh"].secure
    # without trusted proxies X-Forwarded-Proto is anyone's to send: ignored
    spoofed = browser_login(direct, headers={"X-Forwarded-Proto": "https"}, remote_addr="192.0.2.9")
    assert not spoofed.cookies["ep_refresh"].secure and not spoofed.cookies["ep_csrf"].secure
    proxied = testing.TestClient(create_app(rpc=NoRpc(), broker_check=lambda timeout: True,
                                            auth=make_auth(store, clock, passwords), trusted_proxy_hops=1))
    behind = browser_login(proxied, headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "192.0.2.9"},
                           remote_addr="10.0.0.1")
    assert behind.cookies["ep_refresh"].secure and behind.cookies["ep_csrf"].secure
    plain = browser_login(proxied, headers={"X-Forwarded-Proto": "http"}, remote_addr="10.0.0.1")
    assert not plain.cookies["ep_refresh"].secure
    out = browser_post(proxied, "logout", session_of(behind), headers={"X-Forwarded-Proto": "https"},
                       remote_addr="10.0.0.1")
    assert out.status_code == 204 and out.cookies["ep_refresh"].secure


def test_browser_login_shares_the_login_rate_limits(make_user, client):
    make_user("bappeda1")
    for _ in range(3):
        assert login(client, "bappeda1", "salah-salah-salah").status_code == 401
    for _ in range(2):
        assert browser_login(client, password="salah-salah-salah").status_code == 401
    limited = browser_login(client)
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0
    assert "ep_refresh" not in limited.cookies
