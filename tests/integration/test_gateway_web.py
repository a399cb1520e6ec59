"""The real gateway (gunicorn, the deploy configuration) serving a web app build and the browser
sign-in (issue #14): the app's files with their cache and security headers, the SPA fallback, the
API and health routes as before, and the cookie session behind a trusted proxy saying https."""
from __future__ import annotations

import http.client
import json
import uuid
from urllib.parse import urlsplit

import pytest

from . import gateway_stack as stack

pytestmark = pytest.mark.timeout(240)

INDEX = b"<!doctype html><html><head><script type=module src=/assets/app-abc123.js></script></head></html>"


@pytest.fixture(scope="module")
def gateway(amqp_uri, tmp_path_factory):
    dist = tmp_path_factory.mktemp("web") / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_bytes(INDEX)
    (dist / "assets" / "app-abc123.js").write_text("console.log('app')")
    (dist / "sw.js").write_text("self.addEventListener('fetch', () => {})")
    gw = stack.start_gateway(amqp_uri, "web" + uuid.uuid4().hex[:6], tmp_path_factory.mktemp("gateway"),
                             extra_env={"GATEWAY_WEB_DIR": str(dist), "GATEWAY_TRUSTED_PROXY_HOPS": "1"})
    try:
        yield gw
    finally:
        stack.stop_gateway(gw)


def raw(gw, method, path, body=None, headers=None):
    """(status, [(header, value)], body): every header, Set-Cookie repeated as sent."""
    parts = urlsplit(gw.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        data = json.dumps(body).encode() if body is not None else None
        conn.request(method, path, body=data, headers={**({"Content-Type": "application/json"} if data else {}),
                                                        **(headers or {})})
        answer = conn.getresponse()
        return answer.status, answer.getheaders(), answer.read()
    finally:
        conn.close()


def header(headers, name):
    return next((v for k, v in headers if k.lower() == name.lower()), None)


def cookies(headers) -> dict[str, str]:
    """name -> the whole Set-Cookie line."""
    return {v.split("=", 1)[0]: v for k, v in headers if k.lower() == "set-cookie"}


def test_the_app_is_served_with_its_cache_and_security_headers(gateway):
    status, headers, body = raw(gateway, "GET", "/")
    assert status == 200 and body == INDEX
    assert header(headers, "Cache-Control") == "no-cache"
    assert "script-src 'self'" in header(headers, "Content-Security-Policy")
    assert header(headers, "X-Content-Type-Options") == "nosniff"
    assert header(headers, "Strict-Transport-Security") is None
    status, headers, _ = raw(gateway, "GET", "/", headers={"X-Forwarded-Proto": "https"})
    assert header(headers, "Strict-Transport-Security") == "max-age=31536000"
    status, headers, _ = raw(gateway, "GET", "/assets/app-abc123.js")
    assert status == 200 and header(headers, "Cache-Control") == "public, max-age=31536000, immutable"
    status, _, body = raw(gateway, "GET", "/lacak/ABC12345")
    assert status == 200 and body == INDEX
    status, headers, _ = raw(gateway, "GET", "/sw.js")
    assert status == 200 and header(headers, "Cache-Control") == "no-cache"


def test_the_api_health_and_metrics_route_as_before(gateway):
    status, headers, body = raw(gateway, "GET", "/v1/no/such/route")
    assert status == 404 and header(headers, "Content-Type").startswith("application/problem+json")
    assert b"doctype" not in body
    assert raw(gateway, "GET", "/metrics")[0] == 404  # metrics have their own listener
    assert raw(gateway, "GET", "/healthz")[0] == 200
    assert raw(gateway, "GET", "/readyz")[0] in (200, 503)
    assert json.loads(raw(gateway, "GET", "/v1/openapi.json")[2])["openapi"] == "3.1.0"
    assert raw(gateway, "GET", "/v1/auth/me")[0] == 401
    status, _, body = raw(gateway, "GET", "/v1/public/wilayah/12.21")
    assert status == 200 and json.loads(body)["pemda"]["kode"] == "12.21"


def test_a_browser_session_behind_a_proxy_saying_https(gateway):
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "192.0.2.44"}
    status, headers, body = raw(gateway, "POST", "/v1/auth/browser/login",
                                {"username": "admin", "password": stack.ADMIN_PASSWORD}, headers=forwarded)
    assert status == 200, body
    grant = json.loads(body)
    assert "refresh_token" not in grant
    set_cookies = cookies(headers)
    refresh_line, csrf_line = set_cookies["ep_refresh"], set_cookies["ep_csrf"]
    for attribute in ("HttpOnly", "Secure", "SameSite=Strict", "Path=/v1/auth/browser"):
        assert attribute in refresh_line
    assert "Secure" in csrf_line and "HttpOnly" not in csrf_line and "Path=/" in csrf_line
    refresh = refresh_line.split(";")[0].split("=", 1)[1]
    csrf = grant["csrf_token"]
    assert csrf_line.split(";")[0] == f"ep_csrf={csrf}"
    session = f"ep_refresh={refresh}; ep_csrf={csrf}"
    status, _, body = raw(gateway, "GET", "/v1/auth/me", headers={"Authorization": f"Bearer {grant['access_token']}"})
    assert status == 200 and json.loads(body)["identity"]["role"] == "admin"

    status, _, body = raw(gateway, "POST", "/v1/auth/browser/refresh", headers={**forwarded, "Cookie": session})
    assert status == 403 and json.loads(body)["code"] == "csrf"
    status, headers, body = raw(gateway, "POST", "/v1/auth/browser/refresh",
                                headers={**forwarded, "Cookie": session, "X-CSRF-Token": csrf})
    assert status == 200, body
    rotated = cookies(headers)
    new_refresh = rotated["ep_refresh"].split(";")[0].split("=", 1)[1]
    new_csrf = json.loads(body)["csrf_token"]
    assert new_refresh != refresh and new_csrf != csrf

    status, headers, _ = raw(gateway, "POST", "/v1/auth/browser/logout", headers={
        **forwarded, "Cookie": f"ep_refresh={new_refresh}; ep_csrf={new_csrf}", "X-CSRF-Token": new_csrf})
    assert status == 204
    cleared = cookies(headers)
    assert "Max-Age=0" in cleared["ep_refresh"] and "Max-Age=0" in cleared["ep_csrf"]
    status, _, _ = raw(gateway, "POST", "/v1/auth/browser/refresh", headers={
        **forwarded, "Cookie": f"ep_refresh={new_refresh}; ep_csrf={new_csrf}", "X-CSRF-Token": new_csrf})
    assert status == 401
