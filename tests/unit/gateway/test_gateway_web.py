"""The web app served by the gateway at / (issue #14, gateway.web): cache headers, the SPA fallback,
the service worker and manifest at the root, CSP and the other security headers, HSTS over TLS, a
clear problem without a build; the API, /healthz, /readyz and /metrics route as before."""
from __future__ import annotations

import pytest
from falcon import testing

from gateway.app import create_app
from gateway.web import CONTENT_SECURITY_POLICY
from gateway_fakes import SERVICES

INDEX = b"<!doctype html><html><head><script type=module src=/assets/app-abc123.js></script></head></html>"
APP_JS = b"console.log('app')"


@pytest.fixture
def web_dir(tmp_path):
    root = tmp_path / "dist"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_bytes(INDEX)
    (root / "assets" / "app-abc123.js").write_bytes(APP_JS)
    (root / "assets" / "style-9f8e7d.css").write_text("body{margin:0}")
    (root / "sw.js").write_text("self.addEventListener('fetch', () => {})")
    (root / "manifest.webmanifest").write_text('{"name": "E-Planning"}')
    (tmp_path / "secret.txt").write_text("outside the build")
    (root / ".env").write_text("HIDDEN=1")
    return root


def client_of(rpc, broker, auth, idempotency_store, web_dir, hops=0):
    return testing.TestClient(create_app(rpc=rpc, broker_check=broker, services=SERVICES, readiness_timeout=2.0,
                                         max_body_bytes=1024, auth=auth, idempotency_store=idempotency_store,
                                         deps={}, web_dir=web_dir, trusted_proxy_hops=hops))


@pytest.fixture
def web(rpc, broker, auth, idempotency_store, web_dir):
    return client_of(rpc, broker, auth, idempotency_store, web_dir)


def assert_security_headers(result):
    assert result.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "script-src 'self';" in CONTENT_SECURITY_POLICY and "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert result.headers["x-content-type-options"] == "nosniff"
    assert result.headers["referrer-policy"] == "same-origin"
    assert result.headers["permissions-policy"] == "camera=(self), geolocation=(self), microphone=()"


def test_index_is_served_at_the_root_not_cached_with_the_security_headers(web):
    result = web.simulate_get("/")
    assert result.status_code == 200 and result.content == INDEX
    assert result.headers["content-type"] == "text/html; charset=utf-8"
    assert result.headers["cache-control"] == "no-cache"
    assert_security_headers(result)
    assert "strict-transport-security" not in result.headers  # plain HTTP


def test_hashed_assets_are_cached_for_a_year_and_immutable(web):
    result = web.simulate_get("/assets/app-abc123.js")
    assert result.status_code == 200 and result.content == APP_JS
    assert result.headers["content-type"] == "text/javascript; charset=utf-8"
    assert result.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert_security_headers(result)
    css = web.simulate_get("/assets/style-9f8e7d.css")
    assert css.headers["content-type"] == "text/css; charset=utf-8"


def test_a_missing_asset_is_a_404_problem_not_index_html(web):
    result = web.simulate_get("/assets/app-old999.js")
    assert result.status_code == 404
    assert result.headers["content-type"].startswith("application/problem+json")
    assert result.json["code"] == "asset_not_found"


@pytest.mark.parametrize("path", ["/lacak/ABC12345", "/desa/usulan/baru", "/kecamatan/forum"])
def test_client_side_routes_get_index_html(web, path):
    result = web.simulate_get(path)
    assert result.status_code == 200 and result.content == INDEX
    assert result.headers["cache-control"] == "no-cache"
    assert_security_headers(result)


@pytest.mark.parametrize("path, content_type", [("/sw.js", "text/javascript; charset=utf-8"),
                                                ("/manifest.webmanifest", "application/manifest+json")])
def test_the_service_worker_and_manifest_are_served_from_the_root_not_cached(web, path, content_type):
    result = web.simulate_get(path)
    assert result.status_code == 200 and result.headers["content-type"] == content_type
    assert result.headers["cache-control"] == "no-cache"


def test_files_revalidate_with_their_etag(web):
    first = web.simulate_get("/sw.js")
    again = web.simulate_get("/sw.js", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    assert web.simulate_get("/").headers["etag"] != first.headers["etag"]


def test_head_answers_the_headers_only(web):
    result = web.simulate_head("/assets/app-abc123.js")
    assert result.status_code == 200 and result.content == b""


def test_other_methods_are_405(web):
    result = web.simulate_post("/lacak/ABC12345", json={})
    assert result.status_code == 405 and "GET" in result.headers["allow"]


@pytest.mark.parametrize("path", ["/../secret.txt", "/assets/../../secret.txt", "/.env", "/assets/%2e%2e/x.js",
                                  "/nothing.png"])
def test_nothing_outside_the_build_hidden_files_or_missing_files(web, path):
    result = web.simulate_get(path)
    assert result.status_code == 404, path
    assert b"outside the build" not in result.content and b"HIDDEN" not in result.content


def test_hsts_over_tls_and_behind_a_trusted_proxy_saying_https(rpc, broker, auth, idempotency_store, web_dir):
    direct = client_of(rpc, broker, auth, idempotency_store, web_dir)
    assert direct.simulate_get("/", protocol="https").headers["strict-transport-security"] == "max-age=31536000"
    assert "strict-transport-security" not in direct.simulate_get("/", headers={"X-Forwarded-Proto": "https"}).headers
    proxied = client_of(rpc, broker, auth, idempotency_store, web_dir, hops=1)
    assert "strict-transport-security" in proxied.simulate_get("/", headers={"X-Forwarded-Proto": "https"}).headers


@pytest.mark.parametrize("path", ["/v1/nothing/here", "/v1", "/v1/musrenbang/2027/nothing", "/metrics"])
def test_unknown_api_paths_and_metrics_stay_404_problems(web, path):
    result = web.simulate_get(path)
    assert result.status_code == 404
    assert result.headers["content-type"].startswith("application/problem+json")
    assert b"<!doctype html>" not in result.content
    assert "content-security-policy" not in result.headers


def test_the_api_and_the_health_routes_answer_as_before(web):
    assert web.simulate_get("/healthz").json["status"] == "ok"
    assert web.simulate_get("/readyz").status_code in (200, 503)
    assert web.simulate_get("/v1/openapi.json").json["openapi"] == "3.1.0"
    assert web.simulate_get("/v1/auth/me").status_code == 401
    assert web.simulate_post("/v1/auth/login", json={}).status_code == 422


def test_without_a_build_the_app_paths_tell_the_operator_to_run_make_web(rpc, broker, auth, idempotency_store,
                                                                          tmp_path):
    bare = client_of(rpc, broker, auth, idempotency_store, tmp_path / "no-dist")
    for path in ("/", "/lacak/ABC12345", "/assets/app-abc123.js"):
        result = bare.simulate_get(path)
        assert result.status_code == 404 and result.json["code"] == "web_not_built"
        assert "make web" in result.json["detail"]
    assert bare.simulate_get("/healthz").status_code == 200
