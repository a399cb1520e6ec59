"""/v1/pokir through the real app: each operation makes the right `pokir.<method>` call and answers
what the service said; roles, schemas, If-Match, Idempotency-Key and pages are enforced before any
call. The last part checks the schemas against the pokir service's own vocabulary and views."""
from __future__ import annotations

import copy
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import pytest

from gateway.api import pokir as api
from gateway.api.schemas import field_errors
from gateway.app import create_app
from gateway.exceptions import Conflict, Forbidden, NotFound, ValidationError
from gateway.problems import PROBLEM_CONTENT_TYPE
from gateway_fakes import SERVICES

PID = api.EX_POKIR_ID
ONE = f"/v1/pokir/pokir/{PID}"
POKIR = api.EX_POKIR_READ
USERS = {  # username: (role, scopes)
    "bappeda1": ("bappeda", {}), "setwan1": ("setwan", {}), "a01": ("anggota_dprd", {"anggota_id": "A01"}),
    "s01": ("staf_ahli", {"anggota_id": "A01"}), "opd1": ("opd", {"opd": "1.03.0.00.0.00.01.0000"}),
    "desa1": ("operator_desa", {"wilayah": "12.21.07.1001"}), "admin1": ("admin", {}),
}


@pytest.fixture
def app(rpc, broker, auth, idempotency_store):
    """conftest's `app` with the idempotency store itself (conftest passes the fixture function)."""
    return create_app(rpc=rpc, broker_check=broker, services=SERVICES, readiness_timeout=2.0, max_body_bytes=1024,
                      auth=auth, idempotency_store=idempotency_store, deps={})


@pytest.fixture
def as_(make_user, bearer):
    """as_(username) -> Authorization headers of that user (made on first use)."""
    made = {}

    def headers(username):
        if username not in made:
            role, scopes = USERS[username]
            make_user(username, role=role, **scopes)
            made[username] = bearer(username)
        return made[username]

    return headers


def calls(rpc, service="pokir"):
    """The RPCs made, health checks aside: [(method, args, kwargs)]."""
    return [(m, a, k) for s, m, a, k in rpc.calls if s == service and m != "health"]


def remote(kind, method, detail, code, **extra):
    return kind("pokir", method, kind.__name__, {"detail": detail, "code": code, **extra})


def field_codes(result):
    return {(e["field"], e["code"]) for e in result.json["errors"]}


# -- the DPRD register --------------------------------------------------------------------------------

def test_setwan_imports_the_register_from_three_csv_files(client, rpc, as_):
    summary = {"pemda": "12.21", "periode": "2024-2029", "dapil": 1, "anggota": 1, "staf_ahli": 1}
    rpc.answers[("pokir", "import_register")] = summary
    result = client.simulate_put("/v1/pokir/register", json=api.EX_REGISTER_IN, headers=as_("setwan1"))
    assert result.status_code == 200 and result.json == summary
    body = api.EX_REGISTER_IN
    assert calls(rpc) == [("import_register", ("2024-2029", body["dapil_csv"], body["anggota_csv"],
                                               body["staf_ahli_csv"]), {})]


def test_register_row_errors_keep_their_file_and_line_in_the_field(client, rpc, as_):
    rpc.answers[("pokir", "import_register")] = ValidationError(
        "pokir", "import_register", "ValidationError",
        {"detail": "2 kesalahan pada daftar DPRD; tidak ada yang diimpor", "code": "csv_invalid",
         "errors": [{"file": "anggota", "row": 3, "field": "pagu", "message": "Pagu harus > 0", "code": "invalid"},
                    {"file": "dapil", "row": 2, "field": "kecamatan", "message": "Kecamatan tidak dikenal",
                     "code": "unknown"}]})
    result = client.simulate_put("/v1/pokir/register", json=api.EX_REGISTER_IN, headers=as_("bappeda1"))
    assert result.status_code == 422 and result.headers["content-type"] == PROBLEM_CONTENT_TYPE
    assert result.json["code"] == "csv_invalid"
    assert field_codes(result) == {("anggota_csv[3].pagu", "invalid"), ("dapil_csv[2].kecamatan", "unknown")}
    assert result.json["errors"][0]["message"] == "Pagu harus > 0"


