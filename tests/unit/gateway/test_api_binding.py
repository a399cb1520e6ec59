"""The REST pipeline of gateway.api.binding, on a small table of test operations: role check,
validation, paging, ETag / If-None-Match, If-Match, Idempotency-Key, raw answers, 500s."""
from __future__ import annotations

import falcon
import falcon.testing
import pytest

from gateway.api.binding import MAX_PAGE_SIZE, Binding, add_routes, canonical_json
from gateway.api.idempotency import MemoryIdempotencyStore, fingerprint
from gateway.api.operation import BAPPEDA, DESA, Created, Operation, Raw
from gateway.api.schemas import integer, obj, string
from gateway.auth.errors import Unauthenticated
from gateway.auth.middleware import Authenticated
from gateway.exceptions import Conflict, ServiceTimeout, ValidationError
from gateway.problems import handle_error

from gateway_fakes import FakeClock

IDENTITIES = {
    "bappeda-token": {"sub": "u-bappeda", "role": BAPPEDA, "pemda": "12.21", "wilayah": None, "opd": None,
                      "anggota_id": None},
    "desa-token": {"sub": "u-desa", "role": DESA, "pemda": "12.21", "wilayah": "12.21.01.2001", "opd": None,
                   "anggota_id": None},
}
BAPPEDA_AUTH = {"Authorization": "Bearer bappeda-token"}
DESA_AUTH = {"Authorization": "Bearer desa-token"}


def authenticate(token):
    try:
        return IDENTITIES[token]
    except KeyError:
        raise Unauthenticated("invalid_token") from None


class Backend:
    """What the test operations call: records calls, answers from attributes set by each test."""

    def __init__(self):
        self.calls = []
        self.thing = {"id": "t1", "name": "awal", "version": 3}
        self.fail_with = None

    def record(self, name, call):
        self.calls.append((name, call))
        if self.fail_with is not None:
            raise self.fail_with


@pytest.fixture
def backend():
    return Backend()


@pytest.fixture
def store():
    return MemoryIdempotencyStore()


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def client(backend, store, clock):
    def create(call):
        backend.record("create", call)
        return Created({"id": "t2", **call.body}, "/v1/things/t2")

    def get_thing(call):
        backend.record("get", call)
        return dict(backend.thing)

    def update(call):
        backend.record("update", call)
        backend.thing = {**backend.thing, **call.body, "version": backend.thing["version"] + 1}
        return dict(backend.thing)

    def page(call):
        backend.record("page", call)
        return {"items": [{"n": 1}], "next_cursor": "42" if call.query.get("cursor") != "42" else None}

    def export(call):
        backend.record("export", call)
        return Raw(b"kode,nama\n1,satu\n", "text/csv; charset=utf-8", "things.csv")

    def explode(call):
        raise RuntimeError("secret internal detail: password=hunter2")

    ops = [
        Operation("POST", "/v1/things", "things.create", "create", "t", frozenset({BAPPEDA}), create,
                  body=obj({"name": string(minLength=2, maxLength=10), "size": integer(minimum=1)}, ["name"]),
                  idempotent=True, status=201),
        Operation("GET", "/v1/things", "things.list", "list", "t", frozenset({BAPPEDA, DESA}), page, paged=True,
                  query={"status": string(enum=["a", "b"]), "n": integer(minimum=0)}),
        Operation("GET", "/v1/things/t1", "things.get", "get", "t", frozenset({BAPPEDA, DESA}), get_thing),
        Operation("PATCH", "/v1/things/t1", "things.update", "update", "t", frozenset({BAPPEDA}), update,
                  body=obj({"name": string()}), if_match=True, current=get_thing),
        Operation("GET", "/v1/things.csv", "things.export", "export", "t", None, export, produces=("text/csv",)),
        Operation("GET", "/v1/boom", "things.boom", "boom", "t", frozenset({BAPPEDA}), explode),
    ]
    app = falcon.App(middleware=[Authenticated(authenticate)])
    app.add_error_handler(Exception, handle_error)
    app.add_error_handler(falcon.HTTPError, handle_error)
    add_routes(app, Binding(_Unused(), store, clock=clock), ops)
    return falcon.testing.TestClient(app)


