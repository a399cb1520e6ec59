"""/v1/rkpd through the real app with a fake RPC: each operation makes the right `rkpd.<method>`
call and answers what the service said (server paths removed, files as URLs); only Bappeda gets
through; input is checked before any call; files are served byte for byte with their SHA-256."""
from __future__ import annotations

import base64
import copy
import hashlib

import pytest

from gateway.api import rkpd as api
from gateway.api.schemas import field_errors
from gateway.app import create_app
from gateway.exceptions import Conflict, Forbidden, NotFound, ValidationError
from gateway.problems import PROBLEM_CONTENT_TYPE
from gateway_fakes import SERVICES

HASH = "ab" * 32
FILES = {"rkpd.json": {"sha256": HASH, "bytes": 10}, "rkpd.xlsx": {"sha256": HASH, "bytes": 20},
         "rkpd.html": {"sha256": HASH, "bytes": 30}, "rkpd.pdf": {"sha256": HASH, "bytes": 40}}
LOCATION = "/srv/eplanning/var/rkpd/12.21/2027/v2"
OTHER_ROLES = [("operator_desa", {"wilayah": "12.21.01.2001"}), ("operator_kecamatan", {"wilayah": "12.21.01"}),
               ("opd", {"opd": "1.03.0.00.0.00.01.0000"}), ("anggota_dprd", {"anggota_id": "A01"}),
               ("staf_ahli", {"anggota_id": "A01"}), ("setwan", {}), ("admin", {})]


def line(tingkat, kode, pagu="100000000.00", **more):
    leaf = tingkat == "sub_kegiatan"
    return {"tingkat": tingkat, "kode": kode, "uraian": f"Uraian {kode}", "opd": "1.03.0.00.0.00.01.0000",
            "row_id": "R1" if leaf else None, "indikator": "Panjang drainase" if leaf else None,
            "target_n": "150" if leaf else None, "satuan": "meter" if leaf else None, "pagu_n": pagu,
            "lokasi": ["12.21.07"] if leaf else [], "sumber_dana": "DAU" if leaf else None,
            "prioritas_nasional": [], "prioritas_daerah": [], "kelompok_sasaran": "Warga" if leaf else None,
            "target_n1": None, "pagu_n1": "0.00", **more}


DOCUMENT = {
    "schema": "eplanning.rkpd/1", "pemda": "12.21", "pemda_nama": "Padang Lawas", "tahun": 2027,
    "versi": "rancangan", "nomor_versi": 2, "inputs": {"musrenbang": HASH, "pokir": HASH, "renja": HASH},
    "bab": [{"nomor": n, "judul": f"BAB {n}", "bagian": [{"judul": "Latar Belakang", "jenis": "narasi", "teks": "x"}]
             + ([{"judul": "Tabel V", "jenis": "tabel_v"}] if n == "V" else [])} for n in api.ROMAN],
    "tabel_v": {"baris": [line("opd", "1.03.0.00.0.00.01.0000"), line("urusan", "1"),
                          line("sub_kegiatan", "1.03.06.2.01.0012")],
                "total_n": "100000000.00", "total_n1": "0.00"},
    "lampiran": {"usulan": [{"id": "U1", "tracking_code": "ABCDEFG2", "kecamatan": "12.21.07",
                             "kecamatan_nama": "Barumun", "desa": "12.21.07.1001", "desa_nama": "Pasar",
                             "gagasan": "Drainase pasar", "opd": "1.03.0.00.0.00.01.0000",
                             "cost_awal": "85000000.00", "cost_akhir": "100000000.00",
                             "status_musrenbang": "diterima dengan perubahan", "alasan": "Diperpanjang",
                             "keputusan_opd": "diakomodasi", "alasan_opd": None, "status_akhir": "diakomodasi",
                             "alasan_akhir": "Diperpanjang"}],
                 "pokir": [{"id": "P1", "anggota": "Anggota DPRD 01", "fraksi": "Fraksi B", "dapil": "PALAS-1",
                            "judul": "Sumur bor", "kecamatan": "12.21.07", "desa": "12.21.07.1001",
                            "opd": "1.03.0.00.0.00.01.0000", "cost": "190000000.00", "status": "disampaikan",
                            "alasan": None}]},
    "ringkasan": {"per_kecamatan": [{"kecamatan": "12.21.07", "nama": "Barumun", "jumlah": 1, "diterima": 1,
                                     "ditolak": 0, "lainnya": 0, "nilai_diterima": "100000000.00"}],
                  "per_opd": [{"opd": "1.03.0.00.0.00.01.0000", "nama": "Dinas PUPR", "baris": 1,
                               "pagu_n": "100000000.00", "pagu_n1": "0.00", "usulan_diakomodasi": 1,
                               "pokir_diakomodasi": 0}],
                  "per_urusan": [{"urusan": "1", "nama": "Urusan wajib", "baris": 1, "pagu_n": "100000000.00",
                                  "pagu_n1": "0.00"}]},
    "grand_total": {"pagu_n": "100000000.00", "pagu_n1": "0.00"},
}
DIFF = {"from": {"versi": "rancangan awal", "nomor_versi": 1, "hash": HASH},
        "to": {"versi": "rancangan", "nomor_versi": 2, "hash": HASH},
        "rows": {"added": [], "removed": [],
                 "changed": [{"opd": "1.03.0.00.0.00.01.0000", "kode": "1.03.06.2.01.0012", "row_id": "R1",
                              "uraian": "Uraian", "columns": {"pagu_n": {"before": "90000000.00",
                                                                         "after": "100000000.00"}}}]},
        "totals": {"pagu_n": {"before": "90000000.00", "after": "100000000.00", "delta": "10000000.00"},
                   "pagu_n1": {"before": "0.00", "after": "0.00", "delta": "0.00"}},
        "annex": {"usulan": {"added": [], "removed": [], "changed": []},
                  "pokir": {"added": [], "removed": [], "changed": []}},
        "chapters": ["V"], "unchanged": False}