def test_register_import_refuses_members_and_bad_bodies_before_any_call(client, rpc, as_):
    assert client.simulate_put("/v1/pokir/register", json=api.EX_REGISTER_IN, headers=as_("a01")).status_code == 403
    bad = {**api.EX_REGISTER_IN, "periode": "2024", "dapil_csv": "", "extra": 1}
    del bad["staf_ahli_csv"]
    result = client.simulate_put("/v1/pokir/register", json=bad, headers=as_("setwan1"))
    assert result.status_code == 422
    assert field_codes(result) == {("periode", "format_pattern"), ("dapil_csv", "too_short"),
                                   ("staf_ahli_csv", "required"), ("extra", "unknown_field")}
    assert calls(rpc) == []


def test_members_read_the_register_and_other_roles_do_not(client, rpc, as_):
    rpc.answers[("pokir", "get_register")] = api.EX_REGISTER
    result = client.simulate_get("/v1/pokir/register", headers=as_("s01"))
    assert result.status_code == 200 and result.json == api.EX_REGISTER and result.headers["etag"]
    assert client.simulate_get("/v1/pokir/register", headers=as_("opd1")).status_code == 403
    assert calls(rpc) == [("get_register", (), {})]


# -- catalogue, window, reses -----------------------------------------------------------------------

def test_bappeda_imports_the_kamus_as_csv(client, rpc, as_):
    rpc.answers[("pokir", "import_kamus")] = {"pemda": "12.21", "tahun": 2027, "imported": 1}
    result = client.simulate_put("/v1/pokir/2027/kamus", body=api.EX_KAMUS_CSV.encode(),
                                 headers={**as_("bappeda1"), "Content-Type": "text/csv; charset=utf-8"})
    assert result.status_code == 200 and result.json["imported"] == 1
    assert calls(rpc) == [("import_kamus", (2027, api.EX_KAMUS_CSV), {})]


def test_kamus_import_refusals(client, rpc, as_):
    csv_headers = {**as_("bappeda1"), "Content-Type": "text/csv"}
    setwan_csv = {**as_("setwan1"), "Content-Type": "text/csv"}
    assert client.simulate_put("/v1/pokir/2027/kamus", body=b"x", headers=setwan_csv).status_code == 403
    assert client.simulate_put("/v1/pokir/2027/kamus", json={"csv": "x"}, headers=as_("bappeda1")).status_code == 415
    result = client.simulate_put("/v1/pokir/1999/kamus", body=b"kode\n", headers=csv_headers)
    assert result.status_code == 422 and field_codes(result) == {("tahun", "min_value")}
    result = client.simulate_put("/v1/pokir/2027/kamus", body=b"\xff\xfe bad", headers=csv_headers)
    assert result.status_code == 422 and field_codes(result) == {("csv", "invalid")}
    assert calls(rpc) == []
    rpc.answers[("pokir", "import_kamus")] = ValidationError(
        "pokir", "import_kamus", "ValidationError",
        {"detail": "1 kesalahan", "code": "csv_invalid",
         "errors": [{"row": 2, "field": "harga_satuan", "message": "Harga satuan harus angka",
                     "code": "not_positive"}]})
    result = client.simulate_put("/v1/pokir/2027/kamus", body=api.EX_KAMUS_CSV.encode(), headers=csv_headers)
    assert result.status_code == 422 and field_codes(result) == {("csv[2].harga_satuan", "not_positive")}


def test_bappeda_sets_the_window_with_zoned_times_only(client, rpc, as_):
    rpc.answers[("pokir", "set_window")] = {**api.EX_WINDOW, "source": "bappeda"}
    result = client.simulate_put("/v1/pokir/2027/window", json=api.EX_WINDOW, headers=as_("bappeda1"))
    assert result.status_code == 200 and result.json["source"] == "bappeda"
    assert calls(rpc) == [("set_window", (2027, api.EX_WINDOW["opens_at"], api.EX_WINDOW["closes_at"]), {})]

    naive = {"opens_at": "2027-01-02T00:00:00", "closes_at": "besok"}
    result = client.simulate_put("/v1/pokir/2027/window", json=naive, headers=as_("bappeda1"))
    assert result.status_code == 422
    assert {f for f, _ in field_codes(result)} == {"opens_at", "closes_at"}
    assert client.simulate_put("/v1/pokir/2027/window", json=api.EX_WINDOW, headers=as_("setwan1")).status_code == 403
    assert len(calls(rpc)) == 1


