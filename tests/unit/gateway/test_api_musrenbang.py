"""The Musrenbang part of /v1 (gateway.api.musrenbang), through the real app with a FakeRpc for the
service: the RPC each operation makes, the role matrix, validation, If-Match, Idempotency-Key,
paging, raw answers, service errors; and the table kept equal to the service's own vocabulary."""
from __future__ import annotations

import base64
import copy
import hashlib
import inspect
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from nameko.rpc import Rpc

from gateway.api import catalog, musrenbang as api
from gateway.api.binding import canonical_json, etag_of
from gateway.api.operation import ALL_ROLES, BAPPEDA, DESA, KECAMATAN
from gateway.api.schemas import field_errors
from gateway.app import create_app
from gateway.exceptions import Conflict, Forbidden, NotFound, ValidationError
from gateway_fakes import SERVICES

from musrenbang import access, queries, usulan_actions
from musrenbang.codec import usulan_from_dict
from musrenbang.domain import PENGUSUL_VISIBLE, LEVEL_STATUSES, ChangeKind, DecisionStatus, Level, UsulanStatus
from musrenbang.forum_actions import RANKING_RULE
from musrenbang.service import MusrenbangService
from musrenbang.views import usulan_view

UID = api.EXAMPLE_USULAN["id"]
OPS = {op.operation_id: op for op in api.OPERATIONS}
SCOPES = {"bappeda": {}, "operator_desa": {"wilayah": "12.21.01.2001"}, "operator_kecamatan": {"wilayah": "12.21.01"},
          "opd": {"opd": "1.03.0.00.0.00.01.0000"}, "anggota_dprd": {"anggota_id": "A-07"},
          "staf_ahli": {"anggota_id": "A-07"}, "setwan": {}, "admin": {}}
DETAIL = api.EXAMPLE_USULAN_DETAIL
DETAIL_ETAG = etag_of(canonical_json(DETAIL))
CSV = api.EXAMPLE_KAMUS_CSV


@pytest.fixture
def app(rpc, broker, auth, idempotency_store):
    # conftest's `app` hands create_app the fixture function instead of the store
    return create_app(rpc=rpc, broker_check=broker, services=SERVICES, readiness_timeout=2.0,
                      max_body_bytes=1024, auth=auth, idempotency_store=idempotency_store, deps={})


@pytest.fixture
def as_role(make_user, bearer):
    """as_role(role) -> Authorization headers of a user with that role (one user per role)."""
    made = {}

    def headers(role):
        if role not in made:
            make_user(role, role=role, **SCOPES[role])
            made[role] = bearer(role)
        return made[role]

    return headers


def _service_calls(rpc):
    return [(m, a, k) for s, m, a, k in rpc.calls if s == "musrenbang" and m != "health"]


# -- one successful request per operation -------------------------------------------------------------

@dataclass
class Case:
    op_id: str
    role: str
    method: str
    path: str
    answers: dict  # rpc method -> answer
    calls: list  # [(rpc method, args, kwargs)] expected, in order
    json: Any = None
    body: bytes | None = None
    headers: dict = field(default_factory=dict)
    status: int = 200
    content_type: str = "application/json"
    returns: Any = None  # the expected JSON body (default: the last call's answer)


DECISION = {"level": "kecamatan", "status": "diterima dengan perubahan", "revised_volume": "100",
            "reason": "Disesuaikan dengan panjang jalan"}
PATCH = {"volume": "140", "pengusul": {"telepon": "081377788899"}, "alamat": None}
SCHEDULE = api.EXAMPLE_SCHEDULE
CHANGE = api.EXAMPLE_SCHEDULE_CHANGE
CRITERIA = {"criteria": [{"name": "urgensi", "weight": "0.6", "max_score": 5},
                         {"name": "manfaat", "weight": 1, "max_score": 5}]}
RANKING = OPS["musrenbang.getRanking"].response_example
PAIRS = OPS["musrenbang.getDuplicates"].response_example["items"]
BERITA = OPS["musrenbang.getBeritaAcara"].response_example
CLOSED_STAGE = OPS["musrenbang.closeStage"].response_example
FORUM_CLOSED = OPS["musrenbang.closeKecamatan"].response_example
KAMUS = [api._EXAMPLE_KAMUS]
PAGE = {"items": [api.EXAMPLE_USULAN], "next_cursor": None}
SCORED = {"usulan_id": UID, "scores": {"urgensi": 5, "manfaat": 4}, "total": "4.6"}


def _merged():
    return {**api.editable_fields(DETAIL), "volume": "140", "alamat": None,
            "pengusul": {**DETAIL["pengusul"], "telepon": "081377788899"}}