VERSIONS = [
    {"nomor": 1, "versi": "rancangan awal", "content_hash": HASH, "location": LOCATION[:-1] + "1", "files": FILES,
     "diff": None, "stale_reason": None, "ditetapkan": False, "created_at": "2026-04-01T08:00:00+00:00"},
    {"nomor": 2, "versi": "rancangan", "content_hash": HASH, "location": LOCATION, "files": FILES,
     "diff": DIFF, "stale_reason": None, "ditetapkan": False, "created_at": "2026-04-02T08:00:00+00:00"},
]
ASSEMBLED = {"nomor": 3, "versi": "rancangan", "content_hash": HASH, "location": LOCATION[:-1] + "3", "files": FILES,
             "diff": {"rows_added": 0, "rows_removed": 0, "rows_changed": 1}}
STATUS = copy.deepcopy(api.EX_STATUS)


@pytest.fixture
def app(rpc, broker, auth, idempotency_store):
    return create_app(rpc=rpc, broker_check=broker, services=SERVICES, readiness_timeout=2.0, max_body_bytes=1024,
                      auth=auth, idempotency_store=idempotency_store, deps={})


@pytest.fixture
def bappeda(make_user, bearer):
    make_user("bappeda1")
    return bearer("bappeda1")


def calls(rpc):
    return [(m, a, k) for s, m, a, k in rpc.calls if s == "rkpd"]


def remote(kind, method, detail, code):
    return kind("rkpd", method, kind.__name__, {"detail": detail, "code": code})


def op(operation_id):
    return next(o for o in api.OPERATIONS if o.operation_id == operation_id)


def file_answer(content: bytes, fmt="pdf", nomor=2, versi="rancangan", sha256=None):
    name, media = api.FORMATS[fmt]
    return {"pemda": "12.21", "tahun": 2027, "nomor": nomor, "versi": versi, "format": fmt, "filename": name,
            "media_type": media, "bytes": len(content), "sha256": sha256 or hashlib.sha256(content).hexdigest(),
            "content_base64": base64.b64encode(content).decode()}