def test_a_member_records_a_reses(client, rpc, as_):
    rpc.answers[("pokir", "record_reses")] = api.EX_RESES
    result = client.simulate_post("/v1/pokir/2027/reses", json=api.EX_RESES_IN, headers=as_("s01"))
    assert result.status_code == 201 and result.json == api.EX_RESES
    assert calls(rpc) == [("record_reses", (2027, api.EX_RESES_IN), {})]


def test_a_reses_with_an_idempotency_key_passes_it_as_request_id(client, rpc, as_):
    rpc.answers[("pokir", "record_reses")] = api.EX_RESES
    headers = {**as_("s01"), "Idempotency-Key": "reses-2027-0001"}
    first = client.simulate_post("/v1/pokir/2027/reses", json=api.EX_RESES_IN, headers=headers)
    again = client.simulate_post("/v1/pokir/2027/reses", json=api.EX_RESES_IN, headers=headers)
    assert first.status_code == again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
    assert calls(rpc) == [("record_reses", (2027, api.EX_RESES_IN), {"request_id": "reses-2027-0001"})]


def test_reses_refusals_happen_before_the_call(client, rpc, as_):
    # the service would fail with a 500 on a missing tempat (ResesInput(**data)): the gateway requires it
    result = client.simulate_post("/v1/pokir/2027/reses", json={"tanggal": "2026-13-01", "jumlah_peserta": 0,
                                                                "anggota_id": "A02"}, headers=as_("a01"))
    assert result.status_code == 422
    assert field_codes(result) == {("tanggal", "format_date"), ("tempat", "required"),
                                   ("jumlah_peserta", "min_value"), ("anggota_id", "unknown_field")}
    assert client.simulate_post("/v1/pokir/2027/reses", json=api.EX_RESES_IN,
                                headers=as_("setwan1")).status_code == 403
    assert calls(rpc) == []


# -- creating and reading pokir ----------------------------------------------------------------------

def test_a_member_creates_a_pokir_201_with_its_location(client, rpc, as_):
    rpc.answers[("pokir", "create_pokir")] = api.EX_POKIR
    rpc.answers[("pokir", "get_pokir")] = api.EX_POKIR_READ
    result = client.simulate_post("/v1/pokir/2027/pokir", json=api.EX_POKIR_IN, headers=as_("a01"))
    assert result.status_code == 201 and result.json == api.EX_POKIR
    assert result.headers["location"].endswith(f"/v1/pokir/pokir/{PID}")
    # read back for the ETag (a GET adds the overlaps): the one the next If-Match needs
    assert calls(rpc) == [("create_pokir", (2027, api.EX_POKIR_IN), {}), ("get_pokir", (PID,), {})]
    assert result.headers["etag"] == client.simulate_get(ONE, headers=as_("a01")).headers["etag"]


