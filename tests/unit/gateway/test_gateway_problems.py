import logging

import falcon
import pytest

from gateway.exceptions import (
    Conflict, Forbidden, NotFound, RemoteServiceError, ServiceTimeout, ServiceUnavailable, ValidationError,
)
from gateway.problems import PROBLEM_CONTENT_TYPE, Problem

SECRET = "password=hunter2 at db.internal:5432"


class Raises:
    """A resource whose GET raises `exc` (or calls the rpc, which raises)."""

    def __init__(self, exc=None, rpc=None):
        self.exc = exc
        self.rpc = rpc

    def on_get(self, req, resp):
        if self.rpc is not None:
            resp.media = self.rpc.call("musrenbang", "create_usulan", {"judul": ""})
            return
        raise self.exc


def test_unexpected_error_is_a_500_problem_that_never_echoes_the_exception(app, client, caplog):
    app.add_route("/boom", Raises(RuntimeError(SECRET)))

    with caplog.at_level(logging.ERROR, logger="gateway.problems"):
        result = client.simulate_get("/boom", headers={"X-Correlation-ID": "trace-500"})

    assert result.status_code == 500
    assert result.headers["content-type"] == PROBLEM_CONTENT_TYPE
    assert "hunter2" not in result.text and "RuntimeError" not in result.text
    body = result.json
    assert body["status"] == 500 and body["instance"] == "/boom"
    assert body["correlation_id"] == "trace-500"
    assert body["type"].startswith("urn:eplanning:problem:") and body["title"] and body["detail"]
    # ... but the log has it all, under the same correlation id
    logged = [r for r in caplog.records if r.exc_info and r.exc_info[1].args == (SECRET,)]
    assert logged and logged[0].getMessage() == "unhandled error on GET /boom"


def test_remote_validation_error_is_a_422_with_the_field_errors(app, client, rpc):
    rpc.answers[("musrenbang", "create_usulan")] = ValidationError(
        "musrenbang", "create_usulan", "ValidationError",
        {"detail": "Data usulan tidak valid.",
         "errors": [{"field": "judul", "message": "Judul wajib diisi.", "code": "required"},
                    {"field": "lokasi.kecamatan", "message": "Kecamatan tidak dikenal.", "code": "unknown"},
                    "not a field error"]})
    app.add_route("/usulan", Raises(rpc=rpc))

    result = client.simulate_get("/usulan")

    assert result.status_code == 422
    assert result.headers["content-type"] == PROBLEM_CONTENT_TYPE
    assert result.json["detail"] == "Data usulan tidak valid."
    assert result.json["errors"] == [
        {"field": "judul", "message": "Judul wajib diisi.", "code": "required"},
        {"field": "lokasi.kecamatan", "message": "Kecamatan tidak dikenal.", "code": "unknown"},
    ]


@pytest.mark.parametrize("exc, status", [
    (NotFound("renja", "get", "NotFound", {"detail": "Renja tidak ditemukan."}), 404),
    (Forbidden("renja", "get", "Forbidden", {"detail": "Bukan renja OPD Anda."}), 403),
    (Conflict("renja", "get", "Conflict", {"detail": "Versi data sudah berubah."}), 409),
])
def test_remote_domain_errors_map_to_their_status_with_the_service_message(app, client, exc, status):
    app.add_route("/x", Raises(exc))

    result = client.simulate_get("/x")

    assert result.status_code == status
    assert result.headers["content-type"] == PROBLEM_CONTENT_TYPE
    assert result.json["detail"] == exc.payload["detail"]


@pytest.mark.parametrize("exc, status", [
    (ServiceTimeout("pokir", "list", 10.0), 504),
    (ServiceUnavailable("pokir", "list", "broker"), 503),
])
def test_service_timeouts_and_outages_map_to_504_and_503(app, client, exc, status):
    app.add_route("/x", Raises(exc))

    result = client.simulate_get("/x")

    assert result.status_code == status
    assert result.json["service"] == "pokir"
    assert "pokir" in result.json["detail"]


def test_unmapped_remote_error_is_a_500_without_its_payload(app, client):
    app.add_route("/x", Raises(RemoteServiceError("rkpd", "assemble", "KeyError", {"detail": SECRET})))

    result = client.simulate_get("/x")

    assert result.status_code == 500
    assert "hunter2" not in result.text and "KeyError" not in result.text


def test_falcon_http_errors_keep_their_status_and_headers_as_problems(app, client):
    app.add_route("/teapot", Raises(falcon.HTTPError(418, title="I'm a teapot")))

    missing = client.simulate_get("/no/such/route")
    not_allowed = client.simulate_delete("/healthz")
    teapot = client.simulate_get("/teapot")

    assert missing.status_code == 404
    assert missing.headers["content-type"] == PROBLEM_CONTENT_TYPE
    assert missing.json["instance"] == "/no/such/route"
    assert not_allowed.status_code == 405
    assert "GET" in not_allowed.headers["allow"]
    assert not_allowed.headers["content-type"] == PROBLEM_CONTENT_TYPE
    assert teapot.status_code == 418 and teapot.json["detail"] == "I'm a teapot"


def test_problem_extensions_do_not_override_the_standard_members(app, client):
    app.add_route("/x", Raises(Problem(409, "Sudah ada.", status=200, type="evil", usulan_id="u-1")))

    body = client.simulate_get("/x").json

    assert body["status"] == 409
    assert body["type"] == "urn:eplanning:problem:conflict"
    assert body["usulan_id"] == "u-1"