# every operation, as a request a Bappeda user could send
REQUESTS = [
    ("GET", "/v1/rkpd/2027/status", None),
    ("GET", "/v1/rkpd/2027/versions", None),
    ("GET", "/v1/rkpd/2027/document", None),
    ("GET", "/v1/rkpd/2027/files/pdf", None),
    ("GET", "/v1/rkpd/2027/narrative/1", None),
    ("PUT", "/v1/rkpd/2027/narrative/1", api.EX_NARRATIVE_IN),
    ("POST", "/v1/rkpd/2027/assemble", None),
    ("POST", "/v1/rkpd/2027/promote", {"to": "rancangan"}),
    ("GET", "/v1/rkpd/2027/rancangan-awal", None),
    ("PUT", "/v1/rkpd/2027/rancangan-awal", api.EX_RANCANGAN_AWAL_IN),
    ("POST", "/v1/rkpd/2027/rancangan-awal/publish", None),
    ("POST", "/v1/rkpd/2027/penetapan", {"nomor_perkada": "17 Tahun 2026", "tanggal_perkada": "2026-06-30"}),
    ("POST", "/v1/rkpd/2027/perubahan", {"opds": ["1.03.0.00.0.00.01.0000"], "alasan": "Banjir bandang"}),
    ("POST", "/v1/rkpd/2027/perubahan/assemble", None),
]


def test_every_operation_has_a_request_here_and_is_for_bappeda_only():
    assert {(o.method, o.path.replace("{tahun:int}", "2027").replace("{fmt}", "pdf").replace("{bab:int}", "1"))
            for o in api.OPERATIONS} == {(m, p) for m, p, _ in REQUESTS}
    assert all(o.roles == frozenset({"bappeda"}) for o in api.OPERATIONS)


@pytest.mark.parametrize("method, path, body", REQUESTS)
def test_without_a_token_every_operation_is_401(client, rpc, method, path, body):
    result = client.simulate_request(method, path, json=body)
    assert result.status_code == 401 and result.headers["content-type"] == PROBLEM_CONTENT_TYPE
    assert calls(rpc) == []


@pytest.mark.parametrize("role, scopes", OTHER_ROLES)
def test_every_other_role_is_403_before_any_call(client, rpc, make_user, bearer, role, scopes):
    make_user("someone", role=role, **scopes)
    headers = bearer("someone")
    for method, path, body in REQUESTS:
        result = client.simulate_request(method, path, json=body, headers=headers)
        assert result.status_code == 403, (role, method, path)
    assert calls(rpc) == []


# -- reads --------------------------------------------------------------------------------------


def test_status_is_the_services_answer(client, rpc, bappeda):
    rpc.answers[("rkpd", "status")] = STATUS
    result = client.simulate_get("/v1/rkpd/2027/status", headers=bappeda)
    assert result.status_code == 200 and result.json == STATUS
    assert calls(rpc) == [("status", (2027,), {})]
    assert field_errors(result.json, op("rkpd.getStatus").response) == []
    assert result.headers["etag"]


def test_a_year_out_of_range_is_refused_before_any_call(client, rpc, bappeda):
    result = client.simulate_get("/v1/rkpd/1999/status", headers=bappeda)
    assert result.status_code == 422 and result.json["errors"][0]["field"] == "tahun"
    assert calls(rpc) == []


def test_versions_hide_the_server_path_and_link_every_file(client, rpc, bappeda):
    rpc.answers[("rkpd", "versions")] = copy.deepcopy(VERSIONS)
    result = client.simulate_get("/v1/rkpd/2027/versions", headers=bappeda)
    assert result.status_code == 200
    body = result.json
    assert field_errors(body, op("rkpd.listVersions").response) == []
    assert (body["pemda"], body["tahun"]) == ("12.21", 2027)
    assert [v["nomor"] for v in body["versions"]] == [1, 2]
    assert "location" not in result.text and "/srv/" not in result.text
    second = body["versions"][1]
    assert second["diff"] == DIFF
    assert set(second["files"]) == {"json", "xlsx", "html", "pdf"}
    pdf = second["files"]["pdf"]
    assert pdf == {"format": "pdf", "filename": "rkpd.pdf", "media_type": "application/pdf", "sha256": HASH,
                   "bytes": 40, "url": "http://falconframework.org/v1/rkpd/2027/files/pdf?nomor=2"}


def test_the_document_of_a_version_and_its_files(client, rpc, bappeda):
    rpc.answers[("rkpd", "document")] = {"document": DOCUMENT, "files": FILES, "location": LOCATION}
    result = client.simulate_get("/v1/rkpd/2027/document", params={"nomor": "2"}, headers=bappeda)
    assert result.status_code == 200
    assert calls(rpc) == [("document", (2027, 2), {})]
    assert field_errors(result.json, op("rkpd.getDocument").response) == []
    assert result.json["document"] == DOCUMENT and (result.json["nomor"], result.json["versi"]) == (2, "rancangan")
    assert "location" not in result.json and LOCATION not in result.text