def test_a_retried_create_with_its_idempotency_key_creates_once(client, rpc, as_):
    rpc.answers[("pokir", "create_pokir")] = api.EX_POKIR
    headers = {**as_("s01"), "Idempotency-Key": "pokir-create-0001"}
    first = client.simulate_post("/v1/pokir/2027/pokir", json=api.EX_POKIR_IN, headers=headers)
    again = client.simulate_post("/v1/pokir/2027/pokir", json=api.EX_POKIR_IN, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true" and again.json == first.json
    assert again.headers["location"] == first.headers["location"]
    assert [c for c in calls(rpc) if c[0] == "create_pokir"] == [
        ("create_pokir", (2027, api.EX_POKIR_IN), {"request_id": "pokir-create-0001"})]
    assert again.headers.get("etag") == first.headers.get("etag")
    before = len(calls(rpc))
    other = client.simulate_post("/v1/pokir/2027/pokir", json={**api.EX_POKIR_IN, "volume": "3"}, headers=headers)
    assert other.status_code == 422 and len(calls(rpc)) == before  # the key names another request


def test_create_refusals_happen_before_the_call(client, rpc, as_):
    body = {**api.EX_POKIR_IN, "cost": "1000", "anggota_id": "A02", "volume": -1, "desa": "12.21.07",
            "lat": 91, "lampiran": [{"nama_berkas": "foto.gif", "media_type": "image/gif", "ukuran": 0,
                                     "sha256": "abc"}]}
    del body["judul"]
    result = client.simulate_post("/v1/pokir/2027/pokir", json=body, headers=as_("a01"))
    assert result.status_code == 422
    assert field_codes(result) == {
        ("cost", "unknown_field"), ("anggota_id", "unknown_field"), ("judul", "required"), ("volume", "min_value"),
        ("desa", "format_pattern"), ("lat", "max_value"), ("lampiran[0].media_type", "choice"),
        ("lampiran[0].ukuran", "min_value"), ("lampiran[0].sha256", "format_pattern")}
    for who in ("setwan1", "bappeda1", "opd1"):
        assert client.simulate_post("/v1/pokir/2027/pokir", json=api.EX_POKIR_IN, headers=as_(who)).status_code == 403
    assert calls(rpc) == []


def test_the_deadline_refusal_of_the_service_is_a_409_problem(client, rpc, as_):
    rpc.answers[("pokir", "create_pokir")] = remote(Conflict, "create_pokir",
                                                    "Batas waktu pokir 2027-03-08 23:59 WIB sudah lewat",
                                                    "deadline_passed")
    result = client.simulate_post("/v1/pokir/2027/pokir", json=api.EX_POKIR_IN, headers=as_("a01"))
    assert result.status_code == 409 and result.headers["content-type"] == PROBLEM_CONTENT_TYPE
    assert result.json["code"] == "deadline_passed" and "23:59 WIB" in result.json["detail"]


def test_the_list_passes_filters_and_links_the_next_page(client, rpc, as_):
    rpc.answers[("pokir", "list_pokir")] = {"items": [POKIR], "next_cursor": "128"}
    result = client.simulate_get("/v1/pokir/2027/pokir", headers=as_("setwan1"),
                                 params={"status": "tidak diakomodasi", "desa": "12.21.07.1001", "limit": "20"})
    assert result.status_code == 200 and result.json == {"items": [POKIR], "next_cursor": "128"}
    assert calls(rpc) == [("list_pokir", (2027,), {"filters": {"status": "tidak diakomodasi",
                                                               "desa": "12.21.07.1001"},
                                                   "cursor": None, "limit": 20})]
    link = result.headers["link"]
    assert link.replace('"', "").endswith("rel=next")
    query = parse_qs(urlparse(link[link.index("<") + 1:link.index(">")]).query)
    assert query["cursor"] == ["128"] and query["status"] == ["tidak diakomodasi"] and query["limit"] == ["20"]


def test_pages_above_the_services_100_are_fetched_in_two_calls(client, rpc, as_):
    def list_pokir(tahun, filters=None, cursor=None, limit=None):
        start = int(cursor or 0)
        return {"items": [{"n": start + i} for i in range(limit)], "next_cursor": str(start + limit)}

    rpc.answers[("pokir", "list_pokir")] = list_pokir
    result = client.simulate_get("/v1/pokir/2027/pokir", params={"limit": "500", "cursor": "7"},
                                 headers=as_("bappeda1"))
    assert result.status_code == 200
    assert [k for _, _, k in calls(rpc)] == [{"filters": {}, "cursor": "7", "limit": 100},
                                             {"filters": {}, "cursor": "107", "limit": 100}]  # 500 capped at 200
    assert len(result.json["items"]) == 200 and result.json["items"][-1] == {"n": 206}
    assert result.json["next_cursor"] == "207"


def test_a_short_last_page_ends_without_a_link(client, rpc, as_):
    rpc.answers[("pokir", "list_pokir")] = {"items": [POKIR], "next_cursor": None}
    result = client.simulate_get("/v1/pokir/2027/pokir", params={"limit": "150"}, headers=as_("a01"))
    assert result.status_code == 200 and "link" not in result.headers
    assert len(calls(rpc)) == 1 and calls(rpc)[0][2]["limit"] == 100


def test_list_refusals(client, rpc, as_):
    result = client.simulate_get("/v1/pokir/2027/pokir", params={"status": "hilang", "kecamatan": "12.21",
                                                                 "opd": "x"}, headers=as_("a01"))
    assert result.status_code == 422
    assert field_codes(result) == {("status", "choice"), ("kecamatan", "format_pattern"), ("opd", "unknown_field")}
    assert client.simulate_get("/v1/pokir/2027/pokir", headers=as_("opd1")).status_code == 403
    assert client.simulate_get("/v1/pokir/2027/pokir", headers=as_("admin1")).status_code == 403
    assert calls(rpc) == []


def test_one_pokir_with_its_overlaps_and_an_etag(client, rpc, as_):
    rpc.answers[("pokir", "get_pokir")] = POKIR
    result = client.simulate_get(ONE, headers=as_("a01"))
    assert result.status_code == 200 and result.json == POKIR and result.headers["etag"]
    assert calls(rpc) == [("get_pokir", (PID,), {})]
    again = client.simulate_get(ONE, headers={**as_("a01"), "If-None-Match": result.headers["etag"]})
    assert again.status_code == 304


def test_a_missing_or_foreign_pokir(client, rpc, as_):
    rpc.answers[("pokir", "get_pokir")] = remote(NotFound, "get_pokir", f"Pokir {PID} tidak ditemukan",
                                                 "pokir_not_found")
    result = client.simulate_get(ONE, headers=as_("setwan1"))
    assert result.status_code == 404 and result.json["code"] == "pokir_not_found"
    assert client.simulate_get("/v1/pokir/pokir/bukan-uuid", headers=as_("setwan1")).status_code == 404
    assert len(calls(rpc)) == 1  # a malformed id never reaches the service


# -- changing a pokir: If-Match ----------------------------------------------------------------------

@pytest.fixture
def stored(rpc):
    """The pokir as the service has it now (tests change it to play another writer)."""
    state = {"pokir": copy.deepcopy(POKIR)}
    rpc.answers[("pokir", "get_pokir")] = lambda pokir_id: copy.deepcopy(state["pokir"])
    return state


def etag(client, headers):
    return client.simulate_get(ONE, headers=headers).headers["etag"]


def test_patch_merges_the_change_into_the_content_and_sends_the_version(client, rpc, as_, stored):
    rpc.answers[("pokir", "update_pokir")] = {**api.EX_POKIR, "volume": "3", "alamat": None, "version": 2}
    headers = as_("s01")
    result = client.simulate_patch(ONE, json={"volume": "3", "alamat": None},
                                   headers={**headers, "If-Match": etag(client, headers)})
    assert result.status_code == 200 and result.json["version"] == 2
    method, args, kwargs = calls(rpc)[-2]  # the last one reads it back for the answer's ETag
    assert method == "update_pokir" and args[0] == PID and kwargs == {"expected_version": 1}
    assert args[1] == {"judul": POKIR["judul"], "permasalahan": POKIR["permasalahan"], "usulan": POKIR["usulan"],
                       "kamus_item_id": "12.21/2027/SPAM-02", "volume": "3", "desa": "12.21.07.1001",
                       "reses_id": POKIR["reses_id"], "lat": "1.1231", "lon": "99.8012", "alamat": None,
                       "lampiran": []}


def test_patch_without_if_match_is_428_and_nothing_is_read_or_written(client, rpc, as_, stored):
    result = client.simulate_patch(ONE, json={"volume": "3"}, headers=as_("a01"))
    assert result.status_code == 428 and calls(rpc) == []


def test_patch_on_a_stale_etag_is_412_and_nothing_is_written(client, rpc, as_, stored):
    headers = as_("a01")
    old = etag(client, headers)
    stored["pokir"] = {**stored["pokir"], "judul": "Diubah staf ahli", "version": 2}
    result = client.simulate_patch(ONE, json={"volume": "3"}, headers={**headers, "If-Match": old})
    assert result.status_code == 412
    assert "update_pokir" not in [m for m, _, _ in calls(rpc)]


def test_a_write_lost_inside_the_service_is_412(client, rpc, as_, stored):
    rpc.answers[("pokir", "update_pokir")] = remote(Conflict, "update_pokir", "versi 1 sudah usang", "stale_version")
    headers = as_("a01")
    result = client.simulate_patch(ONE, json={"volume": "3"}, headers={**headers, "If-Match": etag(client, headers)})
    assert result.status_code == 412


def test_a_member_editing_another_members_pokir_gets_the_services_403(client, rpc, as_, stored):
    rpc.answers[("pokir", "update_pokir")] = remote(
        Forbidden, "update_pokir", "Anda hanya dapat mengubah pokir anggota DPRD yang Anda wakili", "forbidden")
    headers = as_("a01")
    result = client.simulate_patch(ONE, json={"volume": "3"}, headers={**headers, "If-Match": etag(client, headers)})
    assert result.status_code == 403 and result.headers["content-type"] == PROBLEM_CONTENT_TYPE
    assert result.json["detail"] == "Anda hanya dapat mengubah pokir anggota DPRD yang Anda wakili"


def test_patch_refusals_happen_before_the_call(client, rpc, as_, stored):
    headers = as_("a01")
    tag = etag(client, headers)
    for body, expected in (({}, {("", "no_changes")}), ({"cost": "1"}, {("cost", "unknown_field")}),
                           ({"judul": None}, {("judul", "not_null")})):
        result = client.simulate_patch(ONE, json=body, headers={**headers, "If-Match": tag})
        assert result.status_code == 422 and field_codes(result) == expected
    assert client.simulate_patch(ONE, json={"volume": "3"}, headers={**as_("setwan1"), "If-Match": tag}
                                 ).status_code == 403
    assert [m for m, _, _ in calls(rpc)] == ["get_pokir"]  # the one GET for the ETag


# -- lifecycle actions --------------------------------------------------------------------------------

def test_setwan_recommends_with_if_match(client, rpc, as_, stored):
    rpc.answers[("pokir", "act_on_pokir")] = api.EX_POKIR_RECOMMENDED
    headers = as_("setwan1")
    result = client.simulate_post(ONE + "/actions", json={"action": "recommend", "catatan": "Layak"},
                                  headers={**headers, "If-Match": etag(client, headers)})
    assert result.status_code == 200 and result.json == api.EX_POKIR_RECOMMENDED
    assert calls(rpc)[-1] == ("act_on_pokir", (PID, "recommend", {"catatan": "Layak"}), {"expected_version": 1})


@pytest.mark.parametrize("who, body, params", [
    ("a01", {"action": "submit"}, {}),
    ("s01", {"action": "submit", "note": "Mohon diproses"}, {"note": "Mohon diproses"}),
    ("a01", {"action": "withdraw", "reason": "Sudah ditampung APBDes"}, {"reason": "Sudah ditampung APBDes"}),
    ("setwan1", {"action": "deliver"}, {}),
    ("setwan1", {"action": "return", "catatan": "Lengkapi foto lokasi"}, {"catatan": "Lengkapi foto lokasi"}),
    ("bappeda1", {"action": "dispose", "opd": "1.04.2.10.0.00.01.0000"}, {"opd": "1.04.2.10.0.00.01.0000"}),
    ("bappeda1", {"action": "accommodate", "opd": "1.03.0.00.0.00.01.0000", "renja_row_id": "R-1", "volume": 2,
                  "cost": "190000000"},
     {"opd": "1.03.0.00.0.00.01.0000", "renja_row_id": "R-1", "volume": 2, "cost": "190000000"}),
    ("bappeda1", {"action": "not_accommodate", "reason": "Bukan kewenangan kabupaten"},
     {"reason": "Bukan kewenangan kabupaten"}),
])
def test_every_action_reaches_the_service_with_its_parameters(client, rpc, as_, stored, who, body, params):
    rpc.answers[("pokir", "act_on_pokir")] = api.EX_POKIR
    headers = as_(who)
    result = client.simulate_post(ONE + "/actions", json=body, headers={**headers, "If-Match": etag(client, headers)})
    assert result.status_code == 200
    assert calls(rpc)[-1] == ("act_on_pokir", (PID, body["action"], params), {"expected_version": 1})


def test_action_refusals_happen_before_the_call(client, rpc, as_, stored):
    headers = as_("setwan1")
    tag = {**headers, "If-Match": etag(client, headers)}
    for body, expected in (({"action": "recommend"}, {("catatan", "required")}),
                           ({"action": "recommend", "catatan": "ok", "opd": "1.03"}, {("opd", "unknown_field")}),
                           ({"action": "accommodate", "opd": "1.03", "renja_row_id": "R-1", "volume": 2,
                             "cost": 1.5}, {("cost", "type_integer")}),
                           ({"action": "terbang"}, {("action", "choice")}),
                           ({"catatan": "ok"}, {("action", "required")})):
        result = client.simulate_post(ONE + "/actions", json=body, headers=tag)
        assert result.status_code == 422 and field_codes(result) == expected, body
    assert client.simulate_post(ONE + "/actions", json={"action": "submit"}, headers=as_("a01")).status_code == 428
    assert client.simulate_post(ONE + "/actions", json={"action": "submit"},
                                headers={**as_("opd1"), "If-Match": "*"}).status_code == 403
    assert [m for m, _, _ in calls(rpc)] == ["get_pokir"]


def test_a_staf_ahli_withdrawing_gets_the_services_403(client, rpc, as_, stored):
    rpc.answers[("pokir", "act_on_pokir")] = remote(
        Forbidden, "act_on_pokir", "Hanya anggota DPRD pemilik pokir yang dapat menarik pokir", "forbidden")
    headers = as_("s01")
    result = client.simulate_post(ONE + "/actions", json={"action": "withdraw"},
                                  headers={**headers, "If-Match": etag(client, headers)})
    assert result.status_code == 403 and "anggota DPRD pemilik" in result.json["detail"]


def test_a_status_refusal_is_a_409(client, rpc, as_, stored):
    rpc.answers[("pokir", "act_on_pokir")] = remote(
        Conflict, "act_on_pokir", "Hanya pokir yang diajukan ke Setwan yang dapat direkomendasikan", "invalid_status")
    headers = as_("setwan1")
    result = client.simulate_post(ONE + "/actions", json={"action": "recommend", "catatan": "ok"},
                                  headers={**headers, "If-Match": etag(client, headers)})
    assert result.status_code == 409 and result.json["code"] == "invalid_status"


# -- overlaps, close ----------------------------------------------------------------------------------

def test_overlaps_of_a_year(client, rpc, as_):
    found = api.OPERATIONS[[op.operation_id for op in api.OPERATIONS].index("pokir.overlaps")].response_example
    rpc.answers[("pokir", "overlaps")] = found
    result = client.simulate_get("/v1/pokir/2027/overlaps", headers=as_("bappeda1"))
    assert result.status_code == 200 and result.json == found
    assert calls(rpc) == [("overlaps", (2027,), {})]
    assert client.simulate_get("/v1/pokir/2027/overlaps", headers=as_("desa1")).status_code == 403
    assert len(calls(rpc)) == 1


def test_setwan_closes_the_stage_and_members_cannot(client, rpc, as_):
    closed = {"manifest": api.EX_MANIFEST, "closed_by": "u-setwan"}
    rpc.answers[("pokir", "close_stage")] = closed
    result = client.simulate_post("/v1/pokir/2027/close", headers=as_("setwan1"))
    assert result.status_code == 200 and result.json == closed
    assert calls(rpc) == [("close_stage", (2027,), {})]
    assert client.simulate_post("/v1/pokir/2027/close", headers=as_("a01")).status_code == 403
    rpc.answers[("pokir", "close_stage")] = remote(Conflict, "close_stage", "2 pokir masih di Setwan",
                                                   "pending_review", pokir=["P-1", "P-2"])
    result = client.simulate_post("/v1/pokir/2027/close", headers=as_("bappeda1"))
    assert result.status_code == 409 and result.json["code"] == "pending_review"
    assert len(calls(rpc)) == 2


# -- the schemas against the pokir service's own vocabulary and views --------------------------------

def test_the_vocabulary_is_the_services():
    from pokir import events, pokir_actions, queries
    from pokir.domain import PokirStatus
    from pokir.domain.validation import LAMPIRAN_MEDIA_TYPES

    assert set(api.STATUSES) == {s.value for s in PokirStatus}
    assert set(api.ACTIONS) == set(events.BY_ACTION)
    assert {a: set(p) for a, p in api.ACTION_PARAMS.items()} == pokir_actions.ALLOWED_PARAMS
    assert set(api.POKIR_FIELDS) == pokir_actions.FIELDS and set(api.EDITABLE) == pokir_actions.FIELDS
    assert set(api.LAMPIRAN["properties"]) == pokir_actions.LAMPIRAN_FIELDS
    assert set(api.FILTERS) == queries.FILTERS
    assert set(api.LAMPIRAN_TYPES) == LAMPIRAN_MEDIA_TYPES
    assert api.SERVICE_PAGE_MAX == queries.MAX_PAGE


def _a_pokir_through_its_life():
    from pokir.domain import (Actor, Akomodasi, HistoryEntry, KamusItem, Lampiran, Pokir, PokirStatus, Role,
                              mark_accommodated)

    at = datetime(2027, 2, 10, 3, 0, tzinfo=timezone.utc)
    item = KamusItem("12.21/2027/SPAM-02", "SPAM-02", "Sumur bor dalam", 2027, "12.21", "1.03.03.2.01.0028",
                     "1.03.0.00.0.00.01.0000", "unit", Decimal("95000000"), Decimal("4"))
    pokir = Pokir(id=PID, tahun=2027, pemda="12.21", anggota_id="A01", dapil="PALAS-1", reses_id="R-1",
                  judul="Sumur bor", permasalahan="Air kurang", usulan="Sumur bor pasar", kamus_item=item,
                  volume=Decimal("2"), cost=Decimal("190000000.00"), kecamatan="12.21.07", desa="12.21.07.1001",
                  created_by="u-a01", created_at=at, lat=Decimal("1.1231"), lon=Decimal("99.8012"),
                  lampiran=(Lampiran("foto.jpg", "image/jpeg", 2048, "a" * 64),),
                  status=PokirStatus.DISAMPAIKAN, catatan_setwan="Layak",
                  history=(HistoryEntry("dibuat", "u-a01", "anggota_dprd", at, None, PokirStatus.DRAFT),))
    bappeda = Actor("u-bappeda", Role.BAPPEDA, "12.21")
    done = mark_accommodated(pokir, actor=bappeda, at=at + timedelta(days=30), opd="1.03.0.00.0.00.01.0000",
                             renja_row_id="R-9", volume="2", cost="180000000", note="Masuk Renja PUPR")
    assert isinstance(done.akomodasi, Akomodasi)
    return pokir, done


def test_the_pokir_schema_describes_the_services_view():
    from pokir.views import pokir_view

    draft, accommodated = _a_pokir_through_its_life()
    overlap = {"usulan_id": "U-1", "tracking_code": "MR-1", "gagasan": "Sumur bor", "score": 0.667, "reason": "sama"}
    for view in (pokir_view(draft, 1, [overlap]), pokir_view(accommodated, 5), pokir_view(replace(draft, lat=None,
                                                                                                      lon=None), 2)):
        assert field_errors(view, api.POKIR) == []


def test_the_register_reses_and_manifest_schemas_describe_the_services_answers():
    from eplanning_common.jsoncodec import to_json
    from pokir import queries
    from pokir.domain import Actor, Anggota, Dapil, DprdRegister, Reses, Role, StafAhli, build_manifest

    register = DprdRegister("12.21", "2024-2029", dapil=(Dapil("PALAS-1", "Padang Lawas 1", ("12.21.07",)),),
                            anggota=(Anggota("A01", "Anggota 01", "Fraksi B", "PALAS-1", Decimal("2500000000.00")),
                                     Anggota("A02", "Anggota 02", "Fraksi C", "PALAS-1")),
                            staf_ahli=(StafAhli("S01", "Staf 01", "A01", telepon="0812"),))

    class Repo:
        def register(self, pemda):
            return register

    view = queries.register_view(Repo(), Actor("u-setwan", Role.SETWAN, "12.21"))
    assert field_errors(view, api.REGISTER) == [] and "telepon" not in str(view)
    reses = Reses("R-1", "A01", date(2026, 11, 20), "Aula Barumun", "PALAS-1", 90)
    assert field_errors(to_json(reses), api.RESES) == []
    draft, accommodated = _a_pokir_through_its_life()
    manifest = build_manifest([replace(accommodated, id="P-2"), draft], pemda="12.21", tahun=2027).as_dict()
    assert field_errors(manifest, api.MANIFEST) == []
