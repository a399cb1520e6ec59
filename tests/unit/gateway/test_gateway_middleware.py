import json
import logging
import re

import falcon.testing

from eplanning_common.logs import JsonFormatter, get_correlation_id
from gateway.app import create_app
from gateway.problems import PROBLEM_CONTENT_TYPE


class Echo:
    """Records the correlation id seen while handling, echoes the body size."""

    seen = None

    def on_post(self, req, resp):
        Echo.seen = get_correlation_id()
        resp.media = {"received": len(req.bounded_stream.read())}


def test_a_sane_correlation_id_is_kept_echoed_and_visible_to_the_handler(app, client):
    app.add_route("/echo", Echo())

    result = client.simulate_post("/echo", body=b"{}", headers={"X-Correlation-ID": "abc-DEF_123"})

    assert result.headers["x-correlation-id"] == "abc-DEF_123"
    assert Echo.seen == "abc-DEF_123"
    assert get_correlation_id() is None  # reset after the request


def test_a_correlation_id_is_generated_when_missing(client):
    first = client.simulate_get("/healthz").headers["x-correlation-id"]
    second = client.simulate_get("/healthz").headers["x-correlation-id"]

    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert first != second


def test_an_insane_correlation_id_is_replaced_not_echoed(client):
    for bad in ("a" * 65, "abc def", "x<script>", "id;rm", "ümlaut"):
        echoed = client.simulate_get("/healthz", headers={"X-Correlation-ID": bad}).headers["x-correlation-id"]
        assert echoed != bad
        assert re.fullmatch(r"[0-9a-f]{32}", echoed)


def test_a_64_char_correlation_id_is_accepted(client):
    cid = "a" * 64
    assert client.simulate_get("/healthz", headers={"X-Correlation-ID": cid}).headers["x-correlation-id"] == cid


def test_an_oversized_body_is_refused_with_413_before_the_resource_runs(app, client):
    app.add_route("/echo", Echo())
    Echo.seen = "untouched"

    result = client.simulate_post("/echo", body=b"x" * 1025, headers={"X-Correlation-ID": "big-1"})

    assert result.status_code == 413
    assert result.headers["content-type"] == PROBLEM_CONTENT_TYPE
    assert result.json["max_bytes"] == 1024
    assert result.json["correlation_id"] == "big-1"
    assert result.headers["x-correlation-id"] == "big-1"
    assert Echo.seen == "untouched"


def test_a_body_at_the_limit_is_accepted(app, client):
    app.add_route("/echo", Echo())

    result = client.simulate_post("/echo", body=b"x" * 1024)

    assert result.status_code == 200 and result.json == {"received": 1024}


def test_a_chunked_body_without_length_is_refused_with_411(app, client):
    app.add_route("/echo", Echo())

    result = client.simulate_post("/echo", headers={"Transfer-Encoding": "chunked"})

    assert result.status_code == 411
    assert result.headers["content-type"] == PROBLEM_CONTENT_TYPE


def test_the_body_limit_comes_from_the_environment(monkeypatch, rpc, broker):
    monkeypatch.setenv("GATEWAY_MAX_BODY_BYTES", "10")
    app = create_app(rpc=rpc, broker_check=broker)
    app.add_route("/echo", Echo())
    client = falcon.testing.TestClient(app)

    assert client.simulate_post("/echo", body=b"x" * 11).status_code == 413
    assert client.simulate_post("/echo", body=b"x" * 10).status_code == 200


def test_every_request_gets_one_json_access_line(client, caplog):
    with caplog.at_level(logging.INFO, logger="gateway.access"):
        client.simulate_get("/healthz", query_string="token=secret", headers={"X-Correlation-ID": "acc-1"})
        client.simulate_get("/missing")

    records = [r for r in caplog.records if r.name == "gateway.access"]
    assert [(r.method, r.path, r.status) for r in records] == [("GET", "/healthz", 200), ("GET", "/missing", 404)]
    assert all(isinstance(r.duration_ms, float) and r.duration_ms >= 0 for r in records)
    line = json.loads(JsonFormatter("gateway").format(records[0]))
    assert line["correlation_id"] == "acc-1"
    assert line["status"] == 200 and line["path"] == "/healthz" and "duration_ms" in line
    assert "secret" not in json.dumps(line)