def test_the_newest_document_when_no_nomor_is_given(client, rpc, bappeda):
    rpc.answers[("rkpd", "document")] = {"document": DOCUMENT, "files": FILES, "location": LOCATION}
    assert client.simulate_get("/v1/rkpd/2027/document", headers=bappeda).status_code == 200
    assert calls(rpc) == [("document", (2027, None), {})]


@pytest.mark.parametrize("nomor", ["0", "x", "-1"])
def test_a_bad_nomor_is_422_before_any_call(client, rpc, bappeda, nomor):
    result = client.simulate_get("/v1/rkpd/2027/document", params={"nomor": nomor}, headers=bappeda)
    assert result.status_code == 422 and result.json["errors"][0]["field"] == "nomor"
    assert calls(rpc) == []


def test_no_document_yet_is_404(client, rpc, bappeda):
    rpc.answers[("rkpd", "document")] = remote(NotFound, "document", "RKPD 12.21 2027 belum disusun", "rkpd_not_found")
    result = client.simulate_get("/v1/rkpd/2027/document", headers=bappeda)
    assert result.status_code == 404 and result.json["code"] == "rkpd_not_found"


def test_the_service_refusing_the_caller_is_403(client, rpc, bappeda):
    rpc.answers[("rkpd", "status")] = remote(Forbidden, "status", "Akses ditolak: hanya Bappeda", "bappeda_only")
    result = client.simulate_get("/v1/rkpd/2027/status", headers=bappeda)
    assert result.status_code == 403 and result.json["code"] == "bappeda_only"


# -- files --------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", list(api.FORMATS))
def test_each_file_is_served_byte_for_byte_with_its_sha256(client, rpc, bappeda, fmt):
    content = f"isi berkas {fmt} \x00\xff".encode("latin-1") * 50
    rpc.answers[("rkpd", "document_file")] = file_answer(content, fmt)
    result = client.simulate_get(f"/v1/rkpd/2027/files/{fmt}", params={"nomor": "2"}, headers=bappeda)
    assert result.status_code == 200
    assert calls(rpc) == [("document_file", (2027, 2, fmt), {})]
    assert result.content == content
    digest = hashlib.sha256(result.content)
    assert result.headers["x-content-sha256"] == digest.hexdigest()
    assert result.headers["repr-digest"] == "sha-256=:" + base64.b64encode(digest.digest()).decode() + ":"
    assert result.headers["digest"] == "SHA-256=" + base64.b64encode(digest.digest()).decode()
    assert result.headers["etag"] == '"' + digest.hexdigest()[:32] + '"'
    assert result.headers["content-type"] == api.FORMATS[fmt][1]
    assert f'rkpd_12.21_2027_v2.{fmt}' in result.headers["content-disposition"]
    assert (result.headers["x-rkpd-nomor"], result.headers["x-rkpd-versi"]) == ("2", "rancangan")
    again = client.simulate_get(f"/v1/rkpd/2027/files/{fmt}", params={"nomor": "2"}, headers={
        **bappeda, "If-None-Match": result.headers["etag"]})
    assert again.status_code == 304


def test_an_unknown_format_is_404_before_any_call(client, rpc, bappeda):
    result = client.simulate_get("/v1/rkpd/2027/files/docx", headers=bappeda)
    assert result.status_code == 404 and result.json["code"] == "format_not_found"
    assert calls(rpc) == []


def test_bytes_that_do_not_hash_to_the_services_sha256_are_never_served(client, rpc, bappeda):
    rpc.answers[("rkpd", "document_file")] = file_answer(b"%PDF-1.7 changed", sha256="0" * 64)
    result = client.simulate_get("/v1/rkpd/2027/files/pdf", headers=bappeda)
    assert result.status_code == 502 and result.json["code"] == "file_corrupt"
    assert b"%PDF" not in result.content