CASES = [
    Case("musrenbang.createUsulan", DESA, "POST", "/v1/musrenbang/2027/usulan", {"create_usulan": api.EXAMPLE_CREATED},
         [("create_usulan", (2027, api.EXAMPLE_CREATE), {"submit": True})], json=api.EXAMPLE_CREATE, status=201),
    Case("musrenbang.createUsulan", DESA, "POST", "/v1/musrenbang/2027/usulan?submit=false",
         {"create_usulan": api.EXAMPLE_CREATED}, [("create_usulan", (2027, api.EXAMPLE_CREATE), {"submit": False})],
         json=api.EXAMPLE_CREATE, status=201),
    Case("musrenbang.listUsulan", BAPPEDA, "GET", "/v1/musrenbang/2027/usulan", {"list_usulan": PAGE},
         [("list_usulan", (2027, None, None, 50), {"sort": None})]),
    Case("musrenbang.listUsulan", KECAMATAN, "GET",
         "/v1/musrenbang/2027/usulan?desa=12.21.01.2001&status_kecamatan=diterima%20dengan%20perubahan"
         "&kamus_kode=DRN-01&sort=-current_cost&limit=20&cursor=c1.abc",
         {"list_usulan": PAGE},
         [("list_usulan", (2027, {"desa": "12.21.01.2001", "status_kecamatan": "diterima dengan perubahan",
                                  "kamus_kode": "DRN-01"}, "c1.abc", 20), {"sort": "-current_cost"})]),
    Case("musrenbang.getUsulan", KECAMATAN, "GET", f"/v1/musrenbang/usulan/{UID}", {"get_usulan": DETAIL},
         [("get_usulan", (UID,), {})]),
    Case("musrenbang.updateUsulan", DESA, "PATCH", f"/v1/musrenbang/usulan/{UID}",
         {"get_usulan": DETAIL, "update_usulan": OPS["musrenbang.updateUsulan"].response_example},
         [("get_usulan", (UID,), {}), ("update_usulan", (UID, _merged()), {"expected_version": 2})],
         json=PATCH, headers={"If-Match": DETAIL_ETAG}),
    Case("musrenbang.submitUsulan", DESA, "POST", f"/v1/musrenbang/usulan/{UID}/submit",
         {"submit_usulan": api.EXAMPLE_CREATED}, [("submit_usulan", (UID,), {})]),
    Case("musrenbang.withdrawUsulan", DESA, "POST", f"/v1/musrenbang/usulan/{UID}/withdraw",
         {"withdraw_usulan": api.EXAMPLE_CREATED}, [("withdraw_usulan", (UID, "Sudah dibiayai dana desa"), {})],
         json={"reason": "Sudah dibiayai dana desa"}),
    Case("musrenbang.withdrawUsulan", DESA, "POST", f"/v1/musrenbang/usulan/{UID}/withdraw",
         {"withdraw_usulan": api.EXAMPLE_CREATED}, [("withdraw_usulan", (UID, None), {})], json={}),
    Case("musrenbang.decideUsulan", KECAMATAN, "POST", f"/v1/musrenbang/usulan/{UID}/decisions",
         {"get_usulan": DETAIL, "decide_usulan": api.EXAMPLE_USULAN},
         [("get_usulan", (UID,), {}), ("decide_usulan", (UID, DECISION), {"expected_version": 2})],
         json=DECISION, headers={"If-Match": DETAIL_ETAG}),
    Case("musrenbang.scoreUsulan", KECAMATAN, "POST", f"/v1/musrenbang/usulan/{UID}/scores", {"score_usulan": SCORED},
         [("score_usulan", (UID, {"urgensi": 5, "manfaat": 4}), {})], json={"scores": {"urgensi": 5, "manfaat": 4}}),
    Case("musrenbang.importKamus", BAPPEDA, "PUT", "/v1/musrenbang/2027/kamus",
         {"import_kamus": {"pemda": "12.21", "tahun": 2027, "imported": 1}}, [("import_kamus", (2027, CSV), {})],
         body=CSV.encode(), headers={"Content-Type": "text/csv"}),
    Case("musrenbang.listKamus", DESA, "GET", "/v1/musrenbang/2027/kamus", {"list_kamus": KAMUS},
         [("list_kamus", (2027,), {})], returns={"items": KAMUS}),
    Case("musrenbang.exportKamus", KECAMATAN, "GET", "/v1/musrenbang/2027/kamus.csv", {"export_kamus": CSV},
         [("export_kamus", (2027,), {})], content_type="text/csv"),
    Case("musrenbang.setSchedule", BAPPEDA, "PUT", "/v1/musrenbang/2027/schedule",
         {"set_schedule": OPS["musrenbang.setSchedule"].response_example},
         [("set_schedule", (2027, api._WINDOWS), {})], json={"windows": api._WINDOWS}, status=201),
    Case("musrenbang.getSchedule", DESA, "GET", "/v1/musrenbang/2027/schedule", {"get_schedule": SCHEDULE},
         [("get_schedule", (2027,), {})]),
    Case("musrenbang.changeSchedule", BAPPEDA, "POST", "/v1/musrenbang/2027/schedule/changes",
         {"change_schedule": SCHEDULE},
         [("change_schedule", (2027, "extend", "desa", CHANGE["reason"]), {"closes_at": CHANGE["closes_at"]})],
         json=CHANGE),
    Case("musrenbang.changeSchedule", BAPPEDA, "POST", "/v1/musrenbang/2027/schedule/changes",
         {"change_schedule": SCHEDULE},
         [("change_schedule", (2027, "close_early", "kecamatan", "Semua usulan sudah dibahas"), {"closes_at": None})],
         json={"kind": "close_early", "level": "kecamatan", "reason": "Semua usulan sudah dibahas"}),
    Case("musrenbang.closeStage", BAPPEDA, "POST", "/v1/musrenbang/2027/close", {"close_stage": CLOSED_STAGE},
         [("close_stage", (2027,), {})]),
    Case("musrenbang.setCriteria", BAPPEDA, "PUT", "/v1/musrenbang/2027/criteria",
         {"set_criteria": OPS["musrenbang.setCriteria"].response_example},
         [("set_criteria", (2027, CRITERIA["criteria"]), {})], json=CRITERIA),
    Case("musrenbang.getCriteria", KECAMATAN, "GET", "/v1/musrenbang/2027/criteria",
         {"get_criteria": OPS["musrenbang.getCriteria"].response_example}, [("get_criteria", (2027,), {})]),
    Case("musrenbang.getRanking", KECAMATAN, "GET", "/v1/musrenbang/2027/kecamatan/12.21.01/ranking",
         {"ranking": RANKING}, [("ranking", (2027, "12.21.01"), {})]),
    Case("musrenbang.getDuplicates", BAPPEDA, "GET", "/v1/musrenbang/2027/kecamatan/12.21.01/duplicates",
         {"duplicates": PAIRS}, [("duplicates", (2027, "12.21.01"), {})],
         returns={"tahun": 2027, "kecamatan": "12.21.01", "items": PAIRS}),
    Case("musrenbang.closeKecamatan", KECAMATAN, "POST", "/v1/musrenbang/2027/kecamatan/12.21.01/close",
         {"close_kecamatan": FORUM_CLOSED}, [("close_kecamatan", (2027, "12.21.01", api.EXAMPLE_FORUM_CLOSE), {})],
         json=api.EXAMPLE_FORUM_CLOSE),
    Case("musrenbang.getBeritaAcara", KECAMATAN, "GET", "/v1/musrenbang/2027/kecamatan/12.21.01/berita-acara",
         {"berita_acara": BERITA}, [("berita_acara", (2027, "12.21.01"), {})]),
    Case("musrenbang.getBeritaAcaraMarkdown", BAPPEDA, "GET",
         "/v1/musrenbang/2027/kecamatan/12.21.01/berita-acara.md", {"berita_acara": BERITA},
         [("berita_acara", (2027, "12.21.01"), {})], content_type="text/markdown"),
]
FIRST_CASE = {}
for _case in CASES:
    FIRST_CASE.setdefault(_case.op_id, _case)


