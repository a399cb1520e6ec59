"""Aggregation: the dashboard and the usulan trace call the services in parallel with a deadline
and report a failed part in the answer instead of failing (or hiding) it."""
from __future__ import annotations

import pytest

from gateway.exceptions import Forbidden, NotFound, ServiceTimeout, ServiceUnavailable

SCHEDULE = {"tahun": 2027, "windows": [], "version": 1, "closed": False}
MUSRENBANG = {"tahun": 2027, "total": {"jumlah": 3, "nilai": "1500000"}, "per_kecamatan": []}
POKIR = {"tahun": 2027, "total": {"jumlah": 2, "nilai": "900000"}}
RENJA = [{"opd": "1.02.0.00.0.00.01.0000", "rows": 4, "total_n": "100"}]
RKPD = {"tahun": 2027, "tahap": {}}

USULAN = {
    "id": "U-1", "tracking_code": "MUS-7K2Q", "tahun": 2027, "pemda": "12.21", "kecamatan": "12.21.01",
    "desa": "12.21.01.2001", "gagasan": "Rabat beton", "volume": "100", "cost": "50000000", "status": "submitted",
    "submitted_at": "2026-01-10T02:00:00+00:00",
    "pengusul": {"nama": "Budi", "telepon": "0812", "nik": "1221", "kelompok": "RT 01"},
    "status_per_level": {"desa": "diterima", "kecamatan": "diterima", "kabupaten": "diterima"},
    "decisions": [{"level": "kecamatan", "status": "diterima", "reason": "prioritas", "by": "u-1",
                   "at": "2026-02-01T00:00:00+00:00"}],
    "tindak_lanjut": [{"opd": "1.03.0.00.0.00.01.0000", "decision": "diakomodasi", "reason": "ok",
                       "renja_row_id": "R-9", "decided_at": "2026-03-20T00:00:00+00:00"}],
}


@pytest.fixture
def bappeda(make_user, bearer):
    make_user("bappeda1", role="bappeda")
    return bearer("bappeda1")


@pytest.fixture
def answers(rpc):
    rpc.answers.update({
        ("musrenbang", "get_schedule"): SCHEDULE, ("musrenbang", "summary"): MUSRENBANG,
        ("pokir", "summary"): POKIR, ("renja", "totals"): RENJA, ("rkpd", "status"): RKPD,
        ("musrenbang", "get_usulan"): USULAN,
        ("renja", "trace"): {"source": "musrenbang", "source_id": "U-1", "inbox": [], "rows": [{"row_id": "R-9"}]},
        ("rkpd", "trace"): {"versi": {"nomor": 2}, "lampiran": {"id": "U-1"}, "baris": [{"row_id": "R-9"}]},
    })
    return rpc.answers


def test_dashboard_of_bappeda_has_every_section_fetched_in_one_parallel_batch(client, rpc, answers, bappeda):
    result = client.simulate_get("/v1/dashboard/2027", headers=bappeda)
    assert result.status_code == 200
    body = result.json
    assert body["partial"] is False and body["gagal"] == []
    assert body["bagian"]["musrenbang"] == {"status": "ok", "data": MUSRENBANG}
    assert body["bagian"]["renja"]["data"] == RENJA
    assert set(body["bagian"]) == {"jadwal_musrenbang", "musrenbang", "pokir", "renja", "rkpd"}
    assert len(rpc.batches) == 1 and rpc.batches[0] == 5.0  # one deadline for the parallel calls
    assert {(s, m, a) for s, m, a, _ in rpc.calls} >= {("renja", "totals", (2027,)), ("rkpd", "status", (2027,))}


def test_a_late_or_missing_service_is_reported_not_hidden(client, answers, bappeda):
    answers[("rkpd", "status")] = ServiceTimeout("rkpd", "status", 5.0)
    answers[("pokir", "summary")] = ServiceUnavailable("pokir", "summary", "no instance is listening")
    body = client.simulate_get("/v1/dashboard/2027", headers=bappeda).json
    assert body["partial"] is True
    assert sorted(body["gagal"]) == ["pokir", "rkpd"]
    assert body["bagian"]["rkpd"]["error"]["status"] == 504
    assert body["bagian"]["pokir"]["error"]["status"] == 503
    assert body["bagian"]["musrenbang"]["status"] == "ok"