def test_a_file_changed_on_the_services_disk_is_409(client, rpc, bappeda):
    rpc.answers[("rkpd", "document_file")] = remote(Conflict, "document_file", "Berkas rkpd.pdf tidak cocok",
                                                    "file_mismatch")
    result = client.simulate_get("/v1/rkpd/2027/files/pdf", headers=bappeda)
    assert result.status_code == 409 and result.json["code"] == "file_mismatch"


# -- narrative, assembly, promotion -----------------------------------------------------------------


DEFAULT_TEXT = {"bab": 2, "sections": [{"judul": "Aspek Geografi", "teks": "Teks bawaan."}], "version": 0,
                "bawaan": True}


@pytest.fixture
def chapter(rpc):
    """Chapter II as the service keeps it: a version number and the sections, replaced only when
    the edit names the current version."""
    stored = copy.deepcopy(DEFAULT_TEXT)
    rpc.answers[("rkpd", "get_narrative")] = lambda tahun, bab: copy.deepcopy(stored)

    def replace(tahun, bab, sections, expected_version=None):
        if expected_version is not None and expected_version != stored["version"]:
            raise remote(Conflict, "set_narrative", "Narasi versi sudah usang", "stale_version")
        stored.update(sections=sections, version=stored["version"] + 1, bawaan=False)
        return copy.deepcopy(stored)

    rpc.answers[("rkpd", "set_narrative")] = replace
    return stored


def test_a_chapters_narrative_is_read_with_an_etag_and_replaced_with_if_match(client, rpc, bappeda, chapter):
    read = client.simulate_get("/v1/rkpd/2027/narrative/2", headers=bappeda)
    assert read.status_code == 200 and read.json == DEFAULT_TEXT and read.headers["etag"]
    result = client.simulate_put("/v1/rkpd/2027/narrative/2", json=api.EX_NARRATIVE_IN,
                                 headers={**bappeda, "If-Match": read.headers["etag"]})
    assert result.status_code == 200
    assert result.json == {"bab": 2, **api.EX_NARRATIVE_IN, "version": 1, "bawaan": False}
    assert calls(rpc)[-1] == ("set_narrative", (2027, 2, api.EX_NARRATIVE_IN["sections"]), {"expected_version": 0})


def test_a_narrative_edit_without_if_match_is_428_and_from_an_old_text_412(client, rpc, bappeda, chapter):
    assert client.simulate_put("/v1/rkpd/2027/narrative/2", json=api.EX_NARRATIVE_IN,
                               headers=bappeda).status_code == 428
    old = client.simulate_get("/v1/rkpd/2027/narrative/2", headers=bappeda).headers["etag"]
    mine = {"sections": [{"judul": "Aspek Geografi", "teks": "Versi rekan."}]}
    assert client.simulate_put("/v1/rkpd/2027/narrative/2", json=mine,
                               headers={**bappeda, "If-Match": old}).status_code == 200
    stale = client.simulate_put("/v1/rkpd/2027/narrative/2", json=api.EX_NARRATIVE_IN,
                                headers={**bappeda, "If-Match": old})
    assert stale.status_code == 412 and stale.headers["content-type"] == PROBLEM_CONTENT_TYPE
    assert chapter["sections"] == mine["sections"] and chapter["version"] == 1
    assert [c for c in calls(rpc) if c[0] == "set_narrative"] == [
        ("set_narrative", (2027, 2, mine["sections"]), {"expected_version": 0})]


def test_a_narrative_edit_that_loses_the_race_after_the_etag_check_is_412(client, rpc, bappeda, chapter):
    etag = client.simulate_get("/v1/rkpd/2027/narrative/2", headers=bappeda).headers["etag"]
    rpc.answers[("rkpd", "set_narrative")] = lambda *a, **k: (_ for _ in ()).throw(
        remote(Conflict, "set_narrative", "Narasi versi 0 sudah usang", "stale_version"))
    result = client.simulate_put("/v1/rkpd/2027/narrative/2", json=api.EX_NARRATIVE_IN,
                                 headers={**bappeda, "If-Match": etag})
    assert result.status_code == 412


@pytest.mark.parametrize("bab", [0, 5, 8])
def test_chapter_five_and_unknown_chapters_are_refused_before_any_call(client, rpc, bappeda, bab):
    result = client.simulate_put(f"/v1/rkpd/2027/narrative/{bab}", json=api.EX_NARRATIVE_IN, headers=bappeda)
    assert result.status_code == 422 and [e["field"] for e in result.json["errors"]] == ["bab"]
    assert calls(rpc) == []


