"""The planning calendar and the Musrenbang RKPD forum under /v1 (gateway.api.kalender), through the
real app with a FakeRpc: the RPC each operation makes, roles, schema field errors, and the table's
vocabularies kept equal to the service's."""
from __future__ import annotations

import base64
import hashlib
import inspect

import pytest

from gateway.api import kalender as api
from gateway.api.operation import BAPPEDA, DESA, KECAMATAN, OPD
from gateway.api.schemas import field_errors
from gateway.app import create_app
from gateway_fakes import SERVICES

from musrenbang.domain import STEPS, TATA_URUTAN, ZONES
from musrenbang.domain import forum_rkpd
from musrenbang.service import MusrenbangService

SCOPES = {BAPPEDA: {}, DESA: {"wilayah": "12.21.01.2001"}, KECAMATAN: {"wilayah": "12.21.01"},
          OPD: {"opd": "1.03.0.00.0.00.01.0000"}, "anggota_dprd": {"anggota_id": "A-07"}}


@pytest.fixture
def app(rpc, broker, auth, idempotency_store):
    return create_app(rpc=rpc, broker_check=broker, services=SERVICES, readiness_timeout=2.0,
                      max_body_bytes=64 * 1024, auth=auth, idempotency_store=idempotency_store, deps={})


@pytest.fixture
def as_role(make_user, bearer):
    made = {}

    def headers(role):
        if role not in made:
            make_user(role, role=role, **SCOPES[role])
            made[role] = bearer(role)
        return made[role]
    return headers


def calls(rpc):
    return [(method, args, kwargs) for service, method, args, kwargs in rpc.calls if service == "musrenbang"]


def test_vocabularies_are_the_services():
    assert api.STEPS == tuple(s.value for s in STEPS)
    assert api.TATA_URUTAN == TATA_URUTAN and set(api.ZONES) == set(ZONES)
    assert api.UNSUR == forum_rkpd.UNSUR and api.JENIS == forum_rkpd.JENIS
    assert api.USULAN_OUTCOMES == forum_rkpd.USULAN_OUTCOMES


def test_examples_follow_their_schemas():
    for op in api.OPERATIONS:
        if op.body is not None and op.example is not None:
            assert field_errors(op.example, op.body) == [], op.operation_id
        if op.response is not None and op.response_example is not None:
            assert field_errors(op.response_example, op.response) == [], op.operation_id


@pytest.mark.parametrize("method,path,body,rpc_method,args,kwargs", [
    ("PUT", "/v1/kalender/2027", api.EXAMPLE_KALENDER_IN, "set_calendar", (2027, api.EXAMPLE_KALENDER_IN), {}),
    ("GET", "/v1/kalender/2027", None, "get_calendar", (2027,), {}),
    ("POST", "/v1/kalender/2027/forum_pd/close_early", {"reason": "Semua OPD selesai"}, "change_calendar_step",
     (2027, "forum_pd", "close_early", "Semua OPD selesai"), {"closes_at": None}),
    ("POST", "/v1/kalender/2027/desa/extend", {"reason": "Banjir", "closes_at": "2026-02-08T00:00:00+07:00"},
     "change_calendar_step", (2027, "desa", "extend", "Banjir"), {"closes_at": "2026-02-08T00:00:00+07:00"}),
    ("POST", "/v1/kalender/2027/musrenbang_rkpd/reopen",
     {"reason": "Perubahan", "closes_at": "2026-04-10T00:00:00+07:00"}, "change_calendar_step",
     (2027, "musrenbang_rkpd", "reopen", "Perubahan"), {"closes_at": "2026-04-10T00:00:00+07:00"}),
    ("POST", "/v1/musrenbang/2027/forum-rkpd", api.EXAMPLE_FORUM_IN, "record_forum_rkpd",
     (2027, api.EXAMPLE_FORUM_IN), {}),
    ("GET", "/v1/musrenbang/2027/forum-rkpd", None, "get_forum_rkpd", (2027,), {}),
    ("POST", "/v1/musrenbang/2027/forum-rkpd/close", None, "close_forum_rkpd", (2027,), {}),
    ("GET", "/v1/musrenbang/2027/forum-rkpd/berita-acara", None, "forum_rkpd_berita_acara", (2027,), {}),
])
def test_each_operation_makes_its_rpc_call(client, rpc, as_role, method, path, body, rpc_method, args, kwargs):
    rpc.answers[("musrenbang", rpc_method)] = {"ok": True}
    result = client.simulate_request(method, path, json=body, headers=as_role(BAPPEDA))
    assert result.status_code in (200, 201), result.text
    assert calls(rpc) == [(rpc_method, args, kwargs)]
    inspect.signature(getattr(MusrenbangService, rpc_method)).bind(None, *args, **kwargs)


