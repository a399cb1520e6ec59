"""Fixtures for the gateway unit tests: the app built with fakes (gateway_fakes)."""
from __future__ import annotations

import falcon.testing
import pytest

from gateway.app import create_app
from gateway_fakes import SERVICES, FakeBroker, FakeRpc, healthy


@pytest.fixture
def rpc():
    return FakeRpc({(name, "health"): healthy(name) for name in SERVICES})


@pytest.fixture
def broker():
    return FakeBroker(up=True)


@pytest.fixture
def app(rpc, broker):
    return create_app(rpc=rpc, broker_check=broker, services=SERVICES, readiness_timeout=2.0,
                      max_body_bytes=1024)


@pytest.fixture
def client(app):
    return falcon.testing.TestClient(app)