@pytest.mark.parametrize("body, field", [
    ({}, "sections"), ({"sections": []}, "sections"), ({"sections": [{"judul": "", "teks": "x"}]}, "sections[0].judul"),
    ({"sections": [{"judul": "A"}]}, "sections[0].teks"), ({"sections": [{"judul": "A", "teks": "x", "x": 1}]},
                                                           "sections[0].x")])
def test_a_malformed_narrative_is_422_naming_the_field(client, rpc, bappeda, body, field):
    result = client.simulate_put("/v1/rkpd/2027/narrative/1", json=body, headers=bappeda)
    assert result.status_code == 422 and field in {e["field"] for e in result.json["errors"]}
    assert calls(rpc) == []


def test_assemble_answers_the_new_version_without_its_server_path(client, rpc, bappeda):
    rpc.answers[("rkpd", "assemble")] = copy.deepcopy(ASSEMBLED)
    result = client.simulate_post("/v1/rkpd/2027/assemble", headers=bappeda)
    assert result.status_code == 200
    assert calls(rpc) == [("assemble", (2027,), {})]
    assert result.json["nomor"] == 3 and "location" not in result.json
    assert result.json["files"]["xlsx"]["url"].endswith("/v1/rkpd/2027/files/xlsx?nomor=3")
    assert field_errors(result.json, op("rkpd.assemble").response) == []


def test_assemble_answers_the_status_when_nothing_was_assembled(client, rpc, bappeda):
    rpc.answers[("rkpd", "assemble")] = STATUS
    result = client.simulate_post("/v1/rkpd/2027/assemble", headers=bappeda)
    assert result.status_code == 200 and result.json == STATUS


def test_assemble_with_an_idempotency_key_runs_once(client, rpc, bappeda):
    rpc.answers[("rkpd", "assemble")] = copy.deepcopy(ASSEMBLED)
    headers = {**bappeda, "Idempotency-Key": "assemble-2027-0001"}
    first = client.simulate_post("/v1/rkpd/2027/assemble", headers=headers)
    second = client.simulate_post("/v1/rkpd/2027/assemble", headers=headers)
    assert first.json == second.json and second.headers["idempotent-replayed"] == "true"
    assert len(calls(rpc)) == 1


def test_promote_creates_a_published_version(client, rpc, bappeda):
    rpc.answers[("rkpd", "promote")] = copy.deepcopy(ASSEMBLED)
    result = client.simulate_post("/v1/rkpd/2027/promote", json={"to": "rancangan akhir"}, headers=bappeda)
    assert result.status_code == 201
    assert calls(rpc) == [("promote", (2027, "rancangan akhir"), {})]
    assert result.headers["location"].endswith("/v1/rkpd/2027/document?nomor=3")
    assert "location" not in result.json and field_errors(result.json, op("rkpd.promote").response) == []


@pytest.mark.parametrize("body", [{}, {"to": "rancangan awal"}, {"to": "final"}, {"to": "rancangan", "x": 1}])
def test_promote_to_an_unknown_stage_is_422_before_any_call(client, rpc, bappeda, body):
    result = client.simulate_post("/v1/rkpd/2027/promote", json=body, headers=bappeda)
    assert result.status_code == 422
    assert calls(rpc) == []


@pytest.mark.parametrize("kind, code, status", [(Conflict, "urutan_versi", 409), (Conflict, "penetapan_final", 409),
                                                (Conflict, "incomplete", 409), (ValidationError, "invalid", 422)])
def test_promotion_refused_by_the_service(client, rpc, bappeda, kind, code, status):
    rpc.answers[("rkpd", "promote")] = remote(kind, "promote", "Ditolak", code)
    result = client.simulate_post("/v1/rkpd/2027/promote", json={"to": "penetapan"}, headers=bappeda)
    assert result.status_code == status and result.json["code"] == code