def send(client, case: Case, headers: dict, **more):
    kwargs = {"headers": {**case.headers, **headers, **more.pop("headers", {})}}
    if case.json is not None:
        kwargs["json"] = copy.deepcopy(case.json)
    if case.body is not None:
        kwargs["body"] = case.body
    path, _, query = case.path.partition("?")
    return client.simulate_request(case.method, path, query_string=query or None, **kwargs, **more)


@pytest.mark.parametrize("case", CASES, ids=[f"{c.op_id}-{i}" for i, c in enumerate(CASES)])
def test_each_operation_makes_its_rpc_call_and_answers(client, rpc, as_role, case):
    for method, answer in case.answers.items():
        rpc.answers[("musrenbang", method)] = answer
    result = send(client, case, as_role(case.role))
    assert result.status_code == case.status, result.text
    assert _service_calls(rpc) == case.calls
    for method, args, kwargs in case.calls:  # the service would take these arguments
        inspect.signature(getattr(MusrenbangService, method)).bind(None, *args, **kwargs)
    assert result.headers["content-type"].startswith(case.content_type)
    op = OPS[case.op_id]
    if case.content_type == "application/json":
        expected = case.returns if case.returns is not None else case.answers[case.calls[-1][0]]
        assert result.json == expected
        assert field_errors(result.json, op.response) == []


def test_create_answers_201_with_the_location_of_the_new_usulan(client, rpc, as_role):
    rpc.answers[("musrenbang", "create_usulan")] = api.EXAMPLE_CREATED
    result = send(client, CASES[0], as_role(DESA))
    assert result.status_code == 201
    assert result.headers["location"] == f"/v1/musrenbang/usulan/{UID}"


def test_kamus_export_is_a_csv_download_and_the_berita_acara_a_markdown_one_with_its_digest(client, rpc, as_role):
    rpc.answers[("musrenbang", "export_kamus")] = CSV
    rpc.answers[("musrenbang", "berita_acara")] = BERITA
    csv = client.simulate_get("/v1/musrenbang/2027/kamus.csv", headers=as_role(DESA))
    assert csv.status_code == 200 and csv.text == CSV
    assert csv.headers["content-type"] == "text/csv; charset=utf-8"
    assert 'filename="kamus_usulan_12.21_2027.csv"' in csv.headers["content-disposition"]
    assert csv.headers["etag"]
    md = client.simulate_get("/v1/musrenbang/2027/kecamatan/12.21.01/berita-acara.md", headers=as_role(KECAMATAN))
    assert md.status_code == 200 and md.content == BERITA["document"].encode()
    assert md.headers["content-type"] == "text/markdown; charset=utf-8"
    assert 'filename="berita_acara_12.21.01_2027.md"' in md.headers["content-disposition"]
    expected = base64.b64encode(hashlib.sha256(BERITA["document"].encode()).digest()).decode()
    assert md.headers["repr-digest"] == f"sha-256=:{expected}:"
    again = client.simulate_get("/v1/musrenbang/2027/kecamatan/12.21.01/berita-acara.md",
                                headers={**as_role(KECAMATAN), "If-None-Match": md.headers["etag"]})
    assert again.status_code == 304


# -- roles ---------------------------------------------------------------------------------------------