class _Unused:
    def call(self, *args, **kwargs):
        raise AssertionError("the test operations do not call services")


def fields(result):
    return {(e["field"], e["code"]) for e in result.json["errors"]}


# -- who may call --------------------------------------------------------------------------------

def test_no_token_is_401_and_nothing_runs(client, backend):
    result = client.simulate_post("/v1/things", json={"name": "abc"})
    assert result.status_code == 401
    assert result.headers["content-type"] == "application/problem+json"
    assert backend.calls == []


def test_role_not_allowed_is_403_and_nothing_runs(client, backend):
    result = client.simulate_post("/v1/things", json={"name": "abc"}, headers=DESA_AUTH)
    assert result.status_code == 403
    assert backend.calls == []


def test_public_operation_needs_no_token_and_ignores_a_bad_one(client):
    assert client.simulate_get("/v1/things.csv").status_code == 200
    assert client.simulate_get("/v1/things.csv", headers={"Authorization": "Bearer nonsense"}).status_code == 200


# -- validation ----------------------------------------------------------------------------------

def test_body_errors_are_named_field_by_field_and_nothing_runs(client, backend):
    result = client.simulate_post("/v1/things", json={"size": 0, "colour": "red"}, headers=BAPPEDA_AUTH)
    assert result.status_code == 422
    assert fields(result) == {("name", "required"), ("size", "min_value"), ("colour", "unknown_field")}
    assert backend.calls == []


def test_errors_in_english_on_request(client):
    result = client.simulate_post("/v1/things", json={"name": "x"},
                                  headers={**BAPPEDA_AUTH, "Accept-Language": "en-US,en;q=0.9"})
    assert result.status_code == 422
    assert result.json["title"] == "Invalid data"
    assert result.json["errors"][0]["message"] == "Must be at least 2 characters long."
    assert result.headers["content-language"] == "en"


def test_errors_in_indonesian_by_default(client):
    result = client.simulate_post("/v1/things", json={"name": "x"}, headers=BAPPEDA_AUTH)
    assert result.json["title"] == "Data tidak valid"
    assert result.json["errors"][0]["message"] == "Minimal 2 karakter."


def test_a_body_that_is_not_an_object_is_refused(client, backend):
    result = client.simulate_post("/v1/things", json=["name"], headers=BAPPEDA_AUTH)
    assert result.status_code == 422
    assert ("", "type_object") in fields(result)
    assert backend.calls == []


def test_query_parameters_are_typed_and_unknown_ones_refused(client, backend):
    result = client.simulate_get("/v1/things", params={"n": "x", "status": "c", "sort": "id"}, headers=DESA_AUTH)
    assert result.status_code == 422
    assert fields(result) == {("n", "type_integer"), ("status", "choice"), ("sort", "unknown_field")}
    assert backend.calls == []


# -- pages ---------------------------------------------------------------------------------------

def test_page_size_is_capped_and_the_next_page_linked(client, backend):
    result = client.simulate_get("/v1/things", params={"limit": "5000", "status": "a"}, headers=DESA_AUTH)
    assert result.status_code == 200
    (_, call), = backend.calls
    assert call.query["limit"] == MAX_PAGE_SIZE
    link = result.headers["link"]
    assert link.endswith("rel=next") and "cursor=42" in link and "status=a" in link
    assert f"limit={MAX_PAGE_SIZE}" in link


def test_default_page_size(client, backend):
    client.simulate_get("/v1/things", headers=DESA_AUTH)
    assert backend.calls[0][1].query["limit"] == 50


def test_zero_limit_is_refused(client):
    assert client.simulate_get("/v1/things", params={"limit": "0"}, headers=DESA_AUTH).status_code == 422


# -- ETag ----------------------------------------------------------------------------------------