def test_a_promotion_retried_with_its_key_is_not_promoted_twice(client, rpc, bappeda):
    rpc.answers[("rkpd", "promote")] = copy.deepcopy(ASSEMBLED)
    headers = {**bappeda, "Idempotency-Key": "promote-2027-rancangan"}
    first = client.simulate_post("/v1/rkpd/2027/promote", json={"to": "rancangan"}, headers=headers)
    second = client.simulate_post("/v1/rkpd/2027/promote", json={"to": "rancangan"}, headers=headers)
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.headers["location"] == first.headers["location"]
    assert len(calls(rpc)) == 1


# -- the schemas against the service's own shapes --------------------------------------------------


def test_the_document_schema_accepts_a_document_the_rkpd_domain_builds():
    from decimal import Decimal

    from rkpd.domain import (OpdIn, PokirIn, RenjaRowIn, UsulanIn, build_document, default_narrative,
                             diff)

    def build(versi, nomor, pagu):
        rows = [RenjaRowIn("R1", "1.03.0.00.0.00.01.0000", "1.03.06.2.01.0012", "Panjang drainase", Decimal("150"),
                           "meter", Decimal(pagu), Decimal("0"), ("12.21.07",), "DAU", ("PN2",), (), "Warga")]
        usulan = [UsulanIn("U1", "ABCDEFG2", "12.21.07", "Barumun", "12.21.07.1001", "Pasar", "Drainase",
                           "1.03.0.00.0.00.01.0000", Decimal("85000000"), Decimal("100000000"),
                           "diterima dengan perubahan", "Diperpanjang", "diakomodasi", None)]
        pokir = [PokirIn("P1", "Anggota 01", "Fraksi B", "PALAS-1", "Sumur", "12.21.07", None, None,
                         Decimal("190000000"), "disampaikan")]
        return build_document(pemda="12.21", pemda_nama="Padang Lawas", tahun=2027, versi=versi, nomor_versi=nomor,
                              rows=rows, opds=[OpdIn("1.03.0.00.0.00.01.0000", "Dinas PUPR")], names=None,
                              usulan=usulan, pokir=pokir, narrative=default_narrative("Padang Lawas", 2027),
                              inputs_digests={"musrenbang": HASH, "pokir": HASH, "renja": HASH})

    first, second = build("rancangan awal", 1, "90000000"), build("rancangan", 2, "100000000")
    assert field_errors(first, api.DOCUMENT) == []
    assert field_errors(diff(first, second), api.DIFF) == []
    assert field_errors(DOCUMENT, api.DOCUMENT) == [] and field_errors(DIFF, api.DIFF) == []


# -- the calendar of Permendagri 86/2017 -------------------------------------------------------------


def test_the_rancangan_awal_settings_go_to_the_service_and_come_back(client, rpc, bappeda):
    rpc.answers[("rkpd", "set_rancangan_awal")] = copy.deepcopy(api.EX_RANCANGAN_AWAL)
    result = client.simulate_put("/v1/rkpd/2027/rancangan-awal", json=api.EX_RANCANGAN_AWAL_IN, headers=bappeda)
    assert result.status_code == 200, result.json
    assert calls(rpc) == [("set_rancangan_awal", (2027, api.EX_RANCANGAN_AWAL_IN["prioritas"],
                                                  api.EX_RANCANGAN_AWAL_IN["pagu_kewilayahan"]), {})]
    assert field_errors(result.json, op("rkpd.setRancanganAwal").response) == []


@pytest.mark.parametrize("body, field", [
    ({}, "prioritas"), ({"prioritas": []}, "prioritas"), ({"prioritas": ["a"] * 51}, "prioritas"),
    ({"prioritas": ["Jalan"], "pagu_kewilayahan": [{"kecamatan": "12.21", "pagu": "1"}]},
     "pagu_kewilayahan.0.kecamatan"),
    ({"prioritas": ["Jalan"], "pagu_kewilayahan": [{"kecamatan": "12.21.07", "pagu": "1.234"}]},
     "pagu_kewilayahan.0.pagu"),
])
def test_bad_rancangan_awal_settings_are_422_naming_the_field_before_any_call(client, rpc, bappeda, body, field):
    result = client.simulate_put("/v1/rkpd/2027/rancangan-awal", json=body, headers=bappeda)
    assert result.status_code == 422
    assert result.headers["content-type"].startswith(PROBLEM_CONTENT_TYPE)
    assert any(e["field"].replace("/", ".").replace("[", ".").replace("]", "").strip(".") == field
               for e in result.json["errors"]), result.json["errors"]
    assert calls(rpc) == []