EXPECTED_ROLES = {
    "createUsulan": {DESA}, "updateUsulan": {DESA}, "submitUsulan": {DESA}, "withdrawUsulan": {DESA},
    "listUsulan": {DESA, KECAMATAN, BAPPEDA}, "getUsulan": {DESA, KECAMATAN, BAPPEDA},
    "decideUsulan": {DESA, KECAMATAN, BAPPEDA}, "scoreUsulan": {KECAMATAN, BAPPEDA},
    "importKamus": {BAPPEDA}, "listKamus": {DESA, KECAMATAN, BAPPEDA}, "exportKamus": {DESA, KECAMATAN, BAPPEDA},
    "setSchedule": {BAPPEDA}, "getSchedule": {DESA, KECAMATAN, BAPPEDA}, "changeSchedule": {BAPPEDA},
    "closeStage": {BAPPEDA}, "setCriteria": {BAPPEDA}, "getCriteria": {DESA, KECAMATAN, BAPPEDA},
    "getRanking": {KECAMATAN, BAPPEDA},
    "getDuplicates": {KECAMATAN, BAPPEDA}, "closeKecamatan": {KECAMATAN, BAPPEDA},
    "getBeritaAcara": {KECAMATAN, BAPPEDA}, "getBeritaAcaraMarkdown": {KECAMATAN, BAPPEDA},
}


def test_roles_are_those_the_service_allows():
    assert {op_id.split(".", 1)[1] for op_id in OPS} == set(EXPECTED_ROLES)
    for op in api.OPERATIONS:
        assert op.roles == EXPECTED_ROLES[op.operation_id.split(".", 1)[1]], op.operation_id
        assert op.roles <= set(access.ROLES)  # the service refuses every other role outright


@pytest.mark.parametrize("op_id", sorted(FIRST_CASE))
def test_role_matrix_refused_roles_get_403_before_any_rpc(client, rpc, as_role, op_id):
    case = FIRST_CASE[op_id]
    for method, answer in case.answers.items():
        rpc.answers[("musrenbang", method)] = answer
    for role in sorted(ALL_ROLES):
        rpc.calls.clear()
        result = send(client, case, as_role(role))
        if role in OPS[op_id].roles:
            assert result.status_code == case.status, (role, result.text)
            assert _service_calls(rpc) == case.calls, role
        else:
            assert result.status_code == 403, (role, result.text)
            assert result.json["code"] == "forbidden"
            assert _service_calls(rpc) == [], role


def test_no_token_is_401_and_no_rpc(client, rpc):
    for case in FIRST_CASE.values():
        result = send(client, case, {})
        assert result.status_code == 401, case.op_id
    assert _service_calls(rpc) == []


# -- validation ------------------------------------------------------------------------------------------

def _errors(result):
    assert result.status_code == 422, result.text
    return {(e["field"], e["code"]) for e in result.json["errors"]}


@pytest.mark.parametrize("body, errors", [
    ({}, {("desa", "required"), ("kamus_item_id", "required"), ("volume", "required"), ("permasalahan", "required"),
          ("gagasan", "required")}),
    ({**api.EXAMPLE_CREATE, "cost": "1"}, {("cost", "unknown_field")}),
    ({**api.EXAMPLE_CREATE, "volume": "0"}, {("volume", "format_pattern")}),
    ({**api.EXAMPLE_CREATE, "volume": 0}, {("volume", "min_value")}),
    ({**api.EXAMPLE_CREATE, "volume": "1.2345"}, {("volume", "format_pattern")}),
    ({**api.EXAMPLE_CREATE, "desa": "12.21.01"}, {("desa", "format_pattern")}),
    ({**api.EXAMPLE_CREATE, "lon": None}, {("lon", "invalid")}),
    ({k: v for k, v in api.EXAMPLE_CREATE.items() if k != "lat"}, {("lat", "required")}),
    ({**api.EXAMPLE_CREATE, "lat": 95}, {("lat", "max_value")}),
    ({**api.EXAMPLE_CREATE, "gagasan": "   "}, {("gagasan", "format_pattern")}),
    ({**api.EXAMPLE_CREATE, "pengusul": {"telepon": "0812"}}, {("pengusul.nama", "required")}),
    ({**api.EXAMPLE_CREATE, "lampiran": [{"nama": "a.jpg", "sha256": "xyz"}]},
     {("lampiran[0].sha256", "format_pattern")}),
])
def test_invalid_usulan_is_422_field_by_field_and_no_rpc(client, rpc, as_role, body, errors):
    result = client.simulate_post("/v1/musrenbang/2027/usulan", json=body, headers=as_role(DESA))
    assert _errors(result) == errors
    assert _service_calls(rpc) == []


@pytest.mark.parametrize("body, errors", [
    ({"level": "kecamatan", "status": "ditolak"}, {("reason", "required")}),
    ({"level": "kecamatan", "status": "ditolak", "reason": None}, {("reason", "not_null")}),
    ({"level": "kecamatan", "status": "ditolak", "reason": "  "},
     {("reason", "too_short"), ("reason", "format_pattern")}),
    ({"level": "kecamatan", "status": "ditolak", "reason": "    "}, {("reason", "format_pattern")}),
    ({"level": "kecamatan", "status": "diterima", "revised_volume": "5"}, {("revised_volume", "invalid")}),
    ({"level": "kecamatan", "status": "diterima dengan perubahan", "reason": "Disesuaikan"},
     {("revised_volume", "required")}),
    ({"level": "kecamatan", "status": "digabung", "reason": "Lokasi sama"}, {("merge_target_id", "required")}),
    ({"level": "kecamatan", "status": "ditolak", "reason": "Bukan prioritas", "merge_target_id": UID},
     {("merge_target_id", "invalid")}),
    ({"level": "provinsi", "status": "diterima"}, {("level", "choice")}),
    ({"status": "diterima"}, {("level", "required")}),
])
def test_invalid_decision_is_422_before_if_match_and_rpc(client, rpc, as_role, body, errors):
    result = client.simulate_post(f"/v1/musrenbang/usulan/{UID}/decisions", json=body,
                                  headers={**as_role(KECAMATAN), "If-Match": DETAIL_ETAG})
    assert _errors(result) == errors
    assert _service_calls(rpc) == []


