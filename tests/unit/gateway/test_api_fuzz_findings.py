"""Regression tests for what schemathesis found against the live /v1 (issue #9,
tests/integration/test_fuzz_api.py); each test names its finding."""
from __future__ import annotations

import pytest

from gateway.api import catalog
from gateway.api.binding import path_schemas

SCHEDULE = {"tahun": 2027, "windows": [], "version": 1, "closed": False}


@pytest.fixture
def bappeda(make_user, bearer):
    make_user("bappeda1", role="bappeda")
    return bearer("bappeda1")


@pytest.fixture
def document(client):
    return client.simulate_get("/v1/openapi.json").json


def operations(document):
    for path, item in document["paths"].items():
        for method, op in item.items():
            yield path, method.upper(), op


# -- finding: GET /v1/dashboard/1 answered 200 with `"tahun": 1`, against its own response schema
# (tahun 2000..2100): the path's year was never checked. Every common path parameter (tahun, pemda,
# kecamatan) is now checked before any handler runs, and documented with its range or pattern.

@pytest.mark.parametrize("tahun", [1, 1999, 2101, 99999999999])
def test_a_year_out_of_range_is_422_on_the_dashboard_and_no_service_is_asked(client, rpc, bappeda, tahun):
    rpc.answers[("musrenbang", "get_schedule")] = SCHEDULE
    result = client.simulate_get(f"/v1/dashboard/{tahun}", headers=bappeda)
    assert result.status_code == 422, result.text
    assert result.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in result.json["errors"]] == ["tahun"]
    assert rpc.calls == []


def test_every_year_kecamatan_and_pemda_in_a_path_is_documented_with_its_constraints(document):
    seen = set()
    for path, method, op in operations(document):
        for parameter in op.get("parameters", []):
            if parameter["in"] != "path":
                continue
            schema, name = parameter["schema"], parameter["name"]
            seen.add(name)
            if name == "tahun":
                assert (schema["minimum"], schema["maximum"]) == (2000, 2100), (method, path)
            if name in ("pemda", "kecamatan", "opd", "tracking_code"):
                assert "pattern" in schema, (method, path, name)
            if name == "bab":
                assert schema["enum"] == [1, 2, 3, 4, 6, 7]
    assert {"tahun", "pemda", "kecamatan", "opd", "tracking_code", "bab"} <= seen


def test_a_path_code_that_breaks_its_pattern_is_422_naming_it(client, rpc, bappeda):
    result = client.simulate_get("/v1/musrenbang/2027/kecamatan/Barumun/ranking", headers=bappeda)
    assert result.status_code == 422 and [e["field"] for e in result.json["errors"]] == ["kecamatan"]
    result = client.simulate_put("/v1/renja/2027/opd/PUPR/pagu", json={"pagu_n": "1", "pagu_n1": "1"},
                                 headers=bappeda)
    assert result.status_code == 422 and [e["field"] for e in result.json["errors"]] == ["opd"]
    assert rpc.calls == []


def test_path_schemas_follow_the_converters_and_the_operation():
    ops = {op.operation_id: op for op in catalog.DOCUMENTED}
    assert path_schemas(ops["renja.getRow"]) == {"row_id": {"type": "string", "format": "uuid"}}
    assert path_schemas(ops["rkpd.setNarrative"])["bab"] == {"type": "integer", "enum": [1, 2, 3, 4, 6, 7]}
    assert path_schemas(ops["dashboard.get"])["tahun"]["minimum"] == 2000


# -- finding: answers the operations gave but did not document (status_code_conformance):
# 422 for an invalid path parameter of operations with no body or query, 401 from login and refresh,
# 429 from login and the password change, 400 for a malformed request (any operation).

def test_every_operation_documents_400_and_every_operation_with_input_documents_422(document):
    for path, method, op in operations(document):
        responses = op["responses"]
        assert "400" in responses, (method, path)
        if op.get("parameters") or "requestBody" in op:
            if any(p["in"] in ("path", "query") for p in op.get("parameters", [])) or "requestBody" in op:
                assert "422" in responses, (method, path)
        if "requestBody" in op:
            assert {"413", "415"} <= set(responses), (method, path)
        for status, answer in responses.items():
            if status.startswith(("4", "5")) and status != "304":
                assert list(answer["content"]) == ["application/problem+json"], (method, path, status)


def test_the_authentication_operations_document_their_refusals(document):
    paths = document["paths"]
    assert {"401", "429"} <= set(paths["/v1/auth/login"]["post"]["responses"])
    assert "401" in paths["/v1/auth/refresh"]["post"]["responses"]
    assert "429" in paths["/v1/auth/password"]["post"]["responses"]


def test_a_failed_login_is_a_documented_401(client, document, make_user):
    make_user("desa1", role="operator_desa", wilayah="12.21.01.2001")
    result = client.simulate_post("/v1/auth/login", json={"username": "desa1", "password": "salah-sekali"})
    assert result.status_code == 401
    assert str(result.status_code) in document["paths"]["/v1/auth/login"]["post"]["responses"]