def test_the_markdown_berita_acara_carries_its_digest(client, rpc, as_role):
    rpc.answers[("musrenbang", "forum_rkpd_berita_acara")] = {"document": "# BERITA ACARA\n", "digest": "x"}
    result = client.simulate_get("/v1/musrenbang/2027/forum-rkpd/berita-acara.md", headers=as_role(OPD))
    assert result.status_code == 200 and result.text == "# BERITA ACARA\n"
    expected = base64.b64encode(hashlib.sha256(b"# BERITA ACARA\n").digest()).decode()
    assert result.headers["repr-digest"] == f"sha-256=:{expected}:"


def test_only_bappeda_sets_and_changes_every_role_reads(client, rpc, as_role):
    rpc.answers[("musrenbang", "get_calendar")] = api.EXAMPLE_KALENDER
    for role in (KECAMATAN, OPD, "anggota_dprd"):
        assert client.simulate_put("/v1/kalender/2027", json=api.EXAMPLE_KALENDER_IN,
                                   headers=as_role(role)).status_code == 403
        assert client.simulate_post("/v1/kalender/2027/desa/close_early", json={"reason": "x"},
                                    headers=as_role(role)).status_code == 403
        assert client.simulate_post("/v1/musrenbang/2027/forum-rkpd/close", headers=as_role(role)).status_code == 403
        assert client.simulate_get("/v1/kalender/2027", headers=as_role(role)).status_code == 200
    assert [m for m, _, _ in calls(rpc)] == ["get_calendar"] * 3


def _fields(result) -> set[str]:
    assert result.status_code == 422 and result.headers["content-type"] == "application/problem+json", result.text
    return {e["field"] for e in result.json["errors"]}


def test_bad_bodies_are_refused_field_by_field_before_the_service(client, rpc, as_role):
    headers = as_role(BAPPEDA)
    steps = [dict(s) for s in api.EXAMPLE_KALENDER_IN["steps"]]
    steps[0]["step"] = "musrenbang_provinsi"
    steps[2]["opens_at"] = "2026-01-05"  # no time, no zone
    steps[3]["bonus"] = 1
    assert {"steps[0].step", "steps[2].opens_at", "steps[3].bonus"} <= _fields(
        client.simulate_put("/v1/kalender/2027", json={"steps": steps}, headers=headers))
    assert "steps" in _fields(client.simulate_put("/v1/kalender/2027", json={"steps": steps[:8]}, headers=headers))
    assert "step" in _fields(client.simulate_post("/v1/kalender/2027/provinsi/close_early", json={"reason": "x"},
                                                  headers=headers))
    assert "closes_at" in _fields(client.simulate_post("/v1/kalender/2027/desa/extend", json={"reason": "x"},
                                                       headers=headers))
    assert "closes_at" in _fields(client.simulate_post("/v1/kalender/2027/desa/close_early",
                                                       json={"reason": "x", "closes_at": "2026-02-08T00:00:00+07:00"},
                                                       headers=headers))
    forum = {**api.EXAMPLE_FORUM_IN, "peserta": [{"nama": "A", "unsur": "lsm"}], "tanggal": "18-03-2026"}
    assert {"peserta[0].unsur", "tanggal"} <= _fields(
        client.simulate_post("/v1/musrenbang/2027/forum-rkpd", json=forum, headers=headers))
    assert calls(rpc) == []