def test_a_field_error_of_the_service_is_422_with_its_fields(client, rpc, bappeda):
    rpc.answers[("rkpd", "set_rancangan_awal")] = ValidationError("rkpd", "set_rancangan_awal", "ValidationError", {
        "detail": "Data tidak valid", "code": "validation_error",
        "errors": [{"field": "pagu_kewilayahan[0].kecamatan", "message": "Kecamatan tidak dikenal", "code": "unknown"}]})
    result = client.simulate_put("/v1/rkpd/2027/rancangan-awal", json={
        "prioritas": ["Jalan"], "pagu_kewilayahan": [{"kecamatan": "12.99.01", "pagu": "1"}]}, headers=bappeda)
    assert result.status_code == 422
    assert [e["code"] for e in result.json["errors"]] == ["unknown"]


@pytest.mark.parametrize("path, method, body, args", [
    ("/v1/rkpd/2027/rancangan-awal/publish", "publish_rancangan_awal", None, (2027,)),
    ("/v1/rkpd/2027/penetapan", "penetapan", {"nomor_perkada": "17 Tahun 2026", "tanggal_perkada": "2026-06-30"},
     (2027, "17 Tahun 2026", "2026-06-30")),
    ("/v1/rkpd/2027/perubahan/assemble", "assemble_perubahan", None, (2027,)),
])
def test_each_calendar_version_is_created_with_its_document_link(client, rpc, bappeda, path, method, body, args):
    rpc.answers[("rkpd", method)] = copy.deepcopy(ASSEMBLED)
    result = client.simulate_post(path, json=body, headers=bappeda)
    assert result.status_code == 201, result.json
    assert calls(rpc) == [(method, args, {})]
    assert result.headers["location"].endswith("/v1/rkpd/2027/document?nomor=3")
    assert "location" not in result.json


@pytest.mark.parametrize("body", [{}, {"nomor_perkada": "17"}, {"nomor_perkada": "", "tanggal_perkada": "2026-06-30"},
                                  {"nomor_perkada": "17", "tanggal_perkada": "30-06-2026"}])
def test_a_penetapan_without_a_perkada_is_422_before_any_call(client, rpc, bappeda, body):
    result = client.simulate_post("/v1/rkpd/2027/penetapan", json=body, headers=bappeda)
    assert result.status_code == 422 and result.json["errors"]
    assert calls(rpc) == []


@pytest.mark.parametrize("code", ["belum_rancangan_akhir", "penetapan_final", "rancangan_akhir_usang"])
def test_a_penetapan_refused_by_the_service_is_409_with_its_code(client, rpc, bappeda, code):
    rpc.answers[("rkpd", "penetapan")] = remote(Conflict, "penetapan", "Ditolak", code)
    result = client.simulate_post("/v1/rkpd/2027/penetapan", json={"nomor_perkada": "17",
                                                                   "tanggal_perkada": "2026-06-30"}, headers=bappeda)
    assert result.status_code == 409 and result.json["code"] == code


def test_a_perubahan_is_opened_for_named_opds_with_a_reason(client, rpc, bappeda):
    answer = {"pemda": "12.21", "tahun": 2027, "nomor_versi_dasar": 4, "opds": ["1.03.0.00.0.00.01.0000"],
              "alasan": "Banjir bandang", "opened_by": "b"}
    rpc.answers[("rkpd", "open_perubahan")] = answer
    result = client.simulate_post("/v1/rkpd/2027/perubahan", json={"opds": ["1.03.0.00.0.00.01.0000"],
                                                                   "alasan": "Banjir bandang"}, headers=bappeda)
    assert result.status_code == 201 and result.json == answer
    assert calls(rpc) == [("open_perubahan", (2027, ["1.03.0.00.0.00.01.0000"], "Banjir bandang"), {})]
    for body in ({"opds": [], "alasan": "Banjir"}, {"opds": ["1.03.0.00.0.00.01.0000"]}, {"alasan": "Banjir"}):
        assert client.simulate_post("/v1/rkpd/2027/perubahan", json=body, headers=bappeda).status_code == 422
    assert len(calls(rpc)) == 1