# -- finding: a NUL (\u0000) in a string reached PostgreSQL (text and jsonb cannot hold it): 500s on
# PUT /v1/musrenbang/{tahun}/criteria (DataError) and POST .../kecamatan/{kecamatan}/close (ValueError
# "A string literal cannot contain NUL"). A lone surrogate (\udaff) cannot even be encoded as UTF-8;
# as a member name it came back in the problem and the answer itself failed (500, empty body).
# Now a field error (`invalid_character`) wherever it comes from, before any service is asked.

def put_json(client, path, raw: bytes, headers):
    return client.simulate_put(path, body=raw, headers={**headers, "Content-Type": "application/json"})


@pytest.mark.parametrize("raw, field", [
    (b'{"criteria": [{"name": "Manfaat\\u0000", "weight": "1", "max_score": 5}]}', "criteria[0].name"),
    (b'{"criteria": [{"name": "Manfaat\\udaff", "weight": "1", "max_score": 5}]}', "criteria[0].name"),
    (b'{"criteria": [], "\\udaff": 1}', "\udaff"),
])
def test_text_no_database_can_store_is_a_field_error_not_a_500(client, rpc, bappeda, raw, field):
    result = put_json(client, "/v1/musrenbang/2027/criteria", raw, bappeda)
    assert result.status_code == 422, result.text
    assert result.headers["content-type"] == "application/problem+json"
    assert {"field": field, "code": "invalid_character"} in [{k: e[k] for k in ("field", "code")}
                                                              for e in result.json["errors"]]
    assert rpc.calls == []


def test_a_nul_in_a_query_or_path_parameter_is_a_field_error(client, rpc, bappeda):
    result = client.simulate_get("/v1/musrenbang/2027/usulan", query_string="desa=12.21%00", headers=bappeda)
    assert result.status_code == 422 and "invalid_character" in {e["code"] for e in result.json["errors"]}
    result = client.simulate_get("/v1/musrenbang/usulan/abc%00def", headers=bappeda)
    assert result.status_code == 422 and result.json["errors"][0]["field"] == "usulan_id"
    assert rpc.calls == []


def test_a_csv_with_a_nul_is_a_field_error(client, rpc, bappeda):
    result = client.simulate_put("/v1/musrenbang/2027/kamus", body=b"kode,nama\nA\x00,B\n",
                                 headers={**bappeda, "Content-Type": "text/csv"})
    assert result.status_code == 422 and result.json["errors"][0]["code"] == "invalid_character"
    assert rpc.calls == []


def test_a_login_with_a_nul_is_a_field_error_not_a_database_error(client):
    result = client.simulate_post("/v1/auth/login", body=b'{"username": "admin\\u0000", "password": "x"}',
                                  headers={"Content-Type": "application/json"})
    assert result.status_code == 422 and result.json["errors"][0] == {
        "field": "username", "code": "invalid_character", "message": result.json["errors"][0]["message"]}


# -- finding: PUT /v1/pokir/{tahun}/window with `"opens_at": "0905-05-18T07:22:59.055141+19:36"` was a
# 500 (PostgreSQL: "time zone displacement out of range"). A date-time is now RFC 3339 with an offset
# of at most ±14:00 at the gateway, and the services refuse such an offset themselves as well.

@pytest.mark.parametrize("moment", ["0905-05-18T07:22:59.055141+19:36", "2027-01-05T00:00:00-14:30",
                                    "2027-02-30T00:00:00+07:00", "0001-01-01T00:00:00+14:00"])
def test_a_date_time_no_database_can_store_is_a_field_error(client, rpc, bappeda, moment):
    result = client.simulate_put("/v1/pokir/2027/window", json={"opens_at": moment,
                                                                "closes_at": "2027-03-01T00:00:00+07:00"},
                                 headers=bappeda)
    assert result.status_code == 422, result.text
    assert [(e["field"], e["code"]) for e in result.json["errors"]] == [("opens_at", "format_datetime")]
    assert rpc.calls == []


# -- finding: `\d` in a Python pattern matches every Unicode digit, ECMA-262's (JSON Schema's) only
# 0-9: `GET /v1/public/opendata/႔৮.꘩୧/2007` passed the gateway's pemda check and answered a pemda its
# own response schema refuses. Every pattern now says [0-9].

@pytest.mark.parametrize("path", ["/v1/public/opendata/%E1%82%94%E0%A7%AE.%EA%98%A9%E0%AD%A7/2027",
                                  "/v1/public/rkpd/%E0%A5%A7%E0%A5%A8.%E0%A5%A8%E0%A5%A7/2027"])
def test_codes_take_ascii_digits_only(client, rpc, path):
    result = client.simulate_get(path)
    assert result.status_code == 422 and result.json["errors"][0]["field"] == "pemda"
    assert rpc.calls == []


def test_no_pattern_of_the_api_uses_unicode_digits(document):
    import json as _json

    assert "\\d" not in _json.dumps(document)