def test_a_section_refused_by_the_service_shows_its_status(client, answers, bappeda):
    answers[("renja", "totals")] = Forbidden("renja", "totals", "Forbidden", {"detail": "Akses ditolak", "code": "x"})
    body = client.simulate_get("/v1/dashboard/2027", headers=bappeda).json
    assert body["bagian"]["renja"]["error"] == {"status": 403, "code": "x", "service": "renja",
                                                "detail": "Akses ditolak"}


def test_the_timeout_is_configurable(client, rpc, answers, bappeda, monkeypatch):
    monkeypatch.setenv("GATEWAY_AGGREGATE_TIMEOUT_SECONDS", "1.5")
    client.simulate_get("/v1/dashboard/2027", headers=bappeda)
    assert rpc.batches == [1.5]


@pytest.mark.parametrize("role, scope, sections", [
    ("operator_kecamatan", {"wilayah": "12.21.01"}, {"jadwal_musrenbang", "musrenbang"}),
    ("opd", {"opd": "1.02.0.00.0.00.01.0000"}, {"renja"}),
    ("setwan", {}, {"pokir"}),
    ("anggota_dprd", {"anggota_id": "A-01"}, {"pokir"}),
])
def test_other_roles_get_their_own_sections_only(client, rpc, answers, make_user, bearer, role, scope, sections):
    make_user("user1", role=role, **scope)
    body = client.simulate_get("/v1/dashboard/2027", headers=bearer("user1")).json
    assert set(body["bagian"]) == sections
    assert {(s, m) for s, m, _, _ in rpc.calls} == {
        {"jadwal_musrenbang": ("musrenbang", "get_schedule"), "musrenbang": ("musrenbang", "summary"),
         "pokir": ("pokir", "summary"), "renja": ("renja", "totals"), "rkpd": ("rkpd", "status")}[s]
        for s in sections}


def test_admin_has_no_dashboard(client, make_user, bearer, rpc):
    make_user("root", role="admin")
    assert client.simulate_get("/v1/dashboard/2027", headers=bearer("root")).status_code == 403
    assert rpc.calls == []


def test_trace_follows_the_usulan_from_desa_to_the_rkpd(client, rpc, answers, bappeda):
    result = client.simulate_get("/v1/usulan/U-1/trace", headers=bappeda)
    assert result.status_code == 200
    body = result.json
    assert body["usulan"]["tracking_code"] == "MUS-7K2Q"
    assert body["musrenbang"]["keputusan"][0]["reason"] == "prioritas"
    assert body["tindak_lanjut_opd"][0]["renja_row_id"] == "R-9"
    assert body["renja"]["data"]["rows"] == [{"row_id": "R-9"}]
    assert body["rkpd"]["data"]["baris"] == [{"row_id": "R-9"}]
    assert body["partial"] is False
    # the rkpd lookup is asked for exactly the rows the OPD decided into
    (rkpd_call,) = [c for c in rpc.calls if c[:2] == ("rkpd", "trace")]
    assert rkpd_call[2] == (2027, "usulan", "U-1", ["R-9"])


def test_trace_never_shows_the_proposers_personal_data(client, answers, bappeda):
    text = client.simulate_get("/v1/usulan/U-1/trace", headers=bappeda).text
    assert "Budi" not in text and "0812" not in text and "pengusul" not in text


def test_trace_reports_a_failed_part(client, answers, bappeda):
    answers[("rkpd", "trace")] = ServiceTimeout("rkpd", "trace", 5.0)
    body = client.simulate_get("/v1/usulan/U-1/trace", headers=bappeda).json
    assert body["partial"] is True and body["gagal"] == ["rkpd"]
    assert body["renja"]["status"] == "ok"


@pytest.mark.parametrize("error, status", [
    (NotFound("musrenbang", "get_usulan", "NotFound", {"detail": "Usulan tidak ditemukan"}), 404),
    (Forbidden("musrenbang", "get_usulan", "Forbidden", {"detail": "Akses ditolak"}), 403),
])
def test_trace_stops_where_musrenbang_refuses(client, rpc, answers, make_user, bearer, error, status):
    answers[("musrenbang", "get_usulan")] = error
    make_user("desa1", role="operator_desa", wilayah="12.21.02.2001")
    result = client.simulate_get("/v1/usulan/U-1/trace", headers=bearer("desa1"))
    assert result.status_code == status
    assert [c[:2] for c in rpc.calls] == [("musrenbang", "get_usulan")]
