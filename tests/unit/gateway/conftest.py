"""Fixtures for the gateway unit tests: the app built with fakes (gateway_fakes), no broker, no database."""
from __future__ import annotations

import uuid

import falcon.testing
import pytest

from gateway.api.idempotency import MemoryIdempotencyStore
from gateway.app import create_app
from gateway.auth.passwords import Passwords
from gateway.auth.service import AuthService, LoginPolicy
from gateway.auth.tokens import AccessTokens
from gateway.auth.users import User
from gateway_fakes import (
    AUDIENCE, FAST_HASHER, ISSUER, PASSWORD, SECRET, SERVICES, FakeBroker, FakeClock, FakeRpc, MemoryAuthStore,
    healthy,
)


@pytest.fixture(autouse=True)
def no_web_app(monkeypatch, tmp_path):
    """No web app build unless a test gives one (a local `make web` must not change what unknown
    paths answer here: tests/unit/gateway/test_gateway_web.py serves a fake build)."""
    monkeypatch.setenv("GATEWAY_WEB_DIR", str(tmp_path / "no-web-app"))


@pytest.fixture
def rpc():
    return FakeRpc({(name, "health"): healthy(name) for name in SERVICES})


@pytest.fixture
def broker():
    return FakeBroker(up=True)


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def store():
    return MemoryAuthStore()


@pytest.fixture
def passwords():
    return Passwords(FAST_HASHER)


@pytest.fixture
def tokens(clock):
    return AccessTokens(SECRET, issuer=ISSUER, audience=AUDIENCE, ttl_seconds=900, clock=clock)


@pytest.fixture
def policy():
    return LoginPolicy(window_seconds=900, max_failures_client=5, max_failures_account=20)


@pytest.fixture
def auth(store, tokens, passwords, policy, clock):
    return AuthService(store, tokens, passwords, refresh_ttl_seconds=3600, policy=policy, clock=clock)


@pytest.fixture
def app(rpc, broker, auth, idempotency_store):
    return create_app(rpc=rpc, broker_check=broker, services=SERVICES, readiness_timeout=2.0,
                      max_body_bytes=1024, auth=auth, idempotency_store=idempotency_store, deps={})


@pytest.fixture
def idempotency_store():
    return MemoryIdempotencyStore()


@pytest.fixture
def client(app):
    return falcon.testing.TestClient(app)


@pytest.fixture
def make_user(store, passwords, clock):
    """make_user(username, role="bappeda", password=PASSWORD, pemda="12.21", **scopes) -> User"""

    def make(username, role="bappeda", password=PASSWORD, pemda="12.21", active=True, global_username=False,
             **scopes):
        user = User(id=str(uuid.uuid4()), username=username, password_hash=passwords.hash(password), role=role,
                    pemda=pemda, wilayah=scopes.get("wilayah"), opd=scopes.get("opd"),
                    anggota_id=scopes.get("anggota_id"), active=active, created_at=clock(), updated_at=clock(),
                    global_username=global_username)
        store.insert_user(user)
        return user

    return make


@pytest.fixture
def login(client):
    """login(username, password=PASSWORD, pemda=None, **simulate_kwargs) -> falcon.testing.Result"""

    def do(username, password=PASSWORD, pemda=None, **kwargs):
        body = {"username": username, "password": password, **({"pemda": pemda} if pemda else {})}
        return client.simulate_post("/v1/auth/login", json=body, **kwargs)

    return do


@pytest.fixture
def bearer(login):
    """bearer(username, pemda=None) -> {"Authorization": "Bearer <token>"} for a fresh login of that user."""

    def headers(username, password=PASSWORD, pemda=None):
        result = login(username, password, pemda=pemda)
        assert result.status_code == 200, result.text
        return {"Authorization": f"Bearer {result.json['access_token']}"}

    return headers