def _window(level, opens="2027-01-05T00:00:00+07:00", closes="2027-02-01T00:00:00+07:00"):
    return {"level": level, "opens_at": opens, "closes_at": closes}


@pytest.mark.parametrize("method, path, body, errors", [
    ("PUT", "/v1/musrenbang/2027/schedule", {"windows": [_window("desa"), _window("kecamatan")]},
     {("windows", "too_few_items")}),
    ("PUT", "/v1/musrenbang/2027/schedule",
     {"windows": [_window("desa", opens="2027-01-05T00:00:00"), _window("kecamatan"), _window("kabupaten")]},
     {("windows[0].opens_at", "format_pattern")}),
    ("PUT", "/v1/musrenbang/2027/schedule", {"windows": [_window("desa"), _window("kecamatan"), _window("pusat")]},
     {("windows[2].level", "choice")}),
    ("POST", "/v1/musrenbang/2027/schedule/changes", {"kind": "extend", "level": "desa", "reason": "Banjir"},
     {("closes_at", "required")}),
    ("POST", "/v1/musrenbang/2027/schedule/changes",
     {"kind": "close_early", "level": "desa", "reason": "Kuota penuh", "closes_at": "2027-02-01T00:00:00Z"},
     {("closes_at", "invalid")}),
    ("POST", "/v1/musrenbang/2027/schedule/changes", {"kind": "reopen", "level": "desa", "reason": "    "},
     {("reason", "format_pattern")}),
    ("POST", "/v1/musrenbang/2027/schedule/changes", {"kind": "pause", "level": "desa", "reason": "Banjir"},
     {("kind", "choice")}),
    ("PUT", "/v1/musrenbang/2027/criteria", {"criteria": [{"name": "urgensi", "weight": 0.6, "max_score": 5}]},
     {("criteria[0].weight", "type_string"), ("criteria[0].weight", "min_value")}),
    ("PUT", "/v1/musrenbang/2027/criteria", {"criteria": [{"name": "urgensi", "weight": "0", "max_score": 0}]},
     {("criteria[0].weight", "format_pattern"), ("criteria[0].max_score", "min_value")}),
    ("PUT", "/v1/musrenbang/2027/criteria", {"criteria": []}, {("criteria", "too_few_items")}),
    ("POST", f"/v1/musrenbang/usulan/{UID}/scores", {"scores": {"urgensi": "5", "manfaat": -1}},
     {("scores.urgensi", "type_integer"), ("scores.manfaat", "min_value")}),
    ("POST", f"/v1/musrenbang/usulan/{UID}/scores", {"urgensi": 5},
     {("scores", "required"), ("urgensi", "unknown_field")}),
    ("POST", "/v1/musrenbang/2027/kecamatan/12.21.01/close", {"tanggal": "10-02-2027", "tempat": "Aula",
                                                              "jumlah_peserta": 0, "notulen": "x"},
     {("tanggal", "format_date"), ("jumlah_peserta", "min_value"), ("notulen", "unknown_field")}),
    ("POST", f"/v1/musrenbang/usulan/{UID}/withdraw", {"reason": 5}, {("reason", "type_string")}),
])
def test_invalid_bodies_are_422_and_no_rpc(client, rpc, as_role, method, path, body, errors):
    role = DESA if path.endswith("/withdraw") else BAPPEDA
    result = client.simulate_request(method, path, json=body, headers=as_role(role))
    # format "date-time" is checked too where rfc3339-validator is installed; the pattern always is
    assert _errors(result) - {(f, "format_datetime") for f, _ in errors} == errors
    assert _service_calls(rpc) == []


@pytest.mark.parametrize("query, errors", [
    ("sort=biaya", {("sort", "choice")}),
    ("status=diterima", {("status", "choice")}),
    ("status_kabupaten=lulus", {("status_kabupaten", "choice")}),
    ("kecamatan=12.21", {("kecamatan", "format_pattern")}),
    ("order=desc", {("order", "unknown_field")}),
    ("limit=0", {("limit", "min_value")}),
])
def test_invalid_list_queries_are_422_and_no_rpc(client, rpc, as_role, query, errors):
    result = client.simulate_get("/v1/musrenbang/2027/usulan", query_string=query, headers=as_role(BAPPEDA))
    assert _errors(result) == errors
    assert _service_calls(rpc) == []


@pytest.mark.parametrize("path, errors", [
    ("/v1/musrenbang/2027/kecamatan/12.21/ranking", {("kecamatan", "format_pattern")}),
    ("/v1/musrenbang/2027/kecamatan/12.21.01.2001/duplicates", {("kecamatan", "format_pattern")}),
    ("/v1/musrenbang/1999/schedule", {("tahun", "min_value")}),
    ("/v1/musrenbang/2101/kecamatan/12.21.01/berita-acara", {("tahun", "max_value")}),
])
def test_invalid_path_parameters_are_422_and_no_rpc(client, rpc, as_role, path, errors):
    assert _errors(client.simulate_get(path, headers=as_role(BAPPEDA))) == errors
    assert _service_calls(rpc) == []


def test_kamus_import_takes_utf8_csv_only(client, rpc, as_role):
    headers = as_role(BAPPEDA)
    latin1 = client.simulate_put("/v1/musrenbang/2027/kamus", body="kode,nama\nA,Jalan ke sawah é\n".encode("latin-1"),
                                 headers={**headers, "Content-Type": "text/csv"})
    assert _errors(latin1) == {("body", "musrenbang_csv_encoding")}
    assert latin1.json["errors"][0]["message"] == "Berkas CSV harus berenkode UTF-8."
    as_json = client.simulate_put("/v1/musrenbang/2027/kamus", json={"csv": CSV}, headers=headers)
    assert as_json.status_code == 415
    assert _service_calls(rpc) == []


