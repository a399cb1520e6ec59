"""The web app's text files go out gzipped (the build's `.gz` siblings) to clients that accept gzip:
the desa operator's slow connection carries the 39 KB the size budget counts, not 117 KB."""
from __future__ import annotations

import gzip

import pytest
from falcon import testing

from gateway.app import create_app
from gateway_fakes import SERVICES

APP_JS = b"console.log('app');" * 50


@pytest.fixture
def web(rpc, broker, auth, idempotency_store, tmp_path):
    root = tmp_path / "dist"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_bytes(b"<!doctype html><title>E-Planning</title>")
    (root / "index.html.gz").write_bytes(gzip.compress(b"<!doctype html><title>E-Planning</title>"))
    (root / "assets" / "app-abc123.js").write_bytes(APP_JS)
    (root / "assets" / "app-abc123.js.gz").write_bytes(gzip.compress(APP_JS))
    (root / "assets" / "plain-1a2b3c.css").write_text("body{margin:0}")  # no .gz sibling
    (root / "icon-192.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    return testing.TestClient(create_app(rpc=rpc, broker_check=broker, services=SERVICES, readiness_timeout=2.0,
                                         max_body_bytes=1024, auth=auth, idempotency_store=idempotency_store,
                                         deps={}, web_dir=root))


def test_gzip_sibling_is_sent_to_a_client_that_accepts_gzip(web):
    result = web.simulate_get("/assets/app-abc123.js", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert result.headers["content-encoding"] == "gzip"
    assert result.headers["vary"] == "Accept-Encoding"
    assert result.headers["content-type"] == "text/javascript; charset=utf-8"
    assert gzip.decompress(result.content) == APP_JS
    assert len(result.content) < len(APP_JS)
    plain = web.simulate_get("/assets/app-abc123.js")
    assert "content-encoding" not in plain.headers and plain.content == APP_JS
    assert plain.headers["vary"] == "Accept-Encoding"
    assert plain.headers["etag"] != result.headers["etag"]  # two representations, two ETags


def test_the_spa_fallback_and_revalidation_work_gzipped(web):
    result = web.simulate_get("/lacak/K7Q2M9XA", headers={"Accept-Encoding": "gzip"})
    assert result.headers["content-encoding"] == "gzip"
    assert gzip.decompress(result.content).startswith(b"<!doctype html>")
    again = web.simulate_get("/", headers={"Accept-Encoding": "gzip", "If-None-Match": result.headers["etag"]})
    assert again.status_code == 304


def test_no_gzip_when_refused_missing_or_not_text(web):
    refused = web.simulate_get("/assets/app-abc123.js", headers={"Accept-Encoding": "gzip;q=0, br"})
    assert "content-encoding" not in refused.headers and refused.content == APP_JS
    css = web.simulate_get("/assets/plain-1a2b3c.css", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in css.headers and css.text == "body{margin:0}"
    png = web.simulate_get("/icon-192.png", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in png.headers and "vary" not in png.headers