def test_reads_carry_an_etag_and_answer_304_when_unchanged(client, backend):
    first = client.simulate_get("/v1/things/t1", headers=DESA_AUTH)
    etag = first.headers["etag"]
    again = client.simulate_get("/v1/things/t1", headers={**DESA_AUTH, "If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    backend.thing["name"] = "berubah"
    changed = client.simulate_get("/v1/things/t1", headers={**DESA_AUTH, "If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag


# -- If-Match ------------------------------------------------------------------------------------

def test_update_without_if_match_is_428_and_changes_nothing(client, backend):
    result = client.simulate_patch("/v1/things/t1", json={"name": "baru"}, headers=BAPPEDA_AUTH)
    assert result.status_code == 428
    assert [name for name, _ in backend.calls] == []
    assert backend.thing["name"] == "awal"


def test_stale_if_match_is_412_and_changes_nothing(client, backend):
    etag = client.simulate_get("/v1/things/t1", headers=BAPPEDA_AUTH).headers["etag"]
    backend.thing = {**backend.thing, "name": "diubah orang lain", "version": 4}
    backend.calls.clear()
    result = client.simulate_patch("/v1/things/t1", json={"name": "baru"}, headers={**BAPPEDA_AUTH, "If-Match": etag})
    assert result.status_code == 412
    assert [name for name, _ in backend.calls] == ["get"]  # read to compare, never written
    assert backend.thing["name"] == "diubah orang lain"


def test_current_if_match_updates_with_the_version_it_was_based_on(client, backend):
    etag = client.simulate_get("/v1/things/t1", headers=BAPPEDA_AUTH).headers["etag"]
    result = client.simulate_patch("/v1/things/t1", json={"name": "baru"}, headers={**BAPPEDA_AUTH, "If-Match": etag})
    assert result.status_code == 200
    update_call = [call for name, call in backend.calls if name == "update"][0]
    assert update_call.expected_version == 3
    assert result.json["name"] == "baru"


def test_a_race_lost_inside_the_service_is_412_too(client, backend):
    etag = client.simulate_get("/v1/things/t1", headers=BAPPEDA_AUTH).headers["etag"]

    calls = []

    def lose_race(name, call):
        calls.append(name)
        if name == "update":
            raise Conflict("musrenbang", "update_usulan", "Conflict", {"detail": "usang", "code": "stale_version"})

    backend.record = lose_race
    result = client.simulate_patch("/v1/things/t1", json={"name": "baru"}, headers={**BAPPEDA_AUTH, "If-Match": etag})
    assert result.status_code == 412
    assert calls == ["get", "update"]


# -- Idempotency-Key -----------------------------------------------------------------------------

def test_a_retried_create_returns_the_first_answer_without_creating_again(client, backend):
    headers = {**BAPPEDA_AUTH, "Idempotency-Key": "create-0001"}
    first = client.simulate_post("/v1/things", json={"name": "abc"}, headers=headers)
    second = client.simulate_post("/v1/things", json={"name": "abc"}, headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.content == first.content
    assert second.headers["location"] == "/v1/things/t2"
    assert second.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert [name for name, _ in backend.calls] == ["create"]


def test_the_same_key_for_another_request_is_refused(client, backend):
    headers = {**BAPPEDA_AUTH, "Idempotency-Key": "create-0002"}
    client.simulate_post("/v1/things", json={"name": "abc"}, headers=headers)
    other = client.simulate_post("/v1/things", json={"name": "xyz"}, headers=headers)
    assert other.status_code == 422
    assert other.json["code"] == "idempotency_key_reused"
    assert len(backend.calls) == 1


def test_a_key_still_being_processed_is_409(client, store, clock):
    fp = fingerprint("POST", "/v1/things", "", canonical_json({"name": "abc"}))
    store.claim("u-bappeda", "create-0003", fp, clock(), clock(), clock())
    result = client.simulate_post("/v1/things", json={"name": "abc"},
                                  headers={**BAPPEDA_AUTH, "Idempotency-Key": "create-0003"})
    assert result.status_code == 409
    assert result.json["code"] == "idempotency_in_progress"


def test_a_transient_failure_releases_the_key_so_the_retry_runs(client, backend):
    headers = {**BAPPEDA_AUTH, "Idempotency-Key": "create-0004"}
    backend.fail_with = ServiceTimeout("musrenbang", "create_usulan", 1.0)
    assert client.simulate_post("/v1/things", json={"name": "abc"}, headers=headers).status_code == 504
    backend.fail_with = None
    retry = client.simulate_post("/v1/things", json={"name": "abc"}, headers=headers)
    assert retry.status_code == 201
    assert "idempotent-replayed" not in retry.headers
    assert len(backend.calls) == 2


def test_a_refusal_is_remembered_like_a_success(client, backend):
    headers = {**BAPPEDA_AUTH, "Idempotency-Key": "create-0005"}
    backend.fail_with = ValidationError("musrenbang", "create_usulan", "ValidationError",
                                        {"detail": "Jadwal desa sudah ditutup", "errors": []})
    first = client.simulate_post("/v1/things", json={"name": "abc"}, headers=headers)
    backend.fail_with = None
    second = client.simulate_post("/v1/things", json={"name": "abc"}, headers=headers)
    assert first.status_code == second.status_code == 422
    assert second.json["detail"] == "Jadwal desa sudah ditutup"
    assert second.headers["content-type"] == "application/problem+json"
    assert len(backend.calls) == 1


def test_keys_are_per_user(client, backend):
    IDENTITIES["other-bappeda"] = {**IDENTITIES["bappeda-token"], "sub": "u-other"}
    try:
        for token in ("bappeda-token", "other-bappeda"):
            client.simulate_post("/v1/things", json={"name": "abc"},
                                 headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "shared-key-1"})
    finally:
        del IDENTITIES["other-bappeda"]
    assert len(backend.calls) == 2


def test_an_expired_key_runs_again(client, backend, clock):
    headers = {**BAPPEDA_AUTH, "Idempotency-Key": "create-0006"}
    client.simulate_post("/v1/things", json={"name": "abc"}, headers=headers)
    clock.advance(25 * 3600)
    again = client.simulate_post("/v1/things", json={"name": "abc"}, headers=headers)
    assert "idempotent-replayed" not in again.headers
    assert len(backend.calls) == 2


def test_a_malformed_key_is_refused(client, backend):
    result = client.simulate_post("/v1/things", json={"name": "abc"},
                                  headers={**BAPPEDA_AUTH, "Idempotency-Key": "short"})
    assert result.status_code == 422
    assert fields(result) == {("Idempotency-Key", "idempotency_key_format")}
    assert backend.calls == []


def test_the_key_reaches_the_handler_as_request_id_only_on_idempotent_operations(client, backend):
    client.simulate_post("/v1/things", json={"name": "abc"}, headers={**BAPPEDA_AUTH, "Idempotency-Key": "create-0007"})
    client.simulate_post("/v1/things", json={"name": "abc"}, headers=BAPPEDA_AUTH)
    client.simulate_get("/v1/things/t1", headers={**BAPPEDA_AUTH, "Idempotency-Key": "read-0000001"})
    seen = [(name, call.request_id, call.request_kwargs()) for name, call in backend.calls]
    assert seen == [("create", "create-0007", {"request_id": "create-0007"}), ("create", None, {}),
                    ("get", None, {})]


def test_a_retry_after_a_transient_failure_carries_the_same_request_id(client, backend):
    """The gateway forgets a key whose answer was a 5xx; the service recognises the retry by it."""
    headers = {**BAPPEDA_AUTH, "Idempotency-Key": "create-0008"}
    backend.fail_with = ServiceTimeout("musrenbang", "create_usulan", 1.0)
    assert client.simulate_post("/v1/things", json={"name": "abc"}, headers=headers).status_code == 504
    backend.fail_with = None
    assert client.simulate_post("/v1/things", json={"name": "abc"}, headers=headers).status_code == 201
    assert [call.request_id for _, call in backend.calls] == ["create-0008", "create-0008"]


# -- answers -------------------------------------------------------------------------------------

def test_raw_answers_keep_their_type_and_name(client):
    result = client.simulate_get("/v1/things.csv")
    assert result.headers["content-type"].startswith("text/csv")
    assert 'filename="things.csv"' in result.headers["content-disposition"]
    assert result.text.splitlines()[0] == "kode,nama"
    assert result.headers["etag"]


def test_a_500_says_nothing_of_the_exception(client):
    result = client.simulate_get("/v1/boom", headers=BAPPEDA_AUTH)
    assert result.status_code == 500
    assert "hunter2" not in result.text and "RuntimeError" not in result.text
    assert result.headers["content-type"] == "application/problem+json"


def test_a_500_in_english(client):
    result = client.simulate_get("/v1/boom", headers={**BAPPEDA_AUTH, "Accept-Language": "en"})
    assert result.json["title"] == "Internal error"
    assert "hunter2" not in result.text


def test_unknown_route_is_problem_json_in_english(client):
    result = client.simulate_get("/v1/nowhere", headers={"Accept-Language": "en"})
    assert result.status_code == 404
    assert result.json["title"] == "Not found"


def test_what_a_service_sends_beside_its_detail_reaches_the_client(client, backend):
    backend.fail_with = Conflict("musrenbang", "close_kecamatan", "Conflict", {
        "detail": "2 usulan belum diputuskan", "code": "undecided", "usulan": ["AB12", "CD34"],
        "status": 200, "type": "spoofed"})
    result = client.simulate_post("/v1/things", json={"name": "abc"}, headers=BAPPEDA_AUTH)
    assert result.status_code == 409
    assert result.json["code"] == "undecided" and result.json["usulan"] == ["AB12", "CD34"]
    assert result.json["status"] == 409 and result.json["type"].endswith(":conflict")  # never overridden


def test_csv_row_numbers_of_service_field_errors_are_kept(client, backend):
    backend.fail_with = ValidationError("musrenbang", "import_kamus", "ValidationError", {
        "detail": "1 baris salah", "errors": [{"field": "harga_satuan", "message": "harus > 0", "code": "invalid",
                                              "row": 3, "secret": "x"}]})
    result = client.simulate_post("/v1/things", json={"name": "abc"}, headers=BAPPEDA_AUTH)
    assert result.json["errors"] == [{"field": "harga_satuan", "message": "harus > 0", "code": "invalid", "row": 3}]


def test_public_answers_may_be_cached_by_anyone_private_ones_only_by_the_client(client):
    assert client.simulate_get("/v1/things.csv").headers["cache-control"] == "public, no-cache"
    assert client.simulate_get("/v1/things/t1", headers=DESA_AUTH).headers["cache-control"] == "private, no-cache"


def test_a_service_that_lost_its_database_is_a_503_to_retry_not_a_500(client, backend):
    from gateway.exceptions import REMOTE_ERRORS, RemoteUnavailable

    assert REMOTE_ERRORS["OperationalError"] is RemoteUnavailable  # what nameko names SQLAlchemy's error
    backend.fail_with = RemoteUnavailable("renja", "create_row", "OperationalError", {
        "detail": 'FATAL: sorry, too many clients already (host=10.0.0.7 user=renja)'})
    headers = {**BAPPEDA_AUTH, "Idempotency-Key": "create-db-down-1"}
    result = client.simulate_post("/v1/things", json={"name": "abc"}, headers=headers)
    assert result.status_code == 503 and result.headers["retry-after"] == "2"
    assert "10.0.0.7" not in result.text and "too many clients" not in result.text
    backend.fail_with = None  # the key was released: the retry runs
    assert client.simulate_post("/v1/things", json={"name": "abc"}, headers=headers).status_code == 201