def test_kamus_row_errors_keep_their_line_in_the_field(client, rpc, as_role):
    rpc.answers[("musrenbang", "import_kamus")] = ValidationError(
        "musrenbang", "import_kamus", "ValidationError",
        {"detail": "2 kesalahan pada CSV kamus usulan; tidak ada yang diimpor", "code": "csv_invalid", "errors": [
            {"row": 3, "field": "sub_kegiatan", "message": "Kode sub kegiatan 9.99 tidak ada dalam nomenklatur",
             "code": "unknown_code"},
            {"row": 4, "field": "harga_satuan", "message": "Harga satuan harus angka lebih dari 0",
             "code": "not_positive"}]})
    result = client.simulate_put("/v1/musrenbang/2027/kamus", body=CSV.encode(),
                                 headers={**as_role(BAPPEDA), "Content-Type": "text/csv"})
    assert result.status_code == 422 and result.json["code"] == "csv_invalid"
    assert [(e["field"], e["code"], e["message"]) for e in result.json["errors"]] == [
        ("csv[3].sub_kegiatan", "unknown_code", "Baris 3: Kode sub kegiatan 9.99 tidak ada dalam nomenklatur"),
        ("csv[4].harga_satuan", "not_positive", "Baris 4: Harga satuan harus angka lebih dari 0")]


# -- PATCH: merge patch, If-Match ---------------------------------------------------------------------------

@pytest.mark.parametrize("body, errors", [
    ({}, {("", "no_changes")}),
    ({"cost": "1"}, {("cost", "unknown_field")}),
    ({"volume": None}, {("volume", "not_null")}),
    ({"pengusul": {"nama": None}}, {("pengusul.nama", "not_null")}),
])
def test_invalid_patch_is_422_and_no_rpc(client, rpc, as_role, body, errors):
    result = client.simulate_patch(f"/v1/musrenbang/usulan/{UID}", json=body,
                                   headers={**as_role(DESA), "If-Match": DETAIL_ETAG})
    assert _errors(result) == errors
    assert _service_calls(rpc) == []


def test_merge_patch_changes_only_what_is_given():
    merged = api.merge_patch(DETAIL, {"volume": "140", "alamat": None, "pengusul": {"telepon": "0813"}})
    assert merged == {"desa": "12.21.01.2001", "kamus_item_id": "12.21/2027/DRN-01", "volume": "140",
                      "permasalahan": DETAIL["permasalahan"], "gagasan": DETAIL["gagasan"], "lat": "1.1234",
                      "lon": "99.6512", "alamat": None,
                      "pengusul": {"nama": "Kelompok Tani Maju", "telepon": "0813", "nik": None,
                                   "kelompok": "Kelompok tani"},
                      "lampiran": DETAIL["lampiran"]}
    assert set(merged) == usulan_actions.CREATE_FIELDS  # the service's update takes the whole usulan
    assert api.merge_patch(DETAIL, {"pengusul": None, "lampiran": []})["pengusul"] is None
    no_proposer = {**DETAIL, "pengusul": None}
    proposer = api.merge_patch(no_proposer, {"pengusul": {"nama": "Karang Taruna"}})["pengusul"]
    assert proposer == {"nama": "Karang Taruna"}
    assert DETAIL["pengusul"]["telepon"] == "0812000111"  # the view itself is not changed


@pytest.mark.parametrize("path, body, write", [
    (f"/v1/musrenbang/usulan/{UID}", PATCH, "update_usulan"),
    (f"/v1/musrenbang/usulan/{UID}/decisions", DECISION, "decide_usulan"),
])
def test_if_match_missing_is_428_and_stale_is_412_without_the_write(client, rpc, as_role, path, body, write):
    rpc.answers[("musrenbang", "get_usulan")] = DETAIL
    rpc.answers[("musrenbang", write)] = api.EXAMPLE_USULAN
    role = DESA if write == "update_usulan" else KECAMATAN
    method = "PATCH" if write == "update_usulan" else "POST"
    missing = client.simulate_request(method, path, json=body, headers=as_role(role))
    assert missing.status_code == 428 and missing.json["code"] == "if_match_required"
    assert _service_calls(rpc) == []
    stale = client.simulate_request(method, path, json=body, headers={**as_role(role), "If-Match": '"0123abcd"'})
    assert stale.status_code == 412 and stale.json["code"] == "stale_etag"
    assert _service_calls(rpc) == [("get_usulan", (UID,), {})]
    # the ETag a GET gave is the one that matches
    rpc.calls.clear()
    etag = client.simulate_get(f"/v1/musrenbang/usulan/{UID}", headers=as_role(role)).headers["etag"]
    assert etag == DETAIL_ETAG
    ok = client.simulate_request(method, path, json=body, headers={**as_role(role), "If-Match": etag})
    assert ok.status_code == 200, ok.text
    assert [m for m, _, _ in _service_calls(rpc)] == ["get_usulan", "get_usulan", write]


def test_a_change_between_the_read_and_the_write_is_412(client, rpc, as_role):
    rpc.answers[("musrenbang", "get_usulan")] = DETAIL
    rpc.answers[("musrenbang", "decide_usulan")] = Conflict(
        "musrenbang", "decide_usulan", "Conflict", {"detail": "Usulan versi 2 sudah usang (versi sekarang 3)",
                                                    "code": "stale_version", "current_version": 3})
    result = client.simulate_post(f"/v1/musrenbang/usulan/{UID}/decisions", json=DECISION,
                                  headers={**as_role(BAPPEDA), "If-Match": DETAIL_ETAG})
    assert result.status_code == 412 and result.json["code"] == "stale_etag"


