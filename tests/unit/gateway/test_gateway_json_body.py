"""Issue #18 finding 7: a deeply nested JSON body is a 400 problem, not a 500 with a traceback,
on every route that reads JSON (login, the admin API's merge patches, the REST operations)."""
import logging

import falcon.testing
import pytest

from gateway.app import create_app
from gateway.problems import PROBLEM_CONTENT_TYPE
from gateway_fakes import SERVICES

NESTED = b"[" * 50_000  # the body of the finding: far below the 1 MiB body limit


@pytest.fixture
def client(rpc, broker, auth, idempotency_store):
    app = create_app(rpc=rpc, broker_check=broker, services=SERVICES, readiness_timeout=2.0,
                     max_body_bytes=1024 * 1024, auth=auth, idempotency_store=idempotency_store, deps={})
    return falcon.testing.TestClient(app)


def assert_refused_quietly(result, caplog):
    assert result.status_code == 400, result.text
    assert result.headers["content-type"] == PROBLEM_CONTENT_TYPE
    assert result.json["code"] == "json_too_deep"
    assert "Traceback" not in result.text and "Recursion" not in result.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info], caplog.text
    (line,) = [r for r in caplog.records if r.name == "gateway.access"]
    assert line.levelno == logging.INFO and line.status == 400


def test_nested_json_to_the_anonymous_login_is_a_400_logged_as_one_line(client, caplog):
    caplog.set_level(logging.INFO)

    result = client.simulate_post("/v1/auth/login", body=NESTED, headers={"Content-Type": "application/json"})

    assert_refused_quietly(result, caplog)


def test_nested_json_is_refused_on_the_rest_operations_and_merge_patches_too(client, make_user, bearer, caplog):
    make_user("admin1", role="admin")
    make_user("desa1", role="operator_desa", wilayah="12.21.01.2001")
    admin, desa = bearer("admin1"), bearer("desa1")
    target = make_user("bappeda1")
    caplog.set_level(logging.INFO)

    for method, path, headers in [
        ("POST", "/v1/musrenbang/2027/usulan", {**desa, "Content-Type": "application/json"}),
        ("PATCH", f"/v1/admin/users/{target.id}", {**admin, "Content-Type": "application/merge-patch+json"}),
        ("POST", "/v1/auth/refresh", {"Content-Type": "application/json"}),
    ]:
        caplog.clear()
        result = client.simulate_request(method, path, body=NESTED, headers=headers)
        assert_refused_quietly(result, caplog)


def test_json_that_parses_but_nests_deeper_than_the_limit_is_refused_too(client, caplog):
    caplog.set_level(logging.INFO)
    body = {"username": "bappeda1", "password": 0}
    for _ in range(40):
        body = {"x": [body]}

    result = client.simulate_post("/v1/auth/login", json=body)

    assert_refused_quietly(result, caplog)


def test_shallow_json_still_reaches_validation(client):
    result = client.simulate_post("/v1/auth/login", json={"username": [[[["a"]]]], "password": "x"})

    assert result.status_code == 422
    assert result.json["errors"][0]["field"] == "username"
