"""/v1/renja through the real app: each operation makes the right `renja.<method>` call and answers
what the service said; roles, schemas, If-Match, Idempotency-Key and pages are enforced before any
call. The last part checks the schemas against the renja service's own vocabulary and answers."""
from __future__ import annotations

import copy
from dataclasses import fields
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from gateway.api import renja as api
from gateway.api.schemas import field_errors
from gateway.app import create_app
from gateway.exceptions import Conflict, Forbidden, NotFound, ValidationError
from gateway.problems import PROBLEM_CONTENT_TYPE
from gateway_fakes import SERVICES

PUPR = api.EX_OPD
DINKES = "1.02.0.00.0.00.01.0000"
ROW_ID = api.EX_ROW_ID
ROW = f"/v1/renja/rows/{ROW_ID}"
YEAR = f"/v1/renja/2027/opd/{PUPR}"
USERS = {  # username: (role, scopes)
    "bappeda1": ("bappeda", {}), "pupr1": ("opd", {"opd": PUPR}), "dinkes1": ("opd", {"opd": DINKES}),
    "setwan1": ("setwan", {}), "a01": ("anggota_dprd", {"anggota_id": "A01"}),
    "kec1": ("operator_kecamatan", {"wilayah": "12.21.07"}),
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


def calls(rpc):
    """The renja RPCs made, health checks aside: [(method, args, kwargs)]."""
    return [(m, a, k) for s, m, a, k in rpc.calls if s == "renja" and m != "health"]


def remote(kind, method, detail, code, **extra):
    return kind("renja", method, kind.__name__, {"detail": detail, "code": code, **extra})


def field_codes(result):
    return {(e["field"], e["code"]) for e in result.json["errors"]}


def example(operation_id):
    return next(op for op in api.OPERATIONS if op.operation_id == operation_id).response_example


# -- set-up by Bappeda --------------------------------------------------------------------------------

def test_bappeda_imports_the_opd_register_against_a_nomenclature_version(client, rpc, as_):
    rpc.answers[("renja", "import_opd")] = {"pemda": "12.21", "imported": 2}
    result = client.simulate_put("/v1/renja/opd", params={"versi": "sipd-2027"}, body=api.EX_OPD_CSV.encode(),
                                 headers={**as_("bappeda1"), "Content-Type": "text/csv"})
    assert result.status_code == 200 and result.json == {"pemda": "12.21", "imported": 2}
    assert calls(rpc) == [("import_opd", ("sipd-2027", api.EX_OPD_CSV), {})]


def test_opd_import_refusals(client, rpc, as_):
    csv = {**as_("bappeda1"), "Content-Type": "text/csv"}
    result = client.simulate_put("/v1/renja/opd", body=b"kode,nama,bidang\n", headers=csv)
    assert result.status_code == 422 and field_codes(result) == {("versi", "required")}
    result = client.simulate_put("/v1/renja/opd", params={"versi": "../x"}, body=b"kode\n", headers=csv)
    assert result.status_code == 422 and field_codes(result) == {("versi", "format_pattern")}
    result = client.simulate_put("/v1/renja/opd", params={"versi": "sipd-2027"}, body=b"  \n", headers=csv)
    assert result.status_code == 422 and field_codes(result) == {("csv", "required")}
    assert client.simulate_put("/v1/renja/opd", params={"versi": "sipd-2027"}, body=b"x",
                               headers={**as_("pupr1"), "Content-Type": "text/csv"}).status_code == 403
    assert calls(rpc) == []
    rpc.answers[("renja", "import_opd")] = ValidationError(
        "renja", "import_opd", "ValidationError",
        {"detail": "1 kesalahan pada CSV OPD; tidak ada yang diimpor", "code": "csv_invalid",
         "errors": [{"row": 3, "field": "bidang", "message": "Bidang 9.99 tidak dikenal", "code": "unknown_bidang"}]})
    result = client.simulate_put("/v1/renja/opd", params={"versi": "sipd-2027"}, body=api.EX_OPD_CSV.encode(),
                                 headers=csv)
    assert result.status_code == 422 and field_codes(result) == {("csv[3].bidang", "unknown_bidang")}
    # over real nameko RPC the row arrives as a string (nameko's safe_for_serialization): same answer
    rpc.answers[("renja", "import_opd")] = ValidationError(
        "renja", "import_opd", "ValidationError",
        {"detail": "1 kesalahan pada CSV OPD; tidak ada yang diimpor", "code": "csv_invalid",
         "errors": [{"row": "3", "field": "bidang", "message": "Bidang 9.99 tidak dikenal", "code": "unknown_bidang"}]})
    result = client.simulate_put("/v1/renja/opd", params={"versi": "sipd-2027"}, body=api.EX_OPD_CSV.encode(),
                                 headers=csv)
    assert result.status_code == 422 and field_codes(result) == {("csv[3].bidang", "unknown_bidang")}
    assert result.json["errors"][0]["row"] == 3


def test_both_roles_list_the_opd_register_and_others_cannot(client, rpc, as_):
    listed = example("renja.listOpd")
    rpc.answers[("renja", "list_opd")] = listed
    for who in ("bappeda1", "pupr1"):
        result = client.simulate_get("/v1/renja/opd", headers=as_(who))
        assert result.status_code == 200 and result.json == listed
    assert client.simulate_get("/v1/renja/opd", headers=as_("setwan1")).status_code == 403
    assert calls(rpc) == [("list_opd", (), {})] * 2


def test_bappeda_pins_the_cycle(client, rpc, as_):
    rpc.answers[("renja", "pin_cycle")] = {"pemda": "12.21", "tahun": 2027, "versi": "sipd-2027"}
    result = client.simulate_put("/v1/renja/2027/nomenklatur", json={"versi": "sipd-2027"}, headers=as_("bappeda1"))
    assert result.status_code == 200 and result.json["versi"] == "sipd-2027"
    assert calls(rpc) == [("pin_cycle", (2027, "sipd-2027"), {})]
    rpc.answers[("renja", "pin_cycle")] = remote(Conflict, "pin_cycle", "Siklus 2027 sudah punya baris Renja",
                                                 "cycle_in_use")
    result = client.simulate_put("/v1/renja/2027/nomenklatur", json={"versi": "sipd-2028"}, headers=as_("bappeda1"))
    assert result.status_code == 409 and result.json["code"] == "cycle_in_use"
    assert client.simulate_put("/v1/renja/2027/nomenklatur", json={"versi": "sipd-2027"},
                               headers=as_("pupr1")).status_code == 403
    assert len(calls(rpc)) == 2


def test_bappeda_sets_a_ceiling_with_the_opd_first_as_the_rpc_wants(client, rpc, as_):
    rpc.answers[("renja", "set_pagu")] = {"opd": PUPR, "pagu_n": "2000000000.00", "pagu_n1": "2100000000.00"}
    result = client.simulate_put(YEAR + "/pagu", json={"pagu_n": 2000000000, "pagu_n1": "2100000000.50"},
                                 headers=as_("bappeda1"))
    assert result.status_code == 200 and result.json["opd"] == PUPR
    assert calls(rpc) == [("set_pagu", (PUPR, 2027, 2000000000, "2100000000.50"), {})]


def test_ceiling_refusals_happen_before_the_call(client, rpc, as_):
    result = client.simulate_put(YEAR + "/pagu", json={"pagu_n": 1.5, "pagu_n1": "-5"}, headers=as_("bappeda1"))
    assert result.status_code == 422
    assert field_codes(result) == {("pagu_n", "type_integer"), ("pagu_n1", "format_pattern")}
    result = client.simulate_put("/v1/renja/2027/opd/dinas-pu/pagu", json={"pagu_n": 1, "pagu_n1": 1},
                                 headers=as_("bappeda1"))
    assert result.status_code == 422 and field_codes(result) == {("opd", "format_pattern")}
    result = client.simulate_put(YEAR + "/pagu", json={"pagu_n": 1, "pagu_n1": 1}, headers=as_("pupr1"))
    assert result.status_code == 403
    assert calls(rpc) == []


# -- rows ---------------------------------------------------------------------------------------------

def test_the_opd_adds_a_row_201_with_its_location(client, rpc, as_):
    rpc.answers[("renja", "create_row")] = api.EX_ROW
    result = client.simulate_post(YEAR + "/rows", json=api.EX_ROW_IN, headers=as_("pupr1"))
    assert result.status_code == 201 and result.json == api.EX_ROW
    assert result.headers["location"].endswith(f"/v1/renja/rows/{ROW_ID}")
    assert calls(rpc) == [("create_row", (PUPR, 2027, api.EX_ROW_IN), {})]


def test_a_retried_row_create_with_its_idempotency_key_creates_once(client, rpc, as_):
    rpc.answers[("renja", "create_row")] = api.EX_ROW
    headers = {**as_("pupr1"), "Idempotency-Key": "renja-row-000001"}
    first = client.simulate_post(YEAR + "/rows", json=api.EX_ROW_IN, headers=headers)
    again = client.simulate_post(YEAR + "/rows", json=api.EX_ROW_IN, headers=headers)
    assert first.status_code == again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
    assert again.headers["location"] == first.headers["location"]
    assert calls(rpc) == [("create_row", (PUPR, 2027, api.EX_ROW_IN), {"request_id": "renja-row-000001"})]


def test_the_ceiling_refusal_of_the_service_names_the_overrun(client, rpc, as_):
    message = ("Total pagu OPD 1.03.0.00.0.00.01.0000 Rp2.100.000.000,00 melebihi pagu indikatif "
               "Rp2.000.000.000,00; lebih Rp100.000.000,00")
    rpc.answers[("renja", "create_row")] = ValidationError(
        "renja", "create_row", "ValidationError",
        {"detail": message, "errors": [{"field": "pagu_n", "message": message, "code": "above_ceiling"}]})
    result = client.simulate_post(YEAR + "/rows", json=api.EX_ROW_IN, headers=as_("pupr1"))
    assert result.status_code == 422 and field_codes(result) == {("pagu_n", "above_ceiling")}
    assert "lebih Rp100.000.000,00" in result.json["errors"][0]["message"]


def test_row_refusals_happen_before_the_call(client, rpc, as_):
    body = {**api.EX_ROW_IN, "sub_kegiatan": "X.XX.01.2.01.0001", "lokasi": [], "pagu_n": 1.5, "sumber": [],
            "target": "0.0001"}
    del body["sumber_dana"]
    result = client.simulate_post(YEAR + "/rows", json=body, headers=as_("pupr1"))
    assert result.status_code == 422
    assert field_codes(result) == {("sub_kegiatan", "format_pattern"), ("lokasi", "too_few_items"),
                                   ("pagu_n", "type_integer"), ("sumber", "unknown_field"),
                                   ("target", "format_pattern"), ("sumber_dana", "required")}
    for who in ("bappeda1", "setwan1", "kec1"):  # Bappeda never edits an OPD's rows
        assert client.simulate_post(YEAR + "/rows", json=api.EX_ROW_IN, headers=as_(who)).status_code == 403
    assert calls(rpc) == []


def test_another_opds_renja_is_refused_by_the_service(client, rpc, as_):
    rpc.answers[("renja", "create_row")] = remote(Forbidden, "create_row",
                                                  "Anda hanya dapat mengubah baris Renja milik OPD Anda sendiri",
                                                  "forbidden")
    result = client.simulate_post(YEAR + "/rows", json=api.EX_ROW_IN, headers=as_("dinkes1"))
    assert result.status_code == 403 and result.headers["content-type"] == PROBLEM_CONTENT_TYPE
    assert "OPD Anda sendiri" in result.json["detail"]


def test_rows_of_a_year_filtered_and_paged(client, rpc, as_):
    rpc.answers[("renja", "list_rows")] = {"items": [api.EX_ROW_LISTED], "next_cursor": "31"}
    result = client.simulate_get("/v1/renja/2027/rows", params={"opd": PUPR, "sub_kegiatan": "1.03.06.2.01.0012",
                                                                "limit": "1"}, headers=as_("bappeda1"))
    assert result.status_code == 200 and result.json["items"] == [api.EX_ROW_LISTED]
    assert calls(rpc) == [("list_rows", (2027,), {"filters": {"opd": PUPR, "sub_kegiatan": "1.03.06.2.01.0012"},
                                                  "cursor": None, "limit": 1})]
    assert "cursor=31" in result.headers["link"]


def test_a_row_page_of_150_takes_two_calls(client, rpc, as_):
    def list_rows(tahun, filters=None, cursor=None, limit=None):
        start = int(cursor or 0)
        return {"items": [{"n": start + i} for i in range(limit)], "next_cursor": str(start + limit)}

    rpc.answers[("renja", "list_rows")] = list_rows
    result = client.simulate_get("/v1/renja/2027/rows", params={"limit": "150"}, headers=as_("pupr1"))
    assert result.status_code == 200 and len(result.json["items"]) == 150
    assert [(k["cursor"], k["limit"]) for _, _, k in calls(rpc)] == [(None, 100), ("100", 50)]
    assert result.json["next_cursor"] == "150"


def test_rows_list_refusals(client, rpc, as_):
    result = client.simulate_get("/v1/renja/2027/rows", params={"status": "draft"}, headers=as_("pupr1"))
    assert result.status_code == 422 and field_codes(result) == {("status", "unknown_field")}
    assert client.simulate_get("/v1/renja/2027/rows", headers=as_("a01")).status_code == 403
    result = client.simulate_get("/v1/renja/3000/rows", headers=as_("pupr1"))
    assert result.status_code == 422 and field_codes(result) == {("tahun", "max_value")}
    assert calls(rpc) == []


def test_one_row_with_an_etag(client, rpc, as_):
    rpc.answers[("renja", "get_row")] = api.EX_ROW
    result = client.simulate_get(ROW, headers=as_("bappeda1"))
    assert result.status_code == 200 and result.json == api.EX_ROW and result.headers["etag"]
    assert calls(rpc) == [("get_row", (ROW_ID,), {})]
    rpc.answers[("renja", "get_row")] = remote(NotFound, "get_row", "Baris Renja tidak ditemukan", "row_not_found")
    assert client.simulate_get(ROW, headers=as_("pupr1")).status_code == 404


@pytest.fixture
def stored(rpc):
    """The row as the service has it now (tests change it to play another writer)."""
    state = {"row": copy.deepcopy(api.EX_ROW)}
    rpc.answers[("renja", "get_row")] = lambda row_id: copy.deepcopy(state["row"])
    return state


def etag(client, headers):
    return client.simulate_get(ROW, headers=headers).headers["etag"]


def test_patch_merges_into_the_stored_row_and_sends_the_version(client, rpc, as_, stored):
    rpc.answers[("renja", "update_row")] = {**api.EX_ROW, "pagu_n": "500000000.00", "version": 2}
    headers = as_("pupr1")
    result = client.simulate_patch(ROW, json={"pagu_n": "500000000", "prioritas_daerah": ["Air bersih"]},
                                   headers={**headers, "If-Match": etag(client, headers)})
    assert result.status_code == 200 and result.json["version"] == 2
    method, args, kwargs = calls(rpc)[-1]
    assert (method, args[0], kwargs) == ("update_row", ROW_ID, {"expected_version": 1})
    assert args[1] == {"sub_kegiatan": "1.03.06.2.01.0012", "target": "500", "pagu_n": "500000000",
                       "pagu_n1": "450000000.00", "lokasi": {"cakupan": "kecamatan", "kode": ["12.21.07"]}, "sumber_dana": "DAU",
                       "kelompok_sasaran": "Warga Kecamatan Barumun",
                       "indikator": "Panjang saluran drainase yang dibangun", "satuan": "meter",
                       "prioritas_nasional": ["PN 5: Infrastruktur"], "prioritas_daerah": ["Air bersih"]}


def test_a_new_sub_kegiatan_takes_its_own_indikator_unless_one_is_given(client, rpc, as_, stored):
    rpc.answers[("renja", "update_row")] = api.EX_ROW
    headers = as_("pupr1")
    tag = {**headers, "If-Match": etag(client, headers)}
    client.simulate_patch(ROW, json={"sub_kegiatan": "1.03.06.2.01.0021"}, headers=tag)
    sent = calls(rpc)[-1][1][1]
    assert sent["sub_kegiatan"] == "1.03.06.2.01.0021" and sent["indikator"] is None and sent["satuan"] is None
    client.simulate_patch(ROW, json={"sub_kegiatan": "1.03.06.2.01.0021", "satuan": "km"}, headers=tag)
    sent = calls(rpc)[-1][1][1]
    assert sent["indikator"] is None and sent["satuan"] == "km"
    client.simulate_patch(ROW, json={"target": 600}, headers=tag)
    assert calls(rpc)[-1][1][1]["indikator"] == "Panjang saluran drainase yang dibangun"


def test_patch_without_if_match_is_428_and_a_stale_one_412(client, rpc, as_, stored):
    headers = as_("pupr1")
    assert client.simulate_patch(ROW, json={"target": 600}, headers=headers).status_code == 428
    assert calls(rpc) == []
    old = etag(client, headers)
    stored["row"] = {**stored["row"], "pagu_n": "1.00", "version": 2}
    assert client.simulate_patch(ROW, json={"target": 600}, headers={**headers, "If-Match": old}).status_code == 412
    assert "update_row" not in [m for m, _, _ in calls(rpc)]
    rpc.answers[("renja", "update_row")] = remote(Conflict, "update_row", "versi 2 sudah usang", "stale_version")
    result = client.simulate_patch(ROW, json={"target": 600}, headers={**headers, "If-Match": etag(client, headers)})
    assert result.status_code == 412  # lost inside the service


def test_patch_refusals_happen_before_the_update(client, rpc, as_, stored):
    headers = as_("pupr1")
    tag = {**headers, "If-Match": etag(client, headers)}
    for body, expected in (({}, {("", "no_changes")}), ({"sumber": []}, {("sumber", "unknown_field")}),
                           ({"lokasi": ["12.71.01.1"]}, {("lokasi[0]", "format_pattern")})):
        result = client.simulate_patch(ROW, json=body, headers=tag)
        assert result.status_code == 422 and field_codes(result) == expected
    assert client.simulate_patch(ROW, json={"target": 1}, headers={**as_("bappeda1"), "If-Match": "*"}
                                 ).status_code == 403
    assert [m for m, _, _ in calls(rpc)] == ["get_row"]


def test_the_opd_deletes_a_row_and_a_row_with_sources_stays(client, rpc, as_):
    rpc.answers[("renja", "delete_row")] = {"row_id": ROW_ID, "deleted": True}
    result = client.simulate_delete(ROW, headers=as_("pupr1"))
    assert result.status_code == 200 and result.json == {"row_id": ROW_ID, "deleted": True}
    assert calls(rpc) == [("delete_row", (ROW_ID,), {})]
    rpc.answers[("renja", "delete_row")] = remote(Conflict, "delete_row", "Baris mengakomodasi usulan",
                                                  "row_has_sources")
    result = client.simulate_delete(ROW, headers=as_("pupr1"))
    assert result.status_code == 409 and result.json["code"] == "row_has_sources"
    assert client.simulate_delete(ROW, headers=as_("bappeda1")).status_code == 403
    assert len(calls(rpc)) == 2


def test_totals_against_ceilings(client, rpc, as_):
    found = example("renja.totals")
    rpc.answers[("renja", "totals")] = found
    result = client.simulate_get("/v1/renja/2027/totals", headers=as_("pupr1"))
    assert result.status_code == 200 and result.json == found
    assert calls(rpc) == [("totals", (2027,), {})]
    assert client.simulate_get("/v1/renja/2027/totals", headers=as_("a01")).status_code == 403


# -- the inbox ----------------------------------------------------------------------------------------

def test_the_inbox_filtered_by_opd_and_status_and_paged(client, rpc, as_):
    rpc.answers[("renja", "inbox")] = {"items": [api.EX_INBOX_ITEM], "next_cursor": "57"}
    result = client.simulate_get("/v1/renja/2027/inbox", params={"opd": PUPR, "status": "menunggu", "limit": "1"},
                                 headers=as_("bappeda1"))
    assert result.status_code == 200 and result.json == {"items": [api.EX_INBOX_ITEM], "next_cursor": "57"}
    assert calls(rpc) == [("inbox", (2027,), {"opd": PUPR, "status": "menunggu", "cursor": None, "limit": 1})]
    assert "cursor=57" in result.headers["link"] and "status=menunggu" in result.headers["link"]
    result = client.simulate_get("/v1/renja/2027/inbox", headers=as_("pupr1"))
    assert calls(rpc)[-1] == ("inbox", (2027,), {"opd": None, "status": None, "cursor": None, "limit": 50})


def test_inbox_refusals(client, rpc, as_):
    result = client.simulate_get("/v1/renja/2027/inbox", params={"status": "baru"}, headers=as_("pupr1"))
    assert result.status_code == 422 and field_codes(result) == {("status", "choice")}
    assert client.simulate_get("/v1/renja/2027/inbox", headers=as_("setwan1")).status_code == 403
    assert calls(rpc) == []


ITEM = f"/v1/renja/inbox/{api.EX_ITEM_ID}/decision"


@pytest.mark.parametrize("body, decision, params, version", [
    ({"decision": "accommodate", "row_id": ROW_ID, "version": 1}, "accommodate", {"row_id": ROW_ID}, 1),
    ({"decision": "accommodate", "row": api.EX_ROW_IN, "volume": "250", "cost": 200000000, "reason": "Sebagian"},
     "accommodate", {"row": api.EX_ROW_IN, "volume": "250", "cost": 200000000, "reason": "Sebagian"}, None),
    ({"decision": "reject", "reason": "Sudah dianggarkan APBDes", "version": 3}, "reject",
     {"reason": "Sudah dianggarkan APBDes"}, 3),
    ({"decision": "reroute", "to_opd": DINKES, "reason": "Urusan kesehatan"}, "reroute",
     {"to_opd": DINKES, "reason": "Urusan kesehatan"}, None),
])
def test_the_opd_decides_an_item(client, rpc, as_, body, decision, params, version):
    rpc.answers[("renja", "decide_inbox")] = api.EX_DECIDED
    result = client.simulate_post(ITEM, json=body, headers=as_("pupr1"))
    assert result.status_code == 200 and result.json == api.EX_DECIDED
    assert calls(rpc) == [("decide_inbox", (api.EX_ITEM_ID, decision, params), {"expected_version": version})]


def test_decision_refusals_happen_before_the_call(client, rpc, as_):
    for body, expected in (({"decision": "reject"}, {("reason", "required")}),
                           ({"decision": "reroute", "reason": "x"}, {("to_opd", "required")}),
                           ({"decision": "reject", "reason": "x", "to_opd": DINKES}, {("to_opd", "unknown_field")}),
                           ({"decision": "accommodate", "row_id": "R-1"}, {("row_id", "format_pattern")}),
                           ({"decision": "accommodate", "row": {"target": 1}},
                            {("row.sumber_dana", "required"), ("row.kelompok_sasaran", "required")}),  # the rest
                           # is prefilled from the item (issue #16)
                           ({"decision": "accommodate", "mode": "digabung"}, {("mode", "choice")}),
                           ({"decision": "diterima"}, {("decision", "choice")}),
                           ({"decision": "reject", "reason": "x", "version": 0}, {("version", "min_value")})):
        result = client.simulate_post(ITEM, json=body, headers=as_("pupr1"))
        assert result.status_code == 422 and field_codes(result) == expected, body
    assert client.simulate_post(ITEM, json={"decision": "reject", "reason": "x"},
                                headers=as_("bappeda1")).status_code == 403  # Bappeda never decides an inbox
    assert calls(rpc) == []


def test_a_decision_on_a_changed_item_or_by_another_opd_is_refused_by_the_service(client, rpc, as_):
    rpc.answers[("renja", "decide_inbox")] = remote(Conflict, "decide_inbox", "Item versi 1 sudah usang",
                                                    "stale_version")
    result = client.simulate_post(ITEM, json={"decision": "reject", "reason": "x", "version": 1},
                                  headers=as_("pupr1"))
    assert result.status_code == 409 and result.json["code"] == "stale_version"
    rpc.answers[("renja", "decide_inbox")] = remote(Forbidden, "decide_inbox", "Hanya operator OPD pemilik",
                                                    "forbidden")
    result = client.simulate_post(ITEM, json={"decision": "reject", "reason": "x"}, headers=as_("dinkes1"))
    assert result.status_code == 403 and result.json["detail"] == "Hanya operator OPD pemilik"


# -- lifecycle, snapshots, close -----------------------------------------------------------------------

@pytest.mark.parametrize("who, body, note", [
    ("pupr1", {"action": "submit"}, None),
    ("bappeda1", {"action": "verify", "note": "Sesuai"}, "Sesuai"),
    ("bappeda1", {"action": "return", "note": "Lengkapi indikator"}, "Lengkapi indikator"),
    ("bappeda1", {"action": "finalize"}, None),
])
def test_renja_steps(client, rpc, as_, who, body, note):
    rpc.answers[("renja", "renja_step")] = api.EX_STATE
    result = client.simulate_post(YEAR + "/steps", json=body, headers=as_(who))
    assert result.status_code == 200 and result.json == api.EX_STATE
    assert calls(rpc) == [("renja_step", (PUPR, 2027, body["action"], note), {})]


def test_step_refusals(client, rpc, as_):
    result = client.simulate_post(YEAR + "/steps", json={"action": "return"}, headers=as_("bappeda1"))
    assert result.status_code == 422 and field_codes(result) == {("note", "required")}
    result = client.simulate_post(YEAR + "/steps", json={"action": "ajukan"}, headers=as_("pupr1"))
    assert result.status_code == 422 and field_codes(result) == {("action", "choice")}
    assert client.simulate_post(YEAR + "/steps", json={"action": "submit"}, headers=as_("a01")).status_code == 403
    assert calls(rpc) == []
    rpc.answers[("renja", "renja_step")] = remote(Forbidden, "renja_step", "Hanya Bappeda yang dapat memverifikasi",
                                                  "forbidden")
    assert client.simulate_post(YEAR + "/steps", json={"action": "verify"}, headers=as_("pupr1")).status_code == 403
    rpc.answers[("renja", "renja_step")] = remote(Conflict, "renja_step", "Renja belum berisi baris", "empty_renja")
    result = client.simulate_post(YEAR + "/steps", json={"action": "submit"}, headers=as_("pupr1"))
    assert result.status_code == 409 and result.json["code"] == "empty_renja"


def test_snapshots_are_taken_once_and_compared(client, rpc, as_):
    taken = example("renja.takeSnapshot")
    rpc.answers[("renja", "take_snapshot")] = taken
    headers = {**as_("pupr1"), "Idempotency-Key": "snapshot-awal-01"}
    first = client.simulate_post(YEAR + "/snapshots", json={"nama": "rancangan awal"}, headers=headers)
    again = client.simulate_post(YEAR + "/snapshots", json={"nama": "rancangan awal"}, headers=headers)
    assert first.status_code == again.status_code == 201 and first.json == again.json == taken
    assert calls(rpc) == [("take_snapshot", (PUPR, 2027, "rancangan awal"), {})]

    diff = example("renja.compareSnapshots")
    rpc.answers[("renja", "compare_snapshots")] = diff
    result = client.simulate_get(YEAR + "/snapshots/compare", params={"before": "rancangan awal", "after": "rancangan"},
                                 headers=as_("bappeda1"))
    assert result.status_code == 200 and result.json == diff
    assert calls(rpc)[-1] == ("compare_snapshots", (PUPR, 2027, "rancangan awal", "rancangan"), {})


def test_snapshot_refusals(client, rpc, as_):
    result = client.simulate_post(YEAR + "/snapshots", json={"nama": "final"}, headers=as_("pupr1"))
    assert result.status_code == 422 and field_codes(result) == {("nama", "choice")}
    result = client.simulate_get(YEAR + "/snapshots/compare", params={"before": "rancangan"}, headers=as_("pupr1"))
    assert result.status_code == 422 and field_codes(result) == {("after", "required")}
    assert client.simulate_post(YEAR + "/snapshots", json={"nama": "rancangan"},
                                headers=as_("setwan1")).status_code == 403
    assert calls(rpc) == []
    rpc.answers[("renja", "take_snapshot")] = remote(Conflict, "take_snapshot", "Snapshot sudah ada",
                                                     "snapshot_exists")
    result = client.simulate_post(YEAR + "/snapshots", json={"nama": "rancangan"}, headers=as_("pupr1"))
    assert result.status_code == 409 and result.json["code"] == "snapshot_exists"


def test_bappeda_closes_the_stage_or_hears_every_blocker(client, rpc, as_):
    closed = {"manifest": api.EX_MANIFEST, "closed_by": "u-bappeda"}
    rpc.answers[("renja", "close_stage")] = closed
    result = client.simulate_post("/v1/renja/2027/close", headers=as_("bappeda1"))
    assert result.status_code == 200 and result.json == closed
    assert calls(rpc) == [("close_stage", (2027,), {})]
    rpc.answers[("renja", "close_stage")] = remote(Conflict, "close_stage", "2 hal menghalangi", "close_blocked",
                                                   blockers=[{"kind": "renja_not_final", "opd": PUPR}])
    result = client.simulate_post("/v1/renja/2027/close", headers=as_("bappeda1"))
    assert result.status_code == 409 and result.json["code"] == "close_blocked"
    assert client.simulate_post("/v1/renja/2027/close", headers=as_("pupr1")).status_code == 403
    assert len(calls(rpc)) == 2


# -- the schemas against the renja service's own vocabulary and answers ------------------------------

AT = datetime(2027, 4, 8, 3, 0, tzinfo=timezone.utc)


def _rows():
    from renja.domain import RenjaRow, SourceRef

    return [RenjaRow(ROW_ID, PUPR, 2027, "1.03.06.2.01.0012", "Panjang saluran", Decimal("500"), "meter",
                     Decimal("400000000.00"), Decimal("450000000.00"), ("12.21.07",), "DAU", ("PN 5",), (),
                     "Warga", (SourceRef("musrenbang", "U-1"),)),
            RenjaRow("R-2", PUPR, 2027, "1.03.03.2.01.0028", "Unit SPAM", Decimal("2.5"), "unit",
                     Decimal("0.00"), Decimal("100000000.00"), ("12.21.07.1001",), "DAK", (), (), "Warga")]


class FakeRepo:
    """Just what the renja read functions below ask of their repository."""

    def __init__(self, rows, snapshots=()):
        from renja.domain import Opd, Pagu, RenjaState

        self._rows, self.snapshots = rows, {s.nama: s for s in snapshots}
        self._opds = {PUPR: Opd(PUPR, "Dinas PUPR", ("1.03",))}
        self._pagu = {PUPR: Pagu(PUPR, 2027, Decimal("300000000"), Decimal("2000000000"))}
        self._states = {PUPR: RenjaState("12.21", PUPR, 2027)}

    def row(self, row_id, lock=False):
        return next(r for r in self._rows if r.id == row_id), 4, "12.21"

    def rows(self, pemda, tahun, opd=None):
        return [r for r in self._rows if opd in (None, r.opd)]

    def opds(self, pemda):
        return self._opds

    def all_pagu(self, pemda, tahun):
        return self._pagu

    def states(self, pemda, tahun):
        return self._states

    def snapshot(self, pemda, opd, tahun, nama):
        return self.snapshots[nama]

    def save_snapshot(self, pemda, snapshot):
        self.snapshots[snapshot.nama] = snapshot


def test_the_vocabulary_is_the_services():
    from renja import inbox_actions, lifecycle_actions, queries
    from renja.domain import InboxStatus, RenjaStatus
    from renja.domain.rows import RowInput
    from renja.domain.snapshots import SNAPSHOT_NAMES

    assert set(api.RENJA_STATUSES) == {s.value for s in RenjaStatus}
    assert set(api.INBOX_STATUSES) == {s.value for s in InboxStatus}
    assert set(api.STEPS) == set(lifecycle_actions.STEPS)
    assert api.SNAPSHOT_NAMES == SNAPSHOT_NAMES
    assert {d: set(p) for d, p in api.DECISION_PARAMS.items()} == inbox_actions.DECISION_PARAMS
    assert set(api.ROW_FIELDS) == {f.name for f in fields(RowInput)}
    from gateway.api.pokir import SERVICE_PAGE_MAX
    assert SERVICE_PAGE_MAX == queries.MAX_PAGE


def test_the_row_schemas_describe_get_row_and_the_listing():
    from renja import queries
    from renja.domain import Actor, Role
    from renja.events import row_data

    repo = FakeRepo(_rows())
    for actor in (Actor("u-pupr", Role.OPD, "12.21", PUPR), Actor("u-bappeda", Role.BAPPEDA, "12.21")):
        one = queries.get_row(repo, actor, ROW_ID)
        assert one["version"] == 4 and one["tahun"] == 2027 and field_errors(one, api.ROW) == []
    for row in _rows():
        assert field_errors(row_data(row, 1), api.ROW_LISTED) == []
    from eplanning_common import errors
    from renja.errors import translated

    with pytest.raises(errors.Forbidden), translated():  # another OPD of the pemda
        queries.get_row(repo, Actor("u-dinkes", Role.OPD, "12.21", DINKES), ROW_ID)
    with pytest.raises(errors.NotFound), translated():  # another pemda: not revealed
        queries.get_row(repo, Actor("u-bappeda", Role.BAPPEDA, "12.20"), ROW_ID)


def test_the_inbox_schemas_describe_the_listing_and_the_decision():
    from eplanning_common.jsoncodec import to_json
    from renja.domain import Actor, Role, accommodate, new_inbox_item, reroute
    from renja.events import decided_data, inbox_data

    item = new_inbox_item(pemda="12.21", source="pokir", source_id="P-1", opd=PUPR, tahun=2027, judul="Sumur bor",
                          volume="2", cost="190000000", sub_kegiatan=None, lokasi="12.21.07.1001", received_at=AT)
    operator = Actor("u-pupr", Role.OPD, "12.21", PUPR)
    listed = {**inbox_data(item), "status": item.status.value, "version": 1, "decision": None}  # as queries.inbox
    assert field_errors(listed, api.INBOX_ITEM) == []
    for decided, record in (accommodate(item, actor=operator, row_id=ROW_ID, at=AT, volume="1.5"),
                            reroute(item, actor=operator, to_opd=DINKES, reason="Kesehatan", at=AT,
                                    opds={PUPR, DINKES})[:2]):
        listed = {**inbox_data(decided), "status": decided.status.value, "version": 2,
                  "decision": to_json(decided.decision)}
        answered = {**inbox_data(decided), "status": decided.status.value, "version": 2,
                    "decision": decided_data(decided, record)}  # as inbox_actions.decide
        assert field_errors(listed, api.INBOX_ITEM) == [] and field_errors(answered, api.DECIDED_ITEM) == []


def test_the_state_totals_snapshot_comparison_and_manifest_schemas_describe_the_services_answers():
    from eplanning_common.jsoncodec import to_json
    from renja import lifecycle_actions, queries
    from renja.domain import (Actor, Pagu, Role, build_manifest, opd_totals, return_renja, submit_renja,
                              verify_renja)

    operator, bappeda = Actor("u-pupr", Role.OPD, "12.21", PUPR), Actor("u-bappeda", Role.BAPPEDA, "12.21")
    repo = FakeRepo(_rows())  # its PUPR ceiling N is below the rows' total: sisa_n < 0
    within = opd_totals(_rows(), Pagu(PUPR, 2027, Decimal("5000000000"), Decimal("5000000000")))
    submitted = submit_renja(repo.states("12.21", 2027)[PUPR], actor=operator, at=AT, totals=within,
                             note="Mohon diverifikasi")
    returned = return_renja(verify_renja(submitted, actor=bappeda, at=AT), actor=bappeda, at=AT, note="Perbaiki")
    assert field_errors({**to_json(returned), "version": 3}, api.STATE) == []

    totals = queries.totals(repo, bappeda, 2027)
    assert totals[0]["sisa_n"].startswith("-") and field_errors(totals, {"type": "array", "items": api.TOTALS}) == []

    first = lifecycle_actions.snapshot(repo, operator, PUPR, 2027, "rancangan awal", AT)
    assert field_errors(first, api.SNAPSHOT) == []
    repo._rows = [_rows()[0]]
    lifecycle_actions.snapshot(repo, operator, PUPR, 2027, "rancangan", AT + timedelta(days=1))
    diff = lifecycle_actions.compare_snapshots(repo, bappeda, PUPR, 2027, "rancangan awal", "rancangan")
    assert diff["removed"] == ["R-2"] and field_errors(diff, api.COMPARISON) == []

    manifest = build_manifest(_rows(), pemda="12.21", tahun=2027).as_dict()
    assert field_errors(manifest, api.MANIFEST) == []