# -- Idempotency-Key ----------------------------------------------------------------------------------------

def test_a_retried_create_with_the_same_key_creates_once(client, rpc, as_role):
    rpc.answers[("musrenbang", "create_usulan")] = api.EXAMPLE_CREATED
    headers = {**as_role(DESA), "Idempotency-Key": "usulan-2027-0001"}
    first = client.simulate_post("/v1/musrenbang/2027/usulan", json=api.EXAMPLE_CREATE, headers=headers)
    again = client.simulate_post("/v1/musrenbang/2027/usulan", json=api.EXAMPLE_CREATE, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json == first.json == api.EXAMPLE_CREATED
    assert again.headers["location"] == first.headers["location"] == f"/v1/musrenbang/usulan/{UID}"
    assert again.headers.get("idempotent-replayed") == "true" and "idempotent-replayed" not in first.headers
    # the key reaches the service as request_id: the service makes the same usulan for it again
    assert _service_calls(rpc) == [("create_usulan", (2027, api.EXAMPLE_CREATE),
                                    {"submit": True, "request_id": "usulan-2027-0001"})]
    other = client.simulate_post("/v1/musrenbang/2027/usulan", json={**api.EXAMPLE_CREATE, "volume": "99"},
                                 headers=headers)
    assert other.status_code == 422 and other.json["code"] == "idempotency_key_reused"
    assert [m for m, _, _ in _service_calls(rpc)] == ["create_usulan"]


def test_a_refused_close_is_replayed_not_retried(client, rpc, as_role):
    rpc.answers[("musrenbang", "close_stage")] = Conflict(
        "musrenbang", "close_stage", "Conflict",
        {"detail": "Forum kecamatan belum ditutup: 12.21.02", "code": "forums_open", "kecamatan": ["12.21.02"]})
    headers = {**as_role(BAPPEDA), "Idempotency-Key": "close-2027-a"}
    first = client.simulate_post("/v1/musrenbang/2027/close", headers=headers)
    again = client.simulate_post("/v1/musrenbang/2027/close", headers=headers)
    assert first.status_code == again.status_code == 409
    assert again.json["code"] == "forums_open" and again.headers.get("idempotent-replayed") == "true"
    assert [m for m, _, _ in _service_calls(rpc)] == ["close_stage"]


# -- paging -------------------------------------------------------------------------------------------------

def test_list_sets_a_next_link_that_keeps_filters_and_sort(client, rpc, as_role):
    rpc.answers[("musrenbang", "list_usulan")] = {"items": [api.EXAMPLE_USULAN], "next_cursor": "c1.next"}
    result = client.simulate_get("/v1/musrenbang/2027/usulan", query_string="kecamatan=12.21.01&sort=-current_cost"
                                 "&limit=1", headers=as_role(BAPPEDA))
    assert result.status_code == 200
    link = re.fullmatch(r'<([^>]+)>; rel="?next"?', result.headers["link"])
    assert link, result.headers["link"]
    url = urlsplit(link.group(1))
    assert url.path == "/v1/musrenbang/2027/usulan"
    assert {k: v[0] for k, v in parse_qs(url.query).items()} == {"kecamatan": "12.21.01", "sort": "-current_cost",
                                                                  "limit": "1", "cursor": "c1.next"}
    rpc.answers[("musrenbang", "list_usulan")] = PAGE
    last = client.simulate_get(url.path, query_string=url.query, headers=as_role(BAPPEDA))
    assert last.status_code == 200 and "link" not in last.headers
    assert _service_calls(rpc)[-1] == ("list_usulan", (2027, {"kecamatan": "12.21.01"}, "c1.next", 1),
                                       {"sort": "-current_cost"})


def test_list_limit_is_capped_at_200(client, rpc, as_role):
    rpc.answers[("musrenbang", "list_usulan")] = PAGE
    result = client.simulate_get("/v1/musrenbang/2027/usulan", query_string="limit=5000", headers=as_role(DESA))
    assert result.status_code == 200
    assert _service_calls(rpc) == [("list_usulan", (2027, None, None, 200), {"sort": None})]
    assert 200 <= queries.MAX_PAGE  # the service takes the gateway's largest page


# -- service errors ------------------------------------------------------------------------------------------

def test_service_refusals_map_to_problems(client, rpc, as_role):
    rpc.answers[("musrenbang", "create_usulan")] = ValidationError(
        "musrenbang", "create_usulan", "ValidationError",
        {"detail": "Data usulan tidak valid", "code": "validation_error", "errors": [
            {"field": "desa", "message": "Desa 12.21.01.2002 bukan desa Anda (12.21.01.2001)", "code": "out_of_scope"},
            {"field": "volume", "message": "Volume melebihi batas maksimal 2000 meter untuk item ini",
             "code": "above_maximum"}]})
    result = client.simulate_post("/v1/musrenbang/2027/usulan", json=api.EXAMPLE_CREATE, headers=as_role(DESA))
    assert result.status_code == 422
    assert result.headers["content-type"] == "application/problem+json"
    assert [(e["field"], e["code"]) for e in result.json["errors"]] == [("desa", "out_of_scope"),
                                                                        ("volume", "above_maximum")]
    assert "bukan desa Anda" in result.json["errors"][0]["message"]

    rpc.answers[("musrenbang", "get_usulan")] = Forbidden(
        "musrenbang", "get_usulan", "Forbidden", {"detail": "Akses ditolak: usulan di luar wilayah Anda",
                                                  "code": "outside_territory"})
    outside = client.simulate_get(f"/v1/musrenbang/usulan/{UID}", headers=as_role(KECAMATAN))
    assert outside.status_code == 403 and outside.json["code"] == "outside_territory"

    rpc.answers[("musrenbang", "berita_acara")] = NotFound(
        "musrenbang", "berita_acara", "NotFound",
        {"detail": "Forum kecamatan 12.21.01 belum ditutup", "code": "not_closed"})
    for suffix in ("berita-acara", "berita-acara.md"):
        missing = client.simulate_get(f"/v1/musrenbang/2027/kecamatan/12.21.01/{suffix}", headers=as_role(KECAMATAN))
        assert missing.status_code == 404 and missing.json["code"] == "not_closed"

    rpc.answers[("musrenbang", "submit_usulan")] = Conflict(
        "musrenbang", "submit_usulan", "Conflict", {"detail": "Jadwal Musrenbang desa 2027-01-05 s.d. 2027-01-31 "
                                                              "sudah ditutup", "code": "schedule_closed"})
    closed = client.simulate_post(f"/v1/musrenbang/usulan/{UID}/submit", headers=as_role(DESA))
    assert closed.status_code == 409 and closed.json["code"] == "schedule_closed"
    assert "sudah ditutup" in closed.json["detail"]


# -- the table against the service ----------------------------------------------------------------------------

def _rpc_methods(cls):
    return {name for name, fn in vars(cls).items()
            if any(isinstance(e, Rpc) for e in getattr(fn, "nameko_entrypoints", ()))}


def test_every_rpc_of_the_service_is_served_by_the_api():
    """Each user action of musrenbang has an operation here (checked by the cases above) or in another
    API module (the public tracking, the dashboard); `health` is the readiness probe's."""
    here = {method for case in CASES for method, _, _ in case.calls}
    assert {case.op_id for case in CASES} == set(OPS)
    elsewhere = set()
    for module in {inspect.getmodule(op.handler) for op in catalog.OPERATIONS} - {api}:
        elsewhere |= set(re.findall(r'"musrenbang",\s*"(\w+)"', inspect.getsource(module)))
    missing = _rpc_methods(MusrenbangService) - here - elsewhere - {"health"}
    assert not missing, f"musrenbang RPCs without an API operation: {sorted(missing)}"


def test_vocabularies_match_the_service():
    assert api.LEVELS == tuple(level.value for level in Level)
    assert api.DECISION_STATUSES == tuple(status.value for status in DecisionStatus)
    assert api.LEVEL_STATUSES == LEVEL_STATUSES
    assert api.USULAN_STATUSES == tuple(status.value for status in UsulanStatus)
    assert api.SCHEDULE_CHANGES == tuple(kind.value for kind in ChangeKind)
    assert api.SORTS == tuple(queries.SORTS)
    assert set(api.LIST_FILTERS) == queries.FILTERS
    assert set(api.USULAN_CREATE["properties"]) == set(api.EDITABLE) == usulan_actions.CREATE_FIELDS
    assert set(api.PENGUSUL_IN["properties"]) == usulan_actions.PENGUSUL_FIELDS
    assert api.RANKING_RULE == RANKING_RULE


def test_the_usulan_schema_is_what_the_service_view_produces():
    usulan = usulan_from_dict(api.EXAMPLE_USULAN)
    view = usulan_view(usulan, 2, api.EXAMPLE_USULAN["lampiran"], "operator_desa")
    assert view == api.EXAMPLE_USULAN
    assert field_errors(view, api.USULAN) == []
    assert set(api.USULAN["required"]) == set(view)
    # every role's cut of the proposer is still a valid usulan; only the desa sees everything
    for role, visible in PENGUSUL_VISIBLE.items():
        cut = usulan_view(usulan, 2, [], role)
        assert field_errors(cut, api.USULAN) == [], role
        assert set(cut["pengusul"]) == set(visible) & set(api.PENGUSUL_OUT["properties"]), role
        assert set(api.PENGUSUL_OUT["required"]) <= set(cut["pengusul"]), role


def test_every_example_validates_against_its_schema():
    for op in api.OPERATIONS:
        if op.body is not None:
            assert op.example is not None, op.operation_id
            assert field_errors(op.example, op.body) == [], op.operation_id
        if op.body_media is not None:
            assert isinstance(op.example, str), op.operation_id
        if op.response is not None:
            assert op.response_example is not None, op.operation_id
            assert field_errors(op.response_example, op.response) == [], op.operation_id
        else:
            assert op.produces != ("application/json",), op.operation_id


def test_the_openapi_document_lists_the_musrenbang_paths(client):
    paths = client.simulate_get("/v1/openapi.json").json["paths"]
    assert paths["/v1/musrenbang/{tahun}/usulan"]["post"]["operationId"] == "musrenbang.createUsulan"
    assert "patch" in paths["/v1/musrenbang/usulan/{usulan_id}"]
    assert set(paths["/v1/musrenbang/{tahun}/kecamatan/{kecamatan}/berita-acara.md"]["get"]["responses"]["200"]
               ["content"]) == {"text/markdown"}
    sort = next(p for p in paths["/v1/musrenbang/{tahun}/usulan"]["get"]["parameters"] if p["name"] == "sort")
    assert sort["schema"]["enum"] == list(api.SORTS)
